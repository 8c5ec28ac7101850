package mobileapp

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"eulogin/internal/store"
)

// Paths of the app API, relative to the IdP's base URL.
const (
	PathEnrol    = "/app/v1/enrol"
	PathConfirm  = "/app/v1/enrol/confirm"
	PathNonce    = "/app/v1/nonce"
	PathRequests = "/app/v1/requests"
	PathPush     = "/app/v1/push"
	PathPushKey  = "/app/v1/push/key"
	PathRemove   = "/app/v1/remove"
)

// Headers that authenticate GET /app/v1/requests.
const (
	HeaderNonce     = "X-EULogin-Nonce"
	HeaderTimestamp = "X-EULogin-Timestamp"
	HeaderSignature = "X-EULogin-Signature"
)

// DefaultMaxWait is the longest a long poll of GET /app/v1/requests waits.
const DefaultMaxWait = 25 * time.Second

// maxBody is the largest request body the API reads.
const maxBody = 16 << 10

// Handler is the /app/v1 JSON API that apps talk to. Mount it on the IdP's
// mux at "/app/v1/". It has no cookies and no CSRF exposure: every call is
// authenticated by an enrolment code or a device signature.
type Handler struct {
	Service *Service
	Logger  *slog.Logger  // nil discards
	MaxWait time.Duration // 0 means DefaultMaxWait

	once sync.Once
	mux  *http.ServeMux
}

// ServeHTTP serves the API on its own (tests, and servers without a route
// table); a server that lists its routes registers them with Routes.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.once.Do(func() {
		m := http.NewServeMux()
		h.Routes(func(pattern string, hf http.HandlerFunc) { m.Handle(pattern, NoStore(hf)) })
		h.mux = m
	})
	h.mux.ServeHTTP(w, r)
}

// Routes calls handle with the pattern and handler of every endpoint of
// the API, the catch-all of unknown /app/v1/ paths last. (A confirmation
// and a removal are answered and nothing more: a server that audits them
// routes Confirm and Remove itself.)
func (h *Handler) Routes(handle func(pattern string, h http.HandlerFunc)) {
	handle("POST "+PathEnrol, h.Enrol)
	handle("POST "+PathConfirm, func(w http.ResponseWriter, r *http.Request) { h.Confirm(w, r) })
	handle("GET "+PathNonce, h.Nonce)
	handle("GET "+PathRequests, h.Requests)
	handle("POST "+PathRequests+"/{id}", h.Answer)
	handle("POST "+PathPush, h.Subscribe)
	handle("GET "+PathPushKey, h.PushKey)
	handle("POST "+PathRemove, func(w http.ResponseWriter, r *http.Request) { h.Remove(w, r) })
	handle("/app/v1/", h.NotFound)
}

// NotFound answers a path of the API that does not exist, in the API's
// JSON.
func (h *Handler) NotFound(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusNotFound, ErrorResponse{V: Version, Error: "not_found", Message: "no such endpoint"})
}

// NoStore marks the API's answers as never to be cached.
func NoStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

func (h *Handler) logger() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// Enrol adds the device of an app that presents a valid enrolment code (POST
// PathEnrol).
func (h *Handler) Enrol(w http.ResponseWriter, r *http.Request) {
	var req EnrolRequest
	if !h.read(w, r, &req) {
		return
	}
	pub, err := B64.DecodeString(req.PublicKey)
	if err != nil {
		h.fail(w, r, ErrBadRequest)
		return
	}
	e, err := h.Service.Enrol(r.Context(), req.Code, pub, req.DeviceName)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	qr, err := EncodePublicKey(h.Service.Keys.QRPublicKey())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	resp := EnrolResponse{V: Version, DeviceID: e.DeviceID, DeviceName: e.DeviceName, Account: e.Account,
		OTPSecret: B64.EncodeToString(e.OTPSecret), QRKey: qr, PINLength: e.PINLength}
	if h.Service.Pusher != nil {
		resp.VAPIDKey = h.Service.Pusher.PublicKey()
	}
	writeJSON(w, http.StatusOK, resp)
}

// Subscribe registers the Web Push subscription of a device.
func (h *Handler) Subscribe(w http.ResponseWriter, r *http.Request) {
	var req PushSubscribeRequest
	if !h.read(w, r, &req) {
		return
	}
	sig, ok := h.signature(w, r, req.Signature)
	if !ok {
		return
	}
	if err := h.Service.Subscribe(r.Context(), req.DeviceID, req.Endpoint, req.P256DH, req.Auth, req.Timestamp, sig); err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, StateResponse{V: Version, State: StateSubscribed})
}

// PushKey tells apps the VAPID key to subscribe with.
func (h *Handler) PushKey(w http.ResponseWriter, r *http.Request) {
	if h.Service.Pusher == nil {
		h.fail(w, r, ErrPushOff)
		return
	}
	writeJSON(w, http.StatusOK, PushKeyResponse{V: Version, VAPIDKey: h.Service.Pusher.PublicKey()})
}

// Remove removes a device at its own request, and returns the device
// removed (nil when it answered an error), so that the caller can audit the
// removal and tell the owner.
func (h *Handler) Remove(w http.ResponseWriter, r *http.Request) *store.AppDevice {
	var req RemoveRequest
	if !h.read(w, r, &req) {
		return nil
	}
	sig, ok := h.signature(w, r, req.Signature)
	if !ok {
		return nil
	}
	d, err := h.Service.RemoveDevice(r.Context(), req.DeviceID, req.Timestamp, sig)
	if err != nil {
		h.fail(w, r, err)
		return nil
	}
	writeJSON(w, http.StatusOK, StateResponse{V: Version, State: StateRemoved})
	return d
}

// Confirm ends an enrolment: the app, signing with its new key, gives the PIN
// chosen on the computer (POST PathConfirm). It returns the device
// confirmed, nil when it answered an error.
func (h *Handler) Confirm(w http.ResponseWriter, r *http.Request) *store.AppDevice {
	var req ConfirmRequest
	if !h.read(w, r, &req) {
		return nil
	}
	sig, ok := h.signature(w, r, req.Signature)
	if !ok {
		return nil
	}
	d, err := h.Service.ConfirmEnrolment(r.Context(), req.DeviceID, req.PIN, req.Timestamp, sig)
	if err != nil {
		h.fail(w, r, err)
		return nil
	}
	writeJSON(w, http.StatusOK, StateResponse{V: Version, State: EnrolConfirmed})
	return d
}

// Nonce gives a fresh server nonce for the next signed call (GET
// PathNonce).
func (h *Handler) Nonce(w http.ResponseWriter, _ *http.Request) {
	n, exp := h.Service.Nonce()
	writeJSON(w, http.StatusOK, NonceResponse{V: Version, Nonce: n, Expires: exp.Unix()})
}

// Requests lists the pending requests of a device; with wait=N (seconds) it
// long-polls until there is one, N, or MaxWait.
func (h *Handler) Requests(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ts, err := strconv.ParseInt(r.Header.Get(HeaderTimestamp), 10, 64)
	if err != nil {
		h.fail(w, r, ErrBadRequest)
		return
	}
	sig, err := B64.DecodeString(r.Header.Get(HeaderSignature))
	if err != nil {
		h.fail(w, r, ErrBadSignature)
		return
	}
	d, err := h.Service.AuthenticateDevice(r.Context(), q.Get("device"), r.Header.Get(HeaderNonce), ts, sig)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var rs []Request
	if wait, _ := strconv.Atoi(q.Get("wait")); wait > 0 {
		max := h.MaxWait
		if max <= 0 {
			max = DefaultMaxWait
		}
		ctx, cancel := context.WithTimeout(r.Context(), min(time.Duration(wait)*time.Second, max))
		rs, err = h.Service.WaitPending(ctx, d)
		cancel()
	} else {
		rs, err = h.Service.Pending(r.Context(), d)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := RequestsResponse{V: Version, Requests: []WireRequest{}}
	for _, x := range rs {
		out.Requests = append(out.Requests, WireRequest{ID: x.ID, Challenge: x.Challenge, Service: x.Service, Browser: x.Browser, IP: x.IP,
			Time: x.CreatedAt.Unix(), Expires: x.ExpiresAt.Unix(), Numbers: x.Numbers})
	}
	writeJSON(w, http.StatusOK, out)
}

// Answer approves or denies a login request with the number and the PIN
// (POST PathRequests/{id}), signed by the device.
func (h *Handler) Answer(w http.ResponseWriter, r *http.Request) {
	var req AnswerRequest
	if !h.read(w, r, &req) {
		return
	}
	sig, ok := h.signature(w, r, req.Signature)
	if !ok {
		return
	}
	st, err := h.Service.Answer(r.Context(), Answer{RequestID: r.PathValue("id"), DeviceID: req.DeviceID, Decision: req.Decision,
		Number: req.Number, PIN: req.PIN, Timestamp: req.Timestamp, Signature: sig})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, StateResponse{V: Version, State: st})
}

// signature decodes the base64url signature of a body, or answers
// invalid_signature.
func (h *Handler) signature(w http.ResponseWriter, r *http.Request, s string) ([]byte, bool) {
	sig, err := B64.DecodeString(s)
	if err != nil {
		h.fail(w, r, ErrBadSignature)
		return nil, false
	}
	return sig, true
}

// read decodes a JSON body of version Version, or answers 400.
func (h *Handler) read(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		h.fail(w, r, ErrBadRequest)
		return false
	}
	var ver struct{ V int }
	b, _ := json.Marshal(v)
	json.Unmarshal(b, &ver)
	if ver.V != Version {
		writeJSON(w, http.StatusBadRequest, ErrorResponse{V: Version, Error: "unsupported_version", Message: "this server speaks version 1"})
		return false
	}
	return true
}

// apiErrors maps errors to their wire code and HTTP status.
var apiErrors = []struct {
	err    error
	code   string
	status int
	msg    string
}{
	{ErrBadRequest, "bad_request", http.StatusBadRequest, "malformed request"},
	{ErrInvalidCode, "invalid_code", http.StatusNotFound, "this code is unknown, already used or expired: start again on the computer"},
	{ErrUnknownDevice, "unknown_device", http.StatusUnauthorized, "this device is not registered for the account (it may have been removed)"},
	{ErrNotConfirmed, "not_confirmed", http.StatusForbidden, "this device has not finished its enrolment"},
	{ErrBadSignature, "invalid_signature", http.StatusUnauthorized, "the signature does not match this device's key"},
	{ErrStale, "stale", http.StatusUnauthorized, "the request is not fresh: check the phone's clock"},
	{ErrWrongPIN, "wrong_pin", http.StatusForbidden, "wrong PIN"},
	{ErrLocked, "locked", http.StatusForbidden, "this device is locked after too many wrong PINs"},
	{ErrWrongNumber, "wrong_number", http.StatusForbidden, "this is not the number shown in the browser: the login was refused"},
	{ErrExpired, "expired", http.StatusGone, "the request expired"},
	{ErrAnswered, "answered", http.StatusConflict, "the request was already answered"},
	{ErrNotFound, "not_found", http.StatusNotFound, "no such request"},
	{ErrPushOff, "push_off", http.StatusNotFound, "push notifications are not enabled on this server"},
}

// fail answers an error with its wire code; unknown errors are logged and
// answered 500 without detail.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	for _, e := range apiErrors {
		if errors.Is(err, e.err) {
			resp := ErrorResponse{V: Version, Error: e.code, Message: e.msg}
			if pe, ok := errors.AsType[*PINError](err); ok {
				resp.AttemptsLeft = pe.Left
			}
			writeJSON(w, e.status, resp)
			return
		}
	}
	h.logger().ErrorContext(r.Context(), "mobile app API", "path", r.URL.Path, "err", err)
	writeJSON(w, http.StatusInternalServerError, ErrorResponse{V: Version, Error: "internal", Message: "internal error, try again later"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
