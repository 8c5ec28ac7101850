package idp_test

import (
	"net/url"
	"testing"

	"eulogin/internal/idp/idptest"
)

// TestLanguages: ?lang= chooses the page language and remembers it in a
// cookie; Accept-Language is the fallback; errors come in the page language;
// e-mails come in the chosen e-mail language, whatever the page language.
// Languages whose catalogue is not shipped yet are skipped.
func TestLanguages(t *testing.T) {
	e := idptest.New(t, idptest.Options{})
	for i, lang := range []string{"en", "fr", "ro", "lv"} {
		t.Run(lang, func(t *testing.T) {
			needLang(t, e, lang)
			l := e.Bundle.Localizer(lang)
			b := e.NewBrowser(t)
			// The explicit choice wins over the browser's preference.
			b.Lang = "lv-LV,lv;q=0.9"
			if lang == "lv" {
				b.Lang = "fr-FR,fr;q=0.9"
			}

			page := b.Get("/register?lang=" + lang)
			c := setCookies(t, page)["lang"]
			if c == nil || c.Value != lang || !c.HttpOnly || c.Path != "/" {
				t.Errorf("lang cookie %v, want %s, HttpOnly, Path=/", c, lang)
			}
			wantInLang := func(t *testing.T, p *idptest.Page) {
				t.Helper()
				if got := htmlLang(p); got != lang {
					t.Errorf("<html lang=%q>, want %q", got, lang)
				}
				if got, want := title(p), l.T("register.title")+" - EU Login"; got != want {
					t.Errorf("title %q, want %q", got, want)
				}
			}
			wantInLang(t, page)
			// The cookie keeps the choice on the next pages.
			page = b.Get("/register")
			wantInLang(t, page)
			if got := selected(page, "email_lang"); got != lang {
				t.Errorf("the e-mail language is preset to %q, want the page language %q", got, lang)
			}

			// Errors are in the page language.
			form := idptest.RegisterForm(page, bob)
			form.Set("first_name", "")
			page = b.Post("/register", form)
			wantInLang(t, page)
			wantErrors(t, page, l.T("register.first_name_empty"))

			// The e-mail language decides the e-mail's language: the
			// page is in lang, the e-mail in another language.
			mailLang := "lv"
			if lang == "lv" {
				mailLang = "en"
			}
			needLang(t, e, mailLang)
			p := idptest.Person{First: "Līga", Last: "Ozola", Email: "person" + string(rune('a'+i)) + "@example.org", EmailLang: mailLang}
			page = b.Register(p)
			if page.Status != 200 || htmlLang(page) != lang || page.H1() != l.T("register_sent.title") {
				t.Errorf("registration: %d <html lang=%q> %q", page.Status, htmlLang(page), page.H1())
			}
			m := e.Mail(t, p.Email, 1)
			if want := subject(e, mailLang, "register"); m.Subject != want {
				t.Errorf("e-mail subject %q, want %q (in %s)", m.Subject, want, mailLang)
			}
			if other := subject(e, lang, "register"); m.Subject == other {
				t.Errorf("e-mail subject %q is in the page language %s", m.Subject, lang)
			}
		})
	}

	t.Run("Accept-Language", func(t *testing.T) {
		cases := []struct{ header, want string }{
			{"lv-LV,lv;q=0.9", "lv"},
			{"fr-BE,fr;q=0.9,en;q=0.5", "fr"},
			{"ro", "ro"},
			{"en-GB,en;q=0.9", "en"},
			{"zz-ZZ", "en"},
			{"", "en"},
			{"!!!garbage;;q=x", "en"},
		}
		for _, tc := range cases {
			t.Run(tc.header, func(t *testing.T) {
				needLang(t, e, tc.want)
				b := e.NewBrowser(t)
				b.Lang = tc.header
				page := b.Get("/login")
				if got := htmlLang(page); got != tc.want {
					t.Errorf("<html lang=%q>, want %q", got, tc.want)
				}
				if got, want := title(page), e.Bundle.Localizer(tc.want).T("login.title")+" - EU Login"; got != want {
					t.Errorf("title %q, want %q", got, want)
				}
				if _, ok := setCookies(t, page)["lang"]; ok {
					t.Error("a negotiated language was stored in a cookie")
				}
			})
		}
	})

	t.Run("unknown choice", func(t *testing.T) {
		for _, choice := range []string{"xx", "EN-", "<script>", "tlh"} {
			b := e.NewBrowser(t)
			page := b.Get("/register?lang=" + url.QueryEscape(choice))
			if page.Status != 200 || htmlLang(page) != "en" {
				t.Errorf("?lang=%s: %d <html lang=%q>, want 200 en", choice, page.Status, htmlLang(page))
			}
			if _, ok := setCookies(t, page)["lang"]; ok {
				t.Errorf("?lang=%s set a cookie", choice)
			}
		}
	})
}
