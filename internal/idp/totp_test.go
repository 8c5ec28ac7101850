package idp_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	otplib "github.com/pquerna/otp/totp"

	"eulogin/internal/cas"
	"eulogin/internal/idp/idptest"
)

const (
	h1Authenticators   = "Manage my authenticator apps"
	h1AuthenticatorAdd = "Add an authenticator app"
	h1AuthScan         = "Scan the QR code with your authenticator app"
	h1TOTP             = "Enter the code of your authenticator app"
)

var secretRE = `<code class="secret">([A-Z2-7]+)</code>`

// addAuthenticator adds an authenticator app named name in My Account of
// b's signed-in user (no other factor yet, or its proof passed) and
// returns its secret, read from the page as a person would type it.
func addAuthenticator(t *testing.T, e *idptest.Env, b *idptest.Browser, name string) string {
	t.Helper()
	page := b.ConfirmPassword(b.Get("/account/authenticators/add"))
	wantPage(t, page, 200, h1AuthenticatorAdd)
	page = b.Post("/account/authenticators/add", url.Values{"name": {name}})
	wantPage(t, page, 200, h1AuthScan)
	secret := regexpFind(page.Body, secretRE)
	if secret == "" {
		t.Fatal("the page shows no key to type")
	}
	if uri := qrDecoded(t, page); !strings.HasPrefix(uri, "otpauth://totp/") || !strings.Contains(uri, "secret="+secret) {
		t.Fatalf("the QR code holds %q", uri)
	}
	// A wrong first code is refused and the page shows the same key.
	page = b.Post(page.URL.Path, url.Values{"code": {"000000"}})
	wantPage(t, page, http.StatusBadRequest, h1AuthScan)
	if regexpFind(page.Body, secretRE) != secret {
		t.Fatal("the key changed after a wrong code")
	}
	page = b.Post(page.URL.Path, url.Values{"code": {totpCode(t, secret, e.Clock.Now())}})
	wantPage(t, page, 200, h1Authenticators)
	if !page.Has(name) || !page.Has("The authenticator app has been added to your account.") {
		t.Fatalf("the list after adding: %q", page.Body)
	}
	return secret
}

func totpCode(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := otplib.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// totpLogin logs p in with "Authenticator app" up to the code page, for
// the application service ("" none).
func totpLogin(b *idptest.Browser, p idptest.Person, service string) *idptest.Page {
	v := url.Values{"email": {p.Email}}
	if service != "" {
		v.Set("service", service)
	}
	b.Post("/login", v)
	b.Post("/login/method", url.Values{"method": {"TOTP"}})
	return b.Post("/login/password", url.Values{"password": {p.Password}})
}

// TestAuthenticatorApp: add an app, log in with it (the strength an
// application sees), a code is not accepted twice, wrong codes lock like
// wrong passwords, and the removal asks a proof and e-mails the owner.
func TestAuthenticatorApp(t *testing.T) {
	e := idptest.New(t, idptest.Options{})
	rp := newRelyingParty(t)
	register(t, e, rp, "portal", func(s *cas.Service) { s.Strengths = []string{"PASSWORD_SOFTWARE_TOKEN"} })
	service := rp.URL + "/organiser"
	b := e.NewBrowser(t)
	e.CreateAccount(t, b, bob)
	b.Login(bob.Email, bob.Password)
	secret := addAuthenticator(t, e, b, "Work phone")
	if m := lastMail(t, e, bob.Email); m.Subject != subject(e, "en", "totp_added") || !strings.Contains(m.Text, "Work phone") {
		t.Errorf("e-mail %q after adding", m.Subject)
	}

	// Log in to the application with the app: PASSWORD_SOFTWARE_TOKEN.
	e.Clock.Advance(time.Minute)
	b2 := e.NewBrowser(t)
	stopAt(b2, rp.URL)
	page := totpLogin(b2, bob, service)
	wantPage(t, page, 200, h1TOTP)
	if !page.Has("Step 4 of 4") || !page.Has(`autocomplete="one-time-code"`) {
		t.Errorf("code page lacks its step or autocomplete")
	}
	code := totpCode(t, secret, e.Clock.Now())
	page = b2.Post("/login/totp", url.Values{"totp": {code[:3] + " " + code[3:]}})
	if s, f := strengthOf(t, e, service, ticketIn(t, page, service)); s != "PASSWORD_SOFTWARE_TOKEN" || f != "PASSWORD,SOFTWARE_TOKEN" {
		t.Errorf("strength %q, factors %q", s, f)
	}
	// The same code in another login: refused as used.
	b3 := e.NewBrowser(t)
	totpLogin(b3, bob, "")
	page = b3.Post("/login/totp", url.Values{"totp": {code}})
	wantPage(t, page, http.StatusUnauthorized, h1TOTP)
	wantErrors(t, page, "This code is wrong or too old. Type the code your app shows now")
	// Wrong codes count with the login limits: the fifth failure (with the
	// replay) locks, and a right code is then refused.
	for i := 0; i < 4; i++ {
		page = b3.Post("/login/totp", url.Values{"totp": {"123456"}})
	}
	wantPage(t, page, http.StatusTooManyRequests, h1TOTP)
	e.Clock.Advance(30 * time.Second)
	if page := b3.Post("/login/totp", url.Values{"totp": {totpCode(t, secret, e.Clock.Now())}}); page.Status != http.StatusTooManyRequests {
		t.Errorf("a right code while locked: %d", page.Status)
	}
	if types := auditTypes(t, e, bob.Email); !slices.Contains(types, "totp_refused") || !slices.Contains(types, "account_locked") {
		t.Errorf("audit %q", types)
	}

	// Removal: a proof of a factor (the app itself) first.
	e.Clock.Advance(16 * time.Minute) // the lock is over
	page = b.Get("/account/authenticators")
	id := regexpFind(page.Body, `/account/authenticators/([0-9a-f]+)/remove`)
	page = b.Get("/account/authenticators/" + id + "/remove")
	wantPage(t, page, 200, h1TOTP)
	if !page.Has("I can no longer use my second factor") {
		t.Error("the proof page offers no way without the app")
	}
	page = b.Post("/login/totp", url.Values{"totp": {totpCode(t, secret, e.Clock.Now())}})
	wantPage(t, page, 200, "Remove an authenticator app")
	page = b.Post("/account/authenticators/"+id+"/remove", url.Values{})
	if page.URL.Query().Get("done") != "removed" || page.Has("Work phone") {
		t.Errorf("after removal: %s", page.URL)
	}
	if m := lastMail(t, e, bob.Email); m.Subject != subject(e, "en", "totp_removed") || !strings.Contains(m.Text, "Work phone") {
		t.Errorf("e-mail %q after removal", m.Subject)
	}
}

// TestAuthenticatorMethodWithoutApp: the method chosen by an account
// without an app says so after the password, and offers another method.
func TestAuthenticatorMethodWithoutApp(t *testing.T) {
	e := idptest.New(t, idptest.Options{})
	b := e.NewBrowser(t)
	e.CreateAccount(t, b, chiara)
	other := e.NewBrowser(t)
	page := totpLogin(other, chiara, "")
	wantPage(t, page, http.StatusConflict, h1TOTP)
	if !page.Has("Your account has no authenticator app.") || page.Has(`name="totp"`) || !page.Has(`href="/login/method"`) {
		t.Errorf("the page for an account without an app: %q", page.Body)
	}
	// Before the password, nothing is said.
	fresh := e.NewBrowser(t)
	fresh.Post("/login", url.Values{"email": {chiara.Email}})
	fresh.Post("/login/method", url.Values{"method": {"TOTP"}})
	if page := fresh.Get("/login/totp"); page.URL.Path != "/login/method" {
		t.Errorf("the code page before the password: %s", page.URL.Path)
	}
}

// TestAuthenticatorStepUp: a session with the password alone, for an
// application that needs two factors, is asked only the app's code.
func TestAuthenticatorStepUp(t *testing.T) {
	e := idptest.New(t, idptest.Options{})
	rp := newRelyingParty(t)
	register(t, e, rp, "portal", func(s *cas.Service) { s.Strengths = []string{"PASSWORD_SMS", "PASSWORD_SOFTWARE_TOKEN"} })
	service := rp.URL + "/organiser"
	b := e.NewBrowser(t)
	e.CreateAccount(t, b, chiara)
	b.Login(chiara.Email, chiara.Password)
	secret := addAuthenticator(t, e, b, "Phone")
	e.Clock.Advance(time.Minute)
	stopAt(b, rp.URL)
	page := b.Get(loginQuery(url.Values{"service": {service}}))
	wantPage(t, page, 200, h1TOTP)
	if !page.Has("needs a stronger verification") {
		t.Error("the step-up does not say why")
	}
	page = b.Post("/login/totp", url.Values{"totp": {totpCode(t, secret, e.Clock.Now())}})
	if s, _ := strengthOf(t, e, service, ticketIn(t, page, service)); s != "PASSWORD_SOFTWARE_TOKEN" {
		t.Errorf("strength after the step-up = %q", s)
	}
}
