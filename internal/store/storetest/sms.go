package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"eulogin/internal/store"
)

// smsT0 is the reference time of the SMS tests: UTC, whole milliseconds.
var smsT0 = time.Date(2026, time.February, 3, 14, 15, 16, 171_000_000, time.UTC)

// smsMaxAttempts is the number of wrong codes that kills a challenge in these
// tests (the store takes it as an argument).
const smsMaxAttempts = 5

// RunSMS runs the conformance suite of the mobile phone numbers and SMS
// challenges (store/sms.go). open returns a fresh, migrated, empty store for
// each subtest and closes it at the test's cleanup.
func RunSMS(t *testing.T, open func(t *testing.T) *store.DB) {
	t.Run("Phones", func(t *testing.T) { testPhones(t, open) })
	t.Run("Challenges", func(t *testing.T) { testChallenges(t, open) })
	t.Run("DeleteUser", func(t *testing.T) { testSMSDeleteUser(t, open) })
	t.Run("Concurrency", func(t *testing.T) { testSMSConcurrency(t, open) })
}

func smsUser(t *testing.T, db *store.DB, id string) {
	t.Helper()
	u := &store.User{ID: id, Email: id + "@example.org", FirstName: "Jānis", LastName: "Bērziņš", EmailLang: "lv", AssuranceLevel: 10, CreatedAt: smsT0, UpdatedAt: smsT0}
	if err := db.CreateUser(t.Context(), u); err != nil {
		t.Fatalf("CreateUser(%q) = %v, want nil", id, err)
	}
}

func smsPhone(userID, e164 string, created time.Time) *store.Phone {
	return &store.Phone{UserID: userID, E164: e164, Region: "LV", VerifiedAt: created, CreatedAt: created}
}

func mustAddPhone(t *testing.T, db *store.DB, p *store.Phone) {
	t.Helper()
	if err := db.AddPhone(t.Context(), p); err != nil {
		t.Fatalf("AddPhone(%q, %q) = %v, want nil", p.UserID, p.E164, err)
	}
}

func phoneEqual(a, b store.Phone) bool {
	return a.ID == b.ID && a.UserID == b.UserID && a.E164 == b.E164 && a.Region == b.Region &&
		a.VerifiedAt.Equal(b.VerifiedAt) && a.CreatedAt.Equal(b.CreatedAt) && a.LastUsedAt.Equal(b.LastUsedAt)
}

func challengeEqual(a, b store.SMSChallenge) bool {
	return a.ID == b.ID && a.UserID == b.UserID && a.Phone == b.Phone && a.Purpose == b.Purpose && a.FlowID == b.FlowID &&
		a.CodeHash == b.CodeHash && a.Salt == b.Salt && a.Attempts == b.Attempts &&
		a.CreatedAt.Equal(b.CreatedAt) && a.ExpiresAt.Equal(b.ExpiresAt) && a.UsedAt.Equal(b.UsedAt) && a.ResendAt.Equal(b.ResendAt)
}

func smsChallenge(id, userID, purpose, flowID string, created time.Time) *store.SMSChallenge {
	return &store.SMSChallenge{
		ID: id, UserID: userID, Phone: "+37120000012", Purpose: purpose, FlowID: flowID,
		CodeHash: "hash-" + id, Salt: "salt-" + id,
		CreatedAt: created, ExpiresAt: created.Add(10 * time.Minute), ResendAt: created.Add(time.Minute),
	}
}

func mustPutChallenge(t *testing.T, db *store.DB, c *store.SMSChallenge) {
	t.Helper()
	blocked, err := db.PutChallenge(t.Context(), c)
	if err != nil || !blocked.IsZero() {
		t.Fatalf("PutChallenge(%q) = %v, %v; want the zero time, nil", c.ID, blocked, err)
	}
}

func mustChallenge(t *testing.T, db *store.DB, id string) *store.SMSChallenge {
	t.Helper()
	c, err := db.ChallengeByID(t.Context(), id)
	if err != nil {
		t.Fatalf("ChallengeByID(%q) = %v, want nil", id, err)
	}
	return c
}

func testPhones(t *testing.T, open func(t *testing.T) *store.DB) {
	t.Run("AddAndList", func(t *testing.T) {
		db := open(t)
		ctx := t.Context()
		smsUser(t, db, "u1")
		if got, err := db.ListPhones(ctx, "u1"); err != nil || len(got) != 0 {
			t.Errorf("ListPhones(no phones) = %v, %v; want none, nil", got, err)
		}
		second := smsPhone("u1", "+33612345678", smsT0.Add(time.Minute))
		second.Region = "FR"
		first := smsPhone("u1", "+37120000012", smsT0)
		first.ID = "phone-1"
		mustAddPhone(t, db, second)
		mustAddPhone(t, db, first)
		if second.ID == "" || second.ID == first.ID {
			t.Fatalf("AddPhone set ID %q, want a new random id", second.ID)
		}
		got, err := db.ListPhones(ctx, "u1")
		if err != nil {
			t.Fatalf("ListPhones(u1) = %v, want nil", err)
		}
		want := []store.Phone{*first, *second}
		if len(got) != len(want) {
			t.Fatalf("ListPhones(u1) = %+v, want %+v", got, want)
		}
		for i := range want {
			if !phoneEqual(got[i], want[i]) {
				t.Errorf("ListPhones(u1)[%d] = %+v, want %+v", i, got[i], want[i])
			}
		}
		p, err := db.PhoneByID(ctx, "u1", second.ID)
		if err != nil || !phoneEqual(*p, *second) {
			t.Errorf("PhoneByID(u1, %q) = %+v, %v; want %+v, nil", second.ID, p, err, *second)
		}
		if n, err := db.CountPhones(ctx, "u1"); n != 2 || err != nil {
			t.Errorf("CountPhones(u1) = %d, %v; want 2, nil", n, err)
		}
		if n, err := db.CountPhones(ctx, "nobody"); n != 0 || err != nil {
			t.Errorf("CountPhones(nobody) = %d, %v; want 0, nil", n, err)
		}
	})

	t.Run("Conflict", func(t *testing.T) {
		db := open(t)
		ctx := t.Context()
		smsUser(t, db, "u1")
		smsUser(t, db, "u2")
		mustAddPhone(t, db, smsPhone("u1", "+37120000012", smsT0))
		if err := db.AddPhone(ctx, smsPhone("u1", "+37120000012", smsT0.Add(time.Minute))); !errors.Is(err, store.ErrConflict) {
			t.Errorf("AddPhone(same user, same number) = %v, want %v", err, store.ErrConflict)
		}
		dupID := smsPhone("u1", "+37120000013", smsT0)
		mustAddPhone(t, db, dupID)
		if err := db.AddPhone(ctx, &store.Phone{ID: dupID.ID, UserID: "u2", E164: "+37120000014", Region: "LV", CreatedAt: smsT0}); !errors.Is(err, store.ErrConflict) {
			t.Errorf("AddPhone(taken id) = %v, want %v", err, store.ErrConflict)
		}
		// Another account may have the same number.
		mustAddPhone(t, db, smsPhone("u2", "+37120000012", smsT0))
		if err := db.AddPhone(ctx, smsPhone("nobody", "+37120000012", smsT0)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("AddPhone(unknown user) = %v, want %v", err, store.ErrNotFound)
		}
	})

	t.Run("TouchAndDelete", func(t *testing.T) {
		db := open(t)
		ctx := t.Context()
		smsUser(t, db, "u1")
		smsUser(t, db, "u2")
		p := smsPhone("u1", "+37120000012", smsT0)
		mustAddPhone(t, db, p)
		other := smsPhone("u2", "+37120000012", smsT0)
		mustAddPhone(t, db, other)

		used := smsT0.Add(time.Hour)
		if err := db.TouchPhone(ctx, "u1", p.ID, used); err != nil {
			t.Fatalf("TouchPhone(u1, %q) = %v, want nil", p.ID, err)
		}
		p.LastUsedAt = used
		if got, err := db.PhoneByID(ctx, "u1", p.ID); err != nil || !phoneEqual(*got, *p) {
			t.Errorf("after TouchPhone: PhoneByID = %+v, %v; want %+v", got, err, *p)
		}

		// Another account's number is out of reach.
		for _, tc := range []struct {
			name string
			call func() error
		}{
			{"PhoneByID other user", func() error { _, err := db.PhoneByID(ctx, "u1", other.ID); return err }},
			{"PhoneByID unknown", func() error { _, err := db.PhoneByID(ctx, "u1", "nope"); return err }},
			{"TouchPhone other user", func() error { return db.TouchPhone(ctx, "u1", other.ID, used) }},
			{"TouchPhone unknown", func() error { return db.TouchPhone(ctx, "u1", "nope", used) }},
			{"DeletePhone other user", func() error { return db.DeletePhone(ctx, "u1", other.ID) }},
			{"DeletePhone unknown", func() error { return db.DeletePhone(ctx, "u1", "nope") }},
		} {
			if err := tc.call(); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s = %v, want %v", tc.name, err, store.ErrNotFound)
			}
		}
		if got, err := db.PhoneByID(ctx, "u2", other.ID); err != nil || !phoneEqual(*got, *other) {
			t.Errorf("PhoneByID(u2) after the refused calls = %+v, %v; want %+v unchanged", got, err, *other)
		}

		if err := db.DeletePhone(ctx, "u1", p.ID); err != nil {
			t.Fatalf("DeletePhone(u1, %q) = %v, want nil", p.ID, err)
		}
		if err := db.DeletePhone(ctx, "u1", p.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("DeletePhone(u1, %q) again = %v, want %v", p.ID, err, store.ErrNotFound)
		}
		if n, _ := db.CountPhones(ctx, "u1"); n != 0 {
			t.Errorf("CountPhones(u1) after delete = %d, want 0", n)
		}
		// The number can be added again.
		mustAddPhone(t, db, smsPhone("u1", "+37120000012", smsT0.Add(2*time.Hour)))
	})
}

func testChallenges(t *testing.T, open func(t *testing.T) *store.DB) {
	t.Run("PutAndGet", func(t *testing.T) {
		db := open(t)
		ctx := t.Context()
		smsUser(t, db, "u1")
		c := smsChallenge("", "u1", "login", "flow-a", smsT0)
		mustPutChallenge(t, db, c)
		if c.ID == "" {
			t.Fatal("PutChallenge did not set an id")
		}
		got, err := db.ChallengeForVerify(ctx, "u1", "login", "flow-a")
		if err != nil || !challengeEqual(*got, *c) {
			t.Errorf("ChallengeForVerify(u1, login, flow-a) = %+v, %v; want %+v", got, err, *c)
		}
		if got := mustChallenge(t, db, c.ID); !challengeEqual(*got, *c) {
			t.Errorf("ChallengeByID(%q) = %+v, want %+v", c.ID, *got, *c)
		}
		for _, tc := range []struct{ user, purpose, flow string }{
			{"u2", "login", "flow-a"}, {"u1", "add_phone", "flow-a"}, {"u1", "login", "flow-b"}, {"u1", "login", ""},
		} {
			if _, err := db.ChallengeForVerify(ctx, tc.user, tc.purpose, tc.flow); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("ChallengeForVerify(%q, %q, %q) = %v, want %v", tc.user, tc.purpose, tc.flow, err, store.ErrNotFound)
			}
		}
		if _, err := db.ChallengeByID(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("ChallengeByID(unknown) = %v, want %v", err, store.ErrNotFound)
		}
		if _, err := db.PutChallenge(ctx, smsChallenge("x", "nobody", "login", "", smsT0)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("PutChallenge(unknown user) = %v, want %v", err, store.ErrNotFound)
		}
	})

	t.Run("ResendAndKill", func(t *testing.T) {
		db := open(t)
		ctx := t.Context()
		smsUser(t, db, "u1")
		smsUser(t, db, "u2")
		c1 := smsChallenge("c1", "u1", "login", "flow-a", smsT0)
		mustPutChallenge(t, db, c1)
		// Challenges of another purpose or user neither block nor die.
		otherPurpose := smsChallenge("p1", "u1", "add_phone", "", smsT0)
		otherUser := smsChallenge("o1", "u2", "login", "flow-a", smsT0)
		mustPutChallenge(t, db, otherPurpose)
		mustPutChallenge(t, db, otherUser)

		resendAt := func(now time.Time) time.Time {
			t.Helper()
			at, err := db.ChallengeResendAt(ctx, "u1", "login", now)
			if err != nil {
				t.Fatalf("ChallengeResendAt(%v) = %v, want nil", now, err)
			}
			return at
		}
		if got := resendAt(smsT0.Add(59 * time.Second)); !got.Equal(c1.ResendAt) {
			t.Errorf("ChallengeResendAt(before) = %v, want %v", got, c1.ResendAt)
		}
		if got := resendAt(c1.ResendAt); !got.IsZero() {
			t.Errorf("ChallengeResendAt(at the resend time) = %v, want the zero time", got)
		}
		if got, err := db.ChallengeResendAt(ctx, "u1", "other", smsT0); err != nil || !got.IsZero() {
			t.Errorf("ChallengeResendAt(other purpose) = %v, %v; want the zero time", got, err)
		}

		// Before the resend time, nothing changes, whatever the flow.
		early := smsChallenge("c2", "u1", "login", "flow-b", smsT0.Add(59*time.Second))
		blocked, err := db.PutChallenge(ctx, early)
		if err != nil || !blocked.Equal(c1.ResendAt) {
			t.Errorf("PutChallenge(before resend time) = %v, %v; want %v, nil", blocked, err, c1.ResendAt)
		}
		if _, err := db.ChallengeByID(ctx, "c2"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("ChallengeByID(refused challenge) = %v, want %v", err, store.ErrNotFound)
		}
		if got := mustChallenge(t, db, "c1"); !challengeEqual(*got, *c1) {
			t.Errorf("after a refused PutChallenge: %+v, want %+v unchanged", *got, *c1)
		}

		// At the resend time, the new one kills the old one in any flow.
		at := c1.ResendAt
		c2 := smsChallenge("c2", "u1", "login", "flow-b", at)
		mustPutChallenge(t, db, c2)
		c1.ExpiresAt = at
		if got := mustChallenge(t, db, "c1"); !challengeEqual(*got, *c1) {
			t.Errorf("killed challenge = %+v, want %+v (expired at the new one's creation)", *got, *c1)
		}
		for _, c := range []*store.SMSChallenge{c2, otherPurpose, otherUser} {
			if got := mustChallenge(t, db, c.ID); !challengeEqual(*got, *c) {
				t.Errorf("challenge %s = %+v, want %+v unchanged", c.ID, *got, *c)
			}
		}
		// Each flow sees its newest challenge.
		for _, tc := range []struct{ flow, want string }{{"flow-a", "c1"}, {"flow-b", "c2"}} {
			if got, err := db.ChallengeForVerify(ctx, "u1", "login", tc.flow); err != nil || got.ID != tc.want {
				t.Errorf("ChallengeForVerify(u1, login, %s) = %+v, %v; want %s", tc.flow, got, err, tc.want)
			}
		}
		// A newer challenge in the same flow wins.
		c3 := smsChallenge("c3", "u1", "login", "flow-b", c2.ResendAt)
		mustPutChallenge(t, db, c3)
		if got, err := db.ChallengeForVerify(ctx, "u1", "login", "flow-b"); err != nil || got.ID != "c3" {
			t.Errorf("ChallengeForVerify(u1, login, flow-b) = %+v, %v; want c3", got, err)
		}

		// KillChallenges ends it and lifts the resend time at once.
		now := c3.CreatedAt.Add(time.Second)
		if err := db.KillChallenges(ctx, "u1", "login", now); err != nil {
			t.Fatalf("KillChallenges() = %v, want nil", err)
		}
		c3.ExpiresAt, c3.ResendAt = now, time.Time{}
		if got := resendAt(now); !got.IsZero() {
			t.Errorf("ChallengeResendAt() after KillChallenges = %v, want the zero time", got)
		}
		if got := mustChallenge(t, db, "c3"); !challengeEqual(*got, *c3) {
			t.Errorf("after KillChallenges: %+v, want %+v", *got, *c3)
		}
		mustPutChallenge(t, db, smsChallenge("c4", "u1", "login", "flow-b", now))
		if got := mustChallenge(t, db, "p1"); !challengeEqual(*got, *otherPurpose) {
			t.Errorf("KillChallenges(login) touched %+v, want %+v", *got, *otherPurpose)
		}
	})

	t.Run("UsedOrExpiredDoNotBlock", func(t *testing.T) {
		db := open(t)
		ctx := t.Context()
		smsUser(t, db, "u1")
		c1 := smsChallenge("c1", "u1", "add_phone", "", smsT0)
		c1.ResendAt = smsT0.Add(time.Hour) // longer than it lives
		mustPutChallenge(t, db, c1)
		if err := db.UseChallenge(ctx, "c1", smsT0.Add(time.Second), smsMaxAttempts); err != nil {
			t.Fatalf("UseChallenge() = %v, want nil", err)
		}
		mustPutChallenge(t, db, smsChallenge("c2", "u1", "add_phone", "", smsT0.Add(2*time.Second)))
		if got := mustChallenge(t, db, "c1"); !got.ExpiresAt.Equal(c1.ExpiresAt) {
			t.Errorf("used challenge's expiry = %v, want %v (a used challenge is not killed again)", got.ExpiresAt, c1.ExpiresAt)
		}

		c3 := smsChallenge("c3", "u1", "login", "", smsT0)
		c3.ResendAt = smsT0.Add(time.Hour)
		mustPutChallenge(t, db, c3)
		mustPutChallenge(t, db, smsChallenge("c4", "u1", "login", "", c3.ExpiresAt))
	})

	t.Run("WrongAttempts", func(t *testing.T) {
		db := open(t)
		ctx := t.Context()
		smsUser(t, db, "u1")
		mustPutChallenge(t, db, smsChallenge("c1", "u1", "login", "", smsT0))
		for want := 1; want <= smsMaxAttempts; want++ {
			if got, err := db.RecordWrongAttempt(ctx, "c1", smsMaxAttempts); got != want || err != nil {
				t.Fatalf("RecordWrongAttempt() #%d = %d, %v; want %d, nil", want, got, err, want)
			}
		}
		if got, err := db.RecordWrongAttempt(ctx, "c1", smsMaxAttempts); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("RecordWrongAttempt() after %d = %d, %v; want %v", smsMaxAttempts, got, err, store.ErrNotFound)
		}
		if got := mustChallenge(t, db, "c1").Attempts; got != smsMaxAttempts {
			t.Errorf("Attempts = %d, want %d", got, smsMaxAttempts)
		}
		if err := db.UseChallenge(ctx, "c1", smsT0.Add(time.Second), smsMaxAttempts); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("UseChallenge(out of attempts) = %v, want %v", err, store.ErrNotFound)
		}
		if _, err := db.RecordWrongAttempt(ctx, "nope", smsMaxAttempts); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("RecordWrongAttempt(unknown) = %v, want %v", err, store.ErrNotFound)
		}
	})

	t.Run("Use", func(t *testing.T) {
		db := open(t)
		ctx := t.Context()
		smsUser(t, db, "u1")
		c := smsChallenge("c1", "u1", "login", "", smsT0)
		mustPutChallenge(t, db, c)
		if _, err := db.RecordWrongAttempt(ctx, "c1", smsMaxAttempts); err != nil {
			t.Fatalf("RecordWrongAttempt() = %v, want nil", err)
		}
		used := smsT0.Add(time.Minute)
		if err := db.UseChallenge(ctx, "c1", used, smsMaxAttempts); err != nil {
			t.Fatalf("UseChallenge() = %v, want nil", err)
		}
		c.UsedAt, c.Attempts = used, 1
		if got := mustChallenge(t, db, "c1"); !challengeEqual(*got, *c) {
			t.Errorf("after UseChallenge: %+v, want %+v", *got, *c)
		}
		if err := db.UseChallenge(ctx, "c1", used, smsMaxAttempts); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("UseChallenge() again = %v, want %v", err, store.ErrNotFound)
		}
		if _, err := db.RecordWrongAttempt(ctx, "c1", smsMaxAttempts); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("RecordWrongAttempt(used) = %v, want %v", err, store.ErrNotFound)
		}

		e := smsChallenge("e1", "u1", "add_phone", "", smsT0)
		mustPutChallenge(t, db, e)
		if err := db.UseChallenge(ctx, "e1", e.ExpiresAt, smsMaxAttempts); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("UseChallenge(at expiry) = %v, want %v", err, store.ErrNotFound)
		}
		if err := db.UseChallenge(ctx, "e1", e.ExpiresAt.Add(-time.Millisecond), smsMaxAttempts); err != nil {
			t.Errorf("UseChallenge(1 ms before expiry) = %v, want nil", err)
		}
		if err := db.UseChallenge(ctx, "nope", smsT0, smsMaxAttempts); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("UseChallenge(unknown) = %v, want %v", err, store.ErrNotFound)
		}
	})

	t.Run("Sweep", func(t *testing.T) {
		db := open(t)
		ctx := t.Context()
		smsUser(t, db, "u1")
		old := smsChallenge("old", "u1", "login", "a", smsT0)
		recent := smsChallenge("recent", "u1", "add_phone", "b", smsT0.Add(store.SMSChallengeRetention))
		mustPutChallenge(t, db, old)
		mustPutChallenge(t, db, recent)
		now := old.ExpiresAt.Add(store.SMSChallengeRetention + time.Millisecond)
		if n, err := db.SweepSMS(ctx, now); n != 1 || err != nil {
			t.Errorf("SweepSMS() = %d, %v; want 1, nil", n, err)
		}
		if _, err := db.ChallengeByID(ctx, "old"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("ChallengeByID(swept) = %v, want %v", err, store.ErrNotFound)
		}
		mustChallenge(t, db, "recent")
	})
}

func testSMSDeleteUser(t *testing.T, open func(t *testing.T) *store.DB) {
	db := open(t)
	ctx := t.Context()
	for _, id := range []string{"u1", "u2"} {
		smsUser(t, db, id)
		mustAddPhone(t, db, &store.Phone{ID: "phone-" + id, UserID: id, E164: "+37120000012", Region: "LV", VerifiedAt: smsT0, CreatedAt: smsT0})
		mustPutChallenge(t, db, smsChallenge("login-"+id, id, "login", "f", smsT0))
		mustPutChallenge(t, db, smsChallenge("add-"+id, id, "add_phone", "", smsT0))
		if _, err := db.AddAttempt(ctx, "sms:acct:"+id, smsT0); err != nil {
			t.Fatalf("AddAttempt() = %v", err)
		}
	}
	if err := db.DeleteUser(ctx, "u1"); err != nil {
		t.Fatalf("DeleteUser(u1) = %v, want nil", err)
	}
	for _, tc := range []struct {
		user string
		kept bool
	}{{"u1", false}, {"u2", true}} {
		n, err := db.CountPhones(ctx, tc.user)
		if err != nil {
			t.Fatalf("CountPhones(%s) = %v", tc.user, err)
		}
		if got := n == 1; got != tc.kept {
			t.Errorf("CountPhones(%s) after DeleteUser(u1) = %d, want kept %v", tc.user, n, tc.kept)
		}
		if _, err := db.PhoneByID(ctx, tc.user, "phone-"+tc.user); (err == nil) != tc.kept {
			t.Errorf("PhoneByID(%s) after DeleteUser(u1) = %v, want kept %v", tc.user, err, tc.kept)
		}
		for _, id := range []string{"login-" + tc.user, "add-" + tc.user} {
			if _, err := db.ChallengeByID(ctx, id); (err == nil) != tc.kept {
				t.Errorf("ChallengeByID(%s) after DeleteUser(u1) = %v, want kept %v", id, err, tc.kept)
			}
		}
		count, _, err := db.CountAttempts(ctx, "sms:acct:"+tc.user, time.Time{}, 1)
		if err != nil {
			t.Fatalf("CountAttempts() = %v", err)
		}
		if got := count == 1; got != tc.kept {
			t.Errorf("CountAttempts(sms:acct:%s) after DeleteUser(u1) = %d, want kept %v", tc.user, count, tc.kept)
		}
	}
	// Rows of other tables do not reference deleted rows.
	var orphans int
	err := db.SQL().QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM phones WHERE user_id = 'u1') + (SELECT COUNT(*) FROM sms_challenges WHERE user_id = 'u1')`).Scan(&orphans)
	if err != nil || orphans != 0 {
		t.Errorf("rows of u1 left in phones and sms_challenges = %d, %v; want 0", orphans, err)
	}
}

func testSMSConcurrency(t *testing.T, open func(t *testing.T) *store.DB) {
	const workers = 20

	// race runs f in workers goroutines released at once.
	race := func(f func(i int)) {
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range workers {
			wg.Go(func() {
				<-start
				f(i)
			})
		}
		close(start)
		wg.Wait()
	}

	t.Run("UseChallenge", func(t *testing.T) {
		db := open(t)
		smsUser(t, db, "u1")
		mustPutChallenge(t, db, smsChallenge("c1", "u1", "login", "f", smsT0))
		errs := make([]error, workers)
		race(func(i int) {
			errs[i] = db.UseChallenge(t.Context(), "c1", smsT0.Add(time.Duration(i+1)*time.Millisecond), smsMaxAttempts)
		})
		winners := 0
		for i, err := range errs {
			switch {
			case err == nil:
				winners++
			case !errors.Is(err, store.ErrNotFound):
				t.Errorf("UseChallenge() #%d = %v, want nil or %v", i, err, store.ErrNotFound)
			}
		}
		if winners != 1 {
			t.Errorf("successful UseChallenge() calls = %d, want 1", winners)
		}
	})

	t.Run("RecordWrongAttempt", func(t *testing.T) {
		db := open(t)
		smsUser(t, db, "u1")
		mustPutChallenge(t, db, smsChallenge("c1", "u1", "login", "f", smsT0))
		got := make([]int, workers)
		errs := make([]error, workers)
		race(func(i int) {
			got[i], errs[i] = db.RecordWrongAttempt(t.Context(), "c1", smsMaxAttempts)
		})
		seen := map[int]bool{}
		for i := range workers {
			switch {
			case errs[i] == nil && (got[i] < 1 || got[i] > smsMaxAttempts || seen[got[i]]):
				t.Errorf("RecordWrongAttempt() #%d = %d, want a distinct count in 1..%d", i, got[i], smsMaxAttempts)
			case errs[i] == nil:
				seen[got[i]] = true
			case !errors.Is(errs[i], store.ErrNotFound):
				t.Errorf("RecordWrongAttempt() #%d = %v, want nil or %v", i, errs[i], store.ErrNotFound)
			}
		}
		if len(seen) != smsMaxAttempts {
			t.Errorf("successful RecordWrongAttempt() calls = %d, want %d", len(seen), smsMaxAttempts)
		}
		if n := mustChallenge(t, db, "c1").Attempts; n != smsMaxAttempts {
			t.Errorf("Attempts = %d, want %d", n, smsMaxAttempts)
		}
	})

	t.Run("UseAgainstWrongAttempts", func(t *testing.T) {
		// Wrong codes and the right one race: the right one wins only
		// while fewer than the maximum wrong codes were counted, and a
		// used challenge counts no more wrong codes.
		db := open(t)
		smsUser(t, db, "u1")
		mustPutChallenge(t, db, smsChallenge("c1", "u1", "login", "f", smsT0))
		useErr := make([]error, workers)
		race(func(i int) {
			if i%4 == 0 {
				useErr[i] = db.UseChallenge(t.Context(), "c1", smsT0.Add(time.Second), smsMaxAttempts)
				return
			}
			db.RecordWrongAttempt(t.Context(), "c1", smsMaxAttempts)
		})
		uses := 0
		for i := 0; i < workers; i += 4 {
			if useErr[i] == nil {
				uses++
			}
		}
		c := mustChallenge(t, db, "c1")
		switch {
		case uses > 1:
			t.Errorf("successful UseChallenge() calls = %d, want at most 1", uses)
		case uses == 1 && (c.UsedAt.IsZero() || c.Attempts >= smsMaxAttempts):
			t.Errorf("used challenge = %+v, want used with fewer than %d attempts", *c, smsMaxAttempts)
		case uses == 0 && c.Attempts != smsMaxAttempts:
			t.Errorf("unused challenge = %+v, want %d attempts", *c, smsMaxAttempts)
		}
	})

	t.Run("PutChallenge", func(t *testing.T) {
		db := open(t)
		smsUser(t, db, "u1")
		blocked := make([]time.Time, workers)
		errs := make([]error, workers)
		race(func(i int) {
			c := smsChallenge(fmt.Sprintf("c%d", i), "u1", "login", fmt.Sprintf("flow-%d", i), smsT0)
			blocked[i], errs[i] = db.PutChallenge(t.Context(), c)
		})
		winner := -1
		for i := range workers {
			switch {
			case errs[i] != nil:
				t.Errorf("PutChallenge() #%d = %v, want nil", i, errs[i])
			case blocked[i].IsZero() && winner >= 0:
				t.Errorf("PutChallenge() #%d and #%d both stored a challenge, want one", winner, i)
			case blocked[i].IsZero():
				winner = i
			case !blocked[i].Equal(smsT0.Add(time.Minute)):
				t.Errorf("PutChallenge() #%d blocked until %v, want %v", i, blocked[i], smsT0.Add(time.Minute))
			}
		}
		if winner < 0 {
			t.Fatal("no PutChallenge() stored a challenge, want one")
		}
		var n int
		if err := db.SQL().QueryRowContext(t.Context(), `SELECT COUNT(*) FROM sms_challenges`).Scan(&n); err != nil || n != 1 {
			t.Errorf("challenges stored = %d, %v; want 1", n, err)
		}
	})
}
