package mobileapp

import (
	"cmp"
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Notifier wakes the waiters of an account when its push requests or
// enrolments change (created, answered, locked). A waiter calls Watch
// before it reads the database and then waits on the channel, so a change
// made between the read and the wait is not missed. A Notifier may wake too
// often, never too late: the waiter also re-reads the database after the
// duration Watch returns, which is how a replica sees changes made by
// another when no notification reaches it.
type Notifier interface {
	// Notify wakes the waiters of userID.
	Notify(ctx context.Context, userID string) error
	// Watch returns a channel closed by the next Notify of userID, and the
	// longest the caller should wait on it before reading again.
	Watch(userID string) (<-chan struct{}, time.Duration)
}

// wait waits for ch, d or the end of ctx; false when ctx ended.
func wait(ctx context.Context, ch <-chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ch:
		return true
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// DefaultPollInterval is the longest a PollNotifier waiter sleeps before it
// re-reads the database.
const DefaultPollInterval = time.Second

// PollNotifier is a Notifier that works across replicas by polling: Notify
// wakes the waiters of this process at once, and every waiter wakes at least
// every Interval to re-read the database. The zero value is ready to use; it
// is what a single process on SQLite needs.
type PollNotifier struct {
	Interval time.Duration // 0 means DefaultPollInterval

	mu      sync.Mutex
	waiters map[string]chan struct{}
}

// Notify wakes the waiters of userID in this process.
func (n *PollNotifier) Notify(_ context.Context, userID string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if ch, ok := n.waiters[userID]; ok {
		close(ch)
		delete(n.waiters, userID)
	}
	return nil
}

// Watch returns the channel the next Notify of userID closes, and Interval.
func (n *PollNotifier) Watch(userID string) (<-chan struct{}, time.Duration) {
	return n.watch(userID), cmp.Or(n.Interval, DefaultPollInterval)
}

func (n *PollNotifier) watch(userID string) <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.waiters == nil {
		n.waiters = map[string]chan struct{}{}
	}
	ch, ok := n.waiters[userID]
	if !ok {
		ch = make(chan struct{})
		n.waiters[userID] = ch
	}
	return ch
}

// Bus carries notifications between replicas: store.DB implements it with
// PostgreSQL's LISTEN/NOTIFY.
type Bus interface {
	Publish(ctx context.Context, channel, payload string) error
	Listen(ctx context.Context, channel string, ready func(), fn func(payload string)) error
}

// BusChannel is the notification channel of the mobile app's waiters.
const BusChannel = "eulogin_mobileapp"

// DefaultBusInterval is the longest a BusNotifier waiter sleeps while the
// bus is listening; while it is not, waiters fall back to
// DefaultPollInterval.
const DefaultBusInterval = 10 * time.Second

// BusNotifier is the Notifier of replicas on PostgreSQL: Notify publishes
// the account on the bus, and every replica's Run wakes its own waiters of
// that account at once. Waiters still re-read the database every Interval,
// and every DefaultPollInterval while the bus is not listening, so a lost
// notification delays a page but never blocks it. Run must be running for
// notifications from other replicas to arrive.
type BusNotifier struct {
	Bus      Bus
	Interval time.Duration // 0 means DefaultBusInterval
	Logger   *slog.Logger  // nil discards

	local     PollNotifier
	listening atomic.Bool
}

// Notify wakes the waiters of userID here and on every replica.
func (n *BusNotifier) Notify(ctx context.Context, userID string) error {
	n.local.Notify(ctx, userID)
	return n.Bus.Publish(ctx, BusChannel, userID)
}

// Watch returns the channel the next notification of userID closes, from
// this replica or another, and the interval (shorter while not listening).
func (n *BusNotifier) Watch(userID string) (<-chan struct{}, time.Duration) {
	d := DefaultPollInterval
	if n.listening.Load() {
		d = cmp.Or(n.Interval, DefaultBusInterval)
	}
	return n.local.watch(userID), d
}

// Run listens on the bus until ctx ends, listening again after a failure
// (after a pause that grows to 30 seconds). It returns ctx.Err().
func (n *BusNotifier) Run(ctx context.Context) error {
	log := n.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	pause := 100 * time.Millisecond
	for {
		err := n.Bus.Listen(ctx, BusChannel, func() { n.listening.Store(true) }, func(userID string) {
			n.local.Notify(ctx, userID)
		})
		n.listening.Store(false)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		log.Warn("mobile app notifications: listening failed; waiters poll the database meanwhile", "err", err, "retry_in", pause)
		select {
		case <-time.After(pause):
		case <-ctx.Done():
			return ctx.Err()
		}
		pause = min(pause*2, 30*time.Second)
	}
}

// Listening reports whether Run is listening on the bus now.
func (n *BusNotifier) Listening() bool { return n.listening.Load() }
