// Package ecistoretest is the conformance suite of package ecistore: the
// same tests run on SQLite always and on PostgreSQL when
// EULOGIN_TEST_POSTGRES names a database. It also opens fresh portal
// databases for the tests of other packages.
package ecistoretest

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"eulogin/internal/audit"
	"eulogin/internal/eci/ecistore"
	"eulogin/internal/sqldb/sqldbtest"
)

// t0 is the reference time of the suite: UTC, whole milliseconds (the
// precision of the store).
var t0 = time.Date(2026, time.March, 14, 9, 26, 53, 589_000_000, time.UTC)

// Engine names a database engine and opens a fresh, migrated portal
// database on it, closed when the test ends.
type Engine struct {
	Name string
	Open func(t *testing.T) *ecistore.DB
}

// Engines returns SQLite and PostgreSQL. Opening PostgreSQL skips the test
// without EULOGIN_TEST_POSTGRES (fails under EULOGIN_REQUIRE_ALL=1).
func Engines() []Engine {
	return []Engine{{"SQLite", OpenSQLite}, {"PostgreSQL", OpenPostgres}}
}

// OpenSQLite returns a migrated portal database in a fresh SQLite file.
func OpenSQLite(t *testing.T) *ecistore.DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "var", "eci.db")
	return open(t, path)
}

// OpenPostgres returns a migrated portal database in a fresh schema of the
// PostgreSQL database named by EULOGIN_TEST_POSTGRES, dropped when the test
// ends.
func OpenPostgres(t *testing.T) *ecistore.DB {
	t.Helper()
	return open(t, sqldbtest.PostgresDSN(t))
}

func open(t *testing.T, dsn string) *ecistore.DB {
	t.Helper()
	db, err := ecistore.Open(t.Context(), dsn)
	if err != nil {
		t.Fatalf("ecistore.Open() = %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close portal database: %v", err)
		}
	})
	return db
}

// Run runs the conformance suite. open returns a fresh, migrated, empty
// database for each subtest.
func Run(t *testing.T, open func(t *testing.T) *ecistore.DB) {
	t.Run("Migrate", func(t *testing.T) { testMigrate(t, open) })
	t.Run("Users", func(t *testing.T) { testUsers(t, open) })
	t.Run("Sessions", func(t *testing.T) { testSessions(t, open) })
	t.Run("SingleLogout", func(t *testing.T) { testSingleLogout(t, open) })
	t.Run("Expiry", func(t *testing.T) { testExpiry(t, open) })
	t.Run("Audit", func(t *testing.T) { testAudit(t, open) })
	t.Run("Unicode", func(t *testing.T) { testUnicode(t, open) })
	t.Run("ConcurrentLogins", func(t *testing.T) { testConcurrentLogins(t, open) })
	t.Run("Initiatives", func(t *testing.T) { testInitiatives(t, open) })
	t.Run("Invitations", func(t *testing.T) { testInvitations(t, open) })
	t.Run("Decisions", func(t *testing.T) { testDecisions(t, open) })
	t.Run("FundingAndDocument", func(t *testing.T) { testFundingAndDocument(t, open) })
	t.Run("Reviewers", func(t *testing.T) { testReviewers(t, open) })
	t.Run("GroupChanges", func(t *testing.T) { testGroupChanges(t, open) })
}

func newUser(id string, at time.Time) *ecistore.User {
	return &ecistore.User{ID: id, Email: id + "@example.org", FirstName: "Ana", LastName: "Popescu", Locale: "ro", LastLogin: at, LastStrength: "PASSWORD_SMS"}
}

func newSession(hash, userID, ticketHash string, at time.Time) *ecistore.Session {
	return &ecistore.Session{Hash: hash, UserID: userID, TicketHash: ticketHash, CreatedAt: at, LastSeenAt: at,
		ExpiresAt: at.Add(12 * time.Hour), Strength: "PASSWORD_SMS", LoginDate: at.Add(-time.Second)}
}

func mustStart(t *testing.T, db *ecistore.DB, u *ecistore.User, s *ecistore.Session, replace string) {
	t.Helper()
	if err := db.StartSession(t.Context(), u, s, replace); err != nil {
		t.Fatalf("StartSession(%q, %q, %q) = %v, want nil", u.ID, s.Hash, replace, err)
	}
}

func mustUser(t *testing.T, db *ecistore.DB, id string) *ecistore.User {
	t.Helper()
	u, err := db.User(t.Context(), id)
	if err != nil {
		t.Fatalf("User(%q) = %v, want nil", id, err)
	}
	return u
}

// wantSession checks whether the session with hash exists.
func wantSession(t *testing.T, db *ecistore.DB, hash string, exists bool) {
	t.Helper()
	_, err := db.Session(t.Context(), hash)
	switch {
	case exists && err != nil:
		t.Errorf("Session(%q) = %v, want it to exist", hash, err)
	case !exists && !errors.Is(err, ecistore.ErrNotFound):
		t.Errorf("Session(%q) = %v, want ErrNotFound", hash, err)
	}
}

func testMigrate(t *testing.T, open func(t *testing.T) *ecistore.DB) {
	db := open(t)
	ctx := t.Context()
	tables := []string{"portal_users", "portal_sessions", "portal_audit", ecistore.MigrationsTable}
	for _, table := range tables {
		var n int
		if err := db.SQL().QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
			t.Errorf("SELECT COUNT(*) FROM %s = %v, want the table to exist", table, err)
		}
	}
	var versions int
	if err := db.SQL().QueryRowContext(ctx, "SELECT COUNT(*) FROM "+ecistore.MigrationsTable).Scan(&versions); err != nil || versions < 1 {
		t.Errorf("recorded migrations = %d, %v, want at least 1", versions, err)
	}
	// The identity provider's tables are not the portal's business.
	for _, table := range []string{"users", "sessions", "schema_migrations"} {
		var n int
		if err := db.SQL().QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table).Scan(&n); err == nil {
			t.Errorf("table %s exists in the portal's database, want none of the IdP's tables", table)
		}
	}
}

// Reopen checks that opening an already migrated database applies
// nothing twice and keeps the data. dsn names the database.
func Reopen(t *testing.T, dsn string) {
	t.Helper()
	ctx := t.Context()
	first := open(t, dsn)
	mustStart(t, first, newUser("u1", t0), newSession("s1", "u1", "t1", t0), "")
	second := open(t, dsn)
	if u := mustUser(t, second, "u1"); u.Email != "u1@example.org" {
		t.Errorf("after reopening, User(u1).Email = %q, want u1@example.org", u.Email)
	}
	var n int
	if err := second.SQL().QueryRowContext(ctx, "SELECT COUNT(*) FROM "+ecistore.MigrationsTable).Scan(&n); err != nil {
		t.Fatal(err)
	}
	var want int
	if err := first.SQL().QueryRowContext(ctx, "SELECT COUNT(*) FROM "+ecistore.MigrationsTable).Scan(&want); err != nil || n != want {
		t.Errorf("migrations recorded after reopening = %d, want %d (%v)", n, want, err)
	}
}

func testUsers(t *testing.T, open func(t *testing.T) *ecistore.DB) {
	db := open(t)
	if _, err := db.User(t.Context(), "nobody"); !errors.Is(err, ecistore.ErrNotFound) {
		t.Errorf("User(nobody) = %v, want ErrNotFound", err)
	}
	u := newUser("u1", t0)
	mustStart(t, db, u, newSession("s1", "u1", "t1", t0), "")
	got := mustUser(t, db, "u1")
	want := *u
	want.FirstSeen = t0
	if !equalUser(*got, want) {
		t.Errorf("User(u1) = %+v, want %+v", *got, want)
	}

	// A later login refreshes everything but first_seen.
	later := t0.Add(48 * time.Hour)
	u2 := &ecistore.User{ID: "u1", Email: "ana.new@example.org", FirstName: "Ana-Maria", LastName: "Ionescu", Locale: "fr", LastLogin: later, LastStrength: "PASSWORD_MOBILE_APP"}
	mustStart(t, db, u2, newSession("s2", "u1", "t2", later), "")
	got = mustUser(t, db, "u1")
	want = *u2
	want.FirstSeen = t0
	if !equalUser(*got, want) {
		t.Errorf("User(u1) after a second login = %+v, want %+v", *got, want)
	}
}

func equalUser(a, b ecistore.User) bool {
	if !a.FirstSeen.Equal(b.FirstSeen) || !a.LastLogin.Equal(b.LastLogin) {
		return false
	}
	a.FirstSeen, a.LastLogin, b.FirstSeen, b.LastLogin = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	return a == b
}

func equalSession(a, b ecistore.Session) bool {
	for _, p := range [][2]*time.Time{{&a.CreatedAt, &b.CreatedAt}, {&a.LastSeenAt, &b.LastSeenAt}, {&a.ExpiresAt, &b.ExpiresAt}, {&a.LoginDate, &b.LoginDate}} {
		if !p[0].Equal(*p[1]) {
			return false
		}
		*p[0], *p[1] = time.Time{}, time.Time{}
	}
	return a == b
}

func testSessions(t *testing.T, open func(t *testing.T) *ecistore.DB) {
	db := open(t)
	ctx := t.Context()
	if _, err := db.Session(ctx, "none"); !errors.Is(err, ecistore.ErrNotFound) {
		t.Errorf("Session(none) = %v, want ErrNotFound", err)
	}
	s1 := newSession("s1", "u1", "t1", t0)
	mustStart(t, db, newUser("u1", t0), s1, "")
	got, err := db.Session(ctx, "s1")
	if err != nil || !equalSession(*got, *s1) {
		t.Errorf("Session(s1) = %+v, %v, want %+v", got, err, *s1)
	}

	later := t0.Add(10 * time.Minute)
	if err := db.TouchSession(ctx, "s1", later); err != nil {
		t.Fatalf("TouchSession() = %v, want nil", err)
	}
	if got, err := db.Session(ctx, "s1"); err != nil || !got.LastSeenAt.Equal(later) {
		t.Errorf("LastSeenAt after TouchSession = %v, %v, want %v", got, err, later)
	}

	// A new login in the same browser replaces its session (a new id).
	mustStart(t, db, newUser("u1", later), newSession("s2", "u1", "t2", later), "s1")
	wantSession(t, db, "s1", false)
	wantSession(t, db, "s2", true)
	// Another browser of the same user keeps its own.
	mustStart(t, db, newUser("u1", later), newSession("s3", "u1", "t3", later), "")
	if n, err := db.CountSessions(ctx, "u1"); err != nil || n != 2 {
		t.Errorf("CountSessions(u1) = %d, %v, want 2", n, err)
	}
	// Replacing a session that is already gone is fine.
	mustStart(t, db, newUser("u1", later), newSession("s4", "u1", "t4", later), "gone")

	if err := db.DeleteSession(ctx, "s2"); err != nil {
		t.Fatalf("DeleteSession(s2) = %v, want nil", err)
	}
	wantSession(t, db, "s2", false)
	wantSession(t, db, "s3", true)
	if err := db.DeleteSession(ctx, "s2"); err != nil {
		t.Errorf("DeleteSession(s2) again = %v, want nil", err)
	}

	// A duplicate session hash is refused and leaves nothing half done.
	err = db.StartSession(ctx, newUser("u2", later), newSession("s3", "u2", "t5", later), "s4")
	if err == nil {
		t.Error("StartSession with an existing session hash = nil, want an error")
	}
	wantSession(t, db, "s4", true)
	if _, err := db.User(ctx, "u2"); !errors.Is(err, ecistore.ErrNotFound) {
		t.Errorf("User(u2) after a failed StartSession = %v, want ErrNotFound (rolled back)", err)
	}
}

func testSingleLogout(t *testing.T, open func(t *testing.T) *ecistore.DB) {
	db := open(t)
	ctx := t.Context()
	mustStart(t, db, newUser("u1", t0), newSession("s1", "u1", "ticket-a", t0), "")
	mustStart(t, db, newUser("u1", t0), newSession("s2", "u1", "ticket-b", t0), "")
	mustStart(t, db, newUser("u2", t0), newSession("s3", "u2", "ticket-c", t0), "")

	users, err := db.DeleteSessionsByTicket(ctx, "ticket-b")
	if err != nil || !slices.Equal(users, []string{"u1"}) {
		t.Errorf("DeleteSessionsByTicket(ticket-b) = %q, %v, want [u1], nil", users, err)
	}
	wantSession(t, db, "s1", true)
	wantSession(t, db, "s2", false)
	wantSession(t, db, "s3", true)

	users, err = db.DeleteSessionsByTicket(ctx, "ticket-b")
	if err != nil || len(users) != 0 {
		t.Errorf("DeleteSessionsByTicket(ticket-b) again = %q, %v, want none, nil", users, err)
	}
	users, err = db.DeleteSessionsByTicket(ctx, "unknown")
	if err != nil || len(users) != 0 {
		t.Errorf("DeleteSessionsByTicket(unknown) = %q, %v, want none, nil", users, err)
	}
}

func testExpiry(t *testing.T, open func(t *testing.T) *ecistore.DB) {
	db := open(t)
	ctx := t.Context()
	const idle = 30 * time.Minute
	now := t0.Add(24 * time.Hour)
	cases := map[string]struct {
		lastSeen, expires time.Time
		kept              bool
	}{
		"live":           {now.Add(-time.Minute), now.Add(time.Hour), true},
		"idle edge":      {now.Add(-idle), now.Add(time.Hour), false},
		"almost idle":    {now.Add(-idle + time.Millisecond), now.Add(time.Hour), true},
		"expired":        {now.Add(-time.Minute), now.Add(-time.Millisecond), false},
		"expires now":    {now.Add(-time.Minute), now, false},
		"expires later":  {now.Add(-time.Minute), now.Add(time.Millisecond), true},
		"idle and older": {now.Add(-48 * time.Hour), now.Add(-24 * time.Hour), false},
	}
	removed := 0
	for name, c := range cases {
		s := newSession(name, "u1", "t-"+name, t0)
		s.LastSeenAt, s.ExpiresAt = c.lastSeen, c.expires
		mustStart(t, db, newUser("u1", t0), s, "")
		if !c.kept {
			removed++
		}
	}
	n, err := db.DeleteExpiredSessions(ctx, now, idle)
	if err != nil || n != int64(removed) {
		t.Errorf("DeleteExpiredSessions() = %d, %v, want %d, nil", n, err, removed)
	}
	for name, c := range cases {
		wantSession(t, db, name, c.kept)
	}
}

func testAudit(t *testing.T, open func(t *testing.T) *ecistore.DB) {
	db := open(t)
	ctx := t.Context()
	firefox := audit.Request{IP: "192.0.2.7", UserAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"}
	events := []audit.Event{
		{UserID: "u1", At: t0, Kind: audit.PortalLogin, Request: firefox, Detail: "PASSWORD_SMS"},
		{UserID: "u2", At: t0.Add(time.Second), Kind: audit.PortalLogin, Request: audit.Request{IP: "2001:db8::1"}, Detail: "PASSWORD"},
		{UserID: "u1", At: t0.Add(2 * time.Second), Kind: audit.PortalLogout, Request: firefox},
		{UserID: "", At: t0.Add(3 * time.Second), Kind: audit.PortalLoginRefused, Detail: "INVALID_STRENGTH"},
		{UserID: "u1", At: t0.Add(2 * time.Second), Kind: audit.PortalSingleLogout, Detail: "same time, later id"},
	}
	var lastID int64
	for i := range events {
		if err := db.AddAudit(ctx, &events[i]); err != nil {
			t.Fatalf("AddAudit(%+v) = %v, want nil", events[i], err)
		}
		if events[i].ID <= lastID {
			t.Errorf("AddAudit ID = %d, want more than %d", events[i].ID, lastID)
		}
		lastID = events[i].ID
	}
	got, err := db.AuditEvents(ctx, "u1", 10)
	if err != nil {
		t.Fatalf("AuditEvents(u1) = %v", err)
	}
	want := []audit.Event{events[4], events[2], events[0]}
	if len(got) != len(want) {
		t.Fatalf("AuditEvents(u1) = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i].ID != want[i].ID || !got[i].At.Equal(want[i].At) || got[i].Kind != want[i].Kind || got[i].Request != want[i].Request || got[i].Detail != want[i].Detail || got[i].UserID != "u1" {
			t.Errorf("AuditEvents(u1)[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
	if got, err := db.AuditEvents(ctx, "u1", 1); err != nil || len(got) != 1 || got[0].ID != events[4].ID {
		t.Errorf("AuditEvents(u1, 1) = %+v, %v, want the newest only", got, err)
	}
	if got, err := db.AuditEvents(ctx, "", 10); err != nil || len(got) != 1 || got[0].Kind != audit.PortalLoginRefused {
		t.Errorf("AuditEvents(\"\") = %+v, %v, want the refused login", got, err)
	}
}

func testUnicode(t *testing.T, open func(t *testing.T) *ecistore.DB) {
	db := open(t)
	ctx := t.Context()
	for i, s := range []string{
		"Ķēniņš", "Ștefan Țăranu", "Δημήτρης", "<b>&amp;</b>", "O'Brien \"q\" \\ ?", "日本語 😀 مرحبا", " spaces ",
	} {
		id := fmt.Sprintf("id-%d-%s", i, s)
		u := &ecistore.User{ID: id, Email: s + "@bücher.example", FirstName: s, LastName: s + s, Locale: "lv", LastLogin: t0, LastStrength: s}
		mustStart(t, db, u, newSession("h-"+s, id, "t-"+s, t0), "")
		got := mustUser(t, db, id)
		u.FirstSeen = t0
		if !equalUser(*got, *u) {
			t.Errorf("User(%q) = %+v, want %+v", id, *got, *u)
		}
		e := &audit.Event{UserID: id, At: t0, Kind: audit.PortalLogin, Request: audit.Request{UserAgent: s}, Detail: s}
		if err := db.AddAudit(ctx, e); err != nil {
			t.Fatalf("AddAudit() = %v", err)
		}
		if evs, err := db.AuditEvents(ctx, id, 1); err != nil || len(evs) != 1 || evs[0].Detail != s || evs[0].UserAgent != s {
			t.Errorf("AuditEvents(%q) = %+v, %v, want Detail and UserAgent %q", id, evs, err, s)
		}
		if users, err := db.DeleteSessionsByTicket(ctx, "t-"+s); err != nil || !slices.Equal(users, []string{id}) {
			t.Errorf("DeleteSessionsByTicket(%q) = %q, %v, want [%q]", "t-"+s, users, err, id)
		}
	}
}

// testConcurrentLogins: the first logins of one user in many browsers at
// once all succeed (the user row is created once and refreshed).
func testConcurrentLogins(t *testing.T, open func(t *testing.T) *ecistore.DB) {
	db := open(t)
	const workers = 20
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, workers)
	for i := range workers {
		wg.Go(func() {
			<-start
			at := t0.Add(time.Duration(i) * time.Millisecond)
			errs[i] = db.StartSession(context.WithoutCancel(t.Context()), newUser("u1", at), newSession(fmt.Sprintf("s%d", i), "u1", fmt.Sprintf("t%d", i), at), "")
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("StartSession #%d = %v, want nil", i, err)
		}
	}
	if n, err := db.CountSessions(t.Context(), "u1"); err != nil || n != workers {
		t.Errorf("CountSessions(u1) = %d, %v, want %d", n, err, workers)
	}
	if u := mustUser(t, db, "u1"); u.FirstSeen.Before(t0) || !u.FirstSeen.Before(t0.Add(workers*time.Millisecond)) {
		t.Errorf("FirstSeen = %v, want one of the logins' times", u.FirstSeen)
	}
}
