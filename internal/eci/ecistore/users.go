package ecistore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"eulogin/internal/sqldb"
)

// User is an organiser as the portal knows them: what the identity provider
// sent at their last login.
type User struct {
	ID           string // the identity provider's stable user id
	Email        string
	FirstName    string
	LastName     string
	Locale       string // the language the identity provider reported
	FirstSeen    time.Time
	LastLogin    time.Time
	LastStrength string // strength of the last login, e.g. PASSWORD_SMS
}

// Session is a signed-in browser of the portal.
type Session struct {
	Hash       string // SHA-256 (hex) of the cookie value
	UserID     string
	TicketHash string // SHA-256 (hex) of the service ticket it came from
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // absolute end
	Strength   string    // the strength of the login, e.g. PASSWORD_SMS
	LoginDate  time.Time // when the user authenticated at the identity provider
}

// StartSession records a login in one transaction: it creates or refreshes
// the user (first_seen is kept from the first login; the other fields take
// u's values, FirstSeen is set only for a new user), deletes the session
// replace (the browser's previous session, "" for none) and stores s.
func (db *DB) StartSession(ctx context.Context, u *User, s *Session, replace string) error {
	return db.sql.InTx(ctx, func(tx *sqldb.Tx) error {
		first := u.FirstSeen
		if first.IsZero() {
			first = u.LastLogin
		}
		if _, err := tx.Exec(ctx, `INSERT INTO portal_users (id, email, first_name, last_name, locale, first_seen, last_login, last_strength)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET email = excluded.email, first_name = excluded.first_name, last_name = excluded.last_name,
    locale = excluded.locale, last_login = excluded.last_login, last_strength = excluded.last_strength`,
			u.ID, u.Email, u.FirstName, u.LastName, u.Locale, sqldb.Millis(first), sqldb.Millis(u.LastLogin), u.LastStrength); err != nil {
			return fmt.Errorf("ecistore: save user: %w", err)
		}
		if replace != "" {
			if _, err := tx.Exec(ctx, `DELETE FROM portal_sessions WHERE hash = ?`, replace); err != nil {
				return fmt.Errorf("ecistore: end previous session: %w", err)
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO portal_sessions (hash, user_id, ticket_hash, created_at, last_seen_at, expires_at, strength, login_date)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			s.Hash, s.UserID, s.TicketHash, sqldb.Millis(s.CreatedAt), sqldb.Millis(s.LastSeenAt), sqldb.Millis(s.ExpiresAt), s.Strength, sqldb.Millis(s.LoginDate)); err != nil {
			return fmt.Errorf("ecistore: create session: %w", err)
		}
		return nil
	})
}

// User returns the user with the identity provider's id.
func (db *DB) User(ctx context.Context, id string) (*User, error) {
	var u User
	var first, last int64
	err := db.sql.QueryRow(ctx, `SELECT id, email, first_name, last_name, locale, first_seen, last_login, last_strength FROM portal_users WHERE id = ?`, id).
		Scan(&u.ID, &u.Email, &u.FirstName, &u.LastName, &u.Locale, &first, &last, &u.LastStrength)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("ecistore: user: %w", err)
	}
	u.FirstSeen, u.LastLogin = sqldb.FromMillis(first), sqldb.FromMillis(last)
	return &u, nil
}

// Session returns the session with the cookie hash; callers check the
// timeouts.
func (db *DB) Session(ctx context.Context, hash string) (*Session, error) {
	var s Session
	var c, l, e, d int64
	err := db.sql.QueryRow(ctx, `SELECT hash, user_id, ticket_hash, created_at, last_seen_at, expires_at, strength, login_date FROM portal_sessions WHERE hash = ?`, hash).
		Scan(&s.Hash, &s.UserID, &s.TicketHash, &c, &l, &e, &s.Strength, &d)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("ecistore: session: %w", err)
	}
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt, s.LoginDate = sqldb.FromMillis(c), sqldb.FromMillis(l), sqldb.FromMillis(e), sqldb.FromMillis(d)
	return &s, nil
}

// TouchSession records activity on a session.
func (db *DB) TouchSession(ctx context.Context, hash string, now time.Time) error {
	if _, err := db.sql.Exec(ctx, `UPDATE portal_sessions SET last_seen_at = ? WHERE hash = ?`, sqldb.Millis(now), hash); err != nil {
		return fmt.Errorf("ecistore: touch session: %w", err)
	}
	return nil
}

// DeleteSession ends one session (no error when it does not exist).
func (db *DB) DeleteSession(ctx context.Context, hash string) error {
	if _, err := db.sql.Exec(ctx, `DELETE FROM portal_sessions WHERE hash = ?`, hash); err != nil {
		return fmt.Errorf("ecistore: delete session: %w", err)
	}
	return nil
}

// DeleteSessionsByTicket ends the sessions created from the service ticket
// whose hash is ticketHash (single logout) and returns their users, in no
// particular order; none is not an error.
func (db *DB) DeleteSessionsByTicket(ctx context.Context, ticketHash string) ([]string, error) {
	rows, err := db.sql.Query(ctx, `DELETE FROM portal_sessions WHERE ticket_hash = ? RETURNING user_id`, ticketHash)
	if err != nil {
		return nil, fmt.Errorf("ecistore: delete sessions by ticket: %w", err)
	}
	defer rows.Close()
	var users []string
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			return nil, fmt.Errorf("ecistore: delete sessions by ticket: %w", err)
		}
		users = append(users, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ecistore: delete sessions by ticket: %w", err)
	}
	return users, nil
}

// DeleteExpiredSessions removes the sessions past their absolute end or
// idle for idle or longer at now, and returns how many.
func (db *DB) DeleteExpiredSessions(ctx context.Context, now time.Time, idle time.Duration) (int64, error) {
	res, err := db.sql.Exec(ctx, `DELETE FROM portal_sessions WHERE expires_at <= ? OR last_seen_at <= ?`, sqldb.Millis(now), sqldb.Millis(now.Add(-idle)))
	if err != nil {
		return 0, fmt.Errorf("ecistore: delete expired sessions: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// CountSessions counts the sessions of a user.
func (db *DB) CountSessions(ctx context.Context, userID string) (int, error) {
	var n int
	if err := db.sql.QueryRow(ctx, `SELECT COUNT(*) FROM portal_sessions WHERE user_id = ?`, userID).Scan(&n); err != nil {
		return 0, fmt.Errorf("ecistore: count sessions: %w", err)
	}
	return n, nil
}
