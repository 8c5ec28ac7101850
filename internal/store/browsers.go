package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"eulogin/internal/sqldb"
)

// AddKnownBrowser records that the account userID completed a login in the
// browser whose cookie hashes to hash, or refreshes its last use.
func (db *DB) AddKnownBrowser(ctx context.Context, hash, userID string, at time.Time) error {
	_, err := db.sql.Exec(ctx, `INSERT INTO known_browsers (hash, user_id, created_at, last_used_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (hash) DO UPDATE SET last_used_at = excluded.last_used_at WHERE known_browsers.user_id = excluded.user_id`,
		hash, userID, sqldb.Millis(at), sqldb.Millis(at))
	if err != nil {
		return fmt.Errorf("store: add known browser: %w", err)
	}
	return nil
}

// KnownBrowserUser returns the account the browser hash is known for, or
// ErrNotFound.
func (db *DB) KnownBrowserUser(ctx context.Context, hash string) (string, error) {
	var id string
	err := db.sql.QueryRow(ctx, `SELECT user_id FROM known_browsers WHERE hash = ?`, hash).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("store: known browser: %w", err)
	}
	return id, nil
}
