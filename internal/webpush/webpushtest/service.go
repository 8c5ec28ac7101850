// Package webpushtest is a push service for tests: an httptest server that
// speaks the real wire protocol (RFC 8030 delivery, RFC 8291 encryption,
// RFC 8292 VAPID) and plays the browsers subscribed to it.
//
// [Service.Subscribe] makes a subscription as a browser would, with its own
// P-256 key pair and auth secret. For every POST to an endpoint the service
// checks, like a real push service, the Authorization header (the JWT's
// ES256 signature, aud, exp, sub, and that k is the application server key
// the subscription was made for: 403 otherwise), Content-Encoding: aes128gcm
// and TTL, then decrypts the body as the browser would and answers 201
// Created. A test reads what arrived with [Service.Messages] or
// [Service.Next], and why something was refused with [Service.Rejections].
package webpushtest

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"eulogin/internal/webpush"
)

// MaxBody is the largest body the service accepts (RFC 8030 §7.2); larger
// ones get 413.
const MaxBody = 4096

// Message is a push message the service accepted and decrypted.
type Message struct {
	Endpoint string
	Payload  []byte        // the decrypted payload
	TTL      time.Duration // the TTL header
	Urgency  string        // the Urgency header, "" when absent (meaning normal)
	Topic    string        // the Topic header, "" when absent
	Subject  string        // the VAPID token's sub claim
	Audience string        // the VAPID token's aud claim, checked to be the service's origin
	Expires  time.Time     // the VAPID token's exp claim
}

// Rejection is a request the service refused, and why.
type Rejection struct {
	Endpoint string
	Status   int
	Reason   string
}

// Service is a push service on an httptest server, closed when the test
// ends.
type Service struct {
	// Now is the clock for checking token expiry; nil means time.Now. Set it
	// before the first request.
	Now func() time.Time

	t   testing.TB
	srv *httptest.Server

	mu         sync.Mutex
	subs       map[string]*subscription // by endpoint URL
	messages   []Message
	rejections []Rejection
	arrived    chan struct{} // closed and replaced when a message arrives
	nextID     int
}

// subscription is the browser's side of one subscription.
type subscription struct {
	key     *ecdh.PrivateKey
	auth    []byte
	server  []byte // the applicationServerKey, an uncompressed point
	expired bool
	inbox   []Message
	read    int // how many of inbox Next has returned
}

// NewService starts a push service that stops when t ends.
func NewService(t testing.TB) *Service {
	t.Helper()
	s := &Service{t: t, subs: map[string]*subscription{}, arrived: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /push/{id}", s.push)
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the service's origin, such as http://127.0.0.1:40123.
func (s *Service) URL() string { return s.srv.URL }

// Subscribe makes a subscription restricted to the application server key
// vapidPublicKey (base64url, as given to pushManager.subscribe): a fresh
// P-256 key pair and auth secret that the service keeps, and a new endpoint.
// An invalid key fails the test, as subscribe() would reject it.
func (s *Service) Subscribe(vapidPublicKey string) webpush.Subscription {
	s.t.Helper()
	server, err := decodeKey(vapidPublicKey)
	if err != nil {
		s.t.Fatalf("webpushtest: Subscribe: applicationServerKey: %v", err)
	}
	key, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		s.t.Fatalf("webpushtest: Subscribe: %v", err)
	}
	auth := make([]byte, webpush.AuthSecretLen)
	if _, err := rand.Read(auth); err != nil {
		s.t.Fatalf("webpushtest: Subscribe: %v", err)
	}
	endpoint := s.srv.URL + "/push/" + rand.Text()
	s.mu.Lock()
	s.subs[endpoint] = &subscription{key: key, auth: auth, server: server}
	s.mu.Unlock()
	return webpush.Subscription{
		Endpoint: endpoint,
		P256DH:   base64.RawURLEncoding.EncodeToString(key.PublicKey().Bytes()),
		Auth:     base64.RawURLEncoding.EncodeToString(auth),
	}
}

// Expire makes endpoint answer 410 Gone from now on, as when the user
// revokes the permission.
func (s *Service) Expire(endpoint string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sub, ok := s.subs[endpoint]; ok {
		sub.expired = true
	}
}

// Messages returns the messages accepted so far, oldest first.
func (s *Service) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.messages))
	for i, m := range s.messages {
		out[i] = m.clone()
	}
	return out
}

// Rejections returns the requests refused so far, oldest first.
func (s *Service) Rejections() []Rejection {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Rejection(nil), s.rejections...)
}

// Next returns the next message to endpoint that Next has not returned yet,
// waiting for it until ctx ends.
func (s *Service) Next(ctx context.Context, endpoint string) (Message, error) {
	for {
		s.mu.Lock()
		sub, ok := s.subs[endpoint]
		if !ok {
			s.mu.Unlock()
			return Message{}, fmt.Errorf("webpushtest: unknown endpoint %s", endpoint)
		}
		if sub.read < len(sub.inbox) {
			m := sub.inbox[sub.read].clone()
			sub.read++
			s.mu.Unlock()
			return m, nil
		}
		arrived := s.arrived
		s.mu.Unlock()
		select {
		case <-arrived:
		case <-ctx.Done():
			return Message{}, fmt.Errorf("webpushtest: no message to %s: %w", endpoint, ctx.Err())
		}
	}
}

func (m Message) clone() Message {
	m.Payload = bytes.Clone(m.Payload)
	return m
}

// push is the push resource (RFC 8030 §5).
func (s *Service) push(w http.ResponseWriter, r *http.Request) {
	endpoint := s.srv.URL + r.URL.Path
	s.mu.Lock()
	sub, ok := s.subs[endpoint]
	var expired bool
	var key *ecdh.PrivateKey
	var auth, server []byte
	if ok {
		expired, key, auth, server = sub.expired, sub.key, sub.auth, sub.server
	}
	s.mu.Unlock()
	switch {
	case !ok:
		s.reject(w, endpoint, http.StatusNotFound, "no such subscription")
		return
	case expired:
		s.reject(w, endpoint, http.StatusGone, "subscription expired")
		return
	}

	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	tok, status, err := checkVAPID(r.Header.Get("Authorization"), server, s.srv.URL, now)
	if err != nil {
		s.reject(w, endpoint, status, err.Error())
		return
	}
	if ce := r.Header.Values("Content-Encoding"); len(ce) != 1 || ce[0] != "aes128gcm" {
		s.reject(w, endpoint, http.StatusBadRequest, "Content-Encoding must be aes128gcm")
		return
	}
	ttl, err := strconv.ParseUint(r.Header.Get("TTL"), 10, 31)
	if err != nil {
		s.reject(w, endpoint, http.StatusBadRequest, "missing or malformed TTL")
		return
	}
	urgency := r.Header.Get("Urgency")
	switch urgency {
	case "", "very-low", "low", "normal", "high":
	default:
		s.reject(w, endpoint, http.StatusBadRequest, "unknown Urgency")
		return
	}
	topic := r.Header.Get("Topic")
	if !validTopic(topic) {
		s.reject(w, endpoint, http.StatusBadRequest, "malformed Topic")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if err != nil {
		s.reject(w, endpoint, http.StatusBadRequest, "cannot read body")
		return
	}
	if len(body) > MaxBody {
		s.reject(w, endpoint, http.StatusRequestEntityTooLarge, "body longer than 4096 bytes")
		return
	}
	payload, err := webpush.Decrypt(body, key, auth)
	if err != nil {
		s.reject(w, endpoint, http.StatusBadRequest, err.Error())
		return
	}

	m := Message{
		Endpoint: endpoint,
		Payload:  payload,
		TTL:      time.Duration(ttl) * time.Second,
		Urgency:  urgency,
		Topic:    topic,
		Subject:  tok.Sub,
		Audience: tok.Aud,
		Expires:  time.Unix(tok.Exp, 0),
	}
	s.mu.Lock()
	s.nextID++
	id := s.nextID
	s.messages = append(s.messages, m)
	sub.inbox = append(sub.inbox, m)
	close(s.arrived)
	s.arrived = make(chan struct{})
	s.mu.Unlock()

	w.Header().Set("Location", s.srv.URL+"/message/"+strconv.Itoa(id))
	w.WriteHeader(http.StatusCreated)
}

// reject answers status with a short reason, as push services do, and
// records it.
func (s *Service) reject(w http.ResponseWriter, endpoint string, status int, reason string) {
	s.mu.Lock()
	s.rejections = append(s.rejections, Rejection{Endpoint: endpoint, Status: status, Reason: reason})
	s.mu.Unlock()
	http.Error(w, reason, status)
}

// validTopic is RFC 8030 §5.4: at most 32 base64url characters.
func validTopic(t string) bool {
	if len(t) > 32 {
		return false
	}
	return strings.Trim(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == ""
}

// decodeKey decodes an uncompressed P-256 point written in base64url (or
// padded or standard base64) and checks that it is on the curve.
func decodeKey(s string) ([]byte, error) {
	s = strings.NewReplacer("+", "-", "/", "_").Replace(strings.TrimRight(s, "="))
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("not base64url: %w", err)
	}
	if len(raw) != 65 || raw[0] != 4 {
		return nil, fmt.Errorf("not an uncompressed P-256 point (%d bytes)", len(raw))
	}
	if _, err := ecdh.P256().NewPublicKey(raw); err != nil {
		return nil, fmt.Errorf("not a point on P-256")
	}
	return raw, nil
}
