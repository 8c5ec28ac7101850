// Package notify writes the e-mails of the identity provider in the
// recipient's e-mail language, as plain text and HTML, and hands them to a
// mail.Sender. Each kind of e-mail is a list of message keys: a subject, the
// paragraphs before the link, the link, the paragraphs after it, and what to
// do if the recipient did not ask for it. Links are always also written out
// in full.
package notify

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"html/template"
	"strings"
	"time"

	"eulogin/internal/i18n"
	"eulogin/internal/mail"
)

// Kind names an e-mail.
type Kind string

// The e-mails the identity provider sends.
const (
	Register          Kind = "register"            // registered: create your password
	Reset             Kind = "reset"               // lost password: choose a new one
	AccountExists     Kind = "account_exists"      // someone registered with an existing address
	EmailChange       Kind = "email_change"        // to the new address: confirm it
	EmailChangeNotice Kind = "email_change_notice" // to the old address: a change was requested
	EmailChanged      Kind = "email_changed"       // to the old address: the change is done
	PasswordChanged   Kind = "password_changed"
	AccountDeleted    Kind = "account_deleted"
	Lockout           Kind = "lockout"             // too many failed logins
	PhoneAdded        Kind = "phone_added"         // a mobile phone number was added to the account
	PhoneRemoved      Kind = "phone_removed"       // a mobile phone number was removed from the account
	AppDeviceAdded    Kind = "app_device_added"    // a mobile app device was added to the account
	AppDeviceRenamed  Kind = "app_device_renamed"  // a mobile app device was renamed
	AppDeviceRemoved  Kind = "app_device_removed"  // a mobile app device was removed
	AppPINReset       Kind = "app_pin_reset"       // the PIN of a mobile app device was reset
	AppDevicesDeleted Kind = "app_devices_deleted" // "Delete all my devices"
	AppLoginRefused   Kind = "app_login_refused"   // a login by the mobile app was denied, had the wrong number, or locked the device
	FactorChange      Kind = "factor_change"       // confirm a removal of second factors asked without one
	TOTPAdded         Kind = "totp_added"          // an authenticator app was added to the account
	TOTPRemoved       Kind = "totp_removed"        // an authenticator app was removed from the account
	RecoveryCodeUsed  Kind = "recovery_code_used"  // a login with a recovery code
	RecoveryCodesNew  Kind = "recovery_codes_new"  // a new set of recovery codes
)

type spec struct {
	before []string // paragraph keys before the link
	link   string   // link text key; "" = no link
	after  []string // paragraph keys after the link
	notYou string
}

var specs = map[Kind]spec{
	Register:          {[]string{"mail.register.p1", "mail.register.p2", "mail.register.p3"}, "mail.register.link", []string{"mail.link.validity"}, "mail.not_you.ignore"},
	Reset:             {[]string{"mail.reset.p1", "mail.reset.p2"}, "mail.reset.link", []string{"mail.link.validity_reset"}, "mail.not_you.ignore"},
	AccountExists:     {[]string{"mail.account_exists.p1", "mail.account_exists.p2"}, "mail.account_exists.link", nil, "mail.not_you.unchanged"},
	EmailChange:       {[]string{"mail.email_change.p1", "mail.email_change.p2"}, "mail.email_change.link", []string{"mail.link.validity_short"}, "mail.not_you.ignore"},
	EmailChangeNotice: {[]string{"mail.email_change_notice.p1", "mail.email_change_notice.p2"}, "", nil, "mail.not_you.secure"},
	EmailChanged:      {[]string{"mail.email_changed.p1"}, "", nil, "mail.not_you.secure"},
	PasswordChanged:   {[]string{"mail.password_changed.p1", "mail.password_changed.p2"}, "", nil, "mail.not_you.secure"},
	AccountDeleted:    {[]string{"mail.account_deleted.p1", "mail.account_deleted.p2"}, "", nil, "mail.not_you.helpdesk"},
	Lockout:           {[]string{"mail.lockout.p1", "mail.lockout.p2"}, "", nil, "mail.not_you.secure"},
	PhoneAdded:        {[]string{"mail.phone_added.p1", "mail.phone_added.p2"}, "", nil, "mail.not_you.secure"},
	PhoneRemoved:      {[]string{"mail.phone_removed.p1"}, "", nil, "mail.not_you.secure"},
	AppDeviceAdded:    {[]string{"mail.app_device_added.p1", "mail.app_device_added.p2"}, "", nil, "mail.not_you.secure"},
	AppDeviceRenamed:  {[]string{"mail.app_device_renamed.p1"}, "", nil, "mail.not_you.secure"},
	AppDeviceRemoved:  {[]string{"mail.app_device_removed.p1"}, "", nil, "mail.not_you.secure"},
	AppPINReset:       {[]string{"mail.app_pin_reset.p1"}, "", nil, "mail.not_you.secure"},
	AppDevicesDeleted: {[]string{"mail.app_devices_deleted.p1"}, "", nil, "mail.not_you.secure"},
	AppLoginRefused:   {[]string{"mail.app_login_refused.p1", "mail.app_login_refused.p2"}, "", nil, "mail.not_you.secure"},
	TOTPAdded:         {[]string{"mail.totp_added.p1"}, "", nil, "mail.not_you.secure"},
	TOTPRemoved:       {[]string{"mail.totp_removed.p1"}, "", nil, "mail.not_you.secure"},
	RecoveryCodeUsed:  {[]string{"mail.recovery_code_used.p1", "mail.recovery_code_used.p2"}, "", nil, "mail.not_you.secure"},
	RecoveryCodesNew:  {[]string{"mail.recovery_codes_new.p1"}, "", nil, "mail.not_you.secure"},
	FactorChange:      {[]string{"mail.factor_change.p1", "mail.factor_change.p2"}, "mail.factor_change.link", []string{"mail.link.validity_short"}, "mail.not_you.secure"},
}

// Kinds returns every kind, for tests that check each renders.
func Kinds() []Kind {
	return []Kind{Register, Reset, AccountExists, EmailChange, EmailChangeNotice, EmailChanged, PasswordChanged, AccountDeleted, Lockout, PhoneAdded, PhoneRemoved, AppDeviceAdded, AppDeviceRenamed, AppDeviceRemoved, AppPINReset, AppDevicesDeleted, AppLoginRefused, FactorChange, TOTPAdded, TOTPRemoved, RecoveryCodeUsed, RecoveryCodesNew}
}

//go:embed mail.html
var htmlFS embed.FS

var htmlTmpl = template.Must(template.ParseFS(htmlFS, "mail.html"))

// Mailer renders and sends e-mails.
type Mailer struct {
	Bundle  *i18n.Bundle
	Sender  mail.Sender
	Product string // the service name, e.g. "EU Login"
}

// Recipient is who gets an e-mail and in which language.
type Recipient struct {
	Email string
	Name  string // full name for the greeting
	Lang  string // e-mail language
}

// Text is a placeholder's value given as a message key: it is written in
// the recipient's language.
type Text string

// Render builds the message of kind for to. vars fill the placeholders of the
// texts (a time.Time is written as the recipient's language writes times, in
// its usual zone, named; a Text is translated); vars["link"] is the URL of the link when the kind
// has one.
func (m *Mailer) Render(to Recipient, kind Kind, vars map[string]any) (mail.Message, error) {
	sp, ok := specs[kind]
	if !ok {
		return mail.Message{}, fmt.Errorf("notify: unknown kind %q", kind)
	}
	l := m.Bundle.Localizer(to.Lang)
	args := []any{"product", m.Product, "name", to.Name, "email", to.Email}
	for k, v := range vars {
		// The recipient's own placeholders cannot be overridden: a device
		// named "name" once put the user's name where the device's belonged.
		if k == "product" || k == "name" || k == "email" {
			return mail.Message{}, fmt.Errorf("notify: %s: %q is the recipient's placeholder", kind, k)
		}
		switch x := v.(type) {
		case time.Time:
			v = l.Time(x)
		case Text:
			v = l.T(string(x))
		}
		args = append(args, k, v)
	}
	link, _ := vars["link"].(string)
	t := func(key string) string { return l.T(key, args...) }
	d := data{
		Lang:     l.Lang,
		Subject:  t("mail." + string(kind) + ".subject"),
		Greeting: t("mail.greeting"),
		Link:     link,
		NotYou:   t(sp.notYou),
		Closing:  t("mail.closing"),
		Footer:   t("mail.footer"),
	}
	for _, k := range sp.before {
		d.Before = append(d.Before, t(k))
	}
	for _, k := range sp.after {
		d.After = append(d.After, t(k))
	}
	if sp.link != "" {
		if d.Link == "" {
			return mail.Message{}, fmt.Errorf("notify: %s needs a link", kind)
		}
		d.LinkText = t(sp.link)
		d.CopyHint = t("mail.link.copy")
	}
	var text strings.Builder
	text.WriteString(d.Greeting + "\n\n")
	for _, p := range d.Before {
		text.WriteString(p + "\n\n")
	}
	if d.Link != "" {
		text.WriteString(d.Link + "\n\n")
	}
	for _, p := range d.After {
		text.WriteString(p + "\n\n")
	}
	text.WriteString(d.NotYou + "\n\n" + d.Closing + "\n\n-- \n" + d.Footer + "\n")
	var html bytes.Buffer
	if err := htmlTmpl.ExecuteTemplate(&html, "mail.html", d); err != nil {
		return mail.Message{}, fmt.Errorf("notify: render %s: %w", kind, err)
	}
	return mail.Message{To: to.Email, ToName: to.Name, Subject: d.Subject, Text: text.String(), HTML: html.String()}, nil
}

// Send renders and sends an e-mail.
func (m *Mailer) Send(ctx context.Context, to Recipient, kind Kind, vars map[string]any) error {
	msg, err := m.Render(to, kind, vars)
	if err != nil {
		return err
	}
	if err := m.Sender.Send(ctx, msg); err != nil {
		return fmt.Errorf("notify: send %s: %w", kind, err)
	}
	return nil
}

type data struct {
	Lang, Subject, Greeting  string
	Before, After            []string
	Link, LinkText, CopyHint string
	NotYou, Closing, Footer  string
}
