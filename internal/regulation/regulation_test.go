package regulation_test

import (
	"context"
	"sort"
	"testing"
	"time"

	"eulogin/internal/regulation"
)

// memStore keeps events in memory with the store's semantics.
type memStore struct{ ev map[string][]time.Time }

func (m *memStore) AddAttempt(_ context.Context, key string, at time.Time) error {
	m.ev[key] = append(m.ev[key], at)
	return nil
}

func (m *memStore) CountAttempts(_ context.Context, key string, since time.Time, n int) (int, time.Time, error) {
	var in []time.Time
	for _, t := range m.ev[key] {
		if t.After(since) {
			in = append(in, t)
		}
	}
	sort.Slice(in, func(i, j int) bool { return in[i].After(in[j]) })
	if len(in) < n || n < 1 {
		return len(in), time.Time{}, nil
	}
	return len(in), in[n-1], nil
}

func (m *memStore) ClearAttempts(_ context.Context, key string) error {
	delete(m.ev, key)
	return nil
}

func TestSlidingWindow(t *testing.T) {
	now := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	r := &regulation.Regulator{Store: &memStore{ev: map[string][]time.Time{}}, Now: func() time.Time { return now }}
	ctx := context.Background()
	l := regulation.Limit{Max: 3, Window: 10 * time.Minute}
	hit := func(d time.Duration) {
		now = now.Add(d)
		if err := r.Hit(ctx, "k"); err != nil {
			t.Fatal(err)
		}
	}
	hit(0)               // 10:00
	hit(2 * time.Minute) // 10:02
	if until, _ := r.Check(ctx, "k", l); !until.IsZero() {
		t.Fatalf("after 2 events Check = %v, want allowed", until)
	}
	hit(2 * time.Minute) // 10:04
	until, _ := r.Check(ctx, "k", l)
	if want := time.Date(2026, 1, 1, 10, 10, 0, 0, time.UTC); !until.Equal(want) {
		t.Fatalf("after 3 events Check = %v, want blocked until %v", until, want)
	}
	// When the oldest event leaves the window, one more is allowed, but not two.
	now = time.Date(2026, 1, 1, 10, 10, 0, 1e6, time.UTC)
	if until, _ := r.Check(ctx, "k", l); !until.IsZero() {
		t.Fatalf("at 10:10 Check = %v, want allowed", until)
	}
	hit(0)
	until, _ = r.Check(ctx, "k", l)
	if want := time.Date(2026, 1, 1, 10, 12, 0, 0, time.UTC); !until.Equal(want) {
		t.Fatalf("Check = %v, want blocked until %v (the window slides)", until, want)
	}
	if err := r.Clear(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if until, _ := r.Check(ctx, "k", l); !until.IsZero() {
		t.Fatalf("after Clear Check = %v, want allowed", until)
	}
}

func TestTake(t *testing.T) {
	now := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	st := &memStore{ev: map[string][]time.Time{}}
	r := &regulation.Regulator{Store: st, Now: func() time.Time { return now }}
	ctx := context.Background()
	keys := []string{"addr", "ip"}
	limits := []regulation.Limit{{Max: 2, Window: time.Hour}, {Max: 5, Window: time.Hour}}
	for i := range 2 {
		if until, err := r.Take(ctx, keys, limits); err != nil || !until.IsZero() {
			t.Fatalf("Take %d = %v, %v; want allowed", i, until, err)
		}
	}
	until, err := r.Take(ctx, keys, limits)
	if err != nil || until.IsZero() {
		t.Fatalf("third Take = %v, %v; want blocked by the address limit", until, err)
	}
	// A refused Take records nothing: the IP key still has 2 events.
	if got := len(st.ev["ip"]); got != 2 {
		t.Errorf("ip events after a refused Take = %d, want 2", got)
	}
}
