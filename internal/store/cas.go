package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"eulogin/internal/sqldb"
)

// Service is an application registered with the CAS server: only URLs that
// match one of its patterns receive tickets.
type Service struct {
	ID         string            // short slug, e.g. "eci"
	Name       string            // default display name
	Names      map[string]string // display name per language (may be empty)
	Patterns   []string          // URL patterns: exact URLs, or prefixes ending in '*'
	Strengths  []string          // accepted strengths; empty = any
	Attributes []string          // attributes it may receive; empty = all
	SLO        bool              // receives single logout requests
	Proxy      bool              // may obtain proxy-granting tickets
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

const serviceCols = `id, name, names, patterns, strengths, attributes, slo, proxy, created_at, updated_at`

func scanService(row interface{ Scan(...any) error }) (*Service, error) {
	var s Service
	var names, patterns, strengths, attributes string
	var created, updated int64
	err := row.Scan(&s.ID, &s.Name, &names, &patterns, &strengths, &attributes, &s.SLO, &s.Proxy, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: scan service: %w", err)
	}
	if err := json.Unmarshal([]byte(names), &s.Names); err != nil {
		return nil, fmt.Errorf("store: service %q: names: %w", s.ID, err)
	}
	if err := json.Unmarshal([]byte(patterns), &s.Patterns); err != nil {
		return nil, fmt.Errorf("store: service %q: patterns: %w", s.ID, err)
	}
	s.Strengths, s.Attributes = splitList(strengths), splitList(attributes)
	s.CreatedAt, s.UpdatedAt = sqldb.FromMillis(created), sqldb.FromMillis(updated)
	return &s, nil
}

// splitList splits a comma list, dropping empty items; "" gives nil.
func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// PutService inserts s or, when its id exists, replaces everything but the
// creation time. s.CreatedAt is the time of the call (and UpdatedAt too).
func (db *DB) PutService(ctx context.Context, s *Service) error {
	names := s.Names
	if names == nil {
		names = map[string]string{}
	}
	patterns := s.Patterns
	if patterns == nil {
		patterns = []string{}
	}
	n, err := json.Marshal(names)
	if err != nil {
		return fmt.Errorf("store: put service: %w", err)
	}
	p, err := json.Marshal(patterns)
	if err != nil {
		return fmt.Errorf("store: put service: %w", err)
	}
	_, err = db.sql.Exec(ctx, `INSERT INTO services (`+serviceCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, names = excluded.names, patterns = excluded.patterns,
		strengths = excluded.strengths, attributes = excluded.attributes, slo = excluded.slo, proxy = excluded.proxy,
		updated_at = excluded.updated_at`,
		s.ID, s.Name, string(n), string(p), strings.Join(s.Strengths, ","), strings.Join(s.Attributes, ","), s.SLO, s.Proxy, sqldb.Millis(s.CreatedAt), sqldb.Millis(s.UpdatedAt))
	if err != nil {
		return fmt.Errorf("store: put service %q: %w", s.ID, err)
	}
	return nil
}

// Service returns the registered service with id.
func (db *DB) Service(ctx context.Context, id string) (*Service, error) {
	return scanService(db.sql.QueryRow(ctx, `SELECT `+serviceCols+` FROM services WHERE id = ?`, id))
}

// Services returns every registered service, ordered by id.
func (db *DB) Services(ctx context.Context) ([]Service, error) {
	rows, err := db.sql.Query(ctx, `SELECT `+serviceCols+` FROM services ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: services: %w", err)
	}
	defer rows.Close()
	var out []Service
	for rows.Next() {
		s, err := scanService(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: services: %w", err)
	}
	return out, nil
}

// DeleteService removes a service from the registry. Tickets already issued
// for it fail validation from then on.
func (db *DB) DeleteService(ctx context.Context, id string) error {
	return db.updateOne(ctx, `DELETE FROM services WHERE id = ?`, id)
}

// The kinds of CAS tickets kept in the database. (A PGTIOU is never stored:
// it only correlates a validation answer with a proxy callback.)
const (
	TicketService      = "ST"
	TicketProxy        = "PT"
	TicketProxyGranter = "PGT"
)

// Ticket is a CAS ticket. Hash is the SHA-256 of the ticket: the ticket
// itself is never stored.
type Ticket struct {
	Hash        string
	Kind        string // TicketService, TicketProxy or TicketProxyGranter
	ServiceURL  string // the service (or target service) it was issued for; the pgtUrl of a PGT
	ServiceID   string // the registered service ServiceURL matched
	UserID      string
	SessionHash string // the SSO session that issued it ("" for a PT)
	Strength    string // e.g. PASSWORD
	Factors     string // comma list, e.g. PASSWORD
	AuthAt      time.Time
	CreatedAt   time.Time
	ExpiresAt   time.Time
	UsedAt      time.Time // zero while unused
	Renew       bool      // issued at a login with renew=true
	SSO         bool      // issued from an existing session, without credentials
	Proxies     []string  // pgtUrls the authentication went through, most recent first
	PGTHash     string    // the PGT it descends from (PT, and PGT obtained with a PT)
}

const ticketCols = `hash, kind, service_url, service_id, user_id, session_hash, strength, factors, auth_at, created_at, expires_at, used_at, renew, sso, proxies, pgt_hash`

func scanTicket(row interface{ Scan(...any) error }) (*Ticket, error) {
	var t Ticket
	var authAt, created, expires, used int64
	var proxies string
	err := row.Scan(&t.Hash, &t.Kind, &t.ServiceURL, &t.ServiceID, &t.UserID, &t.SessionHash, &t.Strength, &t.Factors,
		&authAt, &created, &expires, &used, &t.Renew, &t.SSO, &proxies, &t.PGTHash)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: scan ticket: %w", err)
	}
	if err := json.Unmarshal([]byte(proxies), &t.Proxies); err != nil {
		return nil, fmt.Errorf("store: ticket proxies: %w", err)
	}
	if len(t.Proxies) == 0 {
		t.Proxies = nil
	}
	t.AuthAt, t.CreatedAt, t.ExpiresAt, t.UsedAt = sqldb.FromMillis(authAt), sqldb.FromMillis(created), sqldb.FromMillis(expires), sqldb.FromMillis(used)
	return &t, nil
}

// SessionService records that an SSO session entered a service, for single
// logout. Ticket holds the service ticket once it has been validated (and is
// therefore spent): single logout names it as the SessionIndex.
type SessionService struct {
	TicketHash  string
	SessionHash string
	ServiceURL  string
	ServiceID   string
	UserID      string
	Ticket      string // "" until the ticket was validated
	CreatedAt   time.Time
}

// CreateTicket stores a new ticket and, when ss is not nil, the session's
// entry into the service, in one transaction.
func (db *DB) CreateTicket(ctx context.Context, t *Ticket, ss *SessionService) error {
	proxies := t.Proxies
	if proxies == nil {
		proxies = []string{}
	}
	p, err := json.Marshal(proxies)
	if err != nil {
		return fmt.Errorf("store: create ticket: %w", err)
	}
	return db.sql.InTx(ctx, func(tx *sqldb.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO cas_tickets (`+ticketCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			t.Hash, t.Kind, t.ServiceURL, t.ServiceID, t.UserID, t.SessionHash, t.Strength, t.Factors,
			sqldb.Millis(t.AuthAt), sqldb.Millis(t.CreatedAt), sqldb.Millis(t.ExpiresAt), sqldb.Millis(t.UsedAt), t.Renew, t.SSO, string(p), t.PGTHash); err != nil {
			return fmt.Errorf("store: create ticket: %w", err)
		}
		if ss == nil {
			return nil
		}
		if _, err := tx.Exec(ctx, `INSERT INTO session_services (ticket_hash, session_hash, service_url, service_id, user_id, ticket, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			ss.TicketHash, ss.SessionHash, ss.ServiceURL, ss.ServiceID, ss.UserID, ss.Ticket, sqldb.Millis(ss.CreatedAt)); err != nil {
			return fmt.Errorf("store: record session service: %w", err)
		}
		return nil
	})
}

// UseTicket spends a service or proxy ticket: it marks the ticket used at now
// and returns it, in one statement, only when it was unused. Every later call
// gets ErrNotFound, as does an unknown hash or a proxy-granting ticket (which
// is not single-use). Expiry is the caller's to check: an expired ticket is
// spent all the same.
func (db *DB) UseTicket(ctx context.Context, hash string, now time.Time) (*Ticket, error) {
	return scanTicket(db.sql.QueryRow(ctx, `UPDATE cas_tickets SET used_at = ?
		WHERE hash = ? AND used_at = 0 AND kind IN ('ST', 'PT')
		RETURNING `+ticketCols, sqldb.Millis(now), hash))
}

// TicketByHash returns a ticket whatever its state; callers check expiry and
// use.
func (db *DB) TicketByHash(ctx context.Context, hash string) (*Ticket, error) {
	return scanTicket(db.sql.QueryRow(ctx, `SELECT `+ticketCols+` FROM cas_tickets WHERE hash = ?`, hash))
}

// DeleteTicket removes a ticket (a proxy-granting ticket whose callback
// failed).
func (db *DB) DeleteTicket(ctx context.Context, hash string) error {
	_, err := db.sql.Exec(ctx, `DELETE FROM cas_tickets WHERE hash = ?`, hash)
	return err
}

// DeleteSessionTickets removes every ticket issued in an SSO session: its
// unvalidated service tickets and its proxy-granting tickets (including
// those obtained through proxy tickets, which carry the same session).
func (db *DB) DeleteSessionTickets(ctx context.Context, sessionHash string) error {
	if sessionHash == "" {
		return nil
	}
	_, err := db.sql.Exec(ctx, `DELETE FROM cas_tickets WHERE session_hash = ?`, sessionHash)
	return err
}

// MoveSessionCAS gives the tickets and the entered services of an SSO
// session to its successor, when a new authentication of the same user
// replaces the session (a new id after every factor).
func (db *DB) MoveSessionCAS(ctx context.Context, from, to string) error {
	if from == "" || from == to {
		return nil
	}
	return db.sql.InTx(ctx, func(tx *sqldb.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE cas_tickets SET session_hash = ? WHERE session_hash = ?`, to, from); err != nil {
			return fmt.Errorf("store: move session tickets: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE session_services SET session_hash = ? WHERE session_hash = ?`, to, from); err != nil {
			return fmt.Errorf("store: move session services: %w", err)
		}
		return nil
	})
}

// SetSessionServiceTicket keeps the (now spent) service ticket of a session
// entry, once its validation succeeded. ErrNotFound when there is no entry
// (a ticket issued outside an SSO session).
func (db *DB) SetSessionServiceTicket(ctx context.Context, ticketHash, ticket string) error {
	return db.updateOne(ctx, `UPDATE session_services SET ticket = ? WHERE ticket_hash = ?`, ticket, ticketHash)
}

// TakeSessionServices returns the services an SSO session entered and
// deletes them, in one statement: of two concurrent logouts only one gets
// them, so single logout is sent once. Rows come oldest first.
func (db *DB) TakeSessionServices(ctx context.Context, sessionHash string) ([]SessionService, error) {
	rows, err := db.sql.Query(ctx, `DELETE FROM session_services WHERE session_hash = ?
		RETURNING ticket_hash, session_hash, service_url, service_id, user_id, ticket, created_at`, sessionHash)
	if err != nil {
		return nil, fmt.Errorf("store: take session services: %w", err)
	}
	defer rows.Close()
	var out []SessionService
	for rows.Next() {
		var s SessionService
		var created int64
		if err := rows.Scan(&s.TicketHash, &s.SessionHash, &s.ServiceURL, &s.ServiceID, &s.UserID, &s.Ticket, &created); err != nil {
			return nil, fmt.Errorf("store: take session services: %w", err)
		}
		s.CreatedAt = sqldb.FromMillis(created)
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: take session services: %w", err)
	}
	// RETURNING has no ORDER BY.
	slices.SortFunc(out, func(a, b SessionService) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.TicketHash, b.TicketHash)
	})
	return out, nil
}

// SessionServices returns the services an SSO session entered, oldest
// first, without taking them.
func (db *DB) SessionServices(ctx context.Context, sessionHash string) ([]SessionService, error) {
	rows, err := db.sql.Query(ctx, `SELECT ticket_hash, session_hash, service_url, service_id, user_id, ticket, created_at
		FROM session_services WHERE session_hash = ? ORDER BY created_at, ticket_hash`, sessionHash)
	if err != nil {
		return nil, fmt.Errorf("store: session services: %w", err)
	}
	defer rows.Close()
	var out []SessionService
	for rows.Next() {
		var s SessionService
		var created int64
		if err := rows.Scan(&s.TicketHash, &s.SessionHash, &s.ServiceURL, &s.ServiceID, &s.UserID, &s.Ticket, &created); err != nil {
			return nil, fmt.Errorf("store: session services: %w", err)
		}
		s.CreatedAt = sqldb.FromMillis(created)
		out = append(out, s)
	}
	return out, rows.Err()
}
