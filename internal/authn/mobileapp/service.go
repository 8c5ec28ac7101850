package mobileapp

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"eulogin/internal/regulation"
	"eulogin/internal/store"
)

// Lifetimes and limits.
const (
	DefaultEnrolTTL   = 5 * time.Minute // an enrolment QR code
	RequestTTL        = 2 * time.Minute // a push request
	QRTTL             = 3 * time.Minute // an offline QR challenge
	NonceTTL          = time.Minute     // a server nonce for listing requests
	MaxSkew           = 2 * time.Minute // how far a signed timestamp may be from the server's clock
	MaxPINAttempts    = 5               // PIN attempts in a row that lock a device
	MaxOTPAttempts    = 5               // wrong one-time passwords that kill a QR challenge
	OTPSecretLen      = 32              // bytes of an OTP secret
	enrolmentCodeLen  = 32              // bytes of randomness of an enrolment code
	requestNumberLow  = 10
	requestNumberHigh = 99
)

// Errors of the service. Every refusal the app or the page must tell apart
// has its own error; match them with errors.Is.
var (
	ErrInvalidCode   = errors.New("mobileapp: unknown, used or expired enrolment code")
	ErrUnknownDevice = errors.New("mobileapp: unknown device")
	ErrNotConfirmed  = errors.New("mobileapp: device not confirmed")
	ErrBadSignature  = errors.New("mobileapp: bad signature")
	ErrStale         = errors.New("mobileapp: timestamp or nonce not fresh")
	ErrWrongPIN      = errors.New("mobileapp: wrong PIN") // the error is a *PINError
	ErrLocked        = errors.New("mobileapp: device locked")
	ErrWrongNumber   = errors.New("mobileapp: wrong number")
	ErrExpired       = errors.New("mobileapp: expired")
	ErrAnswered      = errors.New("mobileapp: already answered or used")
	ErrNotFound      = errors.New("mobileapp: no such request or challenge")
	ErrNoDevice      = errors.New("mobileapp: the account has no usable device")
	ErrWrongOTP      = errors.New("mobileapp: wrong one-time password")
	ErrTooManyTries  = errors.New("mobileapp: too many wrong one-time passwords")
	ErrThrottled     = errors.New("mobileapp: too many attempts, try later") // the error is a *ThrottleError
	ErrBadRequest    = errors.New("mobileapp: malformed request")
)

// ThrottleError says until when the OTPs of a device are refused.
type ThrottleError struct{ Until time.Time }

func (e *ThrottleError) Error() string {
	return "mobileapp: too many attempts until " + e.Until.UTC().Format(time.RFC3339)
}

// Is makes errors.Is(err, ErrThrottled) true.
func (e *ThrottleError) Is(target error) bool { return target == ErrThrottled }

// Store is what the service needs from the database. store.DB implements it.
type Store interface {
	CreateAppEnrolment(ctx context.Context, e *store.AppEnrolment) error
	AppEnrolmentByID(ctx context.Context, id string) (*store.AppEnrolment, error)
	ClaimAppEnrolment(ctx context.Context, codeHash string, d *store.AppDevice) (*store.AppEnrolment, error)
	ConfirmAppDevice(ctx context.Context, id string, now time.Time) error
	AppDeviceByID(ctx context.Context, id string) (*store.AppDevice, error)
	ListAppDevices(ctx context.Context, userID string) ([]store.AppDevice, error)
	StartAppPINAttempt(ctx context.Context, id string, max int) (int, error)
	AppPINSucceeded(ctx context.Context, id string, now time.Time) error
	LockAppDevice(ctx context.Context, id string, now time.Time) error
	CreateAppRequest(ctx context.Context, r *store.AppRequest) error
	AppRequestByID(ctx context.Context, id string) (*store.AppRequest, error)
	PendingAppRequests(ctx context.Context, userID, deviceID string, now time.Time) ([]store.AppRequest, error)
	AnswerAppRequest(ctx context.Context, id, deviceID, state string, now time.Time) error
	CancelAppRequests(ctx context.Context, flowHash string, now time.Time) (int64, error)
	CreateAppQRChallenge(ctx context.Context, c *store.AppQRChallenge) error
	AppQRChallengeByID(ctx context.Context, id string) (*store.AppQRChallenge, error)
	RecordAppQRAttempt(ctx context.Context, id string, max int) (int, error)
	UseAppQRChallenge(ctx context.Context, id string, now time.Time, max int) error
	PutAppPushSubscription(ctx context.Context, sub *store.AppPushSubscription) error
	DeleteAppDevice(ctx context.Context, userID, id string) error
	UnlockAppDevice(ctx context.Context, userID, id, pinHash string) error
}

var _ Store = (*store.DB)(nil)

// Service is the server side of the mobile app protocol. It is safe for
// concurrent use; every state lives in the Store.
type Service struct {
	Store     Store
	Keys      *Keys
	Hasher    Hasher                                                   // slow PIN hashes (argon2id)
	Regulator *regulation.Regulator                                    // throttles OTPs per device; nil applies none (tests only)
	Notifier  Notifier                                                 // nil means a PollNotifier of this Service
	Now       func() time.Time                                         // nil means time.Now
	BaseURL   string                                                   // the IdP's public base URL, put into enrolment URIs
	PINLength int                                                      // 0 means DefaultPINLength
	EnrolTTL  time.Duration                                            // 0 means DefaultEnrolTTL
	Account   func(ctx context.Context, userID string) (string, error) // the account's name shown in the app (e-mail); nil shows none
	Pusher    Pusher                                                   // Web Push delivery; nil: apps learn of requests by long poll only

	once     sync.Once
	notifier Notifier
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) notify() Notifier {
	if s.Notifier != nil {
		return s.Notifier
	}
	s.once.Do(func() { s.notifier = &PollNotifier{} })
	return s.notifier
}

func (s *Service) pinLength() int {
	if s.PINLength == 0 {
		return DefaultPINLength
	}
	return s.PINLength
}

// Enrolment is a started enrolment: the page shows URI as a QR code (and as
// text under it) and polls EnrolmentStatus with ID.
type Enrolment struct {
	ID        string
	Code      string // secret: in the URI only
	URI       string
	ExpiresAt time.Time
}

// StartEnrolment starts adding a device named deviceName to userID, with the
// PIN typed (twice) on the page. It returns ErrPINFormat or ErrPINTrivial for
// a PIN that CheckPIN refuses.
func (s *Service) StartEnrolment(ctx context.Context, userID, deviceName, pin string) (*Enrolment, error) {
	n := s.pinLength()
	if n < MinPINLength || n > MaxPINLength {
		return nil, fmt.Errorf("mobileapp: PIN length %d out of [%d, %d]", n, MinPINLength, MaxPINLength)
	}
	if err := CheckPIN(pin, n); err != nil {
		return nil, err
	}
	hash, err := s.Hasher.Hash(ctx, pin)
	if err != nil {
		return nil, fmt.Errorf("mobileapp: hash PIN: %w", err)
	}
	b := make([]byte, enrolmentCodeLen)
	rand.Read(b)
	code := B64.EncodeToString(b)
	ttl := s.EnrolTTL
	if ttl <= 0 {
		ttl = DefaultEnrolTTL
	}
	now := s.now()
	e := &store.AppEnrolment{CodeHash: hashCode(code), UserID: userID, DeviceName: deviceName, PINHash: hash, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	if err := s.Store.CreateAppEnrolment(ctx, e); err != nil {
		return nil, fmt.Errorf("mobileapp: start enrolment: %w", err)
	}
	return &Enrolment{ID: e.ID, Code: code, URI: EnrolURI(s.BaseURL, code), ExpiresAt: e.ExpiresAt}, nil
}

func hashCode(code string) string {
	sum := sha256.Sum256([]byte(code))
	return hex.EncodeToString(sum[:])
}

// The states of an enrolment, for the page that shows the QR code.
const (
	EnrolWaiting   = "waiting"   // no app scanned the code yet
	EnrolClaimed   = "claimed"   // an app registered its key; the PIN is awaited
	EnrolConfirmed = "confirmed" // the app proved the PIN: the device is added
	EnrolExpired   = "expired"   // the code expired, or the device was removed or locked before confirming
)

// EnrolmentStatus returns the state of enrolment id of userID and, once
// claimed, the device. ErrNotFound when it does not exist or belongs to
// another account.
func (s *Service) EnrolmentStatus(ctx context.Context, userID, id string) (string, *store.AppDevice, error) {
	e, err := s.Store.AppEnrolmentByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && e.UserID != userID) {
		return "", nil, ErrNotFound
	}
	if err != nil {
		return "", nil, fmt.Errorf("mobileapp: enrolment status: %w", err)
	}
	if e.DeviceID == "" {
		if !s.now().Before(e.ExpiresAt) {
			return EnrolExpired, nil, nil
		}
		return EnrolWaiting, nil, nil
	}
	d, err := s.Store.AppDeviceByID(ctx, e.DeviceID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return EnrolExpired, nil, nil
	case err != nil:
		return "", nil, fmt.Errorf("mobileapp: enrolment status: %w", err)
	case !d.ConfirmedAt.IsZero():
		return EnrolConfirmed, d, nil
	case !d.LockedAt.IsZero():
		return EnrolExpired, d, nil
	}
	return EnrolClaimed, d, nil
}

// WaitEnrolment waits until enrolment id leaves the states waiting and
// claimed, or ctx ends (then it returns the current state and no error).
func (s *Service) WaitEnrolment(ctx context.Context, userID, id string) (string, *store.AppDevice, error) {
	for {
		ch, wake := s.notify().Watch(userID)
		st, d, err := s.EnrolmentStatus(ctx, userID, id)
		if err != nil || (st != EnrolWaiting && st != EnrolClaimed) {
			return st, d, err
		}
		if !wait(ctx, ch, wake) {
			return st, d, nil
		}
	}
}

// Enrolled is what an app receives when it registers its key.
type Enrolled struct {
	DeviceID   string
	DeviceName string
	UserID     string
	Account    string
	OTPSecret  []byte
	PINLength  int
}

// Enrol registers the device public key (an uncompressed P-256 point) with
// the enrolment code of the QR code. The device stays unconfirmed until
// ConfirmEnrolment. ErrInvalidCode when the code is unknown, used or
// expired; ErrBadRequest for a bad key.
func (s *Service) Enrol(ctx context.Context, code string, publicKey []byte, deviceName string) (*Enrolled, error) {
	if _, err := ParsePublicKey(publicKey); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadRequest, err)
	}
	if len(deviceName) > 100 {
		deviceName = deviceName[:100]
	}
	secret := make([]byte, OTPSecretLen)
	rand.Read(secret)
	d := &store.AppDevice{ID: rand.Text(), Name: deviceName, PublicKey: publicKey, CreatedAt: s.now()}
	d.OTPSecret = s.Keys.seal(d.ID, secret)
	e, err := s.Store.ClaimAppEnrolment(ctx, hashCode(code), d)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrInvalidCode
	}
	if err != nil {
		return nil, fmt.Errorf("mobileapp: enrol: %w", err)
	}
	out := &Enrolled{DeviceID: d.ID, DeviceName: d.Name, UserID: e.UserID, OTPSecret: secret, PINLength: s.pinLength()}
	if s.Account != nil {
		if out.Account, err = s.Account(ctx, e.UserID); err != nil {
			return nil, fmt.Errorf("mobileapp: enrol: account name: %w", err)
		}
	}
	s.notify().Notify(ctx, e.UserID)
	return out, nil
}

// ConfirmEnrolment finishes an enrolment: the device signed
// ConfirmMessage(deviceID, timestamp) and sends the PIN, which must match
// the one typed on the page. Wrong PINs count towards the lock. It returns
// the device confirmed.
func (s *Service) ConfirmEnrolment(ctx context.Context, deviceID, pin string, timestamp int64, sig []byte) (*store.AppDevice, error) {
	d, err := s.device(ctx, deviceID)
	if err != nil {
		return nil, err
	}
	if !d.ConfirmedAt.IsZero() {
		return nil, ErrAnswered
	}
	if err := s.checkSigned(d, ConfirmMessage(deviceID, timestamp), timestamp, sig); err != nil {
		return nil, err
	}
	if err := s.checkPIN(ctx, d, pin); err != nil {
		return nil, err
	}
	if err := s.Store.ConfirmAppDevice(ctx, d.ID, s.now()); errors.Is(err, store.ErrNotFound) {
		return nil, ErrAnswered
	} else if err != nil {
		return nil, fmt.Errorf("mobileapp: confirm: %w", err)
	}
	s.notify().Notify(ctx, d.UserID)
	return d, nil
}

func (s *Service) device(ctx context.Context, id string) (*store.AppDevice, error) {
	if id == "" {
		return nil, ErrUnknownDevice
	}
	d, err := s.Store.AppDeviceByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrUnknownDevice
	}
	if err != nil {
		return nil, fmt.Errorf("mobileapp: device: %w", err)
	}
	if !d.LockedAt.IsZero() {
		return nil, ErrLocked
	}
	return d, nil
}

// checkSigned checks the timestamp's freshness and the device's signature.
func (s *Service) checkSigned(d *store.AppDevice, msg string, timestamp int64, sig []byte) error {
	if skew := s.now().Sub(time.Unix(timestamp, 0)); skew > MaxSkew || skew < -MaxSkew {
		return ErrStale
	}
	k, err := ParsePublicKey(d.PublicKey)
	if err != nil {
		return fmt.Errorf("mobileapp: stored key of device %s: %w", d.ID, err)
	}
	if Verify(k, msg, sig) != nil {
		return ErrBadSignature
	}
	return nil
}

// checkPIN counts a PIN attempt before checking it, so that concurrent
// guesses cannot exceed MaxPINAttempts, and locks the device at the last
// wrong one.
func (s *Service) checkPIN(ctx context.Context, d *store.AppDevice, pin string) error {
	n, err := s.Store.StartAppPINAttempt(ctx, d.ID, MaxPINAttempts)
	if errors.Is(err, store.ErrNotFound) {
		// Locked, or attempts in flight used up the budget: lock for good.
		if err := s.Store.LockAppDevice(ctx, d.ID, s.now()); err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("mobileapp: lock device: %w", err)
		}
		s.notify().Notify(ctx, d.UserID)
		return ErrLocked
	}
	if err != nil {
		return fmt.Errorf("mobileapp: PIN attempt: %w", err)
	}
	ok, _, err := s.Hasher.Verify(ctx, pin, d.PINHash)
	if err != nil {
		return fmt.Errorf("mobileapp: verify PIN: %w", err)
	}
	if ok {
		if err := s.Store.AppPINSucceeded(ctx, d.ID, s.now()); errors.Is(err, store.ErrNotFound) {
			return ErrLocked
		} else if err != nil {
			return fmt.Errorf("mobileapp: PIN succeeded: %w", err)
		}
		return nil
	}
	if n >= MaxPINAttempts {
		if err := s.Store.LockAppDevice(ctx, d.ID, s.now()); err != nil {
			return fmt.Errorf("mobileapp: lock device: %w", err)
		}
		s.notify().Notify(ctx, d.UserID)
		return ErrLocked
	}
	return &PINError{Left: MaxPINAttempts - n}
}

// Nonce returns a fresh server nonce and its expiry, for a device to sign
// when it lists its requests.
func (s *Service) Nonce() (string, time.Time) {
	exp := s.now().Add(NonceTTL)
	return s.Keys.newNonce(exp), exp
}

// AuthenticateDevice checks a device's signature of ListMessage over a
// server nonce and a timestamp, and returns the device.
func (s *Service) AuthenticateDevice(ctx context.Context, deviceID, nonce string, timestamp int64, sig []byte) (*store.AppDevice, error) {
	d, err := s.device(ctx, deviceID)
	if err != nil {
		return nil, err
	}
	if d.ConfirmedAt.IsZero() {
		return nil, ErrNotConfirmed
	}
	if !s.Keys.checkNonce(nonce, s.now()) {
		return nil, ErrStale
	}
	if err := s.checkSigned(d, ListMessage(deviceID, nonce, timestamp), timestamp, sig); err != nil {
		return nil, err
	}
	return d, nil
}

// Request is a pending push request as the app shows it: Numbers holds the
// right number and two decoys, in increasing order.
type Request struct {
	ID        string
	Challenge string
	Service   string
	Browser   string
	IP        string
	CreatedAt time.Time
	ExpiresAt time.Time
	Numbers   []int
}

// Pending returns the requests that device d can answer now.
func (s *Service) Pending(ctx context.Context, d *store.AppDevice) ([]Request, error) {
	rs, err := s.Store.PendingAppRequests(ctx, d.UserID, d.ID, s.now())
	if err != nil {
		return nil, fmt.Errorf("mobileapp: pending: %w", err)
	}
	out := make([]Request, 0, len(rs))
	for _, r := range rs {
		nums := append([]int{r.Number}, r.Decoys...)
		slices.Sort(nums)
		out = append(out, Request{ID: r.ID, Challenge: r.Challenge, Service: r.Service, Browser: r.Browser, IP: r.IP, CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt, Numbers: nums})
	}
	return out, nil
}

// WaitPending is the long poll of the app: it returns the pending requests
// of d as soon as there is one, or none when ctx ends first.
func (s *Service) WaitPending(ctx context.Context, d *store.AppDevice) ([]Request, error) {
	for {
		ch, wake := s.notify().Watch(d.UserID)
		rs, err := s.Pending(ctx, d)
		if err != nil || len(rs) > 0 {
			return rs, err
		}
		if !wait(ctx, ch, wake) {
			return nil, nil
		}
	}
}

// PushRequest asks for a push request after the password.
type PushRequest struct {
	UserID   string
	DeviceID string // "" sends it to every usable device of the account
	FlowID   string // the login flow; the request is bound to it
	Service  string // the application's name
	Browser  string // e.g. "Firefox on Linux"
	IP       string
}

// Push is a created push request: the page shows Number and waits with
// WaitPush.
type Push struct {
	ID        string
	Number    int
	ExpiresAt time.Time
}

// StartPush creates a push request and wakes the account's devices. Earlier
// pending requests of the same flow are cancelled. ErrNoDevice when the
// account (or the named device) has no confirmed, unlocked device.
func (s *Service) StartPush(ctx context.Context, p PushRequest) (*Push, error) {
	devices, err := s.UsableDevices(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	if len(devices) == 0 || (p.DeviceID != "" && !slices.ContainsFunc(devices, func(d store.AppDevice) bool { return d.ID == p.DeviceID })) {
		return nil, ErrNoDevice
	}
	now := s.now()
	fh := FlowHash(p.FlowID)
	if _, err := s.Store.CancelAppRequests(ctx, fh, now); err != nil {
		return nil, fmt.Errorf("mobileapp: start push: %w", err)
	}
	nums := threeNumbers()
	ch := make([]byte, 32)
	rand.Read(ch)
	r := &store.AppRequest{
		UserID: p.UserID, DeviceID: p.DeviceID, FlowHash: fh, Service: p.Service, Browser: p.Browser, IP: p.IP,
		Number: nums[0], Decoys: nums[1:], Challenge: B64.EncodeToString(ch), CreatedAt: now, ExpiresAt: now.Add(RequestTTL),
	}
	if err := s.Store.CreateAppRequest(ctx, r); err != nil {
		return nil, fmt.Errorf("mobileapp: start push: %w", err)
	}
	s.notify().Notify(ctx, p.UserID)
	if s.Pusher != nil {
		s.Pusher.Push(ctx, r)
	}
	return &Push{ID: r.ID, Number: r.Number, ExpiresAt: r.ExpiresAt}, nil
}

// threeNumbers returns three distinct two-digit numbers from crypto/rand;
// the first is the one shown in the browser.
func threeNumbers() []int {
	var out []int
	span := requestNumberHigh - requestNumberLow + 1
	for len(out) < 3 {
		var b [1]byte
		rand.Read(b[:])
		if int(b[0]) >= 256-256%span {
			continue // no modulo bias
		}
		n := requestNumberLow + int(b[0])%span
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// UsableDevices returns the confirmed, unlocked devices of an account.
func (s *Service) UsableDevices(ctx context.Context, userID string) ([]store.AppDevice, error) {
	all, err := s.Store.ListAppDevices(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("mobileapp: devices: %w", err)
	}
	return slices.DeleteFunc(all, func(d store.AppDevice) bool { return d.ConfirmedAt.IsZero() || !d.LockedAt.IsZero() }), nil
}

// PushState returns the state of push request id of the login flow flowID:
// one of the store.AppRequest* states, AppRequestExpired for a pending
// request past its expiry. ErrNotFound when it does not exist, belongs to
// another flow, or its device was removed.
func (s *Service) PushState(ctx context.Context, id, flowID string) (string, error) {
	r, err := s.Store.AppRequestByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("mobileapp: push state: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(r.FlowHash), []byte(FlowHash(flowID))) != 1 {
		return "", ErrNotFound
	}
	if r.State == store.AppRequestPending && !s.now().Before(r.ExpiresAt) {
		return store.AppRequestExpired, nil
	}
	return r.State, nil
}

// WaitPush waits until push request id of flowID is no longer pending, or
// ctx ends (then it returns the current state and no error). This is what
// the waiting browser page long-polls.
func (s *Service) WaitPush(ctx context.Context, userID, id, flowID string) (string, error) {
	for {
		ch, wake := s.notify().Watch(userID)
		st, err := s.PushState(ctx, id, flowID)
		if err != nil || st != store.AppRequestPending {
			return st, err
		}
		if !wait(ctx, ch, wake) {
			return st, nil
		}
	}
}

// Answer is a device's signed answer to a push request.
type Answer struct {
	RequestID string
	DeviceID  string
	Decision  string // DecisionApprove or DecisionDeny
	Number    int    // the number the user picked (0 allowed for a denial)
	PIN       string // needed to approve; not needed to deny
	Timestamp int64  // Unix seconds, within MaxSkew of the server's clock
	Signature []byte // raw r||s over AnswerMessage
}

// Answer checks and records an answer: the device (known, confirmed,
// unlocked, of the request's account and allowed to answer it), the
// freshness, the signature over the request's challenge, the request's state
// (pending, unexpired: single use), then for an approval the PIN and the
// number. It returns the request's new state, or an error: ErrUnknownDevice,
// ErrLocked, ErrStale, ErrBadSignature, ErrAnswered, ErrExpired, ErrNotFound,
// ErrWrongPIN (a *PINError; the request stays pending), ErrWrongNumber (the
// request ends in state wrong_number).
func (s *Service) Answer(ctx context.Context, a Answer) (string, error) {
	if a.Decision != DecisionApprove && a.Decision != DecisionDeny {
		return "", ErrBadRequest
	}
	r, err := s.Store.AppRequestByID(ctx, a.RequestID)
	if errors.Is(err, store.ErrNotFound) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("mobileapp: answer: %w", err)
	}
	d, err := s.device(ctx, a.DeviceID)
	if err != nil {
		return "", err
	}
	if d.UserID != r.UserID || d.ConfirmedAt.IsZero() || (r.DeviceID != "" && r.DeviceID != d.ID && r.State == store.AppRequestPending) {
		return "", ErrUnknownDevice
	}
	if err := s.checkSigned(d, AnswerMessage(r.ID, r.Challenge, a.Decision, a.Number, a.Timestamp), a.Timestamp, a.Signature); err != nil {
		return "", err
	}
	now := s.now()
	if r.State != store.AppRequestPending {
		return "", ErrAnswered
	}
	if !now.Before(r.ExpiresAt) {
		return "", ErrExpired
	}
	state := store.AppRequestDenied
	var refusal error
	if a.Decision == DecisionApprove {
		if err := s.checkPIN(ctx, d, a.PIN); err != nil {
			return "", err
		}
		state = store.AppRequestApproved
		if a.Number != r.Number {
			state, refusal = store.AppRequestWrongNumber, ErrWrongNumber
		}
	}
	if err := s.Store.AnswerAppRequest(ctx, r.ID, d.ID, state, now); errors.Is(err, store.ErrNotFound) {
		// Another answer won, the request expired meanwhile, or the
		// device was locked.
		if cur, err := s.Store.AppRequestByID(ctx, r.ID); err == nil && cur.State == store.AppRequestPending {
			return "", ErrExpired
		}
		return "", ErrAnswered
	} else if err != nil {
		return "", fmt.Errorf("mobileapp: answer: %w", err)
	}
	s.notify().Notify(ctx, r.UserID)
	return state, refusal
}

// QR is an offline QR challenge: the page shows URI as a QR code and asks
// for the one-time password the app derives from it.
type QR struct {
	ID        string
	URI       string
	ExpiresAt time.Time
}

// StartQR creates an offline QR challenge for the login flow flowID of
// userID, bound to device deviceID. ErrNoDevice when the device is not a
// usable device of the account.
func (s *Service) StartQR(ctx context.Context, userID, deviceID, flowID string) (*QR, error) {
	d, err := s.device(ctx, deviceID)
	if errors.Is(err, ErrUnknownDevice) || errors.Is(err, ErrLocked) || (err == nil && (d.UserID != userID || d.ConfirmedAt.IsZero())) {
		return nil, ErrNoDevice
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	fh := FlowHash(flowID)
	id := rand.Text()
	exp := now.Add(QRTTL)
	challenge := id + "." + flowTag(fh) + "." + strconv.FormatInt(exp.Unix(), 10)
	sig, err := Sign(s.Keys.qr, QRMessage(challenge, d.ID), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("mobileapp: sign QR challenge: %w", err)
	}
	c := &store.AppQRChallenge{ID: id, FlowHash: fh, DeviceID: d.ID, UserID: userID, Challenge: challenge, CreatedAt: now, ExpiresAt: exp}
	if err := s.Store.CreateAppQRChallenge(ctx, c); err != nil {
		return nil, fmt.Errorf("mobileapp: start QR: %w", err)
	}
	return &QR{ID: id, URI: OTPURI(challenge, sig, d.ID), ExpiresAt: exp}, nil
}

// VerifyQR checks the one-time password typed for QR challenge id in the
// login flow flowID, and spends the challenge when it is right. It returns
// the device on success, or ErrNotFound (unknown challenge, another flow, or
// device removed), ErrAnswered, ErrExpired, ErrTooManyTries, ErrLocked,
// ErrThrottled (a *ThrottleError) or ErrWrongOTP.
func (s *Service) VerifyQR(ctx context.Context, id, flowID, typed string) (*store.AppDevice, error) {
	c, err := s.Store.AppQRChallengeByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("mobileapp: verify QR: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(c.FlowHash), []byte(FlowHash(flowID))) != 1 {
		return nil, ErrNotFound
	}
	now := s.now()
	switch {
	case !c.UsedAt.IsZero():
		return nil, ErrAnswered
	case !now.Before(c.ExpiresAt):
		return nil, ErrExpired
	case c.Attempts >= MaxOTPAttempts:
		return nil, ErrTooManyTries
	}
	d, err := s.device(ctx, c.DeviceID)
	if errors.Is(err, ErrUnknownDevice) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	// The attempt is counted before the code is compared, so that
	// concurrent guesses cannot pass the limit; the subject ends with the
	// account, so that deleting the account deletes its count.
	var guard regulation.Decision
	if s.Regulator != nil {
		guard, err = s.Regulator.Attempt(ctx, regulation.Subject{Limit: regulation.AppOTP, Of: d.ID + ":" + d.UserID})
		if err != nil {
			return nil, err
		}
		if !guard.Allowed {
			return nil, &ThrottleError{Until: guard.Until}
		}
	}
	secret, err := s.Keys.open(d.ID, d.OTPSecret)
	if err != nil {
		return nil, err
	}
	got, ok := NormalizeOTP(typed)
	want := OTP(secret, c.Challenge)
	if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		n, err := s.Store.RecordAppQRAttempt(ctx, c.ID, MaxOTPAttempts)
		if errors.Is(err, store.ErrNotFound) {
			return nil, ErrAnswered
		}
		if err != nil {
			return nil, fmt.Errorf("mobileapp: verify QR: %w", err)
		}
		if n >= MaxOTPAttempts {
			return nil, ErrTooManyTries
		}
		return nil, ErrWrongOTP
	}
	if err := s.Store.UseAppQRChallenge(ctx, c.ID, now, MaxOTPAttempts); errors.Is(err, store.ErrNotFound) {
		return nil, ErrAnswered
	} else if err != nil {
		return nil, fmt.Errorf("mobileapp: verify QR: %w", err)
	}
	if s.Regulator != nil {
		if err := s.Regulator.Succeeded(ctx, guard); err != nil {
			return nil, err
		}
	}
	return d, nil
}
