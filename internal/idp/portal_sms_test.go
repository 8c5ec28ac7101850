package idp_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"eulogin/internal/cas"
	"eulogin/internal/eci"
	"eulogin/internal/eci/ecistore/ecistoretest"
	"eulogin/internal/idp/idptest"
)

// startPortal runs the real ECI portal on its own origin as a relying party
// of e, accepting only second-factor strengths as in production, registers
// it in e's service registry, and returns its URL.
func startPortal(t *testing.T, e *idptest.Env) string {
	t.Helper()
	pts := httptest.NewUnstartedServer(nil)
	portalURL := "http://" + pts.Listener.Addr().String()
	strong := []string{"PASSWORD_SMS", "PASSWORD_MOBILE_APP"}
	portal, err := eci.NewServer(eci.Config{BaseURL: portalURL, IdPURL: e.URL, AcceptStrengths: strong},
		eci.Deps{DB: ecistoretest.OpenSQLite(t), Now: e.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	pts.Config.Handler = portal
	pts.Start()
	t.Cleanup(pts.Close)
	if err := cas.SaveService(t.Context(), e.DB, &cas.Service{
		ID: "eci", Name: "ECI organiser account", Patterns: []string{eci.ServiceURLPattern(portalURL)},
		Strengths: strong, Attributes: eci.ServiceAttributes(), SLO: true,
	}, e.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	return portalURL
}

// TestPortalWithSMS is the guide over HTTP with the real ECI portal as the
// relying party: the portal (on its own origin, knowing the IdP only by its
// URL) accepts only second-factor strengths; a user who linked a mobile phone
// logs in through the portal with "Mobile phone + SMS" and reaches the
// dashboard, which shows that method; a password-only login is stepped up to
// the SMS code before the portal gets its ticket.
func TestPortalWithSMS(t *testing.T) {
	idptest.Engines(t, func(t *testing.T, eng idptest.Engine) {
		e := idptest.New(t, idptest.Options{Engine: eng})
		portalURL := startPortal(t, e)

		// The guide's steps 2 and 3: an account, then a mobile phone.
		b := e.NewBrowser(t)
		e.CreateAccount(t, b, ana)
		if page := b.Login(ana.Email, ana.Password); page.URL.Path != "/account" {
			t.Fatalf("login: %s", page.URL.Path)
		}
		if page := addPhone(t, e, b, phoneATyped, phoneA); page.Status != http.StatusOK {
			t.Fatalf("add phone: %d %q %v", page.Status, page.H1(), page.Errors())
		}
		b.Post("/logout", nil)

		// Organiser account → EU Login → Mobile phone + SMS → the dashboard.
		page := b.Get(portalURL + "/login")
		if !strings.HasPrefix(page.URL.String(), e.URL+"/login") || page.Input("service") == "" {
			t.Fatalf("the portal's login led to %s (service %q)", page.URL, page.Input("service"))
		}
		form := page.Hidden()
		form.Set("email", ana.Email)
		b.Post("/login", form)
		b.Post("/login/method", url.Values{"method": {"SMS"}})
		if page = b.Post("/login/password", url.Values{"password": {ana.Password}}); page.H1() != h1SendCode {
			t.Fatalf("after the password: %d %q %v, want %q", page.Status, page.H1(), page.Errors(), h1SendCode)
		}
		page = passSMS(t, e, b, ana.Email, phoneA)
		if !strings.HasPrefix(page.URL.String(), portalURL+"/dashboard") || !page.Has("Welcome, Ana-Maria") || !page.Has("Mobile phone + SMS") {
			t.Fatalf("ended at %s: %d %q", page.URL, page.Status, page.H1())
		}

		// A password-only session is stepped up to the SMS code first.
		b2 := e.NewBrowser(t)
		if page := b2.Login(ana.Email, ana.Password); page.URL.Path != "/account" {
			t.Fatalf("password login: %s", page.URL.Path)
		}
		page = b2.Get(portalURL + "/login")
		if page.H1() != h1SendCode {
			t.Fatalf("password session at the portal: %d %q, want the SMS step %q", page.Status, page.H1(), h1SendCode)
		}
		page = passSMS(t, e, b2, ana.Email, phoneA)
		if !strings.HasPrefix(page.URL.String(), portalURL+"/dashboard") || !page.Has("Mobile phone + SMS") {
			t.Fatalf("after the step-up: %s %q", page.URL, page.H1())
		}
	})
}

// TestPortalWithApp is the guide's faster way with the real portal: the
// organiser initialises the mobile app (the reference authenticator plays
// the phone, reading the text under the QR code), then reaches the portal's
// dashboard by push with number matching and PIN, and by the offline QR code.
func TestPortalWithApp(t *testing.T) {
	idptest.Engines(t, func(t *testing.T, eng idptest.Engine) {
		e := idptest.New(t, idptest.Options{Engine: eng})
		portalURL := startPortal(t, e)
		b := e.NewBrowser(t)
		e.CreateAccount(t, b, ana)
		if page := b.Login(ana.Email, ana.Password); page.URL.Path != "/account" {
			t.Fatalf("login: %s", page.URL.Path)
		}
		phone := newPhone(t, e)
		addDevice(t, b, phone, nil, "Ana's phone", false)
		b.Post("/logout", nil)

		// Organiser account → EU Login → the app's PIN code method.
		start := func(method string) *idptest.Page {
			page := b.Get(portalURL + "/login")
			if page.Input("service") == "" {
				t.Fatalf("the portal's login led to %s without a service", page.URL)
			}
			form := page.Hidden()
			form.Set("email", ana.Email)
			b.Post("/login", form)
			b.Post("/login/method", url.Values{"method": {method}})
			return b.Post("/login/password", url.Values{"password": {ana.Password}})
		}
		page := passPush(t, b, phone, start("APP_PIN"))
		if !strings.HasPrefix(page.URL.String(), portalURL+"/dashboard") || !page.Has("Welcome, Ana-Maria") || !page.Has("EU Login Mobile App") {
			t.Fatalf("push login ended at %s: %d %q", page.URL, page.Status, page.H1())
		}

		// Leave the portal and EU Login, then the offline QR code method.
		b.Post(portalURL+"/logout", nil)
		b.Post("/logout", nil)
		page = start("APP_QR")
		wantPage(t, page, 200, h1AppQR)
		otp, _, err := phone.OTP(qrText(t, page)) // no network
		if err != nil {
			t.Fatalf("OTP = %v", err)
		}
		page = b.Post("/login/app/qr", url.Values{"otp": {otp}})
		if !strings.HasPrefix(page.URL.String(), portalURL+"/dashboard") || !page.Has("EU Login Mobile App") {
			t.Fatalf("QR login ended at %s: %d %q %v", page.URL, page.Status, page.H1(), page.Errors())
		}
	})
}
