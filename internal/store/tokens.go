package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"eulogin/internal/sqldb"
)

// EmailToken is a link sent by e-mail (create a password, reset it, confirm a
// new address). Only the hash of the secret in the link is stored.
type EmailToken struct {
	Hash      string
	UserID    string
	Purpose   string
	Data      string // purpose-specific, e.g. the new e-mail address
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time // when it died: used, or killed by a newer link
	SpentAt   time.Time // when it made its change; zero if it died unused
}

// PutEmailToken stores a new link for a user and kills every earlier unused
// link of the same purpose, so that only the newest one works.
func (db *DB) PutEmailToken(ctx context.Context, t *EmailToken) error {
	return db.sql.InTx(ctx, func(tx *sqldb.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE email_tokens SET used_at = ? WHERE user_id = ? AND purpose = ? AND used_at = 0`, sqldb.Millis(t.CreatedAt), t.UserID, t.Purpose); err != nil {
			return fmt.Errorf("store: put token: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO email_tokens (hash, user_id, purpose, data, created_at, expires_at, used_at) VALUES (?, ?, ?, ?, ?, ?, 0)`,
			t.Hash, t.UserID, t.Purpose, t.Data, sqldb.Millis(t.CreatedAt), sqldb.Millis(t.ExpiresAt)); err != nil {
			return fmt.Errorf("store: put token: %w", err)
		}
		return nil
	})
}

// EmailTokenByHash returns a link whatever its state; callers check expiry
// and use.
func (db *DB) EmailTokenByHash(ctx context.Context, hash string) (*EmailToken, error) {
	var t EmailToken
	var c, e, u, sp int64
	err := db.sql.QueryRow(ctx, `SELECT hash, user_id, purpose, data, created_at, expires_at, used_at, spent_at FROM email_tokens WHERE hash = ?`, hash).
		Scan(&t.Hash, &t.UserID, &t.Purpose, &t.Data, &c, &e, &u, &sp)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: token: %w", err)
	}
	t.CreatedAt, t.ExpiresAt, t.UsedAt, t.SpentAt = sqldb.FromMillis(c), sqldb.FromMillis(e), sqldb.FromMillis(u), sqldb.FromMillis(sp)
	return &t, nil
}

// UseEmailToken marks the link used and spent if it is unused and unexpired
// at now. It returns ErrNotFound when another request used it first or it
// expired: only one caller ever succeeds.
func (db *DB) UseEmailToken(ctx context.Context, hash string, now time.Time) error {
	return db.useEmailToken(ctx, db.sql.Exec, hash, now)
}

func (db *DB) useEmailToken(ctx context.Context, exec func(context.Context, string, ...any) (sql.Result, error), hash string, now time.Time) error {
	res, err := exec(ctx, `UPDATE email_tokens SET used_at = ?, spent_at = ? WHERE hash = ? AND used_at = 0 AND expires_at > ?`, sqldb.Millis(now), sqldb.Millis(now), hash, sqldb.Millis(now))
	if err != nil {
		return fmt.Errorf("store: use token: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// SetPasswordWithToken uses the link and sets the password hash in one
// transaction, so a link can never set two passwords and a failure leaves
// both untouched. When endSessions is true every session of the user ends.
func (db *DB) SetPasswordWithToken(ctx context.Context, tokenHash, userID, pwHash string, now time.Time, endSessions bool) error {
	return db.sql.InTx(ctx, func(tx *sqldb.Tx) error {
		if err := db.useEmailToken(ctx, tx.Exec, tokenHash, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET password_hash = ?, password_changed_at = ?, updated_at = ? WHERE id = ?`, pwHash, sqldb.Millis(now), sqldb.Millis(now), userID); err != nil {
			return fmt.Errorf("store: set password: %w", err)
		}
		if endSessions {
			if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID); err != nil {
				return fmt.Errorf("store: set password: %w", err)
			}
		}
		return nil
	})
}

// ChangeEmailWithToken uses the link and moves the account to the address in
// the token's data, in one transaction. ErrConflict when the address was
// taken in the meantime.
func (db *DB) ChangeEmailWithToken(ctx context.Context, tokenHash, userID, email string, now time.Time) error {
	return db.sql.InTx(ctx, func(tx *sqldb.Tx) error {
		if err := db.useEmailToken(ctx, tx.Exec, tokenHash, now); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE users SET email = ?, updated_at = ? WHERE id = ?`, email, sqldb.Millis(now), userID)
		if sqldb.IsUniqueViolation(err) {
			return ErrConflict
		}
		if err != nil {
			return fmt.Errorf("store: change e-mail: %w", err)
		}
		return nil
	})
}

// KillEmailTokens marks every unused link of a user and purpose as used (a
// password changed in My Account makes a pending reset link pointless).
func (db *DB) KillEmailTokens(ctx context.Context, userID, purpose string, now time.Time) error {
	_, err := db.sql.Exec(ctx, `UPDATE email_tokens SET used_at = ? WHERE user_id = ? AND purpose = ? AND used_at = 0`, sqldb.Millis(now), userID, purpose)
	if err != nil {
		return fmt.Errorf("store: kill tokens: %w", err)
	}
	return nil
}
