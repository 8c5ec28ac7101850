package idp_test

import (
	"errors"
	"html"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"eulogin/internal/idp/idptest"
	"eulogin/internal/mail/mailtest"
	"eulogin/internal/store"
)

// People of the tests besides ana (flow_test.go).
var (
	bob    = idptest.Person{First: "Bob", Last: "Martin", Email: "bob@example.org", EmailLang: "en", Password: "Lighthouse keeper 1887"}
	chiara = idptest.Person{First: "Chiara", Last: "Rossi", Email: "chiara@example.org", EmailLang: "en", Password: "Tramonto sul lago 9!"}
)

// Messages of en.json that the tests expect verbatim.
const (
	msgEmailEmpty     = "Enter your e-mail address"
	msgEmailFormat    = "Enter an e-mail address in the correct format, like name@example.org"
	msgInvalidText    = "The form contained characters that cannot be read. Type your details again"
	msgBadRequest     = "The request could not be read. Go back and try again."
	msgNotFound       = "This page does not exist. Check the address, or start again from the start page."
	msgCrossOrigin    = "This form was sent from another website, so it was refused. Open the page again and send the form from there."
	msgSessionExpired = "Your session has ended. Log in again to continue."
	msgLoginFailed    = "The e-mail address or the password is wrong. Check them and try again"
	msgCurrentWrong   = "The current password is wrong"
	msgPasswordEmpty  = "Enter a password"
	msgBotWrong       = "The result is wrong. Answer the new question below"
	msgBotExpired     = "The check has expired. Answer the new question below"
	h1LinkDead        = "This link is no longer valid"
	h1LinkSpent       = "Your password is already set"
	h1CheckEmail      = "Check your e-mail"
	h1Error           = "Something went wrong"
	// Subjects of e-mails in English.
	subjectPwChanged   = "Your EU Login password was changed"
	subjectRegister    = "Create your EU Login password"
	subjectDeleted     = "Your EU Login account was deleted"
	subjectEmailChange = "Confirm your new EU Login e-mail address"
	subjectEmailNotice = "A change of your EU Login e-mail address was requested"
	subjectEmailDone   = "Your EU Login e-mail address was changed"
)

// wantErrors checks the messages of the page's error summary, in order.
func wantErrors(t *testing.T, p *idptest.Page, want ...string) {
	t.Helper()
	if got := p.Errors(); !slices.Equal(got, want) {
		t.Errorf("error summary = %q, want %q", got, want)
	}
}

// wantPage checks the status and the h1 of a page.
func wantPage(t *testing.T, p *idptest.Page, status int, h1 string) {
	t.Helper()
	if p.Status != status || p.H1() != h1 {
		t.Errorf("page %s = %d %q, want %d %q (errors %q)", p.URL.Path, p.Status, p.H1(), status, h1, p.Errors())
	}
}

// wantNoUser checks that no account has the address.
func wantNoUser(t *testing.T, e *idptest.Env, email string) {
	t.Helper()
	if u, err := e.DB.UserByEmail(t.Context(), email); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UserByEmail(%q) = %v, %v; want store.ErrNotFound", email, u, err)
	}
}

// mustUser returns the account of the address.
func mustUser(t *testing.T, e *idptest.Env, email string) *store.User {
	t.Helper()
	u, err := e.DB.UserByEmail(t.Context(), email)
	if err != nil {
		t.Fatalf("UserByEmail(%q): %v", email, err)
	}
	return u
}

// mailsTo returns the e-mails received so far for addr.
func mailsTo(e *idptest.Env, addr string) []mailtest.Received {
	var out []mailtest.Received
	for _, m := range e.SMTP.Messages() {
		if slices.ContainsFunc(m.To, func(r string) bool { return strings.EqualFold(r, addr) }) {
			out = append(out, m)
		}
	}
	return out
}

// wantMailCount checks how many e-mails the SMTP server has received in all.
// Mail is sent before the page answers, so the count is final.
func wantMailCount(t *testing.T, e *idptest.Env, want int) {
	t.Helper()
	if got := e.SMTP.Messages(); len(got) != want {
		var subjects []string
		for _, m := range got {
			subjects = append(subjects, m.Subject+" -> "+strings.Join(m.To, ","))
		}
		t.Errorf("e-mails received = %d %q, want %d", len(got), subjects, want)
	}
}

// subject returns the subject of e-mail kind (e.g. "reset") in lang.
func subject(e *idptest.Env, lang, kind string) string {
	return e.Bundle.Localizer(lang).T("mail."+kind+".subject", "product", "EU Login")
}

// lastMail returns the latest e-mail to addr, failing when there is none.
func lastMail(t *testing.T, e *idptest.Env, addr string) mailtest.Received {
	t.Helper()
	ms := mailsTo(e, addr)
	if len(ms) == 0 {
		t.Fatalf("no e-mail to %s", addr)
	}
	return ms[len(ms)-1]
}

var (
	titleRE  = regexp.MustCompile(`(?s)<title>(.*?)</title>`)
	langRE   = regexp.MustCompile(`<html lang="([^"]*)"`)
	botRE    = regexp.MustCompile(`What is (\d+) \+ (\d+)\?`)
	scriptRE = regexp.MustCompile(`(?i)<script[^>]*>`)
)

// title returns the text of the page's <title>.
func title(p *idptest.Page) string {
	m := titleRE.FindStringSubmatch(p.Body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(strings.TrimSpace(m[1]))
}

// htmlLang returns the lang attribute of the page's <html>.
func htmlLang(p *idptest.Page) string {
	m := langRE.FindStringSubmatch(p.Body)
	if m == nil {
		return ""
	}
	return m[1]
}

// selected returns the value of the selected option of select name.
func selected(p *idptest.Page, name string) string {
	m := regexp.MustCompile(`(?s)<select[^>]*name="` + regexp.QuoteMeta(name) + `"[^>]*>(.*?)</select>`).FindStringSubmatch(p.Body)
	if m == nil {
		return ""
	}
	o := regexp.MustCompile(`<option value="([^"]*)"[^>]*\sselected[\s>]`).FindStringSubmatch(m[1])
	if o == nil {
		return ""
	}
	return html.UnescapeString(o[1])
}

// checked reports whether the checkbox name is ticked.
func checked(p *idptest.Page, name string) bool {
	m := regexp.MustCompile(`<input[^>]*name="` + regexp.QuoteMeta(name) + `"[^>]*>`).FindString(p.Body)
	return regexp.MustCompile(`\schecked[\s>]`).MatchString(m)
}

// noRedirects makes b stop at redirects, so their Location can be checked.
func noRedirects(b *idptest.Browser) {
	b.Client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
}

// setCookies returns the cookies set by a response, by name.
func setCookies(t *testing.T, p *idptest.Page) map[string]*http.Cookie {
	t.Helper()
	out := map[string]*http.Cookie{}
	for _, line := range p.Header.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err != nil {
			t.Fatalf("Set-Cookie %q: %v", line, err)
		}
		out[c.Name] = c
	}
	return out
}

// cookie returns the value of the cookie name that b sends to the server.
func cookie(t *testing.T, e *idptest.Env, b *idptest.Browser, name string) string {
	t.Helper()
	u, err := url.Parse(e.URL)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range b.Client.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// startLogin goes through the first two login steps and returns the password
// page.
func startLogin(t *testing.T, b *idptest.Browser, email string) *idptest.Page {
	t.Helper()
	b.Post("/login", url.Values{"email": {email}})
	p := b.Post("/login/method", url.Values{"method": {"PASSWORD"}})
	if p.URL.Path != "/login/password" {
		t.Fatalf("login steps for %s ended at %s (%d %v)", email, p.URL.Path, p.Status, p.Errors())
	}
	return p
}

// loggedIn creates the account of p in a new browser and logs it in there.
func loggedIn(t *testing.T, e *idptest.Env, p idptest.Person) *idptest.Browser {
	t.Helper()
	b := e.NewBrowser(t)
	e.CreateAccount(t, b, p)
	if page := b.Login(p.Email, p.Password); page.URL.Path != "/account" {
		t.Fatalf("login of %s ended at %s (%d %v)", p.Email, page.URL.Path, page.Status, page.Errors())
	}
	return b
}

// login logs p in with a new browser.
func login(t *testing.T, e *idptest.Env, p idptest.Person) *idptest.Browser {
	t.Helper()
	b := e.NewBrowser(t)
	if page := b.Login(p.Email, p.Password); page.URL.Path != "/account" {
		t.Fatalf("login of %s ended at %s (%d %v)", p.Email, page.URL.Path, page.Status, page.Errors())
	}
	return b
}

// internals are strings that betray a Go error or a stack trace.
var internals = []string{"goroutine ", "panic", "runtime error", "runtime/debug", ".go:", "http: ", "sql: ", "store: ", "sqlite", "sqldb: ", "SQLSTATE", "pgx", "template: ", "nil pointer", "Internal Server Error"}

// wantClean checks that a page is a translated HTML page of the service and
// shows nothing of the server's internals.
func wantClean(t *testing.T, p *idptest.Page) {
	t.Helper()
	if ct := p.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type = %q, want text/html; charset=utf-8", ct)
	}
	if !strings.HasSuffix(title(p), " - EU Login") {
		t.Errorf("title = %q, want a page of the service", title(p))
	}
	for _, s := range internals {
		if strings.Contains(p.Body, s) {
			t.Errorf("page %s (%d) shows %q", p.URL.Path, p.Status, s)
		}
	}
}

// needLang skips the test when the catalogue of tag is not shipped (yet).
func needLang(t *testing.T, e *idptest.Env, tag string) {
	t.Helper()
	path := filepath.Join("..", "i18n", "locales", tag+".json")
	if _, err := os.Stat(path); err != nil {
		t.Skipf("catalogue %s is absent: language %s not tested", path, tag)
	}
	if !e.Bundle.Has(tag) {
		t.Fatalf("%s exists but the bundle has no %s catalogue", path, tag)
	}
}
