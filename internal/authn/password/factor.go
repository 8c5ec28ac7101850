package password

import (
	"context"
	"log/slog"
	"time"

	"eulogin/internal/audit"
	"eulogin/internal/authn"
)

// Factor is the password as a factor of the login state machine
// (authn.Machine): every check costs the same argon2 work, within the
// client address's share of the hasher, whether the address is known, has
// no password yet or is unknown.
type Factor struct {
	Hasher *Hasher
	Store  interface {
		SetPasswordHash(ctx context.Context, id, hash string, now time.Time, passwordChanged bool) error
	}
	Logger *slog.Logger
	Now    func() time.Time
}

var _ authn.Factor = Factor{}

// ID is the password's step.
func (Factor) ID() authn.Step { return authn.MethodPassword }

// Field is the form field of the password.
func (Factor) Field() string { return "password" }

// EmptyKey is the message of the secret left empty.
func (Factor) EmptyKey() string { return "password.empty" }

// Strength is the strength of the password alone.
func (Factor) Strength() authn.Strength { return authn.StrengthPassword }

// Enrolled is true: every account logs in with its password (one not set
// yet fails like a wrong one).
func (Factor) Enrolled(context.Context, string, string) (bool, error) { return true, nil }

// wrong is the result of a wrong password, an unknown address and an
// account without a password alike.
var wrong = authn.Result{
	Verdict: authn.Wrong, Event: audit.LoginFailure,
	Failure: &authn.Failure{Code: authn.WrongSecret, Field: "password", Key: "login.failed"},
}

// Check verifies the password; a right one stored with old parameters is
// hashed again with the current ones.
func (f Factor) Check(ctx context.Context, c authn.Check) (authn.Result, error) {
	h := f.Hasher.For(c.Client.IP)
	u := c.User
	if u == nil || u.PasswordHash == "" {
		if err := h.VerifyDummy(ctx, c.Secret); err != nil {
			return authn.Result{}, err
		}
		return wrong, nil
	}
	good, rehash, err := h.Verify(ctx, c.Secret, u.PasswordHash)
	if err != nil {
		return authn.Result{}, err
	}
	if !good {
		return wrong, nil
	}
	if rehash {
		now := time.Now
		if f.Now != nil {
			now = f.Now
		}
		if nh, err := h.Hash(ctx, c.Secret); err == nil {
			if err := f.Store.SetPasswordHash(ctx, u.ID, nh, now(), false); err != nil {
				f.Logger.Error("rehash a password", "err", err)
			}
		}
	}
	return authn.Result{Verdict: authn.Right}, nil
}
