package idp_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"eulogin/internal/cas"
	"eulogin/internal/idp/idptest"
	"eulogin/internal/mobileapp/authenticator"
)

// The rules of the second factors (factors.go), tried as an attacker who
// knows the password and nothing else would try them.

const (
	h1ConfirmPassword = "Confirm your password"
	h1FactorLost      = "Confirm the change by e-mail"
	h1FactorConfirm   = "Confirm the change"
	h1DeleteAll       = "Delete all my devices"
)

// passwordSession is a browser signed in with the password alone.
func passwordSession(t *testing.T, e *idptest.Env, p idptest.Person) *idptest.Browser {
	t.Helper()
	b := e.NewBrowser(t)
	if page := b.Login(p.Email, p.Password); page.Status != http.StatusOK || page.URL.Path != "/account" {
		t.Fatalf("login %s: %d %s %q", p.Email, page.Status, page.URL.Path, page.H1())
	}
	return b
}

// portalStrength logs b in to an application that accepts PASSWORD and
// PASSWORD_SMS and PASSWORD_MOBILE_APP, and returns the strength its
// ticket carries.
func portalStrength(t *testing.T, e *idptest.Env, b *idptest.Browser, rp *relyingParty, service string) string {
	t.Helper()
	stopAt(b, rp.URL)
	return mustStrength(t, e, service, ssoTicket(t, b, url.Values{"service": {service}}))
}

func mustStrength(t *testing.T, e *idptest.Env, service, ticket string) string {
	t.Helper()
	s, _ := strengthOf(t, e, service, ticket)
	return s
}

// TestPasswordAloneCannotSwapFactors is the take-over a review found: an
// account whose only second factor is the app (or a number), without
// "Always require multi-factor authentication". Someone who knows only the
// password logs in, deletes the owner's factors and adds their own, and is
// then taken for the owner by an application that needs two factors. Each
// step must now fail, for each kind of factor.
func TestPasswordAloneCannotSwapFactors(t *testing.T) {
	for _, kind := range []string{"app", "sms"} {
		t.Run(kind, func(t *testing.T) {
			e := idptest.New(t, idptest.Options{})
			rp := newRelyingParty(t)
			register(t, e, rp, "portal", func(s *cas.Service) { s.Strengths = []string{"PASSWORD", "PASSWORD_SMS", "PASSWORD_MOBILE_APP"} })
			service := rp.URL + "/organiser"
			owner := e.NewBrowser(t)
			e.CreateAccount(t, owner, bob)
			owner.Login(bob.Email, bob.Password)
			var phone *authenticator.Authenticator
			if kind == "app" {
				phone = newPhone(t, e)
				addDevice(t, owner, phone, nil, "Bob's phone", false)
			} else {
				addPhone(t, e, owner, phoneATyped, phoneA)
			}
			mailsBefore := len(mailsTo(e, bob.Email))

			attacker := passwordSession(t, e, bob)
			// Delete all devices / remove the number: a proof is asked.
			var page *idptest.Page
			if kind == "app" {
				page = attacker.Get("/account/devices/delete-all")
				wantPage(t, page, 200, h1AppPush)
				page = attacker.Post("/account/devices/delete-all", url.Values{})
				wantPage(t, page, 200, h1AppPush)
			} else {
				id := phoneID(t, e, bob.Email, phoneA)
				page = attacker.Post("/account/phones/"+id+"/remove", url.Values{})
				wantPage(t, page, 200, h1SendCode)
			}
			// Add the attacker's number: a proof of the owner's factor is
			// asked, not the password.
			page = attacker.Post("/account/phones/add", url.Values{"number": {phoneBTyped}})
			if page.URL.Path == "/account/phones/add" || page.H1() == h1Code || page.URL.Path == idptest.ConfirmPasswordPath {
				t.Fatalf("adding a number with the password alone: %s %q", page.URL.Path, page.H1())
			}
			// Switch off "Always require..." is not the way either: the
			// account does not require it, and the lost-factor path e-mails
			// the owner, changing nothing.
			change := "delete_devices"
			if kind == "sms" {
				change = "remove_phone:" + phoneID(t, e, bob.Email, phoneA)
			}
			page = attacker.Get("/account/factors/lost?change=" + url.QueryEscape(change))
			wantPage(t, page, 200, h1FactorLost)
			page = attacker.Post("/account/factors/lost", url.Values{"change": {change}, "current_password": {bob.Password}})
			wantPage(t, page, 200, "Check your e-mail")
			if m := lastMail(t, e, bob.Email); m.Subject != subject(e, "en", "factor_change") {
				t.Errorf("last e-mail to the owner %q, want the confirmation link", m.Subject)
			}
			if n := len(mailsTo(e, bob.Email)); n != mailsBefore+1 {
				t.Errorf("%d e-mails to the owner, want %d", n, mailsBefore+1)
			}

			// Nothing changed: the owner's factor is there, the attacker's
			// number is not, and the attacker's session has the password
			// only.
			u := mustUser(t, e, bob.Email)
			phones, _ := e.DB.ListPhones(t.Context(), u.ID)
			devices, _ := e.DB.ListAppDevices(t.Context(), u.ID)
			if kind == "app" && len(devices) != 1 || kind == "sms" && len(phones) != 1 {
				t.Errorf("after the attack: %d numbers, %d devices", len(phones), len(devices))
			}
			for _, ph := range phones {
				if ph.E164 == phoneB {
					t.Error("the attacker's number was added")
				}
			}
			if s := portalStrength(t, e, attacker, rp, service); s != "PASSWORD" {
				t.Errorf("the attacker's strength = %q, want PASSWORD", s)
			}
		})
	}
}

// TestAddedFactorDoesNotRaiseSession: a number added in a session with the
// password alone leaves that session at PASSWORD.
func TestAddedFactorDoesNotRaiseSession(t *testing.T) {
	e := idptest.New(t, idptest.Options{})
	rp := newRelyingParty(t)
	register(t, e, rp, "portal", func(s *cas.Service) { s.Strengths = []string{"PASSWORD", "PASSWORD_SMS", "PASSWORD_MOBILE_APP"} })
	service := rp.URL + "/organiser"
	b := e.NewBrowser(t)
	e.CreateAccount(t, b, chiara)
	b.Login(chiara.Email, chiara.Password)
	addPhone(t, e, b, phoneATyped, phoneA)
	if page := b.Get("/account/devices/add"); page.H1() != h1SendCode {
		t.Errorf("a second factor once one exists: %q, want the SMS step", page.H1())
	}
	if s := portalStrength(t, e, b, rp, service); s != "PASSWORD" {
		t.Errorf("strength after adding a number = %q, want PASSWORD", s)
	}
}

// TestFirstFactorAsksPasswordOfStaleSession: an account without a second
// factor proves the password: the login of the session when it is recent,
// else the password again; a wrong one is refused and counted.
func TestFirstFactorAsksPasswordOfStaleSession(t *testing.T) {
	e := idptest.New(t, idptest.Options{})
	b := e.NewBrowser(t)
	e.CreateAccount(t, b, chiara)
	b.Login(chiara.Email, chiara.Password)
	e.Clock.Advance(11 * time.Minute)
	page := b.Get("/account/phones/add")
	wantPage(t, page, 200, h1ConfirmPassword)
	if got := page.Input("next"); got != "/account/phones/add" {
		t.Errorf("next = %q", got)
	}
	page = b.Post(idptest.ConfirmPasswordPath, url.Values{"current_password": {"wrong"}, "next": {"/account/phones/add"}})
	wantPage(t, page, http.StatusUnauthorized, h1ConfirmPassword)
	wantErrors(t, page, "The current password is wrong")
	page = b.Post(idptest.ConfirmPasswordPath, url.Values{"current_password": {chiara.Password}, "next": {"/account/phones/add"}})
	wantPage(t, page, 200, h1AddPhone)
	if types := auditTypes(t, e, chiara.Email); !slices.Contains(types, "password_check_failure") || types[0] != "reauth_success" {
		t.Errorf("audit %q", types)
	}
	// One change per proof: the number is added, and the next change asks
	// the new number.
	addPhone(t, e, b, phoneATyped, phoneA)
	if page := b.Get("/account/phones/add"); page.H1() != h1SendCode {
		t.Errorf("the next change: %q, want the SMS step", page.H1())
	}
	// A next path from elsewhere is not followed.
	e.Clock.Advance(11 * time.Minute)
	page = b.Post(idptest.ConfirmPasswordPath, url.Values{"current_password": {chiara.Password}, "next": {"https://evil.example/"}})
	if page.URL.Host != strings.TrimPrefix(e.URL, "http://") {
		t.Errorf("next to another site followed: %s", page.URL)
	}
}

// TestLostFactorByEmail: the owner who lost the phone removes its number
// with the password and the e-mailed link; the link works once, in any
// browser, and changes nothing until it is posted.
func TestLostFactorByEmail(t *testing.T) {
	e := idptest.New(t, idptest.Options{})
	b := e.NewBrowser(t)
	e.CreateAccount(t, b, bob)
	b.Login(bob.Email, bob.Password)
	addPhone(t, e, b, phoneATyped, phoneA)
	id := phoneID(t, e, bob.Email, phoneA)

	// The removal asks the SMS step, which offers the way without it.
	page := b.Get("/account/phones/" + id + "/remove")
	wantPage(t, page, 200, h1SendCode)
	lost := regexpFind(page.Body, `href="(/account/factors/lost\?[^"]*)"`)
	if lost == "" {
		t.Fatal("the SMS step of a removal offers no way without the number")
	}
	page = b.Get(strings.ReplaceAll(lost, "&amp;", "&"))
	wantPage(t, page, 200, h1FactorLost)
	if !page.Has("+371 ••• ••• 12") {
		t.Error("the page does not name the number")
	}
	page = b.Post("/account/factors/lost", url.Values{"change": {page.Input("change")}, "current_password": {"wrong"}})
	wantPage(t, page, http.StatusUnauthorized, h1FactorLost)
	page = b.Post("/account/factors/lost", url.Values{"change": {"remove_phone:" + id}, "current_password": {bob.Password}})
	wantPage(t, page, 200, "Check your e-mail")
	m := lastMail(t, e, bob.Email)
	if !strings.Contains(m.Text, "+371 ••• ••• 12") {
		t.Errorf("the e-mail does not name the number: %q", m.Text)
	}
	link := e.MailLink(t, m, "/account/factors/confirm/")

	other := e.NewBrowser(t) // the link opened elsewhere, not signed in
	page = other.Get(link)
	wantPage(t, page, 200, h1FactorConfirm)
	if phones, _ := e.DB.ListPhones(t.Context(), mustUser(t, e, bob.Email).ID); len(phones) != 1 {
		t.Fatal("opening the link removed the number")
	}
	page = other.Post(link, url.Values{})
	if phones, _ := e.DB.ListPhones(t.Context(), mustUser(t, e, bob.Email).ID); len(phones) != 0 {
		t.Errorf("after the confirmation: %d numbers, want 0 (page %d %s)", len(phones), page.Status, page.URL)
	}
	if m := lastMail(t, e, bob.Email); m.Subject != subject(e, "en", "phone_removed") {
		t.Errorf("e-mail %q after the removal", m.Subject)
	}
	if types := auditTypes(t, e, bob.Email); !slices.Contains(types, "factor_change_requested") || types[0] != "phone_removed" {
		t.Errorf("audit %q", types)
	}
	if page := other.Post(link, url.Values{}); page.Status != http.StatusGone {
		t.Errorf("the link again: %d, want 410", page.Status)
	}
	if page := other.Get("/account/factors/confirm/forged"); page.Status != http.StatusGone {
		t.Errorf("a forged link: %d, want 410", page.Status)
	}
	if page := b.Get("/account/factors/lost?change=nonsense"); page.Status != http.StatusBadRequest {
		t.Errorf("an unknown change: %d, want 400", page.Status)
	}
}

// TestRequireMFAOffNeedsProof: switching off "Always require multi-factor
// authentication" asks a proof of a factor first; switching it on does
// not.
func TestRequireMFAOffNeedsProof(t *testing.T) {
	e := idptest.New(t, idptest.Options{})
	b := e.NewBrowser(t)
	e.CreateAccount(t, b, bob)
	b.Login(bob.Email, bob.Password)
	addPhone(t, e, b, phoneATyped, phoneA)
	if page := b.Post("/account/options", url.Values{"require_mfa": {"1"}}); page.URL.Query().Get("done") != "options" {
		t.Fatalf("switch on: %s %q", page.URL, page.Errors())
	}
	page := b.Post("/account/options", url.Values{})
	wantPage(t, page, 200, h1SendCode)
	if !mustUser(t, e, bob.Email).RequireMFA {
		t.Fatal("switched off without a proof")
	}
	if !page.Has("I can no longer use my second factor") {
		t.Error("the SMS step offers no way without the number")
	}
	passSMS(t, e, b, bob.Email, phoneA)
	if page := b.Post("/account/options", url.Values{}); page.URL.Query().Get("done") != "options" {
		t.Errorf("switch off after the proof: %s", page.URL)
	}
	if mustUser(t, e, bob.Email).RequireMFA {
		t.Error("still required after the proof")
	}
}

// TestDeviceAddedRecordedWhenAppConfirms: the addition of a device is
// audited and e-mailed when the app confirms it, even if the page that
// started it was closed.
func TestDeviceAddedRecordedWhenAppConfirms(t *testing.T) {
	e := idptest.New(t, idptest.Options{})
	b := e.NewBrowser(t)
	e.CreateAccount(t, b, bob)
	b.Login(bob.Email, bob.Password)
	page := b.Post("/account/devices/add", url.Values{"name": {"Pocket"}, "pin": {appPIN}, "pin_confirm": {appPIN}})
	wantPage(t, page, 200, h1DeviceScan)
	if _, err := newPhone(t, e).Enrol(t.Context(), qrText(t, page), "CLI", appPIN); err != nil {
		t.Fatal(err)
	}
	// The browser never comes back.
	if types := auditTypes(t, e, bob.Email); types[0] != "app_device_added" {
		t.Errorf("audit %q, want the device added", types)
	}
	m := lastMail(t, e, bob.Email)
	if m.Subject != subject(e, "en", "app_device_added") || !strings.Contains(m.Text, "Pocket") {
		t.Errorf("e-mail %q %q, want the device added, named", m.Subject, m.Text)
	}
}

// TestPasswordIsNoProofWithAFactor: posting the password to the page that
// asks it again gives no proof to an account that has a second factor,
// whatever the factor (the review's take-over, by a direct post).
func TestPasswordIsNoProofWithAFactor(t *testing.T) {
	for _, kind := range []string{"sms", "app", "totp"} {
		t.Run(kind, func(t *testing.T) {
			e := idptest.New(t, idptest.Options{})
			owner := e.NewBrowser(t)
			e.CreateAccount(t, owner, bob)
			owner.Login(bob.Email, bob.Password)
			var removal string
			switch kind {
			case "sms":
				addPhone(t, e, owner, phoneATyped, phoneA)
				removal = "/account/phones/" + phoneID(t, e, bob.Email, phoneA) + "/remove"
			case "app":
				addDevice(t, owner, newPhone(t, e), nil, "Phone", false)
				removal = "/account/devices/delete-all"
			case "totp":
				addAuthenticator(t, e, owner, "Phone")
				page := owner.Get("/account/authenticators")
				removal = "/account/authenticators/" + regexpFind(page.Body, `/account/authenticators/([0-9a-f]+)/remove`) + "/remove"
			}
			attacker := passwordSession(t, e, bob)
			attacker.Post(idptest.ConfirmPasswordPath, url.Values{"current_password": {bob.Password}, "next": {removal}})
			page := attacker.Post(removal, url.Values{})
			if page.URL.Query().Get("done") != "" {
				t.Fatalf("removal with the password alone went through: %s", page.URL)
			}
			page = attacker.Post("/account/authenticators/add", url.Values{"name": {"Mine"}})
			if page.H1() == h1AuthScan {
				t.Fatal("an authenticator app could be added with the password alone")
			}
		})
	}
}

// TestOneProofOneChange: changes racing on one proof: only one is made.
func TestOneProofOneChange(t *testing.T) {
	e := idptest.New(t, idptest.Options{})
	b := e.NewBrowser(t)
	e.CreateAccount(t, b, bob)
	b.Login(bob.Email, bob.Password)
	addPhone(t, e, b, phoneATyped, phoneA)
	page := b.Post("/account/recovery", url.Values{})
	wantPage(t, page, 200, h1SendCode)
	passSMS(t, e, b, bob.Email, phoneA)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { b.Post("/account/recovery", url.Values{}) })
	}
	wg.Wait()
	n := 0
	for _, k := range auditTypes(t, e, bob.Email) {
		if k == "recovery_codes_created" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d sets of recovery codes made on one proof, want 1", n)
	}
}
