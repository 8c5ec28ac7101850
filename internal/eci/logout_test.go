package eci_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"eulogin/internal/eci/ecistore/ecistoretest"
)

// TestLogout: POST /logout ends the portal's session only, then confirms it
// with links to log in again and to log out of EU Login too.
func TestLogout(t *testing.T) {
	e := newEnv(t, options{})
	b := e.browser()
	b.login(ana, "PASSWORD_SMS")
	p := b.post("/logout", nil)
	wantPage(t, p, http.StatusOK, "/logged-out", "You have left the organiser account")
	idpLogout := e.cas.URL() + "/logout?service=" + url.QueryEscape(e.portal.URL+"/")
	for _, want := range []string{`<a class="button" href="/login">Log in again</a>`, `href="` + strings.ReplaceAll(idpLogout, "&", "&amp;") + `"`} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("logged-out page lacks %s", want)
		}
	}
	if _, _, logouts := e.cas.count(); logouts != 0 {
		t.Errorf("IdP logouts = %d, want 0: the portal's logout ends the portal's session only", logouts)
	}
	if resp := b.noFollow(http.MethodGet, "/dashboard"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("GET /dashboard after logout = %d, want 303 to log in", resp.StatusCode)
	}
	if n, _ := e.db.CountSessions(t.Context(), ana.ID); n != 0 {
		t.Errorf("sessions of Ana after logout = %d, want 0", n)
	}
	if got, want := e.audit(ana.ID), []string{"LOGOUT:", "LOGIN:PASSWORD_SMS"}; !slices.Equal(got, want) {
		t.Errorf("audit = %q, want %q", got, want)
	}
	// Logging out again, without a session, is harmless.
	if p := b.post("/logout", nil); p.Status != http.StatusOK || p.URL.Path != "/logged-out" {
		t.Errorf("second POST /logout = %d %s, want 200 /logged-out", p.Status, p.URL.Path)
	}
}

// TestLogoutEverywhere: the portal's session ends and the browser goes to
// the IdP's logout with the portal as service, and back.
func TestLogoutEverywhere(t *testing.T) {
	e := newEnv(t, options{})
	b := e.browser()
	b.login(ana, "PASSWORD_SMS")
	resp := b.noFollow(http.MethodPost, "/logout/everywhere")
	want := e.cas.URL() + "/logout?service=" + url.QueryEscape(e.portal.URL+"/")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
		t.Errorf("POST /logout/everywhere = %d %s, want 303 %s", resp.StatusCode, resp.Header.Get("Location"), want)
	}
	if n, _ := e.db.CountSessions(t.Context(), ana.ID); n != 0 {
		t.Errorf("sessions of Ana = %d, want 0", n)
	}

	b.login(ana, "PASSWORD_SMS")
	p := b.post("/logout/everywhere", nil)
	if p.URL.String() != e.portal.URL+"/" || p.Status != http.StatusOK {
		t.Errorf("after logging out everywhere: %d %s, want the portal's landing page", p.Status, p.URL)
	}
	if _, _, logouts := e.cas.count(); logouts != 1 {
		t.Errorf("IdP logouts = %d, want 1", logouts)
	}
	if got := e.audit(ana.ID); len(got) == 0 || got[0] != "LOGOUT_EVERYWHERE:" {
		t.Errorf("audit = %q, want LOGOUT_EVERYWHERE first", got)
	}
}

// TestSingleLogout: the IdP's back-channel POST ends exactly the session
// created from the ticket it names; other sessions stay. On both engines.
func TestSingleLogout(t *testing.T) {
	for _, eng := range ecistoretest.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			e := newEnv(t, options{open: eng.Open})
			callback := e.portal.URL + "/cas/callback"

			// Two browsers of Ana and one of Jānis, each from its own ticket.
			var browsers []*browser
			var tickets []string
			for _, p := range []person{ana, ana, janis} {
				b := e.browser()
				e.cas.willAnswer(e.success(p, "PASSWORD_SMS"))
				ticket := e.cas.issue(callback)
				if pg := b.get("/cas/callback?ticket=" + ticket); pg.URL.Path != "/dashboard" {
					t.Fatalf("login of %s ended at %s", p.First, pg.URL.Path)
				}
				browsers, tickets = append(browsers, b), append(tickets, ticket)
			}

			// The IdP's server POSTs as servers do: no cookie, no Origin.
			resp, err := http.PostForm(callback, url.Values{"logoutRequest": {logoutRequest(ana.ID, tickets[0])}})
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
				t.Errorf("single logout = %d %s, want 200 text/plain", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			for i, want := range []string{"/login", "/dashboard", "/dashboard"} {
				resp := browsers[i].noFollow(http.MethodGet, "/dashboard")
				got := "/dashboard"
				if resp.StatusCode == http.StatusSeeOther {
					got = "/login"
				}
				if got != want {
					t.Errorf("browser %d after single logout of ticket 0: dashboard gives %s, want %s", i, got, want)
				}
			}
			if got := e.audit(ana.ID); len(got) == 0 || got[0] != "SINGLE_LOGOUT:" {
				t.Errorf("audit of Ana = %q, want SINGLE_LOGOUT first", got)
			}

			// Again, or for a ticket without a session: still 200.
			for _, ticket := range []string{tickets[0], "ST-999-unknown"} {
				resp, err := http.PostForm(callback, url.Values{"logoutRequest": {logoutRequest(ana.ID, ticket)}})
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Errorf("single logout of %s = %d, want 200", ticket, resp.StatusCode)
				}
			}

			// An IdP whose client sends browser-like headers is still heard:
			// the back channel uses no cookie, so it needs no CSRF check.
			req, _ := http.NewRequest(http.MethodPost, callback, strings.NewReader(url.Values{"logoutRequest": {logoutRequest(janis.ID, tickets[2])}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", e.cas.URL())
			req.Header.Set("Sec-Fetch-Site", "cross-site")
			resp, err = http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("single logout with Origin = %d, want 200", resp.StatusCode)
			}
			if r := browsers[2].noFollow(http.MethodGet, "/dashboard"); r.StatusCode != http.StatusSeeOther {
				t.Errorf("Jānis's session survived its single logout: %d", r.StatusCode)
			}
			if r := browsers[1].noFollow(http.MethodGet, "/dashboard"); r.StatusCode != http.StatusOK {
				t.Errorf("Ana's other session = %d, want 200", r.StatusCode)
			}
		})
	}
}

// TestSingleLogoutGarbage: an unreadable message gets 400 in plain text,
// never an error page, and ends nothing.
func TestSingleLogoutGarbage(t *testing.T) {
	e := newEnv(t, options{})
	b := e.browser()
	b.login(ana, "PASSWORD_SMS")
	callback := e.portal.URL + "/cas/callback"
	for _, tt := range []struct{ name, contentType, body string }{
		{"no field", "application/x-www-form-urlencoded", "other=1"},
		{"empty", "application/x-www-form-urlencoded", "logoutRequest="},
		{"not XML", "application/x-www-form-urlencoded", "logoutRequest=please+log+out"},
		{"no SessionIndex", "application/x-www-form-urlencoded", url.Values{"logoutRequest": {`<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"><saml:NameID xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">u</saml:NameID></samlp:LogoutRequest>`}}.Encode()},
		{"bad ticket", "application/x-www-form-urlencoded", url.Values{"logoutRequest": {logoutRequest(ana.ID, "ST-1' OR 1=1 --")}}.Encode()},
		{"huge", "application/x-www-form-urlencoded", url.Values{"logoutRequest": {logoutRequest(ana.ID, "ST-1") + strings.Repeat(" ", 100<<10)}}.Encode()},
		{"over the body limit", "application/x-www-form-urlencoded", "logoutRequest=" + strings.Repeat("a", 2<<20)},
		{"bad encoding", "application/x-www-form-urlencoded", "logoutRequest=%zz"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.Post(callback, tt.contentType, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
				t.Errorf("POST /cas/callback = %d %s, want 400 text/plain", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
		})
	}
	if r := b.noFollow(http.MethodGet, "/dashboard"); r.StatusCode != http.StatusOK {
		t.Errorf("dashboard after garbage = %d, want 200 (session kept)", r.StatusCode)
	}
	if n, _ := e.db.CountSessions(t.Context(), ana.ID); n != 1 {
		t.Errorf("sessions = %d, want 1", n)
	}
}
