// Package authn is the login state machine of the identity provider.
//
// A login is a Flow kept in the database between steps (the browser holds
// only a random flow id in a cookie). Machine takes a flow and an input and
// gives an Outcome, with no HTTP in between:
//
//  1. Identify: the user types an e-mail address. Known and unknown
//     addresses take the same path, so the answer never tells which exist.
//  2. Choose: the user picks a verification method among Methods.
//  3. Submit: the password, then the second factor of the method (or of an
//     account that always requires one), each a Factor; the last one gives
//     the Grant of the session to start, with its Strength.
//
// StepUp asks only the missing second factor of a signed-in session for an
// application that needs more; Reauth asks a second factor before a change
// of the account's second factors; CheckPassword is My Account's re-check
// of the password. Every typed secret is one attempt of the login limits of
// package regulation, recorded before it is checked. See
// docs/adr/0013-login-state-machine.md.
package authn

import (
	"strings"
	"time"
)

// Strength is EU Login's name for how a user authenticated, sent to
// applications (CAS attribute "strength").
type Strength string

// The strengths of EU Login.
const (
	StrengthPassword          Strength = "PASSWORD"
	StrengthPasswordSMS       Strength = "PASSWORD_SMS"
	StrengthPasswordMobileApp Strength = "PASSWORD_MOBILE_APP"
	StrengthMobileApp         Strength = "MOBILE_APP"
	StrengthPasswordWebAuthn  Strength = "PASSWORD_WEBAUTHN"
	StrengthPasswordTOTP      Strength = "PASSWORD_SOFTWARE_TOKEN" // an authenticator app's code
	StrengthPasswordRecovery  Strength = "PASSWORD_RECOVERY_CODE"  // a recovery code: not two factors for applications
)

// Method is a verification method offered on the method step.
type Method struct {
	ID       string   // form value, e.g. "PASSWORD"
	LabelKey string   // message key of its name
	HintKey  string   // message key of its one-line description
	Strength Strength // the strength a login with it reaches
}

// Methods lists the verification methods in the order they are offered.
var Methods = []Method{
	{ID: MethodPassword, LabelKey: "method.password", HintKey: "method.password_hint", Strength: StrengthPassword},
	{ID: MethodSMS, LabelKey: "method.sms", HintKey: "method.sms_hint", Strength: StrengthPasswordSMS},
	{ID: MethodAppPIN, LabelKey: "method.app_pin", HintKey: "method.app_pin_hint", Strength: StrengthPasswordMobileApp},
	{ID: MethodAppQR, LabelKey: "method.app_qr", HintKey: "method.app_qr_hint", Strength: StrengthPasswordMobileApp},
	{ID: MethodTOTP, LabelKey: "method.totp", HintKey: "method.totp_hint", Strength: StrengthPasswordTOTP},
}

// The ids of the verification methods.
const (
	MethodPassword = "PASSWORD" // the password alone
	MethodSMS      = "SMS"      // "Mobile phone + SMS": the password, then a code sent by SMS
	MethodAppPIN   = "APP_PIN"  // "EU Login Mobile App PIN code": the password, then a push approved with the PIN
	MethodAppQR    = "APP_QR"   // "EU Login Mobile App QR code": the password, then an offline one-time password
	MethodTOTP     = "TOTP"     // "Authenticator app": the password, then a code of an app (RFC 6238)
	// MethodRecovery is not offered on the method page: a recovery code
	// stands in for a lost second factor, from that factor's page.
	MethodRecovery = "RECOVERY"
)

// IsApp reports whether method id is one of the mobile app's.
func IsApp(id string) bool { return id == MethodAppPIN || id == MethodAppQR }

// Factors lists the factors of a strength, as the CAS attribute
// authenticationFactors carries them: "PASSWORD_SMS" is "PASSWORD,SMS".
func Factors(s Strength) string {
	if rest, ok := strings.CutPrefix(string(s), "PASSWORD_"); ok {
		return "PASSWORD," + rest
	}
	return string(s)
}

// MethodByID returns the method with id.
func MethodByID(id string) (Method, bool) {
	for _, m := range Methods {
		if m.ID == id {
			return m, true
		}
	}
	return Method{}, false
}

// Flow is the state of one login between its steps. A login either
// returns to a page of the IdP (Next) or, for an application that sent the
// user with CAS, to the application (Service and the other CAS fields).
type Flow struct {
	Email   string    `json:"email"`
	UserID  string    `json:"user_id,omitempty"` // empty when the address is unknown
	Method  string    `json:"method,omitempty"`  // the verification method chosen
	Next    string    `json:"next,omitempty"`    // a local path to go to after login
	Started time.Time `json:"started"`

	// CAS: the application the login is for.
	Service         string   `json:"service,omitempty"`          // its URL, as sent to /login (a registered service's)
	ServiceID       string   `json:"service_id,omitempty"`       // the registered service it matched
	Renew           bool     `json:"renew,omitempty"`            // renew=true: credentials were asked again
	AcceptStrengths []string `json:"accept_strengths,omitempty"` // acceptStrengths of /login; empty: the service's own
	ResponseMethod  string   `json:"response_method,omitempty"`  // "POST" to send the ticket by a form; "" to redirect

	// The second factor. PasswordOK: the password step passed and the SMS
	// or mobile app step is next (method SMS, or an account that always requires
	// multi-factor authentication). StepUp: the user is signed in (session
	// SessionHash) and only the SMS step is missing: for an application
	// that needs a stronger strength, or (Reauth) before a change of the
	// account's second factors. PhoneID is the number chosen for the code.
	PasswordOK  bool   `json:"password_ok,omitempty"`
	StepUp      bool   `json:"step_up,omitempty"`
	Reauth      bool   `json:"reauth,omitempty"`
	SessionHash string `json:"session_hash,omitempty"`
	PhoneID     string `json:"phone_id,omitempty"`

	// The mobile app step: the push request the page waits for, or the
	// offline QR challenge shown (its URI) and the device it is for.
	AppRequestID string `json:"app_request_id,omitempty"`
	AppQRID      string `json:"app_qr_id,omitempty"`
	AppQRURI     string `json:"app_qr_uri,omitempty"`
	AppDeviceID  string `json:"app_device_id,omitempty"`
}
