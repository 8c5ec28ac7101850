// Package sqldbtest gives tests fresh, empty databases on every engine:
// a new SQLite file always, a new PostgreSQL schema when
// EULOGIN_TEST_POSTGRES names a database. The tests of package sqldb and the
// conformance suites of the stores open their databases through it.
package sqldbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"eulogin/internal/sqldb"
)

// Engine is a database engine tests run on.
type Engine struct {
	Name string
	// DSN returns the name of a fresh, empty database on the engine,
	// removed when the test ends.
	DSN func(t *testing.T) string
}

// Engines are the engines every storage test runs on: SQLite always,
// PostgreSQL when EULOGIN_TEST_POSTGRES is set (its tests skip otherwise,
// or fail under EULOGIN_REQUIRE_ALL=1).
var Engines = []Engine{{"sqlite", SQLiteDSN}, {"postgres", PostgresDSN}}

// SQLiteDSN returns the path of a SQLite file that does not exist yet, in
// a folder that does not exist yet either (opening creates both), under
// t.TempDir().
func SQLiteDSN(t *testing.T) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "var", "test.db")
}

// PostgresDSN creates a fresh, uniquely named schema in the PostgreSQL
// database named by EULOGIN_TEST_POSTGRES and returns a DSN whose
// search_path is that schema. The schema is dropped when the test ends.
// Without the variable the test is skipped, or fails when
// EULOGIN_REQUIRE_ALL=1.
func PostgresDSN(t *testing.T) string {
	t.Helper()
	dsn, _ := PostgresSchema(t)
	return dsn
}

// Open opens dsn with sqldb.Open, without migrating, and closes it when the
// test ends.
func Open(t *testing.T, dsn string) *sqldb.DB {
	t.Helper()
	db, err := sqldb.Open(dsn)
	if err != nil {
		t.Fatalf("sqldb.Open(%q) = %v", dsn, err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close %s database: %v", db.Dialect(), err)
		}
	})
	return db
}

// postgresBase returns the DSN of EULOGIN_TEST_POSTGRES, or skips (fails
// under EULOGIN_REQUIRE_ALL=1) when it is unset.
func postgresBase(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("EULOGIN_TEST_POSTGRES")
	if dsn != "" {
		return dsn
	}
	if os.Getenv("EULOGIN_REQUIRE_ALL") == "1" {
		t.Fatal("PostgreSQL is required (EULOGIN_REQUIRE_ALL=1) but EULOGIN_TEST_POSTGRES is empty; set it to a DSN such as postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	}
	t.Skip("PostgreSQL tests skipped: set EULOGIN_TEST_POSTGRES to a DSN such as postgres://postgres@127.0.0.1:5432/test?sslmode=disable to run them")
	return ""
}

// PostgresSchema is PostgresDSN that also names the schema, for tests that
// check where tables landed. It checks that a connection on the returned
// DSN really resolves names in the schema.
func PostgresSchema(t *testing.T) (dsn, schema string) {
	t.Helper()
	base := postgresBase(t)
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("EULOGIN_TEST_POSTGRES=%q: want a postgres:// URL (err %v)", base, err)
	}
	b := make([]byte, 8)
	rand.Read(b) // never fails (crypto/rand)
	// Lower case hexadecimal: the name needs no quoting in search_path.
	schema = "sqldbtest_" + hex.EncodeToString(b)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	dsn = u.String()

	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("connect to PostgreSQL: %v", err)
	}
	defer admin.Close()
	if _, err := admin.ExecContext(t.Context(), `CREATE SCHEMA "`+schema+`"`); err != nil {
		t.Fatalf("create schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		// t.Context() is already canceled when cleanups run.
		ctx := context.Background()
		admin, err := sql.Open("pgx", base)
		if err != nil {
			t.Errorf("connect to PostgreSQL to drop schema %s: %v", schema, err)
			return
		}
		defer admin.Close()
		if _, err := admin.ExecContext(ctx, `DROP SCHEMA "`+schema+`" CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})

	conn, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatalf("connect to PostgreSQL with search_path: %v", err)
	}
	defer conn.Close()
	var current sql.NullString
	if err := conn.QueryRowContext(t.Context(), `SELECT current_schema()`).Scan(&current); err != nil {
		t.Fatalf("current_schema() with search_path=%s: %v", schema, err)
	}
	if current.String != schema {
		t.Fatalf("current_schema() with search_path=%s in the DSN = %q, want %q", schema, current.String, schema)
	}
	return dsn, schema
}
