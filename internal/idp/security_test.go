package idp_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"eulogin/internal/config"
	"eulogin/internal/idp"
	"eulogin/internal/idp/idptest"
)

// wantSecureHeaders checks the security headers every response carries.
func wantSecureHeaders(t *testing.T, p *idptest.Page) {
	t.Helper()
	csp := p.Header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("%s: Content-Security-Policy %q lacks %q", p.URL.Path, csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("%s: Content-Security-Policy %q allows inline code", p.URL.Path, csp)
	}
	for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"} {
		if got := p.Header.Get(h); got != want {
			t.Errorf("%s: %s = %q, want %q", p.URL.Path, h, got, want)
		}
	}
}

var (
	inlineStyleRE   = regexp.MustCompile(`(?i)<style[\s>]|\sstyle="`)
	inlineHandlerRE = regexp.MustCompile(`(?i)\son[a-z]+="`)
)

// wantNoInlineCode checks that a page has nothing the CSP would block:
// inline scripts, inline styles, event handler attributes.
func wantNoInlineCode(t *testing.T, p *idptest.Page) {
	t.Helper()
	for _, tag := range scriptRE.FindAllString(p.Body, -1) {
		if !strings.Contains(tag, ` src="/static/`) {
			t.Errorf("%s: inline or foreign script %s", p.URL.Path, tag)
		}
	}
	if m := inlineStyleRE.FindString(p.Body); m != "" {
		t.Errorf("%s: inline style %q", p.URL.Path, m)
	}
	if m := inlineHandlerRE.FindString(p.Body); m != "" {
		t.Errorf("%s: event handler attribute %q", p.URL.Path, m)
	}
}

// TestSecurityHeaders walks the pages of the service, answers and errors
// alike, and checks each for the security headers and the absence of inline
// code.
func TestSecurityHeaders(t *testing.T) {
	e := idptest.New(t, idptest.Options{})
	b := e.NewBrowser(t)
	type visit struct {
		name   string
		do     func() *idptest.Page
		status int
	}
	get := func(path string) func() *idptest.Page { return func() *idptest.Page { return b.Get(path) } }
	walk := []visit{
		{"login", get("/login"), 200},
		{"register", get("/register"), 200},
		{"register error", func() *idptest.Page { return b.Post("/register", url.Values{"first_name": {"<x>"}}) }, 400},
		{"lost", get("/password/lost"), 200},
		{"lost sent", func() *idptest.Page { return b.Post("/password/lost", url.Values{"email": {"nobody@example.org"}}) }, 200},
		{"privacy", get("/privacy"), 200},
		{"accessibility", get("/accessibility"), 200},
		{"help", get("/help"), 200},
		{"not found", get("/no/such/page"), 404},
		{"dead link", get("/password/new/xyz"), 410},
		{"no session", func() *idptest.Page { return b.Post("/account/delete", url.Values{"confirm": {"1"}}) }, 401},
		{"cross origin", func() *idptest.Page {
			b.Header.Set("Sec-Fetch-Site", "cross-site")
			defer b.Header.Del("Sec-Fetch-Site")
			return b.Post("/login", url.Values{"email": {"x@example.org"}})
		}, 403},
		{"created", func() *idptest.Page { return b.Register(ana) }, 200},
		{"link", func() *idptest.Page { return b.Get(e.MailLink(t, e.Mail(t, ana.Email, 1), "/password/new/")) }, 200},
		{"password saved", func() *idptest.Page {
			return b.Post(e.MailLink(t, e.Mail(t, ana.Email, 1), "/password/new/"), url.Values{"password": {ana.Password}, "password_confirm": {ana.Password}})
		}, 200},
		{"login method", func() *idptest.Page { return b.Post("/login", url.Values{"email": {ana.Email}}) }, 200},
		{"login password", func() *idptest.Page { return b.Post("/login/method", url.Values{"method": {"PASSWORD"}}) }, 200},
		{"login failed", func() *idptest.Page { return b.Post("/login/password", url.Values{"password": {"Wrong password 1!"}}) }, 401},
		{"account", func() *idptest.Page { return b.Post("/login/password", url.Values{"password": {ana.Password}}) }, 200},
		{"details", get("/account/details"), 200},
		{"e-mail", get("/account/email"), 200},
		{"password", get("/account/password"), 200},
		{"events", get("/account/events"), 200},
		{"delete", get("/account/delete"), 200},
		{"outbox", get("/dev/outbox"), 200},
		{"logged out", func() *idptest.Page { return b.Post("/logout", nil) }, 200},
	}
	for _, v := range walk {
		t.Run(v.name, func(t *testing.T) {
			page := v.do()
			if page.Status != v.status {
				t.Fatalf("status %d at %s, want %d (%q %v)", page.Status, page.URL.Path, v.status, page.H1(), page.Errors())
			}
			wantSecureHeaders(t, page)
			wantNoInlineCode(t, page)
			wantClean(t, page)
			if cc := page.Header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", cc)
			}
		})
	}
	t.Run("static file", func(t *testing.T) {
		page := b.Get("/static/css/eulogin.css")
		if page.Status != 200 || !strings.HasPrefix(page.Header.Get("Content-Type"), "text/css") {
			t.Fatalf("stylesheet: %d %q", page.Status, page.Header.Get("Content-Type"))
		}
		wantSecureHeaders(t, page)
	})
}

// TestSessionCookie: the session cookie is HttpOnly and SameSite=Lax (and
// not Secure in development over http), its id changes at every login, and
// an old id is worthless afterwards.
func TestSessionCookie(t *testing.T) {
	e := idptest.New(t, idptest.Options{})
	loggedIn(t, e, ana)
	b := e.NewBrowser(t)
	noRedirects(b)

	loginCookie := func(t *testing.T) *http.Cookie {
		t.Helper()
		page := b.Post("/login", url.Values{"email": {ana.Email}})
		flow := setCookies(t, page)["eulogin_flow"]
		if page.Status != 303 || flow == nil || !flow.HttpOnly || flow.SameSite != http.SameSiteLaxMode || flow.Path != "/" {
			t.Errorf("flow cookie %+v (status %d), want HttpOnly, SameSite=Lax, Path=/", flow, page.Status)
		}
		b.Post("/login/method", url.Values{"method": {"PASSWORD"}})
		page = b.Post("/login/password", url.Values{"password": {ana.Password}})
		if page.Status != 303 || page.Header.Get("Location") != "/account" {
			t.Fatalf("login: %d to %q", page.Status, page.Header.Get("Location"))
		}
		c := setCookies(t, page)["eulogin_session"]
		if c == nil || c.Value == "" {
			t.Fatalf("login set no session cookie: %q", page.Header.Values("Set-Cookie"))
		}
		if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure {
			t.Errorf("session cookie %q, want HttpOnly, SameSite=Lax, Path=/, not Secure over http", c.String())
		}
		if len(c.Value) < 40 {
			t.Errorf("session id %q is too short to be 32 random bytes", c.Value)
		}
		return c
	}
	first := loginCookie(t)
	second := loginCookie(t)
	if first.Value == second.Value {
		t.Fatal("the session id did not change between two logins")
	}
	if n, _ := e.DB.CountUserSessions(t.Context(), mustUser(t, e, ana.Email).ID); n != 2 {
		t.Errorf("sessions = %d, want 2 (the first browser's and the new one)", n)
	}
	for _, tc := range []struct {
		cookie, want string
	}{{first.Value, "/login?next=%2Faccount"}, {second.Value, ""}} {
		old := e.NewBrowser(t)
		noRedirects(old)
		old.Header.Set("Cookie", "eulogin_session="+tc.cookie)
		page := old.Get("/account")
		if got := page.Header.Get("Location"); got != tc.want {
			t.Errorf("GET /account with session %q…: Location %q, want %q", tc.cookie[:8], got, tc.want)
		}
	}
}

// TestCrossOriginRefused: forms sent from another site are refused with 403
// and change nothing; the same forms from the site itself work.
func TestCrossOriginRefused(t *testing.T) {
	e := idptest.New(t, idptest.Options{})
	loggedIn(t, e, ana)
	id := mustUser(t, e, ana.Email).ID
	sessions := func(t *testing.T) int {
		t.Helper()
		n, err := e.DB.CountUserSessions(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	headers := []struct{ name, header, value string }{
		{"Sec-Fetch-Site cross-site", "Sec-Fetch-Site", "cross-site"},
		{"Sec-Fetch-Site same-site", "Sec-Fetch-Site", "same-site"},
		{"Origin of another site", "Origin", "https://evil.example"},
		{"Origin null", "Origin", "null"},
	}
	for _, h := range headers {
		t.Run(h.name, func(t *testing.T) {
			b := e.NewBrowser(t)
			form := idptest.RegisterForm(b.Get("/register"), bob)
			b.Header.Set(h.header, h.value)
			page := b.Post("/register", form)
			wantPage(t, page, 403, h1Error)
			if !page.Has(msgCrossOrigin) {
				t.Error("the refusal is not explained")
			}
			wantClean(t, page)
			wantNoUser(t, e, bob.Email)
			wantMailCount(t, e, 1)

			b.Header.Del(h.header)
			startLogin(t, b, ana.Email)
			before := sessions(t)
			b.Header.Set(h.header, h.value)
			page = b.Post("/login/password", url.Values{"password": {ana.Password}})
			wantPage(t, page, 403, h1Error)
			if got := sessions(t); got != before {
				t.Errorf("sessions went from %d to %d", before, got)
			}
			if page = b.Get("/account"); page.URL.Path != "/login" {
				t.Errorf("after the refused login /account ended at %s", page.URL.Path)
			}
		})
	}
	t.Run("same origin", func(t *testing.T) {
		b := e.NewBrowser(t)
		b.Header.Set("Sec-Fetch-Site", "same-origin")
		b.Header.Set("Origin", e.URL)
		wantPage(t, b.Register(bob), 200, h1CheckEmail)
		mustUser(t, e, bob.Email)
		page := b.Login(ana.Email, ana.Password)
		if page.URL.Path != "/account" {
			t.Errorf("same-origin login ended at %s", page.URL.Path)
		}
		b.Header.Set("Sec-Fetch-Site", "cross-site")
		page = b.Post("/account/delete", url.Values{"current_password": {ana.Password}, "confirm": {"1"}})
		wantPage(t, page, 403, h1Error)
		mustUser(t, e, ana.Email)
	})
}

// TestNoInternalsShown: malformed, oversized and nonsensical requests get a
// clean 4xx page of the service, never a Go error or a stack trace, and the
// server keeps serving.
func TestNoInternalsShown(t *testing.T) {
	e := idptest.New(t, idptest.Options{})
	b := loggedIn(t, e, bob)
	anon := e.NewBrowser(t)
	startLogin(t, anon, bob.Email)
	big := "first_name=" + strings.Repeat("A", 2<<20)
	cases := []struct {
		name, method, path, body, ctype string
		br                              *idptest.Browser
		status                          int
		message                         string
	}{
		{"2 MiB registration", "POST", "/register", big, "", anon, 400, msgBadRequest},
		{"2 MiB login", "POST", "/login", big, "", anon, 400, msgBadRequest},
		{"2 MiB password", "POST", "/login/password", big, "", anon, 400, msgBadRequest},
		{"2 MiB lost password", "POST", "/password/lost", big, "", anon, 400, msgBadRequest},
		{"2 MiB password change", "POST", "/account/password", big, "", b, 400, msgBadRequest},
		{"2 MiB deletion", "POST", "/account/delete", big, "", b, 400, msgBadRequest},
		{"bad percent-encoding", "POST", "/register", "first_name=%zz", "", anon, 400, msgBadRequest},
		{"bad percent-encoding in the query", "POST", "/password/lost?x=%zz", "email=a%40example.org", "", anon, 400, msgBadRequest},
		{"JSON body", "POST", "/login", `{"email":"bob@example.org"}`, "application/json", anon, 400, msgEmailEmpty},
		{"unknown page", "GET", "/wp-admin/install.php", "", "", anon, 404, msgNotFound},
		{"outbox item not a number", "GET", "/dev/outbox/abc", "", "", anon, 404, msgNotFound},
		{"outbox item unknown", "GET", "/dev/outbox/99999999", "", "", anon, 404, msgNotFound},
		{"outbox item overflow", "GET", "/dev/outbox/99999999999999999999999", "", "", anon, 404, msgNotFound},
		{"password link of 500 characters", "GET", "/password/new/" + strings.Repeat("é", 250), "", "", anon, 410, ""},
		{"e-mail link of 500 characters", "GET", "/account/email/confirm/" + strings.Repeat("z", 500), "", "", anon, 410, ""},
		{"e-mail link POST of 500 characters", "POST", "/account/email/confirm/" + strings.Repeat("z", 500), "", "", anon, 410, ""},
		{"unknown language", "GET", "/register?lang=%3Cscript%3E", "", "", e.NewBrowser(t), 200, ""},
		{"unknown method", "DELETE", "/account", "", "", b, 404, msgNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), tc.method, e.URL+tc.path, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			ct := tc.ctype
			if ct == "" {
				ct = "application/x-www-form-urlencoded"
			}
			req.Header.Set("Content-Type", ct)
			resp, err := tc.br.Client.Do(req)
			if err != nil {
				t.Fatalf("%s %s: %v", tc.method, tc.path, err)
			}
			data, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			page := &idptest.Page{Status: resp.StatusCode, URL: resp.Request.URL, Header: resp.Header, Body: string(data)}
			if page.Status != tc.status {
				t.Errorf("status %d, want %d (%q)", page.Status, tc.status, page.H1())
			}
			wantClean(t, page)
			for _, s := range internals {
				if strings.Contains(page.Body, s) {
					t.Errorf("the answer shows %q", s)
				}
			}
			if tc.message != "" && !page.Has(tc.message) && !slices.Contains(page.Errors(), tc.message) {
				t.Errorf("the page lacks %q: %q %v", tc.message, page.H1(), page.Errors())
			}
			wantSecureHeaders(t, page)
		})
	}
	// Nothing was changed and the server still serves.
	if u := mustUser(t, e, bob.Email); u.FirstName != bob.First {
		t.Errorf("first name %q", u.FirstName)
	}
	if page := b.Get("/account"); page.Status != 200 || page.URL.Path != "/account" {
		t.Errorf("after the bad requests /account: %d %s", page.Status, page.URL.Path)
	}
	if page := anon.Post("/login/password", url.Values{"password": {bob.Password}}); page.URL.Path != "/account" {
		t.Errorf("the login flow did not survive the bad requests: %s", page.URL.Path)
	}
}

// TestDevOutbox: in development mode (a loopback base URL) the outbox lists
// the e-mails with their links clickable.
func TestDevOutbox(t *testing.T) {
	e := idptest.New(t, idptest.Options{NoSMTP: true})
	b := e.NewBrowser(t)
	if page := b.Get("/dev/outbox"); page.Status != 200 || !page.Has("No messages yet.") {
		t.Fatalf("empty outbox: %d %q", page.Status, page.H1())
	}
	b.Register(ana)
	b.Register(bob)
	page := b.Get("/dev/outbox")
	wantPage(t, page, 200, "Dev outbox")
	if !page.Has(ana.Email) || !page.Has(bob.Email) || !page.Has(subjectRegister) || !page.Has(subject(e, "ro", "register")) {
		t.Fatalf("outbox lacks the registration e-mails: %s", page.Body)
	}
	if !strings.Contains(page.Body, `href="/dev/outbox"`) {
		t.Error("the footer has no link to the outbox")
	}
	// Open bob's message (the newest is listed first) and follow its link.
	m := regexp.MustCompile(`href="(/dev/outbox/\d+)"`).FindStringSubmatch(page.Body)
	if m == nil {
		t.Fatal("no message link in the outbox")
	}
	item := b.Get(m[1])
	wantPage(t, item, 200, subjectRegister)
	link := regexp.MustCompile(`<a href="(` + regexp.QuoteMeta(e.URL) + `/password/new/[^"]+)">`).FindStringSubmatch(item.Body)
	if link == nil {
		t.Fatalf("the message has no clickable link: %s", item.Body)
	}
	wantPage(t, b.SetPassword(link[1], bob.Password), 200, "Your password has been saved")
	html := b.Get(m[1] + "/html")
	if csp := html.Header.Get("Content-Security-Policy"); html.Status != 200 || !strings.Contains(csp, "sandbox") || !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("HTML version: %d, CSP %q, want a sandbox", html.Status, csp)
	}
}

// TestProductionMode: with a public https base URL (development mode off)
// there is no outbox, cookies are Secure, and HSTS is on. Without SMTP the
// server refuses to start.
func TestProductionMode(t *testing.T) {
	e := idptest.New(t, idptest.Options{Configure: func(c *config.Config) {
		c.Dev = "false"
		c.BaseURL = "https://login.example.org"
	}})
	b := e.NewBrowser(t)
	for _, path := range []string{"/dev/outbox", "/dev/outbox/1", "/dev/outbox/1/html"} {
		page := b.Get(path)
		wantPage(t, page, 404, h1Error)
		wantClean(t, page)
	}
	page := b.Get("/login")
	if page.Status != 200 || strings.Contains(page.Body, "/dev/outbox") || page.Has("Dev outbox") {
		t.Errorf("the login page links to the outbox: %d", page.Status)
	}
	if got := page.Header.Get("Strict-Transport-Security"); !strings.HasPrefix(got, "max-age=") {
		t.Errorf("Strict-Transport-Security = %q", got)
	}
	wantSecureHeaders(t, page)

	// Cookies: Secure (the browser's cookie jar will not send them over the
	// test's plain http, so they are carried by hand).
	noRedirects(b)
	b.Client.Jar = nil
	page = b.Get("/register?lang=en")
	if c := setCookies(t, page)["__Host-lang"]; c == nil || !c.Secure || !c.HttpOnly || c.Path != "/" {
		t.Errorf("lang cookie %v, want __Host-lang, Secure and HttpOnly", c)
	}
	// The e-mailed link names the public URL; the test server is elsewhere.
	creator := e.NewBrowser(t)
	creator.Register(bob)
	var link string
	for _, l := range e.Mail(t, bob.Email, 1).Links() {
		if after, ok := strings.CutPrefix(l, "https://login.example.org/password/new/"); ok {
			link = "/password/new/" + after
		}
	}
	if link == "" {
		t.Fatal("the e-mailed link does not use the base URL https://login.example.org")
	}
	wantPage(t, creator.SetPassword(link, bob.Password), 200, "Your password has been saved")
	page = b.Post("/login", url.Values{"email": {bob.Email}})
	flow := setCookies(t, page)["__Host-eulogin_flow"]
	if flow == nil || !flow.Secure || !flow.HttpOnly || flow.SameSite != http.SameSiteLaxMode || flow.Path != "/" {
		t.Fatalf("flow cookie %v, want __Host-eulogin_flow, Secure, HttpOnly, SameSite=Lax", flow)
	}
	b.Header.Set("Cookie", "__Host-eulogin_flow="+flow.Value)
	b.Post("/login/method", url.Values{"method": {"PASSWORD"}})
	page = b.Post("/login/password", url.Values{"password": {bob.Password}})
	for name := range setCookies(t, page) {
		if !strings.HasPrefix(name, "__Host-") {
			t.Errorf("cookie %q set over https without the __Host- prefix", name)
		}
	}
	sess := setCookies(t, page)["__Host-eulogin_session"]
	if page.Header.Get("Location") != "/account" || sess == nil || !sess.Secure || !sess.HttpOnly || sess.SameSite != http.SameSiteLaxMode || sess.Path != "/" || sess.Domain != "" {
		t.Errorf("login: %d to %q, session cookie %v; want __Host- Secure HttpOnly SameSite=Lax Path=/", page.Status, page.Header.Get("Location"), sess)
	}

	t.Run("no SMTP", func(t *testing.T) {
		cfg := config.Default()
		cfg.Dev = "false"
		cfg.BaseURL = "https://login.example.org"
		_, err := idp.NewServer(cfg, idp.Deps{})
		if err == nil || !strings.Contains(err.Error(), "--smtp-host") {
			t.Errorf("NewServer without SMTP outside development: %v, want an error naming --smtp-host", err)
		}
	})
}

// TestUnreadableUserAgent: a User-Agent that is not UTF-8 (HTTP allows any
// byte there) neither breaks the login nor keeps its events out of the
// audit log, on either engine.
func TestUnreadableUserAgent(t *testing.T) {
	idptest.Engines(t, func(t *testing.T, eng idptest.Engine) {
		e := idptest.New(t, idptest.Options{Engine: eng})
		loggedIn(t, e, bob)
		id := mustUser(t, e, bob.Email).ID
		b := e.NewBrowser(t)
		b.Header.Set("User-Agent", "Mozilla/5.0 \xff\xfe (X11)")
		page := b.Login(bob.Email, "Wrong password 1!")
		wantPage(t, page, 401, "Enter your password")
		page = b.Post("/login/password", url.Values{"password": {bob.Password}})
		if page.Status != 200 || page.URL.Path != "/account" {
			t.Fatalf("login ended at %s: %d %q", page.URL.Path, page.Status, page.H1())
		}
		page = b.Post("/account/password", url.Values{"current_password": {bob.Password}, "password": {"Harbour lights 2026!"}, "password_confirm": {"Harbour lights 2026!"}})
		if page.Status != 200 || page.URL.Path != "/account" {
			t.Fatalf("password change ended at %s: %d %q %v", page.URL.Path, page.Status, page.H1(), page.Errors())
		}
		events, err := e.DB.AuditEvents(t.Context(), id, 100)
		if err != nil {
			t.Fatal(err)
		}
		found := map[string]string{}
		for _, ev := range events { // newest first
			if _, ok := found[string(ev.Kind)]; !ok {
				found[string(ev.Kind)] = ev.UserAgent
			}
		}
		for _, typ := range []string{"login_failure", "login_success", "password_changed"} {
			ua, ok := found[typ]
			if !ok {
				t.Errorf("event %s is not in the audit log", typ)
			} else if !utf8.ValidString(ua) || !strings.HasPrefix(ua, "Mozilla/5.0 ") || !strings.HasSuffix(ua, "(X11)") {
				t.Errorf("event %s has browser %q", typ, ua)
			}
		}
	})
}
