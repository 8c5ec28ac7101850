// Package storetest is the conformance suite of package store: the same
// tests run on every engine (SQLite always, PostgreSQL when
// EULOGIN_TEST_POSTGRES names a database), and the helpers that open a fresh
// store for tests of other packages.
package storetest

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"eulogin/internal/audit"
	"eulogin/internal/sqldb/sqldbtest"
	"eulogin/internal/store"
)

// t0 is the reference time of the suite: UTC, whole milliseconds (the
// precision of the store).
var t0 = time.Date(2025, time.March, 14, 9, 26, 53, 589_000_000, time.UTC)

// Run runs the conformance suite. open returns a fresh, migrated, empty store
// for each subtest and closes it at the test's cleanup.
func Run(t *testing.T, open func(t *testing.T) *store.DB) {
	t.Run("Migrate", func(t *testing.T) { testMigrate(t, open) })
	t.Run("Users", func(t *testing.T) { testUsers(t, open) })
	t.Run("DeleteUser", func(t *testing.T) { testDeleteUser(t, open) })
	t.Run("DeleteUserLookalikes", func(t *testing.T) { testDeleteUserLookalikes(t, open) })
	t.Run("EmailTokens", func(t *testing.T) { testEmailTokens(t, open) })
	t.Run("Sessions", func(t *testing.T) { testSessions(t, open) })
	t.Run("Flows", func(t *testing.T) { testFlows(t, open) })
	t.Run("Attempts", func(t *testing.T) { testAttempts(t, open) })
	t.Run("KnownBrowsers", func(t *testing.T) { testKnownBrowsers(t, open) })
	t.Run("TOTP", func(t *testing.T) { testTOTP(t, open) })
	t.Run("RecoveryCodes", func(t *testing.T) { testRecoveryCodes(t, open) })
	t.Run("AuditEvents", func(t *testing.T) { testAuditEvents(t, open) })
	t.Run("Outbox", func(t *testing.T) { testOutbox(t, open) })
	t.Run("SpendOnce", func(t *testing.T) { testSpendOnce(t, open) })
	t.Run("Settings", func(t *testing.T) { testSettings(t, open) })
	t.Run("Sweep", func(t *testing.T) { testSweep(t, open) })
	t.Run("Unicode", func(t *testing.T) { testUnicode(t, open) })
	t.Run("Concurrency", func(t *testing.T) { testConcurrency(t, open) })
	t.Run("CAS", func(t *testing.T) { runCAS(t, open) })
}

// Engine is a database engine tests run on, with its opener.
type Engine struct {
	Name string
	Open func(*testing.T) *store.DB
}

// Engines are the engines every storage test runs on: SQLite always,
// PostgreSQL when EULOGIN_TEST_POSTGRES is set (its tests skip otherwise).
var Engines = []Engine{{"sqlite", OpenSQLite}, {"postgres", OpenPostgres}}

// OpenSQLite returns a migrated store on a fresh SQLite file in t.TempDir(),
// closed when the test ends.
func OpenSQLite(t *testing.T) *store.DB {
	t.Helper()
	// A sub-folder that does not exist yet: Open creates it.
	path := filepath.Join(t.TempDir(), "var", "eulogin.db")
	db, err := store.Open(t.Context(), path)
	if err != nil {
		t.Fatalf("store.Open(%q): %v", path, err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close SQLite store: %v", err)
		}
	})
	return db
}

// OpenPostgres returns a migrated store in a fresh, uniquely named schema of
// the PostgreSQL database named by EULOGIN_TEST_POSTGRES. The schema is
// dropped when the test ends. Without the variable the test is skipped, or
// fails when EULOGIN_REQUIRE_ALL=1.
func OpenPostgres(t *testing.T) *store.DB {
	t.Helper()
	dsn, schema := sqldbtest.PostgresSchema(t)
	db, err := store.Open(t.Context(), dsn)
	if err != nil {
		t.Fatalf("store.Open(PostgreSQL schema %s): %v", schema, err)
	}
	// Registered after PostgresSchema's cleanup, so it runs before the drop.
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close PostgreSQL store: %v", err)
		}
	})
	// The migrations must have landed in the schema, not in public.
	var n int
	err = db.SQL().QueryRowContext(t.Context(),
		`SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = $1 AND table_name IN ('users', 'schema_migrations')`, schema).Scan(&n)
	if err != nil {
		t.Fatalf("look for the store's tables in schema %s: %v", schema, err)
	}
	if n != 2 {
		t.Fatalf("tables users and schema_migrations in schema %s: found %d, want 2", schema, n)
	}
	return db
}

// PostgresDSN creates a fresh, uniquely named schema in the PostgreSQL
// database named by EULOGIN_TEST_POSTGRES and returns a DSN whose search_path
// is that schema, for tests that hand a --database flag to a whole server. The
// schema is dropped when the test ends. Without the variable the test is
// skipped, or fails when EULOGIN_REQUIRE_ALL=1.
func PostgresDSN(t *testing.T) (dsn string) {
	t.Helper()
	return sqldbtest.PostgresDSN(t)
}

// equalWithTimes reports whether a and b are equal, comparing the time fields
// that times points at with time.Time.Equal and the rest with ==.
func equalWithTimes[T comparable](a, b T, times func(*T) []*time.Time) bool {
	ta, tb := times(&a), times(&b)
	for i := range ta {
		if !ta[i].Equal(*tb[i]) {
			return false
		}
		*ta[i], *tb[i] = time.Time{}, time.Time{}
	}
	return a == b
}

func userTimes(u *store.User) []*time.Time {
	return []*time.Time{&u.PasswordChangedAt, &u.CreatedAt, &u.UpdatedAt}
}

func tokenTimes(e *store.EmailToken) []*time.Time {
	return []*time.Time{&e.CreatedAt, &e.ExpiresAt, &e.UsedAt, &e.SpentAt}
}

func sessionTimes(s *store.Session) []*time.Time {
	return []*time.Time{&s.CreatedAt, &s.LastSeenAt, &s.ExpiresAt, &s.AuthAt}
}

func auditTimes(e *audit.Event) []*time.Time { return []*time.Time{&e.At} }

func outboxTimes(m *store.OutboxItem) []*time.Time { return []*time.Time{&m.At} }

func newUser(id, email string) *store.User {
	return &store.User{
		ID:                id,
		Email:             email,
		FirstName:         "Ada",
		LastName:          "Lovelace",
		EmailLang:         "en",
		PasswordHash:      "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
		PasswordChangedAt: t0.Add(-time.Hour),
		AssuranceLevel:    10,
		RequireMFA:        true,
		WarnSSO:           false,
		CreatedAt:         t0.Add(-2 * time.Hour),
		UpdatedAt:         t0.Add(-time.Hour),
	}
}

func mustCreateUser(t *testing.T, db *store.DB, u *store.User) {
	t.Helper()
	if err := db.CreateUser(t.Context(), u); err != nil {
		t.Fatalf("CreateUser(%q, %q) = %v, want nil", u.ID, u.Email, err)
	}
}

func mustUser(t *testing.T, db *store.DB, id string) *store.User {
	t.Helper()
	u, err := db.UserByID(t.Context(), id)
	if err != nil {
		t.Fatalf("UserByID(%q) = %v, want nil", id, err)
	}
	return u
}

func newToken(hash, userID, purpose string, created time.Time) *store.EmailToken {
	return &store.EmailToken{
		Hash:      hash,
		UserID:    userID,
		Purpose:   purpose,
		Data:      "",
		CreatedAt: created,
		ExpiresAt: created.Add(24 * time.Hour),
	}
}

func mustPutToken(t *testing.T, db *store.DB, tok *store.EmailToken) {
	t.Helper()
	if err := db.PutEmailToken(t.Context(), tok); err != nil {
		t.Fatalf("PutEmailToken(%q) = %v, want nil", tok.Hash, err)
	}
}

func mustToken(t *testing.T, db *store.DB, hash string) *store.EmailToken {
	t.Helper()
	tok, err := db.EmailTokenByHash(t.Context(), hash)
	if err != nil {
		t.Fatalf("EmailTokenByHash(%q) = %v, want nil", hash, err)
	}
	return tok
}

func newSession(hash, userID string) *store.Session {
	return &store.Session{
		Hash:       hash,
		UserID:     userID,
		CreatedAt:  t0,
		LastSeenAt: t0,
		ExpiresAt:  t0.Add(8 * time.Hour),
		AuthAt:     t0,
		Strength:   "PASSWORD",
		Factors:    "PASSWORD,SMS",
		IP:         "192.0.2.7",
		UserAgent:  "Mozilla/5.0 (X11; Linux x86_64)",
	}
}

func mustCreateSession(t *testing.T, db *store.DB, s *store.Session) {
	t.Helper()
	if err := db.CreateSession(t.Context(), s); err != nil {
		t.Fatalf("CreateSession(%q) = %v, want nil", s.Hash, err)
	}
}

func countSessions(t *testing.T, db *store.DB, userID string) int {
	t.Helper()
	n, err := db.CountUserSessions(t.Context(), userID)
	if err != nil {
		t.Fatalf("CountUserSessions(%q) = %v, want nil", userID, err)
	}
	return n
}

func countAttempts(t *testing.T, db *store.DB, key string) int {
	t.Helper()
	n, _, err := db.CountAttempts(t.Context(), key, time.Time{}, 1)
	if err != nil {
		t.Fatalf("CountAttempts(%q) = %v, want nil", key, err)
	}
	return n
}

func auditEvents(t *testing.T, db *store.DB, userID string, limit int) []audit.Event {
	t.Helper()
	evs, err := db.AuditEvents(t.Context(), userID, limit)
	if err != nil {
		t.Fatalf("AuditEvents(%q, %d) = %v, want nil", userID, limit, err)
	}
	return evs
}

func testMigrate(t *testing.T, open func(t *testing.T) *store.DB) {
	db := open(t)
	ctx := t.Context()
	if err := db.Ping(ctx); err != nil {
		t.Fatalf("Ping() = %v, want nil", err)
	}
	if d := db.Dialect(); d != store.SQLite && d != store.Postgres {
		t.Errorf("Dialect() = %q, want %q or %q", d, store.SQLite, store.Postgres)
	}
	countMigrations := func() int {
		t.Helper()
		var n int
		if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil {
			t.Fatalf("count schema_migrations: %v", err)
		}
		return n
	}
	before := countMigrations()
	if before < 1 {
		t.Fatalf("schema_migrations holds %d rows after open, want at least 1", before)
	}
	mustCreateUser(t, db, newUser("u1", "ada@example.org"))
	for i := range 2 {
		if err := db.Migrate(ctx); err != nil {
			t.Fatalf("Migrate() again (#%d) = %v, want nil", i+1, err)
		}
	}
	if got := countMigrations(); got != before {
		t.Errorf("schema_migrations rows after migrating again = %d, want %d", got, before)
	}
	if _, err := db.UserByID(ctx, "u1"); err != nil {
		t.Errorf("UserByID(u1) after migrating again = %v, want nil (data kept)", err)
	}
}

func testUsers(t *testing.T, open func(t *testing.T) *store.DB) {
	t.Run("CreateAndGet", func(t *testing.T) {
		db := open(t)
		want := newUser("u1", "ada@example.org")
		mustCreateUser(t, db, want)
		byID, err := db.UserByID(t.Context(), "u1")
		if err != nil {
			t.Fatalf("UserByID(u1) = %v, want nil", err)
		}
		if !equalWithTimes(*byID, *want, userTimes) {
			t.Errorf("UserByID(u1) = %+v, want %+v", *byID, *want)
		}
		byEmail, err := db.UserByEmail(t.Context(), "ada@example.org")
		if err != nil {
			t.Fatalf("UserByEmail(ada@example.org) = %v, want nil", err)
		}
		if !equalWithTimes(*byEmail, *want, userTimes) {
			t.Errorf("UserByEmail(ada@example.org) = %+v, want %+v", *byEmail, *want)
		}
	})

	t.Run("ZeroTimesAndFlags", func(t *testing.T) {
		db := open(t)
		want := &store.User{ID: "u1", Email: "new@example.org", EmailLang: "fr", AssuranceLevel: 40, WarnSSO: true, CreatedAt: t0, UpdatedAt: t0}
		mustCreateUser(t, db, want)
		got := mustUser(t, db, "u1")
		if !equalWithTimes(*got, *want, userTimes) {
			t.Errorf("UserByID(u1) = %+v, want %+v", *got, *want)
		}
		if !got.PasswordChangedAt.IsZero() {
			t.Errorf("PasswordChangedAt = %v, want the zero time", got.PasswordChangedAt)
		}
	})

	t.Run("Conflict", func(t *testing.T) {
		db := open(t)
		mustCreateUser(t, db, newUser("u1", "ada@example.org"))
		for _, tc := range []struct {
			name      string
			id, email string
		}{
			{"same e-mail", "u2", "ada@example.org"},
			{"same id", "u1", "other@example.org"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				err := db.CreateUser(t.Context(), newUser(tc.id, tc.email))
				if !errors.Is(err, store.ErrConflict) {
					t.Errorf("CreateUser(%q, %q) = %v, want %v", tc.id, tc.email, err, store.ErrConflict)
				}
			})
		}
		// The e-mail is matched exactly: canonicalising is the caller's job.
		if err := db.CreateUser(t.Context(), newUser("u3", "ada@example.org.")); err != nil {
			t.Errorf("CreateUser(u3, ada@example.org.) = %v, want nil", err)
		}
	})

	t.Run("NotFound", func(t *testing.T) {
		db := open(t)
		mustCreateUser(t, db, newUser("u1", "ada@example.org"))
		ctx := t.Context()
		for _, tc := range []struct {
			name string
			call func() error
		}{
			{"UserByID", func() error { _, err := db.UserByID(ctx, "nobody"); return err }},
			{"UserByEmail", func() error { _, err := db.UserByEmail(ctx, "nobody@example.org"); return err }},
			{"UserByEmail other case", func() error { _, err := db.UserByEmail(ctx, "ADA@example.org"); return err }},
			{"UpdateProfile", func() error { return db.UpdateProfile(ctx, "nobody", "A", "B", "en", t0) }},
			{"UpdateOptions", func() error { return db.UpdateOptions(ctx, "nobody", true, true, t0) }},
			{"SetPasswordHash", func() error { return db.SetPasswordHash(ctx, "nobody", "h", t0, true) }},
			{"SetPasswordHash rehash", func() error { return db.SetPasswordHash(ctx, "nobody", "h", t0, false) }},
			{"ChangeEmail", func() error { return db.ChangeEmail(ctx, "nobody", "x@example.org", t0) }},
			{"DeleteUser", func() error { return db.DeleteUser(ctx, "nobody") }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if err := tc.call(); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("%s(unknown) = %v, want %v", tc.name, err, store.ErrNotFound)
				}
			})
		}
	})

	t.Run("UpdateProfile", func(t *testing.T) {
		db := open(t)
		want := newUser("u1", "ada@example.org")
		mustCreateUser(t, db, want)
		now := t0.Add(time.Minute)
		if err := db.UpdateProfile(t.Context(), "u1", "Augusta", "King", "fr", now); err != nil {
			t.Fatalf("UpdateProfile() = %v, want nil", err)
		}
		want.FirstName, want.LastName, want.EmailLang, want.UpdatedAt = "Augusta", "King", "fr", now
		if got := mustUser(t, db, "u1"); !equalWithTimes(*got, *want, userTimes) {
			t.Errorf("after UpdateProfile: got %+v, want %+v", *got, *want)
		}
	})

	t.Run("UpdateOptions", func(t *testing.T) {
		db := open(t)
		want := newUser("u1", "ada@example.org")
		mustCreateUser(t, db, want)
		for i, tc := range []struct{ requireMFA, warnSSO bool }{
			{false, true}, {true, false}, {true, true}, {false, false},
		} {
			now := t0.Add(time.Duration(i+1) * time.Minute)
			if err := db.UpdateOptions(t.Context(), "u1", tc.requireMFA, tc.warnSSO, now); err != nil {
				t.Fatalf("UpdateOptions(%v, %v) = %v, want nil", tc.requireMFA, tc.warnSSO, err)
			}
			want.RequireMFA, want.WarnSSO, want.UpdatedAt = tc.requireMFA, tc.warnSSO, now
			if got := mustUser(t, db, "u1"); !equalWithTimes(*got, *want, userTimes) {
				t.Errorf("after UpdateOptions(%v, %v): got %+v, want %+v", tc.requireMFA, tc.warnSSO, *got, *want)
			}
		}
	})

	t.Run("SetPasswordHash", func(t *testing.T) {
		db := open(t)
		want := newUser("u1", "ada@example.org")
		mustCreateUser(t, db, want)
		// A rehash keeps the change time and the update time.
		if err := db.SetPasswordHash(t.Context(), "u1", "rehashed", t0.Add(time.Minute), false); err != nil {
			t.Fatalf("SetPasswordHash(rehash) = %v, want nil", err)
		}
		want.PasswordHash = "rehashed"
		if got := mustUser(t, db, "u1"); !equalWithTimes(*got, *want, userTimes) {
			t.Errorf("after a rehash: got %+v, want %+v", *got, *want)
		}
		// A change records when.
		now := t0.Add(2 * time.Minute)
		if err := db.SetPasswordHash(t.Context(), "u1", "changed", now, true); err != nil {
			t.Fatalf("SetPasswordHash(change) = %v, want nil", err)
		}
		want.PasswordHash, want.PasswordChangedAt, want.UpdatedAt = "changed", now, now
		if got := mustUser(t, db, "u1"); !equalWithTimes(*got, *want, userTimes) {
			t.Errorf("after a change: got %+v, want %+v", *got, *want)
		}
	})

	t.Run("ChangeEmail", func(t *testing.T) {
		db := open(t)
		ctx := t.Context()
		want := newUser("u1", "ada@example.org")
		mustCreateUser(t, db, want)
		mustCreateUser(t, db, newUser("u2", "bob@example.org"))

		now := t0.Add(time.Minute)
		if err := db.ChangeEmail(ctx, "u1", "augusta@example.org", now); err != nil {
			t.Fatalf("ChangeEmail(u1, augusta@example.org) = %v, want nil", err)
		}
		want.Email, want.UpdatedAt = "augusta@example.org", now
		if got := mustUser(t, db, "u1"); !equalWithTimes(*got, *want, userTimes) {
			t.Errorf("after ChangeEmail: got %+v, want %+v", *got, *want)
		}
		if _, err := db.UserByEmail(ctx, "ada@example.org"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("UserByEmail(old address) = %v, want %v", err, store.ErrNotFound)
		}
		if u, err := db.UserByEmail(ctx, "augusta@example.org"); err != nil || u.ID != "u1" {
			t.Errorf("UserByEmail(new address) = %v, %v, want u1, nil", u, err)
		}
		// The old address is free again.
		mustCreateUser(t, db, newUser("u3", "ada@example.org"))

		if err := db.ChangeEmail(ctx, "u1", "bob@example.org", t0.Add(2*time.Minute)); !errors.Is(err, store.ErrConflict) {
			t.Errorf("ChangeEmail(u1, taken address) = %v, want %v", err, store.ErrConflict)
		}
		if got := mustUser(t, db, "u1"); !equalWithTimes(*got, *want, userTimes) {
			t.Errorf("after a conflicting ChangeEmail: got %+v, want %+v (unchanged)", *got, *want)
		}
		// Setting the address a user already has is no conflict.
		if err := db.ChangeEmail(ctx, "u1", "augusta@example.org", now); err != nil {
			t.Errorf("ChangeEmail(u1, own address) = %v, want nil", err)
		}
	})
}

func testDeleteUser(t *testing.T, open func(t *testing.T) *store.DB) {
	db := open(t)
	ctx := t.Context()
	const id, other = "u1", "u2"
	mustCreateUser(t, db, newUser(id, "ada@example.org"))
	mustCreateUser(t, db, newUser(other, "bob@example.org"))
	for _, uid := range []string{id, other} {
		mustPutToken(t, db, newToken("tok-reset-"+uid, uid, "reset", t0))
		mustPutToken(t, db, newToken("tok-email-"+uid, uid, "email", t0))
		mustCreateSession(t, db, newSession("sess-a-"+uid, uid))
		mustCreateSession(t, db, newSession("sess-b-"+uid, uid))
		for _, typ := range []string{"LOGIN", "PASSWORD_CHANGED"} {
			if err := db.AddAudit(ctx, &audit.Event{UserID: uid, At: t0, Kind: audit.Kind(typ)}); err != nil {
				t.Fatalf("AddAudit(%s, %s) = %v, want nil", uid, typ, err)
			}
		}
	}
	if err := db.AddAudit(ctx, &audit.Event{At: t0, Kind: "UNKNOWN_EMAIL"}); err != nil {
		t.Fatalf("AddAudit(no user) = %v, want nil", err)
	}
	keys := []struct {
		key  string
		kept bool
	}{
		{"login:" + id, false},
		{"sms:" + id, false},
		{"a:b:" + id, false},
		{"login:" + other, true},
		{"login:" + id + "0", true},
		{id, true},
		{id + ":login", true},
		{"ip:192.0.2.7", true},
	}
	for _, k := range keys {
		for i := range 2 {
			if _, err := db.AddAttempt(ctx, k.key, t0.Add(time.Duration(i)*time.Second)); err != nil {
				t.Fatalf("AddAttempt(%q) = %v, want nil", k.key, err)
			}
		}
	}

	if err := db.DeleteUser(ctx, id); err != nil {
		t.Fatalf("DeleteUser(%q) = %v, want nil", id, err)
	}

	t.Run("user", func(t *testing.T) {
		if _, err := db.UserByID(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("UserByID(deleted) = %v, want %v", err, store.ErrNotFound)
		}
		if _, err := db.UserByEmail(ctx, "ada@example.org"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("UserByEmail(deleted) = %v, want %v", err, store.ErrNotFound)
		}
		if err := db.DeleteUser(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("DeleteUser(deleted) = %v, want %v", err, store.ErrNotFound)
		}
		// The address can be registered again.
		mustCreateUser(t, db, newUser("u3", "ada@example.org"))
		if err := db.DeleteUser(ctx, "u3"); err != nil {
			t.Errorf("DeleteUser(u3) = %v, want nil", err)
		}
	})
	t.Run("email tokens", func(t *testing.T) {
		for _, tc := range []struct {
			hash string
			kept bool
		}{
			{"tok-reset-" + id, false}, {"tok-email-" + id, false},
			{"tok-reset-" + other, true}, {"tok-email-" + other, true},
		} {
			_, err := db.EmailTokenByHash(ctx, tc.hash)
			if got := err == nil; got != tc.kept {
				t.Errorf("EmailTokenByHash(%q) = %v, want kept %v", tc.hash, err, tc.kept)
			}
		}
	})
	t.Run("sessions", func(t *testing.T) {
		for _, tc := range []struct {
			userID string
			want   int
		}{{id, 0}, {other, 2}} {
			if got := countSessions(t, db, tc.userID); got != tc.want {
				t.Errorf("CountUserSessions(%q) = %d, want %d", tc.userID, got, tc.want)
			}
		}
		if _, err := db.SessionByHash(ctx, "sess-a-"+id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("SessionByHash(session of deleted user) = %v, want %v", err, store.ErrNotFound)
		}
	})
	t.Run("audit events", func(t *testing.T) {
		for _, tc := range []struct {
			userID string
			want   int
		}{{id, 0}, {other, 2}, {"", 1}} {
			if got := len(auditEvents(t, db, tc.userID, 100)); got != tc.want {
				t.Errorf("len(AuditEvents(%q)) = %d, want %d", tc.userID, got, tc.want)
			}
		}
	})
	t.Run("attempts", func(t *testing.T) {
		for _, k := range keys {
			want := 0
			if k.kept {
				want = 2
			}
			if got := countAttempts(t, db, k.key); got != want {
				t.Errorf("CountAttempts(%q) = %d, want %d", k.key, got, want)
			}
		}
	})
}

// testDeleteUserLookalikes checks that DeleteUser matches the ":"+id suffix
// of attempt keys literally: no LIKE wildcards, no case folding.
func testDeleteUserLookalikes(t *testing.T, open func(t *testing.T) *store.DB) {
	for _, tc := range []struct {
		name  string
		id    string
		other string // an attempt key suffix that must survive
	}{
		{"underscore", "ab_d", "abcd"},
		{"percent", "a%", "abcd"},
		{"upper case", "abcd", "ABCD"},
		{"lower case", "ABCD", "abcd"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := open(t)
			ctx := t.Context()
			mustCreateUser(t, db, newUser(tc.id, "ada@example.org"))
			own, survivor := "login:"+tc.id, "login:"+tc.other
			for _, key := range []string{own, survivor} {
				if _, err := db.AddAttempt(ctx, key, t0); err != nil {
					t.Fatalf("AddAttempt(%q) = %v, want nil", key, err)
				}
			}
			if err := db.DeleteUser(ctx, tc.id); err != nil {
				t.Fatalf("DeleteUser(%q) = %v, want nil", tc.id, err)
			}
			if got := countAttempts(t, db, own); got != 0 {
				t.Errorf("CountAttempts(%q) after DeleteUser(%q) = %d, want 0", own, tc.id, got)
			}
			if got := countAttempts(t, db, survivor); got != 1 {
				t.Errorf("CountAttempts(%q) after DeleteUser(%q) = %d, want 1", survivor, tc.id, got)
			}
		})
	}
}

func testEmailTokens(t *testing.T, open func(t *testing.T) *store.DB) {
	t.Run("Kill", func(t *testing.T) {
		db := open(t)
		ctx := t.Context()
		mustCreateUser(t, db, newUser("u1", "ada@example.org"))
		mustCreateUser(t, db, newUser("u2", "bob@example.org"))
		mustPutToken(t, db, newToken("r1", "u1", "reset", t0))
		mustPutToken(t, db, newToken("e1", "u1", "email", t0))
		mustPutToken(t, db, newToken("r2", "u2", "reset", t0))
		if err := db.KillEmailTokens(ctx, "u1", "reset", t0.Add(time.Second)); err != nil {
			t.Fatalf("KillEmailTokens = %v", err)
		}
		for _, tc := range []struct {
			hash string
			dead bool
		}{{"r1", true}, {"e1", false}, {"r2", false}} {
			err := db.UseEmailToken(ctx, tc.hash, t0.Add(2*time.Second))
			if got := errors.Is(err, store.ErrNotFound); got != tc.dead {
				t.Errorf("after KillEmailTokens(u1, reset): UseEmailToken(%s) = %v, want dead=%v", tc.hash, err, tc.dead)
			}
			if got := mustToken(t, db, tc.hash); got.SpentAt.IsZero() != tc.dead {
				t.Errorf("after KillEmailTokens(u1, reset): EmailTokenByHash(%s).SpentAt = %v, want zero=%v", tc.hash, got.SpentAt, tc.dead)
			}
		}
	})

	t.Run("PutAndGet", func(t *testing.T) {
		db := open(t)
		mustCreateUser(t, db, newUser("u1", "ada@example.org"))
		want := newToken("h1", "u1", "email", t0)
		want.Data = "augusta@example.org"
		mustPutToken(t, db, want)
		if got := mustToken(t, db, "h1"); !equalWithTimes(*got, *want, tokenTimes) {
			t.Errorf("EmailTokenByHash(h1) = %+v, want %+v", *got, *want)
		}
		if _, err := db.EmailTokenByHash(t.Context(), "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("EmailTokenByHash(unknown) = %v, want %v", err, store.ErrNotFound)
		}
		if err := db.PutEmailToken(t.Context(), newToken("h1", "u1", "reset", t0)); err == nil {
			t.Error("PutEmailToken(existing hash) = nil, want an error")
		}
	})

	t.Run("PutKillsEarlierOfSamePurpose", func(t *testing.T) {
		db := open(t)
		ctx := t.Context()
		mustCreateUser(t, db, newUser("u1", "ada@example.org"))
		mustCreateUser(t, db, newUser("u2", "bob@example.org"))
		mustPutToken(t, db, newToken("reset-used", "u1", "reset", t0))
		usedAt := t0.Add(time.Second)
		if err := db.UseEmailToken(ctx, "reset-used", usedAt); err != nil {
			t.Fatalf("UseEmailToken(reset-used) = %v, want nil", err)
		}
		mustPutToken(t, db, newToken("reset-1", "u1", "reset", t0.Add(2*time.Second)))
		mustPutToken(t, db, newToken("email-1", "u1", "email", t0))
		mustPutToken(t, db, newToken("reset-other-user", "u2", "reset", t0))
		later := t0.Add(time.Minute)
		mustPutToken(t, db, newToken("reset-2", "u1", "reset", later))

		for _, tc := range []struct {
			hash    string
			usedAt  time.Time // zero: unused
			spentAt time.Time // zero: made no change
		}{
			{"reset-1", later, time.Time{}},       // killed by the newer link
			{"reset-used", usedAt, usedAt},        // keeps the time it was really used
			{"email-1", time.Time{}, time.Time{}}, // other purpose
			{"reset-other-user", time.Time{}, time.Time{}},
			{"reset-2", time.Time{}, time.Time{}},
		} {
			got := mustToken(t, db, tc.hash)
			if !got.UsedAt.Equal(tc.usedAt) {
				t.Errorf("EmailTokenByHash(%q).UsedAt = %v, want %v", tc.hash, got.UsedAt, tc.usedAt)
			}
			if !got.SpentAt.Equal(tc.spentAt) {
				t.Errorf("EmailTokenByHash(%q).SpentAt = %v, want %v", tc.hash, got.SpentAt, tc.spentAt)
			}
		}
		if err := db.UseEmailToken(ctx, "reset-1", later.Add(time.Second)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("UseEmailToken(superseded) = %v, want %v", err, store.ErrNotFound)
		}
		if err := db.UseEmailToken(ctx, "reset-2", later.Add(time.Second)); err != nil {
			t.Errorf("UseEmailToken(newest) = %v, want nil", err)
		}
	})

	t.Run("Use", func(t *testing.T) {
		expires := t0.Add(24 * time.Hour)
		for _, tc := range []struct {
			name    string
			hash    string
			preUse  bool
			now     time.Time
			wantErr error
		}{
			{"fresh", "h", false, t0, nil},
			{"just before expiry", "h", false, expires.Add(-time.Millisecond), nil},
			{"at expiry", "h", false, expires, store.ErrNotFound},
			{"after expiry", "h", false, expires.Add(time.Hour), store.ErrNotFound},
			{"already used", "h", true, t0.Add(time.Minute), store.ErrNotFound},
			{"unknown", "other", false, t0, store.ErrNotFound},
		} {
			t.Run(tc.name, func(t *testing.T) {
				db := open(t)
				ctx := t.Context()
				mustCreateUser(t, db, newUser("u1", "ada@example.org"))
				mustPutToken(t, db, newToken("h", "u1", "reset", t0))
				wantUsed := time.Time{}
				if tc.preUse {
					wantUsed = t0.Add(time.Second)
					if err := db.UseEmailToken(ctx, "h", wantUsed); err != nil {
						t.Fatalf("first UseEmailToken() = %v, want nil", err)
					}
				}
				err := db.UseEmailToken(ctx, tc.hash, tc.now)
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("UseEmailToken(%q, %v) = %v, want %v", tc.hash, tc.now, err, tc.wantErr)
				}
				if err == nil {
					wantUsed = tc.now
				}
				if got := mustToken(t, db, "h").UsedAt; !got.Equal(wantUsed) {
					t.Errorf("UsedAt = %v, want %v", got, wantUsed)
				}
			})
		}
	})

	t.Run("UseTwice", func(t *testing.T) {
		db := open(t)
		mustCreateUser(t, db, newUser("u1", "ada@example.org"))
		mustPutToken(t, db, newToken("h", "u1", "reset", t0))
		var got []error
		for i := range 2 {
			got = append(got, db.UseEmailToken(t.Context(), "h", t0.Add(time.Duration(i+1)*time.Second)))
		}
		if got[0] != nil || !errors.Is(got[1], store.ErrNotFound) {
			t.Errorf("two UseEmailToken() = %v, want [<nil> %v]", got, store.ErrNotFound)
		}
		if used := mustToken(t, db, "h").UsedAt; !used.Equal(t0.Add(time.Second)) {
			t.Errorf("UsedAt = %v, want the first use %v", used, t0.Add(time.Second))
		}
	})

	t.Run("SetPasswordWithToken", func(t *testing.T) {
		expires := t0.Add(24 * time.Hour)
		for _, tc := range []struct {
			name        string
			preUse      bool
			now         time.Time
			endSessions bool
			wantErr     error
		}{
			{"keep sessions", false, t0.Add(time.Minute), false, nil},
			{"end sessions", false, t0.Add(time.Minute), true, nil},
			{"used token", true, t0.Add(time.Minute), true, store.ErrNotFound},
			{"expired token", false, expires, true, store.ErrNotFound},
		} {
			t.Run(tc.name, func(t *testing.T) {
				db := open(t)
				ctx := t.Context()
				user := newUser("u1", "ada@example.org")
				mustCreateUser(t, db, user)
				mustCreateUser(t, db, newUser("u2", "bob@example.org"))
				mustCreateSession(t, db, newSession("s1", "u1"))
				mustCreateSession(t, db, newSession("s2", "u1"))
				mustCreateSession(t, db, newSession("s3", "u2"))
				mustPutToken(t, db, newToken("h", "u1", "reset", t0))
				if tc.preUse {
					if err := db.UseEmailToken(ctx, "h", t0.Add(time.Second)); err != nil {
						t.Fatalf("UseEmailToken() = %v, want nil", err)
					}
				}

				err := db.SetPasswordWithToken(ctx, "h", "u1", "new-hash", tc.now, tc.endSessions)
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("SetPasswordWithToken() = %v, want %v", err, tc.wantErr)
				}

				want, wantSessions := *user, 2
				if err == nil {
					want.PasswordHash, want.PasswordChangedAt, want.UpdatedAt = "new-hash", tc.now, tc.now
					if tc.endSessions {
						wantSessions = 0
					}
					if used := mustToken(t, db, "h").UsedAt; !used.Equal(tc.now) {
						t.Errorf("token UsedAt = %v, want %v", used, tc.now)
					}
				}
				if got := mustUser(t, db, "u1"); !equalWithTimes(*got, want, userTimes) {
					t.Errorf("user after SetPasswordWithToken() = %+v, want %+v", *got, want)
				}
				if got := countSessions(t, db, "u1"); got != wantSessions {
					t.Errorf("CountUserSessions(u1) = %d, want %d", got, wantSessions)
				}
				if got := countSessions(t, db, "u2"); got != 1 {
					t.Errorf("CountUserSessions(u2) = %d, want 1 (another user)", got)
				}
				if err == nil {
					if err := db.SetPasswordWithToken(ctx, "h", "u1", "second-hash", tc.now.Add(time.Second), false); !errors.Is(err, store.ErrNotFound) {
						t.Errorf("second SetPasswordWithToken() = %v, want %v", err, store.ErrNotFound)
					}
					if got := mustUser(t, db, "u1").PasswordHash; got != "new-hash" {
						t.Errorf("PasswordHash after a second use = %q, want %q", got, "new-hash")
					}
				}
			})
		}
	})

	t.Run("ChangeEmailWithToken", func(t *testing.T) {
		expires := t0.Add(24 * time.Hour)
		for _, tc := range []struct {
			name     string
			preUse   bool
			now      time.Time
			newEmail string
			wantErr  error
		}{
			{"free address", false, t0.Add(time.Minute), "augusta@example.org", nil},
			// The failed UPDATE rolls the whole transaction back: the link
			// stays unused.
			{"taken address", false, t0.Add(time.Minute), "bob@example.org", store.ErrConflict},
			{"used token", true, t0.Add(time.Minute), "augusta@example.org", store.ErrNotFound},
			{"expired token", false, expires.Add(time.Millisecond), "augusta@example.org", store.ErrNotFound},
		} {
			t.Run(tc.name, func(t *testing.T) {
				db := open(t)
				ctx := t.Context()
				user := newUser("u1", "ada@example.org")
				mustCreateUser(t, db, user)
				mustCreateUser(t, db, newUser("u2", "bob@example.org"))
				tok := newToken("h", "u1", "email", t0)
				tok.Data = tc.newEmail
				mustPutToken(t, db, tok)
				wantUsed := time.Time{}
				if tc.preUse {
					wantUsed = t0.Add(time.Second)
					if err := db.UseEmailToken(ctx, "h", wantUsed); err != nil {
						t.Fatalf("UseEmailToken() = %v, want nil", err)
					}
				}

				err := db.ChangeEmailWithToken(ctx, "h", "u1", tc.newEmail, tc.now)
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("ChangeEmailWithToken(%q) = %v, want %v", tc.newEmail, err, tc.wantErr)
				}

				want := *user
				if err == nil {
					want.Email, want.UpdatedAt = tc.newEmail, tc.now
					wantUsed = tc.now
				}
				if got := mustUser(t, db, "u1"); !equalWithTimes(*got, want, userTimes) {
					t.Errorf("user after ChangeEmailWithToken() = %+v, want %+v", *got, want)
				}
				if got := mustToken(t, db, "h").UsedAt; !got.Equal(wantUsed) {
					t.Errorf("token UsedAt = %v, want %v", got, wantUsed)
				}
				if u, err := db.UserByEmail(ctx, "bob@example.org"); err != nil || u.ID != "u2" {
					t.Errorf("UserByEmail(bob@example.org) = %v, %v, want u2, nil", u, err)
				}
			})
		}
	})
}

func testSessions(t *testing.T, open func(t *testing.T) *store.DB) {
	t.Run("CreateAndGet", func(t *testing.T) {
		db := open(t)
		mustCreateUser(t, db, newUser("u1", "ada@example.org"))
		want := newSession("s1", "u1")
		want.AuthAt = t0.Add(time.Second)
		mustCreateSession(t, db, want)
		got, err := db.SessionByHash(t.Context(), "s1")
		if err != nil {
			t.Fatalf("SessionByHash(s1) = %v, want nil", err)
		}
		if !equalWithTimes(*got, *want, sessionTimes) {
			t.Errorf("SessionByHash(s1) = %+v, want %+v", *got, *want)
		}
		if _, err := db.SessionByHash(t.Context(), "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("SessionByHash(unknown) = %v, want %v", err, store.ErrNotFound)
		}
		if err := db.CreateSession(t.Context(), newSession("s1", "u1")); err == nil {
			t.Error("CreateSession(existing hash) = nil, want an error")
		}
		if err := db.CreateSession(t.Context(), newSession("s2", "nobody")); err == nil {
			t.Error("CreateSession(unknown user) = nil, want an error (foreign key)")
		}
	})

	t.Run("Touch", func(t *testing.T) {
		db := open(t)
		mustCreateUser(t, db, newUser("u1", "ada@example.org"))
		want := newSession("s1", "u1")
		mustCreateSession(t, db, want)
		mustCreateSession(t, db, newSession("s2", "u1"))
		now := t0.Add(10 * time.Minute)
		if err := db.TouchSession(t.Context(), "s1", now); err != nil {
			t.Fatalf("TouchSession(s1) = %v, want nil", err)
		}
		want.LastSeenAt = now
		got, err := db.SessionByHash(t.Context(), "s1")
		if err != nil {
			t.Fatalf("SessionByHash(s1) = %v, want nil", err)
		}
		if !equalWithTimes(*got, *want, sessionTimes) {
			t.Errorf("after TouchSession: got %+v, want %+v", *got, *want)
		}
		if other, err := db.SessionByHash(t.Context(), "s2"); err != nil || !other.LastSeenAt.Equal(t0) {
			t.Errorf("SessionByHash(s2) = %+v, %v, want LastSeenAt %v (untouched)", other, err, t0)
		}
		if err := db.TouchSession(t.Context(), "nope", now); err != nil {
			t.Errorf("TouchSession(unknown) = %v, want nil", err)
		}
	})

	t.Run("DeleteAndCount", func(t *testing.T) {
		db := open(t)
		ctx := t.Context()
		mustCreateUser(t, db, newUser("u1", "ada@example.org"))
		mustCreateUser(t, db, newUser("u2", "bob@example.org"))
		if got := countSessions(t, db, "u1"); got != 0 {
			t.Errorf("CountUserSessions(u1) with none = %d, want 0", got)
		}
		for _, h := range []string{"a", "b", "c", "d"} {
			mustCreateSession(t, db, newSession(h, "u1"))
		}
		mustCreateSession(t, db, newSession("other", "u2"))

		steps := []struct {
			name   string
			do     func() error
			wantU1 int
			left   string // a session of u1 that must remain, if any
		}{
			{"count", func() error { return nil }, 4, "a"},
			{"DeleteSession(d)", func() error { return db.DeleteSession(ctx, "d") }, 3, "a"},
			{"DeleteSession(unknown)", func() error { return db.DeleteSession(ctx, "nope") }, 3, "a"},
			{"DeleteUserSessions keep b", func() error { return db.DeleteUserSessions(ctx, "u1", "b") }, 1, "b"},
			{"DeleteUserSessions keep b again", func() error { return db.DeleteUserSessions(ctx, "u1", "b") }, 1, "b"},
			{"DeleteUserSessions keep none", func() error { return db.DeleteUserSessions(ctx, "u1", "") }, 0, ""},
		}
		for _, st := range steps {
			if err := st.do(); err != nil {
				t.Fatalf("%s = %v, want nil", st.name, err)
			}
			if got := countSessions(t, db, "u1"); got != st.wantU1 {
				t.Errorf("after %s: CountUserSessions(u1) = %d, want %d", st.name, got, st.wantU1)
			}
			if got := countSessions(t, db, "u2"); got != 1 {
				t.Errorf("after %s: CountUserSessions(u2) = %d, want 1", st.name, got)
			}
			if st.left != "" {
				if _, err := db.SessionByHash(ctx, st.left); err != nil {
					t.Errorf("after %s: SessionByHash(%q) = %v, want nil", st.name, st.left, err)
				}
			}
		}
		if _, err := db.SessionByHash(ctx, "d"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("SessionByHash(deleted) = %v, want %v", err, store.ErrNotFound)
		}
	})
}

func testFlows(t *testing.T, open func(t *testing.T) *store.DB) {
	db := open(t)
	ctx := t.Context()
	expires := t0.Add(10 * time.Minute)
	flow := func(hash string, now time.Time) (string, error) {
		b, err := db.Flow(ctx, hash, now)
		return string(b), err
	}
	check := func(step, hash string, now time.Time, want string, wantErr error) {
		t.Helper()
		got, err := flow(hash, now)
		if got != want || !errors.Is(err, wantErr) {
			t.Errorf("%s: Flow(%q, %v) = %q, %v, want %q, %v", step, hash, now, got, err, want, wantErr)
		}
	}

	if err := db.PutFlow(ctx, "f1", []byte(`{"step":"password"}`), t0, expires); err != nil {
		t.Fatalf("PutFlow(f1) = %v, want nil", err)
	}
	if err := db.PutFlow(ctx, "f2", []byte(`{}`), t0, expires); err != nil {
		t.Fatalf("PutFlow(f2) = %v, want nil", err)
	}
	check("put", "f1", t0, `{"step":"password"}`, nil)
	check("put", "f1", expires.Add(-time.Millisecond), `{"step":"password"}`, nil)
	check("put", "f1", expires, "", store.ErrNotFound)
	check("put", "nope", t0, "", store.ErrNotFound)

	later := expires.Add(10 * time.Minute)
	if err := db.PutFlow(ctx, "f1", []byte(`{"step":"sms"}`), t0.Add(time.Minute), later); err != nil {
		t.Fatalf("PutFlow(f1) again = %v, want nil", err)
	}
	check("replace", "f1", expires, `{"step":"sms"}`, nil)
	check("replace", "f1", later, "", store.ErrNotFound)
	check("replace", "f2", t0, `{}`, nil)

	if err := db.DeleteFlow(ctx, "f1"); err != nil {
		t.Fatalf("DeleteFlow(f1) = %v, want nil", err)
	}
	if err := db.DeleteFlow(ctx, "nope"); err != nil {
		t.Errorf("DeleteFlow(unknown) = %v, want nil", err)
	}
	check("delete", "f1", t0, "", store.ErrNotFound)
	check("delete", "f2", t0, `{}`, nil)
}

func testAttempts(t *testing.T, open func(t *testing.T) *store.DB) {
	db := open(t)
	ctx := t.Context()
	const key = "login:u1"
	// Five events one minute apart, t0+1m ... t0+5m, added out of order.
	for _, m := range []int{3, 1, 5, 2, 4} {
		if _, err := db.AddAttempt(ctx, key, t0.Add(time.Duration(m)*time.Minute)); err != nil {
			t.Fatalf("AddAttempt(%q) = %v, want nil", key, err)
		}
	}
	if _, err := db.AddAttempt(ctx, "login:u2", t0.Add(5*time.Minute)); err != nil {
		t.Fatalf("AddAttempt(login:u2) = %v, want nil", err)
	}
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }

	for _, tc := range []struct {
		name      string
		key       string
		since     time.Time
		n         int
		wantCount int
		wantAt    time.Time
	}{
		{"all, most recent", key, time.Time{}, 1, 5, at(5)},
		{"all, 3rd most recent", key, time.Time{}, 3, 5, at(3)},
		{"all, 5th most recent", key, time.Time{}, 5, 5, at(1)},
		{"all, fewer than n", key, time.Time{}, 6, 5, time.Time{}},
		{"n zero", key, time.Time{}, 0, 5, time.Time{}},
		{"since is exclusive", key, at(2), 1, 3, at(5)},
		{"window, 3rd most recent", key, at(2), 3, 3, at(3)},
		{"window, fewer than n", key, at(2), 4, 3, time.Time{}},
		{"window after the last", key, at(5), 1, 0, time.Time{}},
		{"other key", "login:u2", time.Time{}, 1, 1, at(5)},
		{"unknown key", "login:nobody", time.Time{}, 1, 0, time.Time{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			count, nth, err := db.CountAttempts(ctx, tc.key, tc.since, tc.n)
			if err != nil {
				t.Fatalf("CountAttempts() = %v, want nil", err)
			}
			if count != tc.wantCount || !nth.Equal(tc.wantAt) {
				t.Errorf("CountAttempts(%q, %v, %d) = %d, %v, want %d, %v", tc.key, tc.since, tc.n, count, nth, tc.wantCount, tc.wantAt)
			}
		})
	}

	t.Run("Clear", func(t *testing.T) {
		if err := db.ClearAttempts(ctx, key); err != nil {
			t.Fatalf("ClearAttempts(%q) = %v, want nil", key, err)
		}
		for _, tc := range []struct {
			key  string
			want int
		}{{key, 0}, {"login:u2", 1}} {
			if got := countAttempts(t, db, tc.key); got != tc.want {
				t.Errorf("CountAttempts(%q) after clearing %q = %d, want %d", tc.key, key, got, tc.want)
			}
		}
	})
}

func testAuditEvents(t *testing.T, open func(t *testing.T) *store.DB) {
	db := open(t)
	ctx := t.Context()
	mustCreateUser(t, db, newUser("u1", "ada@example.org"))
	// Added out of time order; two share a time (then the later insert is
	// newer).
	in := []audit.Event{
		{UserID: "u1", At: t0.Add(2 * time.Minute), Kind: "B", Request: audit.Request{IP: "192.0.2.1", UserAgent: "ua"}, Detail: "second"},
		{UserID: "u1", At: t0, Kind: "A", Detail: "first"},
		{UserID: "u2", At: t0.Add(time.Hour), Kind: "OTHER"},
		{UserID: "u1", At: t0.Add(5 * time.Minute), Kind: "C1"},
		{UserID: "u1", At: t0.Add(5 * time.Minute), Kind: "C2"},
		{UserID: "", At: t0.Add(time.Hour), Kind: "UNKNOWN_EMAIL", Detail: "nobody@example.org"},
	}
	for i := range in {
		if err := db.AddAudit(ctx, &in[i]); err != nil {
			t.Fatalf("AddAudit(%+v) = %v, want nil", in[i], err)
		}
	}

	for _, tc := range []struct {
		name   string
		userID string
		limit  int
		want   []string // types, newest first
	}{
		{"all", "u1", 10, []string{"C2", "C1", "B", "A"}},
		{"limit", "u1", 2, []string{"C2", "C1"}},
		{"limit one", "u1", 1, []string{"C2"}},
		{"other user", "u2", 10, []string{"OTHER"}},
		{"no user", "", 10, []string{"UNKNOWN_EMAIL"}},
		{"unknown user", "nobody", 10, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			evs := auditEvents(t, db, tc.userID, tc.limit)
			var got []string
			for _, e := range evs {
				got = append(got, string(e.Kind))
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("AuditEvents(%q, %d) types = %v, want %v", tc.userID, tc.limit, got, tc.want)
			}
		})
	}

	t.Run("fields", func(t *testing.T) {
		evs := auditEvents(t, db, "u1", 10)
		if len(evs) != 4 {
			t.Fatalf("len(AuditEvents(u1)) = %d, want 4", len(evs))
		}
		got, want := evs[2], in[0]
		if got.ID == 0 {
			t.Errorf("AuditEvent.ID = 0, want an assigned id")
		}
		want.ID = got.ID
		if !equalWithTimes(got, want, auditTimes) {
			t.Errorf("AuditEvents(u1)[2] = %+v, want %+v", got, want)
		}
		seen := map[int64]bool{}
		for _, e := range evs {
			if seen[e.ID] {
				t.Errorf("AuditEvent.ID %d repeated", e.ID)
			}
			seen[e.ID] = true
		}
	})
}

func testOutbox(t *testing.T, open func(t *testing.T) *store.DB) {
	db := open(t)
	ctx := t.Context()
	if got, err := db.Outbox(ctx, 10); err != nil || len(got) != 0 {
		t.Errorf("Outbox() when empty = %v, %v, want [], nil", got, err)
	}
	in := []store.OutboxItem{
		{At: t0, Kind: "email", Recipient: "ada@example.org", Subject: "Reset your password", Text: "Open https://idp.example/reset?t=x", HTML: "<p>Open <a href=\"https://idp.example/reset?t=x\">the link</a></p>"},
		{At: t0.Add(time.Minute), Kind: "sms", Recipient: "+32470000000", Text: "Your code: 123456"},
		// An earlier time but a later insert: the list follows insertion.
		{At: t0.Add(-time.Minute), Kind: "email", Recipient: "bob@example.org", Subject: "Welcome", Text: "Hello"},
	}
	for i := range in {
		if err := db.AddOutbox(ctx, &in[i]); err != nil {
			t.Fatalf("AddOutbox(%+v) = %v, want nil", in[i], err)
		}
	}
	all, err := db.Outbox(ctx, 10)
	if err != nil {
		t.Fatalf("Outbox(10) = %v, want nil", err)
	}
	if len(all) != len(in) {
		t.Fatalf("len(Outbox(10)) = %d, want %d", len(all), len(in))
	}
	for i, got := range all {
		want := in[len(in)-1-i]
		want.ID = got.ID
		if !equalWithTimes(got, want, outboxTimes) {
			t.Errorf("Outbox(10)[%d] = %+v, want %+v", i, got, want)
		}
		if i > 0 && got.ID >= all[i-1].ID {
			t.Errorf("Outbox(10)[%d].ID = %d, want less than %d (newest first)", i, got.ID, all[i-1].ID)
		}
	}
	t.Run("limit", func(t *testing.T) {
		got, err := db.Outbox(ctx, 2)
		if err != nil {
			t.Fatalf("Outbox(2) = %v, want nil", err)
		}
		if len(got) != 2 || got[0].ID != all[0].ID || got[1].ID != all[1].ID {
			t.Errorf("Outbox(2) = %+v, want the first two of %+v", got, all)
		}
	})
	t.Run("by id", func(t *testing.T) {
		for _, want := range all {
			got, err := db.OutboxItemByID(ctx, want.ID)
			if err != nil {
				t.Fatalf("OutboxItemByID(%d) = %v, want nil", want.ID, err)
			}
			if !equalWithTimes(*got, want, outboxTimes) {
				t.Errorf("OutboxItemByID(%d) = %+v, want %+v", want.ID, *got, want)
			}
		}
		if _, err := db.OutboxItemByID(ctx, all[0].ID+1000); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("OutboxItemByID(unknown) = %v, want %v", err, store.ErrNotFound)
		}
	})
}

func testSpendOnce(t *testing.T, open func(t *testing.T) *store.DB) {
	db := open(t)
	ctx := t.Context()
	for _, tc := range []struct {
		key  string
		want bool
	}{
		{"jti-1", true},
		{"jti-1", false},
		{"jti-2", true},
		{"jti-1", false},
		{"jti-2", false},
	} {
		got, err := db.SpendOnce(ctx, tc.key, t0.Add(time.Hour))
		if err != nil || got != tc.want {
			t.Errorf("SpendOnce(%q) = %v, %v, want %v, nil", tc.key, got, err, tc.want)
		}
	}
}

func testSettings(t *testing.T, open func(t *testing.T) *store.DB) {
	db := open(t)
	ctx := t.Context()
	if _, err := db.Setting(ctx, "signing-key"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Setting(unset) = %v, want %v", err, store.ErrNotFound)
	}
	for _, tc := range []struct {
		name, value, want string
	}{
		{"signing-key", "first", "first"},
		{"signing-key", "second", "first"},
		{"other", "", ""},
		{"other", "x", ""},
	} {
		got, err := db.SettingOrInit(ctx, tc.name, tc.value)
		if err != nil || got != tc.want {
			t.Errorf("SettingOrInit(%q, %q) = %q, %v, want %q, nil", tc.name, tc.value, got, err, tc.want)
		}
	}
	if got, err := db.Setting(ctx, "signing-key"); err != nil || got != "first" {
		t.Errorf("Setting(signing-key) = %q, %v, want %q, nil", got, err, "first")
	}
}

func testSweep(t *testing.T, open func(t *testing.T) *store.DB) {
	db := open(t)
	ctx := t.Context()
	now := t0
	const keep = time.Hour
	const linkGrace = 30 * 24 * time.Hour // how long spent links are kept
	mustCreateUser(t, db, newUser("u1", "ada@example.org"))

	// Each row is either removed by Sweep(now, keep) or kept.
	sessions := map[string]time.Time{ // hash -> expiry
		"s-expired": now.Add(-time.Millisecond),
		"s-now":     now,
		"s-live":    now.Add(time.Hour),
	}
	for h, exp := range sessions {
		s := newSession(h, "u1")
		s.CreatedAt, s.ExpiresAt = now.Add(-2*time.Hour), exp
		mustCreateSession(t, db, s)
	}
	flows := map[string]time.Time{
		"f-expired": now.Add(-time.Millisecond),
		"f-now":     now,
		"f-live":    now.Add(time.Hour),
	}
	for h, exp := range flows {
		if err := db.PutFlow(ctx, h, []byte(`{}`), now.Add(-2*time.Hour), exp); err != nil {
			t.Fatalf("PutFlow(%q) = %v, want nil", h, err)
		}
	}
	tokens := map[string]time.Time{ // purposes differ so that Put kills none
		"t-long-gone": now.Add(-linkGrace - time.Millisecond),
		"t-recent":    now.Add(-linkGrace),
		"t-expired":   now.Add(-time.Hour),
		"t-live":      now.Add(time.Hour),
	}
	for h, exp := range tokens {
		tok := newToken(h, "u1", h, exp.Add(-24*time.Hour))
		tok.ExpiresAt = exp
		mustPutToken(t, db, tok)
	}
	attempts := map[string]time.Time{ // key -> time
		"a-old":    now.Add(-keep - time.Millisecond),
		"a-edge":   now.Add(-keep),
		"a-recent": now.Add(-time.Minute),
	}
	for k, at := range attempts {
		if _, err := db.AddAttempt(ctx, k, at); err != nil {
			t.Fatalf("AddAttempt(%q) = %v, want nil", k, err)
		}
	}
	spent := map[string]time.Time{
		"sp-expired": now.Add(-time.Millisecond),
		"sp-now":     now,
		"sp-live":    now.Add(time.Hour),
	}
	for k, exp := range spent {
		if ok, err := db.SpendOnce(ctx, k, exp); err != nil || !ok {
			t.Fatalf("SpendOnce(%q) = %v, %v, want true, nil", k, ok, err)
		}
	}

	n, err := db.Sweep(ctx, now, keep)
	if err != nil {
		t.Fatalf("Sweep() = %v, want nil", err)
	}
	removed := []string{"s-expired", "f-expired", "t-long-gone", "a-old", "sp-expired"}
	if n != int64(len(removed)) {
		t.Errorf("Sweep() = %d, want %d (%v)", n, len(removed), removed)
	}
	gone := map[string]bool{}
	for _, r := range removed {
		gone[r] = true
	}

	for h := range sessions {
		_, err := db.SessionByHash(ctx, h)
		if got := err == nil; got != !gone[h] {
			t.Errorf("after Sweep: SessionByHash(%q) = %v, want kept %v", h, err, !gone[h])
		}
	}
	for h := range flows {
		// Read at an earlier time: Flow hides expired ones, Sweep deletes them.
		_, err := db.Flow(ctx, h, now.Add(-time.Hour))
		if got := err == nil; got != !gone[h] {
			t.Errorf("after Sweep: Flow(%q) = %v, want kept %v", h, err, !gone[h])
		}
	}
	for h := range tokens {
		_, err := db.EmailTokenByHash(ctx, h)
		if got := err == nil; got != !gone[h] {
			t.Errorf("after Sweep: EmailTokenByHash(%q) = %v, want kept %v", h, err, !gone[h])
		}
	}
	for k := range attempts {
		want := 1
		if gone[k] {
			want = 0
		}
		if got := countAttempts(t, db, k); got != want {
			t.Errorf("after Sweep: CountAttempts(%q) = %d, want %d", k, got, want)
		}
	}
	for k := range spent {
		// A swept key can be spent again; a kept one cannot.
		ok, err := db.SpendOnce(ctx, k, now.Add(time.Hour))
		if err != nil || ok != gone[k] {
			t.Errorf("after Sweep: SpendOnce(%q) = %v, %v, want %v, nil", k, ok, err, gone[k])
		}
	}
	if n, err := db.Sweep(ctx, now, keep); err != nil || n != 0 {
		t.Errorf("second Sweep() = %d, %v, want 0, nil", n, err)
	}
}

func testUnicode(t *testing.T, open func(t *testing.T) *store.DB) {
	for _, s := range []string{
		"Ķēniņš",
		"Δημήτρης",
		"<b>&amp;</b>",
		"O'Brien \"quoted\" \\ back",
		"Who? Me? $1 %_",
		"Łódź Šťastný Ærø Øre ß",
		"日本語 😀 مرحبا",
		" leading and trailing spaces ",
	} {
		t.Run(s, func(t *testing.T) {
			db := open(t)
			ctx := t.Context()
			email := s + "@bücher.example"
			want := newUser("id-"+s, email)
			want.FirstName, want.LastName, want.PasswordHash = s, s+" "+s, s
			mustCreateUser(t, db, want)
			got, err := db.UserByEmail(ctx, email)
			if err != nil {
				t.Fatalf("UserByEmail(%q) = %v, want nil", email, err)
			}
			if !equalWithTimes(*got, *want, userTimes) {
				t.Errorf("UserByEmail(%q) = %+v, want %+v", email, *got, *want)
			}
			if err := db.UpdateProfile(ctx, want.ID, s+"!", s+"?", "lv", t0); err != nil {
				t.Fatalf("UpdateProfile() = %v, want nil", err)
			}
			if got := mustUser(t, db, want.ID); got.FirstName != s+"!" || got.LastName != s+"?" {
				t.Errorf("names after UpdateProfile = %q, %q, want %q, %q", got.FirstName, got.LastName, s+"!", s+"?")
			}

			tok := newToken("tok-"+s, want.ID, "email", t0)
			tok.Data = "new-" + email
			mustPutToken(t, db, tok)
			if got := mustToken(t, db, tok.Hash); got.Data != tok.Data || got.UserID != want.ID {
				t.Errorf("EmailTokenByHash() Data, UserID = %q, %q, want %q, %q", got.Data, got.UserID, tok.Data, want.ID)
			}

			sess := newSession("s-"+s, want.ID)
			sess.UserAgent, sess.Factors = s, s
			mustCreateSession(t, db, sess)
			if got, err := db.SessionByHash(ctx, sess.Hash); err != nil || !equalWithTimes(*got, *sess, sessionTimes) {
				t.Errorf("SessionByHash() = %+v, %v, want %+v, nil", got, err, *sess)
			}

			data := `{"name":"` + s + `"}`
			if err := db.PutFlow(ctx, "f-"+s, []byte(data), t0, t0.Add(time.Hour)); err != nil {
				t.Fatalf("PutFlow() = %v, want nil", err)
			}
			if got, err := db.Flow(ctx, "f-"+s, t0); err != nil || string(got) != data {
				t.Errorf("Flow() = %q, %v, want %q, nil", got, err, data)
			}

			ev := audit.Event{UserID: want.ID, At: t0, Kind: "LOGIN", Request: audit.Request{UserAgent: s}, Detail: s}
			if err := db.AddAudit(ctx, &ev); err != nil {
				t.Fatalf("AddAudit() = %v, want nil", err)
			}
			if evs := auditEvents(t, db, want.ID, 1); len(evs) != 1 || evs[0].Detail != s || evs[0].UserAgent != s {
				t.Errorf("AuditEvents() = %+v, want one with Detail and UserAgent %q", evs, s)
			}

			m := store.OutboxItem{At: t0, Kind: "email", Recipient: email, Subject: s, Text: s, HTML: "<p>" + s + "</p>"}
			if err := db.AddOutbox(ctx, &m); err != nil {
				t.Fatalf("AddOutbox() = %v, want nil", err)
			}
			if items, err := db.Outbox(ctx, 1); err != nil || len(items) != 1 {
				t.Errorf("Outbox(1) = %+v, %v, want one item", items, err)
			} else if m.ID = items[0].ID; !equalWithTimes(items[0], m, outboxTimes) {
				t.Errorf("Outbox(1)[0] = %+v, want %+v", items[0], m)
			}

			key := "login:" + want.ID
			if _, err := db.AddAttempt(ctx, key, t0); err != nil {
				t.Fatalf("AddAttempt(%q) = %v, want nil", key, err)
			}
			if got := countAttempts(t, db, key); got != 1 {
				t.Errorf("CountAttempts(%q) = %d, want 1", key, got)
			}
			if v, err := db.SettingOrInit(ctx, "name-"+s, s); err != nil || v != s {
				t.Errorf("SettingOrInit() = %q, %v, want %q, nil", v, err, s)
			}
			if ok, err := db.SpendOnce(ctx, s, t0); err != nil || !ok {
				t.Errorf("SpendOnce(%q) = %v, %v, want true, nil", s, ok, err)
			}

			if err := db.DeleteUser(ctx, want.ID); err != nil {
				t.Fatalf("DeleteUser(%q) = %v, want nil", want.ID, err)
			}
			if got := countAttempts(t, db, key); got != 0 {
				t.Errorf("CountAttempts(%q) after DeleteUser = %d, want 0", key, got)
			}
		})
	}
}

func testConcurrency(t *testing.T, open func(t *testing.T) *store.DB) {
	const workers = 20

	// race runs f in workers goroutines released at once.
	race := func(f func(i int)) {
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range workers {
			wg.Go(func() {
				<-start
				f(i)
			})
		}
		close(start)
		wg.Wait()
	}

	t.Run("UseEmailToken", func(t *testing.T) {
		db := open(t)
		mustCreateUser(t, db, newUser("u1", "ada@example.org"))
		mustPutToken(t, db, newToken("h", "u1", "reset", t0))
		errs := make([]error, workers)
		race(func(i int) {
			errs[i] = db.UseEmailToken(t.Context(), "h", t0.Add(time.Duration(i+1)*time.Millisecond))
		})
		winners := 0
		for i, err := range errs {
			switch {
			case err == nil:
				winners++
			case !errors.Is(err, store.ErrNotFound):
				t.Errorf("UseEmailToken() #%d = %v, want nil or %v", i, err, store.ErrNotFound)
			}
		}
		if winners != 1 {
			t.Errorf("successful UseEmailToken() calls = %d, want 1", winners)
		}
	})

	t.Run("SetPasswordWithToken", func(t *testing.T) {
		db := open(t)
		mustCreateUser(t, db, newUser("u1", "ada@example.org"))
		mustPutToken(t, db, newToken("h", "u1", "reset", t0))
		errs := make([]error, workers)
		race(func(i int) {
			errs[i] = db.SetPasswordWithToken(t.Context(), "h", "u1", fmt.Sprintf("hash-%d", i), t0.Add(time.Minute), true)
		})
		winner := -1
		for i, err := range errs {
			switch {
			case err == nil && winner >= 0:
				t.Errorf("SetPasswordWithToken() #%d and #%d both succeeded, want one", winner, i)
			case err == nil:
				winner = i
			case !errors.Is(err, store.ErrNotFound):
				t.Errorf("SetPasswordWithToken() #%d = %v, want nil or %v", i, err, store.ErrNotFound)
			}
		}
		if winner < 0 {
			t.Fatal("no SetPasswordWithToken() succeeded, want one")
		}
		if got, want := mustUser(t, db, "u1").PasswordHash, fmt.Sprintf("hash-%d", winner); got != want {
			t.Errorf("PasswordHash = %q, want %q (the winner's)", got, want)
		}
	})

	t.Run("SpendOnce", func(t *testing.T) {
		db := open(t)
		oks := make([]bool, workers)
		errs := make([]error, workers)
		race(func(i int) {
			oks[i], errs[i] = db.SpendOnce(t.Context(), "jti", t0.Add(time.Hour))
		})
		winners := 0
		for i := range workers {
			if errs[i] != nil {
				t.Errorf("SpendOnce() #%d = %v, want nil error", i, errs[i])
			}
			if oks[i] {
				winners++
			}
		}
		if winners != 1 {
			t.Errorf("SpendOnce() calls returning true = %d, want 1", winners)
		}
	})

	t.Run("SettingOrInit", func(t *testing.T) {
		db := open(t)
		vals := make([]string, workers)
		errs := make([]error, workers)
		race(func(i int) {
			vals[i], errs[i] = db.SettingOrInit(t.Context(), "key", fmt.Sprintf("value-%d", i))
		})
		for i := range workers {
			if errs[i] != nil || vals[i] != vals[0] {
				t.Errorf("SettingOrInit() #%d = %q, %v, want %q, nil (the one value that won)", i, vals[i], errs[i], vals[0])
			}
		}
	})
}
