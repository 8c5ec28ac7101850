package main

import (
	"bytes"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	qrencode "github.com/skip2/go-qrcode"

	"eulogin/internal/authn/mobileapp"
	"eulogin/internal/authn/password"
	"eulogin/internal/store"
	"eulogin/internal/store/storetest"
)

// TestGuide plays the guide with the CLI as the phone: enrol from a saved
// screenshot, approve a push login, read an offline QR code.
func TestGuide(t *testing.T) {
	ctx := t.Context()
	db := storetest.OpenSQLite(t)
	now := time.Now().UTC().Truncate(time.Millisecond)
	if err := db.CreateUser(ctx, &store.User{ID: "u", Email: "lv@example.eu", FirstName: "Līga", LastName: "Ozola", EmailLang: "lv", CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	keys, err := mobileapp.LoadKeys(ctx, db, bytes.Repeat([]byte{1}, 32))
	if err != nil {
		t.Fatal(err)
	}
	svc := &mobileapp.Service{Store: db, Keys: keys, Hasher: password.NewHasher(password.DefaultParams(), 2, 8)}
	srv := httptest.NewServer(&mobileapp.Handler{Service: svc})
	t.Cleanup(srv.Close)
	svc.BaseURL = srv.URL

	dir := t.TempDir()
	keyFile := filepath.Join(dir, "keys.json")
	cli := func(stdin string, args ...string) string {
		t.Helper()
		var out, errOut bytes.Buffer
		getenv := func(k string) string { return map[string]string{"EULOGIN_AUTHENTICATOR_KEYS": keyFile}[k] }
		if err := run(ctx, args, getenv, strings.NewReader(stdin), &out, &errOut); err != nil {
			t.Fatalf("run(%q) = %v\nstdout: %s\nstderr: %s", args, err, out.String(), errOut.String())
		}
		return out.String()
	}

	// No name given on the page, so the device takes the one the app
	// proposes: --name, after the image as the README writes it.
	en, err := svc.StartEnrolment(ctx, "u", "", "7391")
	if err != nil {
		t.Fatal(err)
	}
	png, err := qrencode.Encode(en.URI, qrencode.Medium, -8)
	if err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(dir, "qr.png")
	if err := os.WriteFile(shot, png, 0o600); err != nil {
		t.Fatal(err)
	}
	if out := cli("7391\n", "enroll", shot, "--name", "CLI phone"); !strings.Contains(out, "added") {
		t.Errorf("enroll output = %q, want a confirmation", out)
	}
	if out := cli("", "accounts"); !strings.Contains(out, "ready") || !strings.Contains(out, srv.URL) || !strings.Contains(out, "(CLI phone)") {
		t.Errorf("accounts output = %q, want one ready account on %s named CLI phone", out, srv.URL)
	}

	p, err := svc.StartPush(ctx, mobileapp.PushRequest{UserID: "u", FlowID: "flow", Service: "ECI portal", Browser: "Chromium", IP: "198.51.100.4"})
	if err != nil {
		t.Fatal(err)
	}
	if out := cli("", "wait", "--timeout", "5s"); !strings.Contains(out, p.ID) || !strings.Contains(out, "ECI portal") || !strings.Contains(out, fmt.Sprint(p.Number)) {
		t.Errorf("wait output = %q, want request %s with its number", out, p.ID)
	}
	if out := cli(fmt.Sprintf("%d\n7391\n", p.Number), "approve", p.ID); !strings.Contains(out, "approved") {
		t.Errorf("approve output = %q, want approved", out)
	}
	if st, _ := svc.PushState(ctx, p.ID, "flow"); st != store.AppRequestApproved {
		t.Errorf("PushState = %q, want approved", st)
	}

	devices, _ := svc.UsableDevices(ctx, "u")
	qr, err := svc.StartQR(ctx, "u", devices[0].ID, "flow")
	if err != nil {
		t.Fatal(err)
	}
	srv.Close() // offline from here on
	out := cli("", "otp", qr.URI)
	otp, _, _ := strings.Cut(out, "\t")
	if _, err := svc.VerifyQR(ctx, qr.ID, "flow", otp); err != nil {
		t.Errorf("VerifyQR(%q from the CLI) = %v", otp, err)
	}
	if fi, err := os.Stat(keyFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode = %v, %v; want 0600", fi.Mode().Perm(), err)
	}
}
