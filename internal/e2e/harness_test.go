package e2e_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"eulogin/internal/app"
)

// chromium returns the path of the browser or skips the test.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{os.Getenv("EULOGIN_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("EULOGIN_REQUIRE_ALL") == "1" {
		t.Fatal("Chromium is required (EULOGIN_REQUIRE_ALL=1): apt-get install chromium")
	}
	t.Skip("browser tests need Chromium: apt-get install chromium (or set EULOGIN_CHROMIUM)")
	return ""
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// syncBuffer is a goroutine-safe log buffer.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// system is eulogin running as "eulogin serve" does.
type system struct {
	IdP, Portal string
}

// startSystem runs app.Run("serve", ...) with the IdP on localhost and the
// portal on 127.0.0.1 (two origins), a fresh SQLite database, and the dev
// outbox; it stops at the end of the test.
func startSystem(t *testing.T, extra ...string) *system {
	t.Helper()
	dir := t.TempDir()
	p1, p2 := freePort(t), freePort(t)
	s := &system{IdP: fmt.Sprintf("http://localhost:%d", p1), Portal: fmt.Sprintf("http://127.0.0.1:%d", p2)}
	args := append([]string{"serve",
		"--listen", fmt.Sprintf("127.0.0.1:%d", p1), "--base-url", s.IdP,
		"--eci-listen", fmt.Sprintf("127.0.0.1:%d", p2), "--eci-base-url", s.Portal,
		"--database", filepath.Join(dir, "idp.db"), "--eci-database", filepath.Join(dir, "eci.db"),
		"--bot-difficulty", "8",
	}, extra...)
	ctx, cancel := context.WithCancel(context.Background())
	var out, logs syncBuffer
	done := make(chan error, 1)
	go func() { done <- app.Run(ctx, args, func(string) string { return "" }, &out, &logs) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("app.Run: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("app.Run did not stop")
		}
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for _, u := range []string{s.IdP, s.Portal} {
		for {
			resp, err := http.Get(u + "/healthz")
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == 200 {
					break
				}
			}
			select {
			case err := <-done:
				t.Fatalf("app.Run stopped: %v\n%s", err, logs.String())
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s/healthz never answered: %v\n%s", u, err, logs.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return s
}

// newBrowser starts a headless Chromium with a fresh profile, for at most
// three minutes.
func newBrowser(t *testing.T, lang string) context.Context {
	t.Helper()
	return newBrowserFor(t, lang, 3*time.Minute)
}

// newBrowserFor is newBrowser for at most d.
func newBrowserFor(t *testing.T, lang string, d time.Duration) context.Context {
	t.Helper()
	path := chromium(t)
	// Not t.TempDir: Chromium may still be writing its profile while it
	// exits, and TempDir fails a test whose folder cannot be removed.
	profile, err := os.MkdirTemp("", "eulogin-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(profile) })
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", lang),
		chromedp.Flag("accept-lang", lang), // headless Chromium takes its Accept-Language from here, not from --lang
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 1000),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	ctx, cancelC := context.WithTimeout(ctx, d)
	t.Cleanup(func() { cancelC(); cancelB(); cancelA() })
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

// run runs browser actions, failing the test with the page's URL and text
// on error.
func run(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action) {
	t.Helper()
	if err := chromedp.Run(ctx, actions...); err != nil {
		var url, body string
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		chromedp.Run(sctx, chromedp.Location(&url), chromedp.Text("body", &body, chromedp.ByQuery))
		t.Fatalf("%s: %v\nat %s:\n%s", what, err, url, strings.TrimSpace(body))
	}
}
