package e2e_test

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// TestRegisterInBrowser fills in "Create an account" in Chromium: the proof of
// work runs in the page's Web Worker, and the form is accepted.
func TestRegisterInBrowser(t *testing.T) {
	s := startSystem(t)
	ctx := newBrowser(t, "en")
	run(t, ctx, "open the registration page",
		chromedp.Navigate(s.IdP+"/register?lang=en"),
		heading("Create an account"),
	)
	run(t, ctx, "fill in the form",
		fill("First name", "Ana-Maria"),
		fill("Last name", "Ionescu"),
		fill("E-mail", "ana@example.org"),
		fill("Confirm e-mail", "ana@example.org"),
		chromedp.WaitVisible(`[data-botcheck-status][data-state="done"]`, chromedp.ByQuery),
		tick("By checking this box, you acknowledge that you have read and understood the privacy statement"),
		press("Create an account"),
		heading("Check your e-mail"),
	)
}
