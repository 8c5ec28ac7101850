package eci_test

import (
	"bytes"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"eulogin/internal/eci"
	"eulogin/internal/eci/ecistore"
	"eulogin/internal/eci/ecistore/ecistoretest"
	"eulogin/internal/i18n"
)

// t0 is when every test starts: a clock the tests move by hand.
var t0 = time.Date(2026, time.March, 14, 9, 26, 53, 0, time.UTC)

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// options change the portal of a test environment.
type options struct {
	strengths []string // default: PASSWORD_SMS, PASSWORD_MOBILE_APP
	dev       bool
	open      func(t *testing.T) *ecistore.DB // default: SQLite
	mailer    eci.Mailer                      // default: none
	config    func(c *eci.Config)             // changes the portal's configuration
}

// env is a portal (httptest) in front of a fake CAS server, with its own
// database and a settable clock.
type env struct {
	t      *testing.T
	cas    *fakeCAS
	portal *httptest.Server
	db     *ecistore.DB
	clock  *clock
	bundle *i18n.Bundle
	logs   *bytes.Buffer
	cfg    eci.Config
}

func newEnv(t *testing.T, o options) *env {
	t.Helper()
	if o.strengths == nil {
		o.strengths = []string{"PASSWORD_SMS", "PASSWORD_MOBILE_APP"}
	}
	if o.open == nil {
		o.open = ecistoretest.OpenSQLite
	}
	e := &env{t: t, cas: newFakeCAS(t), db: o.open(t), clock: &clock{t: t0}, logs: &bytes.Buffer{}}
	bundle, err := eci.LoadBundle()
	if err != nil {
		t.Fatalf("LoadBundle() = %v", err)
	}
	e.bundle = bundle
	var handler http.Handler
	var mu sync.Mutex
	e.portal = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		h := handler
		mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(e.portal.Close)
	e.cfg = eci.Config{BaseURL: e.portal.URL, IdPURL: e.cas.URL(), AcceptStrengths: o.strengths, Dev: o.dev}
	if o.config != nil {
		o.config(&e.cfg)
	}
	s, err := eci.NewServer(e.cfg, eci.Deps{
		Logger: slog.New(slog.NewTextHandler(&syncWriter{w: e.logs}, nil)),
		DB:     e.db, Bundle: e.bundle, Now: e.clock.Now, Mailer: o.mailer,
	})
	if err != nil {
		t.Fatalf("NewServer() = %v", err)
	}
	mu.Lock()
	handler = s
	mu.Unlock()
	return e
}

// syncWriter makes a buffer safe for the server's goroutines.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// person is who logs in at the fake CAS server.
type person struct {
	ID, Email, First, Last, Locale string
}

var ana = person{ID: "n3kana01", Email: "ana.popescu@example.ro", First: "Ana", Last: "Popescu", Locale: "ro"}
var janis = person{ID: "n3kjan02", Email: "janis@example.lv", First: "Jānis", Last: "Bērziņš", Locale: "lv"}

// success is the CAS answer for p logging in with strength at the env's
// current time.
func (e *env) success(p person, strength string) outcome {
	return outcome{User: p.ID, Attrs: [][2]string{
		{"email", p.Email}, {"firstName", p.First}, {"lastName", p.Last}, {"locale", p.Locale},
		{"assuranceLevel", "10"}, {"uid", p.ID}, {"strength", strength}, {"authenticationFactors", "PASSWORD"},
		{"authenticationFactors", "SMS"}, {"loginDate", e.clock.Now().Format(time.RFC3339)}, {"sso", "false"},
		{"ticketType", "SERVICE"},
	}}
}

// browser is a person's browser: a cookie jar, following redirects across
// the portal and the CAS server.
type browser struct {
	t      *testing.T
	e      *env
	client *http.Client
	lang   string // Accept-Language
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: e.t, e: e, client: &http.Client{Jar: jar}}
}

// page is a response, after redirects.
type page struct {
	Status int
	URL    *url.URL
	Header http.Header
	Body   string
}

func (b *browser) do(req *http.Request) *page {
	b.t.Helper()
	if b.lang != "" {
		req.Header.Set("Accept-Language", b.lang)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return &page{Status: resp.StatusCode, URL: resp.Request.URL, Header: resp.Header, Body: string(body)}
}

// get requests a path of the portal (or an absolute URL).
func (b *browser) get(path string) *page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.abs(path), nil)
	return b.do(req)
}

// post sends a form to the portal as a browser would from the portal's own
// page (Sec-Fetch-Site: same-origin).
func (b *browser) post(path string, form url.Values) *page {
	b.t.Helper()
	return b.postWith(path, form, http.Header{"Sec-Fetch-Site": {"same-origin"}})
}

func (b *browser) postWith(path string, form url.Values, h http.Header) *page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.abs(path), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range h {
		req.Header[k] = v
	}
	return b.do(req)
}

// noFollow returns the first response of a request, without following a
// redirect.
func (b *browser) noFollow(method, path string) *http.Response {
	b.t.Helper()
	c := *b.client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	req, _ := http.NewRequest(method, b.abs(path), nil)
	if method == http.MethodPost {
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	if b.lang != "" {
		req.Header.Set("Accept-Language", b.lang)
	}
	resp, err := c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func (b *browser) abs(path string) string {
	if strings.HasPrefix(path, "http") {
		return path
	}
	return b.e.portal.URL + path
}

// cookie returns the portal's cookie name in the jar, or "".
func (b *browser) cookie(name string) string {
	u, _ := url.Parse(b.e.portal.URL)
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// setCookie puts a cookie of the portal in the jar.
func (b *browser) setCookie(name, value string) {
	u, _ := url.Parse(b.e.portal.URL)
	b.client.Jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}

// login logs p in with strength through the portal's Organiser account
// button, and returns the page it ends on.
func (b *browser) login(p person, strength string) *page {
	b.t.Helper()
	b.e.cas.willAnswer(b.e.success(p, strength))
	return b.get("/login")
}

var (
	h1RE    = regexp.MustCompile(`(?s)<h1[^>]*>(.*?)</h1>`)
	titleRE = regexp.MustCompile(`(?s)<title>(.*?)</title>`)
	langRE  = regexp.MustCompile(`<html lang="([^"]*)"`)
	tagRE   = regexp.MustCompile(`<[^>]+>`)
	// rawKeyRE finds message keys of the portal's catalogues that reached a
	// page untranslated.
	rawKeyRE = regexp.MustCompile(`\b(?:frame|portal|nav|footer|dev|landing|dashboard|strength|signin|left|problem|info|initiative|member|group|funding|collection|review|invitation|history|mail|rule|status|country|category)\.[a-z_]+(?:\.[a-z0-9_]+)?\b`)
)

// text returns the text of an HTML fragment.
func text(s string) string {
	return strings.Join(strings.Fields(html.UnescapeString(tagRE.ReplaceAllString(s, " "))), " ")
}

func (p *page) H1() string {
	m := h1RE.FindStringSubmatch(p.Body)
	if m == nil {
		return ""
	}
	return text(m[1])
}

func (p *page) Title() string {
	m := titleRE.FindStringSubmatch(p.Body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

func (p *page) Lang() string {
	m := langRE.FindStringSubmatch(p.Body)
	if m == nil {
		return ""
	}
	return m[1]
}

// Text returns the visible text of the page.
func (p *page) Text() string { return text(p.Body) }

// Has reports whether the page's visible text contains s.
func (p *page) Has(s string) bool { return strings.Contains(p.Text(), s) }

// wantPage checks the status, the path and the h1 of a page.
func wantPage(t *testing.T, p *page, status int, path, h1 string) {
	t.Helper()
	if p.Status != status || p.URL.Path != path || p.H1() != h1 {
		t.Errorf("page = %d %s %q, want %d %s %q", p.Status, p.URL.Path, p.H1(), status, path, h1)
	}
	wantClean(t, p)
}

// wantClean checks that a page shows no untranslated key and no Go error
// or stack trace.
func wantClean(t *testing.T, p *page) {
	t.Helper()
	if k := rawKeyRE.FindString(p.Text()); k != "" {
		t.Errorf("page %s shows the raw key %q", p.URL.Path, k)
	}
	for _, s := range []string{"goroutine ", "panic", ".go:", "runtime/"} {
		if strings.Contains(p.Body, s) {
			t.Errorf("page %s contains %q", p.URL.Path, s)
		}
	}
}

// audit returns the types of the audit events of a user, newest first.
func (e *env) audit(userID string) []string {
	e.t.Helper()
	evs, err := e.db.AuditEvents(e.t.Context(), userID, 100)
	if err != nil {
		e.t.Fatalf("AuditEvents(%q) = %v", userID, err)
	}
	var out []string
	for _, ev := range evs {
		out = append(out, string(ev.Kind)+":"+ev.Detail)
	}
	return out
}

// l returns the English (or another language's) localizer of the portal.
func (e *env) l(lang string) *i18n.Localizer { return e.bundle.Localizer(lang) }
