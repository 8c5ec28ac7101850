package idp_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"eulogin/internal/cas"
	"eulogin/internal/idp/idptest"
)

// TestCASSingleLogout: logging out of EU Login sends each application of
// the session that asked for single logout a SAML LogoutRequest naming the
// ticket it validated, once.
func TestCASSingleLogout(t *testing.T) {
	idptest.Engines(t, func(t *testing.T, eng idptest.Engine) {
		e := idptest.New(t, idptest.Options{Engine: eng})
		withSLO, without, unvalidated := newRelyingParty(t), newRelyingParty(t), newRelyingParty(t)
		register(t, e, withSLO, "slo", nil)
		register(t, e, without, "noslo", func(s *cas.Service) { s.SLO = false })
		register(t, e, unvalidated, "unvalidated", nil)
		b := withAccount(t, e, ana)
		id := mustUser(t, e, ana.Email).ID

		s1 := withSLO.URL + "/one?x=1"
		t1 := casLogin(t, b, url.Values{"service": {s1}}, ana)
		wantCode(t, validate(t, e, "/serviceValidate", vq(s1, t1)), "")
		s2 := withSLO.URL + "/two"
		t2 := ssoTicket(t, b, url.Values{"service": {s2}})
		wantCode(t, validate(t, e, "/p3/serviceValidate", vq(s2, t2)), "")
		s3 := without.URL + "/"
		wantCode(t, validate(t, e, "/serviceValidate", vq(s3, ssoTicket(t, b, url.Values{"service": {s3}}))), "")
		ssoTicket(t, b, url.Values{"service": {unvalidated.URL + "/"}}) // never validated

		page := b.Get("/logout")
		wantPage(t, page, http.StatusOK, "You have been logged out")

		got := withSLO.Logouts()
		var indexes []string
		for _, l := range got {
			indexes = append(indexes, l.SessionIndex)
			if l.NameID != id || l.ContentType != "application/x-www-form-urlencoded" {
				t.Errorf("logout request %+v, want NameID %q and Content-Type application/x-www-form-urlencoded", l, id)
			}
		}
		slices.Sort(indexes)
		want := []string{t1, t2}
		slices.Sort(want)
		if !slices.Equal(indexes, want) {
			t.Errorf("SessionIndex values received = %q, want the validated tickets %q", indexes, want)
		}
		if n := len(without.Logouts()); n != 0 {
			t.Errorf("a service without single logout received %d logout requests", n)
		}
		if n := len(unvalidated.Logouts()); n != 0 {
			t.Errorf("a service that never validated its ticket received %d logout requests", n)
		}
		// Once only.
		b.Get("/logout")
		if n := len(withSLO.Logouts()); n != 2 {
			t.Errorf("logout requests after a second logout = %d, want still 2", n)
		}
	})
}

// TestCASSingleLogoutCases: the My Account button, a login that replaces
// the session, and a deleted account all log the applications out.
func TestCASSingleLogoutCases(t *testing.T) {
	e := idptest.New(t, idptest.Options{})
	rp := newRelyingParty(t)
	register(t, e, rp, "app", nil)
	service := rp.URL + "/"
	q := url.Values{"service": {service}}
	enter := func(t *testing.T, b *idptest.Browser) string {
		t.Helper()
		tk := ssoTicket(t, b, q)
		wantCode(t, validate(t, e, "/serviceValidate", vq(service, tk)), "")
		return tk
	}
	received := func() []string {
		var out []string
		for _, l := range rp.Logouts() {
			out = append(out, l.SessionIndex)
		}
		return out
	}
	b := withAccount(t, e, ana)
	e.CreateAccount(t, e.NewBrowser(t), bob)

	t.Run("POST /logout", func(t *testing.T) {
		casLogin(t, b, q, ana)
		tk := enter(t, b)
		before := len(received())
		page := b.Post("/logout", nil)
		if page.Status != http.StatusSeeOther || page.Header.Get("Location") != "/logged-out" {
			t.Errorf("POST /logout = %d to %q", page.Status, page.Header.Get("Location"))
		}
		if got := received()[before:]; !slices.Contains(got, tk) {
			t.Errorf("after POST /logout the application received %q, want %s among them", got, tk)
		}
	})
	t.Run("renewed login keeps the applications", func(t *testing.T) {
		casLogin(t, b, q, ana)
		before := enter(t, b)
		n := len(received())
		rq := url.Values{"service": {service}, "renew": {"true"}}
		page := b.Get(loginQuery(rq))
		after := ticketIn(t, b.LoginFrom(page, ana.Email, ana.Password), service)
		wantCode(t, validate(t, e, "/serviceValidate", vq(service, after)), "")
		if got := received()[n:]; len(got) != 0 {
			t.Errorf("the renewed login of the same user sent logout requests %q", got)
		}
		b.Get("/logout")
		got := received()[n:]
		if !slices.Contains(got, before) || !slices.Contains(got, after) {
			t.Errorf("logout after a renewed login sent %q, want both %s and %s", got, before, after)
		}
	})
	t.Run("another user logs in", func(t *testing.T) {
		casLogin(t, b, q, ana)
		tk := enter(t, b)
		n := len(received())
		page := b.Get(loginQuery(url.Values{"service": {service}, "renew": {"true"}}))
		ticketIn(t, b.LoginFrom(page, bob.Email, bob.Password), service)
		if got := received()[n:]; !slices.Contains(got, tk) {
			t.Errorf("Bob's login over Ana's session sent %q, want Ana's %s", got, tk)
		}
		b.Get("/logout")
	})
	t.Run("account deleted", func(t *testing.T) {
		c := withAccount(t, e, chiara)
		casLogin(t, c, q, chiara)
		tk := enter(t, c)
		n := len(received())
		page := c.Post("/account/delete", url.Values{"current_password": {chiara.Password}, "confirm": {"1"}})
		if page.Status != http.StatusSeeOther {
			t.Fatalf("delete account = %d %q %v", page.Status, page.H1(), page.Errors())
		}
		if got := received()[n:]; !slices.Contains(got, tk) {
			t.Errorf("deleting the account sent %q, want %s", got, tk)
		}
	})
	t.Run("an application that is down", func(t *testing.T) {
		down := newRelyingParty(t)
		register(t, e, down, "down", nil)
		casLogin(t, b, url.Values{"service": {down.URL + "/"}}, ana)
		tk := ssoTicket(t, b, url.Values{"service": {down.URL + "/"}})
		wantCode(t, validate(t, e, "/serviceValidate", vq(down.URL+"/", tk)), "")
		down.Close()
		page := b.Get("/logout")
		wantPage(t, page, http.StatusOK, "You have been logged out")
	})
}

// TestCASAttributesEscaping: names with markup, quotes and non-Latin
// letters arrive intact in XML (CAS 2 and 3) and JSON.
func TestCASAttributesEscaping(t *testing.T) {
	e := idptest.New(t, idptest.Options{})
	rp := newRelyingParty(t)
	register(t, e, rp, "app", nil)
	b := withAccount(t, e, ana)
	u := mustUser(t, e, ana.Email)
	service := rp.URL + "/"
	q := url.Values{"service": {service}}
	casLogin(t, b, q, ana)
	for _, tc := range []struct{ first, last string }{
		{`<b>Ana & "Ко"</b>`, `O'Brien & <Sons>`},
		{"Ķēniņš", "Δημήτρης"},
		{"]]> <![CDATA[", "&amp;"},
	} {
		t.Run(tc.first, func(t *testing.T) {
			// Registration refuses names with markup: set them directly.
			if err := e.DB.UpdateProfile(t.Context(), u.ID, tc.first, tc.last, "lv", e.Clock.Now()); err != nil {
				t.Fatal(err)
			}
			for _, path := range []string{"/serviceValidate", "/p3/serviceValidate"} {
				a := validate(t, e, path, vq(service, ssoTicket(t, b, q)))
				wantCode(t, a, "")
				got := a.Attrs()
				if !slices.Equal(got["firstName"], []string{tc.first}) || !slices.Equal(got["lastName"], []string{tc.last}) || !slices.Equal(got["locale"], []string{"lv"}) {
					t.Errorf("%s: firstName %q lastName %q locale %q, want %q %q lv", path, got["firstName"], got["lastName"], got["locale"], tc.first, tc.last)
				}
				if strings.Contains(a.Body, tc.first) && strings.ContainsAny(tc.first, "<&") {
					t.Errorf("%s: the raw name appears unescaped in the XML", path)
				}
			}
			a := validate(t, e, "/p3/serviceValidate", vq(service, ssoTicket(t, b, q), "format", "JSON"))
			var raw map[string]any
			if err := json.Unmarshal([]byte(a.Body), &raw); err != nil {
				t.Fatalf("JSON answer does not parse: %v\n%s", err, a.Body)
			}
			s := parseJSON(t, a).ServiceResponse.AuthenticationSuccess
			if s == nil || !slices.Equal(s.Attributes["firstName"], []string{tc.first}) || !slices.Equal(s.Attributes["lastName"], []string{tc.last}) {
				t.Errorf("JSON attributes = %+v, want %q %q", s, tc.first, tc.last)
			}
		})
	}
}

// TestCASReleasedAttributes: a service with an attribute list receives only
// those (and CAS 3.0's standard ones).
func TestCASReleasedAttributes(t *testing.T) {
	e := idptest.New(t, idptest.Options{})
	rp := newRelyingParty(t)
	register(t, e, rp, "app", func(s *cas.Service) { s.Attributes = []string{"email", "strength"} })
	b := withAccount(t, e, ana)
	service := rp.URL + "/"
	tk := casLogin(t, b, url.Values{"service": {service}}, ana)
	a := validate(t, e, "/p3/serviceValidate", vq(service, tk))
	wantCode(t, a, "")
	var names []string
	for k := range a.Attrs() {
		names = append(names, k)
	}
	slices.Sort(names)
	want := []string{"authenticationDate", "email", "isFromNewLogin", "longTermAuthenticationRequestTokenUsed", "strength"}
	if !slices.Equal(names, want) {
		t.Errorf("attributes = %q, want %q", names, want)
	}
	if a.XML.Success.User != mustUser(t, e, ana.Email).ID {
		t.Errorf("user = %q, want the user id whatever the list", a.XML.Success.User)
	}
}
