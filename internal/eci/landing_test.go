package eci_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestLanding: the landing page in the guide's four languages, with the
// Organiser account button in the guide's words, a link to /login.
func TestLanding(t *testing.T) {
	e := newEnv(t, options{})
	for _, tt := range []struct {
		lang, button, title, service string
	}{
		{"en", "Organiser account", "ECI organiser account", "European Citizens' Initiative"},
		{"fr", "Compte organisateur", "Compte organisateur ICE", "Initiative citoyenne européenne"},
		{"ro", "Contul de organizator", "Contul de organizator ICE", "Inițiativa cetățenească europeană"},
		{"lv", "Organizatora konts", "EPI organizatora konts", "Eiropas pilsoņu iniciatīva"},
	} {
		t.Run(tt.lang, func(t *testing.T) {
			b := e.browser()
			p := b.get("/?lang=" + tt.lang)
			wantPage(t, p, http.StatusOK, "/", tt.title)
			if got := p.Lang(); got != tt.lang {
				t.Errorf("<html lang=%q>, want %q", got, tt.lang)
			}
			if got, want := p.Title(), tt.title+" - "+tt.service; got != want {
				t.Errorf("<title> = %q, want %q", got, want)
			}
			if want := `<a class="button" href="/login">` + tt.button + `</a>`; !strings.Contains(p.Body, want) {
				t.Errorf("landing page lacks the button %s", want)
			}
			l := e.l(tt.lang)
			for _, k := range []string{"landing.step1_title", "landing.step2_title", "landing.step3_title", "landing.need_2fa", "landing.what_prepare"} {
				if !p.Has(l.T(k)) {
					t.Errorf("landing page lacks %s = %q", k, l.T(k))
				}
			}
			for _, href := range []string{`href="/privacy"`, `href="/accessibility"`, `href="/help"`, `href="` + e.cas.URL() + `/account"`} {
				if !strings.Contains(p.Body, href) {
					t.Errorf("landing page lacks the link %s", href)
				}
			}
			// The choice is remembered by the lang cookie.
			if got := b.cookie("lang"); got != tt.lang {
				t.Errorf("lang cookie = %q, want %q", got, tt.lang)
			}
			if got := b.get("/").Lang(); got != tt.lang {
				t.Errorf("next page <html lang=%q>, want %q (from the cookie)", got, tt.lang)
			}
		})
	}

	t.Run("Accept-Language", func(t *testing.T) {
		b := e.browser()
		b.lang = "ro-RO,ro;q=0.9,en;q=0.5"
		if p := b.get("/"); p.Lang() != "ro" || !strings.Contains(p.Body, ">Contul de organizator</a>") {
			t.Errorf("with Accept-Language ro: <html lang=%q>, want ro and the Romanian button", p.Lang())
		}
	})

	t.Run("signed in", func(t *testing.T) {
		b := e.browser()
		b.login(ana, "PASSWORD_SMS")
		p := b.get("/")
		if strings.Contains(p.Body, `href="/login"`) || !strings.Contains(p.Body, `<a class="button" href="/dashboard">Go to my organiser account</a>`) {
			t.Errorf("signed-in landing page: want a link to the dashboard instead of the login button")
		}
		if !p.Has("You are logged in as Ana Popescu.") {
			t.Error("signed-in landing page does not say who is logged in")
		}
	})
}

// TestInfoPages: the footer's pages exist in every language.
func TestInfoPages(t *testing.T) {
	e := newEnv(t, options{})
	for _, lang := range []string{"en", "fr", "ro", "lv"} {
		for _, name := range []string{"privacy", "accessibility", "help"} {
			t.Run(lang+"/"+name, func(t *testing.T) {
				p := e.browser().get("/" + name + "?lang=" + lang)
				wantPage(t, p, http.StatusOK, "/"+name, e.l(lang).T("info."+name+".title"))
			})
		}
	}
}

// TestNotFound: unknown paths get the portal's translated 404 page.
func TestNotFound(t *testing.T) {
	e := newEnv(t, options{})
	p := e.browser().get("/no/such/page?lang=fr")
	wantPage(t, p, http.StatusNotFound, "/no/such/page", "Une erreur s’est produite")
	if !p.Has("Cette page n’existe pas.") {
		t.Errorf("404 page text = %q, want the French message", p.Text())
	}
}

// TestDevNotice: password-only login in development mode is announced on
// every page, and only then.
func TestDevNotice(t *testing.T) {
	const notice = "Development setting: password-only login is accepted until a second factor is available. In production the organiser account requires two-factor authentication."
	tests := []struct {
		name      string
		o         options
		wantShown bool
	}{
		{"dev with PASSWORD", options{dev: true, strengths: []string{"PASSWORD", "PASSWORD_SMS"}}, true},
		{"dev without PASSWORD", options{dev: true, strengths: []string{"PASSWORD_SMS"}}, false},
		{"production with PASSWORD", options{dev: false, strengths: []string{"PASSWORD"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.o)
			b := e.browser()
			pages := []*page{b.get("/"), b.get("/help"), b.get("/nowhere"), b.login(ana, tt.o.strengths[0])}
			for _, p := range pages {
				if got := p.Has(notice); got != tt.wantShown {
					t.Errorf("%s shows the notice: %v, want %v", p.URL.Path, got, tt.wantShown)
				}
			}
			if tt.wantShown {
				p := b.get("/?lang=lv")
				if !p.Has(e.l("lv").T("dev.password_only")) {
					t.Error("the notice is not translated")
				}
			}
		})
	}
}

func TestHealthAndStatic(t *testing.T) {
	e := newEnv(t, options{})
	b := e.browser()
	if p := b.get("/healthz"); p.Status != http.StatusOK || p.Body != "ok\n" {
		t.Errorf("/healthz = %d %q, want 200 ok", p.Status, p.Body)
	}
	if p := b.get("/static/css/eulogin.css"); p.Status != http.StatusOK || !strings.HasPrefix(p.Header.Get("Content-Type"), "text/css") {
		t.Errorf("/static/css/eulogin.css = %d %s, want 200 text/css", p.Status, p.Header.Get("Content-Type"))
	}
	if p := b.get("/static/"); p.Status != http.StatusNotFound {
		t.Errorf("/static/ = %d, want 404 (no listing)", p.Status)
	}
}
