package mobileapp

import (
	"context"
	"errors"
	"fmt"
)

// PIN lengths.
const (
	DefaultPINLength = 4 // as EU Login
	MinPINLength     = 4
	MaxPINLength     = 8
)

// Reasons CheckPIN refuses a PIN.
var (
	ErrPINFormat  = errors.New("mobileapp: the PIN must be digits of the required length")
	ErrPINTrivial = errors.New("mobileapp: the PIN is too easy to guess")
)

// CheckPIN checks a new PIN of length digits: only digits, and not trivial
// (one repeated digit such as 0000, a run up or down such as 1234 or 9876,
// a repeated pattern such as 1212 or 123123). It returns ErrPINFormat or
// ErrPINTrivial.
func CheckPIN(pin string, length int) error {
	if len(pin) != length {
		return ErrPINFormat
	}
	for i := 0; i < len(pin); i++ {
		if pin[i] < '0' || pin[i] > '9' {
			return ErrPINFormat
		}
	}
	up, down := true, true
	for i := 1; i < len(pin); i++ {
		d := int(pin[i]) - int(pin[i-1])
		up = up && (d == 1 || d == -9)
		down = down && (d == -1 || d == 9)
	}
	if up || down {
		return ErrPINTrivial
	}
	for unit := 1; unit <= len(pin)/2; unit++ {
		if len(pin)%unit != 0 {
			continue
		}
		repeated := true
		for i := unit; i < len(pin); i++ {
			if pin[i] != pin[i-unit] {
				repeated = false
				break
			}
		}
		if repeated {
			return ErrPINTrivial
		}
	}
	return nil
}

// Hasher makes and checks slow PIN hashes. *password.Hasher implements it
// (argon2id, PHC strings, a bounded worker pool); share the IdP's one so that
// PIN checks and password checks draw from the same pool.
type Hasher interface {
	Hash(ctx context.Context, secret string) (string, error)
	Verify(ctx context.Context, secret, encoded string) (ok, needsRehash bool, err error)
}

// PINError is a wrong PIN, with the attempts left before the device locks.
type PINError struct{ Left int }

func (e *PINError) Error() string {
	return fmt.Sprintf("mobileapp: wrong PIN (%d attempts left)", e.Left)
}

// Is makes errors.Is(err, ErrWrongPIN) true.
func (e *PINError) Is(target error) bool { return target == ErrWrongPIN }
