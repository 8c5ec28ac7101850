package idp_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"eulogin/internal/idp/idptest"
	"eulogin/internal/store"
)

// Mobile numbers of the tests (E.164) and how people type them.
const (
	phoneA      = "+37120000012"
	phoneATyped = "+371 2000-0012"
	phoneB      = "+33612345678"
	phoneBTyped = "+33 6 12 34 56 78"
)

// Headings of the SMS pages in English.
const (
	h1Phones   = "Manage my mobile phone numbers"
	h1AddPhone = "Add a mobile phone number"
	h1Code     = "Enter the code"
	h1SendCode = "Send a code to your mobile phone"
)

// phoneID returns the id of the number e164 of the account of email.
func phoneID(t *testing.T, e *idptest.Env, email, e164 string) string {
	t.Helper()
	phones, err := e.DB.ListPhones(t.Context(), mustUser(t, e, email).ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range phones {
		if p.E164 == e164 {
			return p.ID
		}
	}
	t.Fatalf("%s has no number %s", email, e164)
	return ""
}

// addPhone adds a number in My Account of b's signed-in user (no second
// factor yet: the password is typed again; or the SMS step already
// passed): the number, then the code from the SMS, then Finalise. It
// returns the page after Finalise.
func addPhone(t *testing.T, e *idptest.Env, b *idptest.Browser, typed, e164 string) *idptest.Page {
	t.Helper()
	page := b.Post("/account/phones/add", url.Values{"number": {typed}})
	if page.URL.Path == idptest.ConfirmPasswordPath {
		b.ConfirmPassword(page)
		page = b.Post("/account/phones/add", url.Values{"number": {typed}})
	}
	if page.Status != http.StatusOK || page.H1() != h1Code {
		t.Fatalf("add %s: %d %q %q, want the code page", typed, page.Status, page.H1(), page.Errors())
	}
	return b.Post("/account/phones/add/code", url.Values{"code": {e.LastSMS(t, e164)}})
}

// passSMS passes the SMS step that b is on (the choice of number): a code
// to e164, typed back. It returns the page the step ends at.
func passSMS(t *testing.T, e *idptest.Env, b *idptest.Browser, email, e164 string) *idptest.Page {
	t.Helper()
	page := b.Post("/login/sms", url.Values{"phone": {phoneID(t, e, email, e164)}})
	if page.Status >= 400 || (page.Status == http.StatusOK && page.H1() != h1Code) {
		t.Fatalf("send the code to %s: %d %q %q, want the code page", e164, page.Status, page.H1(), page.Errors())
	}
	return b.Post("/login/sms/code", url.Values{"code": {e.LastSMS(t, e164)}})
}

// smsLogin logs p in with "Mobile phone + SMS" up to the choice of the
// number, and returns that page.
func smsLogin(t *testing.T, b *idptest.Browser, p idptest.Person) *idptest.Page {
	t.Helper()
	b.Post("/login", url.Values{"email": {p.Email}})
	b.Post("/login/method", url.Values{"method": {"SMS"}})
	return b.Post("/login/password", url.Values{"password": {p.Password}})
}

// stopAt makes b follow redirects except those leaving for base (an
// application), so the ticket can be read.
func stopAt(b *idptest.Browser, base string) {
	b.Client.CheckRedirect = func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), base) {
			return http.ErrUseLastResponse
		}
		return nil
	}
}

// strengthOf validates ticket for service and returns the strength and the
// authentication factors of the answer.
func strengthOf(t *testing.T, e *idptest.Env, service, ticket string) (strength, factors string) {
	t.Helper()
	a := validate(t, e, "/p3/serviceValidate", vq(service, ticket))
	wantCode(t, a, "")
	attrs := a.Attrs()
	return strings.Join(attrs["strength"], ","), strings.Join(attrs["authenticationFactors"], ",")
}

// auditTypes returns the types of the audit events of the account of
// email, newest first.
func auditTypes(t *testing.T, e *idptest.Env, email string) []string {
	t.Helper()
	evs, err := e.DB.AuditEvents(t.Context(), mustUser(t, e, email).ID, 200)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, ev := range evs {
		out = append(out, string(ev.Kind))
	}
	return out
}

// regexpSubmatch returns the first match of expr in s and its groups.
func regexpSubmatch(s, expr string) []string {
	return regexp.MustCompile(expr).FindStringSubmatch(s)
}

// storeOutbox is an item of the dev outbox.
type storeOutbox = store.OutboxItem
