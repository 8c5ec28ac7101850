package idptest

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"eulogin/internal/botcheck"
	"eulogin/internal/mail/mailtest"
)

// Person is someone using the service.
type Person struct {
	First, Last, Email, EmailLang, Password string
}

// RegisterForm returns the registration form for p, with the bot check of
// page solved as the page's JavaScript would.
func RegisterForm(page *Page, p Person) url.Values {
	f := url.Values{
		"first_name": {p.First}, "last_name": {p.Last}, "email": {p.Email}, "email_confirm": {p.Email},
		"email_lang": {p.EmailLang}, "privacy": {"1"},
	}
	if tok := page.Input("botcheck_token"); tok != "" {
		f.Set("botcheck_token", tok)
		salt := page.Attr("data-salt")
		diff := 0
		for _, c := range page.Attr("data-difficulty") {
			diff = diff*10 + int(c-'0')
		}
		f.Set("botcheck_nonce", botcheck.Solve(salt, diff))
	}
	return f
}

// Register fills in "Create an account" for p and returns the answer page.
func (b *Browser) Register(p Person) *Page {
	b.t.Helper()
	page := b.Get("/register")
	if page.Status != 200 {
		b.t.Fatalf("GET /register = %d", page.Status)
	}
	return b.Post("/register", RegisterForm(page, p))
}

// Mail waits for the n-th e-mail to addr (1-based) and returns it.
func (e *Env) Mail(t *testing.T, addr string, n int) mailtest.Received {
	t.Helper()
	msgs := e.SMTP.WaitFor(t, addr, n)
	return msgs[n-1]
}

// MailLink returns the first link of m that starts with the server's URL and
// contains part.
func (e *Env) MailLink(t *testing.T, m mailtest.Received, part string) string {
	t.Helper()
	for _, l := range m.Links() {
		if strings.HasPrefix(l, e.URL) && strings.Contains(l, part) {
			return l
		}
	}
	t.Fatalf("no link containing %q in e-mail %q: %v", part, m.Subject, m.Links())
	return ""
}

// SetPassword opens link and sets pw.
func (b *Browser) SetPassword(link, pw string) *Page {
	b.t.Helper()
	form := b.Get(link)
	if form.Status != 200 {
		b.t.Fatalf("GET %s = %d %s", link, form.Status, form.H1())
	}
	return b.Post(link, url.Values{"password": {pw}, "password_confirm": {pw}})
}

// Login goes through the three login steps with the password method.
func (b *Browser) Login(email, pw string) *Page {
	b.t.Helper()
	b.Password = pw
	b.Post("/login", url.Values{"email": {email}})
	b.Post("/login/method", url.Values{"method": {"PASSWORD"}})
	return b.Post("/login/password", url.Values{"password": {pw}})
}

// CreateAccount registers p, sets the password from the e-mail and returns
// the e-mail index used (for later WaitFor counts).
func (e *Env) CreateAccount(t *testing.T, b *Browser, p Person) {
	t.Helper()
	b.Password = p.Password
	if page := b.Register(p); page.Status != 200 {
		t.Fatalf("register %s: %d %v", p.Email, page.Status, page.Errors())
	}
	m := e.Mail(t, p.Email, len(e.SMTP.WaitFor(t, p.Email, 1)))
	if page := b.SetPassword(e.MailLink(t, m, "/password/new/"), p.Password); page.Status != 200 {
		t.Fatalf("set password %s: %d %v", p.Email, page.Status, page.Errors())
	}
}

// codeRE finds a challenge code in the text of an SMS.
var codeRE = regexp.MustCompile(`\b[A-Z0-9]{3}-[A-Z0-9]{3}-[A-Z0-9]{3}\b`)

// LastSMS returns the code of the newest SMS sent to number (E.164, as the
// outbox keeps it), failing the test when there is none.
func (e *Env) LastSMS(t *testing.T, number string) string {
	t.Helper()
	items, err := e.DB.Outbox(t.Context(), 1000)
	if err != nil {
		t.Fatalf("read the outbox: %v", err)
	}
	for _, m := range items { // newest first
		if m.Kind == "sms" && m.Recipient == number {
			code := codeRE.FindString(m.Text)
			if code == "" {
				t.Fatalf("the SMS to %s holds no code: %q", number, m.Text)
			}
			return code
		}
	}
	t.Fatalf("no SMS sent to %s", number)
	return ""
}

// SMSCount returns how many SMS were sent to number.
func (e *Env) SMSCount(t *testing.T, number string) int {
	t.Helper()
	items, err := e.DB.Outbox(t.Context(), 1000)
	if err != nil {
		t.Fatalf("read the outbox: %v", err)
	}
	n := 0
	for _, m := range items {
		if m.Kind == "sms" && m.Recipient == number {
			n++
		}
	}
	return n
}

// ConfirmPasswordPath is the page that asks the password again before a
// change of the second factors of an account that has none to prove.
const ConfirmPasswordPath = "/account/confirm-password"

// ConfirmPassword types b.Password on page when it is that page, and
// returns the page it leads to; it returns any other page as it is.
func (b *Browser) ConfirmPassword(page *Page) *Page {
	b.t.Helper()
	if page.URL.Path != ConfirmPasswordPath {
		return page
	}
	return b.Post(ConfirmPasswordPath, url.Values{"current_password": {b.Password}, "next": {page.Input("next")}})
}
