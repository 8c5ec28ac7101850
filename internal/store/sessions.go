package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"eulogin/internal/sqldb"
)

// Session is a signed-in browser (the SSO session). Hash is the SHA-256 of
// the secret in the session cookie.
type Session struct {
	Hash       string
	UserID     string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // absolute end
	AuthAt     time.Time // last authentication
	Strength   string    // e.g. PASSWORD
	Factors    string    // comma-separated factors used
	IP         string
	UserAgent  string
}

// CreateSession stores s.
func (db *DB) CreateSession(ctx context.Context, s *Session) error {
	_, err := db.sql.Exec(ctx, `INSERT INTO sessions (hash, user_id, created_at, last_seen_at, expires_at, auth_at, strength, factors, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.Hash, s.UserID, sqldb.Millis(s.CreatedAt), sqldb.Millis(s.LastSeenAt), sqldb.Millis(s.ExpiresAt), sqldb.Millis(s.AuthAt), s.Strength, s.Factors, s.IP, s.UserAgent)
	if err != nil {
		return fmt.Errorf("store: create session: %w", err)
	}
	return nil
}

// SessionByHash returns the session; callers check the timeouts.
func (db *DB) SessionByHash(ctx context.Context, hash string) (*Session, error) {
	var s Session
	var c, l, e, a int64
	err := db.sql.QueryRow(ctx, `SELECT hash, user_id, created_at, last_seen_at, expires_at, auth_at, strength, factors, ip, user_agent FROM sessions WHERE hash = ?`, hash).
		Scan(&s.Hash, &s.UserID, &c, &l, &e, &a, &s.Strength, &s.Factors, &s.IP, &s.UserAgent)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: session: %w", err)
	}
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt, s.AuthAt = sqldb.FromMillis(c), sqldb.FromMillis(l), sqldb.FromMillis(e), sqldb.FromMillis(a)
	return &s, nil
}

// TouchSession records activity on a session.
func (db *DB) TouchSession(ctx context.Context, hash string, now time.Time) error {
	_, err := db.sql.Exec(ctx, `UPDATE sessions SET last_seen_at = ? WHERE hash = ?`, sqldb.Millis(now), hash)
	return err
}

// DeleteSession ends one session.
func (db *DB) DeleteSession(ctx context.Context, hash string) error {
	_, err := db.sql.Exec(ctx, `DELETE FROM sessions WHERE hash = ?`, hash)
	return err
}

// DeleteUserSessions ends every session of a user except keep (may be empty).
func (db *DB) DeleteUserSessions(ctx context.Context, userID, keep string) error {
	_, err := db.sql.Exec(ctx, `DELETE FROM sessions WHERE user_id = ? AND hash <> ?`, userID, keep)
	return err
}

// CountUserSessions counts the sessions of a user.
func (db *DB) CountUserSessions(ctx context.Context, userID string) (int, error) {
	var n int
	err := db.sql.QueryRow(ctx, `SELECT COUNT(*) FROM sessions WHERE user_id = ?`, userID).Scan(&n)
	return n, err
}

// PutFlow stores (or replaces) a login flow: state kept between the steps of
// a login before a session exists. data is opaque JSON.
func (db *DB) PutFlow(ctx context.Context, hash string, data []byte, created, expires time.Time) error {
	_, err := db.sql.Exec(ctx, `INSERT INTO login_flows (hash, data, created_at, expires_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (hash) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at`, hash, string(data), sqldb.Millis(created), sqldb.Millis(expires))
	if err != nil {
		return fmt.Errorf("store: put flow: %w", err)
	}
	return nil
}

// Flow returns the data of an unexpired login flow.
func (db *DB) Flow(ctx context.Context, hash string, now time.Time) ([]byte, error) {
	var data string
	err := db.sql.QueryRow(ctx, `SELECT data FROM login_flows WHERE hash = ? AND expires_at > ?`, hash, sqldb.Millis(now)).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: flow: %w", err)
	}
	return []byte(data), nil
}

// TakeFlow removes an unexpired flow and returns its data, atomically: of
// two concurrent calls for one flow, one gets it and the other ErrNotFound.
func (db *DB) TakeFlow(ctx context.Context, hash string, now time.Time) ([]byte, error) {
	var data string
	err := db.sql.QueryRow(ctx, `DELETE FROM login_flows WHERE hash = ? AND expires_at > ? RETURNING data`, hash, sqldb.Millis(now)).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: take flow: %w", err)
	}
	return []byte(data), nil
}

// DeleteFlow removes a login flow.
func (db *DB) DeleteFlow(ctx context.Context, hash string) error {
	_, err := db.sql.Exec(ctx, `DELETE FROM login_flows WHERE hash = ?`, hash)
	return err
}

// KnownBrowserTTL is how long a browser stays known after its last login.
const KnownBrowserTTL = 400 * 24 * time.Hour

// Sweep deletes what has expired before now: sessions, flows, links long
// past use, throttling events older than keep, spent tokens, CAS tickets,
// and the entered services of sessions that no longer exist (sessions that
// timed out: single logout is sent only on an explicit logout, which takes
// its rows before it ends the session). It returns the number of rows
// removed.
func (db *DB) Sweep(ctx context.Context, now time.Time, keepAttempts time.Duration) (int64, error) {
	var total int64
	for _, q := range []struct {
		sql string
		arg int64
	}{
		{`DELETE FROM sessions WHERE expires_at < ?`, sqldb.Millis(now)},
		{`DELETE FROM login_flows WHERE expires_at < ?`, sqldb.Millis(now)},
		{`DELETE FROM email_tokens WHERE expires_at < ?`, sqldb.Millis(now.Add(-30 * 24 * time.Hour))},
		{`DELETE FROM attempts WHERE at < ?`, sqldb.Millis(now.Add(-keepAttempts))},
		{`DELETE FROM known_browsers WHERE last_used_at < ?`, sqldb.Millis(now.Add(-KnownBrowserTTL))},
		{`DELETE FROM spent_tokens WHERE expires_at < ?`, sqldb.Millis(now)},
		{`DELETE FROM cas_tickets WHERE expires_at < ?`, sqldb.Millis(now)},
		// A session whose row is gone can never log out: nothing will take
		// its entries. The created_at bound only gives the statement an
		// argument like the others: entries are never from the future.
		{`DELETE FROM session_services WHERE created_at <= ? AND NOT EXISTS (SELECT 1 FROM sessions WHERE sessions.hash = session_services.session_hash)`, sqldb.Millis(now)},
	} {
		res, err := db.sql.Exec(ctx, q.sql, q.arg)
		if err != nil {
			return total, fmt.Errorf("store: sweep: %w", err)
		}
		n, _ := res.RowsAffected()
		total += n
	}
	return total, nil
}
