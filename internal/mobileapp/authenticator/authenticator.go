package authenticator

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// b64 is the protocol's encoding of binary values: base64url, no padding.
var b64 = base64.RawURLEncoding

// otpAlphabet is the 32 characters of a one-time password.
const otpAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

// APIError is a refusal from the server: the protocol's error code, its
// message, and for a wrong PIN the attempts left.
type APIError struct {
	Status       int
	Code         string // e.g. "wrong_pin", "locked", "wrong_number", "answered", "expired"
	Message      string
	AttemptsLeft int
}

func (e *APIError) Error() string {
	if e.Code == "wrong_pin" {
		return fmt.Sprintf("%s (%d attempts left)", e.Message, e.AttemptsLeft)
	}
	return e.Message
}

// Authenticator is the app side of the protocol: it enrols, lists and
// answers push requests, and derives offline one-time passwords, for every
// account in its Keystore.
type Authenticator struct {
	Keys *Keystore
	HTTP *http.Client     // nil means http.DefaultClient
	Now  func() time.Time // nil means time.Now
}

func (a *Authenticator) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

func (a *Authenticator) client() *http.Client {
	if a.HTTP != nil {
		return a.HTTP
	}
	return http.DefaultClient
}

// ParseEnrolURI returns the server and the code of an enrolment QR code
// ("eulogin-app://enrol?v=1&s=...&c=..."). The server must use HTTPS, except
// on a loopback address (a development instance).
func ParseEnrolURI(uri string) (server, code string, err error) {
	u, err := url.Parse(strings.TrimSpace(uri))
	if err != nil || u.Scheme != "eulogin-app" || u.Host != "enrol" {
		return "", "", errors.New("authenticator: not an EU Login enrolment code")
	}
	q := u.Query()
	if q.Get("v") != "1" {
		return "", "", fmt.Errorf("authenticator: enrolment code of unsupported version %q", q.Get("v"))
	}
	server, code = strings.TrimSuffix(q.Get("s"), "/"), q.Get("c")
	s, err := url.Parse(server)
	if err != nil || code == "" || s.Host == "" {
		return "", "", errors.New("authenticator: incomplete enrolment code")
	}
	if s.Scheme != "https" && (s.Scheme != "http" || !isLoopback(s.Hostname())) {
		return "", "", fmt.Errorf("authenticator: server %s does not use HTTPS", server)
	}
	return server, code, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Enrol enrols this device with the enrolment URI of a QR code: it makes a
// P-256 key pair, registers the public key, stores the account, then proves
// the PIN chosen on the computer. When the PIN is refused the account stays
// stored unconfirmed and Confirm can be tried again.
func (a *Authenticator) Enrol(ctx context.Context, uri, deviceName, pin string) (*Account, error) {
	server, code, err := ParseEnrolURI(uri)
	if err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	pub, err := key.PublicKey.Bytes()
	if err != nil {
		return nil, err
	}
	var resp struct {
		DeviceID   string `json:"device_id"`
		DeviceName string `json:"device_name"`
		Account    string `json:"account"`
		OTPSecret  string `json:"otp_secret"`
		QRKey      string `json:"qr_key"`
		PINLength  int    `json:"pin_length"`
		VAPIDKey   string `json:"vapid_key"`
	}
	body := map[string]any{"v": 1, "code": code, "public_key": b64.EncodeToString(pub), "device_name": deviceName}
	if err := a.call(ctx, http.MethodPost, server+"/app/v1/enrol", nil, body, &resp); err != nil {
		return nil, err
	}
	if _, err := b64.DecodeString(resp.QRKey); err != nil || resp.DeviceID == "" {
		return nil, errors.New("authenticator: malformed enrolment answer")
	}
	raw, err := key.Bytes()
	if err != nil {
		return nil, err
	}
	acct := Account{Server: server, DeviceID: resp.DeviceID, DeviceName: resp.DeviceName, Account: resp.Account,
		PrivateKey: b64.EncodeToString(raw), OTPSecret: resp.OTPSecret, QRKey: resp.QRKey, PINLength: resp.PINLength, VAPIDKey: resp.VAPIDKey, EnrolledAt: a.now().UTC()}
	a.Keys.put(acct)
	if err := a.Keys.Save(); err != nil {
		return nil, err
	}
	return a.Confirm(ctx, acct.DeviceID, pin)
}

// Confirm proves the PIN of an enrolled, unconfirmed account.
func (a *Authenticator) Confirm(ctx context.Context, deviceID, pin string) (*Account, error) {
	acct, err := a.account(deviceID)
	if err != nil {
		return nil, err
	}
	ts := a.now().Unix()
	sig, err := acct.sign(fmt.Sprintf("v1|confirm|%s|%d", acct.DeviceID, ts))
	if err != nil {
		return nil, err
	}
	body := map[string]any{"v": 1, "device_id": acct.DeviceID, "pin": pin, "timestamp": ts, "signature": b64.EncodeToString(sig)}
	if err := a.call(ctx, http.MethodPost, acct.Server+"/app/v1/enrol/confirm", nil, body, nil); err != nil {
		return acct, err
	}
	acct.Confirmed = true
	a.Keys.put(*acct)
	if err := a.Keys.Save(); err != nil {
		return nil, err
	}
	return acct, nil
}

// Subscribe registers a Web Push subscription (a push service's endpoint
// and the receiving browser's RFC 8291 keys, base64url) for an account of
// this device, signing "v1|push|<device id>|<endpoint>|<timestamp>". The
// installable web app does this with its browser's PushSubscription; the
// CLI has no push service and long-polls instead, so this serves tests and
// other apps.
func (a *Authenticator) Subscribe(ctx context.Context, deviceID, endpoint, p256dh, auth string) error {
	acct, err := a.account(deviceID)
	if err != nil {
		return err
	}
	ts := a.now().Unix()
	sig, err := acct.sign(fmt.Sprintf("v1|push|%s|%s|%d", acct.DeviceID, endpoint, ts))
	if err != nil {
		return err
	}
	body := map[string]any{"v": 1, "device_id": acct.DeviceID, "endpoint": endpoint, "p256dh": p256dh, "auth": auth, "timestamp": ts, "signature": b64.EncodeToString(sig)}
	return a.call(ctx, http.MethodPost, acct.Server+"/app/v1/push", nil, body, nil)
}

// Remove removes an account from this device: it asks the server to remove
// the device (signing "v1|remove|<device id>|<timestamp>"; the server
// e-mails the owner), then forgets the keys. When the server cannot be
// reached or no longer knows the device, the keys are forgotten only if
// force is set; the error is returned either way.
func (a *Authenticator) Remove(ctx context.Context, deviceID string, force bool) error {
	acct, err := a.account(deviceID)
	if err != nil {
		return err
	}
	ts := a.now().Unix()
	sig, err := acct.sign(fmt.Sprintf("v1|remove|%s|%d", acct.DeviceID, ts))
	if err != nil {
		return err
	}
	body := map[string]any{"v": 1, "device_id": acct.DeviceID, "timestamp": ts, "signature": b64.EncodeToString(sig)}
	callErr := a.call(ctx, http.MethodPost, acct.Server+"/app/v1/remove", nil, body, nil)
	if callErr != nil {
		if e, ok := errors.AsType[*APIError](callErr); !force && !(ok && e.Code == "unknown_device") {
			return callErr
		}
	}
	a.Keys.Remove(acct.DeviceID)
	if err := a.Keys.Save(); err != nil {
		return err
	}
	return callErr
}

func (a *Authenticator) account(deviceID string) (*Account, error) {
	for _, acct := range a.Keys.Accounts {
		if acct.DeviceID == deviceID {
			return &acct, nil
		}
	}
	return nil, fmt.Errorf("authenticator: no account with device id %q", deviceID)
}

func (acct *Account) sign(msg string) ([]byte, error) {
	raw, err := b64.DecodeString(acct.PrivateKey)
	if err != nil {
		return nil, fmt.Errorf("authenticator: private key of %s: %w", acct.DeviceID, err)
	}
	k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), raw)
	if err != nil {
		return nil, fmt.Errorf("authenticator: private key of %s: %w", acct.DeviceID, err)
	}
	sum := sha256.Sum256([]byte(msg))
	r, s, err := ecdsa.Sign(rand.Reader, k, sum[:])
	if err != nil {
		return nil, err
	}
	out := make([]byte, 64)
	r.FillBytes(out[:32])
	s.FillBytes(out[32:])
	return out, nil
}

// Request is a pending push request of one account.
type Request struct {
	Account   *Account
	ID        string    `json:"id"`
	Challenge string    `json:"challenge"`
	Service   string    `json:"service"`
	Browser   string    `json:"browser"`
	IP        string    `json:"ip"`
	Time      time.Time `json:"-"`
	Expires   time.Time `json:"-"`
	Numbers   []int     `json:"numbers"` // pick the one the browser shows
}

// Pending returns the pending requests of every confirmed account.
func (a *Authenticator) Pending(ctx context.Context) ([]Request, error) {
	return a.Wait(ctx, 0)
}

// Wait long-polls every confirmed account for up to wait (0: no wait) and
// returns their pending requests as soon as one has some.
func (a *Authenticator) Wait(ctx context.Context, wait time.Duration) ([]Request, error) {
	var accts []Account
	for _, acct := range a.Keys.Accounts {
		if acct.Confirmed {
			accts = append(accts, acct)
		}
	}
	if len(accts) == 0 {
		return nil, errors.New("authenticator: no enrolled account")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		rs  []Request
		err error
	}
	results := make(chan result, len(accts))
	for i := range accts {
		go func() {
			rs, err := a.list(ctx, &accts[i], wait)
			results <- result{rs, err}
		}()
	}
	var all []Request
	var errs []error
	for range accts {
		r := <-results
		if r.err != nil {
			if ctx.Err() == nil {
				errs = append(errs, r.err)
			}
			continue
		}
		all = append(all, r.rs...)
		if len(r.rs) > 0 && wait > 0 {
			cancel() // the others stop waiting
		}
	}
	slices.SortFunc(all, func(x, y Request) int { return x.Time.Compare(y.Time) })
	if len(all) == 0 && len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return all, nil
}

func (a *Authenticator) list(ctx context.Context, acct *Account, wait time.Duration) ([]Request, error) {
	var n struct {
		Nonce string `json:"nonce"`
	}
	if err := a.call(ctx, http.MethodGet, acct.Server+"/app/v1/nonce", nil, nil, &n); err != nil {
		return nil, err
	}
	ts := a.now().Unix()
	sig, err := acct.sign(fmt.Sprintf("v1|requests|%s|%s|%d", acct.DeviceID, n.Nonce, ts))
	if err != nil {
		return nil, err
	}
	q := url.Values{"device": {acct.DeviceID}}
	if wait > 0 {
		q.Set("wait", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
	}
	h := http.Header{"X-EULogin-Nonce": {n.Nonce}, "X-EULogin-Timestamp": {strconv.FormatInt(ts, 10)}, "X-EULogin-Signature": {b64.EncodeToString(sig)}}
	var resp struct {
		Requests []struct {
			Request
			Time    int64 `json:"time"`
			Expires int64 `json:"expires"`
		} `json:"requests"`
	}
	if err := a.call(ctx, http.MethodGet, acct.Server+"/app/v1/requests?"+q.Encode(), h, nil, &resp); err != nil {
		return nil, fmt.Errorf("%s: %w", acct.Label(), err)
	}
	var out []Request
	for _, r := range resp.Requests {
		x := r.Request
		x.Account, x.Time, x.Expires = acct, time.Unix(r.Time, 0), time.Unix(r.Expires, 0)
		out = append(out, x)
	}
	return out, nil
}

// Answer approves or denies pending request id: it finds the request among
// the accounts' pending requests, signs "v1|id|challenge|decision|number|
// timestamp" with the account's key and sends it with the PIN. It returns
// the request's new state ("approved", "denied").
func (a *Authenticator) Answer(ctx context.Context, id string, approve bool, number int, pin string) (string, error) {
	rs, err := a.Pending(ctx)
	if err != nil {
		return "", err
	}
	i := slices.IndexFunc(rs, func(r Request) bool { return r.ID == id })
	if i < 0 {
		return "", fmt.Errorf("authenticator: no pending request %q (answered, expired, or for another device)", id)
	}
	return a.AnswerRequest(ctx, rs[i], approve, number, pin)
}

// AnswerRequest answers a request returned by Pending or Wait.
func (a *Authenticator) AnswerRequest(ctx context.Context, r Request, approve bool, number int, pin string) (string, error) {
	decision := "deny"
	if approve {
		decision = "approve"
	}
	ts := a.now().Unix()
	sig, err := r.Account.sign(fmt.Sprintf("v1|%s|%s|%s|%d|%d", r.ID, r.Challenge, decision, number, ts))
	if err != nil {
		return "", err
	}
	body := map[string]any{"v": 1, "device_id": r.Account.DeviceID, "decision": decision, "number": number, "pin": pin, "timestamp": ts, "signature": b64.EncodeToString(sig)}
	var resp struct {
		State string `json:"state"`
	}
	if err := a.call(ctx, http.MethodPost, r.Account.Server+"/app/v1/requests/"+url.PathEscape(r.ID), nil, body, &resp); err != nil {
		return "", err
	}
	return resp.State, nil
}

// OTP derives, with no network, the one-time password of an offline QR code
// ("eulogin-app://otp?v=1&c=...&sig=...&d=..."): it finds the account (by
// the device id d, or else the accounts whose server key verifies the
// signature), checks the server's signature, and returns the password as
// "XXXX-XXXX" with the account. A challenge past its expiry is refused.
func (a *Authenticator) OTP(payload string) (string, *Account, error) {
	u, err := url.Parse(strings.TrimSpace(payload))
	if err != nil || u.Scheme != "eulogin-app" || u.Host != "otp" {
		return "", nil, errors.New("authenticator: not an EU Login QR code")
	}
	q := u.Query()
	if q.Get("v") != "1" {
		return "", nil, fmt.Errorf("authenticator: QR code of unsupported version %q", q.Get("v"))
	}
	challenge, device := q.Get("c"), q.Get("d")
	sig, err := b64.DecodeString(q.Get("sig"))
	if err != nil || len(sig) != 64 {
		return "", nil, errors.New("authenticator: QR code without a valid signature")
	}
	parts := strings.Split(challenge, ".")
	if len(parts) != 3 {
		return "", nil, errors.New("authenticator: malformed QR challenge")
	}
	exp, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil {
		return "", nil, errors.New("authenticator: malformed QR challenge")
	}
	var match []*Account
	for i := range a.Keys.Accounts {
		acct := &a.Keys.Accounts[i]
		if !acct.Confirmed || (device != "" && acct.DeviceID != device) {
			continue
		}
		if verifyQR(acct.QRKey, "v1|qr|"+challenge+"|"+device, sig) {
			match = append(match, acct)
		}
	}
	switch {
	case len(match) == 0 && device != "":
		return "", nil, errors.New("authenticator: this QR code is for a device that is not enrolled here, or its signature is not from the account's server")
	case len(match) == 0:
		return "", nil, errors.New("authenticator: no account here matches this QR code")
	case len(match) > 1:
		return "", nil, errors.New("authenticator: several accounts match this QR code")
	}
	if !a.now().Before(time.Unix(exp, 0)) {
		return "", nil, errors.New("authenticator: this QR code has expired; reload the login page")
	}
	secret, err := b64.DecodeString(match[0].OTPSecret)
	if err != nil {
		return "", nil, fmt.Errorf("authenticator: OTP secret of %s: %w", match[0].DeviceID, err)
	}
	otp := DeriveOTP(secret, challenge)
	return otp[:4] + "-" + otp[4:], match[0], nil
}

// DeriveOTP is the protocol's one-time password: the first 40 bits of
// HMAC-SHA256(secret, challenge), big-endian, as 8 characters of the
// alphabet 23456789ABCDEFGHJKLMNPQRSTUVWXYZ, 5 bits each, most significant
// first.
func DeriveOTP(secret []byte, challenge string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(challenge))
	sum := m.Sum(nil)
	var v uint64
	for _, b := range sum[:5] {
		v = v<<8 | uint64(b)
	}
	out := make([]byte, 8)
	for i := 7; i >= 0; i-- {
		out[i] = otpAlphabet[v&31]
		v >>= 5
	}
	return string(out)
}

func verifyQR(qrKey, msg string, sig []byte) bool {
	b, err := b64.DecodeString(qrKey)
	if err != nil {
		return false
	}
	k, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), b)
	if err != nil {
		return false
	}
	sum := sha256.Sum256([]byte(msg))
	return ecdsa.Verify(k, sum[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:]))
}

// call sends a JSON request and decodes a JSON answer into out (when not
// nil); a refusal becomes an *APIError.
func (a *Authenticator) call(ctx context.Context, method, url string, h http.Header, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return err
	}
	if h != nil {
		req.Header = h.Clone()
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := a.client().Do(req)
	if err != nil {
		return fmt.Errorf("authenticator: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("authenticator: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error        string `json:"error"`
			Message      string `json:"message"`
			AttemptsLeft int    `json:"attempts_left"`
		}
		if json.Unmarshal(b, &e) != nil || e.Error == "" {
			return &APIError{Status: resp.StatusCode, Code: "http", Message: fmt.Sprintf("server answered %s", resp.Status)}
		}
		return &APIError{Status: resp.StatusCode, Code: e.Error, Message: e.Message, AttemptsLeft: e.AttemptsLeft}
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("authenticator: malformed answer: %w", err)
		}
	}
	return nil
}
