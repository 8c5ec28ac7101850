package idp_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"eulogin/internal/idp/idptest"
)

// TestLoginBadInput: the login steps refuse bad input with a precise
// message, count nothing against the account, and send a browser without a
// login in progress back to step 1.
func TestLoginBadInput(t *testing.T) {
	e := idptest.New(t, idptest.Options{})
	loggedIn(t, e, ana) // an account to attack, whose events we count
	id := mustUser(t, e, ana.Email).ID
	events := func(t *testing.T) int {
		t.Helper()
		evs, err := e.DB.AuditEvents(t.Context(), id, 100)
		if err != nil {
			t.Fatal(err)
		}
		return len(evs)
	}
	before, mails := events(t), len(e.SMTP.Messages())

	t.Run("step 1", func(t *testing.T) {
		cases := []struct{ name, email, want string }{
			{"empty", "", msgEmailEmpty},
			{"blank", "   ", msgEmailEmpty},
			{"no domain", "ana@", msgEmailFormat},
			{"no dot in the domain", "ana@example", msgEmailFormat},
			{"a space", "a b@example.org", msgEmailFormat},
			{"angle brackets", "<ana@example.org>", msgEmailFormat},
			{"invalid UTF-8", "ana\xff@example.org", msgEmailFormat},
			{"255 characters", strings.Repeat("a", 243) + "@example.org", "Enter at most 254 characters"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				b := e.NewBrowser(t)
				page := b.Post("/login", url.Values{"email": {tc.email}})
				wantPage(t, page, 400, "Log in")
				wantErrors(t, page, tc.want)
				if _, ok := setCookies(t, page)["eulogin_flow"]; ok {
					t.Error("a refused address started a login flow")
				}
				if tc.email != "" && !strings.Contains(tc.email, "\xff") && page.Input("email") != strings.TrimSpace(tc.email) {
					t.Errorf("e-mail shown again as %q, want %q", page.Input("email"), tc.email)
				}
			})
		}
	})

	t.Run("no login in progress", func(t *testing.T) {
		cases := []struct {
			name, method, path string
			cookie             string
		}{
			{"GET method", http.MethodGet, "/login/method", ""},
			{"POST method", http.MethodPost, "/login/method", ""},
			{"GET password", http.MethodGet, "/login/password", ""},
			{"POST password", http.MethodPost, "/login/password", ""},
			{"POST password, unknown flow", http.MethodPost, "/login/password", "bm90IGEgZmxvdw"},
			{"POST password, flow id of 200 characters", http.MethodPost, "/login/password", strings.Repeat("a", 200)},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				b := e.NewBrowser(t)
				if tc.cookie != "" {
					b.Header.Set("Cookie", "eulogin_flow="+tc.cookie)
				}
				var page *idptest.Page
				if tc.method == http.MethodGet {
					page = b.Get(tc.path)
				} else {
					page = b.Post(tc.path, url.Values{"method": {"PASSWORD"}, "password": {ana.Password}})
				}
				if page.Status != 200 || page.URL.Path != "/login" || page.H1() != "Log in" {
					t.Errorf("%s %s ended at %s (%d %q), want the login page", tc.method, tc.path, page.URL.Path, page.Status, page.H1())
				}
			})
		}
	})

	t.Run("password step before the method", func(t *testing.T) {
		b := e.NewBrowser(t)
		b.Post("/login", url.Values{"email": {ana.Email}})
		if page := b.Get("/login/password"); page.URL.Path != "/login/method" {
			t.Errorf("GET /login/password without a method ended at %s, want /login/method", page.URL.Path)
		}
	})

	t.Run("unknown method", func(t *testing.T) {
		for _, m := range []string{"", "SMS_TOKEN", "password", "sms", "PASSWORD,SMS"} {
			b := e.NewBrowser(t)
			b.Post("/login", url.Values{"email": {ana.Email}})
			page := b.Post("/login/method", url.Values{"method": {m}})
			wantPage(t, page, 400, "Choose your verification method")
			wantErrors(t, page, "Choose a verification method")
		}
	})

	t.Run("empty password", func(t *testing.T) {
		b := e.NewBrowser(t)
		startLogin(t, b, ana.Email)
		page := b.Post("/login/password", url.Values{"password": {""}})
		wantPage(t, page, 400, "Enter your password")
		wantErrors(t, page, msgPasswordEmpty)
		// Still in step 3: the right password now works.
		if page = b.Post("/login/password", url.Values{"password": {ana.Password}}); page.URL.Path != "/account" {
			t.Errorf("login after an empty password ended at %s %v", page.URL.Path, page.Errors())
		}
	})

	t.Run("flow expired", func(t *testing.T) {
		b := e.NewBrowser(t)
		startLogin(t, b, ana.Email)
		e.Clock.Advance(31 * time.Minute)
		page := b.Post("/login/password", url.Values{"password": {ana.Password}})
		if page.URL.Path != "/login" {
			t.Errorf("a login flow of 31 minutes ago ended at %s, want /login", page.URL.Path)
		}
		if n, _ := e.DB.CountUserSessions(t.Context(), id); n != 2 {
			t.Errorf("sessions = %d, want 2 (the first login and the one after the empty password)", n)
		}
	})

	// Bad input is not a failed login: nothing is audited or e-mailed, and
	// the account is not closer to a lockout.
	if got := events(t); got != before+1 {
		t.Errorf("audit events went from %d to %d, want one more (the login after the empty password)", before, got)
	}
	if got := len(e.SMTP.Messages()); got != mails {
		t.Errorf("e-mails went from %d to %d", mails, got)
	}
}

// TestLoginNext: a local next page is where the login ends; anything that
// could leave the site is ignored, whether it comes in the query or is
// forged into the form.
func TestLoginNext(t *testing.T) {
	e := idptest.New(t, idptest.Options{})
	loggedIn(t, e, ana)
	cases := []struct {
		name, next, want string
	}{
		{"local page", "/account/events", "/account/events"},
		{"local page with a query", "/account/events?x=1", "/account/events?x=1"},
		{"protocol-relative", "//evil.example/x", "/account"},
		{"absolute URL", "https://evil.example/", "/account"},
		{"backslash", "/\\evil.example", "/account"},
		{"backslash after a dot segment", "/./\\evil.example", "/account"},
		{"backslash after a parent segment", "/../\\evil.example/x", "/account"},
		{"javascript", "javascript:alert(1)", "/account"},
		{"tab in the host", "/\t/evil.example", "/account"},
		{"relative path", "evil.example", "/account"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := e.NewBrowser(t)
			noRedirects(b)
			page := b.Get("/login?next=" + url.QueryEscape(tc.next))
			hidden := page.Input("next")
			if wantHidden := map[bool]string{true: tc.next, false: ""}[tc.want != "/account"]; hidden != wantHidden {
				t.Errorf("hidden next = %q, want %q", hidden, wantHidden)
			}
			// The form is forged with the raw value, as an attacker would.
			b.Post("/login", url.Values{"email": {ana.Email}, "next": {tc.next}})
			b.Post("/login/method", url.Values{"method": {"PASSWORD"}})
			page = b.Post("/login/password", url.Values{"password": {ana.Password}})
			if page.Status != 303 || page.Header.Get("Location") != tc.want {
				t.Errorf("login redirects %d to %q, want 303 to %q", page.Status, page.Header.Get("Location"), tc.want)
			}
			// Signed in, the login page itself redirects the same way.
			page = b.Get("/login?next=" + url.QueryEscape(tc.next))
			if page.Status != 303 || page.Header.Get("Location") != tc.want {
				t.Errorf("signed-in /login redirects %d to %q, want 303 to %q", page.Status, page.Header.Get("Location"), tc.want)
			}
		})
	}

	t.Run("back to a protected page", func(t *testing.T) {
		b := e.NewBrowser(t)
		page := b.Get("/account/events")
		if page.URL.Path != "/login" || page.Input("next") != "/account/events" {
			t.Fatalf("/account/events without a session: %s next=%q", page.URL, page.Input("next"))
		}
		b.Post("/login", url.Values{"email": {ana.Email}, "next": {page.Input("next")}})
		b.Post("/login/method", url.Values{"method": {"PASSWORD"}})
		page = b.Post("/login/password", url.Values{"password": {ana.Password}})
		wantPage(t, page, 200, "Security events")
		if page.URL.Path != "/account/events" {
			t.Errorf("login ended at %s, want /account/events", page.URL.Path)
		}
	})
}
