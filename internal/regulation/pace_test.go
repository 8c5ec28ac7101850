package regulation_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"eulogin/internal/regulation"
)

// TestPaceEvensOutPaths: after requests of a slow path, a fast path is held
// to the slow one's time; a cancelled request is not held. (In a synctest
// bubble: the clock is virtual, so the durations are exact.)
func TestPaceEvensOutPaths(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := &regulation.Pacer{}
		ctx := context.Background()
		for range 20 {
			start := time.Now()
			time.Sleep(20 * time.Millisecond) // the known address's e-mail
			p.Pace(ctx, start)
		}
		start := time.Now()
		p.Pace(ctx, start) // the unknown address: no work
		if got := time.Since(start); got != 20*time.Millisecond {
			t.Errorf("a fast answer after slow ones took %v, want 20ms", got)
		}
		start = time.Now()
		time.Sleep(50 * time.Millisecond) // past the pace: not held more
		p.Pace(ctx, start)
		if got := time.Since(start); got != 50*time.Millisecond {
			t.Errorf("a slow answer took %v, want 50ms", got)
		}
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		start = time.Now()
		p.Pace(cctx, start)
		if got := time.Since(start); got != 0 {
			t.Errorf("a cancelled request was held %v", got)
		}
	})
}

func TestPaceMin(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := &regulation.Pacer{Min: 15 * time.Millisecond}
		start := time.Now()
		p.Pace(context.Background(), start)
		if got := time.Since(start); got != 15*time.Millisecond {
			t.Errorf("Pace held %v, want Min (15ms)", got)
		}
	})
}

func TestPaceMax(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := &regulation.Pacer{Max: 30 * time.Millisecond}
		for range 10 {
			start := time.Now()
			time.Sleep(time.Second) // a flood: every answer waited long
			p.Pace(context.Background(), start)
		}
		start := time.Now()
		p.Pace(context.Background(), start)
		if got := time.Since(start); got != 30*time.Millisecond {
			t.Errorf("Pace held %v, want Max (30ms)", got)
		}
	})
}
