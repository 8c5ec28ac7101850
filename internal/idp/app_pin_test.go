package idp_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"eulogin/internal/idp/idptest"
)

// TestAppPINReset: a device locked by five wrong PINs is unlocked by a PIN
// reset in My Account, which asks for the password (and, when the account
// has another second factor, for that factor first); the old PIN then no
// longer works and the new one does.
func TestAppPINReset(t *testing.T) {
	e := idptest.New(t, idptest.Options{})
	b := e.NewBrowser(t)
	e.CreateAccount(t, b, bob)
	b.Login(bob.Email, bob.Password)
	phone := newPhone(t, e)
	addDevice(t, b, phone, nil, "My phone", false)
	uid := mustUser(t, e, bob.Email).ID
	devices, _ := e.DB.ListAppDevices(t.Context(), uid)
	if len(devices) != 1 {
		t.Fatalf("devices = %d, want 1", len(devices))
	}
	id := devices[0].ID

	// Five wrong PINs lock the device.
	b2 := e.NewBrowser(t)
	page := appLogin(b2, bob, "APP_PIN")
	n := pushNumber(t, page)
	for i := range 5 {
		if _, err := approve(t, phone, n, "1357"); apiErr(err) != "wrong_pin" && apiErr(err) != "locked" {
			t.Fatalf("wrong PIN %d: %v", i+1, err)
		}
		if i < 4 {
			page = b2.Post("/login/app/new", url.Values{})
			n = pushNumber(t, page)
		}
	}
	page = b.Get("/account/devices")
	if !page.Has("Unlock") || !page.Has("locked") {
		t.Fatalf("the list does not show the locked device: %q", page.Body)
	}

	// The account's only device is the one to reset: the password is the
	// re-authentication.
	page = b.Get("/account/devices/" + id + "/pin")
	wantPage(t, page, 200, "Reset the PIN code")
	if !page.Has("This device is locked") {
		t.Error("the reset page does not say the device is locked")
	}
	for _, tc := range []struct{ pin, confirm, password, field, want string }{
		{"1234", "1234", bob.Password, "pin", "too easy"},
		{"97531", "97531", bob.Password, "pin", "4 digits"},
		{"9753", "9751", bob.Password, "pin_confirm", "not the same"},
		{"9753", "9753", "wrong password 1", "current_password", "password"},
		{"9753", "9753", "", "current_password", "password"},
	} {
		page = b.Post("/account/devices/"+id+"/pin", url.Values{"pin": {tc.pin}, "pin_confirm": {tc.confirm}, "current_password": {tc.password}})
		if page.Status != http.StatusBadRequest || !slices.ContainsFunc(page.Errors(), func(s string) bool { return strings.Contains(s, tc.want) }) {
			t.Errorf("reset %q/%q/%q: %d %q, want an error with %q", tc.pin, tc.confirm, tc.password, page.Status, page.Errors(), tc.want)
		}
		if field := regexp.MustCompile(`<input[^>]*name="` + tc.field + `"[^>]*>`).FindString(page.Body); !strings.Contains(field, `aria-invalid="true"`) {
			t.Errorf("reset %q/%q: field %s not marked invalid", tc.pin, tc.confirm, tc.field)
		}
	}
	if d, _ := e.DB.AppDeviceByID(t.Context(), id); d.LockedAt.IsZero() {
		t.Fatal("a refused reset unlocked the device")
	}
	page = b.Post("/account/devices/"+id+"/pin", url.Values{"pin": {"9753"}, "pin_confirm": {"9753"}, "current_password": {bob.Password}})
	if page.URL.Query().Get("done") != "pin_reset" || !page.Has("The PIN code has been changed") {
		t.Fatalf("reset: %d %s %q", page.Status, page.URL, page.Errors())
	}
	if m := lastMail(t, e, bob.Email); m.Subject != subject(e, "en", "app_pin_reset") {
		t.Errorf("e-mail %q after the reset", m.Subject)
	}
	if types := auditTypes(t, e, bob.Email); !slices.Contains(types, "app_pin_reset") {
		t.Errorf("audit %q", types)
	}

	// The old PIN fails, the new one logs in.
	b3 := e.NewBrowser(t)
	page = appLogin(b3, bob, "APP_PIN")
	if _, err := approve(t, phone, pushNumber(t, page), appPIN); apiErr(err) != "wrong_pin" {
		t.Errorf("old PIN after the reset: %v, want wrong_pin", err)
	}
	if st, err := approve(t, phone, pushNumber(t, page), "9753"); err != nil || st != "approved" {
		t.Fatalf("new PIN: %q %v", st, err)
	}
	if page = b3.Post("/login/app", url.Values{}); page.URL.Path != "/account" {
		t.Errorf("after the new PIN: %s %q", page.URL, page.H1())
	}

	// Another account's device: not found.
	other := idptest.Person{First: "Eve", Last: "Attacker", Email: "eve@example.org", EmailLang: "en", Password: "Other pass word 4242"}
	eb := e.NewBrowser(t)
	e.CreateAccount(t, eb, other)
	eb.Login(other.Email, other.Password)
	if page := eb.Get("/account/devices/" + id + "/pin"); page.Status != http.StatusNotFound {
		t.Errorf("another account's device: %d", page.Status)
	}
	if page := eb.Post("/account/devices/"+id+"/pin", url.Values{"pin": {"8642"}, "pin_confirm": {"8642"}, "current_password": {other.Password}}); page.Status != http.StatusNotFound {
		t.Errorf("reset of another account's device: %d", page.Status)
	}
}

// TestAppPINResetAsksOtherFactor: with a second device, the reset of the
// first needs the second one's approval before the form.
func TestAppPINResetAsksOtherFactor(t *testing.T) {
	e := idptest.New(t, idptest.Options{})
	b := e.NewBrowser(t)
	e.CreateAccount(t, b, bob)
	b.Login(bob.Email, bob.Password)
	phone, tablet := newPhone(t, e), newPhone(t, e)
	addDevice(t, b, phone, nil, "My phone", false)
	addDevice(t, b, tablet, phone, "My tablet", false)
	uid := mustUser(t, e, bob.Email).ID
	devices, _ := e.DB.ListAppDevices(t.Context(), uid)
	var phoneID string
	for _, d := range devices {
		if d.Name == "My phone" {
			phoneID = d.ID
		}
	}
	// A posted form is refused until the other factor is used; the tablet
	// denies that request.
	page := b.Post("/account/devices/"+phoneID+"/pin", url.Values{"pin": {"9753"}, "pin_confirm": {"9753"}, "current_password": {bob.Password}})
	wantPage(t, page, 200, h1AppPush)
	if st, err := tablet.AnswerRequest(t.Context(), pendingOne(t, tablet), false, 0, ""); err != nil || st != "denied" {
		t.Fatalf("the tablet denies: %q %v", st, err)
	}
	if d, _ := e.DB.AppDeviceByID(t.Context(), phoneID); d.PINHash != devices[0].PINHash && d.PINHash != devices[1].PINHash {
		t.Fatal("the PIN changed without re-authentication")
	}
	page = b.Get("/account/devices/" + phoneID + "/pin")
	wantPage(t, page, 200, h1AppPush)
	n := pushNumber(t, page)
	if st, err := tablet.AnswerRequest(t.Context(), pendingOne(t, tablet), true, n, appPIN); err != nil || st != "approved" {
		t.Fatalf("the tablet approves: %q %v", st, err)
	}
	page = b.Post("/login/app", url.Values{})
	wantPage(t, page, 200, "Reset the PIN code")
	page = b.Post("/account/devices/"+phoneID+"/pin", url.Values{"pin": {"9753"}, "pin_confirm": {"9753"}, "current_password": {bob.Password}})
	if page.URL.Query().Get("done") != "pin_reset" {
		t.Errorf("reset after the other factor: %d %s %q", page.Status, page.URL, page.Errors())
	}
}

// TestAppRemovesItself: removing the account from the app removes the
// device, audits it and e-mails the owner.
func TestAppRemovesItself(t *testing.T) {
	e := idptest.New(t, idptest.Options{})
	b := e.NewBrowser(t)
	e.CreateAccount(t, b, bob)
	b.Login(bob.Email, bob.Password)
	phone := newPhone(t, e)
	addDevice(t, b, phone, nil, "My phone", false)
	id := phone.Keys.Accounts[0].DeviceID
	if err := phone.Remove(t.Context(), id, false); err != nil {
		t.Fatalf("Remove = %v", err)
	}
	if page := b.Get("/account/devices"); page.Has("My phone") {
		t.Error("the removed device is still listed")
	}
	if m := lastMail(t, e, bob.Email); m.Subject != subject(e, "en", "app_device_removed") {
		t.Errorf("e-mail %q after the app removed itself", m.Subject)
	}
	if types := auditTypes(t, e, bob.Email); !slices.Contains(types, "app_device_removed_by_app") {
		t.Errorf("audit %q", types)
	}
}
