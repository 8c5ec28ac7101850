package sms_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"eulogin/internal/authn/sms"
	"eulogin/internal/regulation"
	"eulogin/internal/store"
)

const (
	phone      = "+37120000012"
	otherPhone = "+37120000013"
)

type fixture struct {
	db    *store.DB
	clock *clock
	c     *sms.Challenges
}

func newFixture(t *testing.T, open func(*testing.T) *store.DB) *fixture {
	t.Helper()
	db := open(t)
	mustUser(t, db, "u1")
	clk := newClock()
	return &fixture{db: db, clock: clk, c: &sms.Challenges{Store: db, Now: clk.Now}}
}

func (f *fixture) start(t *testing.T, purpose, flow string) sms.Issued {
	t.Helper()
	iss, err := f.c.Start(t.Context(), sms.StartRequest{UserID: "u1", Phone: phone, Purpose: purpose, FlowID: flow, IP: "192.0.2.1"})
	if err != nil {
		t.Fatalf("Start(%s, %s) = %v, want nil", purpose, flow, err)
	}
	return iss
}

func (f *fixture) verify(t *testing.T, purpose, flow, typed, number string, want sms.Outcome, wantLeft int) sms.Result {
	t.Helper()
	got, err := f.c.Verify(t.Context(), "u1", purpose, flow, typed, number)
	if err != nil {
		t.Fatalf("Verify(%s, %s, %q, %s) = %v, want nil error", purpose, flow, typed, number, err)
	}
	if got.Outcome != want || got.AttemptsLeft != wantLeft {
		t.Errorf("Verify(%s, %s, %q, %s) = %v with %d tries left, want %v with %d", purpose, flow, typed, number, got.Outcome, got.AttemptsLeft, want, wantLeft)
	}
	return got
}

// wrongCode returns a well-formed code different from code.
func wrongCode(code string) string {
	if strings.HasPrefix(code, "A") {
		return "C" + code[1:]
	}
	return "A" + code[1:]
}

func TestChallenges(t *testing.T) {
	for _, e := range engines {
		t.Run(e.Name, func(t *testing.T) { testChallenges(t, e.Open) })
	}
}

func testChallenges(t *testing.T, open func(*testing.T) *store.DB) {
	const login, add = sms.PurposeLogin, sms.PurposeAddPhone

	t.Run("Start", func(t *testing.T) {
		f := newFixture(t, open)
		iss := f.start(t, login, "flow")
		now := f.clock.Now()
		if got := sms.NormalizeCode(iss.Code); got != iss.Code {
			t.Errorf("Start() code %q is not in canonical form (NormalizeCode = %q)", iss.Code, got)
		}
		want := sms.Issued{ChallengeID: iss.ChallengeID, Code: iss.Code, Phone: phone, ExpiresAt: now.Add(10 * time.Minute), ResendAt: now.Add(time.Minute)}
		if iss != want || iss.ChallengeID == "" {
			t.Errorf("Start() = %+v, want %+v", iss, want)
		}
		stored, err := f.db.ChallengeByID(t.Context(), iss.ChallengeID)
		if err != nil {
			t.Fatalf("ChallengeByID() = %v", err)
		}
		raw := strings.ReplaceAll(iss.Code, "-", "")
		for _, v := range []string{stored.CodeHash, stored.Salt, stored.ID} {
			if strings.Contains(v, iss.Code) || strings.Contains(strings.ToUpper(v), raw) {
				t.Errorf("stored challenge %+v holds the code %s", *stored, iss.Code)
			}
		}
		if stored.Phone != phone || stored.Purpose != login || stored.FlowID != "flow" || stored.Salt == "" || len(stored.CodeHash) != 64 {
			t.Errorf("stored challenge = %+v, want phone, purpose, flow, a salt and a hash", *stored)
		}
	})

	t.Run("RightCode", func(t *testing.T) {
		f := newFixture(t, open)
		iss := f.start(t, add, "")
		f.clock.Advance(9*time.Minute + 59*time.Second)
		got := f.verify(t, add, "", iss.Code, phone, sms.Verified, 0)
		if got.ChallengeID != iss.ChallengeID || got.Phone != phone {
			t.Errorf("Verify() = %+v, want challenge %s for %s", got, iss.ChallengeID, phone)
		}
		// Single use.
		f.verify(t, add, "", iss.Code, phone, sms.AlreadyUsed, 0)
	})

	t.Run("TypedLoosely", func(t *testing.T) {
		f := newFixture(t, open)
		iss := f.start(t, login, "flow")
		f.verify(t, login, "flow", " "+strings.ToLower(strings.ReplaceAll(iss.Code, "-", " "))+" ", phone, sms.Verified, 0)
	})

	t.Run("WrongCodeFiveTimes", func(t *testing.T) {
		f := newFixture(t, open)
		iss := f.start(t, login, "flow")
		for left := 4; left >= 1; left-- {
			f.verify(t, login, "flow", wrongCode(iss.Code), phone, sms.WrongCode, left)
		}
		f.verify(t, login, "flow", "not a code", phone, sms.TooManyTries, 0)
		// Dead: even the right code fails now.
		f.verify(t, login, "flow", iss.Code, phone, sms.TooManyTries, 0)
		p, err := f.c.Pending(t.Context(), "u1", login, "flow")
		if err != nil || p.Outcome != sms.TooManyTries {
			t.Errorf("Pending() = %+v, %v; want %v", p, err, sms.TooManyTries)
		}
	})

	t.Run("MalformedCodeCounts", func(t *testing.T) {
		f := newFixture(t, open)
		iss := f.start(t, login, "flow")
		f.verify(t, login, "flow", "", phone, sms.WrongCode, 4)
		f.verify(t, login, "flow", iss.Code+"X", phone, sms.WrongCode, 3)
		f.verify(t, login, "flow", iss.Code, phone, sms.Verified, 0)
	})

	t.Run("Expired", func(t *testing.T) {
		f := newFixture(t, open)
		iss := f.start(t, login, "flow")
		f.clock.Advance(10 * time.Minute)
		f.verify(t, login, "flow", iss.Code, phone, sms.Expired, 0)
	})

	t.Run("ShorterLifetime", func(t *testing.T) {
		f := newFixture(t, open)
		f.c.TTL = 3 * time.Minute
		iss := f.start(t, login, "flow")
		if want := f.clock.Now().Add(3 * time.Minute); !iss.ExpiresAt.Equal(want) {
			t.Errorf("ExpiresAt = %v, want %v", iss.ExpiresAt, want)
		}
		f.clock.Advance(3 * time.Minute)
		f.verify(t, login, "flow", iss.Code, phone, sms.Expired, 0)
	})

	t.Run("OtherNumber", func(t *testing.T) {
		f := newFixture(t, open)
		iss := f.start(t, add, "")
		f.verify(t, add, "", iss.Code, otherPhone, sms.OtherNumber, 4)
		f.verify(t, add, "", iss.Code, phone, sms.Verified, 0)
	})

	t.Run("NoChallenge", func(t *testing.T) {
		f := newFixture(t, open)
		f.verify(t, login, "flow", "ACD-EFH-JKM", phone, sms.NoChallenge, 0)
		f.start(t, login, "flow")
		f.verify(t, login, "other-flow", "ACD-EFH-JKM", phone, sms.NoChallenge, 0)
		f.verify(t, add, "flow", "ACD-EFH-JKM", phone, sms.NoChallenge, 0)
		got, err := f.c.Verify(t.Context(), "u2", login, "flow", "ACD-EFH-JKM", phone)
		if err != nil || got.Outcome != sms.NoChallenge {
			t.Errorf("Verify(other user) = %+v, %v; want %v", got, err, sms.NoChallenge)
		}
	})

	t.Run("NewCodeKillsOld", func(t *testing.T) {
		f := newFixture(t, open)
		old := f.start(t, login, "flow")
		f.clock.Advance(time.Minute)
		cur := f.start(t, login, "flow")
		if old.Code == cur.Code {
			t.Skip("the two random codes are equal (probability 2^-41)")
		}
		f.verify(t, login, "flow", old.Code, phone, sms.WrongCode, 4)
		f.verify(t, login, "flow", cur.Code, phone, sms.Verified, 0)
	})

	t.Run("NewCodeInAnotherFlowKillsOld", func(t *testing.T) {
		f := newFixture(t, open)
		old := f.start(t, login, "flow-a")
		f.clock.Advance(time.Minute)
		cur := f.start(t, login, "flow-b")
		f.verify(t, login, "flow-a", old.Code, phone, sms.Expired, 0)
		f.verify(t, login, "flow-b", cur.Code, phone, sms.Verified, 0)
	})

	t.Run("PurposesAreSeparate", func(t *testing.T) {
		f := newFixture(t, open)
		a := f.start(t, add, "")
		l := f.start(t, login, "")
		f.verify(t, login, "", a.Code, phone, sms.WrongCode, 4)
		f.verify(t, add, "", a.Code, phone, sms.Verified, 0)
		f.verify(t, login, "", l.Code, phone, sms.Verified, 0)
	})

	t.Run("ResendCountdown", func(t *testing.T) {
		f := newFixture(t, open)
		first := f.start(t, login, "flow")
		for _, d := range []time.Duration{0, 30 * time.Second, 29*time.Second + 999*time.Millisecond} {
			f.clock.Advance(d)
			_, err := f.c.Start(t.Context(), sms.StartRequest{UserID: "u1", Phone: phone, Purpose: login, FlowID: "another-flow"})
			var tooSoon *sms.TooSoonError
			if !errors.As(err, &tooSoon) || !errors.Is(err, sms.ErrTooSoon) || !tooSoon.ResendAt.Equal(first.ResendAt) {
				t.Errorf("Start() %v after the first = %v, want a *TooSoonError until %v", f.clock.Now().Sub(first.ResendAt.Add(-time.Minute)), err, first.ResendAt)
			}
		}
		// The refused requests did not touch the code sent.
		if p, err := f.c.Pending(t.Context(), "u1", login, "flow"); err != nil || p.Outcome != sms.Waiting || p.ChallengeID != first.ChallengeID {
			t.Errorf("Pending() = %+v, %v; want the first challenge waiting", p, err)
		}
		f.clock.Advance(time.Millisecond)
		f.start(t, login, "flow")
	})

	t.Run("NoResendWait", func(t *testing.T) {
		f := newFixture(t, open)
		f.c.ResendAfter = -1
		iss := f.start(t, login, "flow")
		if !iss.ResendAt.Equal(f.clock.Now()) {
			t.Errorf("ResendAt = %v, want now %v", iss.ResendAt, f.clock.Now())
		}
		f.start(t, login, "flow")
	})

	t.Run("Abandon", func(t *testing.T) {
		f := newFixture(t, open)
		old := f.start(t, login, "flow")
		if err := f.c.Abandon(t.Context(), "u1", login); err != nil {
			t.Fatalf("Abandon() = %v, want nil", err)
		}
		f.verify(t, login, "flow", old.Code, phone, sms.Expired, 0)
		cur := f.start(t, login, "flow") // at once
		f.verify(t, login, "flow", cur.Code, phone, sms.Verified, 0)
	})

	t.Run("Pending", func(t *testing.T) {
		f := newFixture(t, open)
		pending := func(want sms.Result) {
			t.Helper()
			got, err := f.c.Pending(t.Context(), "u1", login, "flow")
			if err != nil || got != want {
				t.Errorf("Pending() = %+v, %v; want %+v", got, err, want)
			}
		}
		pending(sms.Result{Outcome: sms.NoChallenge})
		iss := f.start(t, login, "flow")
		want := sms.Result{Outcome: sms.Waiting, AttemptsLeft: 5, ChallengeID: iss.ChallengeID, Phone: phone, ExpiresAt: iss.ExpiresAt, ResendAt: iss.ResendAt}
		pending(want)
		f.verify(t, login, "flow", wrongCode(iss.Code), phone, sms.WrongCode, 4)
		want.AttemptsLeft = 4
		pending(want)
		f.verify(t, login, "flow", iss.Code, phone, sms.Verified, 0)
		want.Outcome, want.AttemptsLeft = sms.AlreadyUsed, 0
		pending(want)
	})

	t.Run("Pepper", func(t *testing.T) {
		f := newFixture(t, open)
		f.c.Pepper = []byte("pepper kept outside the database")
		iss := f.start(t, login, "flow")
		other := &sms.Challenges{Store: f.db, Now: f.clock.Now, Pepper: []byte("another pepper")}
		if got, err := other.Verify(t.Context(), "u1", login, "flow", iss.Code, phone); err != nil || got.Outcome != sms.WrongCode {
			t.Errorf("Verify(other pepper) = %+v, %v; want %v", got, err, sms.WrongCode)
		}
		f.verify(t, login, "flow", iss.Code, phone, sms.Verified, 0)
	})

	t.Run("ConcurrentRightCodes", func(t *testing.T) {
		f := newFixture(t, open)
		iss := f.start(t, login, "flow")
		const workers = 20
		results := make([]sms.Result, workers)
		errs := make([]error, workers)
		var wg sync.WaitGroup
		begin := make(chan struct{})
		for i := range workers {
			wg.Go(func() {
				<-begin
				results[i], errs[i] = f.c.Verify(t.Context(), "u1", login, "flow", iss.Code, phone)
			})
		}
		close(begin)
		wg.Wait()
		verified := 0
		for i := range workers {
			switch {
			case errs[i] != nil:
				t.Errorf("Verify() #%d = %v, want nil error", i, errs[i])
			case results[i].Outcome == sms.Verified:
				verified++
			case results[i].Outcome != sms.AlreadyUsed:
				t.Errorf("Verify() #%d = %v, want %v or %v", i, results[i].Outcome, sms.Verified, sms.AlreadyUsed)
			}
		}
		if verified != 1 {
			t.Errorf("Verify() calls that verified = %d, want 1", verified)
		}
	})

	t.Run("Refused", func(t *testing.T) {
		f := newFixture(t, open)
		for _, tc := range []struct {
			name string
			c    *sms.Challenges
			r    sms.StartRequest
		}{
			{"no user", f.c, sms.StartRequest{Phone: phone, Purpose: login}},
			{"unknown purpose", f.c, sms.StartRequest{UserID: "u1", Phone: phone, Purpose: "reset"}},
			{"national number", f.c, sms.StartRequest{UserID: "u1", Phone: "20000012", Purpose: login}},
			{"spaces in number", f.c, sms.StartRequest{UserID: "u1", Phone: "+371 2000 0012", Purpose: login}},
			{"lifetime above 10 minutes", &sms.Challenges{Store: f.db, Now: f.clock.Now, TTL: 10*time.Minute + time.Second}, sms.StartRequest{UserID: "u1", Phone: phone, Purpose: login}},
			{"negative lifetime", &sms.Challenges{Store: f.db, Now: f.clock.Now, TTL: -time.Minute}, sms.StartRequest{UserID: "u1", Phone: phone, Purpose: login}},
			{"unknown user", f.c, sms.StartRequest{UserID: "nobody", Phone: phone, Purpose: login}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if iss, err := tc.c.Start(t.Context(), tc.r); err == nil || iss.Code != "" {
					t.Errorf("Start(%+v) = %+v, %v; want an error and no code", tc.r, iss, err)
				}
			})
		}
		var n int
		if err := f.db.SQL().QueryRowContext(t.Context(), `SELECT COUNT(*) FROM sms_challenges`).Scan(&n); err != nil || n != 0 {
			t.Errorf("challenges stored after refusals = %d, %v; want 0", n, err)
		}
	})
}

// TestStartCaps checks the order of Start: the resend wait first (an early
// click costs no quota), then the caps (a refusal keeps the pending code).
func TestStartCaps(t *testing.T) {
	for _, e := range engines {
		t.Run(e.Name, func(t *testing.T) {
			f := newFixture(t, e.Open)
			f.c.Limiter = &sms.Limiter{
				Regulator: &regulation.Regulator{Store: f.db, Now: f.clock.Now, Policy: sms.Caps{PerNumberHour: 2}.Apply(regulation.DefaultPolicy())},
			}
			req := sms.StartRequest{UserID: "u1", Phone: phone, Purpose: sms.PurposeLogin, FlowID: "flow", IP: "192.0.2.1"}
			start := f.clock.Now()
			if _, err := f.c.Start(t.Context(), req); err != nil {
				t.Fatalf("Start() #1 = %v, want nil", err)
			}
			for range 3 {
				f.clock.Advance(10 * time.Second)
				if _, err := f.c.Start(t.Context(), req); !errors.Is(err, sms.ErrTooSoon) {
					t.Fatalf("early Start() = %v, want %v", err, sms.ErrTooSoon)
				}
			}
			f.clock.Advance(30 * time.Second)
			second, err := f.c.Start(t.Context(), req)
			if err != nil {
				t.Fatalf("Start() #2 after the countdown = %v, want nil (early clicks cost nothing)", err)
			}
			f.clock.Advance(time.Minute)
			_, err = f.c.Start(t.Context(), req)
			var capErr *sms.CapError
			if !errors.As(err, &capErr) || capErr.Cap != sms.CapNumberHour || !capErr.Until.Equal(start.Add(time.Hour)) {
				t.Fatalf("Start() #3 = %v, want a *CapError %s until %v", err, sms.CapNumberHour, start.Add(time.Hour))
			}
			f.verify(t, sms.PurposeLogin, "flow", second.Code, phone, sms.Verified, 0)
			for _, k := range []struct {
				key  string
				want int
			}{
				{"sms-number-hour:" + phone, 2},
				{"sms-account-day:u1", 2},
				{"sms-client-hour:192.0.2.1", 2},
				{"sms-country-hour:LV", 2},
			} {
				n, _, err := f.db.CountAttempts(t.Context(), k.key, time.Time{}, 1)
				if err != nil || n != k.want {
					t.Errorf("CountAttempts(%q) = %d, %v; want %d", k.key, n, err, k.want)
				}
			}
		})
	}
}

func TestOutcomeString(t *testing.T) {
	for _, tc := range []struct {
		o    sms.Outcome
		want string
	}{
		{sms.Verified, "verified"},
		{sms.WrongCode, "wrong_code"},
		{sms.TooManyTries, "too_many_tries"},
		{sms.Expired, "expired"},
		{sms.AlreadyUsed, "already_used"},
		{sms.OtherNumber, "other_number"},
		{sms.NoChallenge, "no_challenge"},
		{sms.Waiting, "waiting"},
		{sms.Outcome(0), "Outcome(0)"},
	} {
		if got := tc.o.String(); got != tc.want {
			t.Errorf("Outcome(%d).String() = %q, want %q", int(tc.o), got, tc.want)
		}
	}
}
