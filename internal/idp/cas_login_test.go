package idp_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"eulogin/internal/cas"
	"eulogin/internal/idp/idptest"
)

// TestCASLoginAndValidate logs in through CAS and validates on every
// endpoint (CAS 1, 2, 3, and JSON), first from fresh credentials, then by
// single sign-on, on both engines.
func TestCASLoginAndValidate(t *testing.T) {
	idptest.Engines(t, func(t *testing.T, eng idptest.Engine) {
		e := idptest.New(t, idptest.Options{Engine: eng})
		rp := newRelyingParty(t)
		register(t, e, rp, "app", nil)
		b := withAccount(t, e, ana)
		u := mustUser(t, e, ana.Email)
		service := rp.URL + "/dashboard?lang=fr"
		q := url.Values{"service": {service}}

		authAt := e.Clock.Now()
		ticket := casLogin(t, b, q, ana)
		a := validate(t, e, "/p3/serviceValidate", vq(service, ticket))
		wantCode(t, a, "")
		if a.XML.Success == nil || a.XML.Success.User != u.ID {
			t.Fatalf("CAS 3 user = %+v, want %q", a.XML.Success, u.ID)
		}
		want := map[string][]string{
			"email": {ana.Email}, "firstName": {ana.First}, "lastName": {ana.Last}, "domain": {"external"},
			"locale": {"ro"}, "assuranceLevel": {"10"}, "uid": {u.ID}, "strength": {"PASSWORD"},
			"authenticationFactors": {"PASSWORD"}, "loginDate": {authAt.UTC().Format(time.RFC3339)},
			"sso": {"false"}, "ticketType": {"SERVICE"},
			"authenticationDate": {authAt.UTC().Format(time.RFC3339)}, "isFromNewLogin": {"true"},
			"longTermAuthenticationRequestTokenUsed": {"false"},
		}
		got := a.Attrs()
		for k, v := range want {
			if !slices.Equal(got[k], v) {
				t.Errorf("CAS 3 attribute %s = %q, want %q", k, got[k], v)
			}
		}
		if len(got) != len(want) {
			t.Errorf("CAS 3 attributes = %q, want exactly %q", got, want)
		}
		if a.XML.Success.Attributes == nil || len(a.XML.Success.Flat) != 0 {
			t.Errorf("CAS 3 answer: attributes must all be inside <cas:attributes>:\n%s", a.Body)
		}

		// Single sign-on: a second application visit needs no password.
		e.Clock.Advance(time.Minute)
		t.Run("CAS 2", func(t *testing.T) {
			ticket := ssoTicket(t, b, q)
			a := validate(t, e, "/serviceValidate", vq(service, ticket))
			wantCode(t, a, "")
			got := a.Attrs()
			if a.XML.Success.User != u.ID || !slices.Equal(got["email"], []string{ana.Email}) || !slices.Equal(got["sso"], []string{"true"}) || !slices.Equal(got["strength"], []string{"PASSWORD"}) {
				t.Errorf("CAS 2 answer: user %q attributes %q, want %q, e-mail, sso true, strength PASSWORD", a.XML.Success.User, got, u.ID)
			}
			if a.XML.Success.Attributes != nil {
				t.Errorf("CAS 2 answer has <cas:attributes>; EU Login puts them directly in authenticationSuccess:\n%s", a.Body)
			}
			if _, ok := got["isFromNewLogin"]; ok {
				t.Errorf("CAS 2 answer carries CAS 3's isFromNewLogin")
			}
			if !strings.Contains(a.Body, "<cas:email>") {
				t.Errorf("CAS 2 answer lacks <cas:email> with the cas prefix:\n%s", a.Body)
			}
		})
		t.Run("CAS 2 proxyValidate takes service tickets", func(t *testing.T) {
			wantCode(t, validate(t, e, "/proxyValidate", vq(service, ssoTicket(t, b, q))), "")
		})
		t.Run("CAS 3 proxyValidate takes service tickets", func(t *testing.T) {
			a := validate(t, e, "/p3/proxyValidate", vq(service, ssoTicket(t, b, q)))
			wantCode(t, a, "")
			if got := a.Attrs()["isFromNewLogin"]; !slices.Equal(got, []string{"false"}) {
				t.Errorf("isFromNewLogin of an SSO ticket = %q, want false", got)
			}
		})
		t.Run("CAS 1", func(t *testing.T) {
			a := validate(t, e, "/validate", vq(service, ssoTicket(t, b, q)))
			if a.Status != 200 || a.Body != "yes\n"+u.ID+"\n" || !strings.HasPrefix(a.ContentType, "text/plain") {
				t.Errorf("/validate = %d %q %q, want 200 %q", a.Status, a.ContentType, a.Body, "yes\n"+u.ID+"\n")
			}
			a = validate(t, e, "/validate", vq(service, "ST-unknown"))
			if a.Body != "no\n\n" {
				t.Errorf("/validate of an unknown ticket = %q, want %q", a.Body, "no\n\n")
			}
		})
		for _, path := range []string{"/serviceValidate", "/p3/serviceValidate", "/proxyValidate", "/p3/proxyValidate"} {
			t.Run("JSON "+path, func(t *testing.T) {
				a := validate(t, e, path, vq(service, ssoTicket(t, b, q), "format", "JSON"))
				j := parseJSON(t, a)
				s := j.ServiceResponse.AuthenticationSuccess
				if s == nil || s.User != u.ID || !slices.Equal(s.Attributes["email"], []string{ana.Email}) || !slices.Equal(s.Attributes["ticketType"], []string{"SERVICE"}) {
					t.Errorf("JSON answer = %s, want user %q with attributes", a.Body, u.ID)
				}
				a = validate(t, e, path, vq(service, "ST-unknown", "format", "json"))
				if f := parseJSON(t, a).ServiceResponse.AuthenticationFailure; f == nil || f.Code != cas.CodeInvalidTicket || f.Description == "" {
					t.Errorf("JSON failure = %s, want INVALID_TICKET with a description", a.Body)
				}
			})
		}
		t.Run("the ticket is recorded for single logout", func(t *testing.T) {
			sess := cookie(t, e, b, "eulogin_session")
			entries, err := e.DB.SessionServices(t.Context(), sessionHash(sess))
			if err != nil || len(entries) == 0 {
				t.Fatalf("SessionServices() = %v, %v, want the entered services", entries, err)
			}
			for _, en := range entries {
				if en.ServiceID != "app" || en.UserID != u.ID || !strings.HasPrefix(en.Ticket, "ST-") {
					t.Errorf("entry %+v, want service app, user %s, and the validated ticket", en, u.ID)
				}
			}
		})
	})
}

// TestCASTicketRules: a ticket is good for one validation attempt at its
// own service, within its lifetime; every rule's failure has the spec's code.
func TestCASTicketRules(t *testing.T) {
	idptest.Engines(t, func(t *testing.T, eng idptest.Engine) {
		e := idptest.New(t, idptest.Options{Engine: eng})
		rp := newRelyingParty(t)
		register(t, e, rp, "app", nil)
		other := newRelyingParty(t)
		register(t, e, other, "other", nil)
		b := withAccount(t, e, ana)
		service := rp.URL + "/"
		q := url.Values{"service": {service}}
		casLogin(t, b, q, ana)

		t.Run("reuse", func(t *testing.T) {
			tk := ssoTicket(t, b, q)
			wantCode(t, validate(t, e, "/serviceValidate", vq(service, tk)), "")
			wantCode(t, validate(t, e, "/serviceValidate", vq(service, tk)), cas.CodeInvalidTicket)
			wantCode(t, validate(t, e, "/p3/serviceValidate", vq(service, tk)), cas.CodeInvalidTicket)
			if a := validate(t, e, "/validate", vq(service, tk)); a.Body != "no\n\n" {
				t.Errorf("/validate of a used ticket = %q, want no", a.Body)
			}
		})
		t.Run("wrong service kills the ticket", func(t *testing.T) {
			tk := ssoTicket(t, b, q)
			wantCode(t, validate(t, e, "/serviceValidate", vq(other.URL+"/", tk)), cas.CodeInvalidService)
			wantCode(t, validate(t, e, "/serviceValidate", vq(service, tk)), cas.CodeInvalidTicket)
		})
		t.Run("wrong service on CAS 1 kills it too", func(t *testing.T) {
			tk := ssoTicket(t, b, q)
			if a := validate(t, e, "/validate", vq(other.URL+"/", tk)); a.Body != "no\n\n" {
				t.Errorf("/validate for another service = %q, want no", a.Body)
			}
			wantCode(t, validate(t, e, "/serviceValidate", vq(service, tk)), cas.CodeInvalidTicket)
		})
		t.Run("the same service written differently", func(t *testing.T) {
			tk := ssoTicket(t, b, q)
			same := strings.Replace(rp.URL, "http://", "HTTP://", 1) // "http://127.0.0.1:port" with no path
			wantCode(t, validate(t, e, "/serviceValidate", vq(same, tk)), "")
		})
		t.Run("expiry", func(t *testing.T) {
			tk := ssoTicket(t, b, q)
			e.Clock.Advance(11 * time.Second)
			a := validate(t, e, "/serviceValidate", vq(service, tk))
			wantCode(t, a, cas.CodeInvalidTicket)
			if !strings.Contains(a.XML.Failure.Message, "expired") {
				t.Errorf("failure message %q, want it to say the ticket expired", a.XML.Failure.Message)
			}
		})
		t.Run("within the lifetime", func(t *testing.T) {
			tk := ssoTicket(t, b, q)
			e.Clock.Advance(9 * time.Second)
			wantCode(t, validate(t, e, "/serviceValidate", vq(service, tk)), "")
		})
		t.Run("errors", func(t *testing.T) {
			for _, tc := range []struct {
				name, path string
				q          url.Values
				want       string
			}{
				{"no ticket", "/serviceValidate", url.Values{"service": {service}}, cas.CodeInvalidRequest},
				{"no service", "/p3/serviceValidate", url.Values{"ticket": {"ST-abc"}}, cas.CodeInvalidRequest},
				{"unknown ticket", "/serviceValidate", vq(service, "ST-0123456789abcdefghijABCDEFGHIJ0123456789"), cas.CodeInvalidTicket},
				{"not a ticket", "/serviceValidate", vq(service, "<script>"), cas.CodeInvalidTicket},
				{"a PGTIOU", "/serviceValidate", vq(service, "PGTIOU-abc"), cas.CodeInvalidTicketSpec},
				{"a PGT", "/proxyValidate", vq(service, "PGT-abc"), cas.CodeInvalidTicketSpec},
				{"a PT at serviceValidate", "/serviceValidate", vq(service, "PT-abc"), cas.CodeInvalidTicketSpec},
				{"bad format", "/serviceValidate", vq(service, "ST-abc", "format", "YAML"), cas.CodeInvalidRequest},
				{"bad assurance level", "/serviceValidate", vq(service, "ST-abc", "assuranceLevel", "SUPREME"), cas.CodeInvalidRequest},
			} {
				t.Run(tc.name, func(t *testing.T) {
					wantCode(t, validate(t, e, tc.path, tc.q), tc.want)
				})
			}
		})
		t.Run("assurance level", func(t *testing.T) {
			wantCode(t, validate(t, e, "/serviceValidate", vq(service, ssoTicket(t, b, q), "assuranceLevel", "LOW")), "")
			wantCode(t, validate(t, e, "/serviceValidate", vq(service, ssoTicket(t, b, q), "assuranceLevel", "10", "userDetails", "true", "groups", "*")), "")
			tk := ssoTicket(t, b, q)
			wantCode(t, validate(t, e, "/serviceValidate", vq(service, tk, "assuranceLevel", "MEDIUM")), cas.CodeInvalidTicket)
			wantCode(t, validate(t, e, "/serviceValidate", vq(service, tk)), cas.CodeInvalidTicket) // spent
		})
		t.Run("a service removed from the registry", func(t *testing.T) {
			gone := newRelyingParty(t)
			register(t, e, gone, "gone", nil)
			gq := url.Values{"service": {gone.URL + "/"}}
			tk := ssoTicket(t, b, gq)
			if err := cas.RemoveService(t.Context(), e.DB, "gone"); err != nil {
				t.Fatal(err)
			}
			wantCode(t, validate(t, e, "/serviceValidate", vq(gone.URL+"/", tk)), cas.CodeInvalidService)
		})
		t.Run("HEAD does not spend a ticket", func(t *testing.T) {
			tk := ssoTicket(t, b, q)
			resp, err := http.Head(e.URL + "/serviceValidate?" + vq(service, tk).Encode())
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusMethodNotAllowed {
				t.Errorf("HEAD /serviceValidate = %d, want 405", resp.StatusCode)
			}
			wantCode(t, validate(t, e, "/serviceValidate", vq(service, tk)), "")
		})
		t.Run("answers are not cached", func(t *testing.T) {
			resp, err := http.Get(e.URL + "/serviceValidate?" + vq(service, "ST-x").Encode())
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", cc)
			}
		})
	})
}

// TestCASRenew: renew=true at validation refuses SSO tickets; renew=true at
// login asks for the password again, with the e-mail address pre-filled.
func TestCASRenew(t *testing.T) {
	e := idptest.New(t, idptest.Options{})
	rp := newRelyingParty(t)
	register(t, e, rp, "app", nil)
	b := withAccount(t, e, ana)
	service := rp.URL + "/secure"
	q := url.Values{"service": {service}}

	fresh := casLogin(t, b, q, ana)
	wantCode(t, validate(t, e, "/serviceValidate", vq(service, fresh, "renew", "true")), "")

	sso := ssoTicket(t, b, q)
	a := validate(t, e, "/serviceValidate", vq(service, sso, "renew", "true"))
	wantCode(t, a, cas.CodeInvalidTicket)
	if a := validate(t, e, "/validate", vq(service, ssoTicket(t, b, q), "renew", "true")); a.Body != "no\n\n" {
		t.Errorf("/validate renew=true with an SSO ticket = %q, want no", a.Body)
	}
	wantCode(t, validate(t, e, "/serviceValidate", vq(service, ssoTicket(t, b, q), "renew", "false")), "")

	rq := url.Values{"service": {service}, "renew": {"true"}}
	page := b.Get(loginQuery(rq))
	wantPage(t, page, http.StatusOK, "Log in")
	if page.Input("email") != ana.Email || page.Input("renew") != "true" {
		t.Errorf("renew login page: email %q renew %q, want %q and true", page.Input("email"), page.Input("renew"), ana.Email)
	}
	tk := ticketIn(t, b.LoginFrom(page, ana.Email, ana.Password), service)
	a = validate(t, e, "/p3/serviceValidate", vq(service, tk, "renew", "true"))
	wantCode(t, a, "")
	if got := a.Attrs(); !slices.Equal(got["sso"], []string{"false"}) || !slices.Equal(got["isFromNewLogin"], []string{"true"}) {
		t.Errorf("renewed ticket attributes sso %q isFromNewLogin %q, want false and true", got["sso"], got["isFromNewLogin"])
	}
	// renew with gateway: gateway is ignored, credentials are asked.
	page = b.Get(loginQuery(url.Values{"service": {service}, "renew": {"true"}, "gateway": {"true"}}))
	wantPage(t, page, http.StatusOK, "Log in")
	// The session survived the renewed login: SSO still works, and its
	// applications followed it.
	wantCode(t, validate(t, e, "/serviceValidate", vq(service, ssoTicket(t, b, q))), "")
}

// TestCASGateway: gateway=true never asks for credentials.
func TestCASGateway(t *testing.T) {
	e := idptest.New(t, idptest.Options{})
	rp := newRelyingParty(t)
	register(t, e, rp, "app", nil)
	b := withAccount(t, e, ana)
	service := rp.URL + "/?from=gateway"
	q := url.Values{"service": {service}, "gateway": {"true"}}

	page := b.Get(loginQuery(q))
	if page.Status != http.StatusSeeOther || page.Header.Get("Location") != service {
		t.Errorf("gateway without a session = %d to %q, want 303 to %q without a ticket", page.Status, page.Header.Get("Location"), service)
	}
	casLogin(t, b, url.Values{"service": {service}}, ana)
	tk := ssoTicket(t, b, q)
	wantCode(t, validate(t, e, "/serviceValidate", vq(service, tk)), "")
}

// TestCASUnregisteredService: a URL that is not a registered service gets a
// clear page, and never a redirect.
func TestCASUnregisteredService(t *testing.T) {
	e := idptest.New(t, idptest.Options{})
	rp := newRelyingParty(t)
	register(t, e, rp, "app", func(s *cas.Service) { s.Patterns = []string{rp.URL + "/app/*"} })
	b := withAccount(t, e, ana)
	host := strings.TrimPrefix(rp.URL, "http://")
	for _, service := range []string{
		"https://evil.example/",
		rp.URL + "/other",                       // the host, outside the pattern
		"http://" + host + ".evil.example/app/", // look-alike host
		"http://" + host + "@evil.example/app/", // user info
		rp.URL + "/app/../admin",                // dot segments
		"javascript:alert(1)",
		"//evil.example/app/",
	} {
		t.Run(service, func(t *testing.T) {
			for _, q := range []url.Values{
				{"service": {service}},
				{"service": {service}, "gateway": {"true"}},
				{"service": {service}, "renew": {"true"}},
			} {
				page := b.Get(loginQuery(q))
				wantPage(t, page, http.StatusBadRequest, "This application is not registered with EU Login")
				if loc := page.Header.Get("Location"); loc != "" {
					t.Errorf("GET %s redirects to %q", loginQuery(q), loc)
				}
				wantClean(t, page)
			}
			// Forged into the form of step 1.
			page := b.Post("/login", url.Values{"service": {service}, "email": {ana.Email}})
			wantPage(t, page, http.StatusBadRequest, "This application is not registered with EU Login")
			if _, ok := setCookies(t, page)["eulogin_flow"]; ok {
				t.Error("a login for an unregistered service started a flow")
			}
		})
	}
	t.Run("unknown response method", func(t *testing.T) {
		page := b.Get(loginQuery(url.Values{"service": {rp.URL + "/app/"}, "method": {"HEADER"}}))
		if page.Status != http.StatusBadRequest || page.Header.Get("Location") != "" {
			t.Errorf("method=HEADER = %d to %q, want 400 and no redirect", page.Status, page.Header.Get("Location"))
		}
	})
}

// TestCASStrength: a service accepting only PASSWORD_SMS gets no ticket of
// a password login; when the application asks for less (acceptStrengths)
// the ticket is issued but its validation fails with INVALID_STRENGTH, and
// the ticket is spent.
func TestCASStrength(t *testing.T) {
	idptest.Engines(t, func(t *testing.T, eng idptest.Engine) {
		e := idptest.New(t, idptest.Options{Engine: eng})
		rp := newRelyingParty(t)
		register(t, e, rp, "strong", func(s *cas.Service) { s.Strengths = []string{"PASSWORD_SMS"} })
		b := withAccount(t, e, ana)
		service := rp.URL + "/"

		page := b.Get(loginQuery(url.Values{"service": {service}}))
		page = b.LoginFrom(page, ana.Email, ana.Password)
		wantPage(t, page, http.StatusOK, "This application needs a stronger verification method")
		if loc := page.Header.Get("Location"); loc != "" {
			t.Errorf("a login too weak for the service redirects to %q", loc)
		}
		if !page.Has("Test application strong") {
			t.Error("the page does not name the application")
		}
		// Signed in now: SSO to the same service meets the same page.
		wantPage(t, b.Get(loginQuery(url.Values{"service": {service}})), http.StatusOK, "This application needs a stronger verification method")
		// acceptStrengths overrides the registry's list at login...
		page = b.Get(loginQuery(url.Values{"service": {service}, "acceptStrengths": {"PASSWORD_SMS"}}))
		wantPage(t, page, http.StatusOK, "This application needs a stronger verification method")
		// ... and gateway asks nothing: back without a ticket.
		page = b.Get(loginQuery(url.Values{"service": {service}, "gateway": {"true"}}))
		if page.Status != http.StatusSeeOther || page.Header.Get("Location") != service {
			t.Errorf("gateway with a session too weak = %d to %q, want 303 to %q", page.Status, page.Header.Get("Location"), service)
		}

		tk := ssoTicket(t, b, url.Values{"service": {service}, "acceptStrengths": {"PASSWORD,PASSWORD_SMS"}})
		a := validate(t, e, "/p3/serviceValidate", vq(service, tk))
		wantCode(t, a, cas.CodeInvalidStrength)
		wantCode(t, validate(t, e, "/p3/serviceValidate", vq(service, tk)), cas.CodeInvalidTicket)
		tk = ssoTicket(t, b, url.Values{"service": {service}, "acceptStrengths": {"password"}})
		if f := parseJSON(t, validate(t, e, "/serviceValidate", vq(service, tk, "format", "JSON"))).ServiceResponse.AuthenticationFailure; f == nil || f.Code != cas.CodeInvalidStrength {
			t.Errorf("JSON failure = %+v, want INVALID_STRENGTH", f)
		}

		// A fresh login with acceptStrengths ends at the application.
		b2 := e.NewBrowser(t)
		noRedirects(b2)
		casLogin(t, b2, url.Values{"service": {service}, "acceptStrengths": {"PASSWORD"}}, ana)
	})
}

// TestCASWarn: with "Warn me each time an application asks for my identity"
// a signed-in user first sees the application's (translated) name and
// continues with a button.
func TestCASWarn(t *testing.T) {
	e := idptest.New(t, idptest.Options{})
	rp := newRelyingParty(t)
	register(t, e, rp, "app", nil)
	b := withAccount(t, e, ana)
	service := rp.URL + "/"
	q := url.Values{"service": {service}}
	casLogin(t, b, q, ana)

	page := b.Get("/account/options")
	wantPage(t, page, http.StatusOK, "Options")
	if checked(page, "warn_sso") {
		t.Error("the warning option is on by default")
	}
	page = b.Post("/account/options", url.Values{"warn_sso": {"1"}})
	if loc := page.Header.Get("Location"); page.Status != http.StatusSeeOther || loc != "/account?done=options" {
		t.Fatalf("save options = %d to %q", page.Status, loc)
	}
	if !mustUser(t, e, ana.Email).WarnSSO {
		t.Fatal("WarnSSO not saved")
	}
	if page := b.Get("/account/options"); !checked(page, "warn_sso") {
		t.Error("the saved option is not shown ticked")
	}
	if page := b.Get("/account/events"); !page.Has("Options changed") {
		t.Error("the change of options is not in the security events")
	}

	page = b.Get(loginQuery(url.Values{"service": {service}, "locale": {"fr"}}))
	if page.Status != http.StatusOK || page.Header.Get("Location") != "" || htmlLang(page) != "fr" {
		t.Fatalf("warn page = %d to %q lang %q, want 200 in French without a redirect", page.Status, page.Header.Get("Location"), htmlLang(page))
	}
	if !page.Has("Application de test app") || page.H1() != "Une application demande votre identité" {
		t.Errorf("warn page h1 %q, want the French page naming the application in French", page.H1())
	}
	wantNoInlineCode(t, page)
	if cancel := `<a href="/account">` + e.Bundle.Localizer("fr").T("form.cancel") + `</a>`; !page.Has(cancel) {
		t.Errorf("the warn page lacks the Cancel link %s", cancel)
	}
	tk := ticketIn(t, b.Post("/login/continue", page.Hidden()), service)
	a := validate(t, e, "/p3/serviceValidate", vq(service, tk))
	wantCode(t, a, "")
	if got := a.Attrs()["sso"]; !slices.Equal(got, []string{"true"}) {
		t.Errorf("ticket after the warning: sso %q, want true", got)
	}

	// A fresh login does not warn: the user just typed the password.
	b2 := e.NewBrowser(t)
	noRedirects(b2)
	casLogin(t, b2, q, ana)

	// Continue after the session ended starts the login again.
	b3 := e.NewBrowser(t)
	noRedirects(b3)
	page = b3.Post("/login/continue", url.Values{"service": {service}})
	if loc := page.Header.Get("Location"); page.Status != http.StatusSeeOther || !strings.HasPrefix(loc, "/login?") {
		t.Errorf("continue without a session = %d to %q, want the login page", page.Status, loc)
	}

	b.Post("/account/options", url.Values{})
	if mustUser(t, e, ana.Email).WarnSSO {
		t.Error("unticking the option did not save it")
	}
	ssoTicket(t, b, q)
}

// TestCASMethodPost: method=POST sends the ticket in a form that a script
// file submits (no inline script), and that works without it.
func TestCASMethodPost(t *testing.T) {
	e := idptest.New(t, idptest.Options{})
	rp := newRelyingParty(t)
	register(t, e, rp, "app", nil)
	b := withAccount(t, e, ana)
	service := rp.URL + "/post?x=1&y=2"
	q := url.Values{"service": {service}, "method": {"POST"}}
	check := func(t *testing.T, page *idptest.Page) string {
		t.Helper()
		if page.Status != http.StatusOK || page.Header.Get("Location") != "" {
			t.Fatalf("method=POST = %d to %q, want 200 without a redirect", page.Status, page.Header.Get("Location"))
		}
		if got := page.Attr("action"); got != service {
			t.Errorf("form action = %q, want %q", got, service)
		}
		if !page.Has(`<form method="post"`) || !page.Has(`src="/static/js/autosubmit.js"`) || !page.Has("data-autosubmit") || !page.Has(`<button class="button" type="submit">Continue</button>`) {
			t.Errorf("the page lacks the posting form, its script or its button:\n%s", page.Body)
		}
		if cc := page.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control = %q, want no-store", cc)
		}
		wantNoInlineCode(t, page)
		tk := page.Input("ticket")
		if !strings.HasPrefix(tk, "ST-") {
			t.Fatalf("hidden ticket = %q", tk)
		}
		return tk
	}
	page := b.Get(loginQuery(q))
	tk := check(t, b.LoginFrom(page, ana.Email, ana.Password))
	wantCode(t, validate(t, e, "/serviceValidate", vq(service, tk)), "")
	tk = check(t, b.Get(loginQuery(q)))
	wantCode(t, validate(t, e, "/serviceValidate", vq(service, tk)), "")
	if js := b.Get("/static/js/autosubmit.js"); js.Status != 200 || !strings.Contains(js.Body, "data-autosubmit") {
		t.Errorf("GET autosubmit.js = %d", js.Status)
	}
}

// TestCASLocale: locale picks the language of the login pages.
func TestCASLocale(t *testing.T) {
	e := idptest.New(t, idptest.Options{})
	rp := newRelyingParty(t)
	register(t, e, rp, "app", func(s *cas.Service) { s.Names["lv"] = "Testa lietotne" })
	for _, tc := range []struct{ locale, lang string }{{"fr", "fr"}, {"lv_LV", "lv"}, {"ro-RO", "ro"}, {"xx", "en"}} {
		t.Run(tc.locale, func(t *testing.T) {
			needLang(t, e, tc.lang)
			b := e.NewBrowser(t)
			page := b.Get(loginQuery(url.Values{"service": {rp.URL + "/"}, "locale": {tc.locale}}))
			if page.Status != 200 || htmlLang(page) != tc.lang {
				t.Errorf("locale=%s: %d lang %q, want 200 %q", tc.locale, page.Status, htmlLang(page), tc.lang)
			}
			if tc.lang == "lv" && !page.Has("Testa lietotne") {
				t.Error("the Latvian page does not name the application in Latvian")
			}
			// The choice sticks for the next steps, like lang.
			if next := b.Get("/login"); htmlLang(next) != tc.lang {
				t.Errorf("next page lang %q, want %q", htmlLang(next), tc.lang)
			}
		})
	}
}

// TestCASLogoutRedirect: /logout?service= goes back only to registered
// services; anything else shows the logged-out page.
func TestCASLogoutRedirect(t *testing.T) {
	e := idptest.New(t, idptest.Options{})
	rp := newRelyingParty(t)
	register(t, e, rp, "app", nil)
	withAccount(t, e, ana)
	for _, tc := range []struct {
		name, service, want string
	}{
		{"registered", rp.URL + "/bye", rp.URL + "/bye"},
		{"open redirect", "https://evil.example/phish", ""},
		{"look-alike", rp.URL + ".evil.example/", ""},
		{"none", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := e.NewBrowser(t)
			noRedirects(b)
			casLogin(t, b, url.Values{"service": {rp.URL + "/"}}, ana)
			path := "/logout"
			if tc.service != "" {
				path += "?service=" + url.QueryEscape(tc.service)
			}
			page := b.Get(path)
			if tc.want != "" {
				if page.Status != http.StatusSeeOther || page.Header.Get("Location") != tc.want {
					t.Errorf("GET %s = %d to %q, want 303 to %q", path, page.Status, page.Header.Get("Location"), tc.want)
				}
			} else {
				wantPage(t, page, http.StatusOK, "You have been logged out")
				if loc := page.Header.Get("Location"); loc != "" {
					t.Errorf("GET %s redirects to %q", path, loc)
				}
			}
			if cookie(t, e, b, "eulogin_session") != "" {
				t.Error("the session cookie survived the logout")
			}
			if page := b.Get("/account"); page.Status != http.StatusSeeOther || !strings.HasPrefix(page.Header.Get("Location"), "/login") {
				t.Errorf("My Account after logout = %d to %q, want the login page", page.Status, page.Header.Get("Location"))
			}
		})
	}
}
