package idp_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"eulogin/internal/config"
	"eulogin/internal/idp/idptest"
	"eulogin/internal/sms"
)

// TestSMSCodeRefusals: wrong codes (5 kill the code), an expired code, a
// code that was used, and the code of another number are refused with
// their own translated message, audited, and never sign anyone in.
func TestSMSCodeRefusals(t *testing.T) {
	idptest.Engines(t, func(t *testing.T, eng idptest.Engine) {
		// More failures than the challenge's 5 tries, so that the dead code
		// is seen rather than the account lockout.
		e := idptest.New(t, idptest.Options{Engine: eng, Configure: func(c *config.Config) {
			c.LoginFailures = 20
			c.SMSCaps.PerNumberHour, c.SMSCaps.PerNumberDay = -1, -1
		}})
		setup := e.NewBrowser(t)
		e.CreateAccount(t, setup, bob)
		setup.Login(bob.Email, bob.Password)
		addPhone(t, e, setup, phoneATyped, phoneA)
		e.Clock.Advance(61 * time.Second)
		setup.Get("/account/phones/add")
		passSMS(t, e, setup, bob.Email, phoneA)
		addPhone(t, e, setup, phoneBTyped, phoneB)

		t.Run("wrong code five times", func(t *testing.T) {
			e.Clock.Advance(61 * time.Second)
			b := e.NewBrowser(t)
			smsLogin(t, b, bob)
			b.Post("/login/sms", url.Values{"phone": {phoneID(t, e, bob.Email, phoneA)}})
			right := e.LastSMS(t, phoneA)
			for i := 4; i >= 1; i-- {
				page := b.Post("/login/sms/code", url.Values{"code": {"AAA-AAA-AAA"}})
				wantPage(t, page, http.StatusUnauthorized, h1Code)
				want := "The code is wrong. Check the SMS and try again: you have " + string(rune('0'+i)) + " more tries"
				if i == 1 {
					want = "The code is wrong. Check the SMS and try again: you have 1 more try"
				}
				wantErrors(t, page, want)
			}
			page := b.Post("/login/sms/code", url.Values{"code": {"AAA-AAA-AAA"}})
			wantErrors(t, page, "The code was entered wrongly too many times and no longer works. Ask for a new code")
			page = b.Post("/login/sms/code", url.Values{"code": {right}})
			wantPage(t, page, http.StatusUnauthorized, h1Code)
			if page := b.Get("/account"); page.URL.Path != "/login" {
				t.Errorf("signed in with a dead code")
			}
			// A dead code does not hold the wait: a new one can be sent at once.
			page = b.Post("/login/sms/resend", url.Values{})
			wantPage(t, page, 200, h1Code)
			page = b.Post("/login/sms/code", url.Values{"code": {e.LastSMS(t, phoneA)}})
			wantPage(t, page, 200, "My Account")
		})

		t.Run("expired", func(t *testing.T) {
			e.Clock.Advance(61 * time.Second)
			b := e.NewBrowser(t)
			smsLogin(t, b, bob)
			b.Post("/login/sms", url.Values{"phone": {phoneID(t, e, bob.Email, phoneA)}})
			e.Clock.Advance(11 * time.Minute)
			page := b.Post("/login/sms/code", url.Values{"code": {e.LastSMS(t, phoneA)}})
			wantPage(t, page, http.StatusGone, h1Code)
			wantErrors(t, page, "The code is no longer valid. Ask for a new code")
		})

		t.Run("reused", func(t *testing.T) {
			e.Clock.Advance(61 * time.Second)
			b := e.NewBrowser(t)
			smsLogin(t, b, bob)
			b.Post("/login/sms", url.Values{"phone": {phoneID(t, e, bob.Email, phoneA)}})
			code := e.LastSMS(t, phoneA)
			// A second browser holding the same login flow.
			u, _ := url.Parse(e.URL)
			twin := e.NewBrowser(t)
			twin.Client.Jar.SetCookies(u, b.Client.Jar.Cookies(u))
			wantPage(t, b.Post("/login/sms/code", url.Values{"code": {code}}), 200, "My Account")
			if page := twin.Post("/login/sms/code", url.Values{"code": {code}}); page.URL.Path != "/login" {
				t.Errorf("the used code was taken again: %s %q", page.URL.Path, page.H1())
			}
			// And in a new login it is just wrong.
			b.Post("/logout", url.Values{})
			e.Clock.Advance(61 * time.Second)
			smsLogin(t, b, bob)
			b.Post("/login/sms", url.Values{"phone": {phoneID(t, e, bob.Email, phoneA)}})
			page := b.Post("/login/sms/code", url.Values{"code": {code}})
			wantPage(t, page, http.StatusUnauthorized, h1Code)
		})

		t.Run("code of another number", func(t *testing.T) {
			e.Clock.Advance(61 * time.Second)
			b := e.NewBrowser(t)
			smsLogin(t, b, bob)
			b.Post("/login/sms", url.Values{"phone": {phoneID(t, e, bob.Email, phoneA)}})
			codeA := e.LastSMS(t, phoneA)
			// Too soon for another number: refused with the time.
			page := b.Post("/login/sms", url.Values{"phone": {phoneID(t, e, bob.Email, phoneB)}})
			wantPage(t, page, http.StatusTooManyRequests, h1SendCode)
			if errs := page.Errors(); len(errs) != 1 || !strings.HasPrefix(errs[0], "A code was sent a moment ago. You can ask for a new code after ") {
				t.Errorf("early code to another number: %q", errs)
			}
			e.Clock.Advance(61 * time.Second)
			b.Post("/login/sms", url.Values{"phone": {phoneID(t, e, bob.Email, phoneB)}})
			page = b.Post("/login/sms/code", url.Values{"code": {codeA}})
			wantPage(t, page, http.StatusUnauthorized, h1Code)
			page = b.Post("/login/sms/code", url.Values{"code": {e.LastSMS(t, phoneB)}})
			wantPage(t, page, 200, "My Account")
		})

		if types := auditTypes(t, e, bob.Email); !slices.Contains(types, "sms_code_refused") {
			t.Errorf("audit %q lacks sms_code_refused", types)
		}
	})
}

// TestSMSNumberRefusals: numbers that are not international, malformed,
// landlines, or of a country not allowed are refused with their own
// message, and no SMS is sent.
func TestSMSNumberRefusals(t *testing.T) {
	e := idptest.New(t, idptest.Options{})
	b := e.NewBrowser(t)
	e.CreateAccount(t, b, bob)
	b.Login(bob.Email, bob.Password)
	for _, tt := range []struct{ typed, want string }{
		{"", "Enter your mobile phone number"},
		{"020 0000 0012", "Enter the number in international form, starting with + and the country code, like +371 2000 0000"},
		{"+371 2000", "Enter a valid mobile phone number, starting with + and the country code, like +371 2000 0000"},
		{"+371 2000 00l2", "Enter a valid mobile phone number, starting with + and the country code, like +371 2000 0000"},
		{"+33 1 42 68 53 00", "This number cannot receive SMS. Enter the number of a mobile phone"},
		{"+1 415 555 2671", "Numbers of this country cannot be used. Enter a mobile number of another country"},
	} {
		page := b.Post("/account/phones/add", url.Values{"number": {tt.typed}})
		wantPage(t, page, http.StatusBadRequest, h1AddPhone)
		wantErrors(t, page, tt.want)
		if tt.typed != "" && page.Input("number") != tt.typed {
			t.Errorf("%q: the input was not kept: %q", tt.typed, page.Input("number"))
		}
	}
	if items, _ := e.DB.Outbox(t.Context(), 100); slices.ContainsFunc(items, func(m storeOutbox) bool { return m.Kind == "sms" }) {
		t.Errorf("an SMS was sent for a refused number")
	}
	addPhone(t, e, b, phoneATyped, phoneA)
	e.Clock.Advance(61 * time.Second)
	b.Get("/account/phones/add")
	passSMS(t, e, b, bob.Email, phoneA)
	page := b.Post("/account/phones/add", url.Values{"number": {"0037120000012"}})
	wantPage(t, page, http.StatusConflict, h1AddPhone)
	wantErrors(t, page, "This number is already in your account")
}

// TestSMSCapsAndResend: the resend wait (the button is disabled, the server
// refuses too), the caps against SMS pumping with the time they end, and a
// gateway that fails: each a translated message, audited.
func TestSMSCapsAndResend(t *testing.T) {
	e := idptest.New(t, idptest.Options{Configure: func(c *config.Config) { c.SMSCaps.PerNumberHour = 2 }})
	b := e.NewBrowser(t)
	e.CreateAccount(t, b, bob)
	b.Login(bob.Email, bob.Password)
	b.Post("/account/phones/add", url.Values{"number": {phoneATyped}})
	page := b.Post("/account/phones/add/resend", url.Values{})
	wantPage(t, page, http.StatusTooManyRequests, h1Code)
	wantErrors(t, page, "A code was sent a moment ago. You can ask for a new code after 10:01 CET")
	e.Clock.Advance(61 * time.Second)
	page = b.Get("/account/phones/add/code")
	if strings.Contains(page.Body, `type="submit" disabled`) || !page.Has("You can ask for a new code now.") {
		t.Errorf("the resend button is not enabled after the wait")
	}
	first := e.LastSMS(t, phoneA)
	page = b.Post("/account/phones/add/resend", url.Values{})
	wantPage(t, page, 200, h1Code)
	if e.SMSCount(t, phoneA) != 2 {
		t.Errorf("SMS to the number = %d, want 2", e.SMSCount(t, phoneA))
	}
	e.Clock.Advance(61 * time.Second)
	page = b.Post("/account/phones/add/resend", url.Values{})
	wantPage(t, page, http.StatusTooManyRequests, h1Code)
	wantErrors(t, page, "Too many codes were sent to this number. Try again after 02/03/2026 11:00 CET, or choose another method")
	if types := auditTypes(t, e, bob.Email); !slices.Contains(types, "sms_refused_cap") {
		t.Errorf("audit %q lacks sms_refused_cap", types)
	}
	// The new code killed the first one; the refusal kept the second alive.
	page = b.Post("/account/phones/add/code", url.Values{"code": {first}})
	wantPage(t, page, http.StatusUnauthorized, h1Code)
	page = b.Post("/account/phones/add/code", url.Values{"code": {e.LastSMS(t, phoneA)}})
	wantPage(t, page, 200, h1Phones)
}

// TestSMSDeliveryFailure: a gateway that answers 500 gets the user a clear
// message, and a retry is possible at once.
func TestSMSDeliveryFailure(t *testing.T) {
	calls := 0
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		http.Error(w, "carrier down", http.StatusInternalServerError)
	}))
	t.Cleanup(gw.Close)
	e := idptest.New(t, idptest.Options{SMS: &sms.HTTPGateway{URL: gw.URL, Secret: []byte(strings.Repeat("s", 32))}})
	b := e.NewBrowser(t)
	e.CreateAccount(t, b, bob)
	b.Login(bob.Email, bob.Password)
	for range 2 {
		page := b.Post("/account/phones/add", url.Values{"number": {phoneATyped}})
		wantPage(t, page, http.StatusBadGateway, h1AddPhone)
		wantErrors(t, page, "We could not send the SMS. Try again or choose another method")
	}
	if calls != 2 {
		t.Errorf("gateway calls = %d, want 2 (the retry is not held by the wait)", calls)
	}
	if types := auditTypes(t, e, bob.Email); !slices.Contains(types, "sms_delivery_failed") {
		t.Errorf("audit %q lacks sms_delivery_failed", types)
	}
	if n, _ := e.DB.CountPhones(t.Context(), mustUser(t, e, bob.Email).ID); n != 0 {
		t.Errorf("a number was stored without its code")
	}
}

// TestSMSNoEnumeration: with the SMS method, unknown addresses and wrong
// passwords look the same, and the numbers show only after the password.
func TestSMSNoEnumeration(t *testing.T) {
	e := idptest.New(t, idptest.Options{})
	b := e.NewBrowser(t)
	e.CreateAccount(t, b, bob)
	for _, p := range []idptest.Person{{Email: "nobody@example.org", Password: "Whatever 12345!"}, {Email: bob.Email, Password: "Wrong password 1!"}} {
		b := e.NewBrowser(t)
		b.Post("/login", url.Values{"email": {p.Email}})
		b.Post("/login/method", url.Values{"method": {"SMS"}})
		if page := b.Get("/login/sms"); page.URL.Path != "/login/method" {
			t.Errorf("%s: the number step opened before the password: %s", p.Email, page.URL.Path)
		}
		page := smsLogin(t, b, p)
		wantPage(t, page, http.StatusUnauthorized, "Enter your password")
		wantErrors(t, page, msgLoginFailed)
	}
	// An account without a number learns it only after its password.
	page := smsLogin(t, e.NewBrowser(t), bob)
	wantPage(t, page, 200, h1SendCode)
	if !page.Has("Your account has no mobile phone number.") {
		t.Errorf("no-number variant missing")
	}
}

// TestSMSPagesTranslated: the SMS pages in French, Romanian and Latvian,
// plain forms without scripts.
func TestSMSPagesTranslated(t *testing.T) {
	e := idptest.New(t, idptest.Options{})
	b := e.NewBrowser(t)
	e.CreateAccount(t, b, ana)
	b.Login(ana.Email, ana.Password)
	for _, tt := range []struct{ lang, method, add, code, finalise string }{
		{"fr", "Téléphone portable + SMS", "Ajouter un numéro de téléphone portable", "Saisissez le code", "Finaliser"},
		{"ro", "Telefon mobil + SMS", "Adăugați un număr de telefon mobil", "Introduceți codul", "Finalizare"},
		{"lv", "Mobilais tālrunis + SMS", "Pievienot mobilā tālruņa numuru", "Ievadiet kodu", "Pabeigt"},
	} {
		t.Run(tt.lang, func(t *testing.T) {
			b.Lang = tt.lang
			page := b.Get("/account/phones/add")
			wantPage(t, page, 200, tt.add)
			e.Clock.Advance(61 * time.Second)
			page = b.Post("/account/phones/add", url.Values{"number": {phoneATyped}})
			wantPage(t, page, 200, tt.code)
			if !page.Has(">"+tt.finalise+"<") || htmlLang(page) != tt.lang {
				t.Errorf("code page not in %s", tt.lang)
			}
			for _, p := range []*idptest.Page{page, b.Get("/account/phones")} {
				if scriptRE.MatchString(p.Body) || !strings.Contains(p.Body, `method="post"`) && p.URL.Path != "/account/phones" {
					t.Errorf("%s: scripts, or no plain form", p.URL.Path)
				}
			}
			m := e.NewBrowser(t)
			m.Lang = tt.lang
			m.Post("/login", url.Values{"email": {ana.Email}})
			if page := m.Get("/login/method"); !page.Has(tt.method) {
				t.Errorf("the method page does not offer %q", tt.method)
			}
		})
	}
}
