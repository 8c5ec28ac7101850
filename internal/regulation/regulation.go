// Package regulation owns every limit of the service, by name: failed
// logins per account and per client address, e-mails per recipient and per
// client address, SMS codes per number, account, client address and
// country, and wrong one-time codes per mobile device. The limits are
// configured in one place, a Policy; the code that needs one names it.
//
// Every event is a row in the database, so all replicas see the same
// counts, and windows slide: a limit of N events per window W refuses an
// event while N others lie in the last W.
//
// Attempt records the event first and decides afterwards. Each insert is
// committed before its count is read, so the k-th event committed sees at
// least k events: of any number of concurrent attempts, at most N are
// allowed, on SQLite and PostgreSQL alike, with no lock. A refused attempt
// is taken back, so that refusals never extend a lock; an allowed login
// attempt stays counted until it turns out good (Succeeded).
package regulation

import (
	"context"
	"fmt"
	"time"
)

// Store keeps the events. store.DB implements it.
type Store interface {
	AddAttempt(ctx context.Context, key string, at time.Time) (int64, error)
	DeleteAttempt(ctx context.Context, id int64) error
	CountAttempts(ctx context.Context, key string, since time.Time, n int) (int, time.Time, error)
	ClearAttempts(ctx context.Context, key string) error
}

// Name names a limit.
type Name string

// The limits of the service.
const (
	// LoginAccount counts wrong passwords and wrong second-factor codes of
	// one account, from every client: the lockout. The re-check of the
	// password before a change in My Account counts here too, so that it
	// gives no extra guesses.
	LoginAccount Name = "login-account"
	// LoginBrowser counts the same failures of one account in one browser
	// where the account completed a login before (a known browser). Such a
	// browser is counted here instead of under LoginAccount, so that
	// others' guesses cannot lock the owner out (docs/adr/0012).
	LoginBrowser Name = "login-browser"
	// LoginClient counts the same failures per client address, over every
	// account: one address guessing many accounts.
	LoginClient Name = "login-client"
	// MailAddress counts the e-mails asked for to one address (registration,
	// lost password, change of address).
	MailAddress Name = "mail-address"
	// MailClient counts the e-mails asked for from one client address.
	MailClient Name = "mail-client"
	// SMSNumberHour, SMSNumberDay, SMSAccountDay, SMSClientHour and
	// SMSCountryHour are the caps against SMS pumping.
	SMSNumberHour  Name = "sms-number-hour"
	SMSNumberDay   Name = "sms-number-day"
	SMSAccountDay  Name = "sms-account-day"
	SMSClientHour  Name = "sms-client-hour"
	SMSCountryHour Name = "sms-country-hour"
	// AppOTP counts the wrong offline one-time passwords of one mobile
	// device. (Wrong PINs lock the device itself after
	// mobileapp.MaxPINAttempts in a row: that lock is part of the device.)
	AppOTP Name = "app-otp"
)

// Limit is at most Max events per Window. Max < 0 switches the limit off.
type Limit struct {
	Max    int
	Window time.Duration
	// ClearOnSuccess makes a good attempt forget the subject's earlier
	// failures (the account's lockout count); otherwise only the good
	// attempt itself is taken back (the client's count).
	ClearOnSuccess bool
}

// Off reports whether the limit is switched off.
func (l Limit) Off() bool { return l.Max < 0 }

// Policy is the configured limit of each name.
type Policy map[Name]Limit

// DefaultPolicy returns the limits the service ships with: 5 failed logins
// per account (or per account in a known browser) and 50 per client
// address in 15 minutes; 5 e-mails per
// address and 30 per client address an hour; SMS codes 5 an hour and 10 a
// day per number, 20 a day per account, 20 an hour per client address and
// 200 an hour per country; 10 wrong one-time passwords per device in 15
// minutes.
func DefaultPolicy() Policy {
	return Policy{
		LoginAccount:   {Max: 5, Window: 15 * time.Minute, ClearOnSuccess: true},
		LoginBrowser:   {Max: 5, Window: 15 * time.Minute, ClearOnSuccess: true},
		LoginClient:    {Max: 50, Window: 15 * time.Minute},
		MailAddress:    {Max: 5, Window: time.Hour},
		MailClient:     {Max: 30, Window: time.Hour},
		SMSNumberHour:  {Max: 5, Window: time.Hour},
		SMSNumberDay:   {Max: 10, Window: 24 * time.Hour},
		SMSAccountDay:  {Max: 20, Window: 24 * time.Hour},
		SMSClientHour:  {Max: 20, Window: time.Hour},
		SMSCountryHour: {Max: 200, Window: time.Hour},
		AppOTP:         {Max: 10, Window: 15 * time.Minute},
	}
}

// Subject is what one limit counts: the limit's name and the thing counted
// (an e-mail address, a client address, a phone number...).
type Subject struct {
	Limit Name
	Of    string
}

// key is the subject's key in the store. It ends with the subject, so that
// deleting an account can find its rows (store.DeleteUser).
func (s Subject) key() string { return string(s.Limit) + ":" + s.Of }

// Regulator applies a Policy.
type Regulator struct {
	Store  Store
	Now    func() time.Time
	Policy Policy
}

// limit returns the configured limit of name; an unconfigured name takes
// the default, so that a forgotten setting never switches a limit off.
func (r *Regulator) limit(name Name) Limit {
	if l, ok := r.Policy[name]; ok {
		return l
	}
	if l, ok := DefaultPolicy()[name]; ok {
		return l
	}
	panic("regulation: unknown limit " + string(name))
}

// Limit returns the configured limit of name.
func (r *Regulator) Limit(name Name) Limit { return r.limit(name) }

// Decision is the outcome of an Attempt.
type Decision struct {
	// Allowed reports whether the attempt may go on. When it is false,
	// nothing stays recorded.
	Allowed bool
	// Refused names the limit that holds longest, and Until when it frees,
	// when the attempt was refused.
	Refused Name
	Until   time.Time
	// Filled lists the limits this allowed attempt filled up: should it
	// fail, the next one will be refused until FilledUntil (a lockout to
	// announce).
	Filled      []Name
	FilledUntil time.Time

	recorded []recorded
}

type recorded struct {
	subject Subject
	id      int64
}

// Fills reports whether the attempt filled up the limit name.
func (d Decision) Fills(name Name) bool {
	for _, n := range d.Filled {
		if n == name {
			return true
		}
	}
	return false
}

// Attempt records one event under each subject, then decides: the attempt
// is allowed when no subject's limit holds more than Max events in its
// window, this one included. A refused attempt is taken back.
func (r *Regulator) Attempt(ctx context.Context, subjects ...Subject) (Decision, error) {
	now := r.Now()
	var d Decision
	for _, s := range subjects {
		l := r.limit(s.Limit)
		if l.Off() || s.Of == "" {
			continue
		}
		id, err := r.Store.AddAttempt(ctx, s.key(), now)
		if err != nil {
			r.takeBack(ctx, d.recorded)
			return Decision{}, fmt.Errorf("regulation: attempt %s: %w", s.Limit, err)
		}
		d.recorded = append(d.recorded, recorded{s, id})
	}
	d.Allowed = true
	for _, rec := range d.recorded {
		l := r.limit(rec.subject.Limit)
		count, nth, err := r.Store.CountAttempts(ctx, rec.subject.key(), now.Add(-l.Window), l.Max)
		if err != nil {
			r.takeBack(ctx, d.recorded)
			return Decision{}, fmt.Errorf("regulation: attempt %s: %w", rec.subject.Limit, err)
		}
		switch {
		case count > l.Max:
			d.Allowed = false
			// The window frees when the oldest of the Max events before
			// this one leaves it.
			_, older, err := r.Store.CountAttempts(ctx, rec.subject.key(), now.Add(-l.Window), l.Max+1)
			if err != nil {
				r.takeBack(ctx, d.recorded)
				return Decision{}, fmt.Errorf("regulation: attempt %s: %w", rec.subject.Limit, err)
			}
			until := older.Add(l.Window)
			if older.IsZero() { // others were taken back meanwhile
				until = now.Add(l.Window)
			}
			if until.After(d.Until) {
				d.Refused, d.Until = rec.subject.Limit, until
			}
		case count == l.Max:
			d.Filled = append(d.Filled, rec.subject.Limit)
			if until := nth.Add(l.Window); until.After(d.FilledUntil) {
				d.FilledUntil = until
			}
		}
	}
	if !d.Allowed {
		r.takeBack(ctx, d.recorded)
		d.recorded, d.Filled, d.FilledUntil = nil, nil, time.Time{}
	}
	return d, nil
}

// takeBack deletes recorded events; it runs after a failure or a refusal,
// and an error only leaves an event to expire with its window.
func (r *Regulator) takeBack(ctx context.Context, recs []recorded) {
	for _, rec := range recs {
		r.Store.DeleteAttempt(context.WithoutCancel(ctx), rec.id)
	}
}

// Succeeded tells that the allowed attempt d turned out good (the right
// password or code): the subjects whose limit clears on success forget
// their failures, and the others forget this attempt.
func (r *Regulator) Succeeded(ctx context.Context, d Decision) error {
	for _, rec := range d.recorded {
		var err error
		if r.limit(rec.subject.Limit).ClearOnSuccess {
			err = r.Store.ClearAttempts(ctx, rec.subject.key())
		} else {
			err = r.Store.DeleteAttempt(ctx, rec.id)
		}
		if err != nil {
			return fmt.Errorf("regulation: success of %s: %w", rec.subject.Limit, err)
		}
	}
	return nil
}

// Cancel takes back the allowed attempt d: it turned out to be neither a
// success nor a failure (an expired code, a form sent without one).
func (r *Regulator) Cancel(ctx context.Context, d Decision) {
	r.takeBack(ctx, d.recorded)
}

// Blocked returns, without recording anything, the limit that would refuse
// an attempt against subjects now and until when (zero when none would).
// Pages use it to say a lockout before asking for anything.
func (r *Regulator) Blocked(ctx context.Context, subjects ...Subject) (Name, time.Time, error) {
	now := r.Now()
	var name Name
	var until time.Time
	for _, s := range subjects {
		l := r.limit(s.Limit)
		if l.Off() || s.Of == "" {
			continue
		}
		count, nth, err := r.Store.CountAttempts(ctx, s.key(), now.Add(-l.Window), l.Max)
		if err != nil {
			return "", time.Time{}, fmt.Errorf("regulation: blocked %s: %w", s.Limit, err)
		}
		var u time.Time
		switch {
		case l.Max == 0:
			u = now.Add(l.Window)
		case count >= l.Max:
			u = nth.Add(l.Window)
		}
		if u.After(until) {
			name, until = s.Limit, u
		}
	}
	return name, until, nil
}

// Clear forgets every event of subject (an account whose password was just
// reset by its owner starts with a clean count).
func (r *Regulator) Clear(ctx context.Context, subject Subject) error {
	if err := r.Store.ClearAttempts(ctx, subject.key()); err != nil {
		return fmt.Errorf("regulation: clear %s: %w", subject.Limit, err)
	}
	return nil
}
