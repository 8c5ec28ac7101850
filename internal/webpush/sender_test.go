package webpush_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"eulogin/internal/webpush"
	"eulogin/internal/webpush/webpushtest"
)

func newVAPID(t testing.TB) *webpush.VAPID {
	t.Helper()
	v, err := webpush.GenerateVAPID("mailto:webpush@eulogin.example")
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func next(t *testing.T, svc *webpushtest.Service, endpoint string) webpushtest.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	m, err := svc.Next(ctx, endpoint)
	if err != nil {
		t.Fatalf("Next: %v (rejections: %+v)", err, svc.Rejections())
	}
	return m
}

func TestSendRoundTrip(t *testing.T) {
	svc := webpushtest.NewService(t)
	v := newVAPID(t)
	sub := svc.Subscribe(v.PublicKey())
	now := time.Now()
	s := &webpush.Sender{VAPID: v, TTL: 90 * time.Second, Urgency: webpush.UrgencyHigh, Topic: "login-request", Now: func() time.Time { return now }}
	payload := []byte(`{"type":"login","request":"r-123","number":42}`)

	if err := s.Send(t.Context(), sub, payload); err != nil {
		t.Fatalf("Send: %v (rejections: %+v)", err, svc.Rejections())
	}
	m := next(t, svc, sub.Endpoint)
	if !bytes.Equal(m.Payload, payload) {
		t.Errorf("payload = %q, want %q", m.Payload, payload)
	}
	if m.Endpoint != sub.Endpoint {
		t.Errorf("endpoint = %s, want %s", m.Endpoint, sub.Endpoint)
	}
	if m.TTL != 90*time.Second {
		t.Errorf("TTL = %v, want 90s", m.TTL)
	}
	if m.Urgency != "high" {
		t.Errorf("Urgency = %q, want high", m.Urgency)
	}
	if m.Topic != "login-request" {
		t.Errorf("Topic = %q, want login-request", m.Topic)
	}
	if m.Subject != v.Subject {
		t.Errorf("sub = %q, want %q", m.Subject, v.Subject)
	}
	if m.Audience != svc.URL() {
		t.Errorf("aud = %q, want %q", m.Audience, svc.URL())
	}
	if want := now.Add(webpush.TokenLifetime).Truncate(time.Second); !m.Expires.Equal(want) {
		t.Errorf("exp = %v, want %v", m.Expires, want)
	}
	if got := svc.Messages(); len(got) != 1 || !bytes.Equal(got[0].Payload, payload) {
		t.Errorf("Messages = %+v, want the one message", got)
	}
	if r := svc.Rejections(); len(r) != 0 {
		t.Errorf("Rejections = %+v, want none", r)
	}
}

func TestSendTTLAndUrgencyDefaults(t *testing.T) {
	svc := webpushtest.NewService(t)
	v := newVAPID(t)
	sub := svc.Subscribe(v.PublicKey())
	tests := []struct {
		ttl  time.Duration
		want time.Duration
	}{
		{0, webpush.DefaultTTL},
		{-1, 0},
		{1500 * time.Millisecond, time.Second},
		{24 * time.Hour, 24 * time.Hour},
	}
	for _, tt := range tests {
		s := &webpush.Sender{VAPID: v, TTL: tt.ttl}
		if err := s.Send(t.Context(), sub, []byte("x")); err != nil {
			t.Fatalf("Send with TTL %v: %v", tt.ttl, err)
		}
		m := next(t, svc, sub.Endpoint)
		if m.TTL != tt.want {
			t.Errorf("Sender.TTL %v sent TTL %v, want %v", tt.ttl, m.TTL, tt.want)
		}
		if m.Urgency != "" || m.Topic != "" {
			t.Errorf("Urgency, Topic = %q, %q; want none sent", m.Urgency, m.Topic)
		}
	}
}

func TestSendToOtherServersSubscription(t *testing.T) {
	svc := webpushtest.NewService(t)
	ours, theirs := newVAPID(t), newVAPID(t)
	sub := svc.Subscribe(theirs.PublicKey())
	err := (&webpush.Sender{VAPID: ours}).Send(t.Context(), sub, []byte("hi"))
	var se *webpush.StatusError
	if !errors.As(err, &se) || se.StatusCode != http.StatusForbidden {
		t.Fatalf("Send = %v, want a 403 StatusError", err)
	}
	if errors.Is(err, webpush.ErrGone) {
		t.Errorf("Send = %v, which is ErrGone: the caller would delete a live subscription", err)
	}
	if !strings.Contains(se.Reason, "applicationServerKey") {
		t.Errorf("Reason = %q, want the push service's explanation", se.Reason)
	}
	if r := svc.Rejections(); len(r) != 1 || r[0].Status != http.StatusForbidden {
		t.Errorf("Rejections = %+v, want one 403", r)
	}
	if len(svc.Messages()) != 0 {
		t.Error("the message was delivered")
	}
}

func TestSendGone(t *testing.T) {
	svc := webpushtest.NewService(t)
	v := newVAPID(t)
	s := &webpush.Sender{VAPID: v}

	expired := svc.Subscribe(v.PublicKey())
	svc.Expire(expired.Endpoint)
	unknown := svc.Subscribe(v.PublicKey())
	unknown.Endpoint = svc.URL() + "/push/never-subscribed"

	for name, tt := range map[string]struct {
		sub    webpush.Subscription
		status int
	}{
		"expired": {expired, http.StatusGone},
		"unknown": {unknown, http.StatusNotFound},
	} {
		t.Run(name, func(t *testing.T) {
			err := s.Send(t.Context(), tt.sub, []byte("hi"))
			if !errors.Is(err, webpush.ErrGone) {
				t.Fatalf("Send = %v, want ErrGone", err)
			}
			var se *webpush.StatusError
			if !errors.As(err, &se) || se.StatusCode != tt.status {
				t.Errorf("Send = %v, want status %d", err, tt.status)
			}
		})
	}
}

// tamper flips one byte of every request body on its way.
type tamper struct{ at int }

func (tp tamper) RoundTrip(r *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	body[len(body)+tp.at] ^= 0x80
	r = r.Clone(r.Context())
	r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	return http.DefaultTransport.RoundTrip(r)
}

func TestSendTamperedBody(t *testing.T) {
	svc := webpushtest.NewService(t)
	v := newVAPID(t)
	sub := svc.Subscribe(v.PublicKey())
	// The tag, the ciphertext, the keyid and the salt. Not rs: no key covers
	// it, and RFC 8291 §4 lets a user agent ignore it.
	for _, at := range []int{-1, -20, -60, -110} {
		s := &webpush.Sender{VAPID: v, Client: &http.Client{Transport: tamper{at}}}
		err := s.Send(t.Context(), sub, []byte("a login request"))
		var se *webpush.StatusError
		if !errors.As(err, &se) || se.StatusCode != http.StatusBadRequest {
			t.Errorf("tampered at %d: Send = %v, want a 400 StatusError", at, err)
		}
	}
	if n := len(svc.Messages()); n != 0 {
		t.Errorf("%d tampered messages were delivered", n)
	}
	for _, r := range svc.Rejections() {
		if r.Status != http.StatusBadRequest || !strings.Contains(r.Reason, "decrypt") {
			t.Errorf("rejection %+v, want 400 cannot decrypt", r)
		}
	}
}

func TestSendExpiredToken(t *testing.T) {
	svc := webpushtest.NewService(t)
	v := newVAPID(t)
	sub := svc.Subscribe(v.PublicKey())
	s := &webpush.Sender{VAPID: v, Now: func() time.Time { return time.Now().Add(-13 * time.Hour) }}
	var se *webpush.StatusError
	if err := s.Send(t.Context(), sub, []byte("x")); !errors.As(err, &se) || se.StatusCode != http.StatusForbidden {
		t.Errorf("Send with a stale clock = %v, want 403", err)
	}
}

func TestSendRefusesBeforeSending(t *testing.T) {
	var posts int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		posts++
		w.WriteHeader(http.StatusCreated)
	}))
	defer srv.Close()
	svc := webpushtest.NewService(t)
	v := newVAPID(t)
	good := svc.Subscribe(v.PublicKey())
	good.Endpoint = srv.URL + "/push/1"
	with := func(f func(*webpush.Subscription)) webpush.Subscription { s := good; f(&s); return s }

	tests := []struct {
		name    string
		sender  webpush.Sender
		sub     webpush.Subscription
		payload []byte
		want    error // nil: any error
	}{
		{"http endpoint", webpush.Sender{VAPID: v}, with(func(s *webpush.Subscription) { s.Endpoint = "http://push.example/1" }), nil, webpush.ErrInvalidSubscription},
		{"bad p256dh", webpush.Sender{VAPID: v}, with(func(s *webpush.Subscription) { s.P256DH = s.P256DH[:40] }), nil, webpush.ErrInvalidSubscription},
		{"bad auth", webpush.Sender{VAPID: v}, with(func(s *webpush.Subscription) { s.Auth = "AAAA" }), nil, webpush.ErrInvalidSubscription},
		{"too long", webpush.Sender{VAPID: v}, good, make([]byte, webpush.MaxPayload+1), webpush.ErrPayloadTooLarge},
		{"no VAPID", webpush.Sender{}, good, nil, nil},
		{"bad urgency", webpush.Sender{VAPID: v, Urgency: "asap"}, good, nil, nil},
		{"long topic", webpush.Sender{VAPID: v, Topic: strings.Repeat("a", 33)}, good, nil, nil},
		{"topic outside base64url", webpush.Sender{VAPID: v, Topic: "a/b"}, good, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.sender.Send(t.Context(), tt.sub, tt.payload)
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Errorf("Send = %v, want %v", err, tt.want)
			}
		})
	}
	if posts != 0 {
		t.Errorf("%d requests reached the push service", posts)
	}
	if err := (&webpush.Sender{VAPID: v}).Send(t.Context(), good, make([]byte, webpush.MaxPayload)); err != nil || posts != 1 {
		t.Errorf("Send of the longest payload = %v after %d posts, want nil after 1", err, posts)
	}
}

func TestSendStatus(t *testing.T) {
	var status int
	var header http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		header = r.Header.Clone()
		switch status {
		case http.StatusTooManyRequests:
			w.Header().Set("Retry-After", "30")
		case http.StatusServiceUnavailable:
			w.Header().Set("Retry-After", time.Now().Add(2*time.Minute).UTC().Format(http.TimeFormat))
		}
		w.WriteHeader(status)
		io.WriteString(w, "slow\ndown\x00")
	}))
	defer srv.Close()
	svc := webpushtest.NewService(t)
	v := newVAPID(t)
	sub := svc.Subscribe(v.PublicKey())
	sub.Endpoint = srv.URL + "/push/1"
	s := &webpush.Sender{VAPID: v}

	for _, tt := range []struct {
		status int
		ok     bool
		retry  time.Duration
	}{
		{http.StatusCreated, true, 0},
		{http.StatusAccepted, true, 0},
		{http.StatusTooManyRequests, false, 30 * time.Second},
		{http.StatusServiceUnavailable, false, 2 * time.Minute},
		{http.StatusRequestEntityTooLarge, false, 0},
		{http.StatusInternalServerError, false, 0},
	} {
		status = tt.status
		err := s.Send(t.Context(), sub, []byte("a secret payload"))
		if tt.ok {
			if err != nil {
				t.Errorf("%d: Send = %v, want nil", tt.status, err)
			}
			continue
		}
		var se *webpush.StatusError
		if !errors.As(err, &se) {
			t.Fatalf("%d: Send = %v, want a StatusError", tt.status, err)
		}
		if se.StatusCode != tt.status || se.Reason != "slow down" || errors.Is(err, webpush.ErrGone) {
			t.Errorf("%d: StatusError = %+v", tt.status, se)
		}
		if d := se.RetryAfter - tt.retry; d < -2*time.Second || d > 2*time.Second {
			t.Errorf("%d: RetryAfter = %v, want about %v", tt.status, se.RetryAfter, tt.retry)
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("%d: the error %q shows the payload", tt.status, err)
		}
	}

	for name, want := range map[string]string{
		"Content-Encoding": "aes128gcm",
		"Content-Type":     "application/octet-stream",
		"Ttl":              "120",
	} {
		if got := header.Get(name); got != want {
			t.Errorf("header %s = %q, want %q", name, got, want)
		}
	}
	if a := header.Get("Authorization"); !strings.HasPrefix(a, "vapid t=") || !strings.HasSuffix(a, ", k="+v.PublicKey()) {
		t.Errorf("Authorization = %q, want vapid t=..., k=<public key>", a)
	}
}

func TestSendNetworkErrorHidesPath(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens any more
	svc := webpushtest.NewService(t)
	v := newVAPID(t)
	sub := svc.Subscribe(v.PublicKey())
	sub.Endpoint = url + "/push/capability-token"
	err := (&webpush.Sender{VAPID: v}).Send(t.Context(), sub, []byte("x"))
	if err == nil {
		t.Fatal("Send to a closed server succeeded")
	}
	if strings.Contains(err.Error(), "capability-token") || !strings.Contains(err.Error(), url) {
		t.Errorf("Send = %q, want the origin and not the path", err)
	}
}

func TestSendHonoursContext(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-block }))
	defer srv.Close()
	defer close(block)
	svc := webpushtest.NewService(t)
	v := newVAPID(t)
	sub := svc.Subscribe(v.PublicKey())
	sub.Endpoint = srv.URL + "/push/1"
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if err := (&webpush.Sender{VAPID: v}).Send(ctx, sub, []byte("x")); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Send = %v, want context.DeadlineExceeded", err)
	}
}

func BenchmarkEncrypt(b *testing.B) {
	svc := webpushtest.NewService(b)
	sub := svc.Subscribe(newVAPID(b).PublicKey())
	payload := make([]byte, 200) // about a login request
	b.ReportAllocs()
	for b.Loop() {
		if _, err := webpush.Encrypt(sub, payload); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSend(b *testing.B) {
	svc := webpushtest.NewService(b)
	v := newVAPID(b)
	sub := svc.Subscribe(v.PublicKey())
	s := &webpush.Sender{VAPID: v, Urgency: webpush.UrgencyHigh}
	payload := make([]byte, 200)
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Send(b.Context(), sub, payload); err != nil {
			b.Fatal(err)
		}
	}
}
