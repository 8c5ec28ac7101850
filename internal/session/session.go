// Package session keeps the SSO session of a browser: a random id in an
// HttpOnly, SameSite=Lax cookie (Secure outside development), and a row in
// the database holding the user, the strength of the authentication and its
// time. Sessions end after an idle timeout and an absolute lifetime; a new id
// is issued at every authentication, so a fixated or leaked pre-login id is
// worthless.
package session

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"eulogin/internal/store"
)

// Store keeps sessions. store.DB implements it.
type Store interface {
	CreateSession(ctx context.Context, s *store.Session) error
	SessionByHash(ctx context.Context, hash string) (*store.Session, error)
	TouchSession(ctx context.Context, hash string, now time.Time) error
	DeleteSession(ctx context.Context, hash string) error
	DeleteUserSessions(ctx context.Context, userID, keep string) error
}

// Manager creates, finds and ends sessions.
type Manager struct {
	Store  Store
	Now    func() time.Time
	Idle   time.Duration
	Max    time.Duration
	Secure bool   // Secure cookies (and the __Host- prefix)
	Name   string // cookie name; default "eulogin_session" or "__Host-eulogin_session"
}

func (m *Manager) cookieName() string {
	if m.Name != "" {
		return m.Name
	}
	if m.Secure {
		return "__Host-eulogin_session"
	}
	return "eulogin_session"
}

// NewToken returns a random URL-safe secret of 32 bytes and its hash.
func NewToken() (token, hash string) {
	b := make([]byte, 32)
	rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, Hash(token)
}

// Hash returns the hex SHA-256 of a secret token, as stored.
func Hash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Info describes a new authentication.
type Info struct {
	UserID    string
	Strength  string
	Factors   string
	IP        string
	UserAgent string
}

// Start ends the browser's current session (if any) and starts a new one
// with a new id: called after every successful factor.
func (m *Manager) Start(ctx context.Context, w http.ResponseWriter, r *http.Request, in Info) (*store.Session, error) {
	if c, err := r.Cookie(m.cookieName()); err == nil {
		m.Store.DeleteSession(ctx, Hash(c.Value))
	}
	now := m.Now()
	token, hash := NewToken()
	s := &store.Session{
		Hash: hash, UserID: in.UserID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(m.Max),
		AuthAt: now, Strength: in.Strength, Factors: in.Factors, IP: in.IP, UserAgent: truncate(in.UserAgent, 300),
	}
	if err := m.Store.CreateSession(ctx, s); err != nil {
		return nil, fmt.Errorf("session: start: %w", err)
	}
	m.setCookie(w, token, m.Max)
	return s, nil
}

// ErrNoSession is returned by Get when the browser has no live session.
var ErrNoSession = errors.New("session: none")

// Get returns the live session of the request and records the activity. An
// expired or idle session is deleted and ErrNoSession returned.
func (m *Manager) Get(ctx context.Context, r *http.Request) (*store.Session, error) {
	c, err := r.Cookie(m.cookieName())
	if err != nil || c.Value == "" || len(c.Value) > 100 {
		return nil, ErrNoSession
	}
	hash := Hash(c.Value)
	s, err := m.Store.SessionByHash(ctx, hash)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNoSession
	}
	if err != nil {
		return nil, err
	}
	now := m.Now()
	if !now.Before(s.ExpiresAt) || now.Sub(s.LastSeenAt) >= m.Idle {
		m.Store.DeleteSession(ctx, hash)
		return nil, ErrNoSession
	}
	// Touch at most once a minute: enough for a 30-minute idle timeout, and
	// it keeps reads from turning into writes on every request.
	if now.Sub(s.LastSeenAt) > time.Minute {
		if err := m.Store.TouchSession(ctx, hash, now); err != nil {
			return nil, err
		}
		s.LastSeenAt = now
	}
	return s, nil
}

// End deletes the request's session and its cookie.
func (m *Manager) End(ctx context.Context, w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(m.cookieName()); err == nil {
		if err := m.Store.DeleteSession(ctx, Hash(c.Value)); err != nil {
			return err
		}
	}
	m.setCookie(w, "", -1)
	return nil
}

// EndOthers deletes every session of the user except the current one.
func (m *Manager) EndOthers(ctx context.Context, userID string, current *store.Session) error {
	keep := ""
	if current != nil {
		keep = current.Hash
	}
	return m.Store.DeleteUserSessions(ctx, userID, keep)
}

func (m *Manager) setCookie(w http.ResponseWriter, value string, maxAge time.Duration) {
	c := &http.Cookie{
		Name: m.cookieName(), Value: value, Path: "/", HttpOnly: true, Secure: m.Secure,
		SameSite: http.SameSiteLaxMode,
	}
	if maxAge < 0 {
		c.MaxAge = -1
	} else {
		c.MaxAge = int(maxAge.Seconds())
	}
	http.SetCookie(w, c)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
