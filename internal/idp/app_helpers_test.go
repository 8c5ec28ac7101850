package idp_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"eulogin/internal/idp/idptest"
	"eulogin/internal/mobileapp/authenticator"
)

// The PIN of the tests' devices, and headings of the app pages in English.
const (
	appPIN       = "2468"
	h1AppPush    = "Confirm on your mobile device"
	h1AppQR      = "Scan the QR code with the app"
	h1DeviceScan = "Scan the QR code with the app"
	h1DevAdded   = "Your device has been added"
	h1Devices    = "Manage my mobile devices"
)

var (
	qrTextRE  = regexp.MustCompile(`class="qr__text">([^<]*)<`)
	qrImageRE = regexp.MustCompile(`src="data:image/png;base64,([^"]*)"`)
	numberRE  = regexp.MustCompile(`class="app-number"[^>]*>.*?<strong>(\d\d)</strong>`)
)

// newPhone is a phone with the reference authenticator, its keys in a
// temporary file, on the test's clock, talking to the test server.
func newPhone(t *testing.T, e *idptest.Env) *authenticator.Authenticator {
	t.Helper()
	ks, err := authenticator.LoadKeystore(filepath.Join(t.TempDir(), "keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	return &authenticator.Authenticator{Keys: ks, Now: e.Clock.Now, HTTP: &http.Client{}}
}

// qrText returns the text under the QR code of page.
func qrText(t *testing.T, page *idptest.Page) string {
	t.Helper()
	m := qrTextRE.FindStringSubmatch(page.Body)
	if m == nil {
		t.Fatalf("%s (%d %q) shows no QR code text", page.URL.Path, page.Status, page.H1())
	}
	return strings.TrimSpace(html.UnescapeString(m[1]))
}

// qrDecoded reads the QR code image of page as the phone's camera would.
func qrDecoded(t *testing.T, page *idptest.Page) string {
	t.Helper()
	m := qrImageRE.FindStringSubmatch(page.Body)
	if m == nil {
		t.Fatalf("%s shows no QR code image", page.URL.Path)
	}
	png, err := base64.StdEncoding.DecodeString(html.UnescapeString(m[1]))
	if err != nil {
		t.Fatal(err)
	}
	got, err := authenticator.DecodeQR(bytes.NewReader(png))
	if err != nil {
		t.Fatalf("DecodeQR: %v", err)
	}
	return got
}

// pushNumber returns the number the push page shows.
func pushNumber(t *testing.T, page *idptest.Page) int {
	t.Helper()
	m := numberRE.FindStringSubmatch(strings.ReplaceAll(page.Body, "\n", " "))
	if m == nil {
		t.Fatalf("%s (%d %q) shows no number; errors %q", page.URL.Path, page.Status, page.H1(), page.Errors())
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// pendingOne returns the one pending request of phone.
func pendingOne(t *testing.T, phone *authenticator.Authenticator) authenticator.Request {
	t.Helper()
	rs, err := phone.Pending(t.Context())
	if err != nil || len(rs) != 1 {
		t.Fatalf("Pending = %+v, %v; want one request", rs, err)
	}
	return rs[0]
}

// approve answers the pending request with the number and the PIN.
func approve(t *testing.T, phone *authenticator.Authenticator, number int, pin string) (string, error) {
	t.Helper()
	return phone.AnswerRequest(t.Context(), pendingOne(t, phone), true, number, pin)
}

// passPush passes a push step that b is on (page): the phone approves with
// the right number and PIN, then the browser continues.
func passPush(t *testing.T, b *idptest.Browser, phone *authenticator.Authenticator, page *idptest.Page) *idptest.Page {
	t.Helper()
	wantPage(t, page, 200, h1AppPush)
	if st, err := approve(t, phone, pushNumber(t, page), appPIN); err != nil || st != "approved" {
		t.Fatalf("approve = %q, %v", st, err)
	}
	return b.Post("/login/app", url.Values{})
}

// addDevice adds a device named name in My Account of b's signed-in user
// with phone as the app, passing the re-authentication with reauth (a
// phone already enrolled) when asked. decode reads the QR image instead of
// the text under it.
func addDevice(t *testing.T, b *idptest.Browser, phone, reauth *authenticator.Authenticator, name string, decode bool) *idptest.Page {
	t.Helper()
	page := b.ConfirmPassword(b.Get("/account/devices/add"))
	if page.H1() == h1AppPush {
		page = passPush(t, b, reauth, page)
	}
	wantPage(t, page, 200, "Add a mobile device")
	page = b.Post("/account/devices/add", url.Values{"name": {name}, "pin": {appPIN}, "pin_confirm": {appPIN}})
	wantPage(t, page, 200, h1DeviceScan)
	uri := qrText(t, page)
	if decode {
		if got := qrDecoded(t, page); got != uri {
			t.Fatalf("the QR image holds %q, the text under it %q", got, uri)
		}
	}
	if _, err := phone.Enrol(t.Context(), uri, "CLI", appPIN); err != nil {
		t.Fatalf("Enrol(%q) = %v", uri, err)
	}
	page = b.Post("/account/devices/add/scan", url.Values{})
	wantPage(t, page, 200, h1DevAdded)
	return page
}

// appLogin goes through e-mail, method and password with an app method.
func appLogin(b *idptest.Browser, p idptest.Person, method string) *idptest.Page {
	b.Post("/login", url.Values{"email": {p.Email}})
	b.Post("/login/method", url.Values{"method": {method}})
	return b.Post("/login/password", url.Values{"password": {p.Password}})
}

// status reads a JSON status endpoint without waiting.
func status(t *testing.T, b *idptest.Browser, path string) (state string, done bool) {
	t.Helper()
	page := b.Get(path)
	var v struct {
		State string `json:"state"`
		Done  bool   `json:"done"`
	}
	if err := json.Unmarshal([]byte(page.Body), &v); err != nil {
		t.Fatalf("GET %s = %d %q: %v", path, page.Status, page.Body, err)
	}
	return v.State, v.Done
}
