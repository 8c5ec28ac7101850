package idp_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"eulogin/internal/idp/idptest"
)

// TestMailRateLimit: at most 5 e-mails per address per hour. The 6th
// lost-password request gets 429 with the time to try again and sends
// nothing; an hour later it works again. Known and unknown addresses get the
// same answers, so the limit tells nothing about who has an account.
func TestMailRateLimit(t *testing.T) {
	idptest.Engines(t, func(t *testing.T, eng idptest.Engine) {
		e := idptest.New(t, idptest.Options{Engine: eng})
		e.CreateAccount(t, e.NewBrowser(t), ana) // 1 e-mail at 09:00
		e.Clock.Advance(time.Hour)               // 10:00: the registration e-mail no longer counts
		b := e.NewBrowser(t)
		const unknown = "nobody@example.org"
		norm := func(p *idptest.Page, email string) string { return strings.ReplaceAll(p.Body, email, "EMAIL") }
		lost := func(t *testing.T, email string) *idptest.Page {
			t.Helper()
			return b.Post("/password/lost", url.Values{"email": {email}})
		}
		for i := 1; i <= 5; i++ {
			known, other := lost(t, ana.Email), lost(t, unknown)
			wantPage(t, known, 200, h1CheckEmail)
			if other.Status != known.Status || norm(other, unknown) != norm(known, ana.Email) {
				t.Errorf("request %d: the answers for a known and an unknown address differ", i)
			}
		}
		if got := len(mailsTo(e, ana.Email)); got != 6 {
			t.Fatalf("e-mails to %s = %d, want 6 (registration and 5 resets)", ana.Email, got)
		}
		wantMailCount(t, e, 6)

		for _, email := range []string{ana.Email, unknown, "ANA@Example.org"} {
			t.Run("6th request for "+email, func(t *testing.T) {
				page := lost(t, email)
				wantPage(t, page, 429, "Lost your password?")
				wantErrors(t, page, "Too many e-mails have been requested. Try again after 02/03/2026 12:00 CET.")
				if got := page.Input("email"); got != email {
					t.Errorf("e-mail shown again as %q, want %q", got, email)
				}
				wantMailCount(t, e, 6)
			})
		}
		if k, u := lost(t, ana.Email), lost(t, unknown); k.Status != u.Status || norm(k, ana.Email) != norm(u, unknown) {
			t.Error("the refusals for a known and an unknown address differ")
		}
		// Another address is not affected.
		wantPage(t, lost(t, "someone@example.org"), 200, h1CheckEmail)

		e.Clock.Advance(time.Hour)
		for _, email := range []string{ana.Email, unknown} {
			wantPage(t, lost(t, email), 200, h1CheckEmail)
		}
		if got := len(mailsTo(e, ana.Email)); got != 7 {
			t.Errorf("e-mails to %s an hour later = %d, want 7", ana.Email, got)
		}
		// In ana's e-mail language (Romanian).
		if m, want := lastMail(t, e, ana.Email), subject(e, ana.EmailLang, "reset"); m.Subject != want {
			t.Errorf("last e-mail %q, want %q", m.Subject, want)
		}
		wantMailCount(t, e, 7)
	})
}

// TestRegisterRateLimit: registrations count against the same limit, for
// new and existing addresses alike.
func TestRegisterRateLimit(t *testing.T) {
	e := idptest.New(t, idptest.Options{})
	b := e.NewBrowser(t)
	for i := 1; i <= 5; i++ {
		// The 1st creates the account, the others tell its owner it exists.
		if page := b.Register(ana); page.Status != 200 {
			t.Fatalf("registration %d: %d %v", i, page.Status, page.Errors())
		}
	}
	page := b.Register(ana)
	wantPage(t, page, 429, "Create an account")
	wantErrors(t, page, "Too many e-mails have been requested. Try again after 02/03/2026 11:00 CET.")
	if page.Input("first_name") != ana.First || page.Input("email") != ana.Email {
		t.Errorf("input not kept: %q %q", page.Input("first_name"), page.Input("email"))
	}
	wantMailCount(t, e, 5)
}
