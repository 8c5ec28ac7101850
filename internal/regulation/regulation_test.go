package regulation_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"eulogin/internal/regulation"
	"eulogin/internal/store"
	"eulogin/internal/store/storetest"
)

var engines = storetest.Engines

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

var t0 = time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)

func newRegulator(t *testing.T, open func(*testing.T) *store.DB, p regulation.Policy) (*regulation.Regulator, *clock) {
	c := &clock{t: t0}
	return &regulation.Regulator{Store: open(t), Now: c.Now, Policy: p}, c
}

func account(email string) regulation.Subject {
	return regulation.Subject{Limit: regulation.LoginAccount, Of: email}
}

func client(ip string) regulation.Subject {
	return regulation.Subject{Limit: regulation.LoginClient, Of: ip}
}

// TestSlidingWindow: a limit of 3 per 10 minutes refuses the fourth event
// until the oldest leaves the window; refusals are taken back and never
// extend the lock.
func TestSlidingWindow(t *testing.T) {
	for _, e := range engines {
		t.Run(e.Name, func(t *testing.T) {
			r, c := newRegulator(t, e.Open, regulation.Policy{
				regulation.MailAddress: {Max: 3, Window: 10 * time.Minute},
			})
			ctx := t.Context()
			s := regulation.Subject{Limit: regulation.MailAddress, Of: "ana@example.org"}
			try := func(d time.Duration) regulation.Decision {
				t.Helper()
				c.Advance(d)
				dec, err := r.Attempt(ctx, s)
				if err != nil {
					t.Fatal(err)
				}
				return dec
			}
			for i, d := range []time.Duration{0, 2 * time.Minute, 2 * time.Minute} { // 10:00, 10:02, 10:04
				dec := try(d)
				if !dec.Allowed {
					t.Fatalf("attempt %d refused, want allowed", i+1)
				}
				if got, want := dec.Fills(regulation.MailAddress), i == 2; got != want {
					t.Errorf("attempt %d Fills = %v, want %v", i+1, got, want)
				}
			}
			dec := try(time.Minute) // 10:05
			if want := t0.Add(10 * time.Minute); dec.Allowed || dec.Refused != regulation.MailAddress || !dec.Until.Equal(want) {
				t.Fatalf("4th attempt = %+v, want refused by %s until %v", dec, regulation.MailAddress, want)
			}
			// Many refusals do not move the end of the lock.
			for range 5 {
				if dec := try(time.Second); dec.Allowed {
					t.Fatal("refused attempt allowed")
				}
			}
			if name, until, err := r.Blocked(ctx, s); err != nil || name != regulation.MailAddress || !until.Equal(t0.Add(10*time.Minute)) {
				t.Errorf("Blocked = %s, %v, %v, want %s until %v", name, until, err, regulation.MailAddress, t0.Add(10*time.Minute))
			}
			c.t = t0.Add(10*time.Minute + time.Second) // the 10:00 event has left
			if dec := try(0); !dec.Allowed {
				t.Fatalf("after the oldest left: refused, want allowed")
			}
			if dec := try(0); dec.Allowed {
				t.Fatalf("second after the oldest left: allowed, want refused")
			}
		})
	}
}

// TestSucceeded: a good login forgets the account's failures but only its
// own record of the client address.
func TestSucceeded(t *testing.T) {
	for _, e := range engines {
		t.Run(e.Name, func(t *testing.T) {
			r, _ := newRegulator(t, e.Open, regulation.Policy{
				regulation.LoginAccount: {Max: 3, Window: time.Hour, ClearOnSuccess: true},
				regulation.LoginClient:  {Max: 3, Window: time.Hour},
			})
			ctx := t.Context()
			for range 2 { // two failures of ana from 192.0.2.1
				if _, err := r.Attempt(ctx, account("ana"), client("192.0.2.1")); err != nil {
					t.Fatal(err)
				}
			}
			dec, err := r.Attempt(ctx, account("ana"), client("192.0.2.1"))
			if err != nil || !dec.Allowed {
				t.Fatalf("third attempt = %+v, %v, want allowed", dec, err)
			}
			if !dec.Fills(regulation.LoginAccount) || !dec.Fills(regulation.LoginClient) {
				t.Errorf("third attempt Filled = %v, want both limits", dec.Filled)
			}
			if err := r.Succeeded(ctx, dec); err != nil {
				t.Fatal(err)
			}
			// The account starts again from zero: three more attempts.
			for i := range 3 {
				if dec, err := r.Attempt(ctx, account("ana")); err != nil || !dec.Allowed {
					t.Fatalf("account attempt %d after success = %+v, %v, want allowed", i+1, dec, err)
				}
			}
			// The client keeps its two failures: one more, then refused.
			if dec, _ := r.Attempt(ctx, client("192.0.2.1")); !dec.Allowed {
				t.Fatal("client attempt after success refused, want allowed")
			}
			if dec, _ := r.Attempt(ctx, client("192.0.2.1")); dec.Allowed {
				t.Fatal("client's 4th counted attempt allowed, want refused")
			}
		})
	}
}

// TestRefusedByAnyRecordsNothing: an attempt that one subject refuses
// leaves no event under the others.
func TestRefusedByAnyRecordsNothing(t *testing.T) {
	for _, e := range engines {
		t.Run(e.Name, func(t *testing.T) {
			r, _ := newRegulator(t, e.Open, regulation.Policy{
				regulation.LoginAccount: {Max: 1, Window: time.Hour, ClearOnSuccess: true},
				regulation.LoginClient:  {Max: 5, Window: time.Hour},
			})
			ctx := t.Context()
			r.Attempt(ctx, account("ana"), client("192.0.2.1"))
			for range 3 {
				if dec, _ := r.Attempt(ctx, account("ana"), client("192.0.2.1")); dec.Allowed {
					t.Fatal("allowed past the account's limit")
				}
			}
			// The client has one event, so four more are allowed.
			for i := range 4 {
				if dec, _ := r.Attempt(ctx, account("bob"+string(rune('a'+i))), client("192.0.2.1")); !dec.Allowed {
					t.Fatalf("client attempt %d refused: the refusals were counted", i+2)
				}
			}
		})
	}
}

func TestOffAndZero(t *testing.T) {
	r, _ := newRegulator(t, storetest.OpenSQLite, regulation.Policy{
		regulation.MailAddress: {Max: -1, Window: time.Hour},
		regulation.MailClient:  {Max: 0, Window: time.Hour},
	})
	for range 20 {
		if dec, _ := r.Attempt(t.Context(), regulation.Subject{Limit: regulation.MailAddress, Of: "a"}); !dec.Allowed {
			t.Fatal("a switched-off limit refused")
		}
	}
	if dec, _ := r.Attempt(t.Context(), regulation.Subject{Limit: regulation.MailClient, Of: "a"}); dec.Allowed {
		t.Fatal("a limit of 0 allowed")
	}
	// An unconfigured name takes its default rather than no limit.
	if got := r.Limit(regulation.LoginAccount); got != regulation.DefaultPolicy()[regulation.LoginAccount] {
		t.Errorf("Limit(unconfigured) = %+v, want the default", got)
	}
}

// TestConcurrentWrongPasswords fires 50 concurrent attempts at one account
// with a limit of 5: however the requests interleave, no more than 5 may go
// on to verify a password. (A burst may allow fewer, even none: each
// attempt sees the others' records; the refused ones are taken back.)
func TestConcurrentWrongPasswords(t *testing.T) {
	for _, e := range engines {
		t.Run(e.Name, func(t *testing.T) {
			r, _ := newRegulator(t, e.Open, regulation.Policy{
				regulation.LoginAccount: {Max: 5, Window: 15 * time.Minute, ClearOnSuccess: true},
				regulation.LoginClient:  {Max: 1000, Window: 15 * time.Minute},
			})
			var verified atomic.Int32
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range 50 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					dec, err := r.Attempt(t.Context(), account("ana@example.org"), client("198.51.100."+string(rune('0'+i%10))))
					if err != nil {
						t.Error(err)
						return
					}
					if dec.Allowed {
						verified.Add(1) // here the handler would run argon2
					}
				}()
			}
			close(start)
			wg.Wait()
			n := int(verified.Load())
			if n > 5 {
				t.Errorf("%d of 50 concurrent attempts were allowed to verify, want at most 5", n)
			}
			// The refused ones were taken back: exactly the rest of the 5
			// are allowed afterwards, one by one.
			more := 0
			for range 10 {
				if dec, err := r.Attempt(t.Context(), account("ana@example.org")); err != nil {
					t.Fatal(err)
				} else if dec.Allowed {
					more++
				}
			}
			if n+more != 5 {
				t.Errorf("%d allowed in the burst and %d after it, want 5 in all", n, more)
			}
			t.Logf("%s: %d of 50 concurrent attempts allowed", e.Name, verified.Load())
		})
	}
}
