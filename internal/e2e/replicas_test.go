package e2e_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"eulogin/internal/app"
	"eulogin/internal/mobileapp/authenticator"
	"eulogin/internal/store/storetest"
)

// startReplica runs a second "eulogin serve idp" on the database of the
// first, with the same public URL (as behind a load balancer), and returns
// the address it listens on.
func startReplica(t *testing.T, dsn, publicURL string) string {
	t.Helper()
	port := freePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	ctx, cancel := context.WithCancel(context.Background())
	var out, logs syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- app.Run(ctx, []string{"serve", "idp", "--listen", addr, "--base-url", publicURL, "--database", dsn}, func(string) string { return "" }, &out, &logs)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("replica: %v", err)
		}
		if t.Failed() {
			t.Logf("replica log:\n%s", logs.String())
		}
	})
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return addr
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica never answered: %v\n%s", err, logs.String())
		}
	}
}

// toReplica sends every request to addr, whatever the URL's host: the
// phone reaches the other replica behind the same public URL.
type toReplica struct{ addr string }

func (r toReplica) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.URL.Host = r.addr
	return http.DefaultTransport.RoundTrip(req)
}

// TestReplicasOnPostgres runs two replicas of the IdP on one PostgreSQL
// database: the browser talks to the first, the phone (the reference
// authenticator) to the second. The pages waiting on the first replica —
// the QR code of Add a mobile device, then the push login — move on when
// the phone answers through the second. This checks the behaviour, not the
// channel: the 10-second re-read would also get there;
// TestBusNotifierAcrossReplicas shows that the notification itself wakes
// the waiter.
func TestReplicasOnPostgres(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	s := startSystem(t, "--database", dsn)
	replica := startReplica(t, dsn, s.IdP)
	ctx := newBrowser(t, "en")
	l := texts{t, "en"}
	p := person{first: "Kristiina", last: "Tamm", email: "kristiina.tamm@example.org", password: "Läänemeri suvel 1991"}
	c := watch(t, ctx, "en", nil)
	createAccount(t, ctx, c, l, s, p)

	ks, err := authenticator.LoadKeystore(filepath.Join(t.TempDir(), "keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	phone := &authenticator.Authenticator{Keys: ks, HTTP: &http.Client{Timeout: 30 * time.Second, Transport: toReplica{replica}}}

	var uri string
	run(t, ctx, "Add a mobile device on replica 1", addDeviceQR(l, s, "Phone", &uri))
	if u, err := url.Parse(strings.TrimSpace(uri)); err != nil || u.Query().Get("s") != s.IdP {
		t.Fatalf("enrolment URI %q names another server than the public URL %s", uri, s.IdP)
	}
	if _, err := phone.Enrol(ctx, strings.TrimSpace(uri), "Phone", appPIN); err != nil {
		t.Fatalf("the phone enrols through replica 2: %v", err)
	}
	run(t, ctx, "the page on replica 1 moves on by itself", heading(l.tr("device_added.title")))

	run(t, ctx, "log out; portal → EU Login Mobile App PIN code on replica 1",
		logOut(l, s),
		portalLogin(l, s, p, l.tr("method.app_pin")),
		heading(l.tr("login_app.title")),
	)
	var number string
	run(t, ctx, "the number", chromedp.Text(".app-number strong", &number, chromedp.ByQuery))
	n, err := strconv.Atoi(strings.TrimSpace(number))
	if err != nil {
		t.Fatalf("the push page shows %q", number)
	}
	reqs, err := phone.Wait(ctx, 20*time.Second)
	if err != nil || len(reqs) != 1 {
		t.Fatalf("the phone's pending requests through replica 2: %+v, %v", reqs, err)
	}
	if st, err := phone.AnswerRequest(ctx, reqs[0], true, n, appPIN); err != nil || st != "approved" {
		t.Fatalf("approve through replica 2: %q, %v", st, err)
	}
	run(t, ctx, "the page on replica 1 continues by itself: the organiser dashboard",
		heading(l.portal("dashboard.welcome", "name", p.first)),
	)
}
