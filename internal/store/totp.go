package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"eulogin/internal/sqldb"
)

// TOTPCredential is an authenticator app of an account (RFC 6238).
type TOTPCredential struct {
	ID          string
	UserID      string
	Name        string
	Secret      string // sealed by the caller, never plain
	CreatedAt   time.Time
	ConfirmedAt time.Time // zero until a first code proved the app
	LastStep    int64     // the last time step accepted: a code is never accepted twice
	LastUsedAt  time.Time
}

const totpCols = `id, user_id, name, secret, created_at, confirmed_at, last_step, last_used_at`

func scanTOTP(row interface{ Scan(...any) error }) (*TOTPCredential, error) {
	var c TOTPCredential
	var created, confirmed, used int64
	if err := row.Scan(&c.ID, &c.UserID, &c.Name, &c.Secret, &created, &confirmed, &c.LastStep, &used); err != nil {
		return nil, err
	}
	c.CreatedAt, c.ConfirmedAt, c.LastUsedAt = sqldb.FromMillis(created), sqldb.FromMillis(confirmed), sqldb.FromMillis(used)
	return &c, nil
}

// AddTOTP stores a new, unconfirmed authenticator app. Earlier unconfirmed
// ones of the account (an enrolment left half-way) go.
func (db *DB) AddTOTP(ctx context.Context, c *TOTPCredential) error {
	return db.sql.InTx(ctx, func(tx *sqldb.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM totp_credentials WHERE user_id = ? AND confirmed_at = 0`, c.UserID); err != nil {
			return fmt.Errorf("store: add totp: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO totp_credentials (`+totpCols+`) VALUES (?, ?, ?, ?, ?, 0, 0, 0)`,
			c.ID, c.UserID, c.Name, c.Secret, sqldb.Millis(c.CreatedAt)); err != nil {
			return fmt.Errorf("store: add totp: %w", err)
		}
		return nil
	})
}

// TOTPByID returns the authenticator app id of userID, confirmed or not.
func (db *DB) TOTPByID(ctx context.Context, userID, id string) (*TOTPCredential, error) {
	c, err := scanTOTP(db.sql.QueryRow(ctx, `SELECT `+totpCols+` FROM totp_credentials WHERE id = ? AND user_id = ?`, id, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: totp: %w", err)
	}
	return c, nil
}

// ListTOTP returns the confirmed authenticator apps of userID, oldest first.
func (db *DB) ListTOTP(ctx context.Context, userID string) ([]TOTPCredential, error) {
	rows, err := db.sql.Query(ctx, `SELECT `+totpCols+` FROM totp_credentials WHERE user_id = ? AND confirmed_at <> 0 ORDER BY created_at, id`, userID)
	if err != nil {
		return nil, fmt.Errorf("store: list totp: %w", err)
	}
	defer rows.Close()
	var out []TOTPCredential
	for rows.Next() {
		c, err := scanTOTP(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list totp: %w", err)
		}
		out = append(out, *c)
	}
	return out, rows.Err()
}

// UseTOTPStep records that the code of time step step of the app id of
// userID was accepted, and confirms the app if it was not yet. It is
// atomic: ErrNotFound when the app is gone or a code of this step or a later
// one was accepted already (a replay, or a race lost).
func (db *DB) UseTOTPStep(ctx context.Context, userID, id string, step int64, now time.Time) error {
	res, err := db.sql.Exec(ctx, `UPDATE totp_credentials SET last_step = ?, last_used_at = ?,
		confirmed_at = CASE WHEN confirmed_at = 0 THEN ? ELSE confirmed_at END
		WHERE id = ? AND user_id = ? AND last_step < ?`, step, sqldb.Millis(now), sqldb.Millis(now), id, userID, step)
	if err != nil {
		return fmt.Errorf("store: use totp: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// DeleteTOTP removes the authenticator app id of userID.
func (db *DB) DeleteTOTP(ctx context.Context, userID, id string) error {
	res, err := db.sql.Exec(ctx, `DELETE FROM totp_credentials WHERE id = ? AND user_id = ?`, id, userID)
	if err != nil {
		return fmt.Errorf("store: delete totp: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// ReplaceRecoveryCodes replaces the recovery codes of userID by the codes
// whose hashes are given (the old set is void).
func (db *DB) ReplaceRecoveryCodes(ctx context.Context, userID string, hashes []string, now time.Time) error {
	return db.sql.InTx(ctx, func(tx *sqldb.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM recovery_codes WHERE user_id = ?`, userID); err != nil {
			return fmt.Errorf("store: recovery codes: %w", err)
		}
		for _, h := range hashes {
			if _, err := tx.Exec(ctx, `INSERT INTO recovery_codes (user_id, hash, created_at, used_at) VALUES (?, ?, ?, 0)`, userID, h, sqldb.Millis(now)); err != nil {
				return fmt.Errorf("store: recovery codes: %w", err)
			}
		}
		return nil
	})
}

// UseRecoveryCode spends the recovery code of userID whose hash is hash:
// ErrNotFound when there is none unused (a wrong or used code).
func (db *DB) UseRecoveryCode(ctx context.Context, userID, hash string, now time.Time) error {
	res, err := db.sql.Exec(ctx, `UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND hash = ? AND used_at = 0`, sqldb.Millis(now), userID, hash)
	if err != nil {
		return fmt.Errorf("store: use recovery code: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// RecoveryCodesLeft counts the unused recovery codes of userID.
func (db *DB) RecoveryCodesLeft(ctx context.Context, userID string) (int, error) {
	var n int
	if err := db.sql.QueryRow(ctx, `SELECT COUNT(*) FROM recovery_codes WHERE user_id = ? AND used_at = 0`, userID).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: recovery codes: %w", err)
	}
	return n, nil
}
