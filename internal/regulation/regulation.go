// Package regulation counts attempts and decides when to refuse more: failed
// logins per account and per client address, e-mails per address and per
// client address. Every event is a row in the database, so all replicas see
// the same counts, and windows slide: a limit of N events per window W
// refuses the (N+1)-th event until the oldest of the last N is older than W.
package regulation

import (
	"context"
	"fmt"
	"time"
)

// Store keeps the events. store.DB implements it.
type Store interface {
	AddAttempt(ctx context.Context, key string, at time.Time) error
	CountAttempts(ctx context.Context, key string, since time.Time, n int) (int, time.Time, error)
	ClearAttempts(ctx context.Context, key string) error
}

// Limit is at most Max events per Window.
type Limit struct {
	Max    int
	Window time.Duration
}

// Regulator applies limits to keys such as "login:email:ana@example.org".
type Regulator struct {
	Store Store
	Now   func() time.Time
}

// Check returns the time until which key is blocked under limit, or the zero
// time when another event is allowed now.
func (r *Regulator) Check(ctx context.Context, key string, l Limit) (time.Time, error) {
	now := r.Now()
	count, nth, err := r.Store.CountAttempts(ctx, key, now.Add(-l.Window), l.Max)
	if err != nil {
		return time.Time{}, fmt.Errorf("regulation: check %s: %w", key, err)
	}
	if count < l.Max || nth.IsZero() {
		return time.Time{}, nil
	}
	return nth.Add(l.Window), nil
}

// Hit records one event under key.
func (r *Regulator) Hit(ctx context.Context, key string) error {
	if err := r.Store.AddAttempt(ctx, key, r.Now()); err != nil {
		return fmt.Errorf("regulation: hit %s: %w", key, err)
	}
	return nil
}

// Take checks every limit and, when none blocks, records one event under each
// key. It returns the latest time until which any key is blocked (zero when
// the event was allowed and recorded).
func (r *Regulator) Take(ctx context.Context, keys []string, limits []Limit) (time.Time, error) {
	var until time.Time
	for i, k := range keys {
		t, err := r.Check(ctx, k, limits[i])
		if err != nil {
			return time.Time{}, err
		}
		if t.After(until) {
			until = t
		}
	}
	if !until.IsZero() {
		return until, nil
	}
	for _, k := range keys {
		if err := r.Hit(ctx, k); err != nil {
			return time.Time{}, err
		}
	}
	return time.Time{}, nil
}

// Clear forgets the events of key (after a successful login).
func (r *Regulator) Clear(ctx context.Context, key string) error {
	return r.Store.ClearAttempts(ctx, key)
}
