package ecistore

import (
	"context"
	"fmt"
	"time"

	"eulogin/internal/sqldb"
)

// AuditEvent is one entry of the portal's audit log.
type AuditEvent struct {
	ID     int64
	UserID string // "" when the user is not known (a refused login)
	At     time.Time
	Type   string // e.g. LOGIN, LOGIN_REFUSED, LOGOUT, SINGLE_LOGOUT
	Detail string
}

// AddAudit appends e to the audit log and sets its ID.
func (db *DB) AddAudit(ctx context.Context, e *AuditEvent) error {
	err := db.sql.QueryRow(ctx, `INSERT INTO portal_audit (user_id, at, type, detail) VALUES (?, ?, ?, ?) RETURNING id`,
		e.UserID, sqldb.Millis(e.At), e.Type, e.Detail).Scan(&e.ID)
	if err != nil {
		return fmt.Errorf("ecistore: add audit event: %w", err)
	}
	return nil
}

// AuditEvents returns the newest limit events of a user, newest first.
func (db *DB) AuditEvents(ctx context.Context, userID string, limit int) ([]AuditEvent, error) {
	rows, err := db.sql.Query(ctx, `SELECT id, user_id, at, type, detail FROM portal_audit WHERE user_id = ? ORDER BY at DESC, id DESC LIMIT ?`, userID, limit)
	if err != nil {
		return nil, fmt.Errorf("ecistore: audit events: %w", err)
	}
	defer rows.Close()
	var out []AuditEvent
	for rows.Next() {
		var e AuditEvent
		var at int64
		if err := rows.Scan(&e.ID, &e.UserID, &at, &e.Type, &e.Detail); err != nil {
			return nil, fmt.Errorf("ecistore: audit events: %w", err)
		}
		e.At = sqldb.FromMillis(at)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ecistore: audit events: %w", err)
	}
	return out, nil
}
