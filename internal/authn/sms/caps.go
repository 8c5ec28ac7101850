package sms

import (
	"context"
	"errors"
	"fmt"
	"time"

	"eulogin/internal/regulation"
)

// Caps are the SMS-pumping limits: how many codes may be sent per number,
// account, client address and country in sliding windows. A zero field takes
// its default (DefaultCaps); a negative one switches that cap off.
type Caps struct {
	PerNumberHour  int // codes to one number per hour (default 5)
	PerNumberDay   int // codes to one number per 24 hours (default 10)
	PerAccountDay  int // codes for one account per 24 hours, all its numbers (default 20)
	PerIPHour      int // codes requested from one client address per hour (default 20)
	PerCountryHour int // codes to one country per hour, all users (default 200)
}

// DefaultCaps returns the default limits: 5 per number per hour, 10 per
// number per day, 20 per account per day, 20 per client address per hour and
// 200 per country per hour.
func DefaultCaps() Caps {
	return Caps{PerNumberHour: 5, PerNumberDay: 10, PerAccountDay: 20, PerIPHour: 20, PerCountryHour: 200}
}

// Apply returns p with the caps set on the SMS limits of package
// regulation: a zero cap keeps p's limit, a negative one switches it off.
func (c Caps) Apply(p regulation.Policy) regulation.Policy {
	out := regulation.Policy{}
	for n, l := range p {
		out[n] = l
	}
	for _, f := range []struct {
		name regulation.Name
		max  int
	}{
		{regulation.SMSNumberHour, c.PerNumberHour},
		{regulation.SMSNumberDay, c.PerNumberDay},
		{regulation.SMSAccountDay, c.PerAccountDay},
		{regulation.SMSClientHour, c.PerIPHour},
		{regulation.SMSCountryHour, c.PerCountryHour},
	} {
		if f.max == 0 {
			continue
		}
		l, ok := out[f.name]
		if !ok {
			l = regulation.DefaultPolicy()[f.name]
		}
		l.Max = f.max
		out[f.name] = l
	}
	return out
}

// Cap names one of the limits, for the translated message and the audit log.
type Cap string

// The caps.
const (
	CapNumberHour  Cap = "number_hour"
	CapNumberDay   Cap = "number_day"
	CapAccountDay  Cap = "account_day"
	CapIPHour      Cap = "ip_hour"
	CapCountryHour Cap = "country_hour"
)

// ErrCapReached matches (with errors.Is) every *CapError.
var ErrCapReached = errors.New("sms: sending limit reached")

// CapError tells that a cap refused to send a code, and until when.
type CapError struct {
	Cap   Cap       // the cap that refused (the one that holds longest when several do)
	Until time.Time // a code may be sent again from this time
}

// Error names the cap and the time; it holds no number, account or address.
func (e *CapError) Error() string {
	return fmt.Sprintf("sms: sending limit %s reached until %s", e.Cap, e.Until.UTC().Format(time.RFC3339))
}

// Is reports whether target is ErrCapReached.
func (e *CapError) Is(target error) bool { return target == ErrCapReached }

// Request names what one SMS would count against.
type Request struct {
	UserID string // the account; "" skips the account cap
	Phone  string // the number, E.164
	Region string // the number's country ("LV"); "" skips the country cap
	IP     string // the client address; "" skips the address cap
}

// caps maps the limits of package regulation to the caps they enforce.
var caps = map[regulation.Name]Cap{
	regulation.SMSNumberHour:  CapNumberHour,
	regulation.SMSNumberDay:   CapNumberDay,
	regulation.SMSAccountDay:  CapAccountDay,
	regulation.SMSClientHour:  CapIPHour,
	regulation.SMSCountryHour: CapCountryHour,
}

// Limiter applies the SMS limits of the regulator's policy (see
// Caps.Apply), kept in the database so that they hold across replicas.
type Limiter struct {
	Regulator *regulation.Regulator
}

// Take counts one SMS for r against every cap and returns nil when none
// refuses. Otherwise it counts nothing and returns a *CapError naming the
// cap that holds longest. Concurrent requests cannot overshoot a cap
// (regulation.Regulator.Attempt).
func (l *Limiter) Take(ctx context.Context, r Request) error {
	d, err := l.Regulator.Attempt(ctx,
		regulation.Subject{Limit: regulation.SMSNumberHour, Of: r.Phone},
		regulation.Subject{Limit: regulation.SMSNumberDay, Of: r.Phone},
		regulation.Subject{Limit: regulation.SMSAccountDay, Of: r.UserID},
		regulation.Subject{Limit: regulation.SMSClientHour, Of: r.IP},
		regulation.Subject{Limit: regulation.SMSCountryHour, Of: r.Region},
	)
	if err != nil {
		return err
	}
	if !d.Allowed {
		return &CapError{Cap: caps[d.Refused], Until: d.Until}
	}
	return nil
}
