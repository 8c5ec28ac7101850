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

// TestSMSGuideFlow is step 3 of the guide over HTTP: register a number in
// My Account, finalise with the code from the SMS, log out, log in with
// "Mobile phone + SMS", and reach an application that requires
// PASSWORD_SMS, whose validation says so.
func TestSMSGuideFlow(t *testing.T) {
	idptest.Engines(t, func(t *testing.T, eng idptest.Engine) {
		e := idptest.New(t, idptest.Options{Engine: eng})
		rp := newRelyingParty(t)
		register(t, e, rp, "portal", func(s *cas.Service) { s.Strengths = []string{"PASSWORD_SMS"} })
		b := e.NewBrowser(t)
		e.CreateAccount(t, b, ana)
		b.Login(ana.Email, ana.Password)

		page := b.Get("/account")
		if !page.Has(`href="/account/phones"`) {
			t.Errorf("My Account does not link to the numbers")
		}
		page = b.Get("/account/phones")
		wantPage(t, page, 200, h1Phones)
		if !page.Has("Your account has no mobile phone number yet.") {
			t.Errorf("empty list: missing the no-number text")
		}

		page = b.Get("/account/phones/add")
		wantPage(t, page, 200, h1AddPhone)
		for _, want := range []string{`type="tel"`, `autocomplete="tel"`, "Mobile phone number", "Starting with + and the country code, e.g. +371 2000 0000", "Step 1 of 2"} {
			if !page.Has(want) {
				t.Errorf("add page lacks %q", want)
			}
		}
		page = b.Post("/account/phones/add", url.Values{"number": {phoneATyped}})
		wantPage(t, page, 200, h1Code)
		for _, want := range []string{"Step 2 of 2", "+371 ••• ••• 12", `autocomplete="one-time-code"`, "You can ask for a new code after 10:01 CET", ">Finalise<"} {
			if !page.Has(want) {
				t.Errorf("code page lacks %q", want)
			}
		}
		if !strings.Contains(page.Body, `type="submit" disabled`) {
			t.Errorf("the resend button is enabled before the wait is over")
		}
		if strings.Contains(page.Body, "2000") || strings.Contains(page.Body, "20000012") {
			t.Errorf("the code page shows the full number")
		}
		code := e.LastSMS(t, phoneA)
		// Typed without hyphens, in lower case.
		page = b.Post("/account/phones/add/code", url.Values{"code": {strings.ToLower(strings.ReplaceAll(code, "-", ""))}})
		wantPage(t, page, 200, h1Phones)
		if page.URL.Query().Get("done") != "added" || !page.Has("The mobile phone number has been added to your account.") || !page.Has("+371 ••• ••• 12") {
			t.Errorf("after Finalise: %s, want the list with the new number", page.URL)
		}
		if m := lastMail(t, e, ana.Email); m.Subject != subject(e, "ro", "phone_added") || !strings.Contains(m.Text, "+371 ••• ••• 12") {
			t.Errorf("security e-mail %q, want %q naming the masked number", m.Subject, subject(e, "ro", "phone_added"))
		}
		if types := auditTypes(t, e, ana.Email); !slices.Contains(types, "phone_added") || !slices.Contains(types, "sms_sent") {
			t.Errorf("audit %q lacks phone_added and sms_sent", types)
		}
		b.Post("/logout", url.Values{})

		// Log in with Mobile phone + SMS for the application.
		service := rp.URL + "/organiser"
		stopAt(b, rp.URL)
		page = b.Get(loginQuery(url.Values{"service": {service}}))
		form := page.Hidden()
		form.Set("email", ana.Email)
		page = b.Post("/login", form)
		wantPage(t, page, 200, "Choose your verification method")
		if !page.Has("Mobile phone + SMS") {
			t.Errorf("the method page does not offer Mobile phone + SMS")
		}
		b.Post("/login/method", url.Values{"method": {"SMS"}})
		page = b.Get("/login/password")
		if !page.Has("Step 3 of 5") {
			t.Errorf("password page of the SMS method: no \"Step 3 of 5\"")
		}
		page = b.Post("/login/password", url.Values{"password": {ana.Password}})
		wantPage(t, page, 200, h1SendCode)
		if !page.Has("+371 ••• ••• 12") || !page.Has(`type="radio"`) || !page.Has("Step 4 of 5") {
			t.Errorf("the number choice does not list the masked number, or is not step 4 of 5")
		}
		page = b.Post("/login/sms", url.Values{"phone": {phoneID(t, e, ana.Email, phoneA)}})
		wantPage(t, page, 200, h1Code)
		if !page.Has("Step 5 of 5") {
			t.Errorf("code page of the login: no \"Step 5 of 5\"")
		}
		page = b.Post("/login/sms/code", url.Values{"code": {e.LastSMS(t, phoneA)}})
		tk := ticketIn(t, page, service)
		if s, f := strengthOf(t, e, service, tk); s != "PASSWORD_SMS" || f != "PASSWORD,SMS" {
			t.Errorf("strength %q factors %q, want PASSWORD_SMS and PASSWORD,SMS", s, f)
		}
		phones, _ := e.DB.ListPhones(t.Context(), mustUser(t, e, ana.Email).ID)
		if len(phones) != 1 || phones[0].LastUsedAt.IsZero() {
			t.Errorf("the number's last use was not recorded: %+v", phones)
		}
	})
}

// TestSMSStepUp: a session that has the password only meets an application
// that needs PASSWORD_SMS: only the SMS step is asked, then the ticket says
// PASSWORD_SMS; the session id changes. An application that asks for less
// than its registry entry gets a password ticket, refused at validation
// with INVALID_STRENGTH.
func TestSMSStepUp(t *testing.T) {
	idptest.Engines(t, func(t *testing.T, eng idptest.Engine) {
		e := idptest.New(t, idptest.Options{Engine: eng})
		rp := newRelyingParty(t)
		register(t, e, rp, "portal", func(s *cas.Service) { s.Strengths = []string{"PASSWORD_SMS"} })
		service := rp.URL + "/organiser"
		b := e.NewBrowser(t)
		e.CreateAccount(t, b, bob)
		b.Login(bob.Email, bob.Password)
		addPhone(t, e, b, phoneATyped, phoneA)
		b.Post("/logout", url.Values{})

		t.Run("INVALID_STRENGTH", func(t *testing.T) {
			b := e.NewBrowser(t)
			noRedirects(b)
			q := url.Values{"service": {service}, "acceptStrengths": {"PASSWORD"}}
			tk := casLogin(t, b, q, bob)
			wantCode(t, validate(t, e, "/p3/serviceValidate", vq(service, tk)), "INVALID_STRENGTH")
		})

		t.Run("step-up", func(t *testing.T) {
			b := e.NewBrowser(t)
			b.Login(bob.Email, bob.Password)
			before := sessionCookie(t, e, b)
			stopAt(b, rp.URL)
			page := b.Get(loginQuery(url.Values{"service": {service}}))
			wantPage(t, page, 200, h1SendCode)
			if !page.Has("Step 1 of 2") || !page.Has("Test application portal needs a second verification") {
				t.Errorf("step-up page: want step 1 of 2 naming the application")
			}
			page = passSMS(t, e, b, bob.Email, phoneA)
			tk := ticketIn(t, page, service)
			if s, _ := strengthOf(t, e, service, tk); s != "PASSWORD_SMS" {
				t.Errorf("strength after step-up = %q, want PASSWORD_SMS", s)
			}
			if after := sessionCookie(t, e, b); after == before || after == "" {
				t.Errorf("the session id did not change at step-up")
			}
			if types := auditTypes(t, e, bob.Email); !slices.Contains(types, "step_up_success") {
				t.Errorf("audit %q lacks step_up_success", types)
			}
			// The session is now strong enough: SSO, no more SMS.
			sent := e.SMSCount(t, phoneA)
			ticketIn(t, b.Get(loginQuery(url.Values{"service": {service}})), service)
			if e.SMSCount(t, phoneA) != sent {
				t.Errorf("SSO after step-up sent another SMS")
			}
		})
	})
}

// sessionCookie returns the value of b's session cookie for the IdP.
func sessionCookie(t *testing.T, e *idptest.Env, b *idptest.Browser) string {
	t.Helper()
	u, _ := url.Parse(e.URL)
	for _, c := range b.Client.Jar.Cookies(u) {
		if strings.Contains(c.Name, "session") {
			return c.Value
		}
	}
	return ""
}

// TestSMSStepUpWithoutPhone: an account without a second factor is led to
// add a number (the guide's order), then passes the SMS step with it, and
// goes on to the application.
func TestSMSStepUpWithoutPhone(t *testing.T) {
	e := idptest.New(t, idptest.Options{})
	rp := newRelyingParty(t)
	register(t, e, rp, "portal", func(s *cas.Service) { s.Strengths = []string{"PASSWORD_SMS"} })
	service := rp.URL + "/organiser"
	b := e.NewBrowser(t)
	e.CreateAccount(t, b, chiara)
	stopAt(b, rp.URL)
	page := b.LoginFrom(b.Get(loginQuery(url.Values{"service": {service}})), chiara.Email, chiara.Password)
	wantPage(t, page, 200, "This application needs a stronger verification method")
	m := regexpFind(page.Body, `href="(/account/phones/add\?next=[^"]*)"`)
	if m == "" {
		t.Fatalf("the page offers no way to add a number")
	}
	page = b.Get(strings.ReplaceAll(m, "&amp;", "&"))
	wantPage(t, page, 200, h1AddPhone)
	next := page.Input("next")
	if !strings.HasPrefix(next, "/login?") {
		t.Fatalf("hidden next = %q, want the login of the application", next)
	}
	page = b.Post("/account/phones/add", url.Values{"number": {phoneBTyped}, "next": {next}})
	wantPage(t, page, 200, h1Code)
	page = b.Post("/account/phones/add/code", url.Values{"code": {e.LastSMS(t, phoneB)}, "next": {page.Input("next")}})
	// A number added in the session does not raise its strength: the
	// application's step-up asks a code of the new number.
	wantPage(t, page, 200, h1SendCode)
	page = passSMS(t, e, b, chiara.Email, phoneB)
	tk := ticketIn(t, page, service)
	if s, _ := strengthOf(t, e, service, tk); s != "PASSWORD_SMS" {
		t.Errorf("strength after adding the first number and the step-up = %q, want PASSWORD_SMS", s)
	}
}

func regexpFind(s, expr string) string {
	m := regexpSubmatch(s, expr)
	if len(m) < 2 {
		return ""
	}
	return m[1]
}

// TestSMSSecondNumberNeedsSMS: with a number already, adding or removing
// one first asks for a code sent to a number of the account; each passed
// step allows one change.
func TestSMSSecondNumberNeedsSMS(t *testing.T) {
	idptest.Engines(t, func(t *testing.T, eng idptest.Engine) {
		e := idptest.New(t, idptest.Options{Engine: eng})
		b := e.NewBrowser(t)
		e.CreateAccount(t, b, bob)
		b.Login(bob.Email, bob.Password)
		addPhone(t, e, b, phoneATyped, phoneA)
		b.Post("/logout", url.Values{})
		b.Login(bob.Email, bob.Password)

		page := b.Get("/account/phones/add")
		wantPage(t, page, 200, h1SendCode)
		if page.URL.Path != "/login/sms" || !page.Has("first confirm that it is you") {
			t.Errorf("adding a second number: %s, want the SMS step first", page.URL.Path)
		}
		// Posting the number directly does not skip the step.
		if page := b.Post("/account/phones/add", url.Values{"number": {phoneBTyped}}); page.URL.Path != "/login/sms" || e.SMSCount(t, phoneB) != 0 {
			t.Errorf("POST /account/phones/add without the SMS step ended at %s, SMS to the new number %d", page.URL.Path, e.SMSCount(t, phoneB))
		}
		e.Clock.Advance(61 * time.Second)
		page = passSMS(t, e, b, bob.Email, phoneA)
		wantPage(t, page, 200, h1AddPhone)
		page = addPhone(t, e, b, phoneBTyped, phoneB)
		wantPage(t, page, 200, h1Phones)
		if !page.Has("+33 ••• ••• 78") || !page.Has("+371 ••• ••• 12") {
			t.Errorf("the list does not show both numbers")
		}
		if types := auditTypes(t, e, bob.Email); !slices.Contains(types, "reauth_success") {
			t.Errorf("audit %q lacks reauth_success", types)
		}

		// Removing asks again: the step allowed one change.
		id := phoneID(t, e, bob.Email, phoneA)
		page = b.Get("/account/phones/" + id + "/remove")
		wantPage(t, page, 200, h1SendCode)
		e.Clock.Advance(61 * time.Second)
		page = passSMS(t, e, b, bob.Email, phoneB)
		wantPage(t, page, 200, "Remove a mobile phone number")
		if !page.Has("+371 ••• ••• 12") {
			t.Errorf("the confirmation does not name the number")
		}
		page = b.Post("/account/phones/"+id+"/remove", url.Values{})
		wantPage(t, page, 200, h1Phones)
		if page.Has("+371 ••• ••• 12") {
			t.Errorf("the removed number is still listed")
		}
		if m := lastMail(t, e, bob.Email); m.Subject != "A mobile phone number was removed from your account" {
			t.Errorf("security e-mail %q, want the removal notice", m.Subject)
		}
	})
}

// TestSMSRequireMFA: "Always require multi-factor authentication" needs a
// number; once on, the Password method leads to the SMS step, and the last
// number cannot be removed.
func TestSMSRequireMFA(t *testing.T) {
	e := idptest.New(t, idptest.Options{})
	b := e.NewBrowser(t)
	e.CreateAccount(t, b, bob)
	b.Login(bob.Email, bob.Password)
	page := b.Get("/account/options")
	if !page.Has("Always require multi-factor authentication") {
		t.Fatalf("the options page lacks the option")
	}
	page = b.Post("/account/options", url.Values{"require_mfa": {"1"}})
	wantPage(t, page, http.StatusConflict, "Options")
	wantErrors(t, page, "Add a mobile phone number first: without a second factor you could no longer log in")
	if mustUser(t, e, bob.Email).RequireMFA {
		t.Fatalf("RequireMFA set on an account without a number")
	}
	addPhone(t, e, b, phoneATyped, phoneA)
	b.Post("/account/options", url.Values{"require_mfa": {"1"}})
	if !mustUser(t, e, bob.Email).RequireMFA {
		t.Fatalf("RequireMFA not saved")
	}
	b.Post("/logout", url.Values{})

	page = b.Login(bob.Email, bob.Password)
	wantPage(t, page, 200, h1SendCode)
	if page := b.Get("/account"); page.URL.Path != "/login" {
		t.Errorf("signed in after the password alone: %s", page.URL.Path)
	}
	wantPage(t, b.Login(bob.Email, bob.Password), 200, h1SendCode)
	page = passSMS(t, e, b, bob.Email, phoneA)
	wantPage(t, page, 200, "My Account")

	e.Clock.Advance(61 * time.Second)
	id := phoneID(t, e, bob.Email, phoneA)
	b.Get("/account/phones/" + id + "/remove")
	page = passSMS(t, e, b, bob.Email, phoneA)
	wantPage(t, page, http.StatusConflict, "Remove a mobile phone number")
	page = b.Post("/account/phones/"+id+"/remove", url.Values{})
	wantPage(t, page, http.StatusConflict, "Remove a mobile phone number")
	if n, _ := e.DB.CountPhones(t.Context(), mustUser(t, e, bob.Email).ID); n != 1 {
		t.Errorf("the last number of an MFA account was removed")
	}
}
