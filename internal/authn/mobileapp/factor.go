package mobileapp

import (
	"context"
	"errors"

	"eulogin/internal/audit"
	"eulogin/internal/authn"
	"eulogin/internal/notify"
	"eulogin/internal/store"
)

// The EU Login Mobile App as factors of the login state machine
// (authn.Machine): PushFactor ("Mobile App PIN code": a request approved in
// the app with the PIN, which the app API checks and throttles) and
// QRFactor ("QR code": the one-time password the app shows after scanning
// the page's code, typed on the page). Both are bound to the flow.

// enrolled reports whether the account has a usable device other than
// except.
func (s *Service) enrolled(ctx context.Context, userID, except string) (bool, error) {
	devices, err := s.UsableDevices(ctx, userID)
	if err != nil {
		return false, err
	}
	for _, d := range devices {
		if d.ID != except {
			return true, nil
		}
	}
	return false, nil
}

// PushFactor is the push request approved with the PIN.
type PushFactor struct{ Service *Service }

var _ authn.Factor = PushFactor{}

// ID is the push step.
func (PushFactor) ID() authn.Step { return authn.MethodAppPIN }

// Field is "": nothing is typed on the page.
func (PushFactor) Field() string { return "" }

// EmptyKey is "": nothing is typed.
func (PushFactor) EmptyKey() string { return "" }

// Strength is PASSWORD_MOBILE_APP.
func (PushFactor) Strength() authn.Strength { return authn.StrengthPasswordMobileApp }

// Enrolled reports whether the account has a usable device but except.
func (f PushFactor) Enrolled(ctx context.Context, userID, except string) (bool, error) {
	return f.Service.enrolled(ctx, userID, except)
}

// Check reads the answer to the flow's request: approved passes; a denial,
// a wrong number and a device locked by wrong PINs refuse the login (the
// owner is told by e-mail); a request not answered yet, or expired, is
// shown so.
func (f PushFactor) Check(ctx context.Context, c authn.Check) (authn.Result, error) {
	back := authn.Result{Verdict: authn.Void, Back: authn.MethodAppPIN}
	if c.Flow.AppRequestID == "" {
		return back, nil
	}
	state, err := f.Service.PushState(ctx, c.Flow.AppRequestID, c.FlowID)
	if errors.Is(err, ErrNotFound) {
		return back, nil
	}
	if err != nil {
		return authn.Result{}, err
	}
	switch state {
	case store.AppRequestApproved:
		return authn.Result{Verdict: authn.Right}, nil
	case store.AppRequestPending:
		return authn.Result{Verdict: authn.Void, Failure: &authn.Failure{Code: authn.Pending, Key: "login_app.not_yet"}}, nil
	case store.AppRequestDenied, store.AppRequestWrongNumber, store.AppRequestLocked:
		return authn.Result{
			Verdict: authn.Refused, Event: audit.AppLoginRefused, Detail: state,
			Failure: &authn.Failure{Code: authn.Denied, Key: "login_app.refused_" + state},
			Notice: &authn.Notice{Kind: notify.AppLoginRefused, Vars: map[string]any{
				"time": f.Service.now(), "reason": notify.Text("mail.app_login_refused.reason_" + state), "ip": c.Client.IP,
			}},
		}, nil
	}
	return authn.Result{Verdict: authn.Void, Failure: &authn.Failure{Code: authn.Gone, Key: "login_app.expired"}}, nil
}

// QRFactor is the offline QR code and its one-time password.
type QRFactor struct{ Service *Service }

var _ authn.Factor = QRFactor{}

// ID is the QR code step.
func (QRFactor) ID() authn.Step { return authn.MethodAppQR }

// Field is the form field of the one-time password.
func (QRFactor) Field() string { return "otp" }

// EmptyKey is the message of the one-time password left empty.
func (QRFactor) EmptyKey() string { return "login_app_qr.empty" }

// Strength is PASSWORD_MOBILE_APP.
func (QRFactor) Strength() authn.Strength { return authn.StrengthPasswordMobileApp }

// Enrolled reports whether the account has a usable device but except.
func (f QRFactor) Enrolled(ctx context.Context, userID, except string) (bool, error) {
	return f.Service.enrolled(ctx, userID, except)
}

// Check verifies the one-time password of the flow's QR challenge. Wrong
// ones count against the challenge and the device here, and against the
// login limits in the machine.
func (f QRFactor) Check(ctx context.Context, c authn.Check) (authn.Result, error) {
	fl := c.Flow
	if fl.AppQRID == "" {
		return authn.Result{Verdict: authn.Void, Back: authn.MethodAppQR}, nil
	}
	refused := func(v authn.Verdict, detail string, failure authn.Failure) authn.Result {
		failure.Field = "otp"
		return authn.Result{Verdict: v, Event: audit.AppOTPRefused, Detail: detail, Failure: &failure}
	}
	_, err := f.Service.VerifyQR(ctx, fl.AppQRID, c.FlowID, c.Secret)
	var throttled *ThrottleError
	switch {
	case err == nil:
		return authn.Result{Verdict: authn.Right}, nil
	case errors.Is(err, ErrWrongOTP):
		return refused(authn.Wrong, "wrong", authn.Failure{Code: authn.WrongSecret, Key: "login_app_qr.wrong"}), nil
	case errors.As(err, &throttled):
		return refused(authn.Void, "throttled", authn.Failure{Code: authn.Locked, Key: "login.locked", Until: throttled.Until}), nil
	case errors.Is(err, ErrTooManyTries), errors.Is(err, ErrExpired), errors.Is(err, ErrAnswered):
		return refused(authn.Void, "expired", authn.Failure{Code: authn.Gone, Key: "login_app_qr.expired"}), nil
	case errors.Is(err, ErrNotFound), errors.Is(err, ErrLocked):
		// The device was removed or locked: a new code, for another
		// device or none, is shown.
		fl.AppQRID, fl.AppQRURI, fl.AppDeviceID = "", "", ""
		return refused(authn.Void, "device", authn.Failure{Code: authn.Gone, Key: "login_app_qr.device_gone"}), nil
	}
	return authn.Result{}, err
}
