package app_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"eulogin/internal/app"
	"eulogin/internal/mail/mailtest"
)

// selfSigned writes the test servers' certificate (mailtest's) and its
// key as PEM files, and returns their paths and the pool that trusts it.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	cert, pool, err := mailtest.Certificate()
	if err != nil {
		t.Fatal(err)
	}
	key, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile, pool
}

// TestServeTLS serves HTTPS with --tls-cert/--tls-key, as a phone trying
// the installable app needs: the app shell, its service worker, and the
// Web Push key (generated at first start) are served over TLS only.
func TestServeTLS(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t)
	port := strconv.Itoa(freePort(t))
	base := "https://127.0.0.1:" + port
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var out, errBuf buffer
	done := make(chan error, 1)
	go func() {
		done <- app.Run(ctx, []string{"serve", "idp", "--listen", "127.0.0.1:" + port, "--base-url", base,
			"--database", filepath.Join(t.TempDir(), "db.sqlite"), "--tls-cert", certFile, "--tls-key", keyFile}, env(nil), &out, &errBuf)
	}()
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	waitHealthy(t, client, base, done, &errBuf)
	get := func(path string) (*http.Response, string) {
		t.Helper()
		resp, err := client.Get(base + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, string(b)
	}
	if resp, body := get("/app/"); resp.StatusCode != 200 || !strings.Contains(body, "manifest.webmanifest") {
		t.Errorf("GET /app/: %d, body without the manifest link", resp.StatusCode)
	}
	if resp, _ := get("/app/sw.js"); resp.StatusCode != 200 || resp.Header.Get("Service-Worker-Allowed") != "/app/" {
		t.Errorf("GET /app/sw.js: %d, Service-Worker-Allowed %q", resp.StatusCode, resp.Header.Get("Service-Worker-Allowed"))
	}
	resp, body := get("/app/v1/push/key")
	var key struct {
		VAPIDKey string `json:"vapid_key"`
	}
	if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &key) != nil || len(key.VAPIDKey) != 87 {
		t.Errorf("GET /app/v1/push/key: %d %q, want an 87-character base64url P-256 point", resp.StatusCode, body)
	}
	if resp.Header.Get("Strict-Transport-Security") == "" {
		t.Error("HTTPS answers without Strict-Transport-Security")
	}
	// Plain HTTP on the TLS port gets no page.
	if resp, err := (&http.Client{Timeout: 5 * time.Second}).Get("http://127.0.0.1:" + port + "/healthz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Error("plain HTTP is served on the TLS listener")
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run after cancel = %v", err)
	}
}
