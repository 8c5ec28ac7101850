package main

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestParseArgs reads every command's command lines: flags before the
// operand, after it, mixed, with "=", after "--", and the errors.
func TestParseArgs(t *testing.T) {
	host, _ := os.Hostname()
	defaultName := "eulogin-authenticator on " + host
	getenv := func(k string) string { return map[string]string{"EULOGIN_AUTHENTICATOR_KEYS": "env.json"}[k] }
	type want struct {
		cmd, keys, operand, name string
		timeout                  time.Duration
		force                    bool
	}
	tests := []struct {
		args []string
		want want
	}{
		{[]string{"enroll", "qr.png"}, want{cmd: "enroll", keys: "env.json", operand: "qr.png", name: defaultName}},
		{[]string{"enrol", "qr.png"}, want{cmd: "enroll", keys: "env.json", operand: "qr.png", name: defaultName}},
		{[]string{"enroll", "eulogin-app://enrol?v=1", "--name", "laptop"}, want{cmd: "enroll", keys: "env.json", operand: "eulogin-app://enrol?v=1", name: "laptop"}},
		{[]string{"enroll", "--name", "laptop", "qr.png"}, want{cmd: "enroll", keys: "env.json", operand: "qr.png", name: "laptop"}},
		{[]string{"enroll", "-name=my phone", "qr.png"}, want{cmd: "enroll", keys: "env.json", operand: "qr.png", name: "my phone"}},
		{[]string{"--keys", "k.json", "enroll", "qr.png", "--name", "laptop"}, want{cmd: "enroll", keys: "k.json", operand: "qr.png", name: "laptop"}},
		{[]string{"enroll", "--name", "laptop", "qr.png", "--keys=k.json"}, want{cmd: "enroll", keys: "k.json", operand: "qr.png", name: "laptop"}},
		{[]string{"--keys", "a.json", "enroll", "qr.png", "--keys", "b.json"}, want{cmd: "enroll", keys: "b.json", operand: "qr.png", name: defaultName}},
		{[]string{"enroll", "--name", "laptop", "--", "-qr.png"}, want{cmd: "enroll", keys: "env.json", operand: "-qr.png", name: "laptop"}},
		{[]string{"enroll", "--", "--name"}, want{cmd: "enroll", keys: "env.json", operand: "--name", name: defaultName}},
		{[]string{"enroll", "--name", "--", "qr.png"}, want{cmd: "enroll", keys: "env.json", operand: "qr.png", name: "--"}},
		{[]string{"enroll", "-"}, want{cmd: "enroll", keys: "env.json", operand: "-", name: defaultName}},
		{[]string{"--", "enroll", "qr.png", "--name", "x"}, want{cmd: "enroll", keys: "env.json", operand: "qr.png", name: "x"}},

		{[]string{"accounts"}, want{cmd: "accounts", keys: "env.json"}},
		{[]string{"accounts", "--keys", "k.json"}, want{cmd: "accounts", keys: "k.json"}},
		{[]string{"-keys", "k.json", "accounts", "--"}, want{cmd: "accounts", keys: "k.json"}},

		{[]string{"wait"}, want{cmd: "wait", keys: "env.json", timeout: time.Minute}},
		{[]string{"wait", "--timeout", "5s"}, want{cmd: "wait", keys: "env.json", timeout: 5 * time.Second}},
		{[]string{"wait", "--timeout=2m", "--keys", "k.json"}, want{cmd: "wait", keys: "k.json", timeout: 2 * time.Minute}},

		{[]string{"approve", "r1"}, want{cmd: "approve", keys: "env.json", operand: "r1"}},
		{[]string{"approve", "--keys", "k.json", "r1"}, want{cmd: "approve", keys: "k.json", operand: "r1"}},
		{[]string{"approve", "r1", "--keys", "k.json"}, want{cmd: "approve", keys: "k.json", operand: "r1"}},
		{[]string{"approve", "--", "-r1"}, want{cmd: "approve", keys: "env.json", operand: "-r1"}},

		{[]string{"deny", "r1"}, want{cmd: "deny", keys: "env.json", operand: "r1"}},
		{[]string{"deny", "r1", "-keys=k.json"}, want{cmd: "deny", keys: "k.json", operand: "r1"}},
		{[]string{"deny", "--keys", "k.json", "--", "r1"}, want{cmd: "deny", keys: "k.json", operand: "r1"}},

		{[]string{"otp", "eulogin-app://otp?v=1"}, want{cmd: "otp", keys: "env.json", operand: "eulogin-app://otp?v=1"}},
		{[]string{"otp", "qr.png", "--keys", "k.json"}, want{cmd: "otp", keys: "k.json", operand: "qr.png"}},
		{[]string{"otp", "--keys", "k.json", "--", "qr.png"}, want{cmd: "otp", keys: "k.json", operand: "qr.png"}},

		{[]string{"remove", "d1"}, want{cmd: "remove", keys: "env.json", operand: "d1"}},
		{[]string{"remove", "d1", "--force"}, want{cmd: "remove", keys: "env.json", operand: "d1", force: true}},
		{[]string{"remove", "--force", "d1"}, want{cmd: "remove", keys: "env.json", operand: "d1", force: true}},
		{[]string{"remove", "--force=false", "d1", "--keys", "k.json"}, want{cmd: "remove", keys: "k.json", operand: "d1"}},
		{[]string{"remove", "--force", "--", "--force"}, want{cmd: "remove", keys: "env.json", operand: "--force", force: true}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			inv, err := parseArgs(tt.args, getenv)
			if err != nil {
				t.Fatalf("parseArgs(%q) = %v", tt.args, err)
			}
			got := want{cmd: inv.cmd.name, keys: inv.keys, operand: inv.operand, name: inv.name, timeout: inv.timeout, force: inv.force}
			if got != tt.want {
				t.Errorf("parseArgs(%q) = %+v, want %+v", tt.args, got, tt.want)
			}
		})
	}
}

// TestParseArgsErrors checks that every refused command line says why.
func TestParseArgsErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{nil, "no command"},
		{[]string{"--keys", "k.json"}, "no command"},
		{[]string{"login"}, `unknown command "login"`},
		{[]string{"--keys"}, "flag --keys needs a value"},
		{[]string{"--name", "x", "enroll", "qr.png"}, "unknown flag --name"},
		{[]string{"--", "--keys", "k.json", "enroll"}, `unknown command "--keys"`},

		{[]string{"enroll"}, "enroll needs the QR code image or its URI"},
		{[]string{"enroll", "--name", "laptop"}, "enroll needs the QR code image or its URI"},
		{[]string{"enroll", "qr.png", "--name"}, "enroll: flag --name needs a value"},
		{[]string{"enroll", "qr.png", "--nmae", "laptop"}, "enroll: unknown flag --nmae"},
		{[]string{"enroll", "qr.png", "--nmae=laptop"}, "enroll: unknown flag --nmae"},
		{[]string{"enroll", "a.png", "b.png"}, `enroll: unexpected argument "b.png"`},
		{[]string{"enroll", "--", "qr.png", "--name", "x"}, `enroll: unexpected argument "--name"`},

		{[]string{"accounts", "all"}, `accounts: unexpected argument "all"`},
		{[]string{"accounts", "--force"}, "accounts: unknown flag --force"},

		{[]string{"wait", "--timeout"}, "wait: flag --timeout needs a value"},
		{[]string{"wait", "--timeout", "soon"}, `wait: invalid value "soon" for flag -timeout`},
		{[]string{"wait", "r1"}, `wait: unexpected argument "r1"`},

		{[]string{"approve"}, "approve needs a request id (see wait)"},
		{[]string{"approve", "r1", "r2"}, `approve: unexpected argument "r2"`},
		{[]string{"approve", "r1", "--number", "42"}, "approve: unknown flag --number"},
		{[]string{"approve", "r1", "--keys"}, "approve: flag --keys needs a value"},

		{[]string{"deny", "--keys", "k.json"}, "deny needs a request id (see wait)"},
		{[]string{"deny", "-x", "r1"}, "deny: unknown flag -x"},

		{[]string{"otp"}, "otp needs the QR code image or its payload"},
		{[]string{"otp", "a.png", "--name", "x"}, "otp: unknown flag --name"},

		{[]string{"remove"}, "remove needs the device id (see accounts)"},
		{[]string{"remove", "d1", "--force=maybe"}, `remove: invalid boolean value "maybe" for -force`},
		{[]string{"remove", "d1", "--force", "true"}, `remove: unexpected argument "true"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			_, err := parseArgs(tt.args, func(string) string { return "" })
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("parseArgs(%q) = %v, want an error with %q", tt.args, err, tt.want)
			}
		})
	}
}

// TestRunUsage checks what the user sees: a refused command line shows the
// command's usage on stderr and touches no key file; --help shows it on
// stdout and succeeds.
func TestRunUsage(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "keys.json")
	getenv := func(k string) string { return map[string]string{"EULOGIN_AUTHENTICATOR_KEYS": keyFile}[k] }
	tests := []struct {
		args           []string
		wantErr        string
		stdout, stderr string
	}{
		{args: []string{"enroll", "qr.png", "--nmae", "x"}, wantErr: "unknown flag --nmae", stderr: "usage: eulogin-authenticator [--keys FILE] enroll <qr.png|uri> [--name NAME]"},
		{args: []string{"remove"}, wantErr: "remove needs the device id", stderr: "remove <device id> [--force]"},
		{args: []string{"frobnicate"}, wantErr: `unknown command "frobnicate"`, stderr: "otp <qr.png|payload>"},
		{args: []string{"--help"}, stdout: "wait [--timeout 60s]"},
		{args: []string{"-h"}, stdout: "approve <request id>"},
		{args: []string{"enroll", "qr.png", "--help"}, stdout: "the device name the app proposes"},
		{args: []string{"wait", "-h"}, stdout: "how long to wait"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(t.Context(), tt.args, getenv, strings.NewReader(""), &out, &errOut)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("run(%q) = %v, want nil", tt.args, err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("run(%q) = %v, want an error with %q", tt.args, err, tt.wantErr)
			}
			if errors.Is(err, flag.ErrHelp) {
				t.Errorf("run(%q) = %v, want help to be no error", tt.args, err)
			}
			if !strings.Contains(out.String(), tt.stdout) || !strings.Contains(errOut.String(), tt.stderr) {
				t.Errorf("run(%q) wrote\nstdout: %s\nstderr: %s\nwant %q in stdout and %q in stderr", tt.args, out.String(), errOut.String(), tt.stdout, tt.stderr)
			}
			if _, err := os.Stat(keyFile); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("after run(%q), the key file exists (%v); want it untouched", tt.args, err)
			}
		})
	}
}
