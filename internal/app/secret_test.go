package app_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"eulogin/internal/app"
)

// secretFile writes content to a new file of the given mode and returns its
// path.
func secretFile(t *testing.T, content string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestServeSecretFiles: "serve" takes its database from --database-file and
// the mobile app secret from EULOGIN_APP_SECRET_FILE, as a systemd
// credential or a mounted Kubernetes secret would give them.
func TestServeSecretFiles(t *testing.T) {
	database := filepath.Join(t.TempDir(), "from-file.sqlite")
	dbFile := secretFile(t, database+"\n", 0o600)
	appFile := secretFile(t, strings.Repeat("k", 40)+"\n", 0o400)
	port := strconv.Itoa(freePort(t))
	base := "http://127.0.0.1:" + port
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var out, errBuf buffer
	done := make(chan error, 1)
	go func() {
		done <- app.Run(ctx, []string{"serve", "idp", "--listen", "127.0.0.1:" + port, "--base-url", base, "--database-file", dbFile},
			env(map[string]string{"EULOGIN_APP_SECRET_FILE": appFile}), &out, &errBuf)
	}()
	waitHealthy(t, &http.Client{Timeout: 5 * time.Second}, base, done, &errBuf)
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run after cancel = %v", err)
	}
	if _, err := os.Stat(database); err != nil {
		t.Errorf("the database named in --database-file was not used: %v", err)
	}
	if strings.Contains(errBuf.String(), "no --app-secret") {
		t.Errorf("serve generated an app secret although EULOGIN_APP_SECRET_FILE gave one; stderr:\n%s", errBuf.String())
	}
}

// TestServeRefusesSecretFiles: a secret file others can read, or a secret
// given twice, stops "serve" before it opens anything, without showing the
// secret.
func TestServeRefusesSecretFiles(t *testing.T) {
	database := filepath.Join(t.TempDir(), "db.sqlite")
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"readable by others", []string{"--database-file", secretFile(t, database, 0o644)}, nil, "--database-file (EULOGIN_DATABASE_FILE): "},
		{"value and file", []string{"--database", database}, map[string]string{"EULOGIN_DATABASE_FILE": secretFile(t, database, 0o600)}, "both set"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errBuf buffer
			err := app.Run(t.Context(), append([]string{"serve", "idp", "--listen", "127.0.0.1:0"}, tc.args...), env(tc.env), &out, &errBuf)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("serve %q = %v, want an error containing %q", tc.args, err, tc.want)
			}
			if _, err := os.Stat(database); err == nil {
				t.Errorf("serve opened the database despite the error")
			}
		})
	}
}
