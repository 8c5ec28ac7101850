package webpushtest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"eulogin/internal/webpush"
)

// signer makes VAPID headers with any claims, independently of package
// webpush, to test what the service accepts.
type signer struct{ key *ecdsa.PrivateKey }

func newSigner(t *testing.T) signer {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return signer{k}
}

func (s signer) public(t *testing.T) string {
	t.Helper()
	raw, err := s.key.PublicKey.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(raw)
}

func (s signer) header(t *testing.T, jose string, claims map[string]any) string {
	t.Helper()
	enc := base64.RawURLEncoding.EncodeToString
	body, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	signed := enc([]byte(jose)) + "." + enc(body)
	d := sha256.Sum256([]byte(signed))
	r, sg, err := ecdsa.Sign(rand.Reader, s.key, d[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	sg.FillBytes(sig[32:])
	return "vapid t=" + signed + "." + enc(sig) + ", k=" + s.public(t)
}

const jose = `{"typ":"JWT","alg":"ES256"}`

func TestServiceChecks(t *testing.T) {
	svc := NewService(t)
	app, other := newSigner(t), newSigner(t)
	sub := svc.Subscribe(app.public(t))
	body, err := webpush.Encrypt(sub, []byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	good := map[string]any{"aud": svc.URL(), "exp": now.Add(time.Hour).Unix(), "sub": "mailto:a@example.org"}
	with := func(name string, v any) map[string]any {
		c := map[string]any{}
		for k, x := range good {
			c[k] = x
		}
		if v == nil {
			delete(c, name)
		} else {
			c[name] = v
		}
		return c
	}
	otherKeyAsOurs := strings.Replace(other.header(t, jose, good), other.public(t), app.public(t), 1)

	tests := []struct {
		name    string
		auth    string
		headers map[string]string // "" deletes
		body    []byte
		status  int
		reason  string // in the rejection
	}{
		{"valid", app.header(t, jose, good), nil, body, http.StatusCreated, ""},
		{"upper-case scheme, loose spaces", strings.Replace(strings.Replace(app.header(t, jose, good), "vapid", "VAPID", 1), ", k=", " ,  k=", 1), nil, body, http.StatusCreated, ""},
		{"no Authorization", "", nil, body, http.StatusUnauthorized, "missing vapid"},
		{"Bearer", "Bearer " + strings.TrimPrefix(app.header(t, jose, good), "vapid t="), nil, body, http.StatusUnauthorized, "missing vapid"},
		{"no k", strings.Split(app.header(t, jose, good), ",")[0], nil, body, http.StatusUnauthorized, "needs t and k"},
		{"k not a point", strings.Split(app.header(t, jose, good), ", k=")[0] + ", k=AAAA", nil, body, http.StatusUnauthorized, "vapid k"},
		{"another server's key", other.header(t, jose, good), nil, body, http.StatusForbidden, "applicationServerKey"},
		{"signature by another key", otherKeyAsOurs, nil, body, http.StatusForbidden, "does not verify"},
		{"alg HS256", app.header(t, `{"typ":"JWT","alg":"HS256"}`, good), nil, body, http.StatusForbidden, "not ES256"},
		{"wrong aud", app.header(t, jose, with("aud", "https://push.example")), nil, body, http.StatusForbidden, "aud"},
		{"aud with a path", app.header(t, jose, with("aud", svc.URL()+"/")), nil, body, http.StatusForbidden, "aud"},
		{"expired", app.header(t, jose, with("exp", now.Add(-time.Second).Unix())), nil, body, http.StatusForbidden, "expired"},
		{"exp beyond 24h", app.header(t, jose, with("exp", now.Add(25*time.Hour).Unix())), nil, body, http.StatusForbidden, "24 hours"},
		{"no exp", app.header(t, jose, with("exp", nil)), nil, body, http.StatusForbidden, "expired"},
		{"no sub", app.header(t, jose, with("sub", nil)), nil, body, http.StatusForbidden, "sub"},
		{"no Content-Encoding", app.header(t, jose, good), map[string]string{"Content-Encoding": ""}, body, http.StatusBadRequest, "Content-Encoding"},
		{"aesgcm", app.header(t, jose, good), map[string]string{"Content-Encoding": "aesgcm"}, body, http.StatusBadRequest, "Content-Encoding"},
		{"no TTL", app.header(t, jose, good), map[string]string{"TTL": ""}, body, http.StatusBadRequest, "TTL"},
		{"negative TTL", app.header(t, jose, good), map[string]string{"TTL": "-1"}, body, http.StatusBadRequest, "TTL"},
		{"unknown Urgency", app.header(t, jose, good), map[string]string{"Urgency": "urgent"}, body, http.StatusBadRequest, "Urgency"},
		{"long Topic", app.header(t, jose, good), map[string]string{"Topic": strings.Repeat("t", 33)}, body, http.StatusBadRequest, "Topic"},
		{"garbage body", app.header(t, jose, good), nil, []byte("not encrypted"), http.StatusBadRequest, "decrypt"},
		{"body over 4096 bytes", app.header(t, jose, good), nil, make([]byte, 4097), http.StatusRequestEntityTooLarge, "4096"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, sub.Endpoint, bytes.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Encoding", "aes128gcm")
			req.Header.Set("TTL", "60")
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			for k, v := range tt.headers {
				if v == "" {
					req.Header.Del(k)
				} else {
					req.Header.Set(k, v)
				}
			}
			before := len(svc.Rejections())
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			reason, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d (%s), want %d", resp.StatusCode, reason, tt.status)
			}
			if tt.status == http.StatusCreated {
				if !strings.HasPrefix(resp.Header.Get("Location"), svc.URL()+"/message/") {
					t.Errorf("Location = %q, want a message URL", resp.Header.Get("Location"))
				}
				return
			}
			r := svc.Rejections()
			if len(r) != before+1 || r[before].Status != tt.status || !strings.Contains(r[before].Reason, tt.reason) || r[before].Endpoint != sub.Endpoint {
				t.Errorf("Rejections = %+v, want a %d about %q", r[before:], tt.status, tt.reason)
			}
		})
	}
	if n := len(svc.Messages()); n != 2 {
		t.Errorf("%d messages delivered, want the 2 valid ones", n)
	}
}

func TestServiceClock(t *testing.T) {
	svc := NewService(t)
	v, err := webpush.GenerateVAPID("https://eulogin.example")
	if err != nil {
		t.Fatal(err)
	}
	sub := svc.Subscribe(v.PublicKey())
	s := &webpush.Sender{VAPID: v}
	svc.Now = func() time.Time { return time.Now().Add(13 * time.Hour) } // the token expired on the service's clock
	var se *webpush.StatusError
	if err := s.Send(t.Context(), sub, []byte("x")); !errors.As(err, &se) || se.StatusCode != http.StatusForbidden {
		t.Errorf("Send = %v, want 403", err)
	}
}

func TestServiceNext(t *testing.T) {
	svc := NewService(t)
	v, err := webpush.GenerateVAPID("mailto:a@example.org")
	if err != nil {
		t.Fatal(err)
	}
	a, b := svc.Subscribe(v.PublicKey()), svc.Subscribe(v.PublicKey())
	if a.Endpoint == b.Endpoint || a.P256DH == b.P256DH || a.Auth == b.Auth {
		t.Fatal("two subscriptions share an endpoint or keys")
	}
	for _, sub := range []webpush.Subscription{a, b} {
		if err := sub.Validate(); err != nil {
			t.Fatalf("Subscribe gave %+v: %v", sub, err)
		}
	}
	s := &webpush.Sender{VAPID: v}

	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	got := make(chan Message)
	go func() {
		m, err := svc.Next(ctx, b.Endpoint)
		if err != nil {
			t.Error(err)
		}
		got <- m
	}()
	for _, p := range []string{"a1", "b1", "a2", "b2"} {
		sub := a
		if p[0] == 'b' {
			sub = b
		}
		if err := s.Send(ctx, sub, []byte(p)); err != nil {
			t.Fatal(err)
		}
	}
	if m := <-got; string(m.Payload) != "b1" {
		t.Errorf("waiting Next(b) = %q, want b1", m.Payload)
	}
	for _, want := range []struct{ sub, payload string }{{a.Endpoint, "a1"}, {a.Endpoint, "a2"}, {b.Endpoint, "b2"}} {
		m, err := svc.Next(ctx, want.sub)
		if err != nil || string(m.Payload) != want.payload {
			t.Errorf("Next = %q, %v; want %q", m.Payload, err, want.payload)
		}
	}

	short, cancelShort := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancelShort()
	if _, err := svc.Next(short, a.Endpoint); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Next with nothing left = %v, want context.DeadlineExceeded", err)
	}
	if _, err := svc.Next(ctx, svc.URL()+"/push/nobody"); err == nil {
		t.Error("Next on an unknown endpoint succeeded")
	}

	msgs := svc.Messages()
	if len(msgs) != 4 {
		t.Fatalf("Messages has %d, want 4", len(msgs))
	}
	msgs[0].Payload[0] = 'z'
	if svc.Messages()[0].Payload[0] != 'a' {
		t.Error("Messages shares its payloads with the caller")
	}
}
