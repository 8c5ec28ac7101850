package main

import (
	"strings"
	"testing"
	"time"

	"eulogin/internal/idp/idptest"
)

// TestTimingAgainstServer runs the timing measurement, one pair per
// answer, against a real identity provider (development mode, so the
// tool reads its links in the dev outbox).
func TestTimingAgainstServer(t *testing.T) {
	e := idptest.New(t, idptest.Options{NoSMTP: true})
	var out strings.Builder
	if err := run(t.Context(), []string{"timing", "--base", e.URL, "--pairs", "1"}, &out); err != nil {
		t.Fatalf("timing: %v\n%s", err, out.String())
	}
	for _, row := range []string{"| create an account |", "| lost password |", "| login: e-mail address |", "| login: verification method |", "| login: wrong password |"} {
		if !strings.Contains(out.String(), row) {
			t.Errorf("output lacks %q:\n%s", row, out.String())
		}
	}
}

// TestFairnessAgainstServer runs a short fairness measurement: the other
// addresses' logins succeed (303 to My Account). Two seconds a phase:
// on a busy machine (2 cores, the browser tests beside it) one login can
// take longer than a shorter phase.
func TestFairnessAgainstServer(t *testing.T) {
	e := idptest.New(t, idptest.Options{NoSMTP: true})
	var out strings.Builder
	err := run(t.Context(), []string{"fairness", "--base", e.URL, "--flood", "2", "--others", "1", "--duration", (2 * time.Second).String()}, &out)
	if err != nil {
		t.Fatalf("fairness: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "| other addresses, alone |") || !strings.Contains(out.String(), "map[303:") {
		t.Errorf("output lacks the logins of the other addresses:\n%s", out.String())
	}
}
