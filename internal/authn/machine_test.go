package authn_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"eulogin/internal/audit"
	"eulogin/internal/authn"
	"eulogin/internal/notify"
	"eulogin/internal/regulation"
	"eulogin/internal/store"
	"eulogin/internal/store/storetest"
)

// The machine is tested with factors whose secret is a fixed word, on a
// real store (for the limits and the audit log) on both engines, without
// any HTTP.

// fakeFactor accepts the secret right, says the secret void answers Void
// (an expired challenge), and counts its checks.
type fakeFactor struct {
	id       authn.Step
	field    string
	strength authn.Strength
	enrolled map[string]bool // user id → has it
	checks   atomic.Int32
	result   func(c authn.Check) authn.Result // nil: by the secret
}

func (f *fakeFactor) ID() authn.Step           { return f.id }
func (f *fakeFactor) Field() string            { return f.field }
func (f *fakeFactor) EmptyKey() string         { return "empty_" + f.field }
func (f *fakeFactor) Strength() authn.Strength { return f.strength }
func (f *fakeFactor) Enrolled(_ context.Context, userID, except string) (bool, error) {
	return f.enrolled[userID] && except != "this-device", nil
}

func (f *fakeFactor) Check(_ context.Context, c authn.Check) (authn.Result, error) {
	f.checks.Add(1)
	if f.result != nil {
		return f.result(c), nil
	}
	switch c.Secret {
	case "right":
		if c.User == nil {
			break
		}
		return authn.Result{Verdict: authn.Right}, nil
	case "void":
		return authn.Result{Verdict: authn.Void, Event: "void_event", Failure: &authn.Failure{Code: authn.Gone, Field: f.field, Key: "gone"}}, nil
	}
	return authn.Result{Verdict: authn.Wrong, Event: audit.LoginFailure, Failure: &authn.Failure{Code: authn.WrongSecret, Field: f.field, Key: "wrong"}}, nil
}

type sentMail struct {
	to   string
	kind notify.Kind
}

type mailbox struct {
	mu   sync.Mutex
	sent []sentMail
}

func (m *mailbox) Send(_ context.Context, to notify.Recipient, kind notify.Kind, _ map[string]any) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, sentMail{to.Email, kind})
	return nil
}

type env struct {
	db       *store.DB
	m        *authn.Machine
	password *fakeFactor
	sms      *fakeFactor
	app      *fakeFactor
	push     *fakeFactor
	mail     *mailbox
	ana, bob *store.User // bob always requires multi-factor authentication
}

var t0 = time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)

func newEnv(t *testing.T, open func(*testing.T) *store.DB) *env {
	t.Helper()
	db := open(t)
	now := func() time.Time { return t0 }
	e := &env{db: db, mail: &mailbox{}}
	for _, u := range []**store.User{&e.ana, &e.bob} {
		name := "ana"
		if u == &e.bob {
			name = "bob"
		}
		*u = &store.User{ID: name + "-id", Email: name + "@example.eu", FirstName: name, LastName: "X", EmailLang: "en", PasswordHash: "x", RequireMFA: name == "bob", CreatedAt: t0, UpdatedAt: t0}
		if err := db.CreateUser(t.Context(), *u); err != nil {
			t.Fatal(err)
		}
	}
	e.password = &fakeFactor{id: authn.MethodPassword, field: "password", strength: authn.StrengthPassword}
	e.sms = &fakeFactor{id: authn.MethodSMS, field: "code", strength: authn.StrengthPasswordSMS, enrolled: map[string]bool{"bob-id": true}}
	e.push = &fakeFactor{id: authn.MethodAppPIN, strength: authn.StrengthPasswordMobileApp, enrolled: map[string]bool{"bob-id": true}}
	e.app = &fakeFactor{id: authn.MethodAppQR, field: "otp", strength: authn.StrengthPasswordMobileApp, enrolled: map[string]bool{"bob-id": true}}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	e.m = &authn.Machine{
		Accounts:  db,
		Regulator: &regulation.Regulator{Store: db, Now: now, Policy: regulation.DefaultPolicy()},
		Audit:     &audit.Log{Store: db, Logger: log, Now: now},
		Mailer:    e.mail,
		Now:       now,
	}
	e.m.Register(e.password, e.sms, e.push, e.app)
	return e
}

func engines(t *testing.T, test func(t *testing.T, e *env)) {
	for _, en := range storetest.Engines {
		t.Run(en.Name, func(t *testing.T) { test(t, newEnv(t, en.Open)) })
	}
}

func (e *env) events(t *testing.T, userID string) []audit.Kind {
	t.Helper()
	evs, err := e.db.AuditEvents(t.Context(), userID, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []audit.Kind
	for _, ev := range slices.Backward(evs) {
		out = append(out, ev.Kind)
	}
	return out
}

var client = authn.Client{IP: "192.0.2.7", UserAgent: "test"}

// flow returns a flow of u's address at the password step of method.
func (e *env) flow(t *testing.T, email, method string) *authn.Flow {
	t.Helper()
	f, err := e.m.Identify(t.Context(), email, authn.Flow{Next: "/next"})
	if err != nil {
		t.Fatal(err)
	}
	if out := e.m.Choose(f, method); out.Failure != nil || out.Next != authn.MethodPassword {
		t.Fatalf("Choose(%s) = %+v", method, out)
	}
	return f
}

func TestIdentify(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		known, err := e.m.Identify(t.Context(), "ana@example.eu", authn.Flow{Next: "/x", Service: "https://app.example/"})
		if err != nil || known.UserID != "ana-id" || known.Next != "/x" || known.Service != "https://app.example/" || !known.Started.Equal(t0) {
			t.Errorf("Identify(known) = %+v, %v", known, err)
		}
		unknown, err := e.m.Identify(t.Context(), "nobody@example.eu", authn.Flow{})
		if err != nil || unknown.UserID != "" || unknown.Email != "nobody@example.eu" {
			t.Errorf("Identify(unknown) = %+v, %v", unknown, err)
		}
	})
}

func TestChoose(t *testing.T) {
	f := &authn.Flow{Email: "a@example.eu", PasswordOK: true, PhoneID: "p", AppQRID: "q", AppRequestID: "r"}
	m := &authn.Machine{}
	out := m.Choose(f, "NOPE")
	if out.Next != authn.StepMethod || out.Failure == nil || out.Failure.Code != authn.Invalid || out.Failure.Field != "method-PASSWORD" {
		t.Errorf("Choose(unknown method) = %+v", out)
	}
	if !f.PasswordOK {
		t.Error("a refused choice changed the flow")
	}
	out = m.Choose(f, authn.MethodSMS)
	if out.Next != authn.MethodPassword || out.Failure != nil {
		t.Errorf("Choose(SMS) = %+v", out)
	}
	if f.Method != authn.MethodSMS || f.PasswordOK || f.PhoneID != "" || f.AppQRID != "" || f.AppRequestID != "" {
		t.Errorf("Choose kept the state of an earlier choice: %+v", f)
	}
}

func TestExpects(t *testing.T) {
	m := &authn.Machine{}
	for _, tc := range []struct {
		name string
		flow authn.Flow
		id   authn.Step
		want authn.Step
	}{
		{"password before a method", authn.Flow{UserID: "u"}, authn.MethodPassword, authn.StepMethod},
		{"password after a method", authn.Flow{UserID: "u", Method: "SMS"}, authn.MethodPassword, ""},
		{"password in a step-up", authn.Flow{UserID: "u", StepUp: true}, authn.MethodPassword, authn.StepMethod},
		{"code before the password", authn.Flow{UserID: "u", Method: "SMS"}, authn.MethodSMS, authn.StepMethod},
		{"code after the password", authn.Flow{UserID: "u", Method: "SMS", PasswordOK: true}, authn.MethodSMS, ""},
		{"code of an unknown address", authn.Flow{Method: "SMS", PasswordOK: true}, authn.MethodSMS, authn.StepMethod},
		{"code in a step-up", authn.Flow{UserID: "u", StepUp: true}, authn.MethodAppQR, ""},
	} {
		if got := m.Expects(&tc.flow, tc.id); got != tc.want {
			t.Errorf("%s: Expects(%s) = %q, want %q", tc.name, tc.id, got, tc.want)
		}
	}
}

// TestSubmitPassword covers every outcome of the password step.
func TestSubmitPassword(t *testing.T) {
	for _, tc := range []struct {
		name, email, method, secret string
		wantNext                    authn.Step
		wantStrength                authn.Strength
		wantCode                    authn.Code
		wantEvent                   audit.Kind
	}{
		{"password alone", "ana@example.eu", authn.MethodPassword, "right", authn.StepDone, authn.StrengthPassword, 0, audit.LoginSuccess},
		{"then the SMS step", "ana@example.eu", authn.MethodSMS, "right", authn.MethodSMS, "", 0, ""},
		{"then the app", "ana@example.eu", authn.MethodAppPIN, "right", authn.MethodAppPIN, "", 0, ""},
		{"multi-factor always: the factor the account has", "bob@example.eu", authn.MethodPassword, "right", authn.MethodSMS, "", 0, ""},
		{"wrong", "ana@example.eu", authn.MethodPassword, "wrong", authn.MethodPassword, "", authn.WrongSecret, audit.LoginFailure},
		{"unknown address", "nobody@example.eu", authn.MethodPassword, "right", authn.MethodPassword, "", authn.WrongSecret, audit.LoginFailure},
		{"empty", "ana@example.eu", authn.MethodPassword, "", authn.MethodPassword, "", authn.Invalid, ""},
		{"void", "ana@example.eu", authn.MethodPassword, "void", authn.MethodPassword, "", authn.Gone, "void_event"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			engines(t, func(t *testing.T, e *env) {
				f := e.flow(t, tc.email, tc.method)
				out, err := e.m.Submit(t.Context(), f, "flow-1", client, authn.MethodPassword, tc.secret)
				if err != nil {
					t.Fatal(err)
				}
				if out.Next != tc.wantNext {
					t.Errorf("Next = %q, want %q", out.Next, tc.wantNext)
				}
				switch {
				case tc.wantCode != 0 && (out.Failure == nil || out.Failure.Code != tc.wantCode || out.Failure.Field != "password"):
					t.Errorf("Failure = %+v, want code %d on the password", out.Failure, tc.wantCode)
				case tc.wantCode == 0 && out.Failure != nil:
					t.Errorf("Failure = %+v, want none", out.Failure)
				}
				if tc.wantStrength != "" {
					if out.Grant == nil || out.Grant.Strength != tc.wantStrength || out.Grant.Factors != "PASSWORD" || out.Grant.UserID != f.UserID || !out.End {
						t.Errorf("Grant = %+v (end %v), want %s for %s", out.Grant, out.End, tc.wantStrength, f.UserID)
					}
				} else if out.Grant != nil {
					t.Errorf("Grant = %+v, want none", out.Grant)
				}
				if f.PasswordOK != (tc.wantNext != authn.StepDone && tc.wantCode == 0) {
					t.Errorf("PasswordOK = %v", f.PasswordOK)
				}
				evs := e.events(t, f.UserID)
				if tc.wantEvent == "" && len(evs) != 0 || tc.wantEvent != "" && !slices.Equal(evs, []audit.Kind{tc.wantEvent}) {
					t.Errorf("events = %v, want [%s]", evs, tc.wantEvent)
				}
				if tc.secret == "" && e.password.checks.Load() != 0 {
					t.Error("an empty password was checked")
				}
			})
		})
	}
}

// TestLockout: the fifth wrong password locks the account, audited and
// e-mailed once; then nothing is checked, a right password included; a
// void check is taken back and locks nothing.
func TestLockout(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		f := e.flow(t, "ana@example.eu", authn.MethodPassword)
		for range 10 {
			if out, err := e.m.Submit(t.Context(), f, "f", client, authn.MethodPassword, "void"); err != nil || out.Failure == nil || out.Failure.Code != authn.Gone {
				t.Fatalf("void Submit = %+v, %v", out, err)
			}
		}
		for i := 1; i <= 5; i++ {
			out, err := e.m.Submit(t.Context(), f, "f", client, authn.MethodPassword, "wrong")
			if err != nil {
				t.Fatal(err)
			}
			want := authn.WrongSecret
			if i == 5 {
				want = authn.Locked
			}
			if out.Failure == nil || out.Failure.Code != want {
				t.Fatalf("wrong password %d: %+v, want code %d", i, out.Failure, want)
			}
			if i == 5 && !out.Failure.Until.Equal(t0.Add(15*time.Minute)) {
				t.Errorf("lockout until %v, want %v", out.Failure.Until, t0.Add(15*time.Minute))
			}
		}
		checks := e.password.checks.Load()
		out, err := e.m.Submit(t.Context(), f, "f", client, authn.MethodPassword, "right")
		if err != nil || out.Failure == nil || out.Failure.Code != authn.Locked || out.Grant != nil {
			t.Errorf("right password while locked = %+v, %v, want Locked", out, err)
		}
		if e.password.checks.Load() != checks {
			t.Error("a password was checked while the account was locked")
		}
		if out, _ := e.m.Submit(t.Context(), f, "f", client, authn.MethodPassword, ""); out.Failure == nil || out.Failure.Code != authn.Locked {
			t.Errorf("empty password while locked = %+v, want Locked", out.Failure)
		}
		if got := e.mail.sent; !slices.Equal(got, []sentMail{{"ana@example.eu", notify.Lockout}}) {
			t.Errorf("mails = %v, want one lockout notice", got)
		}
		evs := e.events(t, "ana-id")
		if n := count(evs, audit.LoginFailure); n != 5 {
			t.Errorf("%d login failures audited, want 5", n)
		}
		if n := count(evs, audit.AccountLocked); n != 1 {
			t.Errorf("%d lockouts audited, want 1", n)
		}
		if n := count(evs, audit.LoginRefusedLocked); n != 2 {
			t.Errorf("%d refusals audited, want 2", n)
		}
		// The owner proves the account by e-mail: the lock goes.
		if err := e.m.ForgetFailures(t.Context(), "ana@example.eu"); err != nil {
			t.Fatal(err)
		}
		if out, _ := e.m.Submit(t.Context(), f, "f", client, authn.MethodPassword, "right"); out.Grant == nil {
			t.Errorf("after ForgetFailures: %+v, want a grant", out)
		}
	})
}

func count(evs []audit.Kind, k audit.Kind) int {
	n := 0
	for _, e := range evs {
		if e == k {
			n++
		}
	}
	return n
}

// TestConcurrentGuesses fires 50 wrong passwords at one account at once:
// the attempt is recorded before the password is checked, so no more than
// the limit (5) are checked.
func TestConcurrentGuesses(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		var wg sync.WaitGroup
		for i := range 50 {
			wg.Go(func() {
				f := e.flow(t, "ana@example.eu", authn.MethodPassword)
				c := authn.Client{IP: fmt.Sprintf("198.51.100.%d", i)}
				if _, err := e.m.Submit(context.Background(), f, "f", c, authn.MethodPassword, "wrong"); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		n := e.password.checks.Load()
		if n > 5 {
			t.Errorf("%d of 50 concurrent wrong passwords were checked, want at most 5", n)
		}
		t.Logf("%d of 50 concurrent wrong passwords were checked", n)
	})
}

// TestSecondFactor covers the second-factor steps after the password, in a
// step-up and in a re-authentication.
func TestSecondFactor(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		f := e.flow(t, "bob@example.eu", authn.MethodSMS)
		if out, _ := e.m.Submit(t.Context(), f, "f", client, authn.MethodSMS, "right"); out.Next != authn.StepMethod || out.Grant != nil {
			t.Errorf("code before the password = %+v, want back to the method", out)
		}
		if e.sms.checks.Load() != 0 {
			t.Error("a code was checked before the password")
		}
		if out, _ := e.m.Submit(t.Context(), f, "f", client, authn.MethodPassword, "right"); out.Next != authn.MethodSMS {
			t.Fatalf("password = %+v, want the SMS step", out)
		}
		if out, _ := e.m.Submit(t.Context(), f, "f", client, authn.MethodSMS, "wrong"); out.Failure == nil || out.Failure.Code != authn.WrongSecret || out.Failure.Field != "code" {
			t.Errorf("wrong code = %+v", out)
		}
		out, err := e.m.Submit(t.Context(), f, "f", client, authn.MethodSMS, "right")
		if err != nil || out.Grant == nil || out.Grant.Strength != authn.StrengthPasswordSMS || out.Grant.Factors != "PASSWORD,SMS" || out.Grant.Event != audit.LoginSuccess || out.Grant.Reauth {
			t.Fatalf("right code = %+v, %v", out, err)
		}

		// The push: nothing typed, so nothing throttled; a refusal ends
		// the flow and tells the owner.
		e.push.result = func(authn.Check) authn.Result {
			return authn.Result{Verdict: authn.Refused, Event: audit.AppLoginRefused, Failure: &authn.Failure{Code: authn.Denied, Key: "refused"}, Notice: &authn.Notice{Kind: notify.AppLoginRefused}}
		}
		out, err = e.m.Submit(t.Context(), f, "f", client, authn.MethodAppPIN, "")
		if err != nil || !out.End || out.Failure == nil || out.Failure.Code != authn.Denied {
			t.Errorf("refused push = %+v, %v", out, err)
		}
		if !slices.Contains(e.mail.sent, sentMail{"bob@example.eu", notify.AppLoginRefused}) {
			t.Errorf("mails = %v, want the refusal notice", e.mail.sent)
		}
		e.push.result = func(authn.Check) authn.Result { return authn.Result{Verdict: authn.Void, Back: authn.MethodAppPIN} }
		if out, _ := e.m.Submit(t.Context(), f, "f", client, authn.MethodAppPIN, ""); out.Next != authn.MethodAppPIN || out.Failure != nil {
			t.Errorf("push gone = %+v, want back to the push step", out)
		}
		e.push.result = nil

		// Step-up: the app first; then the grant says step-up.
		up, addable, err := e.m.StepUp(t.Context(), e.bob, "sess", authn.Flow{Service: "https://app.example/"}, func(authn.Strength) bool { return true })
		if err != nil || up == nil || up.Method != authn.MethodAppPIN || !up.StepUp || up.SessionHash != "sess" || up.Service != "https://app.example/" || addable != nil {
			t.Fatalf("StepUp = %+v, %v, %v", up, addable, err)
		}
		smsOnly := func(s authn.Strength) bool { return s == authn.StrengthPasswordSMS }
		if up, _, _ := e.m.StepUp(t.Context(), e.bob, "sess", authn.Flow{}, smsOnly); up == nil || up.Method != authn.MethodSMS {
			t.Errorf("StepUp(SMS only) = %+v", up)
		}
		if out, _ := e.m.Submit(t.Context(), up, "f2", client, authn.MethodSMS, "right"); out.Grant == nil || out.Grant.Event != audit.StepUpSuccess {
			t.Errorf("step-up code = %+v", out)
		}
		up, addable, _ = e.m.StepUp(t.Context(), e.ana, "sess", authn.Flow{}, smsOnly)
		if up != nil || !slices.Equal(addable, []authn.Step{authn.MethodSMS}) {
			t.Errorf("StepUp(no factor) = %+v, %v, want the SMS step to add", up, addable)
		}
		up, addable, _ = e.m.StepUp(t.Context(), e.bob, "sess", authn.Flow{}, func(authn.Strength) bool { return false })
		if up != nil || len(addable) != 0 {
			t.Errorf("StepUp(nothing accepted) = %+v, %v", up, addable)
		}

		// Re-authentication: the first factor the account has, but the
		// one excepted.
		if st, _ := e.m.SecondFactor(t.Context(), "bob-id", ""); st != authn.MethodSMS {
			t.Errorf("SecondFactor = %q, want SMS", st)
		}
		if st, _ := e.m.SecondFactor(t.Context(), "bob-id", "this-device"); st != "" {
			t.Errorf("SecondFactor(except) = %q, want none", st)
		}
		re := e.m.Reauth(e.bob, "sess", "/account/phones", authn.MethodSMS)
		out, _ = e.m.Submit(t.Context(), re, "f3", client, authn.MethodSMS, "right")
		if out.Grant == nil || !out.Grant.Reauth || out.Grant.Event != audit.ReauthSuccess {
			t.Errorf("re-authentication = %+v", out)
		}
	})
}

func TestCheckPassword(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		if fl, err := e.m.CheckPassword(t.Context(), e.ana, client, "current", "right"); fl != nil || err != nil {
			t.Errorf("right = %+v, %v", fl, err)
		}
		if fl, _ := e.m.CheckPassword(t.Context(), e.ana, client, "current", ""); fl == nil || fl.Key != "password.current_empty" || fl.Field != "current" {
			t.Errorf("empty = %+v", fl)
		}
		if fl, _ := e.m.CheckPassword(t.Context(), e.ana, client, "current", "wrong"); fl == nil || fl.Key != "password.current_wrong" || fl.Code != authn.WrongSecret {
			t.Errorf("wrong = %+v", fl)
		}
		if evs := e.events(t, "ana-id"); !slices.Equal(evs, []audit.Kind{audit.PasswordCheckFail}) {
			t.Errorf("events = %v, want one failed check", evs)
		}
		for range 4 {
			e.m.CheckPassword(t.Context(), e.ana, client, "current", "wrong")
		}
		if fl, _ := e.m.CheckPassword(t.Context(), e.ana, client, "current", "right"); fl == nil || fl.Code != authn.Locked || fl.Field != "current" {
			t.Errorf("right while locked = %+v, want Locked on current", fl)
		}
	})
}

// TestCodeGuessesAcrossPasswords: whoever knows the password cannot reset
// the count of wrong codes by typing the password again (a new login, or
// My Account's check): only a completed login forgets the failures.
func TestCodeGuessesAcrossPasswords(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		for round := range 3 {
			f := e.flow(t, "bob@example.eu", authn.MethodSMS)
			if out, _ := e.m.Submit(t.Context(), f, "f", client, authn.MethodPassword, "right"); out.Next != authn.MethodSMS {
				t.Fatalf("round %d: password = %+v", round, out)
			}
			if fl, _ := e.m.CheckPassword(t.Context(), e.bob, client, "current", "right"); fl != nil && round < 2 {
				t.Fatalf("round %d: CheckPassword = %+v", round, fl)
			}
			for range 2 {
				e.m.Submit(t.Context(), f, "f", client, authn.MethodSMS, "wrong")
			}
		}
		// Six wrong codes in three logins: the account is locked.
		f := e.flow(t, "bob@example.eu", authn.MethodSMS)
		out, err := e.m.Submit(t.Context(), f, "f", client, authn.MethodPassword, "right")
		if err != nil || out.Failure == nil || out.Failure.Code != authn.Locked {
			t.Errorf("after six wrong codes in three logins: %+v, %v, want Locked", out, err)
		}
	})
}
