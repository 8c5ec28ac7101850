package storetest

import (
	"errors"
	"testing"
	"time"

	"eulogin/internal/store"
)

func testKnownBrowsers(t *testing.T, open func(t *testing.T) *store.DB) {
	db := open(t)
	ctx := t.Context()
	mustCreateUser(t, db, newUser("kb1", "kb1@example.org"))
	mustCreateUser(t, db, newUser("kb2", "kb2@example.org"))
	if _, err := db.KnownBrowserUser(ctx, "h1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("KnownBrowserUser(unknown) = %v, want ErrNotFound", err)
	}
	if err := db.AddKnownBrowser(ctx, "h1", "kb1", t0); err != nil {
		t.Fatal(err)
	}
	if err := db.AddKnownBrowser(ctx, "h1", "kb1", t0.Add(time.Hour)); err != nil {
		t.Fatalf("AddKnownBrowser(again) = %v, want nil", err)
	}
	// The same hash can never be moved to another account.
	if err := db.AddKnownBrowser(ctx, "h1", "kb2", t0.Add(time.Hour)); err != nil {
		t.Fatalf("AddKnownBrowser(other account) = %v, want nil (ignored)", err)
	}
	if id, err := db.KnownBrowserUser(ctx, "h1"); err != nil || id != "kb1" {
		t.Errorf("KnownBrowserUser(h1) = %q, %v, want kb1", id, err)
	}
	if err := db.AddKnownBrowser(ctx, "h2", "kb2", t0); err != nil {
		t.Fatal(err)
	}
	// Unused for longer than KnownBrowserTTL: swept. h1 was used an hour later.
	if _, err := db.Sweep(ctx, t0.Add(store.KnownBrowserTTL+time.Minute), time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := db.KnownBrowserUser(ctx, "h2"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("KnownBrowserUser(h2) after the sweep = %v, want ErrNotFound", err)
	}
	if _, err := db.KnownBrowserUser(ctx, "h1"); err != nil {
		t.Errorf("KnownBrowserUser(h1) after the sweep = %v, want kept", err)
	}
	if err := db.DeleteUser(ctx, "kb1"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.KnownBrowserUser(ctx, "h1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("KnownBrowserUser(h1) after DeleteUser = %v, want ErrNotFound", err)
	}
}
