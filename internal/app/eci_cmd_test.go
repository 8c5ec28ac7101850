package app

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

// TestECIReviewerCommand: add, list and remove a reviewer on the portal's
// database named by the environment, and refuse bad input.
func TestECIReviewerCommand(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "eci.db")
	getenv := func(k string) string {
		if k == "EULOGIN_ECI_DATABASE" {
			return dsn
		}
		return ""
	}
	run := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := eciCommand(t.Context(), args, getenv, &out, &errOut)
		return out.String(), err
	}
	if out, err := run("reviewer", "add", "Rita@EC.Europa.eu"); err != nil || !strings.Contains(out, "rita@ec.europa.eu is a reviewer") {
		t.Fatalf("add = %q, %v", out, err)
	}
	if out, err := run("reviewer", "list"); err != nil || !strings.Contains(out, "rita@ec.europa.eu") {
		t.Errorf("list = %q, %v", out, err)
	}
	if _, err := run("reviewer", "remove", "rita@ec.europa.eu", "--eci-database", dsn); err != nil {
		t.Errorf("remove = %v", err)
	}
	if out, _ := run("reviewer", "list"); strings.Contains(out, "rita@") {
		t.Errorf("list after remove = %q", out)
	}
	for _, args := range [][]string{
		{}, {"reviewer"}, {"reviewer", "add"}, {"reviewer", "add", "not an address"},
		{"reviewer", "remove", "nobody@example.org"}, {"reviewer", "promote", "x@example.org"}, {"reviewer", "list", "extra"},
	} {
		if _, err := run(args...); err == nil {
			t.Errorf("eci %q = nil, want an error", args)
		}
	}
}
