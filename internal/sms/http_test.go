package sms_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"eulogin/internal/sms"
)

// captured is one request as a gateway received it.
type captured struct {
	Method, Path, RawQuery string
	Header                 http.Header
	Body                   []byte
}

// recordingServer answers every request with status and body, and sends
// what it received on the returned channel.
func recordingServer(t *testing.T, status int, body string) (*httptest.Server, <-chan captured) {
	t.Helper()
	got := make(chan captured, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("read request body: %v", err)
		}
		got <- captured{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Header: r.Header.Clone(), Body: b}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, got
}

// only returns the single request received, failing the test otherwise.
func only(t *testing.T, ch <-chan captured) captured {
	t.Helper()
	select {
	case c := <-ch:
		select {
		case extra := <-ch:
			t.Fatalf("gateway received a second request %s %s, want one", extra.Method, extra.Path)
		default:
		}
		return c
	default:
		t.Fatal("gateway received no request, want one")
		return captured{}
	}
}

var (
	gwSecret = []byte("0123456789abcdef0123456789abcdef-gateway")
	gwNow    = time.Date(2026, time.January, 2, 10, 0, 0, 0, time.UTC)
)

func newGateway(url string) *sms.HTTPGateway {
	return &sms.HTTPGateway{
		URL:     url,
		Headers: map[string]string{"Authorization": "Bearer gw-token", "X-Tenant": "eulogin-test"},
		Secret:  gwSecret,
		Now:     func() time.Time { return gwNow },
		NewID:   func() string { return "MSGID0000000000000000000001" },
	}
}

func TestHTTPGatewayRequest(t *testing.T) {
	srv, reqs := recordingServer(t, http.StatusAccepted, `{"ok":true}`)
	g := newGateway(srv.URL + "/v1/sms?tenant=eu")
	m := sms.Message{To: "+37120000012", Text: "EU Login: ACD-EFH-JKM \"Ķēniņš\" <&>"}
	if err := g.Send(t.Context(), m); err != nil {
		t.Fatalf("Send() = %v, want nil", err)
	}
	r := only(t, reqs)
	if got, want := r.Method, http.MethodPost; got != want {
		t.Errorf("method = %q, want %q", got, want)
	}
	if got, want := r.Path, "/v1/sms"; got != want {
		t.Errorf("path = %q, want %q", got, want)
	}
	if got, want := r.RawQuery, "tenant=eu"; got != want {
		t.Errorf("query = %q, want %q", got, want)
	}
	wantBody := `{"to":"+37120000012","text":"EU Login: ACD-EFH-JKM \"Ķēniņš\" \u003c\u0026\u003e","id":"MSGID0000000000000000000001"}`
	if got := string(r.Body); got != wantBody {
		t.Errorf("body = %s, want %s", got, wantBody)
	}
	ts := "1767348000"
	mac := hmac.New(sha256.New, gwSecret)
	mac.Write([]byte(ts + "." + wantBody))
	wantSig := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	for _, h := range []struct{ name, want string }{
		{"Content-Type", "application/json"},
		{"Authorization", "Bearer gw-token"},
		{"X-Tenant", "eulogin-test"},
		{"X-Eulogin-Timestamp", ts},
		{"X-Eulogin-Signature", wantSig},
	} {
		if got := r.Header.Values(h.name); len(got) != 1 || got[0] != h.want {
			t.Errorf("header %s = %q, want [%q]", h.name, got, h.want)
		}
	}
	if got, want := sms.Sign(gwSecret, ts, r.Body), wantSig; got != want {
		t.Errorf("Sign() = %q, want %q", got, want)
	}
	// Nothing else than what a client always sends.
	for name := range r.Header {
		switch name {
		case "Content-Type", "Authorization", "X-Tenant", "X-Eulogin-Timestamp", "X-Eulogin-Signature", "Content-Length", "User-Agent", "Accept-Encoding":
		default:
			t.Errorf("unexpected header %s: %q", name, r.Header[name])
		}
	}
}

func TestHTTPGatewayRandomIDs(t *testing.T) {
	srv, reqs := recordingServer(t, http.StatusOK, "")
	g := &sms.HTTPGateway{URL: srv.URL, Secret: gwSecret}
	seen := map[string]bool{}
	for range 3 {
		if err := g.Send(t.Context(), sms.Message{To: "+37120000012", Text: "code"}); err != nil {
			t.Fatalf("Send() = %v, want nil", err)
		}
		r := only(t, reqs)
		// The signature covers the exact body with the timestamp sent.
		ts := r.Header.Get("X-Eulogin-Timestamp")
		mac := hmac.New(sha256.New, gwSecret)
		mac.Write([]byte(ts + "."))
		mac.Write(r.Body)
		if got, want := r.Header.Get("X-Eulogin-Signature"), "sha256="+hex.EncodeToString(mac.Sum(nil)); got != want {
			t.Errorf("signature = %q, want %q", got, want)
		}
		_, rest, _ := strings.Cut(string(r.Body), `"id":"`)
		id, _, _ := strings.Cut(rest, `"`)
		if len(id) < 26 || seen[id] {
			t.Errorf("message id %q: want 26 or more random characters, new each time", id)
		}
		seen[id] = true
	}
}

func TestHTTPGatewayFailures(t *testing.T) {
	for _, tc := range []struct {
		name          string
		status        int
		body          string
		wantTemporary bool
	}{
		{"server error", http.StatusInternalServerError, `{"error":"carrier down for +37120000012 ACD-EFH-JKM"}`, true},
		{"bad request", http.StatusBadRequest, `{"error":"invalid number +37120000012, text ACD-EFH-JKM"}`, false},
		{"unauthorised", http.StatusUnauthorized, `bad signature`, false},
		{"rate limited", http.StatusTooManyRequests, ``, true},
		{"redirect is not followed", http.StatusFound, ``, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, reqs := recordingServer(t, tc.status, tc.body)
			err := newGateway(srv.URL).Send(t.Context(), sms.Message{To: "+37120000012", Text: "Your code: ACD-EFH-JKM"})
			only(t, reqs)
			var de *sms.DeliveryError
			if !errors.As(err, &de) {
				t.Fatalf("Send() = %v, want a *DeliveryError", err)
			}
			want := sms.DeliveryError{Provider: "http", Status: tc.status, Temporary: tc.wantTemporary}
			if *de != want {
				t.Errorf("Send() = %+v, want %+v", *de, want)
			}
			for _, secret := range []string{"20000012", "ACD-EFH-JKM", "carrier down", "invalid number", "bad signature", "gw-token"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q contains %q", err, secret)
				}
			}
		})
	}
}

func TestHTTPGatewayCancelled(t *testing.T) {
	arrived := make(chan struct{})
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		select {
		case <-r.Context().Done():
		case <-done:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(done) })

	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() { errc <- newGateway(srv.URL).Send(ctx, sms.Message{To: "+37120000012", Text: "code"}) }()
	<-arrived
	cancel()
	err := <-errc
	var de *sms.DeliveryError
	if !errors.As(err, &de) || !de.Temporary || de.Status != 0 {
		t.Fatalf("Send() = %v, want a temporary *DeliveryError without status", err)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("errors.Is(%v, context.Canceled) = false, want true", err)
	}
	if strings.Contains(err.Error(), srv.URL) {
		t.Errorf("error %q repeats the gateway URL", err)
	}
}

func TestHTTPGatewayDeadline(t *testing.T) {
	srv, reqs := recordingServer(t, http.StatusOK, "")
	ctx, cancel := context.WithDeadline(t.Context(), gwNow) // long past
	defer cancel()
	err := newGateway(srv.URL).Send(ctx, sms.Message{To: "+37120000012", Text: "code"})
	if !errors.Is(err, sms.ErrDelivery) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Send() with an expired deadline = %v, want ErrDelivery and context.DeadlineExceeded", err)
	}
	if len(reqs) != 0 {
		t.Errorf("gateway received %d requests, want 0", len(reqs))
	}
}

func TestHTTPGatewayUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL + "/send?key=secret-in-url"
	srv.Close()
	err := newGateway(url).Send(t.Context(), sms.Message{To: "+37120000012", Text: "code"})
	var de *sms.DeliveryError
	if !errors.As(err, &de) || !de.Temporary || de.Err == nil || de.Status != 0 {
		t.Fatalf("Send() to a closed server = %v, want a temporary *DeliveryError with a cause", err)
	}
	if strings.Contains(err.Error(), "secret-in-url") {
		t.Errorf("error %q repeats the URL", err)
	}
}

func TestHTTPGatewayMisconfigured(t *testing.T) {
	m := sms.Message{To: "+37120000012", Text: "code"}
	for _, tc := range []struct {
		name string
		g    *sms.HTTPGateway
	}{
		{"no secret", &sms.HTTPGateway{URL: "http://127.0.0.1:1/"}},
		{"bad URL", &sms.HTTPGateway{URL: "http://[::1/key=secret", Secret: gwSecret}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.g.Send(t.Context(), m)
			if err == nil || errors.Is(err, sms.ErrDelivery) {
				t.Errorf("Send() = %v, want a configuration error", err)
			}
			if err != nil && strings.Contains(err.Error(), "secret") && tc.name == "bad URL" {
				t.Errorf("error %q repeats the URL", err)
			}
		})
	}
}
