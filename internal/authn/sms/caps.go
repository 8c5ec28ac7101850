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

// withDefaults replaces zero fields by their defaults.
func (c Caps) withDefaults() Caps {
	d := DefaultCaps()
	for _, f := range []struct{ v, def *int }{
		{&c.PerNumberHour, &d.PerNumberHour},
		{&c.PerNumberDay, &d.PerNumberDay},
		{&c.PerAccountDay, &d.PerAccountDay},
		{&c.PerIPHour, &d.PerIPHour},
		{&c.PerCountryHour, &d.PerCountryHour},
	} {
		if *f.v == 0 {
			*f.v = *f.def
		}
	}
	return c
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

// Limiter applies Caps with the sliding-window counters of package
// regulation, kept in the database so that they hold across replicas, under
// the keys sms:num:<e164>, sms:acct:<user id>, sms:ip:<address> and
// sms:cc:<region>.
type Limiter struct {
	Regulator *regulation.Regulator
	Caps      Caps
}

// Take checks every cap for r and, when none refuses, counts one SMS under
// each key and returns nil. Otherwise it counts nothing and returns a
// *CapError naming the cap that holds longest. Check and count are not one
// transaction: concurrent requests may overshoot a cap by the number of
// requests in flight.
func (l *Limiter) Take(ctx context.Context, r Request) error {
	caps := l.Caps.withDefaults()
	type check struct {
		cap   Cap
		key   string
		limit regulation.Limit
	}
	var checks []check
	add := func(c Cap, key, part string, max int, window time.Duration) {
		if part != "" && max > 0 {
			checks = append(checks, check{c, key + part, regulation.Limit{Max: max, Window: window}})
		}
	}
	add(CapNumberHour, "sms:num:", r.Phone, caps.PerNumberHour, time.Hour)
	add(CapNumberDay, "sms:num:", r.Phone, caps.PerNumberDay, 24*time.Hour)
	add(CapAccountDay, "sms:acct:", r.UserID, caps.PerAccountDay, 24*time.Hour)
	add(CapIPHour, "sms:ip:", r.IP, caps.PerIPHour, time.Hour)
	add(CapCountryHour, "sms:cc:", r.Region, caps.PerCountryHour, time.Hour)

	var refused *CapError
	for _, c := range checks {
		until, err := l.Regulator.Check(ctx, c.key, c.limit)
		if err != nil {
			return err
		}
		if !until.IsZero() && (refused == nil || until.After(refused.Until)) {
			refused = &CapError{Cap: c.cap, Until: until}
		}
	}
	if refused != nil {
		return refused
	}
	hit := map[string]bool{}
	for _, c := range checks {
		if hit[c.key] {
			continue // the number's hourly and daily caps share a key
		}
		hit[c.key] = true
		if err := l.Regulator.Hit(ctx, c.key); err != nil {
			return err
		}
	}
	return nil
}
