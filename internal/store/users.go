package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"eulogin/internal/sqldb"
)

// User is an account of the identity provider.
type User struct {
	ID                string // stable user id, given to applications as "user"
	Email             string // canonical (lower-case) address, unique
	FirstName         string
	LastName          string
	EmailLang         string // language of the e-mails sent to the user
	PasswordHash      string // PHC string; empty until the user sets a password
	PasswordChangedAt time.Time
	AssuranceLevel    int  // 10 LOW (self-registered), 20 MEDIUM, 30 HIGH, 40 TOP
	RequireMFA        bool // "Always require multi-factor authentication"
	WarnSSO           bool // "Warn me each time an application asks for my identity"
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

const userCols = `id, email, first_name, last_name, email_lang, password_hash, password_changed_at, assurance_level, require_mfa, warn_sso, created_at, updated_at`

func scanUser(row interface{ Scan(...any) error }) (*User, error) {
	var u User
	var pwAt, created, updated int64
	err := row.Scan(&u.ID, &u.Email, &u.FirstName, &u.LastName, &u.EmailLang, &u.PasswordHash, &pwAt, &u.AssuranceLevel, &u.RequireMFA, &u.WarnSSO, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: scan user: %w", err)
	}
	u.PasswordChangedAt, u.CreatedAt, u.UpdatedAt = sqldb.FromMillis(pwAt), sqldb.FromMillis(created), sqldb.FromMillis(updated)
	return &u, nil
}

// CreateUser inserts u. It returns ErrConflict when the e-mail address or the
// id is taken.
func (db *DB) CreateUser(ctx context.Context, u *User) error {
	_, err := db.sql.Exec(ctx, `INSERT INTO users (`+userCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.Email, u.FirstName, u.LastName, u.EmailLang, u.PasswordHash, sqldb.Millis(u.PasswordChangedAt), u.AssuranceLevel, u.RequireMFA, u.WarnSSO, sqldb.Millis(u.CreatedAt), sqldb.Millis(u.UpdatedAt))
	if sqldb.IsUniqueViolation(err) {
		return ErrConflict
	}
	if err != nil {
		return fmt.Errorf("store: create user: %w", err)
	}
	return nil
}

// UserByEmail returns the user with the canonical e-mail address email.
func (db *DB) UserByEmail(ctx context.Context, email string) (*User, error) {
	return scanUser(db.sql.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE email = ?`, email))
}

// UserByID returns the user with id.
func (db *DB) UserByID(ctx context.Context, id string) (*User, error) {
	return scanUser(db.sql.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = ?`, id))
}

// UpdateProfile changes the names and the e-mail language of a user.
func (db *DB) UpdateProfile(ctx context.Context, id, first, last, emailLang string, now time.Time) error {
	return db.updateOne(ctx, `UPDATE users SET first_name = ?, last_name = ?, email_lang = ?, updated_at = ? WHERE id = ?`, first, last, emailLang, sqldb.Millis(now), id)
}

// UpdateOptions changes the account options.
func (db *DB) UpdateOptions(ctx context.Context, id string, requireMFA, warnSSO bool, now time.Time) error {
	return db.updateOne(ctx, `UPDATE users SET require_mfa = ?, warn_sso = ?, updated_at = ? WHERE id = ?`, requireMFA, warnSSO, sqldb.Millis(now), id)
}

// SetPasswordHash replaces the password hash (a rehash with new parameters
// keeps passwordChanged false and the change time as it was).
func (db *DB) SetPasswordHash(ctx context.Context, id, hash string, now time.Time, passwordChanged bool) error {
	if !passwordChanged {
		return db.updateOne(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, id)
	}
	return db.updateOne(ctx, `UPDATE users SET password_hash = ?, password_changed_at = ?, updated_at = ? WHERE id = ?`, hash, sqldb.Millis(now), sqldb.Millis(now), id)
}

// ChangeEmail sets a new canonical e-mail address; ErrConflict when taken.
func (db *DB) ChangeEmail(ctx context.Context, id, email string, now time.Time) error {
	err := db.updateOne(ctx, `UPDATE users SET email = ?, updated_at = ? WHERE id = ?`, email, sqldb.Millis(now), id)
	if sqldb.IsUniqueViolation(err) {
		return ErrConflict
	}
	return err
}

// DeleteUser removes the user and, through the foreign keys and explicit
// deletes, everything that belongs to the account: links, sessions, CAS
// tickets and entered services, and the account's audit events and
// throttling records.
func (db *DB) DeleteUser(ctx context.Context, id string) error {
	// Attempt keys end in ":"+id. The suffix is compared literally: with LIKE,
	// '_', '%' and '\' in an id would act as patterns and SQLite would ignore
	// case, deleting the records of other accounts or missing the account's.
	suffix := ":" + id
	return db.sql.InTx(ctx, func(tx *sqldb.Tx) error {
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`DELETE FROM email_tokens WHERE user_id = ?`, []any{id}},
			{`DELETE FROM sessions WHERE user_id = ?`, []any{id}},
			{`DELETE FROM session_services WHERE user_id = ?`, []any{id}},
			{`DELETE FROM audit_events WHERE user_id = ?`, []any{id}},
			{`DELETE FROM known_browsers WHERE user_id = ?`, []any{id}},
			{`DELETE FROM totp_credentials WHERE user_id = ?`, []any{id}},
			{`DELETE FROM recovery_codes WHERE user_id = ?`, []any{id}},
			{`DELETE FROM attempts WHERE substr(key, length(key) - ? + 1) = ?`, []any{utf8.RuneCountInString(suffix), suffix}},
		} {
			if _, err := tx.Exec(ctx, q.sql, q.args...); err != nil {
				return fmt.Errorf("store: delete user: %w", err)
			}
		}
		res, err := tx.Exec(ctx, `DELETE FROM users WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("store: delete user: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
}

func (db *DB) updateOne(ctx context.Context, q string, args ...any) error {
	res, err := db.sql.Exec(ctx, q, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}
