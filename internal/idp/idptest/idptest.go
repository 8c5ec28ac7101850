// Package idptest runs a real identity provider for tests: the idp.Server
// over HTTP (httptest), a real database (SQLite, or PostgreSQL when
// EULOGIN_TEST_POSTGRES is set), a real SMTP server receiving its e-mails,
// and an injected clock. Browser plays a person with a cookie jar.
package idptest

import (
	"context"
	"eulogin/internal/authn/mobileapp"
	"eulogin/internal/regulation"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"eulogin/internal/authn/password"
	"eulogin/internal/config"
	"eulogin/internal/i18n"
	"eulogin/internal/idp"
	"eulogin/internal/mail"
	"eulogin/internal/mail/mailtest"
	"eulogin/internal/notify"
	"eulogin/internal/outbox"
	"eulogin/internal/sms"
	"eulogin/internal/store"
	"eulogin/internal/store/storetest"
)

// Clock is a settable clock.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Engine names a database engine and opens a fresh database on it.
type Engine struct {
	Name string
	Open func(t *testing.T) *store.DB
}

// Engines runs fn once per database engine: SQLite always, PostgreSQL when
// EULOGIN_TEST_POSTGRES is set (when it is not, the subtest skips, or fails
// with EULOGIN_REQUIRE_ALL=1).
func Engines(t *testing.T, fn func(t *testing.T, eng Engine)) {
	for _, e := range []Engine{{"sqlite", storetest.OpenSQLite}, {"postgres", storetest.OpenPostgres}} {
		t.Run(e.Name, func(t *testing.T) { fn(t, e) })
	}
}

// Options change the environment.
type Options struct {
	Engine    Engine               // default SQLite
	Configure func(*config.Config) // adjust the configuration
	NoSMTP    bool                 // send mail to the dev outbox instead of SMTP
	CASClient *http.Client         // the CAS server's client for proxy callbacks and single logout
	SMS       sms.Sender           // where SMS go; default the dev outbox (read with LastSMS)
}

// Env is a running identity provider.
type Env struct {
	URL    string
	DB     *store.DB
	SMTP   *mailtest.Server // nil with NoSMTP
	Clock  *Clock
	Config config.Config
	Bundle *i18n.Bundle
	Server *idp.Server
	App    *mobileapp.Service // the server side of the EU Login Mobile App
}

// TestAppSecret is the mobile app master secret of the test servers.
const TestAppSecret = "test-mobile-app-secret-0123456789abcdef"

// New starts an identity provider. Everything stops at the end of the test.
func New(t *testing.T, o Options) *Env {
	t.Helper()
	if o.Engine.Open == nil {
		o.Engine = Engine{"sqlite", storetest.OpenSQLite}
	}
	db := o.Engine.Open(t)
	ts := httptest.NewUnstartedServer(nil)
	base := "http://" + ts.Listener.Addr().String()
	cfg := config.Default()
	cfg.BaseURL = base
	cfg.Listen = ts.Listener.Addr().String()
	cfg.BotDifficulty = 4 // a real proof of work, cheap for tests
	e := &Env{URL: base, DB: db, Clock: &Clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}}
	var sender mail.Sender = &outbox.Mail{Store: db, Now: e.Clock.Now}
	if !o.NoSMTP {
		e.SMTP = mailtest.NewServer(t, mailtest.Options{})
		cfg.SMTP = e.SMTP.Config("EU Login <no-reply@eulogin.test>")
		s, err := mail.NewSMTP(cfg.SMTP)
		if err != nil {
			t.Fatal(err)
		}
		sender = s
	}
	cfg.AppSecret = TestAppSecret
	if o.Configure != nil {
		o.Configure(&cfg)
	}
	if !cfg.IsDev() && cfg.SMS.Provider == sms.ProviderOutbox {
		// Production refuses the SMS outbox in its configuration; the
		// tests still read every SMS there (Deps.SMS below).
		cfg.SMS = sms.Config{Provider: sms.ProviderHTTP, URL: "http://127.0.0.1:9/sms", Secret: strings.Repeat("k", sms.MinSecretLen)}
	}
	e.Config = cfg
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	e.Bundle = bundle
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("EULOGIN_TEST_LOG") != "" {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	var texts sms.Sender = &sms.Outbox{Store: db, Now: e.Clock.Now}
	if o.SMS != nil {
		texts = o.SMS
	}
	hasher := password.NewHasher(password.DefaultParams(), 2, 64)
	keys, err := mobileapp.LoadKeys(t.Context(), db, []byte(cfg.AppSecret))
	if err != nil {
		t.Fatal(err)
	}
	e.App = &mobileapp.Service{
		Store: db, Keys: keys, Hasher: hasher, Now: e.Clock.Now, BaseURL: base,
		Regulator: &regulation.Regulator{Store: db, Now: e.Clock.Now, Policy: cfg.Policy()},
		Notifier:  &mobileapp.PollNotifier{},
		Account: func(ctx context.Context, id string) (string, error) {
			u, err := db.UserByID(ctx, id)
			if err != nil {
				return "", err
			}
			return u.Email, nil
		},
	}
	srv, err := idp.NewServer(cfg, idp.Deps{
		Logger: logger, DB: db, Bundle: bundle, Now: e.Clock.Now,
		App:       e.App,
		Hasher:    hasher,
		BotKey:    []byte("0123456789abcdef0123456789abcdef-test-key"),
		Mailer:    &notify.Mailer{Bundle: bundle, Sender: sender, Product: idp.Product},
		CASClient: o.CASClient,
		SMS:       texts,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.Server = srv
	ts.Config.Handler = srv
	ts.Start()
	t.Cleanup(ts.Close)
	return e
}

// Browser is a person's browser: cookies, a language, redirects followed.
type Browser struct {
	t      *testing.T
	env    *Env
	Client *http.Client
	Lang   string // Accept-Language; "" sends none
	Header http.Header
	// Password is the password of the person using the browser (set by
	// CreateAccount and Login), typed again where a page asks for it
	// (ConfirmPassword).
	Password string
}

// NewBrowser returns a browser with an empty cookie jar.
func (e *Env) NewBrowser(t *testing.T) *Browser {
	jar, _ := cookiejar.New(nil)
	return &Browser{t: t, env: e, Client: &http.Client{Jar: jar, Timeout: 30 * time.Second}, Header: http.Header{}}
}

// Page is a response as a browser sees it.
type Page struct {
	Status int
	URL    *url.URL
	Header http.Header
	Body   string
}

// Get loads path (relative to the server, or an absolute URL).
func (b *Browser) Get(path string) *Page {
	b.t.Helper()
	return b.do(http.MethodGet, path, nil)
}

// Post submits a form.
func (b *Browser) Post(path string, form url.Values) *Page {
	b.t.Helper()
	return b.do(http.MethodPost, path, form)
}

func (b *Browser) do(method, path string, form url.Values) *Page {
	b.t.Helper()
	u := path
	if !strings.HasPrefix(path, "http") {
		u = b.env.URL + path
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(context.Background(), method, u, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if b.Lang != "" {
		req.Header.Set("Accept-Language", b.Lang)
	}
	for k, v := range b.Header {
		req.Header[k] = v
	}
	resp, err := b.Client.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return &Page{Status: resp.StatusCode, URL: resp.Request.URL, Header: resp.Header, Body: string(data)}
}

var inputRE = regexp.MustCompile(`<input[^>]*>`)
var attrRE = regexp.MustCompile(`([a-z-]+)="([^"]*)"`)

// Input returns the value attribute of the input named name ("" if none).
func (p *Page) Input(name string) string {
	for _, tag := range inputRE.FindAllString(p.Body, -1) {
		attrs := map[string]string{}
		for _, m := range attrRE.FindAllStringSubmatch(tag, -1) {
			attrs[m[1]] = m[2]
		}
		if attrs["name"] == name {
			return unescape(attrs["value"])
		}
	}
	return ""
}

// Attr returns the value of attribute attr of the first element carrying it.
func (p *Page) Attr(attr string) string {
	m := regexp.MustCompile(attr + `="([^"]*)"`).FindStringSubmatch(p.Body)
	if m == nil {
		return ""
	}
	return unescape(m[1])
}

// Has reports whether the page's text contains s (HTML-escaped as templates
// escape it).
func (p *Page) Has(s string) bool {
	return strings.Contains(p.Body, s) || strings.Contains(unescape(p.Body), s)
}

// H1 returns the text of the page's first h1.
func (p *Page) H1() string {
	m := regexp.MustCompile(`(?s)<h1[^>]*>(.*?)</h1>`).FindStringSubmatch(p.Body)
	if m == nil {
		return ""
	}
	return strings.TrimSpace(unescape(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(m[1], "")))
}

// Errors returns the messages of the page's error summary.
func (p *Page) Errors() []string {
	i := strings.Index(p.Body, `class="error-summary__list"`)
	if i < 0 {
		return nil
	}
	j := strings.Index(p.Body[i:], "</ul>")
	var out []string
	for _, m := range regexp.MustCompile(`<a href="#[^"]*">([^<]*)</a>`).FindAllStringSubmatch(p.Body[i:i+j], -1) {
		out = append(out, unescape(m[1]))
	}
	return out
}

func unescape(s string) string {
	r := strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'", "&quot;", `"`, "&#43;", "+")
	return r.Replace(s)
}
