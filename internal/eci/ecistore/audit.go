package ecistore

import (
	"context"
	"fmt"

	"eulogin/internal/audit"
	"eulogin/internal/sqldb"
)

// The portal's audit log is kept here, written through audit.Log.
var _ audit.Store = (*DB)(nil)

// AddAudit appends e to the portal's audit log and sets its ID
// (audit.Store). Its UserID is "" when the user is not known (a refused
// login).
func (db *DB) AddAudit(ctx context.Context, e *audit.Event) error {
	err := db.sql.QueryRow(ctx, `INSERT INTO portal_audit (user_id, at, type, ip, user_agent, detail) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		e.UserID, sqldb.Millis(e.At), string(e.Kind), e.IP, e.UserAgent, e.Detail).Scan(&e.ID)
	if err != nil {
		return fmt.Errorf("ecistore: add audit event: %w", err)
	}
	return nil
}

// AuditEvents returns the newest limit events of a user, newest first.
func (db *DB) AuditEvents(ctx context.Context, userID string, limit int) ([]audit.Event, error) {
	rows, err := db.sql.Query(ctx, `SELECT id, user_id, at, type, ip, user_agent, detail FROM portal_audit WHERE user_id = ? ORDER BY at DESC, id DESC LIMIT ?`, userID, limit)
	if err != nil {
		return nil, fmt.Errorf("ecistore: audit events: %w", err)
	}
	defer rows.Close()
	var out []audit.Event
	for rows.Next() {
		var e audit.Event
		var at int64
		if err := rows.Scan(&e.ID, &e.UserID, &at, &e.Kind, &e.IP, &e.UserAgent, &e.Detail); err != nil {
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
