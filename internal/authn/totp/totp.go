// Package totp is the authenticator app factor: time-based one-time
// passwords (RFC 6238) of apps such as FreeOTP or Google Authenticator,
// enrolled by QR code or by the typed secret and confirmed with a first
// code. Codes have 6 digits and 30-second steps; one step of tolerance on
// either side absorbs clocks a little off; a code (its step) is never
// accepted twice, and a later code makes every earlier one void.
package totp

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"eulogin/internal/audit"
	"eulogin/internal/authn"
	"eulogin/internal/store"
)

// The parameters of the codes, those every authenticator app supports.
const (
	Period = 30 // seconds
	Skew   = 1  // steps of tolerance on either side
	Digits = 6
)

// EnrolTTL is how long an enrolment may wait for its first code.
const EnrolTTL = 10 * time.Minute

// Store keeps the apps. store.DB implements it.
type Store interface {
	AddTOTP(ctx context.Context, c *store.TOTPCredential) error
	TOTPByID(ctx context.Context, userID, id string) (*store.TOTPCredential, error)
	ListTOTP(ctx context.Context, userID string) ([]store.TOTPCredential, error)
	UseTOTPStep(ctx context.Context, userID, id string, step int64, now time.Time) error
}

var _ Store = (*store.DB)(nil)

// Sealer encrypts the secrets at rest (mobileapp.Keys).
type Sealer interface {
	Seal(label string, secret []byte) string
	Open(label, sealed string) ([]byte, error)
}

// Errors of enrolment.
var (
	ErrWrongCode = errors.New("totp: wrong code")
	ErrNotFound  = errors.New("totp: no such app")
)

// Authenticators enrols and checks the authenticator apps of accounts.
type Authenticators struct {
	Store  Store
	Sealer Sealer
	Issuer string           // the service's name, shown in the apps
	Now    func() time.Time // nil: time.Now
}

func (a *Authenticators) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// Enrolment is an app being added: what the page shows.
type Enrolment struct {
	ID     string
	Name   string
	Secret string // base32, to type when the QR code cannot be scanned
	URI    string // otpauth://totp/..., the QR code's content
}

func label(id string) string { return "totp:" + id }

// Begin starts the enrolment of an app named name for the account userID
// (account: the name the app shows, its e-mail address). An enrolment left
// half-way is replaced.
func (a *Authenticators) Begin(ctx context.Context, userID, account, name string) (*Enrolment, error) {
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer: a.Issuer, AccountName: account, Period: Period, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1,
	})
	if err != nil {
		return nil, fmt.Errorf("totp: generate: %w", err)
	}
	b := make([]byte, 16)
	rand.Read(b)
	id := hex.EncodeToString(b)
	c := &store.TOTPCredential{ID: id, UserID: userID, Name: name, Secret: a.Sealer.Seal(label(id), []byte(key.Secret())), CreatedAt: a.now()}
	if err := a.Store.AddTOTP(ctx, c); err != nil {
		return nil, err
	}
	return &Enrolment{ID: id, Name: name, Secret: key.Secret(), URI: key.URL()}, nil
}

// pending returns the enrolment id of userID, ErrNotFound when it is not
// pending (confirmed, or older than EnrolTTL).
func (a *Authenticators) pending(ctx context.Context, userID, id string) (*store.TOTPCredential, error) {
	c, err := a.Store.TOTPByID(ctx, userID, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && (!c.ConfirmedAt.IsZero() || a.now().Sub(c.CreatedAt) > EnrolTTL) {
		return nil, ErrNotFound
	}
	return c, err
}

// Pending returns the enrolment id of userID again (to show its QR code
// once more), ErrNotFound when it is not pending.
func (a *Authenticators) Pending(ctx context.Context, userID, account, id string) (*Enrolment, error) {
	c, err := a.pending(ctx, userID, id)
	if err != nil {
		return nil, err
	}
	secret, err := a.Sealer.Open(label(c.ID), c.Secret)
	if err != nil {
		return nil, err
	}
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer: a.Issuer, AccountName: account, Period: Period, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1,
		Secret: mustDecode(string(secret)),
	})
	if err != nil {
		return nil, fmt.Errorf("totp: key: %w", err)
	}
	return &Enrolment{ID: c.ID, Name: c.Name, Secret: string(secret), URI: key.URL()}, nil
}

// Confirm ends the enrolment id of userID with a first code of the app.
// ErrWrongCode for a wrong code; ErrNotFound when it is not pending.
func (a *Authenticators) Confirm(ctx context.Context, userID, id, code string) (*store.TOTPCredential, error) {
	c, err := a.pending(ctx, userID, id)
	if err != nil {
		return nil, err
	}
	step, ok, err := a.match(c, code)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrWrongCode
	}
	if err := a.Store.UseTOTPStep(ctx, userID, id, step, a.now()); errors.Is(err, store.ErrNotFound) {
		return nil, ErrWrongCode
	} else if err != nil {
		return nil, err
	}
	return c, nil
}

// Normalize returns code without the spaces and dashes people type, or ""
// when it is not Digits digits.
func Normalize(code string) string {
	code = strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\u00a0' {
			return -1
		}
		return r
	}, code)
	if len(code) != Digits || strings.Trim(code, "0123456789") != "" {
		return ""
	}
	return code
}

// match reports which time step within the tolerance code belongs to for
// app c.
func (a *Authenticators) match(c *store.TOTPCredential, code string) (int64, bool, error) {
	code = Normalize(code)
	if code == "" {
		return 0, false, nil
	}
	secret, err := a.Sealer.Open(label(c.ID), c.Secret)
	if err != nil {
		return 0, false, err
	}
	now := a.now()
	for d := -Skew; d <= Skew; d++ {
		at := now.Add(time.Duration(d*Period) * time.Second)
		want, err := totp.GenerateCodeCustom(string(secret), at, totp.ValidateOpts{Period: Period, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			return 0, false, fmt.Errorf("totp: code: %w", err)
		}
		if want == code {
			return at.Unix() / Period, true, nil
		}
	}
	return 0, false, nil
}

func mustDecode(secret string) []byte {
	b, err := base32NoPad.DecodeString(strings.ToUpper(secret))
	if err != nil {
		return nil
	}
	return b
}

// Factor is the authenticator app as a factor of the login state machine.
type Factor struct{ Apps *Authenticators }

var _ authn.Factor = Factor{}

// ID is the authenticator app's step.
func (Factor) ID() authn.Step { return authn.MethodTOTP }

// Field is the form field of the code.
func (Factor) Field() string { return "totp" }

// EmptyKey is the message of a code left empty.
func (Factor) EmptyKey() string { return "login_totp.empty" }

// Strength is PASSWORD_SOFTWARE_TOKEN.
func (Factor) Strength() authn.Strength { return authn.StrengthPasswordTOTP }

// Enrolled reports whether the account has a confirmed app but except.
func (f Factor) Enrolled(ctx context.Context, userID, except string) (bool, error) {
	apps, err := f.Apps.Store.ListTOTP(ctx, userID)
	if err != nil {
		return false, err
	}
	for _, c := range apps {
		if c.ID != except {
			return true, nil
		}
	}
	return false, nil
}

// Check accepts a code of any of the account's apps, once: a code of a
// step already used (a replay) is refused, and audited as a replay.
func (f Factor) Check(ctx context.Context, c authn.Check) (authn.Result, error) {
	wrong := authn.Result{
		Verdict: authn.Wrong, Event: audit.TOTPRefused, Detail: "wrong",
		Failure: &authn.Failure{Code: authn.WrongSecret, Field: "totp", Key: "login_totp.wrong"},
	}
	if c.User == nil {
		return wrong, nil
	}
	apps, err := f.Apps.Store.ListTOTP(ctx, c.User.ID)
	if err != nil {
		return authn.Result{}, err
	}
	for i := range apps {
		step, ok, err := f.Apps.match(&apps[i], c.Secret)
		if err != nil {
			return authn.Result{}, err
		}
		if !ok {
			continue
		}
		err = f.Apps.Store.UseTOTPStep(ctx, c.User.ID, apps[i].ID, step, f.Apps.now())
		if errors.Is(err, store.ErrNotFound) {
			// A replay (or a race lost) is audited as such, and answered
			// like a wrong code: a guesser learns nothing from it.
			wrong.Detail = "replayed " + apps[i].Name
			return wrong, nil
		}
		if err != nil {
			return authn.Result{}, err
		}
		return authn.Result{Verdict: authn.Right}, nil
	}
	return wrong, nil
}

// base32NoPad is the encoding of TOTP secrets (RFC 4648 without padding).
var base32NoPad = base32.StdEncoding.WithPadding(base32.NoPadding)
