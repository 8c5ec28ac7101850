package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"
)

// tally counts the logins of one group of clients.
type tally struct {
	mu       sync.Mutex
	ok       int
	statuses map[int]int
	took     []time.Duration
}

func (t *tally) add(as [3]answer, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.statuses == nil {
		t.statuses = map[int]int{}
	}
	t.statuses[as[2].status]++
	if ok {
		t.ok++
		t.took = append(t.took, as[0].took+as[1].took+as[2].took)
	}
}

// loop logs in as email with password from the client address xff, again
// and again, until ctx ends.
func loop(ctx context.Context, c *client, xff, email, password string, t *tally) {
	for ctx.Err() == nil {
		as, ok, err := c.browser(xff).login(ctx, email, password)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			t.add(as, false)
			continue
		}
		t.add(as, ok)
	}
}

// fairness measures the logins of other client addresses alone, then
// during a flood of right-password logins from one address.
func fairness(ctx context.Context, c *client, flood, others int, d time.Duration, out io.Writer) error {
	stamp := time.Now().UnixNano()
	flooder, other := fmt.Sprintf("flood-%d@example.org", stamp), fmt.Sprintf("other-%d@example.org", stamp)
	const password = "Harbour lights at dusk 77"
	for _, e := range []string{flooder, other} {
		if err := c.createAccount(ctx, e, password); err != nil {
			return err
		}
	}
	phase := func(withFlood bool) (alone, flooding *tally) {
		pctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		alone, flooding = &tally{}, &tally{}
		var wg sync.WaitGroup
		for i := range others {
			// Documentation addresses (RFC 5737), only ever a header value.
			wg.Go(func() { loop(pctx, c, fmt.Sprintf("198.51.100.%d", i+1), other, password, alone) })
		}
		if withFlood {
			for range flood {
				wg.Go(func() { loop(pctx, c, "192.0.2.1", flooder, password, flooding) })
			}
		}
		wg.Wait()
		return alone, flooding
	}
	base, _ := phase(false)
	loaded, flooding := phase(true)
	rate := func(t *tally) float64 { return float64(t.ok) / d.Seconds() }
	fmt.Fprintf(out, "%d other addresses logging in, %s alone, then %s beside %d clients of one address logging in with the right password\n\n", others, d, d, flood)
	fmt.Fprintf(out, "| | logins/s | p50 | p99 | answers of the password step |\n|---|---|---|---|---|\n")
	fmt.Fprintf(out, "| other addresses, alone | %.1f | %s | %s | %v |\n", rate(base), ms(pct(base.took, 50)), ms(pct(base.took, 99)), base.statuses)
	fmt.Fprintf(out, "| other addresses, during the flood | %.1f | %s | %s | %v |\n", rate(loaded), ms(pct(loaded.took, 50)), ms(pct(loaded.took, 99)), loaded.statuses)
	fmt.Fprintf(out, "| the flooding address | %.1f | %s | %s | %v |\n", rate(flooding), ms(pct(flooding.took, 50)), ms(pct(flooding.took, 99)), flooding.statuses)
	if base.ok > 0 {
		fmt.Fprintf(out, "\nother addresses' logins during the flood ÷ alone: %.2f\n", float64(loaded.ok)/float64(base.ok))
	}
	return nil
}

// pct is the p-th percentile of ds.
func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}
