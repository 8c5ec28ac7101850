package mobileapp

import (
	"context"
	"crypto/rand"
	"errors"
	"testing"
	"time"

	"eulogin/internal/store"
	"eulogin/internal/store/storetest"
)

// TestBusNotifierAcrossReplicas runs two replicas on one PostgreSQL
// database: a waiter on one wakes when the other notifies, through LISTEN/
// NOTIFY (the polling interval is an hour, so nothing else can wake it).
func TestBusNotifierAcrossReplicas(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	replica := func() *BusNotifier {
		db, err := store.Open(t.Context(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		n := &BusNotifier{Bus: db, Interval: time.Hour}
		done := make(chan error)
		go func() { done <- n.Run(ctx) }()
		t.Cleanup(func() {
			cancel()
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Errorf("Run = %v, want context.Canceled", err)
			}
			db.Close()
		})
		return n
	}
	a, b := replica(), replica()
	listening := func(n *BusNotifier) {
		for deadline := time.Now().Add(30 * time.Second); !n.Listening(); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("the notifier never started listening")
			}
		}
	}
	listening(a)
	listening(b)

	user, other := "u-"+rand.Text(), "v-"+rand.Text()
	ch, d := a.Watch(user)
	if d != time.Hour {
		t.Errorf("Watch interval while listening = %v, want the configured hour", d)
	}
	otherCh, _ := a.Watch(other)
	if err := b.Notify(t.Context(), user); err != nil {
		t.Fatalf("Notify on replica b = %v", err)
	}
	select {
	case <-ch:
	case <-time.After(30 * time.Second):
		t.Fatal("the waiter on replica a never woke after a Notify on replica b")
	}
	select {
	case <-otherCh:
		t.Error("a Notify of one account woke the waiters of another")
	default:
	}
}

// TestBusNotifierWithoutBus: on SQLite there is no bus; Run keeps retrying
// and waiters poll at DefaultPollInterval.
func TestBusNotifierWithoutBus(t *testing.T) {
	db := storetest.OpenSQLite(t)
	n := &BusNotifier{Bus: db, Interval: time.Hour}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { done <- n.Run(ctx) }()
	if _, d := n.Watch("u"); d != DefaultPollInterval {
		t.Errorf("Watch interval without a bus = %v, want %v", d, DefaultPollInterval)
	}
	if err := n.Notify(t.Context(), "u"); !errors.Is(err, store.ErrNoListen) {
		t.Errorf("Notify on SQLite = %v, want ErrNoListen", err)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v, want context.Canceled", err)
	}
}
