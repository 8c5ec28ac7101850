package eci_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"eulogin/internal/eci"
	"eulogin/internal/eci/ecistore/ecistoretest"
)

// signedIn reports whether the browser's session still opens the dashboard.
func signedIn(t *testing.T, b *browser) bool {
	t.Helper()
	resp := b.noFollow(http.MethodGet, "/dashboard")
	return resp.StatusCode == http.StatusOK
}

// TestSessionIdle: 30 minutes without activity end the session; activity
// keeps it.
func TestSessionIdle(t *testing.T) {
	e := newEnv(t, options{})
	b := e.browser()
	b.login(ana, "PASSWORD_SMS")
	for i := range 3 {
		e.clock.Advance(29 * time.Minute)
		if !signedIn(t, b) {
			t.Fatalf("after %d × 29 minutes of activity: signed out, want signed in", i+1)
		}
	}
	e.clock.Advance(30 * time.Minute)
	if signedIn(t, b) {
		t.Error("after 30 idle minutes: signed in, want signed out")
	}
	if n, _ := e.db.CountSessions(t.Context(), ana.ID); n != 0 {
		t.Errorf("sessions after the idle timeout = %d, want 0 (deleted)", n)
	}
}

// TestSessionAbsolute: a session ends 12 hours after login, however active.
func TestSessionAbsolute(t *testing.T) {
	e := newEnv(t, options{})
	b := e.browser()
	b.login(ana, "PASSWORD_SMS")
	for elapsed := 20 * time.Minute; elapsed < 12*time.Hour; elapsed += 20 * time.Minute {
		e.clock.Advance(20 * time.Minute)
		if !signedIn(t, b) {
			t.Fatalf("after %v of activity: signed out, want signed in", elapsed)
		}
	}
	e.clock.Advance(20 * time.Minute) // 12 h since login
	if signedIn(t, b) {
		t.Error("12 hours after login: signed in, want signed out")
	}
}

// TestSessionRotates: each login gets a new session id; the old one, or one
// planted before login, opens nothing.
func TestSessionRotates(t *testing.T) {
	for _, eng := range ecistoretest.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			e := newEnv(t, options{open: eng.Open})
			b := e.browser()
			b.setCookie(eci.SessionCookie, "planted-by-an-attacker")
			b.login(ana, "PASSWORD_SMS")
			first := b.cookie(eci.SessionCookie)
			if first == "" || first == "planted-by-an-attacker" {
				t.Fatalf("session cookie after login = %q, want a new value", first)
			}
			b.post("/logout", nil)
			b.login(ana, "PASSWORD_SMS")
			second := b.cookie(eci.SessionCookie)
			if second == "" || second == first {
				t.Fatalf("session cookie after the second login = %q, want a value other than %q", second, first)
			}
			// A third login while signed in (renewed at the IdP) replaces the
			// session too.
			e.cas.willAnswer(e.success(ana, "PASSWORD_MOBILE_APP"))
			b.get("/cas/callback?ticket=" + e.cas.issue(e.portal.URL+"/cas/callback"))
			third := b.cookie(eci.SessionCookie)
			if third == second {
				t.Fatal("a login while signed in kept the session id")
			}
			if n, _ := e.db.CountSessions(t.Context(), ana.ID); n != 1 {
				t.Errorf("sessions of Ana = %d, want 1 (each login replaced the browser's session)", n)
			}
			old := e.browser()
			old.setCookie(eci.SessionCookie, second)
			if signedIn(t, old) {
				t.Error("the previous session id still opens the dashboard")
			}
		})
	}
}

// TestCookieFlags: eci_session is HttpOnly, SameSite=Lax, path /, and
// Secure with the __Host- prefix exactly when the portal is served over
// https (which also brings HSTS).
func TestCookieFlags(t *testing.T) {
	for _, tt := range []struct {
		base       string
		wantSecure bool
		wantName   string
	}{
		{"http://127.0.0.1:8081", false, eci.SessionCookie},
		{"https://eci.example.eu", true, "__Host-" + eci.SessionCookie},
	} {
		t.Run(tt.base, func(t *testing.T) {
			cas := newFakeCAS(t)
			s, err := eci.NewServer(eci.Config{BaseURL: tt.base, IdPURL: cas.URL(), AcceptStrengths: []string{"PASSWORD_SMS"}},
				eci.Deps{DB: ecistoretest.OpenSQLite(t), Now: func() time.Time { return t0 }})
			if err != nil {
				t.Fatal(err)
			}
			cas.willAnswer(outcome{User: "u1", Attrs: [][2]string{{"strength", "PASSWORD_SMS"}, {"firstName", "Ana"}}})
			ticket := cas.issue(tt.base + "/cas/callback")
			w := httptest.NewRecorder()
			s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, tt.base+"/cas/callback?ticket="+ticket, nil))
			if w.Code != http.StatusSeeOther {
				t.Fatalf("callback = %d, want 303", w.Code)
			}
			var c *http.Cookie
			for _, sc := range w.Result().Cookies() {
				if sc.Name == tt.wantName {
					c = sc
				}
				if tt.wantSecure && !strings.HasPrefix(sc.Name, "__Host-") {
					t.Errorf("cookie %q set over https without the __Host- prefix", sc.Name)
				}
			}
			if c == nil {
				t.Fatal("no session cookie")
			}
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure != tt.wantSecure {
				t.Errorf("cookie = %+v, want HttpOnly, SameSite=Lax, Path=/, Secure=%v", c, tt.wantSecure)
			}
			if got := w.Header().Get("Strict-Transport-Security") != ""; got != tt.wantSecure {
				t.Errorf("HSTS header present = %v, want %v", got, tt.wantSecure)
			}
		})
	}
}

// TestSecurityHeaders: every page carries the same headers as the IdP's.
func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t, options{})
	for _, path := range []string{"/", "/help", "/nowhere", "/healthz"} {
		p := e.browser().get(path)
		for h, want := range map[string]string{
			"X-Content-Type-Options": "nosniff",
			"X-Frame-Options":        "DENY",
			"Referrer-Policy":        "no-referrer",
		} {
			if got := p.Header.Get(h); got != want {
				t.Errorf("%s: %s = %q, want %q", path, h, got, want)
			}
		}
		if csp := p.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: CSP = %q", path, csp)
		}
	}
}

// TestCrossSitePostRefused: every POST but the single-logout back channel
// refuses cross-site requests.
func TestCrossSitePostRefused(t *testing.T) {
	e := newEnv(t, options{})
	b := e.browser()
	b.login(ana, "PASSWORD_SMS")
	for _, tt := range []struct {
		name, path string
		h          http.Header
	}{
		{"logout cross-site", "/logout", http.Header{"Sec-Fetch-Site": {"cross-site"}}},
		{"logout same-site", "/logout", http.Header{"Sec-Fetch-Site": {"same-site"}}},
		{"logout foreign Origin", "/logout", http.Header{"Origin": {"https://evil.example"}}},
		{"logout everywhere cross-site", "/logout/everywhere", http.Header{"Sec-Fetch-Site": {"cross-site"}}},
		{"unknown path cross-site", "/dashboard", http.Header{"Sec-Fetch-Site": {"cross-site"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := b.postWith(tt.path, nil, tt.h)
			wantPage(t, p, http.StatusForbidden, tt.path, "Something went wrong")
			if !p.Has("This form was sent from another website, so it was refused.") {
				t.Errorf("page = %q, want the cross-origin message", p.Text())
			}
		})
	}
	if !signedIn(t, b) {
		t.Error("a refused cross-site POST ended the session")
	}
	if _, _, logouts := e.cas.count(); logouts != 0 {
		t.Error("a refused cross-site POST reached the IdP's logout")
	}
}
