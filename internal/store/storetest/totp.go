package storetest

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"eulogin/internal/store"
)

func testTOTP(t *testing.T, open func(t *testing.T) *store.DB) {
	db := open(t)
	ctx := t.Context()
	mustCreateUser(t, db, newUser("tu1", "tu1@example.org"))
	mustCreateUser(t, db, newUser("tu2", "tu2@example.org"))
	c := &store.TOTPCredential{ID: "t1", UserID: "tu1", Name: "Phone", Secret: "sealed", CreatedAt: t0}
	if err := db.AddTOTP(ctx, c); err != nil {
		t.Fatal(err)
	}
	// Unconfirmed: not listed.
	if l, err := db.ListTOTP(ctx, "tu1"); err != nil || len(l) != 0 {
		t.Fatalf("ListTOTP(unconfirmed) = %+v, %v, want none", l, err)
	}
	if got, err := db.TOTPByID(ctx, "tu1", "t1"); err != nil || got.Secret != "sealed" || !got.ConfirmedAt.IsZero() {
		t.Fatalf("TOTPByID = %+v, %v", got, err)
	}
	if _, err := db.TOTPByID(ctx, "tu2", "t1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("TOTPByID(other account) = %v, want ErrNotFound", err)
	}
	// The first accepted step confirms it; a step is accepted once, and no
	// earlier step after it.
	if err := db.UseTOTPStep(ctx, "tu1", "t1", 100, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	for _, step := range []int64{100, 99} {
		if err := db.UseTOTPStep(ctx, "tu1", "t1", step, t0.Add(time.Minute)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("UseTOTPStep(%d) again = %v, want ErrNotFound", step, err)
		}
	}
	if err := db.UseTOTPStep(ctx, "tu2", "t1", 200, t0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UseTOTPStep(other account) = %v, want ErrNotFound", err)
	}
	l, err := db.ListTOTP(ctx, "tu1")
	if err != nil || len(l) != 1 || l[0].LastStep != 100 || !l[0].ConfirmedAt.Equal(t0.Add(time.Minute)) || !l[0].LastUsedAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("ListTOTP = %+v, %v", l, err)
	}
	// Concurrent uses of one step: exactly one wins.
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if db.UseTOTPStep(ctx, "tu1", "t1", 101, t0) == nil {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Errorf("%d concurrent uses of one step won, want 1", wins.Load())
	}
	// A new enrolment replaces an unfinished one, not a confirmed one.
	if err := db.AddTOTP(ctx, &store.TOTPCredential{ID: "t2", UserID: "tu1", Name: "Half", Secret: "s2", CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if err := db.AddTOTP(ctx, &store.TOTPCredential{ID: "t3", UserID: "tu1", Name: "Again", Secret: "s3", CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.TOTPByID(ctx, "tu1", "t2"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the unfinished enrolment t2 = %v, want replaced", err)
	}
	if _, err := db.TOTPByID(ctx, "tu1", "t1"); err != nil {
		t.Errorf("the confirmed t1 = %v, want kept", err)
	}
	if err := db.DeleteTOTP(ctx, "tu2", "t1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeleteTOTP(other account) = %v, want ErrNotFound", err)
	}
	if err := db.DeleteTOTP(ctx, "tu1", "t1"); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteUser(ctx, "tu1"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.TOTPByID(ctx, "tu1", "t3"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("TOTPByID after DeleteUser = %v, want ErrNotFound", err)
	}
}

func testRecoveryCodes(t *testing.T, open func(t *testing.T) *store.DB) {
	db := open(t)
	ctx := t.Context()
	mustCreateUser(t, db, newUser("ru1", "ru1@example.org"))
	mustCreateUser(t, db, newUser("ru2", "ru2@example.org"))
	if err := db.ReplaceRecoveryCodes(ctx, "ru1", []string{"h1", "h2", "h3"}, t0); err != nil {
		t.Fatal(err)
	}
	if n, err := db.RecoveryCodesLeft(ctx, "ru1"); err != nil || n != 3 {
		t.Fatalf("RecoveryCodesLeft = %d, %v, want 3", n, err)
	}
	if err := db.UseRecoveryCode(ctx, "ru2", "h1", t0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UseRecoveryCode(other account) = %v, want ErrNotFound", err)
	}
	if err := db.UseRecoveryCode(ctx, "ru1", "h1", t0); err != nil {
		t.Fatal(err)
	}
	if err := db.UseRecoveryCode(ctx, "ru1", "h1", t0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UseRecoveryCode(used) = %v, want ErrNotFound", err)
	}
	if n, _ := db.RecoveryCodesLeft(ctx, "ru1"); n != 2 {
		t.Errorf("RecoveryCodesLeft after one use = %d, want 2", n)
	}
	// A new set voids the old one.
	if err := db.ReplaceRecoveryCodes(ctx, "ru1", []string{"h4"}, t0); err != nil {
		t.Fatal(err)
	}
	if err := db.UseRecoveryCode(ctx, "ru1", "h2", t0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UseRecoveryCode(old set) = %v, want ErrNotFound", err)
	}
	if n, _ := db.RecoveryCodesLeft(ctx, "ru1"); n != 1 {
		t.Errorf("RecoveryCodesLeft after a new set = %d, want 1", n)
	}
	if err := db.DeleteUser(ctx, "ru1"); err != nil {
		t.Fatal(err)
	}
	if n, _ := db.RecoveryCodesLeft(ctx, "ru1"); n != 0 {
		t.Errorf("RecoveryCodesLeft after DeleteUser = %d, want 0", n)
	}
}
