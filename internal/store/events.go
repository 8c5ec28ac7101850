package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"eulogin/internal/audit"
	"eulogin/internal/sqldb"
)

// AddAttempt records one event (a login attempt, an e-mail sent...) under
// key, for the sliding-window limits of package regulation, and returns its
// id. The row is committed when AddAttempt returns, before the caller
// counts: see regulation.Regulator.Attempt for why that makes the limits
// exact under concurrency.
func (db *DB) AddAttempt(ctx context.Context, key string, at time.Time) (int64, error) {
	var id int64
	if err := db.sql.QueryRow(ctx, `INSERT INTO attempts (key, at) VALUES (?, ?) RETURNING id`, key, sqldb.Millis(at)).Scan(&id); err != nil {
		return 0, fmt.Errorf("store: add attempt: %w", err)
	}
	return id, nil
}

// DeleteAttempt takes back the event id (a refused attempt, which must not
// extend a lock).
func (db *DB) DeleteAttempt(ctx context.Context, id int64) error {
	if _, err := db.sql.Exec(ctx, `DELETE FROM attempts WHERE id = ?`, id); err != nil {
		return fmt.Errorf("store: delete attempt: %w", err)
	}
	return nil
}

// CountAttempts counts the events under key since since (exclusive), and
// returns the time of the n-th most recent one (n >= 1; zero time when there
// are fewer), which tells when a window of n events frees up.
func (db *DB) CountAttempts(ctx context.Context, key string, since time.Time, n int) (int, time.Time, error) {
	var count int
	if err := db.sql.QueryRow(ctx, `SELECT COUNT(*) FROM attempts WHERE key = ? AND at > ?`, key, sqldb.Millis(since)).Scan(&count); err != nil {
		return 0, time.Time{}, fmt.Errorf("store: count attempts: %w", err)
	}
	if count < n || n < 1 {
		return count, time.Time{}, nil
	}
	var at int64
	err := db.sql.QueryRow(ctx, `SELECT at FROM attempts WHERE key = ? AND at > ? ORDER BY at DESC LIMIT 1 OFFSET ?`, key, sqldb.Millis(since), n-1).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return count, time.Time{}, nil
	}
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("store: count attempts: %w", err)
	}
	return count, sqldb.FromMillis(at), nil
}

// ClearAttempts forgets the events under key (after a successful login).
func (db *DB) ClearAttempts(ctx context.Context, key string) error {
	if _, err := db.sql.Exec(ctx, `DELETE FROM attempts WHERE key = ?`, key); err != nil {
		return fmt.Errorf("store: clear attempts: %w", err)
	}
	return nil
}

// AddAudit appends e to the audit log (audit.Store).
func (db *DB) AddAudit(ctx context.Context, e *audit.Event) error {
	_, err := db.sql.Exec(ctx, `INSERT INTO audit_events (user_id, at, type, ip, user_agent, detail) VALUES (?, ?, ?, ?, ?, ?)`,
		e.UserID, sqldb.Millis(e.At), string(e.Kind), e.IP, e.UserAgent, e.Detail)
	if err != nil {
		return fmt.Errorf("store: audit: %w", err)
	}
	return nil
}

// AuditEvents returns the newest events of a user, at most limit.
func (db *DB) AuditEvents(ctx context.Context, userID string, limit int) ([]audit.Event, error) {
	rows, err := db.sql.Query(ctx, `SELECT id, user_id, at, type, ip, user_agent, detail FROM audit_events WHERE user_id = ? ORDER BY at DESC, id DESC LIMIT ?`, userID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: audit events: %w", err)
	}
	defer rows.Close()
	var out []audit.Event
	for rows.Next() {
		var e audit.Event
		var at int64
		if err := rows.Scan(&e.ID, &e.UserID, &at, &e.Kind, &e.IP, &e.UserAgent, &e.Detail); err != nil {
			return nil, fmt.Errorf("store: audit events: %w", err)
		}
		e.At = sqldb.FromMillis(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// OutboxItem is a message kept by the dev outbox instead of being sent.
type OutboxItem struct {
	ID        int64
	At        time.Time
	Kind      string // "email" or "sms"
	Recipient string
	Subject   string
	Text      string
	HTML      string
}

// AddOutbox stores a message in the dev outbox.
func (db *DB) AddOutbox(ctx context.Context, m *OutboxItem) error {
	_, err := db.sql.Exec(ctx, `INSERT INTO outbox (at, kind, recipient, subject, text_body, html_body) VALUES (?, ?, ?, ?, ?, ?)`,
		sqldb.Millis(m.At), m.Kind, m.Recipient, m.Subject, m.Text, m.HTML)
	if err != nil {
		return fmt.Errorf("store: outbox: %w", err)
	}
	return nil
}

// Outbox returns the newest messages of the dev outbox, at most limit.
func (db *DB) Outbox(ctx context.Context, limit int) ([]OutboxItem, error) {
	rows, err := db.sql.Query(ctx, `SELECT id, at, kind, recipient, subject, text_body, html_body FROM outbox ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: outbox: %w", err)
	}
	defer rows.Close()
	var out []OutboxItem
	for rows.Next() {
		var m OutboxItem
		var at int64
		if err := rows.Scan(&m.ID, &at, &m.Kind, &m.Recipient, &m.Subject, &m.Text, &m.HTML); err != nil {
			return nil, fmt.Errorf("store: outbox: %w", err)
		}
		m.At = sqldb.FromMillis(at)
		out = append(out, m)
	}
	return out, rows.Err()
}

// OutboxItemByID returns one message of the dev outbox.
func (db *DB) OutboxItemByID(ctx context.Context, id int64) (*OutboxItem, error) {
	var m OutboxItem
	var at int64
	err := db.sql.QueryRow(ctx, `SELECT id, at, kind, recipient, subject, text_body, html_body FROM outbox WHERE id = ?`, id).
		Scan(&m.ID, &at, &m.Kind, &m.Recipient, &m.Subject, &m.Text, &m.HTML)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: outbox: %w", err)
	}
	m.At = sqldb.FromMillis(at)
	return &m, nil
}

// SpendOnce records key as used until expires. It returns false when key was
// already recorded: the single-use check for stateless signed tokens.
func (db *DB) SpendOnce(ctx context.Context, key string, expires time.Time) (bool, error) {
	res, err := db.sql.Exec(ctx, `INSERT INTO spent_tokens (key, expires_at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`, key, sqldb.Millis(expires))
	if err != nil {
		return false, fmt.Errorf("store: spend: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: spend: %w", err)
	}
	return n == 1, nil
}

// Setting returns a stored setting (e.g. a generated key); ErrNotFound if unset.
func (db *DB) Setting(ctx context.Context, name string) (string, error) {
	var v string
	err := db.sql.QueryRow(ctx, `SELECT value FROM settings WHERE name = ?`, name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	return v, err
}

// SettingOrInit returns the stored setting, storing value first when it is
// unset. Concurrent replicas all get the one value that won.
func (db *DB) SettingOrInit(ctx context.Context, name, value string) (string, error) {
	if _, err := db.sql.Exec(ctx, `INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`, name, value); err != nil {
		return "", fmt.Errorf("store: setting: %w", err)
	}
	return db.Setting(ctx, name)
}
