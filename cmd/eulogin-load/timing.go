package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"slices"
	"time"
)

// step is one answer whose time is compared: run measures it for an
// address, known or not.
type step struct {
	name string
	run  func(ctx context.Context, email string) (time.Duration, error)
}

// timing measures, for each step, pairs of requests for a known and an
// unknown address in random order, and prints the medians.
func timing(ctx context.Context, c *client, pairs int, out io.Writer) error {
	stamp := time.Now().UnixNano()
	known := fmt.Sprintf("known-%d@example.org", stamp)
	const password = "Lighthouse by the sea 2026"
	if err := c.createAccount(ctx, known, password); err != nil {
		return err
	}
	n := 0
	unknown := func() string { n++; return fmt.Sprintf("unknown-%d-%d@example.org", stamp, n) }
	loginTo := func(steps int) func(context.Context, string) (time.Duration, error) {
		return func(ctx context.Context, email string) (time.Duration, error) {
			b := c.browser("")
			forms := []struct {
				path string
				form url.Values
			}{
				{"/login", url.Values{"email": {email}}},
				{"/login/method", url.Values{"method": {"PASSWORD"}}},
				{"/login/password", url.Values{"password": {"Not the password 2026"}}},
			}
			var a answer
			for _, f := range forms[:steps] {
				var err error
				if a, err = b.post(ctx, f.path, f.form); err != nil {
					return 0, err
				}
			}
			return a.took, nil
		}
	}
	steps := []step{
		{"create an account", func(ctx context.Context, email string) (time.Duration, error) {
			b := c.browser("")
			form, err := b.registration(ctx, email)
			if err != nil {
				return 0, err
			}
			a, err := b.post(ctx, "/register", form)
			return a.took, err
		}},
		{"lost password", func(ctx context.Context, email string) (time.Duration, error) {
			a, err := c.browser("").post(ctx, "/password/lost", url.Values{"email": {email}})
			return a.took, err
		}},
		{"login: e-mail address", loginTo(1)},
		{"login: verification method", loginTo(2)},
		{"login: wrong password", loginTo(3)},
	}
	fmt.Fprintf(out, "%d interleaved pairs per answer, known and unknown address in random order\n\n", pairs)
	fmt.Fprintf(out, "| answer | median, known | median, unknown | known ÷ unknown |\n|---|---|---|---|\n")
	for _, s := range steps {
		var k, u []time.Duration
		for range pairs {
			first, second := known, unknown()
			if rand.IntN(2) == 0 {
				first, second = second, first
			}
			for _, email := range []string{first, second} {
				d, err := s.run(ctx, email)
				if err != nil {
					return fmt.Errorf("%s: %w", s.name, err)
				}
				if email == known {
					k = append(k, d)
				} else {
					u = append(u, d)
				}
			}
		}
		mk, mu := median(k), median(u)
		fmt.Fprintf(out, "| %s | %s | %s | %.3f |\n", s.name, ms(mk), ms(mu), float64(mk)/float64(mu))
	}
	return nil
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }
