package idptest

import (
	"net/url"
	"testing"

	"eulogin/internal/cas"
)

// RegisterService registers svc with the identity provider's CAS server.
func (e *Env) RegisterService(t *testing.T, svc cas.Service) {
	t.Helper()
	if err := cas.SaveService(t.Context(), e.DB, &svc, e.Clock.Now()); err != nil {
		t.Fatalf("register service %q: %v", svc.ID, err)
	}
}

// Hidden returns the name and value of every hidden input of the page.
func (p *Page) Hidden() url.Values {
	out := url.Values{}
	for _, tag := range inputRE.FindAllString(p.Body, -1) {
		attrs := map[string]string{}
		for _, m := range attrRE.FindAllStringSubmatch(tag, -1) {
			attrs[m[1]] = m[2]
		}
		if attrs["type"] == "hidden" && attrs["name"] != "" {
			out.Add(attrs["name"], unescape(attrs["value"]))
		}
	}
	return out
}

// LoginFrom goes through the login steps starting at page (the login page
// an application sent the browser to, e.g. /login?service=...), submitting
// its hidden fields as a browser would, and returns the page the login
// ends at.
func (b *Browser) LoginFrom(page *Page, email, pw string) *Page {
	b.t.Helper()
	form := page.Hidden()
	form.Set("email", email)
	if p := b.Post("/login", form); p.Status >= 400 {
		b.t.Fatalf("login step 1 for %s: %d %q", email, p.Status, p.H1())
	}
	b.Post("/login/method", url.Values{"method": {"PASSWORD"}})
	return b.Post("/login/password", url.Values{"password": {pw}})
}
