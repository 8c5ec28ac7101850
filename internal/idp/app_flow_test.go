package idp_test

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"eulogin/internal/cas"
	"eulogin/internal/idp/idptest"
	"eulogin/internal/mobileapp/authenticator"
)

// TestAppGuideFlow is the guide's mobile app part over HTTP, with the
// reference authenticator as the phone: add a device in My Account (the
// phone reads the QR image), log in for an application that requires
// PASSWORD_MOBILE_APP with a push (number and PIN), then with the offline
// QR code, and step up a password session.
func TestAppGuideFlow(t *testing.T) {
	idptest.Engines(t, func(t *testing.T, eng idptest.Engine) {
		e := idptest.New(t, idptest.Options{Engine: eng})
		rp := newRelyingParty(t)
		register(t, e, rp, "portal", func(s *cas.Service) { s.Strengths = []string{"PASSWORD_MOBILE_APP"} })
		service := rp.URL + "/organiser"
		b := e.NewBrowser(t)
		e.CreateAccount(t, b, bob)
		b.Login(bob.Email, bob.Password)
		if page := b.Get("/account"); !page.Has(`href="/account/devices"`) {
			t.Errorf("My Account does not link to the devices")
		}
		wantPage(t, b.Get("/account/devices"), 200, h1Devices)

		phone := newPhone(t, e)
		page := addDevice(t, b, phone, nil, "My phone", true)
		if !page.Has("My phone") {
			t.Errorf("the confirmation does not name the device")
		}
		if m := lastMail(t, e, bob.Email); m.Subject != subject(e, "en", "app_device_added") {
			t.Errorf("security e-mail %q, want %q", m.Subject, subject(e, "en", "app_device_added"))
		}
		if page := b.Get("/account/devices"); !page.Has("My phone") {
			t.Errorf("the list does not show the device")
		}
		if types := auditTypes(t, e, bob.Email); !slices.Contains(types, "app_device_added") {
			t.Errorf("audit %q lacks app_device_added", types)
		}

		t.Run("step-up", func(t *testing.T) {
			// The session has the password only: the application needs
			// the app, and only the push step is asked.
			stopAt(b, rp.URL)
			page := b.Get(loginQuery(url.Values{"service": {service}}))
			tk := ticketIn(t, passPush(t, b, phone, page), service)
			if s, f := strengthOf(t, e, service, tk); s != "PASSWORD_MOBILE_APP" || f != "PASSWORD,MOBILE_APP" {
				t.Errorf("strength %q factors %q, want PASSWORD_MOBILE_APP and PASSWORD,MOBILE_APP", s, f)
			}
		})
		b.Post("/logout", url.Values{})

		t.Run("push", func(t *testing.T) {
			b := e.NewBrowser(t)
			stopAt(b, rp.URL)
			page := b.Get(loginQuery(url.Values{"service": {service}}))
			form := page.Hidden()
			form.Set("email", bob.Email)
			page = b.Post("/login", form)
			for _, want := range []string{"EU Login Mobile App PIN code", "EU Login Mobile App QR code"} {
				if !page.Has(want) {
					t.Errorf("the method page does not offer %q", want)
				}
			}
			b.Post("/login/method", url.Values{"method": {"APP_PIN"}})
			if page := b.Get("/login/password"); !page.Has("Step 3 of 4") {
				t.Errorf("password page of the app method: no \"Step 3 of 4\"")
			}
			page = b.Post("/login/password", url.Values{"password": {bob.Password}})
			wantPage(t, page, 200, h1AppPush)
			if !page.Has(`src="/static/js/wait.js"`) || !page.Has(`data-wait-status="/login/app/status"`) {
				t.Errorf("the push page does not load its waiting script")
			}
			number := pushNumber(t, page)
			if st, done := status(t, b, "/login/app/status"); st != "pending" || done {
				t.Errorf("status before the answer = %q %v, want pending", st, done)
			}
			// Continue before the phone answered: still waiting.
			if page := b.Post("/login/app", url.Values{}); page.H1() != h1AppPush || !page.Has("has not been answered yet") {
				t.Errorf("Continue before the answer: %d %q", page.Status, page.H1())
			}
			r := pendingOne(t, phone)
			if !slices.Contains(r.Numbers, number) || len(r.Numbers) != 3 || r.Service != "Test application portal" {
				t.Errorf("the phone shows %+v, want three numbers with %d and the application's name", r, number)
			}
			if st, err := phone.AnswerRequest(t.Context(), r, true, number, appPIN); err != nil || st != "approved" {
				t.Fatalf("approve = %q, %v", st, err)
			}
			if st, done := status(t, b, "/login/app/status"); st != "approved" || !done {
				t.Errorf("status after the answer = %q %v, want approved, done", st, done)
			}
			tk := ticketIn(t, b.Post("/login/app", url.Values{}), service)
			if s, f := strengthOf(t, e, service, tk); s != "PASSWORD_MOBILE_APP" || f != "PASSWORD,MOBILE_APP" {
				t.Errorf("strength %q factors %q, want PASSWORD_MOBILE_APP", s, f)
			}
		})

		t.Run("QR", func(t *testing.T) {
			b := e.NewBrowser(t)
			stopAt(b, rp.URL)
			page := b.Get(loginQuery(url.Values{"service": {service}}))
			form := page.Hidden()
			form.Set("email", bob.Email)
			b.Post("/login", form)
			b.Post("/login/method", url.Values{"method": {"APP_QR"}})
			page = b.Post("/login/password", url.Values{"password": {bob.Password}})
			wantPage(t, page, 200, h1AppQR)
			if !page.Has(`autocomplete="one-time-code"`) {
				t.Errorf("the OTP field lacks autocomplete=one-time-code")
			}
			payload := qrText(t, page)
			if got := qrDecoded(t, page); got != payload {
				t.Errorf("the QR image holds %q, the text %q", got, payload)
			}
			otp, _, err := phone.OTP(payload) // no network
			if err != nil {
				t.Fatalf("OTP = %v", err)
			}
			typed := strings.ToLower(strings.ReplaceAll(otp, "-", ""))
			tk := ticketIn(t, b.Post("/login/app/qr", url.Values{"otp": {typed}}), service)
			if s, _ := strengthOf(t, e, service, tk); s != "PASSWORD_MOBILE_APP" {
				t.Errorf("strength %q, want PASSWORD_MOBILE_APP", s)
			}
		})
	})
}

// TestAppPushRefusals: a wrong number, a denial, five wrong PINs (the
// device locks), an expired request and a removed device fail the login
// through the pages, with a security e-mail for the first three.
func TestAppPushRefusals(t *testing.T) {
	e := idptest.New(t, idptest.Options{})
	b := e.NewBrowser(t)
	e.CreateAccount(t, b, bob)
	b.Login(bob.Email, bob.Password)
	phone := newPhone(t, e)
	addDevice(t, b, phone, nil, "My phone", false)
	b.Post("/logout", url.Values{})

	t.Run("wrong number", func(t *testing.T) {
		b := e.NewBrowser(t)
		page := appLogin(b, bob, "APP_PIN")
		n := pushNumber(t, page)
		r := pendingOne(t, phone)
		wrong := r.Numbers[0]
		if wrong == n {
			wrong = r.Numbers[1]
		}
		if _, err := phone.AnswerRequest(t.Context(), r, true, wrong, appPIN); err == nil {
			t.Fatalf("a wrong number was accepted")
		}
		page = b.Post("/login/app", url.Values{})
		if page.Status != http.StatusForbidden || !page.Has("A wrong number was chosen in the app") {
			t.Errorf("after a wrong number: %d %q", page.Status, page.H1())
		}
		if m := lastMail(t, e, bob.Email); m.Subject != subject(e, "en", "app_login_refused") {
			t.Errorf("e-mail %q, want the refused-login notice", m.Subject)
		}
		if page := b.Get("/login/app"); page.URL.Path != "/login" {
			t.Errorf("after a refusal the flow goes on at %s", page.URL.Path)
		}
	})

	t.Run("denied", func(t *testing.T) {
		b := e.NewBrowser(t)
		appLogin(b, bob, "APP_PIN")
		if st, err := phone.AnswerRequest(t.Context(), pendingOne(t, phone), false, 0, ""); err != nil || st != "denied" {
			t.Fatalf("deny = %q, %v", st, err)
		}
		if page := b.Get("/login/app"); page.Status != http.StatusForbidden || !page.Has("The request was denied in the app") {
			t.Errorf("after a denial: %d %q", page.Status, page.H1())
		}
	})

	t.Run("expired", func(t *testing.T) {
		b := e.NewBrowser(t)
		page := appLogin(b, bob, "APP_PIN")
		first := pushNumber(t, page)
		r := pendingOne(t, phone)
		e.Clock.Advance(2*time.Minute + time.Second)
		if st, _ := status(t, b, "/login/app/status"); st != "expired" {
			t.Errorf("status = %q, want expired", st)
		}
		if _, err := phone.AnswerRequest(t.Context(), r, true, first, appPIN); err == nil {
			t.Errorf("an expired request was approved")
		}
		page = b.Get("/login/app")
		if page.Status != http.StatusGone || !page.Has("Send a new request") {
			t.Fatalf("expired: %d %q", page.Status, page.H1())
		}
		page = b.Post("/login/app/new", url.Values{})
		page = passPush(t, b, phone, page)
		if page.URL.Path != "/account" {
			t.Errorf("after a new request and approval: %s", page.URL.Path)
		}
	})

	t.Run("wrong PIN x5 locks", func(t *testing.T) {
		b := e.NewBrowser(t)
		n := pushNumber(t, appLogin(b, bob, "APP_PIN"))
		for i := 1; i <= 5; i++ {
			_, err := approve(t, phone, n, "1357")
			if err == nil {
				t.Fatalf("wrong PIN %d accepted", i)
			}
			if want := "wrong_pin"; i == 5 {
				want = "locked"
				if !strings.Contains(err.Error(), "locked") && apiErr(err) != want {
					t.Errorf("5th wrong PIN: %v, want locked", err)
				}
			} else if apiErr(err) != want {
				t.Errorf("wrong PIN %d: %v, want %s", i, err, want)
			}
		}
		page := b.Get("/login/app")
		if page.Status != http.StatusForbidden || !page.Has("Your device is locked") {
			t.Errorf("after the lock: %d %q", page.Status, page.H1())
		}
		if page := b.Get("/account/devices"); page.Status == 200 && page.Has("My phone") && !page.Has("locked") {
			t.Errorf("the list does not say the device is locked")
		}
		// A locked device cannot be used any more.
		b2 := e.NewBrowser(t)
		if page := appLogin(b2, bob, "APP_PIN"); page.Status != http.StatusConflict || !page.Has("no EU Login Mobile App device that can be used") {
			t.Errorf("login with a locked device: %d %q", page.Status, page.H1())
		}
	})
}

func apiErr(err error) string {
	var ae *authenticator.APIError
	if errors.As(err, &ae) {
		return ae.Code
	}
	return ""
}
