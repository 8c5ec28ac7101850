package e2e_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestPortalThroughEULogin is step 1 of the guide in a browser: the ECI
// portal's "Organiser account" button leads to EU Login; a new user creates
// an account, sets the password from the e-mail (read in the dev outbox),
// logs in and lands on the portal's dashboard; after leaving the portal, a
// second visit passes through EU Login without a password (single sign-on);
// logging out of EU Login ends the portal's session too (single logout).
func TestPortalThroughEULogin(t *testing.T) {
	s := startSystem(t)
	ctx := newBrowser(t, "en")
	const email, pw = "ana.ionescu@example.org", "Ghiocel de martie 42"

	run(t, ctx, "portal → Organiser account → EU Login",
		chromedp.Navigate(s.Portal+"/?lang=en"),
		press("Organiser account"),
		heading("Log in"),
	)
	var url string
	run(t, ctx, "the login page is EU Login's", chromedp.Location(&url))
	if !strings.HasPrefix(url, s.IdP+"/login?") || !strings.Contains(url, "service=") {
		t.Fatalf("Organiser account led to %s, want the IdP's CAS login", url)
	}

	run(t, ctx, "create an account",
		press("Create an account"),
		heading("Create an account"),
		fill("First name", "Ana-Maria"),
		fill("Last name", "Ionescu"),
		fill("E-mail", email),
		fill("Confirm e-mail", email),
		chromedp.WaitVisible(`[data-botcheck-status][data-state="done"]`, chromedp.ByQuery),
		tick("By checking this box, you acknowledge that you have read and understood the privacy statement"),
		press("Create an account"),
		heading("Check your e-mail"),
	)

	run(t, ctx, "read the e-mail in the dev outbox and follow the link",
		chromedp.Navigate(s.IdP+"/dev/outbox"),
		press("Create your EU Login password"),
		chromedp.Click(`//div[@class="pre"]//a[contains(., "/password/new/")]`, chromedp.BySearch),
		heading("Create your password"),
		fill("New password", pw),
		fill("Confirm new password", pw),
		press("Submit"),
		heading("Your password has been saved"),
	)

	run(t, ctx, "back to the portal, log in with the password",
		chromedp.Navigate(s.Portal+"/"),
		press("Organiser account"),
		heading("Log in"),
		fill("E-mail address", email),
		press("Next"),
		heading("Choose your verification method"),
		press("Next"),
		heading("Enter your password"),
		fill("Password", pw),
		press("Log in"),
		heading("Welcome, Ana-Maria"),
	)
	var dashboard string
	run(t, ctx, "read the dashboard", chromedp.Location(&url), chromedp.Text("main", &dashboard, chromedp.ByQuery))
	if !strings.HasPrefix(url, s.Portal+"/dashboard") || !strings.Contains(dashboard, email) || !strings.Contains(dashboard, "Password") {
		t.Errorf("dashboard at %s shows %q", url, dashboard)
	}

	run(t, ctx, "leave the portal, come back: single sign-on, no password",
		press("Log out of the organiser account"),
		chromedp.WaitVisible(`//*[self::button or self::a][normalize-space(.)="Organiser account" or normalize-space(.)="Log in again"]`, chromedp.BySearch),
		chromedp.Navigate(s.Portal+"/"),
		press("Organiser account"),
		heading("Welcome, Ana-Maria"),
	)

	// Single logout: logging out in EU Login's My Account makes EU Login
	// POST a logout request to the portal, which ends its own session; the
	// portal then sends the visitor to EU Login, which asks to log in.
	run(t, ctx, "log out of EU Login in My Account; the portal session ends too",
		chromedp.Navigate(s.IdP+"/account"),
		heading("My Account"),
		press("Log out"),
		heading("You have been logged out"),
		chromedp.Navigate(s.Portal+"/dashboard"),
		heading("Log in"),
	)
	run(t, ctx, "where the dashboard led", chromedp.Location(&url))
	if !strings.HasPrefix(url, s.IdP+"/login") {
		t.Errorf("after single logout /dashboard led to %s, want EU Login's login", url)
	}
}
