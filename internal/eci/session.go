package eci

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"time"

	"eulogin/internal/eci/ecistore"
)

// SessionCookie is the name of the portal's session cookie.
const SessionCookie = "eci_session"

// nextCookie remembers, between /login and the callback, where to go after
// logging in. It is sent only to /cas/.
const nextCookie = "eci_next"

// touchEvery bounds how often a session's last activity is written: enough
// precision for an idle timeout of minutes, and reads stay reads.
const touchEvery = time.Minute

var errNoSession = errors.New("eci: no session")

// newToken returns a random URL-safe secret of 32 bytes.
func newToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// hash returns the hex SHA-256 of a secret (a cookie value or a ticket), as
// stored.
func hash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// loginInfo describes a validated CAS login.
type loginInfo struct {
	User      *ecistore.User
	Strength  string
	LoginDate time.Time
	Ticket    string
}

// startSession records the organiser, ends the browser's previous session
// and starts a new one with a new id (so that an id planted before login is
// worthless), then sets the cookie.
func (s *Server) startSession(ctx context.Context, w http.ResponseWriter, r *http.Request, in loginInfo) (*ecistore.Session, error) {
	replace := ""
	if c, ok := s.cookies.Get(r, SessionCookie, 100); ok {
		replace = hash(c)
	}
	now := s.now()
	token := newToken()
	sess := &ecistore.Session{
		Hash: hash(token), UserID: in.User.ID, TicketHash: hash(in.Ticket),
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.cfg.SessionMax),
		Strength: in.Strength, LoginDate: in.LoginDate,
	}
	if err := s.db.StartSession(ctx, in.User, sess, replace); err != nil {
		return nil, err
	}
	// Keep the table small without a background job: each login also
	// removes the sessions that have ended.
	if _, err := s.db.DeleteExpiredSessions(ctx, now, s.cfg.SessionIdle); err != nil {
		s.log.Error("delete expired sessions", "err", err)
	}
	s.cookies.Set(w, SessionCookie, token, s.cfg.SessionMax)
	return sess, nil
}

// liveSession returns the request's session when it is still live, and
// records the activity. An idle or expired session is deleted and
// errNoSession returned.
func (s *Server) liveSession(ctx context.Context, r *http.Request) (*ecistore.Session, error) {
	c, ok := s.cookies.Get(r, SessionCookie, 100)
	if !ok {
		return nil, errNoSession
	}
	h := hash(c)
	sess, err := s.db.Session(ctx, h)
	if errors.Is(err, ecistore.ErrNotFound) {
		return nil, errNoSession
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	if !now.Before(sess.ExpiresAt) || now.Sub(sess.LastSeenAt) >= s.cfg.SessionIdle {
		if err := s.db.DeleteSession(ctx, h); err != nil {
			return nil, err
		}
		return nil, errNoSession
	}
	if now.Sub(sess.LastSeenAt) >= touchEvery {
		if err := s.db.TouchSession(ctx, h, now); err != nil {
			return nil, err
		}
		sess.LastSeenAt = now
	}
	return sess, nil
}

// endSession deletes the request's session, if any, and its cookie.
func (s *Server) endSession(ctx context.Context, w http.ResponseWriter, r *http.Request) error {
	if c, ok := s.cookies.Get(r, SessionCookie, 100); ok {
		if err := s.db.DeleteSession(ctx, hash(c)); err != nil {
			return err
		}
	}
	s.cookies.Delete(w, SessionCookie)
	return nil
}
