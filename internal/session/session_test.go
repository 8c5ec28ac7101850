package session_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"eulogin/internal/session"
	"eulogin/internal/store"
)

type memStore struct{ s map[string]*store.Session }

func (m *memStore) CreateSession(_ context.Context, s *store.Session) error {
	c := *s
	m.s[s.Hash] = &c
	return nil
}
func (m *memStore) SessionByHash(_ context.Context, h string) (*store.Session, error) {
	s, ok := m.s[h]
	if !ok {
		return nil, store.ErrNotFound
	}
	c := *s
	return &c, nil
}
func (m *memStore) TouchSession(_ context.Context, h string, now time.Time) error {
	if s, ok := m.s[h]; ok {
		s.LastSeenAt = now
	}
	return nil
}
func (m *memStore) DeleteSession(_ context.Context, h string) error { delete(m.s, h); return nil }
func (m *memStore) DeleteUserSessions(_ context.Context, uid, keep string) error {
	for h, s := range m.s {
		if s.UserID == uid && h != keep {
			delete(m.s, h)
		}
	}
	return nil
}

func TestLifetime(t *testing.T) {
	now := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	st := &memStore{s: map[string]*store.Session{}}
	m := &session.Manager{Store: st, Now: func() time.Time { return now }, Idle: 30 * time.Minute, Max: 12 * time.Hour}
	start := func() *http.Cookie {
		w := httptest.NewRecorder()
		if _, err := m.Start(context.Background(), w, httptest.NewRequest("POST", "/", nil), session.Info{UserID: "u", Strength: "PASSWORD"}); err != nil {
			t.Fatal(err)
		}
		c := w.Result().Cookies()[0]
		if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure {
			t.Errorf("cookie %+v, want HttpOnly, Lax, not Secure in dev", c)
		}
		return c
	}
	get := func(c *http.Cookie) error {
		r := httptest.NewRequest("GET", "/", nil)
		r.AddCookie(c)
		_, err := m.Get(context.Background(), r)
		return err
	}
	c := start()
	// Activity every 20 minutes keeps it alive...
	for range 5 {
		now = now.Add(20 * time.Minute)
		if err := get(c); err != nil {
			t.Fatalf("active session: %v", err)
		}
	}
	// ...30 idle minutes end it.
	now = now.Add(30 * time.Minute)
	if err := get(c); err != session.ErrNoSession {
		t.Fatalf("idle session: %v, want ErrNoSession", err)
	}
	// The absolute lifetime ends even an active session.
	c = start()
	for range 36 {
		now = now.Add(20 * time.Minute)
		get(c)
	}
	if err := get(c); err != session.ErrNoSession {
		t.Fatalf("session past 12 h: %v, want ErrNoSession", err)
	}
	// Start with an existing cookie replaces that session (new id).
	c = start()
	w := httptest.NewRecorder()
	r := httptest.NewRequest("POST", "/", nil)
	r.AddCookie(c)
	m.Start(context.Background(), w, r, session.Info{UserID: "u"})
	if err := get(c); err != session.ErrNoSession {
		t.Errorf("old id after a new Start: %v, want ErrNoSession", err)
	}
	if len(st.s) != 1 {
		t.Errorf("%d sessions stored, want 1", len(st.s))
	}
}
