package app_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"eulogin/internal/app"
	"eulogin/internal/config"
	"eulogin/internal/store"
	"eulogin/internal/store/storetest"
)

// buffer is a bytes.Buffer safe for the server's goroutines.
type buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestMain runs the tests in a temporary working directory, so that a
// default path such as ./var/eci.db never lands in the source tree.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "eulogin-app-test")
	if err != nil {
		panic(err)
	}
	if err := os.Chdir(dir); err != nil {
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// env returns a getenv that sees only vars, so the machine's own EULOGIN_*
// variables cannot leak into a test.
func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// freePort returns a port nobody listens on right now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

// waitHealthy polls base+"/healthz" until it answers 200 "ok\n". The test
// fails when Run returns first (on done) or after 20 seconds.
func waitHealthy(t *testing.T, client *http.Client, base string, done <-chan error, stderr *buffer) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); ; {
		resp, err := client.Get(base + "/healthz")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 {
				if string(body) != "ok\n" {
					t.Errorf("/healthz body %q, want \"ok\\n\"", body)
				}
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s/healthz not 200 after 20s (last error %v); stderr:\n%s", base, err, stderr.String())
		}
		select {
		case err := <-done:
			t.Fatalf("Run returned before serving: %v; stderr:\n%s", err, stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// TestServe starts "eulogin serve" on each database engine, waits for
// /healthz, checks a page, and stops it by cancelling the context.
func TestServe(t *testing.T) {
	engines := []struct {
		name     string
		database func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "db.sqlite") }},
		{"postgres", storetest.PostgresDSN},
	}
	for _, eng := range engines {
		t.Run(eng.name, func(t *testing.T) {
			database := eng.database(t)
			port, eciPort := strconv.Itoa(freePort(t)), strconv.Itoa(freePort(t))
			base, portal := "http://127.0.0.1:"+port, "http://127.0.0.1:"+eciPort
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			var out, errBuf buffer
			done := make(chan error, 1)
			go func() {
				done <- app.Run(ctx, []string{"serve", "--listen", "127.0.0.1:" + port, "--base-url", base, "--database", database,
					"--eci-listen", "127.0.0.1:" + eciPort, "--eci-base-url", portal, "--eci-database", filepath.Join(t.TempDir(), "eci.db")}, env(nil), &out, &errBuf)
			}()

			client := &http.Client{Timeout: 5 * time.Second}
			waitHealthy(t, client, base, done, &errBuf)

			resp, err := client.Get(base + "/login")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !strings.Contains(string(body), "<h1>Log in</h1>") || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
				t.Errorf("GET /login: %d, CSP %q", resp.StatusCode, resp.Header.Get("Content-Security-Policy"))
			}
			// Development mode: the outbox is served.
			if resp, err := client.Get(base + "/dev/outbox"); err != nil || resp.StatusCode != 200 {
				t.Errorf("GET /dev/outbox: %v %v", resp, err)
			} else {
				resp.Body.Close()
			}
			// The portal runs beside the IdP, knows it only by its URL, and
			// sends the Organiser account button to its CAS login.
			if resp, err := client.Get(portal + "/healthz"); err != nil || resp.StatusCode != 200 {
				t.Errorf("portal /healthz: %v %v", resp, err)
			} else {
				resp.Body.Close()
			}
			noRedirect := &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			if resp, err := noRedirect.Get(portal + "/login"); err != nil {
				t.Error(err)
			} else {
				resp.Body.Close()
				if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, base+"/login?") || !strings.Contains(loc, "service=") {
					t.Errorf("portal /login redirects to %q, want the IdP's CAS login", loc)
				}
				// The portal registered itself: the IdP accepts its service.
				if resp, err := client.Get(resp.Header.Get("Location")); err != nil || resp.StatusCode != 200 {
					t.Errorf("IdP login for the portal's service: %v %v", resp, err)
				} else {
					resp.Body.Close()
				}
			}

			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run after cancel = %v, want nil", err)
				}
			case <-time.After(15 * time.Second):
				t.Fatal("Run did not return within 15s of the cancel")
			}
			if want := "ECI organiser portal: " + portal; !strings.Contains(out.String(), want) {
				t.Errorf("stdout %q lacks %q", out.String(), want)
			}
			if want := "EU Login identity provider: " + base; !strings.Contains(out.String(), want) {
				t.Errorf("stdout %q lacks %q", out.String(), want)
			}
			if _, err := client.Get(base + "/healthz"); err == nil {
				t.Error("the server still answers after Run returned")
			}
		})
	}
}

// TestCommands checks the commands that do not serve.
func TestCommands(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string // "" for success
		stdout  string // a part of the output
		stderr  string // a part of the error output
		check   func(t *testing.T)
	}{
		{name: "version", args: []string{"version"}, stdout: "eulogin"},
		{name: "help", args: []string{"help"}, stdout: "eulogin serve"},
		{name: "no command", args: nil, wantErr: "no command", stderr: "Usage:"},
		{name: "unknown command", args: []string{"frobnicate"}, wantErr: `unknown command "frobnicate"`, stderr: "Usage:"},
		{name: "unknown server", args: []string{"serve", "mainframe"}, wantErr: `unknown server "mainframe"`},
		{name: "unknown flag", args: []string{"serve", "--no-such-flag"}, wantErr: "no-such-flag"},
		{name: "stray argument", args: []string{"serve", "--dev", "true", "extra"}, wantErr: "unexpected arguments"},
		{name: "bad flag value", args: []string{"serve", "--link-ttl", "forever"}, wantErr: "link-ttl"},
		{name: "bad variable", args: []string{"serve"}, env: map[string]string{"EULOGIN_LINK_TTL": "bogus"}, wantErr: "EULOGIN_LINK_TTL"},
		{name: "bad number variable", args: []string{"migrate"}, env: map[string]string{"EULOGIN_HASH_WORKERS": "many"}, wantErr: "EULOGIN_HASH_WORKERS"},
		{
			name: "production without SMTP", args: []string{"serve", "--dev", "false", "--base-url", "https://x.example", "--database", filepath.Join(dir, "prod", "db.sqlite")},
			wantErr: "--smtp-host",
			check: func(t *testing.T) {
				if _, err := os.Stat(filepath.Join(dir, "prod")); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("a refused configuration created the database folder: %v", err)
				}
			},
		},
		{
			name: "production over http", args: []string{"serve", "--dev", "false", "--base-url", "http://x.example", "--smtp-host", "mail.example", "--database", filepath.Join(dir, "prod", "db.sqlite")},
			wantErr: "https",
		},
		{
			name: "variable for the production setting", args: []string{"serve", "--database", filepath.Join(dir, "prod", "db.sqlite")},
			env:     map[string]string{"EULOGIN_DEV": "false", "EULOGIN_BASE_URL": "https://x.example"},
			wantErr: "--smtp-host",
		},
		{
			name: "migrate a fresh SQLite file", args: []string{"migrate", "--database", filepath.Join(dir, "new", "db.sqlite")},
			stderr: "migrations applied to the sqlite database",
			check: func(t *testing.T) {
				db, err := store.OpenNoMigrate(filepath.Join(dir, "new", "db.sqlite"))
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				var n int
				if err := db.SQL().QueryRowContext(t.Context(), `SELECT COUNT(*) FROM users`).Scan(&n); err != nil || n != 0 {
					t.Errorf("users table after migrate: %d %v", n, err)
				}
			},
		},
		{name: "migrate again", args: []string{"migrate", "--database", filepath.Join(dir, "new", "db.sqlite")}, stderr: "migrations applied"},
		{name: "migrate with the database from the environment", args: []string{"migrate"}, env: map[string]string{"EULOGIN_DATABASE": filepath.Join(dir, "env", "db.sqlite")}, stderr: "migrations applied",
			check: func(t *testing.T) {
				if _, err := os.Stat(filepath.Join(dir, "env", "db.sqlite")); err != nil {
					t.Errorf("EULOGIN_DATABASE was not used: %v", err)
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out, errBuf buffer
			err := app.Run(t.Context(), tc.args, env(tc.env), &out, &errBuf)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("Run(%q) = %v; stderr:\n%s", tc.args, err, errBuf.String())
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("Run(%q) = %v, want an error containing %q", tc.args, err, tc.wantErr)
			}
			if !strings.Contains(out.String(), tc.stdout) {
				t.Errorf("stdout %q lacks %q", out.String(), tc.stdout)
			}
			if !strings.Contains(errBuf.String(), tc.stderr) {
				t.Errorf("stderr %q lacks %q", errBuf.String(), tc.stderr)
			}
			if tc.check != nil {
				tc.check(t)
			}
		})
	}
}

// TestMigratePostgres: migrate works on PostgreSQL too (skipped without
// EULOGIN_TEST_POSTGRES).
func TestMigratePostgres(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	for range 2 {
		var out, errBuf buffer
		if err := app.Run(t.Context(), []string{"migrate", "--database", dsn}, env(nil), &out, &errBuf); err != nil {
			t.Fatalf("migrate: %v", err)
		}
		if !strings.Contains(errBuf.String(), "migrations applied to the postgres database") {
			t.Errorf("stderr %q", errBuf.String())
		}
	}
}

// TestServeHelp: "serve --help" documents every flag and the rule for the
// EULOGIN_ variables, and is not an error.
func TestServeHelp(t *testing.T) {
	var out, errBuf buffer
	if err := app.Run(t.Context(), []string{"serve", "--help"}, env(nil), &out, &errBuf); err != nil {
		t.Fatalf("serve --help = %v, want nil", err)
	}
	help := out.String() + errBuf.String()
	cfg := config.Default()
	fs := cfg.FlagSet("serve", io.Discard)
	n := 0
	fs.VisitAll(func(f *flag.Flag) {
		n++
		if !regexp.MustCompile(`(?m)^\s+-` + regexp.QuoteMeta(f.Name) + `\b`).MatchString(help) {
			t.Errorf("help lacks flag -%s", f.Name)
		}
	})
	if n < 20 {
		t.Errorf("only %d flags", n)
	}
	for _, want := range []string{"EULOGIN_", "EULOGIN_SMTP_HOST", "A flag wins over its variable"} {
		if !strings.Contains(help, want) {
			t.Errorf("help lacks %q", want)
		}
	}
}
