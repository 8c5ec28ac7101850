package idp_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"eulogin/internal/idp/idptest"
	"eulogin/internal/mobileapp/authenticator"
)

// TestAppQRRefusals: the one-time password of another device, or of the
// QR code of another login attempt, is refused; a removed device's QR code
// no longer works.
func TestAppQRRefusals(t *testing.T) {
	e := idptest.New(t, idptest.Options{})
	b := e.NewBrowser(t)
	e.CreateAccount(t, b, bob)
	b.Login(bob.Email, bob.Password)
	phone, tablet := newPhone(t, e), newPhone(t, e)
	addDevice(t, b, phone, nil, "My phone", false)
	addDevice(t, b, tablet, phone, "My tablet", false)

	b1, b2 := e.NewBrowser(t), e.NewBrowser(t)
	p1, p2 := appLogin(b1, bob, "APP_QR"), appLogin(b2, bob, "APP_QR")
	wantPage(t, p1, 200, h1AppQR)
	wantPage(t, p2, 200, h1AppQR)
	payload1 := qrText(t, p1)
	u, _ := url.Parse(payload1)
	challenge := u.Query().Get("c")
	// The QR code is for the most recently used device.
	mine, other := phone, tablet
	if u.Query().Get("d") == tablet.Keys.Accounts[0].DeviceID {
		mine, other = tablet, phone
	}

	// Another device: the other device's secret on this challenge.
	otherAcct := other.Keys.Accounts[0]
	secret, err := base64.RawURLEncoding.DecodeString(otherAcct.OTPSecret)
	if err != nil {
		t.Fatal(err)
	}
	page := b1.Post("/login/app/qr", url.Values{"otp": {authenticator.DeriveOTP(secret, challenge)}})
	if page.Status != http.StatusUnauthorized || len(page.Errors()) == 0 {
		t.Errorf("another device's password: %d %q", page.Status, page.Errors())
	}

	// Another login attempt: the password of b2's QR code typed into b1.
	otherDev := phone
	if u2, _ := url.Parse(qrText(t, p2)); u2.Query().Get("d") == tablet.Keys.Accounts[0].DeviceID {
		otherDev = tablet
	}
	otp2, _, err := otherDev.OTP(qrText(t, p2))
	if err != nil {
		t.Fatal(err)
	}
	if page := b1.Post("/login/app/qr", url.Values{"otp": {otp2}}); page.Status != http.StatusUnauthorized {
		t.Errorf("another attempt's password: %d %q", page.Status, page.H1())
	}
	// It still works where it belongs.
	if page := b2.Post("/login/app/qr", url.Values{"otp": {otp2}}); page.URL.Path != "/account" {
		t.Errorf("the right password in its own attempt: %d %s %q", page.Status, page.URL.Path, page.Errors())
	}
	// Used once only: a new QR code in b2 is needed; b1's right password still works.
	otp1, _, err := mine.OTP(payload1)
	if err != nil {
		t.Fatal(err)
	}
	if page := b1.Post("/login/app/qr", url.Values{"otp": {otp1}}); page.URL.Path != "/account" {
		t.Errorf("b1's own password: %d %s %q", page.Status, page.URL.Path, page.Errors())
	}

	// A removed device: its QR code is refused.
	b3 := e.NewBrowser(t)
	p3 := appLogin(b3, bob, "APP_QR")
	payload3 := qrText(t, p3)
	d3, _ := url.Parse(payload3)
	dev := d3.Query().Get("d")
	app := phone
	if tablet.Keys.Accounts[0].DeviceID == dev {
		app = tablet
	}
	otp3, _, err := app.OTP(payload3)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.DB.DeleteAppDevice(t.Context(), mustUser(t, e, bob.Email).ID, dev); err != nil {
		t.Fatal(err)
	}
	if page := b3.Post("/login/app/qr", url.Values{"otp": {otp3}}); page.Status != http.StatusGone || page.URL.Path == "/account" {
		t.Errorf("a removed device's password: %d %s", page.Status, page.URL.Path)
	}
}

// TestAppDeviceManagement: rename, remove (after a re-authentication with
// the app, the account's only second factor), the removed device can no
// longer answer, and the panic button removes every device; each change is
// e-mailed and audited.
func TestAppDeviceManagement(t *testing.T) {
	e := idptest.New(t, idptest.Options{})
	b := e.NewBrowser(t)
	e.CreateAccount(t, b, bob)
	b.Login(bob.Email, bob.Password)
	phone, tablet := newPhone(t, e), newPhone(t, e)
	addDevice(t, b, phone, nil, "My phone", false)
	addDevice(t, b, tablet, phone, "My tablet", false)
	uid := mustUser(t, e, bob.Email).ID
	devices, _ := e.DB.ListAppDevices(t.Context(), uid)
	id := func(name string) string {
		for _, d := range devices {
			if d.Name == name {
				return d.ID
			}
		}
		t.Fatalf("no device %q", name)
		return ""
	}
	tabletID := id("My tablet")

	// Refusals of the add page.
	for _, tc := range []struct{ pin, confirm, want string }{
		{"1234", "1234", "too easy"}, {"12", "12", "4 digits"}, {"2468", "8642", "not the same"},
	} {
		page := b.Get("/account/devices/add")
		if page.H1() == h1AppPush {
			passPush(t, b, phone, page)
		}
		page = b.Post("/account/devices/add", url.Values{"name": {"X"}, "pin": {tc.pin}, "pin_confirm": {tc.confirm}})
		if page.Status != http.StatusBadRequest || len(page.Errors()) == 0 || !slices.ContainsFunc(page.Errors(), func(s string) bool { return strings.Contains(s, tc.want) }) {
			t.Errorf("PIN %q/%q: %d %q, want an error with %q", tc.pin, tc.confirm, page.Status, page.Errors(), tc.want)
		}
	}

	// Names with control or invisible formatting characters are refused,
	// as in person names (a right-to-left override would show another name
	// in the security e-mail).
	for _, bad := range []string{"Ana\u202eenohp", "tab\tlet", "zero\u200bwidth", "bom\ufeff"} {
		page := b.Post("/account/devices/"+tabletID+"/rename", url.Values{"name": {bad}})
		if page.Status != http.StatusBadRequest || len(page.Errors()) != 1 {
			t.Errorf("rename to %q: %d %q, want refused", bad, page.Status, page.Errors())
		}
	}
	page := b.Post("/account/devices/"+tabletID+"/rename", url.Values{"name": {"Old tablet"}})
	if page.URL.Query().Get("done") != "renamed" || !page.Has("Old tablet") {
		t.Errorf("rename: %s", page.URL)
	}
	// The e-mail names the device, old and new, not its owner.
	if m := lastMail(t, e, bob.Email); m.Subject != subject(e, "en", "app_device_renamed") || !strings.Contains(m.Text, "“My tablet”") || !strings.Contains(m.Text, "“Old tablet”") {
		t.Errorf("e-mail %q after rename: %q", m.Subject, m.Text)
	}

	// Remove: the app confirms first (the device itself may).
	page = b.Get("/account/devices/" + tabletID + "/remove")
	if page.H1() == h1AppPush {
		n := pushNumber(t, page)
		if st, err := tablet.AnswerRequest(t.Context(), pendingOne(t, tablet), true, n, appPIN); err != nil || st != "approved" {
			t.Fatalf("the tablet approves its own removal: %q %v", st, err)
		}
		page = b.Post("/login/app", url.Values{})
	}
	wantPage(t, page, 200, "Remove a device")
	page = b.Post("/account/devices/"+tabletID+"/remove", url.Values{})
	if page.URL.Query().Get("done") != "removed" || page.Has("Old tablet") {
		t.Errorf("remove: %s", page.URL)
	}
	if m := lastMail(t, e, bob.Email); m.Subject != subject(e, "en", "app_device_removed") {
		t.Errorf("e-mail %q after removal", m.Subject)
	}
	// The removed device can no longer list or answer.
	if _, err := tablet.Pending(t.Context()); apiErr(err) != "unknown_device" {
		t.Errorf("removed device lists: %v, want unknown_device", err)
	}

	// The panic button, after a proof of a factor (here the device).
	page = passPush(t, b, phone, b.Get("/account/devices/delete-all"))
	wantPage(t, page, 200, "Delete all my devices")
	page = b.Post("/account/devices/delete-all", url.Values{})
	if page.URL.Query().Get("done") != "deleted_all" || !page.Has("Your account has no mobile device yet.") {
		t.Errorf("delete all: %s", page.URL)
	}
	if m := lastMail(t, e, bob.Email); m.Subject != subject(e, "en", "app_devices_deleted") {
		t.Errorf("e-mail %q after the panic button", m.Subject)
	}
	if types := auditTypes(t, e, bob.Email); !slices.Contains(types, "app_devices_deleted") || !slices.Contains(types, "app_device_removed") || !slices.Contains(types, "app_device_renamed") {
		t.Errorf("audit %q", types)
	}
	if _, err := phone.Pending(t.Context()); apiErr(err) != "unknown_device" {
		t.Errorf("deleted device lists: %v, want unknown_device", err)
	}
	b2 := e.NewBrowser(t)
	if page := appLogin(b2, bob, "APP_PIN"); page.Status != http.StatusConflict {
		t.Errorf("login with no device: %d %q", page.Status, page.H1())
	}
}
