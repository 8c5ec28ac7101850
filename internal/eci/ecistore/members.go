package ecistore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"eulogin/internal/sqldb"
)

const memberColumns = `id, initiative_id, name, email, token_hash, status, invited_at, accepted_at, user_id,
full_name, nationality, residence, birth_date, mep, consent_at`

func scanMember(s scanner) (*Member, error) {
	var m Member
	var inv, acc, cons int64
	var mep int
	err := s.Scan(&m.ID, &m.InitiativeID, &m.Name, &m.Email, &m.TokenHash, &m.Status, &inv, &acc, &m.UserID,
		&m.FullName, &m.Nationality, &m.Residence, &m.BirthDate, &mep, &cons)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	m.MEP = mep != 0
	m.InvitedAt, m.AcceptedAt, m.ConsentAt = sqldb.FromMillis(inv), sqldb.FromMillis(acc), sqldb.FromMillis(cons)
	return &m, nil
}

// Members returns the group of organisers of an initiative, in the order
// they were invited (the creator first).
func (db *DB) Members(ctx context.Context, initiativeID int64) ([]Member, error) {
	rows, err := db.sql.Query(ctx, `SELECT `+memberColumns+` FROM eci_members WHERE initiative_id = ? ORDER BY id`, initiativeID)
	if err != nil {
		return nil, fmt.Errorf("ecistore: members: %w", err)
	}
	defer rows.Close()
	var out []Member
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return nil, fmt.Errorf("ecistore: members: %w", err)
		}
		out = append(out, *m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ecistore: members: %w", err)
	}
	return out, nil
}

// MemberByToken returns the member invited with the token whose SHA-256
// (hex) is tokenHash.
func (db *DB) MemberByToken(ctx context.Context, tokenHash string) (*Member, error) {
	if tokenHash == "" {
		return nil, ErrNotFound
	}
	m, err := scanMember(db.sql.QueryRow(ctx, `SELECT `+memberColumns+` FROM eci_members WHERE token_hash = ?`, tokenHash))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("ecistore: member by token: %w", err)
	}
	return m, err
}

// Invite adds an invited member (Name, Email, TokenHash) to a draft with
// at most max members, records it, and sets m.ID. ErrConflict when the
// initiative is not a draft or already has max members.
func (db *DB) Invite(ctx context.Context, m *Member, max int, userID string, at time.Time) error {
	m.Status, m.InvitedAt = MemberInvited, at
	return db.inTx(ctx, "invite", func(x *sqldb.Tx) error {
		// Writing the initiative's row first locks it (a row lock on
		// PostgreSQL, the database on SQLite), so that concurrent
		// invitations count the members one after the other.
		res, err := x.Exec(ctx, `UPDATE eci_initiatives SET updated_at = ? WHERE id = ? AND status = 'DRAFT'`, sqldb.Millis(at), m.InitiativeID)
		if err := oneRow(res, err); err != nil {
			return err
		}
		var n int
		if err := x.QueryRow(ctx, `SELECT COUNT(*) FROM eci_members WHERE initiative_id = ?`, m.InitiativeID).Scan(&n); err != nil {
			return err
		}
		if n >= max {
			return ErrConflict
		}
		if err := x.QueryRow(ctx, `INSERT INTO eci_members (initiative_id, name, email, token_hash, status, invited_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			m.InitiativeID, m.Name, m.Email, m.TokenHash, m.Status, sqldb.Millis(at)).Scan(&m.ID); err != nil {
			return err
		}
		return record(ctx, x, m.InitiativeID, at, userID, "member_invited", nil, map[string]string{"name": m.Name, "email": m.Email})
	})
}

// Accept links the invitation with tokenHash to the user and consumes the
// token: a second use finds nothing. An invitation sent before issuedAfter
// has expired. ErrNotFound for an unknown, used or expired token;
// ErrConflict when the initiative is no longer a draft or the user is
// already a member of it.
func (db *DB) Accept(ctx context.Context, tokenHash, userID string, issuedAfter, at time.Time) (*Member, error) {
	if tokenHash == "" {
		return nil, ErrNotFound
	}
	return db.accept(ctx, `token_hash = ?`, []any{tokenHash}, userID, issuedAfter, at)
}

// AcceptByEmail accepts the pending invitation memberID for the user whose
// e-mail address (as the identity provider reports it) is the invitation's,
// compared without regard to case: the dashboard's way to join without the
// link. Errors as for Accept; ErrNotFound also when the address differs.
func (db *DB) AcceptByEmail(ctx context.Context, memberID int64, email, userID string, issuedAfter, at time.Time) (*Member, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" {
		return nil, ErrNotFound
	}
	return db.accept(ctx, `id = ? AND LOWER(email) = ?`, []any{memberID, email}, userID, issuedAfter, at)
}

func (db *DB) accept(ctx context.Context, where string, args []any, userID string, issuedAfter, at time.Time) (*Member, error) {
	var m *Member
	err := db.inTx(ctx, "accept invitation", func(x *sqldb.Tx) error {
		var err error
		m, err = scanMember(x.QueryRow(ctx, `SELECT `+memberColumns+` FROM eci_members WHERE `+where+` AND status = 'invited'`, args...))
		if errors.Is(err, ErrNotFound) || err == nil && m.InvitedAt.Before(issuedAfter) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		var status string
		var n int
		if err := x.QueryRow(ctx, `SELECT status FROM eci_initiatives WHERE id = ?`, m.InitiativeID).Scan(&status); err != nil {
			return err
		}
		if err := x.QueryRow(ctx, `SELECT COUNT(*) FROM eci_members WHERE initiative_id = ? AND user_id = ?`, m.InitiativeID, userID).Scan(&n); err != nil {
			return err
		}
		if status != StatusDraft || n > 0 {
			return ErrConflict
		}
		// The token is replaced by a value no SHA-256 hex string can equal,
		// which keeps it unique and makes it single-use.
		res, err := x.Exec(ctx, `UPDATE eci_members SET status = 'accepted', accepted_at = ?, user_id = ?, token_hash = ? WHERE id = ? AND status = 'invited'`,
			sqldb.Millis(at), userID, fmt.Sprint("used:", m.ID), m.ID)
		if err := oneRow(res, err); err != nil {
			return err
		}
		m.Status, m.AcceptedAt, m.UserID = MemberAccepted, at, userID
		return record(ctx, x, m.InitiativeID, at, userID, "member_accepted", nil, m.Email)
	})
	return m, err
}

// Invitation is a pending invitation with the title of its initiative.
type Invitation struct {
	Member
	Title string
}

// InvitationsFor returns the pending invitations addressed to email
// (compared without regard to case) to drafts, sent at or after
// issuedAfter (the older ones have expired), the newest first.
func (db *DB) InvitationsFor(ctx context.Context, email string, issuedAfter time.Time) ([]Invitation, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" {
		return nil, nil
	}
	cols := strings.ReplaceAll("m."+memberColumns, ", ", ", m.")
	cols = strings.ReplaceAll(cols, ",\n", ",\nm.")
	rows, err := db.sql.Query(ctx, `SELECT `+cols+`, i.title FROM eci_members m JOIN eci_initiatives i ON i.id = m.initiative_id
WHERE LOWER(m.email) = ? AND m.status = 'invited' AND m.invited_at >= ? AND i.status = 'DRAFT' ORDER BY m.invited_at DESC, m.id DESC`, email, sqldb.Millis(issuedAfter))
	if err != nil {
		return nil, fmt.Errorf("ecistore: invitations for: %w", err)
	}
	defer rows.Close()
	var out []Invitation
	for rows.Next() {
		var inv Invitation
		m, err := scanMember(scanFunc(func(dest ...any) error { return rows.Scan(append(dest, &inv.Title)...) }))
		if err != nil {
			return nil, fmt.Errorf("ecistore: invitations for: %w", err)
		}
		inv.Member = *m
		out = append(out, inv)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ecistore: invitations for: %w", err)
	}
	return out, nil
}

// scanFunc adapts a function to the scanner interface.
type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }

// RemoveMember takes a member (accepted or invited) out of the group of a
// draft, records it, and returns the member removed. A removed substitute
// leaves the group without one. The representative cannot be removed.
// ErrNotFound when the member is not the initiative's; ErrConflict when the
// initiative is not a draft or the member is its representative.
func (db *DB) RemoveMember(ctx context.Context, initiativeID, memberID int64, userID string, at time.Time) (*Member, error) {
	var m *Member
	err := db.inTx(ctx, "remove member", func(x *sqldb.Tx) error {
		var rep, sub string
		if err := x.QueryRow(ctx, `SELECT representative, substitute FROM eci_initiatives WHERE id = ? AND status = 'DRAFT'`, initiativeID).Scan(&rep, &sub); errors.Is(err, sql.ErrNoRows) {
			return ErrConflict
		} else if err != nil {
			return err
		}
		var err error
		if m, err = scanMember(x.QueryRow(ctx, `SELECT `+memberColumns+` FROM eci_members WHERE id = ? AND initiative_id = ?`, memberID, initiativeID)); err != nil {
			return err
		}
		if m.UserID != "" && m.UserID == rep {
			return ErrConflict
		}
		if m.UserID != "" && m.UserID == sub {
			if _, err := x.Exec(ctx, `UPDATE eci_initiatives SET substitute = '' WHERE id = ?`, initiativeID); err != nil {
				return err
			}
			if err := record(ctx, x, initiativeID, at, userID, "substitute", sub, ""); err != nil {
				return err
			}
		}
		res, err := x.Exec(ctx, `DELETE FROM eci_members WHERE id = ? AND initiative_id = ?`, memberID, initiativeID)
		if err := oneRow(res, err); err != nil {
			return err
		}
		if _, err := x.Exec(ctx, `UPDATE eci_initiatives SET updated_at = ? WHERE id = ?`, sqldb.Millis(at), initiativeID); err != nil {
			return err
		}
		name := m.Name
		if m.FullName != "" {
			name = m.FullName
		}
		return record(ctx, x, initiativeID, at, userID, "member_removed", map[string]string{"name": name, "email": m.Email}, nil)
	})
	return m, err
}

// Reinvite gives a pending invitation of a draft a new token (its SHA-256,
// tokenHash) and a new date: the old link stops working and the new one
// lives a full period. It records it and returns the member. ErrNotFound
// when the member is not the initiative's or has already joined;
// ErrConflict when the initiative is not a draft.
func (db *DB) Reinvite(ctx context.Context, initiativeID, memberID int64, tokenHash, userID string, at time.Time) (*Member, error) {
	var m *Member
	err := db.inTx(ctx, "reinvite", func(x *sqldb.Tx) error {
		res, err := x.Exec(ctx, `UPDATE eci_initiatives SET updated_at = ? WHERE id = ? AND status = 'DRAFT'`, sqldb.Millis(at), initiativeID)
		if err := oneRow(res, err); err != nil {
			return err
		}
		if m, err = scanMember(x.QueryRow(ctx, `SELECT `+memberColumns+` FROM eci_members WHERE id = ? AND initiative_id = ? AND status = 'invited'`, memberID, initiativeID)); err != nil {
			return err
		}
		res, err = x.Exec(ctx, `UPDATE eci_members SET token_hash = ?, invited_at = ? WHERE id = ? AND status = 'invited'`, tokenHash, sqldb.Millis(at), memberID)
		if err := oneRow(res, err); err != nil {
			return err
		}
		m.TokenHash, m.InvitedAt = tokenHash, at
		return record(ctx, x, initiativeID, at, userID, "member_reinvited", nil, map[string]string{"name": m.Name, "email": m.Email})
	})
	return m, err
}

// SaveDetails records what the member who is userID confirms about
// themselves in a draft, with the history of the change. ErrConflict when
// the initiative is not a draft; ErrNotFound when the user is no member.
func (db *DB) SaveDetails(ctx context.Context, initiativeID int64, userID string, d MemberDetails, at time.Time) error {
	return db.inTx(ctx, "save member details", func(x *sqldb.Tx) error {
		old, err := scanMember(x.QueryRow(ctx, `SELECT `+memberColumns+` FROM eci_members WHERE initiative_id = ? AND user_id = ? AND status = 'accepted'`, initiativeID, userID))
		if err != nil {
			return err
		}
		var status string
		if err := x.QueryRow(ctx, `SELECT status FROM eci_initiatives WHERE id = ?`, initiativeID).Scan(&status); err != nil {
			return err
		}
		if status != StatusDraft {
			return ErrConflict
		}
		mep := 0
		if d.MEP {
			mep = 1
		}
		if _, err := x.Exec(ctx, `UPDATE eci_members SET full_name = ?, nationality = ?, residence = ?, birth_date = ?, mep = ?, consent_at = ? WHERE id = ?`,
			d.FullName, d.Nationality, d.Residence, d.BirthDate, mep, sqldb.Millis(d.ConsentAt), old.ID); err != nil {
			return err
		}
		details := func(d MemberDetails) map[string]any {
			return map[string]any{"fullName": d.FullName, "nationality": d.Nationality, "residence": d.Residence, "birthDate": d.BirthDate, "mep": d.MEP, "consent": !d.ConsentAt.IsZero()}
		}
		return record(ctx, x, initiativeID, at, userID, fmt.Sprint("member:", old.ID), details(old.MemberDetails), details(d))
	})
}

// AddFunding records a new source of funding and sets f.ID.
func (db *DB) AddFunding(ctx context.Context, f *Funding, userID string, at time.Time) error {
	f.UpdatedAt = at
	return db.inTx(ctx, "add funding", func(x *sqldb.Tx) error {
		if err := x.QueryRow(ctx, `INSERT INTO eci_funding (initiative_id, sponsor, amount_cents, received, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			f.InitiativeID, f.Sponsor, f.AmountCents, f.Received, sqldb.Millis(at)).Scan(&f.ID); err != nil {
			return err
		}
		return record(ctx, x, f.InitiativeID, at, userID, fmt.Sprint("funding:", f.ID), nil, fundingJSON(f))
	})
}

// UpdateFunding changes a source of funding of f.InitiativeID, keeping the
// old values in the history. ErrNotFound when it is not that initiative's.
func (db *DB) UpdateFunding(ctx context.Context, f *Funding, userID string, at time.Time) error {
	return db.inTx(ctx, "update funding", func(x *sqldb.Tx) error {
		var old Funding
		var u int64
		err := x.QueryRow(ctx, `SELECT id, initiative_id, sponsor, amount_cents, received, updated_at FROM eci_funding WHERE id = ? AND initiative_id = ?`, f.ID, f.InitiativeID).
			Scan(&old.ID, &old.InitiativeID, &old.Sponsor, &old.AmountCents, &old.Received, &u)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		f.UpdatedAt = at
		if _, err := x.Exec(ctx, `UPDATE eci_funding SET sponsor = ?, amount_cents = ?, received = ?, updated_at = ? WHERE id = ?`, f.Sponsor, f.AmountCents, f.Received, sqldb.Millis(at), f.ID); err != nil {
			return err
		}
		return record(ctx, x, f.InitiativeID, at, userID, fmt.Sprint("funding:", f.ID), fundingJSON(&old), fundingJSON(f))
	})
}

func fundingJSON(f *Funding) map[string]any {
	return map[string]any{"sponsor": f.Sponsor, "amountCents": f.AmountCents, "received": f.Received}
}

// Funding returns the sources of funding of an initiative, oldest first.
func (db *DB) Funding(ctx context.Context, initiativeID int64) ([]Funding, error) {
	rows, err := db.sql.Query(ctx, `SELECT id, initiative_id, sponsor, amount_cents, received, updated_at FROM eci_funding WHERE initiative_id = ? ORDER BY id`, initiativeID)
	if err != nil {
		return nil, fmt.Errorf("ecistore: funding: %w", err)
	}
	defer rows.Close()
	var out []Funding
	for rows.Next() {
		var f Funding
		var u int64
		if err := rows.Scan(&f.ID, &f.InitiativeID, &f.Sponsor, &f.AmountCents, &f.Received, &u); err != nil {
			return nil, fmt.Errorf("ecistore: funding: %w", err)
		}
		f.UpdatedAt = sqldb.FromMillis(u)
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ecistore: funding: %w", err)
	}
	return out, nil
}

// PutDocument stores (or replaces) the draft legal act of a draft, sets
// its size and SHA-256, and records the upload. ErrConflict when the
// initiative is not a draft.
func (db *DB) PutDocument(ctx context.Context, d *Document) error {
	sum := sha256.Sum256(d.Content)
	d.SHA256, d.Size = hex.EncodeToString(sum[:]), int64(len(d.Content))
	return db.inTx(ctx, "put document", func(x *sqldb.Tx) error {
		var status string
		if err := x.QueryRow(ctx, `SELECT status FROM eci_initiatives WHERE id = ?`, d.InitiativeID).Scan(&status); errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		if status != StatusDraft {
			return ErrConflict
		}
		if _, err := x.Exec(ctx, `DELETE FROM eci_documents WHERE initiative_id = ?`, d.InitiativeID); err != nil {
			return err
		}
		if _, err := x.Exec(ctx, `INSERT INTO eci_documents (initiative_id, name, size, sha256, content, uploaded_at, uploaded_by) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			d.InitiativeID, d.Name, d.Size, d.SHA256, d.Content, sqldb.Millis(d.UploadedAt), d.UploadedBy); err != nil {
			return err
		}
		return record(ctx, x, d.InitiativeID, d.UploadedAt, d.UploadedBy, "document", nil, map[string]any{"name": d.Name, "size": d.Size, "sha256": d.SHA256})
	})
}

// Document returns the draft legal act of an initiative; withContent
// false leaves Content nil.
func (db *DB) Document(ctx context.Context, initiativeID int64, withContent bool) (*Document, error) {
	var d Document
	var at int64
	content := "NULL"
	if withContent {
		content = "content"
	}
	err := db.sql.QueryRow(ctx, `SELECT initiative_id, name, size, sha256, `+content+`, uploaded_at, uploaded_by FROM eci_documents WHERE initiative_id = ?`, initiativeID).
		Scan(&d.InitiativeID, &d.Name, &d.Size, &d.SHA256, &d.Content, &at, &d.UploadedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("ecistore: document: %w", err)
	}
	d.UploadedAt = sqldb.FromMillis(at)
	return &d, nil
}

// Reviewer is a Commission reviewer of registration requests, known by
// e-mail address (as EU Login reports it).
type Reviewer struct {
	Email   string
	AddedAt time.Time
}

// AddReviewer grants the reviewer role to an e-mail address (kept in lower
// case); adding it again changes nothing.
func (db *DB) AddReviewer(ctx context.Context, email string, at time.Time) error {
	if _, err := db.sql.Exec(ctx, `INSERT INTO eci_reviewers (email, added_at) VALUES (?, ?) ON CONFLICT (email) DO NOTHING`, strings.ToLower(strings.TrimSpace(email)), sqldb.Millis(at)); err != nil {
		return fmt.Errorf("ecistore: add reviewer: %w", err)
	}
	return nil
}

// RemoveReviewer withdraws the role; ErrNotFound when the address had
// none.
func (db *DB) RemoveReviewer(ctx context.Context, email string) error {
	res, err := db.sql.Exec(ctx, `DELETE FROM eci_reviewers WHERE email = ?`, strings.ToLower(strings.TrimSpace(email)))
	if err != nil {
		return fmt.Errorf("ecistore: remove reviewer: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// IsReviewer reports whether the e-mail address has the reviewer role.
func (db *DB) IsReviewer(ctx context.Context, email string) (bool, error) {
	var n int
	if err := db.sql.QueryRow(ctx, `SELECT COUNT(*) FROM eci_reviewers WHERE email = ?`, strings.ToLower(strings.TrimSpace(email))).Scan(&n); err != nil {
		return false, fmt.Errorf("ecistore: is reviewer: %w", err)
	}
	return n > 0, nil
}

// Reviewers lists the reviewers by e-mail address.
func (db *DB) Reviewers(ctx context.Context) ([]Reviewer, error) {
	rows, err := db.sql.Query(ctx, `SELECT email, added_at FROM eci_reviewers ORDER BY email`)
	if err != nil {
		return nil, fmt.Errorf("ecistore: reviewers: %w", err)
	}
	defer rows.Close()
	var out []Reviewer
	for rows.Next() {
		var r Reviewer
		var at int64
		if err := rows.Scan(&r.Email, &at); err != nil {
			return nil, fmt.Errorf("ecistore: reviewers: %w", err)
		}
		r.AddedAt = sqldb.FromMillis(at)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ecistore: reviewers: %w", err)
	}
	return out, nil
}
