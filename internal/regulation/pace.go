package regulation

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Pacer makes the answers of one kind of request (a lost-password form, a
// login step) take the same time whichever path served them, so that the
// time of an answer tells nothing about whether an address has an account:
// the path of a known address writes a link and sends an e-mail, the path
// of an unknown one does neither.
//
// Each answer is held until its request has lasted the pace: the larger of
// Min and the 95th percentile of the work times of the last 128 requests of
// that kind, but at most Max when Max is set: under a flood, when waiting
// for the hashing pool dominates, the pace must not hold every answer as
// long as the slowest. Both paths then answer at the pace; only the slowest
// twentieth of the work (a slow SMTP server) stands out, whichever path it
// was. The pace follows the server's load by itself. A Pacer is safe for
// concurrent use; its zero value paces with Min 0 and no Max.
type Pacer struct {
	Min, Max time.Duration

	mu     sync.Mutex
	recent [128]time.Duration
	n      int // samples seen, for the ring's fill
}

// Pace records that the work of a request that started at start is done,
// and waits until the request has lasted the pace (or ctx ends).
func (p *Pacer) Pace(ctx context.Context, start time.Time) {
	work := time.Since(start)
	wait := p.record(work) - work
	if wait <= 0 {
		return
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// record adds a work time and returns the pace.
func (p *Pacer) record(work time.Duration) time.Duration {
	p.mu.Lock()
	p.recent[p.n%len(p.recent)] = work
	p.n++
	filled := min(p.n, len(p.recent))
	sorted := slices.Clone(p.recent[:filled])
	p.mu.Unlock()
	slices.Sort(sorted)
	pace := max(sorted[(filled*95)/100], p.Min)
	if p.Max > 0 {
		pace = min(pace, p.Max)
	}
	return pace
}
