package sms

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"eulogin/internal/audit"
	"eulogin/internal/authn"
	"eulogin/internal/store"
)

// Factor is "Mobile phone + SMS" as a factor of the login state machine
// (authn.Machine): the code sent to the number the flow chose (its
// PhoneID), bound to the flow.
type Factor struct {
	Challenges *Challenges
	Phones     interface {
		PhoneByID(ctx context.Context, userID, id string) (*store.Phone, error)
		CountPhones(ctx context.Context, userID string) (int, error)
		TouchPhone(ctx context.Context, userID, id string, now time.Time) error
	}
	Logger *slog.Logger
}

var _ authn.Factor = Factor{}

// ID is the SMS step.
func (Factor) ID() authn.Step { return authn.MethodSMS }

// Field is the form field of the code.
func (Factor) Field() string { return "code" }

// EmptyKey is the message of the secret left empty.
func (Factor) EmptyKey() string { return "sms_code.empty" }

// Strength is PASSWORD_SMS.
func (Factor) Strength() authn.Strength { return authn.StrengthPasswordSMS }

// Enrolled reports whether the account has a number.
func (f Factor) Enrolled(ctx context.Context, userID, _ string) (bool, error) {
	n, err := f.Phones.CountPhones(ctx, userID)
	return n > 0, err
}

// Check verifies the code typed for the flow's number. A flow whose number
// or challenge is gone goes back to the choice of number.
func (f Factor) Check(ctx context.Context, c authn.Check) (authn.Result, error) {
	back := authn.Result{Verdict: authn.Void, Back: authn.MethodSMS}
	fl := c.Flow
	ph, err := f.Phones.PhoneByID(ctx, fl.UserID, fl.PhoneID)
	if errors.Is(err, store.ErrNotFound) {
		return back, nil
	}
	if err != nil {
		return authn.Result{}, err
	}
	res, err := f.Challenges.Verify(ctx, fl.UserID, PurposeLogin, c.FlowID, c.Secret, ph.E164)
	if err != nil {
		return authn.Result{}, err
	}
	switch res.Outcome {
	case NoChallenge:
		return back, nil
	case Verified:
		if err := f.Phones.TouchPhone(ctx, fl.UserID, ph.ID, f.Challenges.now()); err != nil {
			f.Logger.Error("touch phone", "err", err)
		}
		return authn.Result{Verdict: authn.Right}, nil
	}
	failure, counted, err := f.Challenges.Refused(ctx, fl.UserID, PurposeLogin, res)
	if err != nil {
		f.Logger.Error("end a dead code", "err", err)
	}
	out := authn.Result{Verdict: authn.Void, Failure: failure, Event: audit.SMSCodeRefused, Detail: res.Outcome.String()}
	if counted {
		out.Verdict = authn.Wrong
	}
	return out, nil
}

// Refused returns the failure to show on the field "code" for a code that
// was not verified (res), and whether the try was a wrong code (it counts
// against the login limits). A code killed by wrong tries is ended, so that
// a new one can be sent at once; err is a failure to end it (the failure
// is still to be shown).
func (c *Challenges) Refused(ctx context.Context, userID, purpose string, res Result) (failure *authn.Failure, counted bool, err error) {
	switch res.Outcome {
	case WrongCode, OtherNumber:
		return &authn.Failure{Code: authn.WrongSecret, Field: "code", Key: "sms_code.wrong", Args: []any{"n", fmt.Sprint(res.AttemptsLeft)}}, true, nil
	case TooManyTries:
		// A dead code does not hold the wait for a new one.
		err := c.Abandon(context.WithoutCancel(ctx), userID, purpose)
		return &authn.Failure{Code: authn.WrongSecret, Field: "code", Key: "sms_code.too_many_tries"}, true, err
	case AlreadyUsed:
		return &authn.Failure{Code: authn.Gone, Field: "code", Key: "sms_code.already_used"}, false, nil
	}
	return &authn.Failure{Code: authn.Gone, Field: "code", Key: "sms_code.expired"}, false, nil
}
