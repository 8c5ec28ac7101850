package authenticator_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	qrencode "github.com/skip2/go-qrcode"

	"eulogin/internal/authn/mobileapp"
	"eulogin/internal/authn/password"
	"eulogin/internal/mobileapp/authenticator"
	"eulogin/internal/regulation"
	"eulogin/internal/store"
	"eulogin/internal/store/storetest"
)

// clock is the injected time of the server and the apps.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// recorder keeps the body of the last answer the app posted, to replay it.
type recorder struct {
	mu   sync.Mutex
	last []byte
	url  string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodPost && (strings.Contains(req.URL.Path, "/app/v1/requests/") || req.URL.Path == "/app/v1/remove") {
		b, _ := io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(b))
		r.mu.Lock()
		r.last, r.url = b, req.URL.String()
		r.mu.Unlock()
	}
	return http.DefaultTransport.RoundTrip(req)
}

type env struct {
	db    *store.DB
	svc   *mobileapp.Service
	srv   *httptest.Server
	clock *clock
	rec   *recorder

	mu      sync.Mutex
	removed []string // the names of the devices Handler.Remove removed
}

const (
	userID = "user-1"
	pin    = "2468"
)

var hasher = sync.OnceValue(func() *password.Hasher { return password.NewHasher(password.DefaultParams(), 4, 64) })

func newEnv(t *testing.T, open func(t *testing.T) *store.DB) *env {
	t.Helper()
	db := open(t)
	ck := &clock{t: time.Date(2026, 5, 9, 10, 0, 0, 0, time.UTC)}
	u := &store.User{ID: userID, Email: "ana@example.eu", FirstName: "Ana", LastName: "Ionescu", EmailLang: "ro", AssuranceLevel: 10, CreatedAt: ck.Now(), UpdatedAt: ck.Now()}
	if err := db.CreateUser(t.Context(), u); err != nil {
		t.Fatal(err)
	}
	secret := bytes.Repeat([]byte{7}, 32)
	keys, err := mobileapp.LoadKeys(t.Context(), db, secret)
	if err != nil {
		t.Fatal(err)
	}
	svc := &mobileapp.Service{
		Store: db, Keys: keys, Hasher: hasher(), Now: ck.Now,
		Regulator: &regulation.Regulator{Store: db, Now: ck.Now},
		Account:   func(ctx context.Context, id string) (string, error) { return "ana@example.eu", nil },
	}
	e := &env{db: db, svc: svc, clock: ck, rec: &recorder{}}
	h := &mobileapp.Handler{Service: svc}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+mobileapp.PathRemove, func(w http.ResponseWriter, r *http.Request) {
		if d := h.Remove(w, r); d != nil {
			e.mu.Lock()
			e.removed = append(e.removed, d.Name)
			e.mu.Unlock()
		}
	})
	mux.Handle("/app/v1/", h)
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	svc.BaseURL = e.srv.URL
	return e
}

func (e *env) app(t *testing.T, name string) *authenticator.Authenticator {
	t.Helper()
	ks, err := authenticator.LoadKeystore(filepath.Join(t.TempDir(), name, "keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	return &authenticator.Authenticator{Keys: ks, HTTP: &http.Client{Transport: e.rec}, Now: e.clock.Now}
}

// enrol adds a device through a QR code rendered as PNG and read back.
func (e *env) enrol(t *testing.T, name string) (*authenticator.Authenticator, *authenticator.Account) {
	t.Helper()
	en, err := e.svc.StartEnrolment(t.Context(), userID, name, pin)
	if err != nil {
		t.Fatalf("StartEnrolment = %v", err)
	}
	uri := decodePNG(t, en.URI)
	app := e.app(t, name)
	acct, err := app.Enrol(t.Context(), uri, "app-"+name, pin)
	if err != nil {
		t.Fatalf("Enrol = %v", err)
	}
	st, d, err := e.svc.EnrolmentStatus(t.Context(), userID, en.ID)
	if err != nil || st != mobileapp.EnrolConfirmed || d.ID != acct.DeviceID || d.Name != name {
		t.Fatalf("EnrolmentStatus = %q, %+v, %v; want confirmed device %q named %q", st, d, err, acct.DeviceID, name)
	}
	return app, acct
}

func decodePNG(t *testing.T, text string) string {
	t.Helper()
	png, err := qrencode.Encode(text, qrencode.Medium, -8)
	if err != nil {
		t.Fatal(err)
	}
	got, err := authenticator.DecodeQR(bytes.NewReader(png))
	if err != nil || got != text {
		t.Fatalf("DecodeQR(QR of %q) = %q, %v", text, got, err)
	}
	return got
}

func (e *env) push(t *testing.T, deviceID, flow string) *mobileapp.Push {
	t.Helper()
	p, err := e.svc.StartPush(t.Context(), mobileapp.PushRequest{UserID: userID, DeviceID: deviceID, FlowID: flow, Service: "ECI portal", Browser: "Firefox on Linux", IP: "192.0.2.10"})
	if err != nil {
		t.Fatalf("StartPush = %v", err)
	}
	return p
}

func pending(t *testing.T, app *authenticator.Authenticator, id string) authenticator.Request {
	t.Helper()
	rs, err := app.Pending(t.Context())
	if err != nil {
		t.Fatalf("Pending = %v", err)
	}
	i := slices.IndexFunc(rs, func(r authenticator.Request) bool { return r.ID == id })
	if i < 0 {
		t.Fatalf("Pending = %+v, want request %q", rs, id)
	}
	return rs[i]
}

func apiCode(err error) string {
	if e, ok := errors.AsType[*authenticator.APIError](err); ok {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return "error: " + err.Error()
}

func engines(t *testing.T, f func(t *testing.T, open func(t *testing.T) *store.DB)) {
	t.Run("SQLite", func(t *testing.T) { f(t, storetest.OpenSQLite) })
	t.Run("PostgreSQL", func(t *testing.T) {
		storetest.PostgresDSN(t) // skips without EULOGIN_TEST_POSTGRES
		f(t, storetest.OpenPostgres)
	})
}

func TestEnrolAndPushApprove(t *testing.T) {
	engines(t, func(t *testing.T, open func(t *testing.T) *store.DB) {
		e := newEnv(t, open)
		app, acct := e.enrol(t, "Pixel")
		if acct.Account != "ana@example.eu" || !acct.Confirmed || acct.PINLength != 4 {
			t.Errorf("account = %+v, want confirmed, named ana@example.eu, PIN length 4", acct)
		}
		fi, err := os.Stat(app.Keys.Path)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("key file mode = %v, %v; want 0600", fi.Mode().Perm(), err)
		}

		// The app long-polls before the login starts; StartPush wakes it.
		type result struct {
			rs  []authenticator.Request
			err error
		}
		done := make(chan result, 1)
		go func() {
			rs, err := app.Wait(t.Context(), 20*time.Second)
			done <- result{rs, err}
		}()
		p := e.push(t, "", "flow-1")
		got := <-done
		if got.err != nil || len(got.rs) != 1 {
			t.Fatalf("Wait = %+v, %v; want one request", got.rs, got.err)
		}
		r := got.rs[0]
		if r.ID != p.ID || r.Service != "ECI portal" || r.Browser != "Firefox on Linux" || r.IP != "192.0.2.10" || len(r.Numbers) != 3 || !slices.Contains(r.Numbers, p.Number) || !r.Time.Equal(e.clock.Now()) {
			t.Errorf("pending request = %+v, want id %q, service, browser, IP, three numbers with %d", r, p.ID, p.Number)
		}
		st, err := app.Answer(t.Context(), p.ID, true, p.Number, pin)
		if err != nil || st != store.AppRequestApproved {
			t.Fatalf("Answer(approve, right number and PIN) = %q, %v; want approved", st, err)
		}
		if st, err := e.svc.WaitPush(t.Context(), userID, p.ID, "flow-1"); st != store.AppRequestApproved || err != nil {
			t.Errorf("WaitPush = %q, %v; want approved", st, err)
		}
		if _, err := e.svc.PushState(t.Context(), p.ID, "flow-2"); !errors.Is(err, mobileapp.ErrNotFound) {
			t.Errorf("PushState(another flow) = %v, want ErrNotFound", err)
		}

		// Deny needs no PIN.
		p2 := e.push(t, "", "flow-2")
		if st, err := app.Answer(t.Context(), p2.ID, false, 0, ""); st != store.AppRequestDenied || err != nil {
			t.Errorf("Answer(deny) = %q, %v; want denied", st, err)
		}
	})
}

func TestEnrolmentRefusals(t *testing.T) {
	e := newEnv(t, storetest.OpenSQLite)
	ctx := t.Context()
	for _, weak := range []string{"0000", "1234", "9876", "1212", "12a4", "123"} {
		if _, err := e.svc.StartEnrolment(ctx, userID, "x", weak); err == nil {
			t.Errorf("StartEnrolment(PIN %q) = nil, want a refusal", weak)
		}
	}
	en, err := e.svc.StartEnrolment(ctx, userID, "Phone", pin)
	if err != nil {
		t.Fatal(err)
	}
	if st, _, _ := e.svc.EnrolmentStatus(ctx, userID, en.ID); st != mobileapp.EnrolWaiting {
		t.Errorf("EnrolmentStatus before scanning = %q, want waiting", st)
	}
	app := e.app(t, "a")
	acct, err := app.Enrol(ctx, en.URI, "x", "1357")
	if apiCode(err) != "wrong_pin" {
		t.Fatalf("Enrol(wrong PIN) = %v, want wrong_pin", err)
	}
	if st, _, _ := e.svc.EnrolmentStatus(ctx, userID, en.ID); st != mobileapp.EnrolClaimed {
		t.Errorf("EnrolmentStatus after a wrong PIN = %q, want claimed", st)
	}
	if _, err := e.app(t, "b").Enrol(ctx, en.URI, "x", pin); apiCode(err) != "invalid_code" {
		t.Errorf("Enrol(code used) = %v, want invalid_code", err)
	}
	if _, err := app.Confirm(ctx, acct.DeviceID, pin); err != nil {
		t.Errorf("Confirm(right PIN) = %v", err)
	}
	if _, err := app.Confirm(ctx, acct.DeviceID, pin); apiCode(err) != "answered" {
		t.Errorf("Confirm(again) = %v, want answered", err)
	}
	en2, _ := e.svc.StartEnrolment(ctx, userID, "Late", pin)
	e.clock.Advance(mobileapp.DefaultEnrolTTL)
	if _, err := e.app(t, "c").Enrol(ctx, en2.URI, "x", pin); apiCode(err) != "invalid_code" {
		t.Errorf("Enrol(expired code) = %v, want invalid_code", err)
	}
	if st, _, _ := e.svc.EnrolmentStatus(ctx, userID, en2.ID); st != mobileapp.EnrolExpired {
		t.Errorf("EnrolmentStatus(expired) = %q, want expired", st)
	}
	if _, _, err := authenticator.ParseEnrolURI("eulogin-app://enrol?v=1&s=http://idp.example.eu&c=x"); err == nil {
		t.Errorf("ParseEnrolURI(plain HTTP, not loopback) = nil, want a refusal")
	}
}

func TestPushRefusals(t *testing.T) {
	engines(t, func(t *testing.T, open func(t *testing.T) *store.DB) {
		e := newEnv(t, open)
		ctx := t.Context()
		appA, acctA := e.enrol(t, "A")
		appB, acctB := e.enrol(t, "B")

		t.Run("WrongNumber", func(t *testing.T) {
			p := e.push(t, "", "flow-n")
			r := pending(t, appA, p.ID)
			wrong := r.Numbers[slices.IndexFunc(r.Numbers, func(n int) bool { return n != p.Number })]
			if _, err := appA.Answer(ctx, p.ID, true, wrong, pin); apiCode(err) != "wrong_number" {
				t.Errorf("Answer(wrong number) = %v, want wrong_number", err)
			}
			if st, _ := e.svc.PushState(ctx, p.ID, "flow-n"); st != store.AppRequestWrongNumber {
				t.Errorf("PushState = %q, want wrong_number", st)
			}
		})
		t.Run("Replay", func(t *testing.T) {
			p := e.push(t, "", "flow-r")
			if _, err := appA.Answer(ctx, p.ID, true, p.Number, pin); err != nil {
				t.Fatal(err)
			}
			e.rec.mu.Lock()
			body, url := e.rec.last, e.rec.url
			e.rec.mu.Unlock()
			resp, err := http.Post(url, "application/json", bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusConflict {
				t.Errorf("replayed answer: status %d, want 409", resp.StatusCode)
			}
		})
		t.Run("Expired", func(t *testing.T) {
			p := e.push(t, "", "flow-e")
			r := pending(t, appA, p.ID)
			e.clock.Advance(mobileapp.RequestTTL)
			if _, err := appA.AnswerRequest(ctx, r, true, p.Number, pin); apiCode(err) != "expired" {
				t.Errorf("Answer(expired) = %v, want expired", err)
			}
			if st, _ := e.svc.PushState(ctx, p.ID, "flow-e"); st != store.AppRequestExpired {
				t.Errorf("PushState = %q, want expired", st)
			}
		})
		t.Run("OtherDevice", func(t *testing.T) {
			p := e.push(t, acctA.DeviceID, "flow-o")
			r := pending(t, appA, p.ID)
			// B's key claiming to be A.
			forged := *acctB
			forged.DeviceID = acctA.DeviceID
			r.Account = &forged
			if _, err := appB.AnswerRequest(ctx, r, true, p.Number, pin); apiCode(err) != "invalid_signature" {
				t.Errorf("Answer(signed by B as A) = %v, want invalid_signature", err)
			}
			// B as itself, for a request sent to A.
			r.Account = acctB
			if _, err := appB.AnswerRequest(ctx, r, true, p.Number, pin); apiCode(err) != "unknown_device" {
				t.Errorf("Answer(B, request for A) = %v, want unknown_device", err)
			}
			if rs, _ := appB.Pending(ctx); slices.ContainsFunc(rs, func(x authenticator.Request) bool { return x.ID == p.ID }) {
				t.Errorf("B's pending requests hold A's request %q", p.ID)
			}
			if st, err := appA.Answer(ctx, p.ID, true, p.Number, pin); st != store.AppRequestApproved || err != nil {
				t.Errorf("Answer(A) after B's attempts = %q, %v; want approved", st, err)
			}
		})
		t.Run("WrongPINLocks", func(t *testing.T) {
			p := e.push(t, acctB.DeviceID, "flow-p")
			for left := mobileapp.MaxPINAttempts - 1; left >= 1; left-- {
				_, err := appB.Answer(ctx, p.ID, true, p.Number, "1357")
				if ae, ok := errors.AsType[*authenticator.APIError](err); !ok || ae.Code != "wrong_pin" || ae.AttemptsLeft != left {
					t.Fatalf("Answer(wrong PIN) = %v, want wrong_pin with %d left", err, left)
				}
			}
			r := pending(t, appB, p.ID)
			if _, err := appB.AnswerRequest(ctx, r, true, p.Number, "1357"); apiCode(err) != "locked" {
				t.Fatalf("Answer(5th wrong PIN) = %v, want locked", err)
			}
			if st, _ := e.svc.PushState(ctx, p.ID, "flow-p"); st != store.AppRequestLocked {
				t.Errorf("PushState after lock = %q, want locked", st)
			}
			if _, err := appB.AnswerRequest(ctx, r, true, p.Number, pin); apiCode(err) != "locked" {
				t.Errorf("Answer(right PIN, locked device) = %v, want locked", err)
			}
			if _, err := appB.Pending(ctx); apiCode(err) != "locked" {
				t.Errorf("Pending(locked device) = %v, want locked", err)
			}
			if _, err := e.svc.StartPush(ctx, mobileapp.PushRequest{UserID: userID, DeviceID: acctB.DeviceID, FlowID: "f"}); !errors.Is(err, mobileapp.ErrNoDevice) {
				t.Errorf("StartPush(locked device) = %v, want ErrNoDevice", err)
			}
		})
		t.Run("RemovedDevice", func(t *testing.T) {
			p := e.push(t, acctA.DeviceID, "flow-x")
			qr, err := e.svc.StartQR(ctx, userID, acctA.DeviceID, "flow-x")
			if err != nil {
				t.Fatal(err)
			}
			r := pending(t, appA, p.ID)
			otp, _, err := appA.OTP(qr.URI)
			if err != nil {
				t.Fatal(err)
			}
			if err := e.db.DeleteAppDevice(ctx, userID, acctA.DeviceID); err != nil {
				t.Fatal(err)
			}
			if _, err := appA.AnswerRequest(ctx, r, true, p.Number, pin); apiCode(err) != "not_found" && apiCode(err) != "unknown_device" {
				t.Errorf("Answer(removed device) = %v, want not_found or unknown_device", err)
			}
			if _, err := appA.Pending(ctx); apiCode(err) != "unknown_device" {
				t.Errorf("Pending(removed device) = %v, want unknown_device", err)
			}
			if _, err := e.svc.PushState(ctx, p.ID, "flow-x"); !errors.Is(err, mobileapp.ErrNotFound) {
				t.Errorf("PushState(request of removed device) = %v, want ErrNotFound", err)
			}
			if _, err := e.svc.VerifyQR(ctx, qr.ID, "flow-x", otp); !errors.Is(err, mobileapp.ErrNotFound) {
				t.Errorf("VerifyQR(removed device) = %v, want ErrNotFound", err)
			}
			if _, err := e.svc.StartPush(ctx, mobileapp.PushRequest{UserID: userID, FlowID: "f"}); !errors.Is(err, mobileapp.ErrNoDevice) {
				t.Errorf("StartPush(no usable device left) = %v, want ErrNoDevice", err)
			}
		})
	})
}

func TestQRLogin(t *testing.T) {
	engines(t, func(t *testing.T, open func(t *testing.T) *store.DB) {
		e := newEnv(t, open)
		ctx := t.Context()
		appA, acctA := e.enrol(t, "A")
		appB, acctB := e.enrol(t, "B")

		qr, err := e.svc.StartQR(ctx, userID, acctA.DeviceID, "flow-1")
		if err != nil {
			t.Fatal(err)
		}
		uri := decodePNG(t, qr.URI)
		otp, acct, err := appA.OTP(uri)
		if err != nil || acct.DeviceID != acctA.DeviceID || len(otp) != 9 {
			t.Fatalf("OTP = %q, %v, %v; want XXXX-XXXX for device A", otp, acct, err)
		}
		if _, _, err := appB.OTP(uri); err == nil {
			t.Errorf("OTP(device B, QR for A) = nil error, want a refusal")
		}
		// B's secret on A's challenge: what a QR for another device gives.
		challenge := strings.SplitN(strings.SplitN(uri, "c=", 2)[1], "&", 2)[0]
		fromB := authenticator.DeriveOTP(b64(t, acctB.OTPSecret), challenge)
		if _, err := e.svc.VerifyQR(ctx, qr.ID, "flow-1", fromB); !errors.Is(err, mobileapp.ErrWrongOTP) {
			t.Errorf("VerifyQR(OTP of device B) = %v, want ErrWrongOTP", err)
		}
		// Another login attempt.
		qr2, err := e.svc.StartQR(ctx, userID, acctA.DeviceID, "flow-2")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.VerifyQR(ctx, qr.ID, "flow-2", otp); !errors.Is(err, mobileapp.ErrNotFound) {
			t.Errorf("VerifyQR(challenge of flow 1 in flow 2) = %v, want ErrNotFound", err)
		}
		if _, err := e.svc.VerifyQR(ctx, qr2.ID, "flow-2", otp); !errors.Is(err, mobileapp.ErrWrongOTP) {
			t.Errorf("VerifyQR(OTP of flow 1 typed in flow 2) = %v, want ErrWrongOTP", err)
		}
		d, err := e.svc.VerifyQR(ctx, qr.ID, "flow-1", strings.ToLower(otp))
		if err != nil || d.ID != acctA.DeviceID {
			t.Fatalf("VerifyQR(right OTP, lower case) = %v, %v; want device A", d, err)
		}
		if _, err := e.svc.VerifyQR(ctx, qr.ID, "flow-1", otp); !errors.Is(err, mobileapp.ErrAnswered) {
			t.Errorf("VerifyQR(again) = %v, want ErrAnswered", err)
		}

		qr3, _ := e.svc.StartQR(ctx, userID, acctA.DeviceID, "flow-3")
		otp3, _, _ := appA.OTP(qr3.URI)
		e.clock.Advance(mobileapp.QRTTL)
		if _, _, err := appA.OTP(qr3.URI); err == nil {
			t.Errorf("OTP(expired QR) = nil error, want a refusal")
		}
		if _, err := e.svc.VerifyQR(ctx, qr3.ID, "flow-3", otp3); !errors.Is(err, mobileapp.ErrExpired) {
			t.Errorf("VerifyQR(expired) = %v, want ErrExpired", err)
		}

		// Throttle: the AppOTP limit wrong passwords across challenges (two were
		// typed above), then even the right one waits.
		var last *mobileapp.QR
		for i := 0; i < regulation.DefaultPolicy()[regulation.AppOTP].Max-2; i++ {
			if i%(mobileapp.MaxOTPAttempts-1) == 0 {
				last, _ = e.svc.StartQR(ctx, userID, acctA.DeviceID, "flow-t")
			}
			if _, err := e.svc.VerifyQR(ctx, last.ID, "flow-t", "AAAA-AAAA"); !errors.Is(err, mobileapp.ErrWrongOTP) {
				t.Fatalf("VerifyQR(wrong #%d) = %v, want ErrWrongOTP", i+1, err)
			}
		}
		right, _, _ := appA.OTP(last.URI)
		if _, err := e.svc.VerifyQR(ctx, last.ID, "flow-t", right); !errors.Is(err, mobileapp.ErrThrottled) {
			t.Errorf("VerifyQR(after %d wrong) = %v, want ErrThrottled", regulation.DefaultPolicy()[regulation.AppOTP].Max, err)
		}
	})
}

func b64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := mobileapp.B64.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDeriveOTPMatchesServer(t *testing.T) {
	for i, c := range []string{"", "a", "ABCDEFGHIJKLMNOPQRSTUVWXYZ.abc.1700000000"} {
		secret := bytes.Repeat([]byte{byte(i)}, 32)
		if got, want := authenticator.DeriveOTP(secret, c), mobileapp.OTP(secret, c); got != want {
			t.Errorf("DeriveOTP(%q) = %q, server OTP = %q", c, got, want)
		}
	}
	// A fixed vector, also given in docs/mobile-app-protocol.md.
	if got := authenticator.DeriveOTP(bytes.Repeat([]byte{0x01}, 32), "challenge"); got != otpVector {
		t.Errorf("DeriveOTP(32×0x01, \"challenge\") = %q, want %q", got, otpVector)
	}
}

func TestKeystorePermissions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.json")
	k, _ := authenticator.LoadKeystore(path)
	if err := k.Save(); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := authenticator.LoadKeystore(path); err == nil {
		t.Errorf("LoadKeystore(mode 0644) = nil error, want a refusal")
	}
}

// TestRemoveFromApp removes an account from the app: the server removes the
// device at the device's signed request, returns it once, and refuses a
// replay, a forged signature and a stale timestamp.
func TestRemoveFromApp(t *testing.T) {
	engines(t, func(t *testing.T, open func(t *testing.T) *store.DB) {
		e := newEnv(t, open)
		appA, a := e.enrol(t, "phone-a")
		appB, b := e.enrol(t, "phone-b")

		// A removal of A signed with B's key.
		forger := e.app(t, "forger")
		forged := *b
		forged.DeviceID = a.DeviceID
		forger.Keys.Accounts = append(forger.Keys.Accounts, forged)
		if err := forger.Remove(t.Context(), a.DeviceID, false); apiCode(err) != "invalid_signature" {
			t.Errorf("removal of A signed by B = %v, want invalid_signature", err)
		}

		// A stale removal (clock 5 minutes ahead of the server) is refused.
		stale := &authenticator.Authenticator{Keys: appA.Keys, HTTP: &http.Client{Transport: e.rec}, Now: func() time.Time { return e.clock.Now().Add(5 * time.Minute) }}
		if err := stale.Remove(t.Context(), a.DeviceID, false); apiCode(err) != "stale" {
			t.Errorf("stale Remove = %v, want stale", err)
		}
		if len(appA.Keys.Accounts) != 1 {
			t.Fatal("a refused removal forgot the keys")
		}

		if err := appA.Remove(t.Context(), a.DeviceID, false); err != nil {
			t.Fatalf("Remove = %v", err)
		}
		if len(appA.Keys.Accounts) != 0 {
			t.Error("Remove kept the account's keys")
		}
		if _, err := e.db.AppDeviceByID(t.Context(), a.DeviceID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("device A after Remove: %v, want ErrNotFound", err)
		}
		if !slices.Equal(e.removed, []string{"phone-a"}) {
			t.Errorf("devices Remove returned = %v, want [phone-a]", e.removed)
		}
		e.rec.mu.Lock()
		body, url := e.rec.last, e.rec.url
		e.rec.mu.Unlock()
		resp, err := http.Post(url, "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		var answer struct{ Error string }
		json.NewDecoder(resp.Body).Decode(&answer)
		resp.Body.Close()
		if !strings.HasSuffix(url, "/app/v1/remove") || answer.Error != "unknown_device" {
			t.Errorf("replayed removal to %s = %q, want unknown_device", url, answer.Error)
		}
		if len(e.removed) != 1 {
			t.Errorf("Remove returned a device again for the replay: %v", e.removed)
		}

		// B still works.
		p := e.push(t, "", "flow-after-removal")
		if st, err := appB.AnswerRequest(t.Context(), pending(t, appB, p.ID), true, p.Number, pin); err != nil || st != "approved" {
			t.Errorf("B after A's removal: %q, %v", st, err)
		}
	})
}
