package idp_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"eulogin/internal/idp/idptest"
	"eulogin/internal/store"
)

var ana = idptest.Person{First: "Ana-Maria", Last: "Ionescu", Email: "ana@example.org", EmailLang: "ro", Password: "Ghiocel de martie 42"}

// TestGuideFlow walks step 2 of the seed guide over HTTP: create an account,
// read the e-mail, set the password, log in, use My Account, log out, and
// reset a forgotten password.
func TestGuideFlow(t *testing.T) {
	idptest.Engines(t, func(t *testing.T, eng idptest.Engine) {
		e := idptest.New(t, idptest.Options{Engine: eng})
		b := e.NewBrowser(t)

		page := b.Register(ana)
		if page.Status != 200 || !page.Has("An e-mail has been sent to ana@example.org") {
			t.Fatalf("register: %d %q %v", page.Status, page.H1(), page.Errors())
		}
		m := e.Mail(t, ana.Email, 1)
		// The e-mail is in the chosen e-mail language (Romanian), says what
		// the guide quotes, and writes the link out in full.
		if m.Subject != e.Bundle.Localizer("ro").T("mail.register.subject", "product", "EU Login") {
			t.Errorf("subject = %q, want the Romanian one", m.Subject)
		}
		link := e.MailLink(t, m, "/password/new/")
		for _, want := range []string{ana.Email, link, "24"} {
			if !strings.Contains(m.Text, want) || !strings.Contains(m.HTML, want) {
				t.Errorf("e-mail text or HTML lacks %q", want)
			}
		}

		page = b.SetPassword(link, ana.Password)
		if page.Status != 200 || page.H1() != "Your password has been saved" {
			t.Fatalf("set password: %d %q %v", page.Status, page.H1(), page.Errors())
		}

		page = b.Login(ana.Email, ana.Password)
		if page.URL.Path != "/account" || !page.Has("Ana-Maria Ionescu") {
			t.Fatalf("login ended at %s (%d %q %v)", page.URL.Path, page.Status, page.H1(), page.Errors())
		}

		page = b.Post("/account/details", url.Values{"first_name": {"Ana"}, "last_name": {"Ionescu-Popa"}, "email_lang": {"fr"}})
		if !page.Has("Your personal data has been saved.") || !page.Has("Ana Ionescu-Popa") || !page.Has("Français") {
			t.Errorf("details not saved: %q %v", page.H1(), page.Errors())
		}
		page = b.Get("/account/events")
		for _, want := range []string{"Account created", "Password created", "Logged in", "Personal data changed"} {
			if !page.Has(want) {
				t.Errorf("security events lack %q", want)
			}
		}

		page = b.Post("/logout", nil)
		if page.URL.Path != "/logged-out" {
			t.Fatalf("logout ended at %s", page.URL.Path)
		}
		if page = b.Get("/account"); page.URL.Path != "/login" {
			t.Fatalf("after logout /account went to %s, want /login", page.URL.Path)
		}

		// Lost password: a link in the (now French) e-mail language.
		page = b.Post("/password/lost", url.Values{"email": {ana.Email}})
		if page.Status != 200 || page.H1() != "Check your e-mail" {
			t.Fatalf("lost password: %d %q %v", page.Status, page.H1(), page.Errors())
		}
		m = e.Mail(t, ana.Email, 2)
		if !strings.Contains(m.Subject, "mot de passe") {
			t.Errorf("reset subject %q is not French", m.Subject)
		}
		newPW := "Perce-neige au printemps 7"
		if page = b.SetPassword(e.MailLink(t, m, "/password/new/"), newPW); page.Status != 200 {
			t.Fatalf("reset: %d %v", page.Status, page.Errors())
		}
		if page = b.Login(ana.Email, ana.Password); page.URL.Path == "/account" {
			t.Fatal("the old password still works after a reset")
		}
		if page = b.Login(ana.Email, newPW); page.URL.Path != "/account" {
			t.Fatalf("login with the new password ended at %s %v", page.URL.Path, page.Errors())
		}
		m = e.Mail(t, ana.Email, 3)
		if !strings.Contains(m.Text, "2026") {
			t.Errorf("password-changed notice lacks the time: %q", m.Text)
		}
	})
}

// TestLinkExpiryAndRenewal: after 24 hours the same link asks for the
// username, sends a new link and dies.
func TestLinkExpiryAndRenewal(t *testing.T) {
	idptest.Engines(t, func(t *testing.T, eng idptest.Engine) {
		e := idptest.New(t, idptest.Options{Engine: eng})
		b := e.NewBrowser(t)
		b.Register(ana)
		old := e.MailLink(t, e.Mail(t, ana.Email, 1), "/password/new/")

		e.Clock.Advance(24*time.Hour - time.Minute)
		if page := b.Get(old); page.H1() != "Create your password" {
			t.Fatalf("link a minute before expiry shows %q", page.H1())
		}
		e.Clock.Advance(2 * time.Minute)
		page := b.Get(old)
		if page.H1() != "This link has expired" {
			t.Fatalf("expired link shows %q", page.H1())
		}
		if page = b.Post(old, url.Values{"password": {ana.Password}, "password_confirm": {ana.Password}}); page.H1() != "This link has expired" {
			t.Fatalf("expired link accepted a password: %q", page.H1())
		}
		page = b.Post(old+"/renew", url.Values{"email": {"someone@example.org"}})
		if page.Status != 400 || len(page.Errors()) != 1 {
			t.Fatalf("renew with another address: %d %v", page.Status, page.Errors())
		}
		page = b.Post(old+"/renew", url.Values{"email": {"ANA@example.org"}})
		if page.H1() != "Check your e-mail" {
			t.Fatalf("renew: %q %v", page.H1(), page.Errors())
		}
		fresh := e.MailLink(t, e.Mail(t, ana.Email, 2), "/password/new/")
		if fresh == old {
			t.Fatal("the renewed link is the old one")
		}
		if page = b.Get(old); page.Status != 410 || page.H1() != "This link is no longer valid" {
			t.Fatalf("old link after renewal: %d %q", page.Status, page.H1())
		}
		if page = b.SetPassword(fresh, ana.Password); page.H1() != "Your password has been saved" {
			t.Fatalf("new link: %q %v", page.H1(), page.Errors())
		}
		// Single use: once used, the link only says the password is set,
		// for GET and POST alike.
		if page = b.Get(fresh); page.Status != 200 || page.H1() != h1LinkSpent {
			t.Fatalf("reused link: %d %q", page.Status, page.H1())
		}
		if page = b.Post(fresh, url.Values{"password": {"Another one 98 !x"}, "password_confirm": {"Another one 98 !x"}}); page.H1() != h1LinkSpent {
			t.Fatalf("reused link: %d %q", page.Status, page.H1())
		}
		if page = b.Login(ana.Email, ana.Password); page.URL.Path != "/account" {
			t.Fatalf("login: %s %v", page.URL.Path, page.Errors())
		}
	})
}

// TestLoginThrottling: five wrong passwords lock the account (even the right
// password is then refused) with a translated time, the owner gets an
// e-mail, and the lock lifts after the window.
func TestLoginThrottling(t *testing.T) {
	idptest.Engines(t, func(t *testing.T, eng idptest.Engine) {
		e := idptest.New(t, idptest.Options{Engine: eng})
		b := e.NewBrowser(t)
		e.CreateAccount(t, b, ana)
		attacker := e.NewBrowser(t)
		for i := 1; i <= 4; i++ {
			page := attacker.Login(ana.Email, "Wrong password 1!")
			if page.Status != 401 || page.Errors()[0] != "The e-mail address or the password is wrong. Check them and try again" {
				t.Fatalf("failure %d: %d %v", i, page.Status, page.Errors())
			}
		}
		page := attacker.Login(ana.Email, "Wrong password 1!")
		if page.Status != 429 || !strings.Contains(page.Errors()[0], "try again after 02/03/2026 10:15 CET") {
			t.Fatalf("fifth failure: %d %v", page.Status, page.Errors())
		}
		if page = b.Login(ana.Email, ana.Password); page.Status != 429 {
			t.Fatalf("the right password during the lockout: %d %s", page.Status, page.URL.Path)
		}
		m := e.Mail(t, ana.Email, 2)
		if want := e.Bundle.Localizer(ana.EmailLang).T("mail.lockout.subject", "product", "EU Login"); m.Subject != want {
			t.Errorf("lockout e-mail subject %q, want %q", m.Subject, want)
		}
		e.Clock.Advance(15 * time.Minute)
		if page = b.Login(ana.Email, ana.Password); page.URL.Path != "/account" {
			t.Fatalf("after the window: %s %v", page.URL.Path, page.Errors())
		}
		if page = b.Get("/account/events"); !page.Has("Account temporarily locked after failed logins") || !page.Has("Login refused: account temporarily locked") {
			t.Error("the lockout is not in the security events")
		}
	})
}

// TestNoEnumeration: known and unknown addresses get the same pages; the
// known owner gets an e-mail instead.
func TestNoEnumeration(t *testing.T) {
	e := idptest.New(t, idptest.Options{})
	b := e.NewBrowser(t)
	e.CreateAccount(t, b, ana)
	b.Post("/logout", nil)

	norm := func(p *idptest.Page, email string) string {
		body := strings.ReplaceAll(p.Body, email, "EMAIL")
		body = strings.ReplaceAll(body, url.QueryEscape(email), "EMAIL")
		// The bot challenge differs on every page.
		for _, a := range []string{"data-salt", "value"} {
			body = regexpReplace(body, a+`="[^"]*"`, a+`=""`)
		}
		return body
	}
	bob := idptest.Person{First: "Bob", Last: "Unknown", Email: "bob@example.org", EmailLang: "en", Password: "x"}
	known := idptest.Person{First: "Someone", Last: "Else", Email: ana.Email, EmailLang: "en"}
	p1, p2 := b.Register(known), b.Register(bob)
	if p1.Status != p2.Status || norm(p1, ana.Email) != norm(p2, bob.Email) {
		t.Errorf("registration answers differ for known and unknown addresses")
	}
	if m, want := e.Mail(t, ana.Email, 2), e.Bundle.Localizer(ana.EmailLang).T("mail.account_exists.subject", "product", "EU Login"); m.Subject != want {
		t.Errorf("the owner got %q, want the account-exists e-mail %q", m.Subject, want)
	}
	if _, err := e.DB.UserByEmail(t.Context(), ana.Email); err != nil {
		t.Fatal(err)
	}
	l1, l2 := b.Post("/password/lost", url.Values{"email": {ana.Email}}), b.Post("/password/lost", url.Values{"email": {"nobody@example.org"}})
	if l1.Status != l2.Status || norm(l1, ana.Email) != norm(l2, "nobody@example.org") {
		t.Errorf("lost-password answers differ")
	}
	f1, f2 := b.Login(ana.Email, "Wrong password 1!"), b.Login("nobody@example.org", "Wrong password 1!")
	if f1.Status != f2.Status || norm(f1, ana.Email) != norm(f2, "nobody@example.org") {
		t.Errorf("login failure answers differ: %d %v / %d %v", f1.Status, f1.Errors(), f2.Status, f2.Errors())
	}
	if _, err := e.DB.UserByEmail(t.Context(), "nobody@example.org"); err != store.ErrNotFound {
		t.Errorf("an unknown address got an account: %v", err)
	}
}
