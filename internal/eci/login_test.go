package eci_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"eulogin/internal/audit"
	"eulogin/internal/eci"
	"eulogin/internal/eci/ecistore/ecistoretest"
)

// TestLoginFlow: Organiser account → the IdP's /login with the service,
// acceptStrengths and locale → back with a ticket → validated → dashboard
// greeting the organiser and showing the strength. On both engines.
func TestLoginFlow(t *testing.T) {
	for _, eng := range ecistoretest.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			e := newEnv(t, options{open: eng.Open})
			b := e.browser()
			b.get("/?lang=en")
			p := b.login(ana, "PASSWORD_SMS")
			wantPage(t, p, http.StatusOK, "/dashboard", "Welcome, Ana")

			q := e.cas.lastLogin()
			if got, want := q.Get("service"), e.portal.URL+"/cas/callback"; got != want {
				t.Errorf("login service = %q, want %q", got, want)
			}
			if got, want := q.Get("acceptStrengths"), "PASSWORD_SMS,PASSWORD_MOBILE_APP"; got != want {
				t.Errorf("acceptStrengths = %q, want %q", got, want)
			}
			if got := q.Get("locale"); got != "en" {
				t.Errorf("locale = %q, want en", got)
			}
			e.cas.mu.Lock()
			v := e.cas.validations[len(e.cas.validations)-1]
			e.cas.mu.Unlock()
			if got, want := v.Get("service"), e.portal.URL+"/cas/callback"; got != want {
				t.Errorf("validation service = %q, want %q", got, want)
			}

			for _, want := range []string{"Ana Popescu", "ana.popescu@example.ro", "Mobile phone + SMS", "14/03/2026 10:26 CET", "Manage my EU Login account", "My initiatives", "You have no initiatives yet."} {
				if !p.Has(want) {
					t.Errorf("dashboard lacks %q", want)
				}
			}
			if !strings.Contains(p.Body, `href="`+e.cas.URL()+`/account"`) {
				t.Error("dashboard lacks the link to EU Login's My Account")
			}

			u, err := e.db.User(t.Context(), ana.ID)
			if err != nil {
				t.Fatalf("User(%q) = %v", ana.ID, err)
			}
			if u.Email != ana.Email || u.FirstName != "Ana" || u.LastName != "Popescu" || u.Locale != "ro" || u.LastStrength != "PASSWORD_SMS" || !u.FirstSeen.Equal(t0) {
				t.Errorf("portal user = %+v, want Ana's attributes, strength and first login", u)
			}
			if got, want := e.audit(ana.ID), []string{"LOGIN:PASSWORD_SMS"}; !slices.Equal(got, want) {
				t.Errorf("audit = %q, want %q", got, want)
			}
		})
	}
}

// TestAuditClient: a portal event records the client's address and its
// User-Agent; X-Forwarded-For is not believed (the portal trusts no proxy).
func TestAuditClient(t *testing.T) {
	e := newEnv(t, options{})
	b := e.browser()
	const agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0"
	e.cas.willAnswer(e.success(ana, "PASSWORD_SMS"))
	req, _ := http.NewRequest(http.MethodGet, b.abs("/login"), nil)
	req.Header.Set("User-Agent", agent)
	req.Header.Set("X-Forwarded-For", "198.51.100.9")
	wantPage(t, b.do(req), http.StatusOK, "/dashboard", "Welcome, Ana")

	evs, err := e.db.AuditEvents(t.Context(), ana.ID, 10)
	if err != nil || len(evs) != 1 {
		t.Fatalf("AuditEvents(%q) = %+v, %v, want one event", ana.ID, evs, err)
	}
	want := audit.Request{IP: "127.0.0.1", UserAgent: agent}
	if got := evs[0]; got.Kind != audit.PortalLogin || got.Request != want {
		t.Errorf("audit event = %s %+v, want %s %+v", got.Kind, got.Request, audit.PortalLogin, want)
	}
}

// TestLoginLocale: the page language goes to the IdP as locale.
func TestLoginLocale(t *testing.T) {
	e := newEnv(t, options{})
	b := e.browser()
	resp := b.noFollow(http.MethodGet, "/login?lang=lv")
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("GET /login = %d, want 303", resp.StatusCode)
	}
	want := e.cas.URL() + "/login?service=" + url.QueryEscape(e.portal.URL+"/cas/callback") + "&acceptStrengths=PASSWORD_SMS,PASSWORD_MOBILE_APP&locale=lv"
	if got := resp.Header.Get("Location"); got != want {
		t.Errorf("Location = %q, want %q", got, want)
	}
	// The language of later pages follows the same choice.
	p := b.login(janis, "PASSWORD_MOBILE_APP")
	wantPage(t, p, http.StatusOK, "/dashboard", "Laipni lūdzam, Jānis!")
	if !p.Has("“EU Login” mobilā lietotne") {
		t.Errorf("Latvian dashboard lacks the strength in words: %q", p.Text())
	}
}

// TestStrengthInWords: the dashboard names the strength of this login.
func TestStrengthInWords(t *testing.T) {
	all := []string{"PASSWORD", "PASSWORD_SMS", "PASSWORD_MOBILE_APP", "PASSWORD_WEBAUTHN", "MOBILE_APP", "PASSWORD_SOFTWARE_TOKEN"}
	e := newEnv(t, options{strengths: all})
	for _, tt := range []struct{ strength, lang, want string }{
		{"PASSWORD", "en", "Password"},
		{"PASSWORD_SMS", "en", "Mobile phone + SMS"},
		{"PASSWORD_MOBILE_APP", "en", "EU Login Mobile App"},
		{"PASSWORD_WEBAUTHN", "en", "Security key"},
		{"PASSWORD_SMS", "fr", "Téléphone portable + SMS"},
		{"PASSWORD_SMS", "ro", "Telefon mobil + SMS"},
		{"PASSWORD_SMS", "lv", "Mobilais tālrunis + SMS"},
		{"PASSWORD_WEBAUTHN", "ro", "Cheie de securitate"},
	} {
		t.Run(tt.strength+"/"+tt.lang, func(t *testing.T) {
			b := e.browser()
			b.get("/?lang=" + tt.lang)
			p := b.login(ana, tt.strength)
			if p.URL.Path != "/dashboard" || !p.Has(tt.want) {
				t.Errorf("dashboard at %s does not show the strength as %q", p.URL.Path, tt.want)
			}
		})
	}
}

// TestAttributesEscaped: names with markup and non-Latin letters are shown
// as text.
func TestAttributesEscaped(t *testing.T) {
	e := newEnv(t, options{})
	b := e.browser()
	evil := person{ID: "n3kevil", Email: "a&b@example.org", First: `<script>alert("x")</script>`, Last: "Ķēniņš & Δημήτρης"}
	p := b.login(evil, "PASSWORD_SMS")
	if p.URL.Path != "/dashboard" {
		t.Fatalf("login ended at %s, want /dashboard", p.URL.Path)
	}
	if strings.Contains(p.Body, "<script>") {
		t.Error("the dashboard contains the name's markup unescaped")
	}
	for _, want := range []string{`Welcome, <script>alert("x")</script>`, "Ķēniņš & Δημήτρης", "a&b@example.org"} {
		if !p.Has(want) {
			t.Errorf("dashboard text lacks %q", want)
		}
	}
}

// TestInvalidStrength: EU Login refuses the strength (INVALID_STRENGTH), or
// says it used one the portal does not accept: the page explains how to link
// a mobile phone, links to My Account and offers to try again.
func TestInvalidStrength(t *testing.T) {
	for _, tt := range []struct {
		name string
		out  func(e *env) outcome
	}{
		{"refused by the IdP", func(e *env) outcome {
			return outcome{Failure: "INVALID_STRENGTH", Message: "The authentication strength PASSWORD is not accepted"}
		}},
		{"refused by the portal", func(e *env) outcome { return e.success(ana, "PASSWORD") }},
		{"no strength", func(e *env) outcome { return outcome{User: ana.ID, Attrs: [][2]string{{"email", ana.Email}}} }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, options{})
			for _, lang := range []string{"en", "fr", "ro", "lv"} {
				b := e.browser()
				b.get("/?lang=" + lang)
				e.cas.willAnswer(tt.out(e))
				p := b.get("/login")
				l := e.l(lang)
				wantPage(t, p, http.StatusForbidden, "/login/refused", l.T("signin.strength_title"))
				for _, href := range []string{`href="` + e.cas.URL() + `/account"`, `<a class="button" href="/login">` + l.T("signin.try_again") + `</a>`} {
					if !strings.Contains(p.Body, href) {
						t.Errorf("%s: the page lacks %s", lang, href)
					}
				}
				if strings.Contains(p.Body, "not accepted") {
					t.Errorf("%s: the page shows the IdP's message", lang)
				}
				if b.cookie(eci.SessionCookie) != "" {
					t.Errorf("%s: a session cookie was set", lang)
				}
				if strings.Contains(p.Body, "ticket=") {
					t.Errorf("%s: the page's links carry the ticket", lang)
				}
			}
			// The language switcher shows the same page in another language.
			p := e.browser().get("/login/refused?lang=ro")
			wantPage(t, p, http.StatusForbidden, "/login/refused", "Este necesară autentificarea cu doi factori")
			if n, _ := e.db.CountSessions(t.Context(), ana.ID); n != 0 {
				t.Errorf("sessions of Ana = %d, want 0", n)
			}
		})
	}
}

// TestLoginFailure: other failures get a page to try again, with the code
// for the helpdesk but never the IdP's message.
func TestLoginFailure(t *testing.T) {
	e := newEnv(t, options{})
	for _, tt := range []struct {
		name, code, msg string
		wantCode        string
	}{
		{"invalid ticket", "INVALID_TICKET", `Ticket <script>alert(1)</script> & "x" not recognized`, "INVALID_TICKET"},
		{"invalid service", "INVALID_SERVICE", "wrong service", "INVALID_SERVICE"},
		{"internal error", "INTERNAL_ERROR", "database down", "INTERNAL_ERROR"},
		{"odd code", `<b>"x"</b>`, "odd", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := e.browser()
			e.cas.willAnswer(outcome{Failure: tt.code, Message: tt.msg})
			p := b.get("/login")
			wantPage(t, p, http.StatusBadRequest, "/login/failed", "You could not be logged in")
			if strings.Contains(p.Body, tt.msg) || strings.Contains(p.Body, "<script>alert") || strings.Contains(p.Body, "<b>") {
				t.Errorf("the page shows the IdP's message or code markup")
			}
			hasCode := p.Has("Error code for the helpdesk: " + tt.wantCode)
			if tt.wantCode != "" && !hasCode || tt.wantCode == "" && p.Has("Error code for the helpdesk") {
				t.Errorf("the page's error code line is wrong: %q", p.Text())
			}
			if !strings.Contains(p.Body, `<a class="button" href="/login">Try again</a>`) {
				t.Error("the page lacks Try again")
			}
			if got := e.audit(""); len(got) == 0 || got[0] != "LOGIN_REFUSED:"+tt.code {
				t.Errorf("audit = %q, want LOGIN_REFUSED:%s first", got, tt.code)
			}
		})
	}

	t.Run("code in the URL", func(t *testing.T) {
		for _, code := range []string{"<script>", "INVALID_TICKET%22%3E", "lower_case"} {
			p := e.browser().get("/login/failed?code=" + code)
			wantPage(t, p, http.StatusBadRequest, "/login/failed", "You could not be logged in")
			if p.Has("Error code") {
				t.Errorf("code=%s: the page shows an error code", code)
			}
		}
	})

	t.Run("replayed ticket", func(t *testing.T) {
		b := e.browser()
		e.cas.willAnswer(e.success(ana, "PASSWORD_SMS"))
		ticket := e.cas.issue(e.portal.URL + "/cas/callback")
		if p := b.get("/cas/callback?ticket=" + ticket); p.URL.Path != "/dashboard" {
			t.Fatalf("first use of the ticket ended at %s, want /dashboard", p.URL.Path)
		}
		other := e.browser()
		p := other.get("/cas/callback?ticket=" + ticket)
		wantPage(t, p, http.StatusBadRequest, "/login/failed", "You could not be logged in")
		if other.cookie(eci.SessionCookie) != "" {
			t.Error("a replayed ticket started a session")
		}
	})

	t.Run("malformed ticket", func(t *testing.T) {
		_, before, _ := e.cas.count()
		p := e.browser().get("/cas/callback?ticket=" + url.QueryEscape("ST-1&service=http://evil"))
		wantPage(t, p, http.StatusBadRequest, "/login/failed", "You could not be logged in")
		if _, after, _ := e.cas.count(); after != before {
			t.Error("a malformed ticket was sent to the IdP")
		}
	})

	t.Run("IdP unavailable", func(t *testing.T) {
		e.cas.mu.Lock()
		e.cas.status = http.StatusServiceUnavailable
		e.cas.mu.Unlock()
		defer func() {
			e.cas.mu.Lock()
			e.cas.status = 0
			e.cas.mu.Unlock()
		}()
		p := e.browser().login(ana, "PASSWORD_SMS")
		wantPage(t, p, http.StatusBadGateway, "/login/failed", "You could not be logged in")
		if !p.Has("EU Login could not be reached") {
			t.Errorf("page = %q, want it to say EU Login could not be reached", p.Text())
		}
	})

	t.Run("no ticket", func(t *testing.T) {
		resp := e.browser().noFollow(http.MethodGet, "/cas/callback")
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
			t.Errorf("GET /cas/callback = %d %s, want 303 /", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
}

// TestDashboardRequiresSession: without a session the dashboard sends the
// visitor to log in, and back to the dashboard afterwards.
func TestDashboardRequiresSession(t *testing.T) {
	e := newEnv(t, options{})
	b := e.browser()
	resp := b.noFollow(http.MethodGet, "/dashboard")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?next=%2Fdashboard" {
		t.Errorf("GET /dashboard = %d %s, want 303 /login?next=%%2Fdashboard", resp.StatusCode, resp.Header.Get("Location"))
	}
	e.cas.willAnswer(e.success(ana, "PASSWORD_SMS"))
	p := b.get("/dashboard")
	wantPage(t, p, http.StatusOK, "/dashboard", "Welcome, Ana")
	// Signed in, /login goes straight to the dashboard.
	logins, _, _ := e.cas.count()
	if p := b.get("/login"); p.URL.Path != "/dashboard" {
		t.Errorf("GET /login when signed in ended at %s, want /dashboard", p.URL.Path)
	}
	if after, _, _ := e.cas.count(); after != logins {
		t.Error("GET /login when signed in went to the IdP")
	}
}

// TestNextAfterLogin: only local paths are returned to after login.
func TestNextAfterLogin(t *testing.T) {
	e := newEnv(t, options{})
	for _, tt := range []struct{ next, want string }{
		{"/help", "/help"},
		{"/help?lang=fr", "/help"},
		{"", "/dashboard"},
		{"//evil.example/x", "/dashboard"},
		{"https://evil.example/", "/dashboard"},
		{`/\evil.example`, "/dashboard"},
		{"/%0d%0aSet-Cookie:x=y", "/dashboard"},
		{"/%5cevil.example", "/dashboard"},
		{"javascript:alert(1)", "/dashboard"},
		{"/login", "/dashboard"},
		{"/login/refused", "/dashboard"},
		{"/cas/callback?ticket=ST-1", "/dashboard"},
	} {
		t.Run(tt.next, func(t *testing.T) {
			b := e.browser()
			e.cas.willAnswer(e.success(ana, "PASSWORD_SMS"))
			p := b.get("/login?next=" + url.QueryEscape(tt.next))
			if p.URL.Host != strings.TrimPrefix(e.portal.URL, "http://") || p.URL.Path != tt.want {
				t.Errorf("after login with next=%q: at %s, want %s", tt.next, p.URL, tt.want)
			}
			if b.cookie("eci_next") != "" {
				t.Error("the next cookie was not cleared")
			}
		})
	}
}

// TestLoginDate: the login time shown is the IdP's loginDate.
func TestLoginDate(t *testing.T) {
	e := newEnv(t, options{})
	b := e.browser()
	o := e.success(ana, "PASSWORD_SMS")
	for i, a := range o.Attrs {
		if a[0] == "loginDate" {
			o.Attrs[i][1] = t0.Add(-90 * time.Second).Format(time.RFC3339Nano)
		}
	}
	e.cas.willAnswer(o)
	p := b.get("/login")
	if !p.Has("14/03/2026 10:25 CET") {
		t.Errorf("dashboard = %q, want the login time 14/03/2026 10:25 CET", p.Text())
	}
}
