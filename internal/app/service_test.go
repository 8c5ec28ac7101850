package app_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"eulogin/internal/app"
	"eulogin/internal/cas"
	"eulogin/internal/store"
)

// TestServiceCommand runs "eulogin service add|list|remove" in order on one
// database, each step checking its output and the registry.
func TestServiceCommand(t *testing.T) {
	dir := t.TempDir()
	database := filepath.Join(dir, "db.sqlite")
	registered := func(t *testing.T) map[string]*cas.Service {
		t.Helper()
		db, err := store.Open(t.Context(), database)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		list, err := cas.ListServices(t.Context(), db)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]*cas.Service{}
		for _, s := range list {
			out[s.ID] = s
		}
		return out
	}
	steps := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string
		stdout  string
		check   func(t *testing.T, reg map[string]*cas.Service)
	}{
		{name: "no subcommand", args: []string{"service"}, wantErr: "add, list or remove"},
		{name: "unknown subcommand", args: []string{"service", "rename"}, wantErr: `unknown command "rename"`},
		{name: "help", args: []string{"service", "help"}, stdout: "eulogin service add"},
		{name: "empty list", args: []string{"service", "list", "--database", database}, stdout: "no services registered"},
		{
			name: "add",
			args: []string{"service", "add", "--database", database, "--id", "eci", "--name", "ECI organiser account",
				"--name-fr", "Compte organisateur", "--name-lv", "Organizatora konts", "--url", "http://127.0.0.1:8081/*",
				"--url", "https://eci.example.org/*", "--strengths", "PASSWORD_SMS,PASSWORD_MOBILE_APP",
				"--attributes", "email,firstName,lastName,strength", "--slo"},
			stdout: "registered service eci",
			check: func(t *testing.T, reg map[string]*cas.Service) {
				s := reg["eci"]
				if s == nil || s.DisplayName("lv") != "Organizatora konts" || s.DisplayName("fr") != "Compte organisateur" ||
					len(s.Patterns) != 2 || !s.SLO || s.Proxy || !s.AcceptsStrength("PASSWORD_SMS") || s.AcceptsStrength("PASSWORD") ||
					!s.Releases("strength") || s.Releases("uid") {
					t.Errorf("service eci = %+v", s)
				}
			},
		},
		{
			name: "add from the environment's database",
			args: []string{"service", "add", "--id", "proxy", "--name", "Proxy", "--url", "https://proxy.example.org/*", "--proxy"},
			env:  map[string]string{"EULOGIN_DATABASE": database}, stdout: "registered service proxy",
			check: func(t *testing.T, reg map[string]*cas.Service) {
				if s := reg["proxy"]; s == nil || !s.Proxy || s.SLO || len(s.Strengths) != 0 || len(s.Attributes) != 0 {
					t.Errorf("service proxy = %+v", s)
				}
			},
		},
		{
			name:   "add again replaces",
			args:   []string{"service", "add", "--database", database, "--id", "proxy", "--name", "Proxy 2", "--url", "https://proxy.example.org/cb"},
			stdout: "updated service proxy",
			check: func(t *testing.T, reg map[string]*cas.Service) {
				if s := reg["proxy"]; s == nil || s.Name != "Proxy 2" || s.Proxy {
					t.Errorf("service proxy after the update = %+v", s)
				}
			},
		},
		{name: "list from a database file", args: []string{"service", "list", "--database-file", secretFile(t, database+"\n", 0o600)}, stdout: "proxy  Proxy 2"},
		{name: "database and its file", args: []string{"service", "list", "--database-file", secretFile(t, database, 0o600)}, env: map[string]string{"EULOGIN_DATABASE": database}, wantErr: "both set"},
		{name: "list", args: []string{"service", "list", "--database", database}, stdout: "eci    ECI organiser account  http://127.0.0.1:8081/* https://eci.example.org/*  PASSWORD_SMS,PASSWORD_MOBILE_APP  email,firstName,lastName,strength  true   false\nproxy  Proxy 2"},
		{name: "add without a URL", args: []string{"service", "add", "--database", database, "--id", "x", "--name", "X"}, wantErr: "at least one URL pattern"},
		{name: "add an evil pattern", args: []string{"service", "add", "--database", database, "--id", "x", "--name", "X", "--url", "https://*.example.org/"}, wantErr: "'*' only at the end"},
		{name: "add a bad strength", args: []string{"service", "add", "--database", database, "--id", "x", "--name", "X", "--url", "https://x.example.org/", "--strengths", "PASSWORD,sms please"}, wantErr: "--strengths"},
		{name: "add an unknown attribute", args: []string{"service", "add", "--database", database, "--id", "x", "--name", "X", "--url", "https://x.example.org/", "--attributes", "password"}, wantErr: `attribute "password"`},
		{name: "add a name in a non-EU language", args: []string{"service", "add", "--database", database, "--id", "x", "--name", "X", "--url", "https://x.example.org/", "--name-ja", "X"}, wantErr: "name-ja"},
		{name: "remove", args: []string{"service", "remove", "--database", database, "proxy"}, stdout: "removed service proxy",
			check: func(t *testing.T, reg map[string]*cas.Service) {
				if _, ok := reg["proxy"]; ok || reg["eci"] == nil {
					t.Errorf("registry after remove = %v, want eci only", reg)
				}
			}},
		{name: "remove unknown", args: []string{"service", "remove", "--database", database, "proxy"}, wantErr: "not registered"},
		{name: "remove without an id", args: []string{"service", "remove", "--database", database}, wantErr: "unexpected arguments"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			var out, errBuf buffer
			err := app.Run(t.Context(), st.args, env(st.env), &out, &errBuf)
			switch {
			case st.wantErr == "" && err != nil:
				t.Fatalf("Run(%q) = %v, want nil; stderr:\n%s", st.args, err, errBuf.String())
			case st.wantErr != "" && (err == nil || !strings.Contains(err.Error(), st.wantErr)):
				t.Fatalf("Run(%q) = %v, want an error containing %q", st.args, err, st.wantErr)
			}
			if !strings.Contains(out.String(), st.stdout) {
				t.Errorf("stdout = %q, want it to contain %q", out.String(), st.stdout)
			}
			if st.check != nil {
				st.check(t, registered(t))
			}
		})
	}
}

// TestServeServicesFile: a --services file that does not hold valid
// services stops "eulogin serve" before it listens, saying why.
func TestServeServicesFile(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "services.json")
	if err := os.WriteFile(bad, []byte(`[{"id": "eci", "name": "ECI", "urls": ["https://evil.example/*/x"]}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, file, want string }{
		{"invalid service", bad, "'*' only at the end"},
		{"missing file", filepath.Join(dir, "missing.json"), "services file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			var out, errBuf buffer
			err := app.Run(ctx, []string{"serve", "idp", "--listen", "127.0.0.1:0", "--database", filepath.Join(dir, "db.sqlite"), "--services", tc.file}, env(nil), &out, &errBuf)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("serve --services %s = %v, want an error containing %q", tc.file, err, tc.want)
			}
		})
	}
}
