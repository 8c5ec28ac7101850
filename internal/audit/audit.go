// Package audit is the security log of the login service and of the ECI
// portal: typed event kinds, and one Log that writes an event with the
// details of the request that caused it, passed in explicitly.
//
// A failure to write is logged and does not fail the request: refusing a
// login over an audit hiccup helps nobody, and the error log makes the gap
// visible.
package audit

import (
	"context"
	"log/slog"
	"strings"
	"time"
)

// Kind is the type of an event, as stored (the values never change, so
// that old rows keep their meaning).
type Kind string

// The events of the login service.
const (
	AccountCreated         Kind = "account_created"
	RegisterExisting       Kind = "register_existing" // a registration for an address that has an account
	PasswordCreated        Kind = "password_created"
	PasswordChanged        Kind = "password_changed"
	PasswordReset          Kind = "password_reset"
	PasswordResetRequested Kind = "password_reset_requested"
	PasswordResetUnknown   Kind = "password_reset_unknown" // lost password for an address with no account
	LinkRenewed            Kind = "link_renewed"
	EmailChangeRequested   Kind = "email_change_requested"
	EmailChanged           Kind = "email_changed"
	ProfileUpdated         Kind = "profile_updated"
	FactorChangeRequested  Kind = "factor_change_requested" // a removal of second factors without one: the link is e-mailed
	OptionsChanged         Kind = "options_changed"

	LoginSuccess       Kind = "login_success"
	LoginFailure       Kind = "login_failure"
	LoginRefusedLocked Kind = "login_refused_locked"
	AccountLocked      Kind = "account_locked"
	PasswordCheckFail  Kind = "password_check_failure" // a wrong current password in My Account
	StepUpSuccess      Kind = "step_up_success"
	ReauthSuccess      Kind = "reauth_success"
	Logout             Kind = "logout"

	PhoneAdded        Kind = "phone_added"
	PhoneRefused      Kind = "phone_refused"
	PhoneRemoved      Kind = "phone_removed"
	SMSSent           Kind = "sms_sent"
	SMSDeliveryFailed Kind = "sms_delivery_failed"
	SMSRefusedCap     Kind = "sms_refused_cap"
	SMSCodeRefused    Kind = "sms_code_refused"

	AppEnrolmentStarted   Kind = "app_enrolment_started"
	AppDeviceAdded        Kind = "app_device_added"
	AppDeviceRenamed      Kind = "app_device_renamed"
	AppDeviceRemoved      Kind = "app_device_removed"
	AppDeviceRemovedByApp Kind = "app_device_removed_by_app"
	AppDevicesDeleted     Kind = "app_devices_deleted"
	AppPINReset           Kind = "app_pin_reset"
	AppPushSent           Kind = "app_push_sent"
	AppLoginRefused       Kind = "app_login_refused"
	AppOTPRefused         Kind = "app_otp_refused"

	TOTPAdded   Kind = "totp_added"   // an authenticator app was added
	TOTPRemoved Kind = "totp_removed" // an authenticator app was removed
	TOTPRefused Kind = "totp_refused" // a wrong or replayed code of an authenticator app

	RecoveryCodesCreated Kind = "recovery_codes_created" // a new set of recovery codes (the old one is void)
	RecoveryCodeRefused  Kind = "recovery_code_refused"  // a wrong or used recovery code at login
)

// The events of the ECI portal.
const (
	PortalLogin            Kind = "LOGIN"
	PortalLoginRefused     Kind = "LOGIN_REFUSED"
	PortalLogout           Kind = "LOGOUT"
	PortalLogoutEverywhere Kind = "LOGOUT_EVERYWHERE"
	PortalSingleLogout     Kind = "SINGLE_LOGOUT"
	PortalReviewerRole     Kind = "REVIEWER_ROLE"

	InitiativeCreate   Kind = "INITIATIVE_CREATE"
	InitiativeEdit     Kind = "INITIATIVE_EDIT"
	MemberInvite       Kind = "MEMBER_INVITE"
	MemberAccept       Kind = "MEMBER_ACCEPT"
	InvitationRefused  Kind = "INVITATION_REFUSED"
	MemberDetails      Kind = "MEMBER_DETAILS"
	Contacts           Kind = "CONTACTS"
	Funding            Kind = "FUNDING"
	FundingEdit        Kind = "FUNDING_EDIT"
	InitiativeSubmit   Kind = "INITIATIVE_SUBMIT"
	SubmitRefused      Kind = "SUBMIT_REFUSED"
	InitiativeDecision Kind = "INITIATIVE_DECISION"
	ChangesRequested   Kind = "CHANGES_REQUESTED"
	CollectionStart    Kind = "COLLECTION_START"
	AccessDenied       Kind = "ACCESS_DENIED"
	DocumentUpload     Kind = "DOCUMENT_UPLOAD"
	HandOver           Kind = "HANDOVER"
	MemberRemove       Kind = "MEMBER_REMOVE"
	MemberReinvite     Kind = "MEMBER_REINVITE"
)

// Request is what an event records of the request that caused it: the
// client's address (as the server resolved it behind its trusted proxies)
// and its User-Agent. The zero Request is an event of no request (a job).
type Request struct {
	IP        string
	UserAgent string
}

// Event is one entry of the log.
type Event struct {
	ID     int64
	UserID string // "" for an event of no account (an unknown address)
	At     time.Time
	Kind   Kind
	Request
	Detail string
}

// Store keeps the events.
type Store interface {
	AddAudit(ctx context.Context, e *Event) error
}

// The longest User-Agent and detail kept, in bytes.
const (
	MaxUserAgent = 300
	MaxDetail    = 500
)

// Log writes events. Its zero value is not usable: Store and Logger are
// required.
type Log struct {
	Store  Store
	Logger *slog.Logger
	Now    func() time.Time // nil: time.Now
	// Count, when set, is told each event written or not (the metrics).
	Count func(Kind)
}

// Record writes an event of kind for the account userID, caused by req.
// It goes on when the request's context is cancelled (the client left):
// what happened still happened.
func (l *Log) Record(ctx context.Context, req Request, userID string, kind Kind, detail string) {
	now := time.Now
	if l.Now != nil {
		now = l.Now
	}
	e := &Event{
		UserID: userID, At: now(), Kind: kind,
		Request: Request{IP: Clean(req.IP, 64), UserAgent: Clean(req.UserAgent, MaxUserAgent)},
		Detail:  Clean(detail, MaxDetail),
	}
	if err := l.Store.AddAudit(context.WithoutCancel(ctx), e); err != nil {
		l.Logger.Error("audit", "type", kind, "err", err)
	}
	l.Logger.Info("audit", "type", kind, "user", userID, "ip", e.IP)
	if l.Count != nil {
		l.Count(kind)
	}
}

// Clean cuts s to at most n bytes of valid UTF-8. Invalid bytes are dropped
// even when s is short: headers such as User-Agent may hold any byte, and
// PostgreSQL refuses to store text that is not UTF-8.
func Clean(s string, n int) string {
	if len(s) > n {
		s = s[:n]
	}
	return strings.ToValidUTF8(s, "")
}
