package idp_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"testing"

	"eulogin/internal/idp/idptest"
)

var recoveryCodeRE = regexp.MustCompile(`<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>`)

// TestRecoveryCodes: codes are made after a proof of a factor and shown
// once; at login one stands in for the lost phone, once; the owner is
// e-mailed and led to review the factors, with one change allowed.
func TestRecoveryCodes(t *testing.T) {
	e := idptest.New(t, idptest.Options{})
	b := e.NewBrowser(t)
	e.CreateAccount(t, b, bob)
	b.Login(bob.Email, bob.Password)
	addPhone(t, e, b, phoneATyped, phoneA)

	page := b.Get("/account/recovery")
	wantPage(t, page, 200, "Recovery codes")
	if !page.Has("You have 0 unused recovery codes.") {
		t.Error("the page does not say there are no codes")
	}
	page = b.Post("/account/recovery", url.Values{})
	wantPage(t, page, 200, h1SendCode) // the proof first
	page = passSMS(t, e, b, bob.Email, phoneA)
	wantPage(t, page, 200, "Recovery codes")
	page = b.Post("/account/recovery", url.Values{})
	wantPage(t, page, 200, "Your new recovery codes")
	if cc := page.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
	var codes []string
	for _, m := range recoveryCodeRE.FindAllStringSubmatch(page.Body, -1) {
		codes = append(codes, m[1])
	}
	if len(codes) != 10 {
		t.Fatalf("%d codes shown, want 10", len(codes))
	}
	if m := lastMail(t, e, bob.Email); m.Subject != subject(e, "en", "recovery_codes_new") {
		t.Errorf("e-mail %q after new codes", m.Subject)
	}
	if page := b.Get("/account/recovery"); recoveryCodeRE.MatchString(page.Body) || !page.Has("You have 10 unused recovery codes.") {
		t.Error("the codes are shown again, or the count is wrong")
	}

	// The phone is lost: a recovery code instead of the SMS step.
	other := e.NewBrowser(t)
	page = smsLogin(t, other, bob)
	wantPage(t, page, 200, h1SendCode)
	if !page.Has(`href="/login/recovery"`) {
		t.Fatal("the SMS step offers no recovery code")
	}
	page = other.Get("/login/recovery")
	wantPage(t, page, 200, "Enter a recovery code")
	page = other.Post("/login/recovery", url.Values{"recovery_code": {"aaaaa-bbbbb"}})
	wantPage(t, page, http.StatusUnauthorized, "Enter a recovery code")
	page = other.Post("/login/recovery", url.Values{"recovery_code": {codes[3]}})
	wantPage(t, page, 200, "Recovery codes")
	if !page.Has("You logged in with a recovery code. 9 codes are left.") {
		t.Errorf("the review notice is missing: %q", page.Body)
	}
	if m := lastMail(t, e, bob.Email); m.Subject != subject(e, "en", "recovery_code_used") {
		t.Errorf("e-mail %q after a recovery login", m.Subject)
	}
	// One change is allowed without the lost phone: its removal.
	id := phoneID(t, e, bob.Email, phoneA)
	page = other.Post("/account/phones/"+id+"/remove", url.Values{})
	if page.URL.Query().Get("done") != "removed" {
		t.Errorf("removal after a recovery login: %s %q", page.URL, page.H1())
	}
	if types := auditTypes(t, e, bob.Email); !slices.Contains(types, "recovery_code_refused") || !slices.Contains(types, "recovery_codes_created") {
		t.Errorf("audit %q", types)
	}
	// A code works once.
	again := e.NewBrowser(t)
	again.Post("/login", url.Values{"email": {bob.Email}})
	again.Post("/login/method", url.Values{"method": {"SMS"}})
	again.Post("/login/password", url.Values{"password": {bob.Password}})
	if page := again.Post("/login/recovery", url.Values{"recovery_code": {codes[3]}}); page.Status != http.StatusUnauthorized {
		t.Errorf("the same code again: %d %q", page.Status, page.H1())
	}
	// Before the password, the recovery step is not reachable.
	fresh := e.NewBrowser(t)
	fresh.Post("/login", url.Values{"email": {bob.Email}})
	if page := fresh.Post("/login/recovery", url.Values{"recovery_code": {codes[4]}}); page.URL.Path != "/login/method" {
		t.Errorf("a recovery code before the password: %s", page.URL.Path)
	}
}
