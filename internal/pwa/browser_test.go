package pwa_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/serviceworker"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"eulogin/internal/pwa"
	"eulogin/internal/web"
)

// This file runs the app in headless Chromium against fakeIdP, a small
// implementation of the protocol's server side (docs/mobile-app-protocol.md)
// that checks every signature with Go's crypto/ecdsa: enrolment with a
// wrong then a right PIN, push requests approved and denied, a push message
// through the service worker, the offline QR code (with the network cut),
// the languages, and removal. The IdP's own end-to-end tests drive the real
// server; this one pins the app to the protocol, including the endpoints
// the server may not have yet (/app/v1/push/key, /app/v1/remove).

var b64 = base64.RawURLEncoding

const (
	fakeCode = "enrol-code-123"
	fakePIN  = "2468"
)

type fakeDevice struct {
	pub       *ecdsa.PublicKey
	name      string
	confirmed bool
	attempts  int
}

type fakeRequest struct {
	ID        string `json:"id"`
	Challenge string `json:"challenge"`
	Service   string `json:"service"`
	Browser   string `json:"browser"`
	IP        string `json:"ip"`
	Time      int64  `json:"time"`
	Expires   int64  `json:"expires"`
	Numbers   []int  `json:"numbers"`
	device    string
	shown     int  // the number the browser shows
	silent    bool // not given to a long poll: only a listing without wait sees it
}

type fakeAnswer struct {
	ID, Decision, PIN string
	Number            int
}

type fakeIdP struct {
	t      *testing.T
	qrKey  *ecdsa.PrivateKey
	secret []byte

	mu         sync.Mutex
	devices    map[string]*fakeDevice
	pending    []*fakeRequest
	answers    []fakeAnswer
	removed    []string
	subscribed []string
	vapid      string // the VAPID key offered, "" for none
	problems   []string
	wake       chan struct{}
}

func newFakeIdP(t *testing.T) *fakeIdP {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	secret := make([]byte, 32)
	rand.Read(secret)
	return &fakeIdP{t: t, qrKey: k, secret: secret, devices: map[string]*fakeDevice{}, wake: make(chan struct{})}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func refuse(w http.ResponseWriter, status int, code string, extra ...any) {
	body := map[string]any{"v": 1, "error": code, "message": code}
	if len(extra) == 2 {
		body[extra[0].(string)] = extra[1]
	}
	writeJSON(w, status, body)
}

// verify checks a device's raw r‖s signature of msg and the timestamp.
func (f *fakeIdP) verify(deviceID, msg, sig string, ts int64) (*fakeDevice, bool) {
	f.mu.Lock()
	d := f.devices[deviceID]
	f.mu.Unlock()
	if d == nil {
		return nil, false
	}
	raw, err := b64.DecodeString(sig)
	if err != nil || len(raw) != 64 {
		f.problem("malformed signature %q for %q", sig, msg)
		return d, false
	}
	sum := sha256.Sum256([]byte(msg))
	if !ecdsa.Verify(d.pub, sum[:], new(big.Int).SetBytes(raw[:32]), new(big.Int).SetBytes(raw[32:])) {
		f.problem("signature of %q does not verify", msg)
		return d, false
	}
	if now := time.Now().Unix(); ts < now-120 || ts > now+120 {
		f.problem("stale timestamp %d in %q", ts, msg)
		return d, false
	}
	return d, true
}

func (f *fakeIdP) problem(format string, args ...any) {
	f.mu.Lock()
	f.problems = append(f.problems, fmt.Sprintf(format, args...))
	f.mu.Unlock()
}

func (f *fakeIdP) add(r *fakeRequest) {
	f.mu.Lock()
	f.pending = append(f.pending, r)
	close(f.wake)
	f.wake = make(chan struct{})
	f.mu.Unlock()
}

func (f *fakeIdP) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /app/v1/enrol", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			V                           int
			Code, PublicKey, DeviceName string
		}
		var raw map[string]any
		if json.NewDecoder(r.Body).Decode(&raw) != nil || raw["v"] != float64(1) {
			refuse(w, 400, "bad_request")
			return
		}
		req.Code, _ = raw["code"].(string)
		req.PublicKey, _ = raw["public_key"].(string)
		req.DeviceName, _ = raw["device_name"].(string)
		if req.Code != fakeCode {
			refuse(w, 404, "invalid_code")
			return
		}
		pb, err := b64.DecodeString(req.PublicKey)
		if err != nil {
			refuse(w, 400, "bad_request")
			return
		}
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), pb)
		if err != nil {
			refuse(w, 400, "bad_request")
			return
		}
		qr, _ := f.qrKey.PublicKey.Bytes()
		f.mu.Lock()
		id := "dev-" + strconv.Itoa(len(f.devices)+1)
		f.devices[id] = &fakeDevice{pub: pub, name: req.DeviceName}
		f.mu.Unlock()
		resp := map[string]any{"v": 1, "device_id": id, "device_name": "My phone", "account": "alice@example.org",
			"otp_secret": b64.EncodeToString(f.secret), "qr_key": b64.EncodeToString(qr), "pin_length": 4}
		f.mu.Lock()
		if f.vapid != "" {
			resp["vapid_key"] = f.vapid
		}
		f.mu.Unlock()
		writeJSON(w, 200, resp)
	})
	mux.HandleFunc("POST /app/v1/enrol/confirm", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			V         int    `json:"v"`
			DeviceID  string `json:"device_id"`
			PIN       string `json:"pin"`
			Timestamp int64  `json:"timestamp"`
			Signature string `json:"signature"`
		}
		json.NewDecoder(r.Body).Decode(&req)
		d, ok := f.verify(req.DeviceID, fmt.Sprintf("v1|confirm|%s|%d", req.DeviceID, req.Timestamp), req.Signature, req.Timestamp)
		if d == nil || !ok || req.V != 1 {
			refuse(w, 401, "invalid_signature")
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		if req.PIN != fakePIN {
			d.attempts++
			refuse(w, 403, "wrong_pin", "attempts_left", 5-d.attempts)
			return
		}
		d.attempts, d.confirmed = 0, true
		writeJSON(w, 200, map[string]any{"v": 1, "state": "confirmed"})
	})
	mux.HandleFunc("GET /app/v1/nonce", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"v": 1, "nonce": "nonce-" + strconv.FormatInt(time.Now().UnixNano(), 36), "expires": time.Now().Add(time.Minute).Unix()})
	})
	mux.HandleFunc("GET /app/v1/requests", func(w http.ResponseWriter, r *http.Request) {
		dev, nonce := r.URL.Query().Get("device"), r.Header.Get("X-EULogin-Nonce")
		ts, _ := strconv.ParseInt(r.Header.Get("X-EULogin-Timestamp"), 10, 64)
		if !strings.HasPrefix(nonce, "nonce-") {
			f.problem("listing without a nonce")
		}
		d, ok := f.verify(dev, fmt.Sprintf("v1|requests|%s|%s|%d", dev, nonce, ts), r.Header.Get("X-EULogin-Signature"), ts)
		if d == nil {
			refuse(w, 401, "unknown_device")
			return
		}
		if !ok {
			refuse(w, 401, "invalid_signature")
			return
		}
		wait, _ := strconv.Atoi(r.URL.Query().Get("wait"))
		deadline := time.After(time.Duration(min(wait, 25)) * time.Second)
		for {
			f.mu.Lock()
			out := []*fakeRequest{}
			for _, p := range f.pending {
				if p.device == dev && (wait == 0 || !p.silent) && time.Now().Unix() < p.Expires {
					out = append(out, p)
				}
			}
			wake := f.wake
			f.mu.Unlock()
			if len(out) > 0 || wait == 0 {
				writeJSON(w, 200, map[string]any{"v": 1, "requests": out})
				return
			}
			select {
			case <-wake:
			case <-deadline:
				wait = 0
			case <-r.Context().Done():
				return
			}
		}
	})
	mux.HandleFunc("POST /app/v1/requests/{id}", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			V         int    `json:"v"`
			DeviceID  string `json:"device_id"`
			Decision  string `json:"decision"`
			Number    int    `json:"number"`
			PIN       string `json:"pin"`
			Timestamp int64  `json:"timestamp"`
			Signature string `json:"signature"`
		}
		json.NewDecoder(r.Body).Decode(&req)
		id := r.PathValue("id")
		f.mu.Lock()
		var p *fakeRequest
		for _, x := range f.pending {
			if x.ID == id {
				p = x
			}
		}
		f.mu.Unlock()
		if p == nil {
			refuse(w, 404, "not_found")
			return
		}
		msg := fmt.Sprintf("v1|%s|%s|%s|%d|%d", id, p.Challenge, req.Decision, req.Number, req.Timestamp)
		if _, ok := f.verify(req.DeviceID, msg, req.Signature, req.Timestamp); !ok || req.V != 1 {
			refuse(w, 401, "invalid_signature")
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		f.answers = append(f.answers, fakeAnswer{ID: id, Decision: req.Decision, PIN: req.PIN, Number: req.Number})
		for i, x := range f.pending {
			if x == p {
				f.pending = append(f.pending[:i], f.pending[i+1:]...)
				break
			}
		}
		switch {
		case req.Decision == "deny":
			writeJSON(w, 200, map[string]any{"v": 1, "state": "denied"})
		case req.PIN != fakePIN:
			f.pending = append(f.pending, p) // still pending
			refuse(w, 403, "wrong_pin", "attempts_left", 4)
		case req.Number != p.shown:
			refuse(w, 403, "wrong_number")
		default:
			writeJSON(w, 200, map[string]any{"v": 1, "state": "approved"})
		}
	})
	mux.HandleFunc("GET /app/v1/push/key", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		key := f.vapid
		f.mu.Unlock()
		if key == "" {
			refuse(w, 404, "not_found") // no Web Push on this server (yet)
			return
		}
		writeJSON(w, 200, map[string]any{"v": 1, "vapid_key": key})
	})
	mux.HandleFunc("POST /app/v1/push", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			V         int    `json:"v"`
			DeviceID  string `json:"device_id"`
			Endpoint  string `json:"endpoint"`
			P256dh    string `json:"p256dh"`
			Auth      string `json:"auth"`
			Timestamp int64  `json:"timestamp"`
			Signature string `json:"signature"`
		}
		json.NewDecoder(r.Body).Decode(&req)
		msg := fmt.Sprintf("v1|push|%s|%s|%d", req.DeviceID, req.Endpoint, req.Timestamp)
		if _, ok := f.verify(req.DeviceID, msg, req.Signature, req.Timestamp); !ok || req.V != 1 || req.P256dh == "" || req.Auth == "" {
			refuse(w, 401, "invalid_signature")
			return
		}
		f.mu.Lock()
		f.subscribed = append(f.subscribed, req.DeviceID)
		f.mu.Unlock()
		writeJSON(w, 200, map[string]any{"v": 1, "state": "subscribed"})
	})
	mux.HandleFunc("POST /app/v1/remove", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			V         int    `json:"v"`
			DeviceID  string `json:"device_id"`
			Timestamp int64  `json:"timestamp"`
			Signature string `json:"signature"`
		}
		json.NewDecoder(r.Body).Decode(&req)
		if _, ok := f.verify(req.DeviceID, fmt.Sprintf("v1|remove|%s|%d", req.DeviceID, req.Timestamp), req.Signature, req.Timestamp); !ok || req.V != 1 {
			refuse(w, 401, "invalid_signature")
			return
		}
		f.mu.Lock()
		delete(f.devices, req.DeviceID)
		f.removed = append(f.removed, req.DeviceID)
		f.mu.Unlock()
		writeJSON(w, 200, map[string]any{"v": 1, "state": "removed"})
	})
	mux.HandleFunc("/app/v1/", func(w http.ResponseWriter, r *http.Request) {
		refuse(w, 404, "not_found")
	})
	return mux
}

// otpURI makes the offline QR code text for device d, signed with the QR
// key, and the password the app must show.
func (f *fakeIdP) otpURI(t *testing.T, d string) (string, string) {
	c := "ABCDEFGHJKLMNPQRSTUVWXYZ23.Zmxvd3RhZ2Zsb3d0YWcx." + strconv.FormatInt(time.Now().Add(3*time.Minute).Unix(), 10)
	sum := sha256.Sum256([]byte("v1|qr|" + c + "|" + d))
	r, s, err := ecdsa.Sign(rand.Reader, f.qrKey, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	m := hmac.New(sha256.New, f.secret)
	m.Write([]byte(c))
	mac := m.Sum(nil)
	var v uint64
	for _, b := range mac[:5] {
		v = v<<8 | uint64(b)
	}
	const alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
	otp := make([]byte, 8)
	for i := 7; i >= 0; i-- {
		otp[i] = alphabet[v&31]
		v >>= 5
	}
	q := url.Values{"v": {"1"}, "c": {c}, "sig": {b64.EncodeToString(sig)}, "d": {d}}
	return "eulogin-app://otp?" + q.Encode(), string(otp[:4]) + "-" + string(otp[4:])
}

// startApp serves the app, /static/ and the fake API as the IdP mounts
// them, behind the IdP's security headers (its CSP).
func startApp(t *testing.T, f *fakeIdP) *httptest.Server {
	pages := http.NewServeMux()
	pages.Handle("GET /app/", pwa.Handler())
	pages.Handle("GET /static/", http.StripPrefix("/static/", web.StaticHandler()))
	outer := http.NewServeMux()
	outer.Handle("/app/v1/", f.routes())
	outer.Handle("/", pages)
	srv := httptest.NewServer(web.SecureHeaders(outer, false))
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
	})
	return srv
}

func chromiumPath(t *testing.T) string {
	for _, name := range []string{os.Getenv("EULOGIN_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("EULOGIN_REQUIRE_ALL") == "1" {
		t.Fatal("Chromium is required (EULOGIN_REQUIRE_ALL=1): apt-get install chromium")
	}
	t.Skip("the browser test needs Chromium (or EULOGIN_CHROMIUM)")
	return ""
}

// page drives one browser tab and collects its errors.
type page struct {
	t      *testing.T
	ctx    context.Context
	mu     sync.Mutex
	errs   []string
	swRegs []serviceworker.RegistrationID
}

func newPage(t *testing.T) *page {
	path := chromiumPath(t)
	profile, err := os.MkdirTemp("", "eulogin-pwa-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(profile) })
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "en-GB"), chromedp.UserDataDir(profile), chromedp.WindowSize(360, 740),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	ctx, cancelC := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelC(); cancelB(); cancelA() })
	p := &page{t: t, ctx: ctx}
	chromedp.ListenTarget(ctx, func(ev any) {
		var msg string
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			msg = "uncaught exception: " + ev.ExceptionDetails.Text
			if ev.ExceptionDetails.Exception != nil {
				msg += " " + ev.ExceptionDetails.Exception.Description
			}
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.APITypeError {
				msg = "console.error"
				for _, a := range ev.Args {
					msg += " " + string(a.Value) + a.Description
				}
			}
		case *cdplog.EventEntryAdded:
			// The protocol's refusals (403 wrong_pin, 404 push/key...)
			// are logged by Chromium as failed loads: answers, not errors.
			if ev.Entry.Source != cdplog.SourceNetwork && (ev.Entry.Level == cdplog.LevelError || strings.Contains(ev.Entry.Text, "Content Security Policy")) {
				msg = "log: " + ev.Entry.Text
			}
		case *serviceworker.EventWorkerRegistrationUpdated:
			p.mu.Lock()
			for _, r := range ev.Registrations {
				if strings.HasSuffix(r.ScopeURL, "/app/") && !r.IsDeleted {
					p.swRegs = append(p.swRegs, r.RegistrationID)
				}
			}
			p.mu.Unlock()
		}
		if msg != "" {
			p.mu.Lock()
			p.errs = append(p.errs, msg)
			p.mu.Unlock()
		}
	})
	p.run("start", chromedp.EmulateViewport(360, 740), serviceworker.Enable(), runtime.Enable(), cdplog.Enable())
	t.Cleanup(func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		for _, e := range p.errs {
			t.Errorf("browser: %s", e)
		}
	})
	return p
}

func (p *page) run(what string, actions ...chromedp.Action) {
	p.t.Helper()
	if err := chromedp.Run(p.ctx, actions...); err != nil {
		var body string
		ctx, cancel := context.WithTimeout(p.ctx, 3*time.Second)
		defer cancel()
		chromedp.Run(ctx, chromedp.Text("main", &body, chromedp.ByQuery))
		p.t.Fatalf("%s: %v\npage:\n%s", what, err, strings.TrimSpace(body))
	}
}

// visible is a JavaScript test that an element is shown and, when text is
// not empty, contains it.
func visible(sel, text string) string {
	return fmt.Sprintf(`(() => { const e = document.querySelector(%q); return !!e && !e.closest("[hidden]") && e.getClientRects().length > 0 && e.textContent.includes(%q); })()`, sel, text)
}

// await waits until the element is shown with the text.
func (p *page) await(what, sel, text string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Run(ctx, chromedp.Poll(visible(sel, text), nil, chromedp.WithPollingInterval(100*time.Millisecond))); err != nil {
		var body string
		chromedp.Run(p.ctx, chromedp.Text("main", &body, chromedp.ByQuery))
		p.t.Fatalf("%s: %s with %q never shown: %v\npage:\n%s", what, sel, text, err, strings.TrimSpace(body))
	}
}

func (p *page) eval(what, js string, out any) {
	p.t.Helper()
	p.run(what, chromedp.Evaluate(js, out, func(e *runtime.EvaluateParams) *runtime.EvaluateParams { return e.WithAwaitPromise(true) }))
}

// fill replaces a field's value and types text into it.
func (p *page) fill(sel, text string) chromedp.Action {
	return chromedp.Tasks{
		chromedp.Evaluate(fmt.Sprintf(`document.querySelector(%q).value = ""`, sel), nil),
		chromedp.SendKeys(sel, text, chromedp.ByQuery),
	}
}

// axe runs axe-core (EULOGIN_AXE, as in the IdP's browser tests) for WCAG
// 2.1 A and AA on the page as it is.
func (p *page) axe(where string) {
	p.t.Helper()
	path := os.Getenv("EULOGIN_AXE")
	if path == "" {
		if os.Getenv("EULOGIN_REQUIRE_ALL") == "1" {
			p.t.Fatal("the accessibility check needs axe-core (EULOGIN_REQUIRE_ALL=1): set EULOGIN_AXE to axe.min.js")
		}
		return
	}
	src, err := os.ReadFile(path)
	if err != nil {
		p.t.Fatalf("EULOGIN_AXE: %v", err)
	}
	var found []struct {
		ID, Help string
		Targets  []string
	}
	p.run("load axe", chromedp.Evaluate(string(src), nil))
	p.eval("axe", `axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
		.then(r => r.violations.map(v => ({ID: v.id, Help: v.help, Targets: v.nodes.map(n => n.target.join(' '))})))`, &found)
	for _, v := range found {
		p.t.Errorf("%s: axe %s: %s at %v", where, v.ID, v.Help, v.Targets)
	}
	// axe scrolls elements into view to measure colours and scrolls back:
	// let the page settle before the next click lands on coordinates.
	p.eval("settle", `new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(() => r(true), 50))))`, nil)
}

// fits checks that the page does not scroll sideways at phone width, runs
// axe, and with EULOGIN_PWA_SHOTS=<folder> saves a screenshot of the page.
func (p *page) fits(where string) {
	p.t.Helper()
	p.axe(where)
	if dir := os.Getenv("EULOGIN_PWA_SHOTS"); dir != "" {
		var shot []byte
		p.run("screenshot", chromedp.FullScreenshot(&shot, 100))
		name := strings.NewReplacer(" ", "-", "/", "-").Replace(where) + ".png"
		if err := os.WriteFile(filepath.Join(dir, name), shot, 0o644); err != nil {
			p.t.Error(err)
		}
	}
	var w struct{ Scroll, Inner int }
	p.eval("width", `({Scroll: document.documentElement.scrollWidth, Inner: window.innerWidth})`, &w)
	if w.Scroll > w.Inner {
		p.t.Errorf("%s: the page is %d px wide in a %d px window", where, w.Scroll, w.Inner)
	}
}

func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	f := newFakeIdP(t)
	vk, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	vb, _ := vk.PublicKey.Bytes()
	f.vapid = b64.EncodeToString(vb) // Web Push offered in the enrolment answer
	srv := startApp(t, f)
	p := newPage(t)
	enrolURI := "eulogin-app://enrol?" + url.Values{"v": {"1"}, "s": {srv.URL}, "c": {fakeCode}}.Encode()

	// Initialise: first screen without accounts.
	p.run("open the app", chromedp.Navigate(srv.URL+"/app/"))
	p.await("first screen", "#enrol-title", "Initialise the app")
	p.fits("enrol")
	var lang string
	p.eval("lang", `document.documentElement.lang`, &lang)
	if lang != "en" {
		t.Errorf("html lang = %q, want en", lang)
	}

	// A code of another server is refused before any network.
	other := "eulogin-app://enrol?" + url.Values{"v": {"1"}, "s": {"https://idp.example.org"}, "c": {fakeCode}}.Encode()
	p.run("other server", p.fill("#enrol-code", other), chromedp.Click("#enrol-submit", chromedp.ByQuery))
	p.await("other server refused", "#enrol-code-error", "another EU Login server (https://idp.example.org)")
	p.await("error summary", "#enrol-errors", "There is a problem")
	p.fits("enrol with an error")

	// The right code: keys made, answer stored, PIN asked.
	p.run("enrol", p.fill("#enrol-code", enrolURI), chromedp.Click("#enrol-submit", chromedp.ByQuery))
	p.await("PIN screen", "#pin-title", "Enter your PIN code")
	p.await("PIN hint", "#pin-input-hint", "4 digits")
	p.fits("PIN")
	var stored struct {
		PrivateExtractable, OTPExtractable, HasSecret bool
		QRKeyType, Account                            string
		PinLength                                     int
	}
	p.eval("stored keys", `new Promise((ok, fail) => {
		const r = indexedDB.open("eulogin-app", 1);
		r.onerror = () => fail(r.error);
		r.onsuccess = () => {
			const g = r.result.transaction("accounts").objectStore("accounts").get("dev-1");
			g.onsuccess = () => { const a = g.result; ok({PrivateExtractable: a.private_key.extractable,
				OTPExtractable: a.otp_key.extractable, HasSecret: JSON.stringify(Object.keys(a)).includes("otp_secret"),
				QRKeyType: a.qr_key.type, Account: a.account, PinLength: a.pin_length}); };
		};
	})`, &stored)
	if stored.PrivateExtractable || stored.OTPExtractable || stored.HasSecret || stored.QRKeyType != "public" || stored.Account != "alice@example.org" || stored.PinLength != 4 {
		t.Errorf("stored account = %+v; want non-extractable keys, no raw OTP secret, the QR public key", stored)
	}
	f.mu.Lock()
	if d := f.devices["dev-1"]; d == nil || d.name == "" {
		t.Errorf("the app proposed no device name")
	}
	f.mu.Unlock()

	// A wrong PIN, then the right one.
	p.run("wrong PIN", p.fill("#pin-input", "1111"), chromedp.Click("#pin-submit", chromedp.ByQuery))
	p.await("wrong PIN refused", "#pin-input-error", "Attempts left before this device is locked: 4")
	p.run("short PIN", p.fill("#pin-input", "12"), chromedp.Click("#pin-submit", chromedp.ByQuery))
	p.await("short PIN refused", "#pin-input-error", "Enter a PIN code of 4 digits")
	p.run("right PIN", p.fill("#pin-input", fakePIN), chromedp.Click("#pin-submit", chromedp.ByQuery))
	p.await("initialised", "#done-title", "Your device has been initialised")
	p.await("push offered", "#done-push button", "Allow notifications")
	p.fits("done")
	p.run("continue", chromedp.Click("#done-continue", chromedp.ByQuery))
	p.await("home", "#home-status", "No login request at the moment")
	p.await("account listed", "#home-accounts", "alice@example.org")

	// A push request, approved with the number and the PIN.
	now := time.Now().Unix()
	f.add(&fakeRequest{ID: "req-1", Challenge: "chal-1", Service: "ECI portal", Browser: "Firefox on Linux", IP: "192.0.2.10",
		Time: now, Expires: now + 120, Numbers: []int{17, 42, 89}, device: "dev-1", shown: 42})
	p.await("request shown", ".app-request h2", "Login request for ECI portal")
	for _, s := range []string{"Firefox on Linux", "192.0.2.10", "alice@example.org", "Pick the number shown on your computer's screen"} {
		p.await("request details", ".app-request", s)
	}
	p.fits("request")
	p.run("approve without number", chromedp.Click(".app-request button[type=submit]", chromedp.ByQuery))
	p.await("number required", ".app-request .error-summary", "Pick the number shown on your computer's screen")
	p.run("approve", chromedp.Click(`//section[@id="screen-home"]//button[normalize-space(.)="42"]`, chromedp.BySearch),
		p.fill(".app-request input[type=password]", fakePIN), chromedp.Click(".app-request button[type=submit]", chromedp.ByQuery))
	p.await("approved", ".app-outcome", "You can continue on your computer.")
	p.fits("approved")

	// Another, denied: no PIN needed.
	now = time.Now().Unix()
	f.add(&fakeRequest{ID: "req-2", Challenge: "chal-2", Service: "Portal B", Browser: "Chrome on Windows", IP: "198.51.100.7",
		Time: now, Expires: now + 120, Numbers: []int{11, 23, 35}, device: "dev-1", shown: 23})
	p.await("second request", "[data-request=req-2] h2", "Login request for Portal B")
	// The numbers are a radio group for the keyboard: arrows move and pick.
	var checked string
	p.run("arrow keys", chromedp.Focus(`[data-request=req-2] [data-number="11"]`, chromedp.ByQuery),
		chromedp.KeyEvent(kb.ArrowRight), chromedp.KeyEvent(kb.ArrowRight), chromedp.KeyEvent(kb.ArrowRight), chromedp.KeyEvent(kb.ArrowLeft),
		chromedp.Evaluate(`[...document.querySelectorAll('[data-request=req-2] [role=radio]')].map(b => b.getAttribute("aria-checked") + b.tabIndex + (document.activeElement === b ? "*" : "")).join(" ")`, &checked))
	if checked != "false-1 false-1 true0*" {
		t.Errorf("after → → → ←, the numbers are %q, want the third picked and focused (the only tab stop)", checked)
	}
	p.run("deny", chromedp.Click(`[data-request=req-2] [data-number="11"]`, chromedp.ByQuery),
		chromedp.Click(`//article[@data-request="req-2"]//button[normalize-space()="Deny"]`, chromedp.BySearch))
	p.await("denied", "[data-request=req-2] .app-outcome", "Request denied")
	f.mu.Lock()
	want := []fakeAnswer{{ID: "req-1", Decision: "approve", PIN: fakePIN, Number: 42}, {ID: "req-2", Decision: "deny", Number: 11}}
	if fmt.Sprint(f.answers) != fmt.Sprint(want) {
		t.Errorf("answers = %+v, want %+v", f.answers, want)
	}
	f.mu.Unlock()

	// A push message through the service worker makes the app list at
	// once: the request is "silent", invisible to the long poll.
	var ready bool
	p.eval("service worker", `navigator.serviceWorker.ready.then(r => !!r.active)`, &ready)
	p.run("grant notifications", browser.GrantPermissions([]browser.PermissionType{browser.PermissionTypeNotifications}).WithOrigin(srv.URL))
	now = time.Now().Unix()
	f.add(&fakeRequest{ID: "req-3", Challenge: "chal-3", Service: "Silent service", Browser: "Edge", IP: "203.0.113.5",
		Time: now, Expires: now + 120, Numbers: []int{50, 60, 70}, device: "dev-1", shown: 60, silent: true})
	p.mu.Lock()
	regs := p.swRegs
	p.mu.Unlock()
	if len(regs) == 0 {
		t.Fatal("no service worker registration seen")
	}
	payload := `{"v":1,"type":"request","device_id":"dev-1","request_id":"req-3","service":"Silent service","expires":` + strconv.FormatInt(now+120, 10) + `}`
	p.run("push", serviceworker.DeliverPushMessage(srv.URL, regs[len(regs)-1], payload))
	p.await("pushed request", "[data-request=req-3] h2", "Login request for Silent service")

	// Offline QR code, with the network cut: the shell comes from the
	// service worker's cache.
	uri, otp := f.otpURI(t, "dev-1")
	p.run("go offline", network.Enable(), network.EmulateNetworkConditions(true, 0, -1, -1), chromedp.Reload())
	p.await("offline home", "#home-title", "Login requests")
	p.run("scan", chromedp.Click("#home-scan", chromedp.ByQuery))
	p.await("QR screen", "#qr-title", "Scan a QR code")
	p.run("QR text", p.fill("#qr-code", uri), chromedp.Click("#qr-submit", chromedp.ByQuery))
	p.await("one-time code", "#qr-otp", otp)
	var label string
	p.run("code label", chromedp.AttributeValue("#qr-otp", "aria-label", &label, nil, chromedp.ByQuery))
	if !strings.HasPrefix(label, "One-time code: ") {
		t.Errorf("one-time code aria-label = %q", label)
	}
	p.fits("qr")
	bad, _ := f.otpURI(t, "dev-9")
	p.run("QR of another device", chromedp.Click("#qr-again", chromedp.ByQuery), p.fill("#qr-code", bad), chromedp.Click("#qr-submit", chromedp.ByQuery))
	p.await("other device refused", "#qr-code-error", "not added to this app")
	p.run("go online", network.EmulateNetworkConditions(false, 0, -1, -1), chromedp.Click("#qr-back", chromedp.ByQuery))

	// Languages: French, then German.
	p.run("French", chromedp.SetValue("#lang", "fr", chromedp.ByQuery), chromedp.Evaluate(`document.getElementById("lang").dispatchEvent(new Event("change"))`, nil))
	p.await("French home", "#home-title", "Demandes de connexion")
	p.await("French request", "[data-request=req-3] h2", "Demande de connexion pour Silent service")
	p.fits("home in French")
	p.eval("lang", `document.documentElement.lang`, &lang)
	if lang != "fr" {
		t.Errorf("html lang = %q, want fr", lang)
	}
	// Every official language has its catalogue now: German is German,
	// with no fallback note.
	p.run("German", chromedp.SetValue("#lang", "de", chromedp.ByQuery), chromedp.Evaluate(`document.getElementById("lang").dispatchEvent(new Event("change"))`, nil))
	p.await("German home", "#home-title", catalogues(t)["de"]["home.title"].Text)
	var noteHidden bool
	p.eval("note", `document.getElementById("lang-note").hidden`, &noteHidden)
	if !noteHidden {
		t.Error("German shows the fallback note, but it has a catalogue")
	}
	p.run("English again", chromedp.SetValue("#lang", "en", chromedp.ByQuery), chromedp.Evaluate(`document.getElementById("lang").dispatchEvent(new Event("change"))`, nil))

	// "Allow notifications": whatever the browser's push service does, the
	// app ends with a clear state (headless Chromium usually has no push
	// service).
	p.run("reload with push", browser.ResetPermissions(), chromedp.Reload())
	p.await("allow button", "#home-push button", "Allow notifications")
	p.run("allow", browser.GrantPermissions([]browser.PermissionType{browser.PermissionTypeNotifications}).WithOrigin(srv.URL),
		chromedp.Click("#home-push button", chromedp.ByQuery))
	pushCtx, cancelPush := context.WithTimeout(p.ctx, 30*time.Second)
	var pushState string
	err = chromedp.Run(pushCtx, chromedp.Poll(`(() => { const s = document.querySelector("#home-push [role=status]"); return s && s.textContent; })()`, &pushState))
	cancelPush()
	switch {
	case err != nil:
		t.Errorf("after Allow notifications: no state shown: %v", err)
	case pushState == "Notifications are on. You will be told of new login requests.":
		f.mu.Lock()
		if fmt.Sprint(f.subscribed) != "[dev-1]" {
			t.Errorf("push on, but the subscription was registered for %v", f.subscribed)
		}
		f.mu.Unlock()
	case pushState != "Notifications are not available; keep the app open to receive requests.":
		t.Errorf("after Allow notifications: %q", pushState)
	}
	t.Logf("Allow notifications: %s", pushState)

	// Forgotten PIN code.
	p.run("forgotten PIN", chromedp.Click(`//button[normalize-space()="Forgotten PIN code"]`, chromedp.BySearch))
	p.await("PIN help", "#pinhelp-title", "Forgotten PIN code")
	var href string
	p.run("My Account link", chromedp.AttributeValue("#pinhelp-link", "href", &href, nil, chromedp.ByQuery))
	if href != srv.URL+"/account/devices" {
		t.Errorf("forgotten PIN link = %q", href)
	}
	p.fits("pinhelp")
	p.run("back", chromedp.Click("#pinhelp-back", chromedp.ByQuery))

	// Removal: signed, then the keys are gone and the app starts again.
	p.run("remove", chromedp.Click(`//button[normalize-space()="Remove this account"]`, chromedp.BySearch))
	p.await("remove screen", "#remove-lead", "alice@example.org")
	p.fits("remove")
	p.run("confirm removal", chromedp.Click("#remove-confirm", chromedp.ByQuery))
	p.await("back to the start", "#enrol-title", "Initialise the app")
	f.mu.Lock()
	if fmt.Sprint(f.removed) != "[dev-1]" {
		t.Errorf("removed = %v, want [dev-1]", f.removed)
	}
	for _, pr := range f.problems {
		t.Errorf("server: %s", pr)
	}
	f.mu.Unlock()
	var left int
	p.eval("accounts left", `new Promise(ok => { const r = indexedDB.open("eulogin-app", 1); r.onsuccess = () => {
		const c = r.result.transaction("accounts").objectStore("accounts").count(); c.onsuccess = () => ok(c.result); }; })`, &left)
	if left != 0 {
		t.Errorf("%d accounts left in IndexedDB after removal", left)
	}
}
