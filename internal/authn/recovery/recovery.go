// Package recovery is the recovery codes of an account: ten single-use
// codes, shown once when they are made, kept only as hashes, that stand in
// for a lost second factor at login. A new set voids the old one.
package recovery

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	"eulogin/internal/audit"
	"eulogin/internal/authn"
	"eulogin/internal/notify"
	"eulogin/internal/store"
)

// Count is how many codes a set has.
const Count = 10

// alphabet has no letters or digits that read alike (0/o, 1/l/i).
const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// codeLen is the number of characters of a code (about 49 bits), written
// as two groups of five.
const codeLen = 10

// Store keeps the codes. store.DB implements it.
type Store interface {
	ReplaceRecoveryCodes(ctx context.Context, userID string, hashes []string, now time.Time) error
	UseRecoveryCode(ctx context.Context, userID, hash string, now time.Time) error
	RecoveryCodesLeft(ctx context.Context, userID string) (int, error)
}

var _ Store = (*store.DB)(nil)

// Hasher is a keyed hash (mobileapp.Keys): a code of about 49 bits kept as
// a plain hash would be found from a copy of the database.
type Hasher interface {
	Hash(label string, data []byte) string
}

// Codes makes and spends the recovery codes of accounts.
type Codes struct {
	Store  Store
	Hasher Hasher
	Now    func() time.Time // nil: time.Now
}

func (c *Codes) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// New makes a new set for userID, voiding the old one, and returns the
// codes to show, once.
func (c *Codes) New(ctx context.Context, userID string) ([]string, error) {
	codes := make([]string, Count)
	hashes := make([]string, Count)
	for i := range codes {
		b := make([]byte, codeLen)
		for j := range b {
			b[j] = alphabet[randIndex(len(alphabet))]
		}
		codes[i] = string(b[:codeLen/2]) + "-" + string(b[codeLen/2:])
		hashes[i] = c.hash(userID, codes[i])
	}
	if err := c.Store.ReplaceRecoveryCodes(ctx, userID, hashes, c.now()); err != nil {
		return nil, err
	}
	return codes, nil
}

// Left counts the unused codes of userID.
func (c *Codes) Left(ctx context.Context, userID string) (int, error) {
	return c.Store.RecoveryCodesLeft(ctx, userID)
}

// randIndex returns a uniform random number below n (n small).
func randIndex(n int) int {
	var b [1]byte
	limit := 256 - 256%n
	for {
		rand.Read(b[:])
		if int(b[0]) < limit {
			return int(b[0]) % n
		}
	}
}

// Normalize returns code as it is hashed: lower case, without spaces and
// dashes; "" when it cannot be a code.
func Normalize(code string) string {
	code = strings.Map(func(r rune) rune {
		switch {
		case r == ' ' || r == '-' || r == '\u00a0':
			return -1
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return r
	}, code)
	if len(code) != codeLen || strings.Trim(code, alphabet) != "" {
		return ""
	}
	return code
}

// hash is the keyed hash of a code, bound to its account: the same code of
// two accounts hashes differently.
func (c *Codes) hash(userID, code string) string {
	return c.Hasher.Hash("recovery:"+userID, []byte(Normalize(code)))
}

// Factor is a recovery code as a factor of the login state machine: it
// stands in for the second factor after the password, on the page of any
// second factor ("Use a recovery code"). It never counts as enrolled, so
// the machine never picks it by itself; and a login with it has a strength
// of its own, PASSWORD_RECOVERY_CODE, which applications do not take for
// two factors: the owner is led to review the account's factors instead.
type Factor struct{ Codes *Codes }

var _ authn.Factor = Factor{}

// ID is the recovery code's step.
func (Factor) ID() authn.Step { return authn.MethodRecovery }

// Field is the form field of the code.
func (Factor) Field() string { return "recovery_code" }

// EmptyKey is the message of a code left empty.
func (Factor) EmptyKey() string { return "login_recovery.empty" }

// Strength is PASSWORD_RECOVERY_CODE.
func (Factor) Strength() authn.Strength { return authn.StrengthPasswordRecovery }

// Enrolled is false: see the type's comment.
func (Factor) Enrolled(context.Context, string, string) (bool, error) { return false, nil }

// Check spends the code; the owner is told by e-mail, with the number of
// codes left.
func (f Factor) Check(ctx context.Context, c authn.Check) (authn.Result, error) {
	wrong := authn.Result{
		Verdict: authn.Wrong, Event: audit.RecoveryCodeRefused,
		Failure: &authn.Failure{Code: authn.WrongSecret, Field: "recovery_code", Key: "login_recovery.wrong"},
	}
	code := Normalize(c.Secret)
	if c.User == nil || code == "" {
		return wrong, nil
	}
	err := f.Codes.Store.UseRecoveryCode(ctx, c.User.ID, f.Codes.hash(c.User.ID, code), f.Codes.now())
	if errors.Is(err, store.ErrNotFound) {
		return wrong, nil
	}
	if err != nil {
		return authn.Result{}, fmt.Errorf("recovery: %w", err)
	}
	left, err := f.Codes.Left(ctx, c.User.ID)
	if err != nil {
		return authn.Result{}, err
	}
	return authn.Result{Verdict: authn.Right, Notice: &authn.Notice{Kind: notify.RecoveryCodeUsed, Vars: map[string]any{"time": f.Codes.now(), "left": left}}}, nil
}
