package ecistore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"eulogin/internal/sqldb"
)

// Initiative statuses.
const (
	StatusDraft               = "DRAFT"
	StatusSubmitted           = "SUBMITTED"
	StatusRegistered          = "REGISTERED"
	StatusPartiallyRegistered = "PARTIALLY_REGISTERED"
	StatusRefused             = "REFUSED"
)

// Member statuses.
const (
	MemberInvited  = "invited"
	MemberAccepted = "accepted"
)

// ErrConflict is returned when a change does not apply to the row's current
// state: the initiative is no longer a draft, the invitation was already
// used, the person is already a member.
var ErrConflict = errors.New("ecistore: conflict with the current state")

// Initiative is a European citizens' initiative prepared in the portal.
type Initiative struct {
	ID         int64
	Status     string
	Title      string
	Objectives string
	Annex      string
	Treaty     string // relevant Treaty provisions
	Website    string
	Categories []string
	Language   string // the language of the original text
	// Representative and Substitute are portal user ids ("" for none).
	Representative, Substitute string
	CreatedAt, UpdatedAt       time.Time
	SubmittedAt                time.Time
	DecidedAt                  time.Time
	DecidedBy                  string // the reviewer's user id
	DecisionReasons            string
	Registration               string // ECI(YYYY)NNNNNN once registered
	CollectionStart            string // YYYY-MM-DD, "" until chosen
	// ChangesRequestedAt is when the Commission asked for changes to the
	// submitted request (zero: never), which extends the decision's
	// deadline to four months; ChangesRequested says what.
	ChangesRequestedAt time.Time
	ChangesRequested   string
}

// Editable reports whether the initiative may still change (a draft).
func (in *Initiative) Editable() bool { return in.Status == StatusDraft }

// Change is one entry of an initiative's history: who changed what, when,
// with the old and new values as JSON.
type Change struct {
	ID       int64
	At       time.Time
	UserID   string
	Field    string
	Old, New string // JSON
}

// Member is a member of the group of organisers, invited by e-mail and
// linked to a portal user once they accept.
type Member struct {
	ID           int64
	InitiativeID int64
	Name, Email  string // as invited
	TokenHash    string // SHA-256 (hex) of the invitation token; "" for the creator
	Status       string // MemberInvited or MemberAccepted
	InvitedAt    time.Time
	AcceptedAt   time.Time
	UserID       string
	MemberDetails
}

// MemberDetails are what a member confirms about themselves.
type MemberDetails struct {
	FullName    string
	Nationality string // Member State code
	Residence   string // country code
	BirthDate   string // YYYY-MM-DD
	MEP         bool
	ConsentAt   time.Time // zero until the member consents
}

// Funding is a source of support and funding of an initiative.
type Funding struct {
	ID           int64
	InitiativeID int64
	Sponsor      string
	AmountCents  int64
	Received     string // YYYY-MM-DD
	UpdatedAt    time.Time
}

// Document is the draft legal act of an initiative.
type Document struct {
	InitiativeID int64
	Name         string
	Size         int64
	SHA256       string
	Content      []byte
	UploadedAt   time.Time
	UploadedBy   string
}

// record appends a change to the initiative's history, its values as JSON,
// in the transaction that makes the change.
func record(ctx context.Context, x *sqldb.Tx, id int64, at time.Time, userID, field string, old, new any) error {
	o, err := json.Marshal(old)
	if err != nil {
		return err
	}
	n, err := json.Marshal(new)
	if err != nil {
		return err
	}
	_, err = x.Exec(ctx, `INSERT INTO eci_history (initiative_id, at, user_id, field, old_value, new_value) VALUES (?, ?, ?, ?, ?, ?)`,
		id, sqldb.Millis(at), userID, field, string(o), string(n))
	return err
}

// inTx runs fn in a transaction, committing when it returns nil. what
// names the operation in errors, except ErrConflict and ErrNotFound, which
// callers compare.
func (db *DB) inTx(ctx context.Context, what string, fn func(x *sqldb.Tx) error) error {
	err := db.sql.InTx(ctx, fn)
	if err == nil || errors.Is(err, ErrConflict) || errors.Is(err, ErrNotFound) {
		return err
	}
	return fmt.Errorf("ecistore: %s: %w", what, err)
}

const initiativeColumns = `id, status, title, objectives, annex, treaty, website, categories, language, representative, substitute,
created_at, updated_at, submitted_at, decided_at, decided_by, decision_reasons, COALESCE(registration, ''), collection_start,
changes_requested_at, changes_requested`

type scanner interface{ Scan(...any) error }

func scanInitiative(s scanner) (*Initiative, error) {
	var in Initiative
	var cats string
	var c, u, sub, dec, chg int64
	err := s.Scan(&in.ID, &in.Status, &in.Title, &in.Objectives, &in.Annex, &in.Treaty, &in.Website, &cats, &in.Language,
		&in.Representative, &in.Substitute, &c, &u, &sub, &dec, &in.DecidedBy, &in.DecisionReasons, &in.Registration, &in.CollectionStart,
		&chg, &in.ChangesRequested)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if cats != "" {
		in.Categories = strings.Split(cats, ",")
	}
	in.CreatedAt, in.UpdatedAt, in.SubmittedAt, in.DecidedAt, in.ChangesRequestedAt = sqldb.FromMillis(c), sqldb.FromMillis(u), sqldb.FromMillis(sub), sqldb.FromMillis(dec), sqldb.FromMillis(chg)
	return &in, nil
}

// CreateInitiative stores a new draft in, created by creator (who becomes
// its representative and its first member, with the name and e-mail given),
// records the creation in its history and sets in.ID.
func (db *DB) CreateInitiative(ctx context.Context, in *Initiative, creator *User, at time.Time) error {
	in.Status, in.Representative, in.CreatedAt, in.UpdatedAt = StatusDraft, creator.ID, at, at
	return db.inTx(ctx, "create initiative", func(x *sqldb.Tx) error {
		err := x.QueryRow(ctx, `INSERT INTO eci_initiatives (status, title, objectives, annex, treaty, website, categories, language, representative, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			in.Status, in.Title, in.Objectives, in.Annex, in.Treaty, in.Website, strings.Join(in.Categories, ","), in.Language, in.Representative, sqldb.Millis(at), sqldb.Millis(at)).Scan(&in.ID)
		if err != nil {
			return err
		}
		name := strings.TrimSpace(creator.FirstName + " " + creator.LastName)
		if _, err := x.Exec(ctx, `INSERT INTO eci_members (initiative_id, name, email, status, invited_at, accepted_at, user_id) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			in.ID, name, creator.Email, MemberAccepted, sqldb.Millis(at), sqldb.Millis(at), creator.ID); err != nil {
			return err
		}
		return record(ctx, x, in.ID, at, creator.ID, "created", nil, in.Title)
	})
}

// Initiative returns the initiative with id.
func (db *DB) Initiative(ctx context.Context, id int64) (*Initiative, error) {
	in, err := scanInitiative(db.sql.QueryRow(ctx, `SELECT `+initiativeColumns+` FROM eci_initiatives WHERE id = ?`, id))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("ecistore: initiative: %w", err)
	}
	return in, err
}

func (db *DB) initiatives(ctx context.Context, q string, args ...any) ([]Initiative, error) {
	rows, err := db.sql.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("ecistore: initiatives: %w", err)
	}
	defer rows.Close()
	var out []Initiative
	for rows.Next() {
		in, err := scanInitiative(rows)
		if err != nil {
			return nil, fmt.Errorf("ecistore: initiatives: %w", err)
		}
		out = append(out, *in)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ecistore: initiatives: %w", err)
	}
	return out, nil
}

// InitiativesOf returns the initiatives of which the user is a member
// (accepted), newest first.
func (db *DB) InitiativesOf(ctx context.Context, userID string) ([]Initiative, error) {
	return db.initiatives(ctx, `SELECT `+initiativeColumns+` FROM eci_initiatives WHERE id IN
(SELECT initiative_id FROM eci_members WHERE user_id = ? AND status = 'accepted') ORDER BY created_at DESC, id DESC`, userID)
}

// InitiativesWithStatus returns the initiatives with one of the statuses,
// the oldest submission first (the reviewers' queue).
func (db *DB) InitiativesWithStatus(ctx context.Context, statuses ...string) ([]Initiative, error) {
	if len(statuses) == 0 {
		return nil, nil
	}
	args := make([]any, len(statuses))
	for i, s := range statuses {
		args[i] = s
	}
	return db.initiatives(ctx, `SELECT `+initiativeColumns+` FROM eci_initiatives WHERE status IN (?`+strings.Repeat(", ?", len(statuses)-1)+`) ORDER BY submitted_at, id`, args...)
}

// UpdateDraft saves the text fields of a draft (title, objectives, annex,
// treaty, website, categories, language) from in, and records each changed
// field in the history. ErrConflict when the initiative is not a draft.
func (db *DB) UpdateDraft(ctx context.Context, in *Initiative, userID string, at time.Time) error {
	return db.inTx(ctx, "update draft", func(x *sqldb.Tx) error {
		old, err := scanInitiative(x.QueryRow(ctx, `SELECT `+initiativeColumns+` FROM eci_initiatives WHERE id = ?`, in.ID))
		if err != nil {
			return err
		}
		if old.Status != StatusDraft {
			return ErrConflict
		}
		changed := false
		for _, f := range []struct {
			name     string
			old, new any
		}{
			{"title", old.Title, in.Title}, {"objectives", old.Objectives, in.Objectives}, {"annex", old.Annex, in.Annex},
			{"treaty", old.Treaty, in.Treaty}, {"website", old.Website, in.Website},
			{"categories", strings.Join(old.Categories, ","), strings.Join(in.Categories, ",")}, {"language", old.Language, in.Language},
		} {
			if f.old == f.new {
				continue
			}
			changed = true
			if err := record(ctx, x, in.ID, at, userID, f.name, f.old, f.new); err != nil {
				return err
			}
		}
		if !changed {
			return nil
		}
		res, err := x.Exec(ctx, `UPDATE eci_initiatives SET title = ?, objectives = ?, annex = ?, treaty = ?, website = ?, categories = ?, language = ?, updated_at = ?
WHERE id = ? AND status = 'DRAFT'`, in.Title, in.Objectives, in.Annex, in.Treaty, in.Website, strings.Join(in.Categories, ","), in.Language, sqldb.Millis(at), in.ID)
		return oneRow(res, err)
	})
}

// oneRow turns an update that touched no row into ErrConflict.
func oneRow(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n != 1 {
		return ErrConflict
	}
	return nil
}

// SetContacts designates the representative and the substitute (portal
// user ids, "" for none) of a draft, recording the change.
func (db *DB) SetContacts(ctx context.Context, id int64, representative, substitute, userID string, at time.Time) error {
	return db.inTx(ctx, "set contacts", func(x *sqldb.Tx) error {
		var rep, sub string
		if err := x.QueryRow(ctx, `SELECT representative, substitute FROM eci_initiatives WHERE id = ? AND status = 'DRAFT'`, id).Scan(&rep, &sub); errors.Is(err, sql.ErrNoRows) {
			return ErrConflict
		} else if err != nil {
			return err
		}
		if rep != representative {
			if err := record(ctx, x, id, at, userID, "representative", rep, representative); err != nil {
				return err
			}
		}
		if sub != substitute {
			if err := record(ctx, x, id, at, userID, "substitute", sub, substitute); err != nil {
				return err
			}
		}
		res, err := x.Exec(ctx, `UPDATE eci_initiatives SET representative = ?, substitute = ?, updated_at = ? WHERE id = ? AND status = 'DRAFT'`, representative, substitute, sqldb.Millis(at), id)
		return oneRow(res, err)
	})
}

// HandOver gives the representative's rights to the substitute: the
// substitute (to) becomes the representative and the representative (from)
// the substitute, so that the group keeps its two contact persons. It
// records both changes. ErrConflict unless from is the representative and to
// the substitute, both still accepted members, and the initiative is a draft
// or registered (a submitted or refused request is frozen).
func (db *DB) HandOver(ctx context.Context, id int64, from, to string, at time.Time) error {
	return db.inTx(ctx, "hand over", func(x *sqldb.Tx) error {
		var n int
		if err := x.QueryRow(ctx, `SELECT COUNT(*) FROM eci_members WHERE initiative_id = ? AND status = 'accepted' AND user_id IN (?, ?)`, id, from, to).Scan(&n); err != nil {
			return err
		}
		if n != 2 || from == "" || to == "" || from == to {
			return ErrConflict
		}
		res, err := x.Exec(ctx, `UPDATE eci_initiatives SET representative = ?, substitute = ?, updated_at = ?
WHERE id = ? AND representative = ? AND substitute = ? AND status IN ('DRAFT', 'REGISTERED', 'PARTIALLY_REGISTERED')`, to, from, sqldb.Millis(at), id, from, to)
		if err := oneRow(res, err); err != nil {
			return err
		}
		if err := record(ctx, x, id, at, from, "representative", from, to); err != nil {
			return err
		}
		return record(ctx, x, id, at, from, "substitute", to, from)
	})
}

// RequestChanges records that the Commission asks for changes to a
// submitted initiative (what, in words), which extends the decision's
// deadline; it can be done once. ErrConflict when the initiative is not
// submitted or changes were already requested.
func (db *DB) RequestChanges(ctx context.Context, id int64, what, reviewerID string, at time.Time) error {
	return db.inTx(ctx, "request changes", func(x *sqldb.Tx) error {
		res, err := x.Exec(ctx, `UPDATE eci_initiatives SET changes_requested_at = ?, changes_requested = ?, updated_at = ?
WHERE id = ? AND status = 'SUBMITTED' AND changes_requested_at = 0`, sqldb.Millis(at), what, sqldb.Millis(at), id)
		if err := oneRow(res, err); err != nil {
			return err
		}
		return record(ctx, x, id, at, reviewerID, "changes_requested", nil, what)
	})
}

// Submit turns a draft into a registration request: status SUBMITTED, no
// longer editable. ErrConflict when it is not a draft.
func (db *DB) Submit(ctx context.Context, id int64, userID string, at time.Time) error {
	return db.inTx(ctx, "submit", func(x *sqldb.Tx) error {
		res, err := x.Exec(ctx, `UPDATE eci_initiatives SET status = 'SUBMITTED', submitted_at = ?, updated_at = ? WHERE id = ? AND status = 'DRAFT'`, sqldb.Millis(at), sqldb.Millis(at), id)
		if err := oneRow(res, err); err != nil {
			return err
		}
		return record(ctx, x, id, at, userID, "status", StatusDraft, StatusSubmitted)
	})
}

// Decide records the Commission's decision on a submitted initiative:
// StatusRegistered or StatusPartiallyRegistered (a registration number
// ECI(year)NNNNNN is allocated, sequentially per year of the decision) or
// StatusRefused, with the reasons. It returns the registration number
// ("" when refused). ErrConflict when the initiative is not submitted.
func (db *DB) Decide(ctx context.Context, id int64, status, reasons, reviewerID string, at time.Time) (string, error) {
	if status != StatusRegistered && status != StatusPartiallyRegistered && status != StatusRefused {
		return "", fmt.Errorf("ecistore: decide: %q is not a decision", status)
	}
	var number string
	err := db.inTx(ctx, "decide", func(x *sqldb.Tx) error {
		var cur string
		if err := x.QueryRow(ctx, `SELECT status FROM eci_initiatives WHERE id = ?`, id).Scan(&cur); errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		if cur != StatusSubmitted {
			return ErrConflict
		}
		var reg any // NULL unless registered
		if status != StatusRefused {
			year := at.UTC().Year()
			var seq int
			if err := x.QueryRow(ctx, `INSERT INTO eci_registration_seq (year, last) VALUES (?, 1)
ON CONFLICT (year) DO UPDATE SET last = eci_registration_seq.last + 1 RETURNING last`, year).Scan(&seq); err != nil {
				return err
			}
			number = fmt.Sprintf("ECI(%04d)%06d", year, seq)
			reg = number
		}
		res, err := x.Exec(ctx, `UPDATE eci_initiatives SET status = ?, decided_at = ?, decided_by = ?, decision_reasons = ?, registration = ?, updated_at = ?
WHERE id = ? AND status = 'SUBMITTED'`, status, sqldb.Millis(at), reviewerID, reasons, reg, sqldb.Millis(at), id)
		if err := oneRow(res, err); err != nil {
			return err
		}
		if err := record(ctx, x, id, at, reviewerID, "status", StatusSubmitted, status); err != nil {
			return err
		}
		if number != "" {
			return record(ctx, x, id, at, reviewerID, "registration", nil, number)
		}
		return nil
	})
	return number, err
}

// SetCollectionStart records the start date (YYYY-MM-DD) of the collection
// of a registered initiative. ErrConflict when it is not registered.
func (db *DB) SetCollectionStart(ctx context.Context, id int64, date, userID string, at time.Time) error {
	return db.inTx(ctx, "set collection start", func(x *sqldb.Tx) error {
		var old string
		if err := x.QueryRow(ctx, `SELECT collection_start FROM eci_initiatives WHERE id = ? AND status IN ('REGISTERED', 'PARTIALLY_REGISTERED')`, id).Scan(&old); errors.Is(err, sql.ErrNoRows) {
			return ErrConflict
		} else if err != nil {
			return err
		}
		res, err := x.Exec(ctx, `UPDATE eci_initiatives SET collection_start = ?, updated_at = ? WHERE id = ?`, date, sqldb.Millis(at), id)
		if err := oneRow(res, err); err != nil {
			return err
		}
		return record(ctx, x, id, at, userID, "collection_start", old, date)
	})
}

// History returns the changes of an initiative, oldest first.
func (db *DB) History(ctx context.Context, id int64) ([]Change, error) {
	rows, err := db.sql.Query(ctx, `SELECT id, at, user_id, field, old_value, new_value FROM eci_history WHERE initiative_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("ecistore: history: %w", err)
	}
	defer rows.Close()
	var out []Change
	for rows.Next() {
		var c Change
		var at int64
		if err := rows.Scan(&c.ID, &at, &c.UserID, &c.Field, &c.Old, &c.New); err != nil {
			return nil, fmt.Errorf("ecistore: history: %w", err)
		}
		c.At = sqldb.FromMillis(at)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ecistore: history: %w", err)
	}
	return out, nil
}
