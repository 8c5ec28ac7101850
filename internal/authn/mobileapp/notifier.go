package mobileapp

import (
	"context"
	"sync"
	"time"
)

// Notifier wakes the waiters of an account when its push requests change (a
// request created, answered or locked). A waiter always re-reads the
// database after waking, so a Notifier may wake too often, never too late:
// Wait must return within a bounded time even without a Notify, which makes
// a replica see changes made by another. A PostgreSQL LISTEN/NOTIFY or Web
// Push implementation can replace PollNotifier behind this interface.
type Notifier interface {
	// Notify wakes the waiters of userID.
	Notify(ctx context.Context, userID string) error
	// Wait returns nil after a Notify for userID or after the
	// implementation's longest wait, and ctx.Err() when ctx ends first.
	Wait(ctx context.Context, userID string) error
}

// DefaultPollInterval is the longest a PollNotifier waiter sleeps before it
// re-reads the database.
const DefaultPollInterval = time.Second

// PollNotifier is a Notifier that works across replicas by polling: Notify
// wakes the waiters of this process at once, and every waiter wakes at least
// every Interval to re-read the database. The zero value is ready to use.
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

// Wait waits for a Notify of userID, the interval, or the end of ctx.
func (n *PollNotifier) Wait(ctx context.Context, userID string) error {
	n.mu.Lock()
	if n.waiters == nil {
		n.waiters = map[string]chan struct{}{}
	}
	ch, ok := n.waiters[userID]
	if !ok {
		ch = make(chan struct{})
		n.waiters[userID] = ch
	}
	n.mu.Unlock()
	d := n.Interval
	if d <= 0 {
		d = DefaultPollInterval
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ch:
		return nil
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
