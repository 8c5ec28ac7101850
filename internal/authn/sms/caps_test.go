package sms_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"eulogin/internal/authn/sms"
	"eulogin/internal/regulation"
	"eulogin/internal/store/storetest"
)

func TestDefaultCaps(t *testing.T) {
	want := sms.Caps{PerNumberHour: 5, PerNumberDay: 10, PerAccountDay: 20, PerIPHour: 20, PerCountryHour: 200}
	if got := sms.DefaultCaps(); got != want {
		t.Errorf("DefaultCaps() = %+v, want %+v", got, want)
	}
}

func TestLimiter(t *testing.T) {
	// Each case varies parts of the request between sends and keeps the
	// others, so that exactly one cap fills up.
	const (
		sameAll = 0
		user    = 1 << iota // a new account for each send
		number              // a new number for each send
		address             // a new client address for each send
	)
	request := func(vary, i int) sms.Request {
		r := sms.Request{UserID: "u1", Phone: phone, Region: "LV", IP: "192.0.2.1"}
		if vary&user != 0 {
			r.UserID = fmt.Sprint("u", i)
		}
		if vary&number != 0 {
			r.Phone = fmt.Sprintf("+3712000%04d", i)
		}
		if vary&address != 0 {
			r.IP = fmt.Sprint("10.0.", i/250, ".", i%250)
		}
		return r
	}
	for _, tc := range []struct {
		name    string
		caps    sms.Caps
		vary    int
		every   time.Duration // time between sends
		allowed int           // sends before the refusal
		wantCap sms.Cap
		wantFor time.Duration // refusal lasts until the first send + this
	}{
		{"default number per hour", sms.Caps{}, user | address, time.Minute, 5, sms.CapNumberHour, time.Hour},
		{"default number per day", sms.Caps{}, user | address, 2 * time.Hour, 10, sms.CapNumberDay, 24 * time.Hour},
		{"default account per day", sms.Caps{}, number | address, time.Minute, 20, sms.CapAccountDay, 24 * time.Hour},
		{"default address per hour", sms.Caps{}, user | number, time.Second, 20, sms.CapIPHour, time.Hour},
		{"default country per hour", sms.Caps{}, user | number | address, time.Second, 200, sms.CapCountryHour, time.Hour},
		{"configured number per hour", sms.Caps{PerNumberHour: 1}, sameAll, time.Second, 1, sms.CapNumberHour, time.Hour},
		{"configured account per day", sms.Caps{PerAccountDay: 2, PerNumberHour: -1, PerNumberDay: -1}, sameAll, time.Hour, 2, sms.CapAccountDay, 24 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := storetest.OpenSQLite(t)
			clk := newClock()
			l := &sms.Limiter{Regulator: &regulation.Regulator{Store: db, Now: clk.Now, Policy: tc.caps.Apply(regulation.DefaultPolicy())}}
			first := clk.Now()
			for i := range tc.allowed {
				if err := l.Take(t.Context(), request(tc.vary, i)); err != nil {
					t.Fatalf("Take() #%d = %v, want nil", i+1, err)
				}
				clk.Advance(tc.every)
			}
			err := l.Take(t.Context(), request(tc.vary, tc.allowed))
			var capErr *sms.CapError
			if !errors.As(err, &capErr) || !errors.Is(err, sms.ErrCapReached) {
				t.Fatalf("Take() #%d = %v, want a *CapError", tc.allowed+1, err)
			}
			want := sms.CapError{Cap: tc.wantCap, Until: first.Add(tc.wantFor)}
			if capErr.Cap != want.Cap || !capErr.Until.Equal(want.Until) {
				t.Errorf("Take() #%d = %+v, want %+v", tc.allowed+1, *capErr, want)
			}
			// Once the window slid past the first send, one more is allowed.
			clk.t = want.Until.Add(time.Millisecond)
			if err := l.Take(t.Context(), request(tc.vary, tc.allowed)); err != nil {
				t.Errorf("Take() after %v = %v, want nil", want.Until, err)
			}
		})
	}
}

func TestLimiterRefusalCountsNothing(t *testing.T) {
	db := storetest.OpenSQLite(t)
	clk := newClock()
	l := &sms.Limiter{Regulator: &regulation.Regulator{Store: db, Now: clk.Now, Policy: sms.Caps{PerNumberHour: 1}.Apply(regulation.DefaultPolicy())}}
	req := sms.Request{UserID: "u1", Phone: phone, Region: "LV", IP: "192.0.2.1"}
	if err := l.Take(t.Context(), req); err != nil {
		t.Fatalf("Take() = %v, want nil", err)
	}
	for range 3 {
		if err := l.Take(t.Context(), req); !errors.Is(err, sms.ErrCapReached) {
			t.Fatalf("Take() = %v, want %v", err, sms.ErrCapReached)
		}
	}
	for _, key := range []string{"sms-number-hour:" + phone, "sms-account-day:u1", "sms-client-hour:192.0.2.1", "sms-country-hour:LV"} {
		if n, _, err := db.CountAttempts(t.Context(), key, time.Time{}, 1); n != 1 || err != nil {
			t.Errorf("CountAttempts(%q) = %d, %v; want 1 (refusals count nothing)", key, n, err)
		}
	}
}

func TestLimiterLongestRefusalWins(t *testing.T) {
	db := storetest.OpenSQLite(t)
	clk := newClock()
	l := &sms.Limiter{Regulator: &regulation.Regulator{Store: db, Now: clk.Now, Policy: sms.Caps{PerNumberHour: 1, PerAccountDay: 1}.Apply(regulation.DefaultPolicy())}}
	req := sms.Request{UserID: "u1", Phone: phone, Region: "LV", IP: "192.0.2.1"}
	first := clk.Now()
	if err := l.Take(t.Context(), req); err != nil {
		t.Fatalf("Take() = %v, want nil", err)
	}
	err := l.Take(t.Context(), req)
	var capErr *sms.CapError
	if !errors.As(err, &capErr) || capErr.Cap != sms.CapAccountDay || !capErr.Until.Equal(first.Add(24*time.Hour)) {
		t.Errorf("Take() = %v, want %s until %v (the longest of the caps that refuse)", err, sms.CapAccountDay, first.Add(24*time.Hour))
	}
}

func TestLimiterSkipsAndDisables(t *testing.T) {
	db := storetest.OpenSQLite(t)
	clk := newClock()
	off := sms.Caps{PerNumberHour: -1, PerNumberDay: -1, PerAccountDay: -1, PerIPHour: -1, PerCountryHour: -1}
	l := &sms.Limiter{Regulator: &regulation.Regulator{Store: db, Now: clk.Now, Policy: off.Apply(regulation.DefaultPolicy())}}
	for i := range 250 {
		if err := l.Take(t.Context(), sms.Request{UserID: "u1", Phone: phone, Region: "LV", IP: "192.0.2.1"}); err != nil {
			t.Fatalf("Take() #%d with every cap off = %v, want nil", i+1, err)
		}
	}
	// Without an address, account or region, those caps do not apply and
	// nothing is counted under an empty key.
	l.Regulator.Policy = regulation.DefaultPolicy()
	for i := range 5 {
		if err := l.Take(t.Context(), sms.Request{Phone: fmt.Sprintf("+3712000%04d", i)}); err != nil {
			t.Fatalf("Take(number only) #%d = %v, want nil", i+1, err)
		}
	}
	for _, key := range []string{"sms-account-day:", "sms-client-hour:", "sms-country-hour:"} {
		if n, _, err := db.CountAttempts(t.Context(), key, time.Time{}, 1); n != 0 || err != nil {
			t.Errorf("CountAttempts(%q) = %d, %v; want 0", key, n, err)
		}
	}
}

func TestCapErrorText(t *testing.T) {
	err := &sms.CapError{Cap: sms.CapNumberDay, Until: time.Date(2026, 3, 3, 9, 30, 0, 0, time.UTC)}
	if got, want := err.Error(), "sms: sending limit number_day reached until 2026-03-03T09:30:00Z"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if strings.Contains(err.Error(), "+371") {
		t.Errorf("Error() = %q holds a number", err)
	}
}
