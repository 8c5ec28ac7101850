package idp_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"eulogin/internal/idp/idptest"
)

// TestLinkSpent: a password link that set the password, reopened or its
// form resubmitted with Back, says the password is set and offers the
// login; a link that died unused (expired, replaced) and a forged one say
// the link is no longer valid, and none of them changes the password.
func TestLinkSpent(t *testing.T) {
	idptest.Engines(t, func(t *testing.T, eng idptest.Engine) {
		other := "Another password 98 !x"
		resubmit := url.Values{"password": {other}, "password_confirm": {other}}

		t.Run("reopened and resubmitted after success", func(t *testing.T) {
			e := idptest.New(t, idptest.Options{Engine: eng})
			b := e.NewBrowser(t)
			b.Register(ana)
			link := e.MailLink(t, e.Mail(t, ana.Email, 1), "/password/new/")
			wantPage(t, b.SetPassword(link, ana.Password), 200, "Your password has been saved")
			hash := mustUser(t, e, ana.Email).PasswordHash

			for name, page := range map[string]*idptest.Page{
				"reopened":              b.Get(link),
				"reopened elsewhere":    e.NewBrowser(t).Get(link),
				"resubmitted with Back": b.Post(link, resubmit),
			} {
				wantPage(t, page, 200, h1LinkSpent)
				if !page.Has(`href="/login"`) || !page.Has("Log in") || page.Has(ana.Email) {
					t.Errorf("%s: the page does not offer the login, or shows the address", name)
				}
			}
			// Even after the link's expiry time.
			e.Clock.Advance(25 * time.Hour)
			wantPage(t, b.Get(link), 200, h1LinkSpent)
			wantPage(t, b.Post(link+"/renew", url.Values{"email": {ana.Email}}), 200, h1LinkSpent)
			if got := mustUser(t, e, ana.Email).PasswordHash; got != hash {
				t.Error("a spent link changed the password")
			}
			wantMailCount(t, e, 1)
		})

		t.Run("reset link reopened after success", func(t *testing.T) {
			e := idptest.New(t, idptest.Options{Engine: eng})
			b := e.NewBrowser(t)
			e.CreateAccount(t, b, ana)
			b.Post("/password/lost", url.Values{"email": {ana.Email}})
			link := e.MailLink(t, e.Mail(t, ana.Email, 2), "/password/new/")
			wantPage(t, b.SetPassword(link, other), 200, "Your password has been saved")
			wantPage(t, b.Post(link, resubmit), 200, h1LinkSpent)
			wantPage(t, b.Get(link), 200, h1LinkSpent)
		})

		t.Run("expired unused", func(t *testing.T) {
			e := idptest.New(t, idptest.Options{Engine: eng})
			b := e.NewBrowser(t)
			b.Register(ana)
			link := e.MailLink(t, e.Mail(t, ana.Email, 1), "/password/new/")
			e.Clock.Advance(25 * time.Hour)
			wantPage(t, b.Get(link), 200, "This link has expired")
			wantPage(t, b.Post(link, resubmit), 200, "This link has expired")
		})

		t.Run("replaced by a newer link", func(t *testing.T) {
			e := idptest.New(t, idptest.Options{Engine: eng})
			b := e.NewBrowser(t)
			e.CreateAccount(t, b, ana)
			b.Post("/password/lost", url.Values{"email": {ana.Email}})
			old := e.MailLink(t, e.Mail(t, ana.Email, 2), "/password/new/")
			b.Post("/password/lost", url.Values{"email": {ana.Email}})
			fresh := e.MailLink(t, e.Mail(t, ana.Email, 3), "/password/new/")
			wantPage(t, b.Get(old), 410, h1LinkDead)
			// Still dead once the newer link set the password.
			wantPage(t, b.SetPassword(fresh, other), 200, "Your password has been saved")
			wantPage(t, b.Get(old), 410, h1LinkDead)
			wantPage(t, b.Post(old, resubmit), 410, h1LinkDead)
		})

		t.Run("forged from a spent one", func(t *testing.T) {
			e := idptest.New(t, idptest.Options{Engine: eng})
			b := e.NewBrowser(t)
			b.Register(ana)
			link := e.MailLink(t, e.Mail(t, ana.Email, 1), "/password/new/")
			b.SetPassword(link, ana.Password)
			prefix, token, _ := strings.Cut(link, "/password/new/")
			forged := prefix + "/password/new/" + token[:len(token)-1] + map[bool]string{true: "B", false: "A"}[strings.HasSuffix(token, "A")]
			wantPage(t, b.Get(forged), 410, h1LinkDead)
			wantPage(t, b.Post(forged, resubmit), 410, h1LinkDead)
		})
	})
}
