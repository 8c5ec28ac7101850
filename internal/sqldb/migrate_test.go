package sqldb_test

import (
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"eulogin/internal/sqldb"
	"eulogin/internal/sqldb/sqldbtest"
)

// migrations returns a tree of migrations for both dialects: files maps a
// name to its body, the same in both folders except that the first
// migration records which folder it came from.
func migrations(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for _, d := range []sqldb.Dialect{sqldb.SQLite, sqldb.Postgres} {
		fsys["m/"+string(d)+"/001_first.sql"] = &fstest.MapFile{Data: []byte(
			`CREATE TABLE origin (dialect TEXT NOT NULL);
INSERT INTO origin (dialect) VALUES ('` + string(d) + `');`)}
		for name, body := range files {
			fsys["m/"+string(d)+"/"+name] = &fstest.MapFile{Data: []byte(body)}
		}
	}
	return fsys
}

// recorded returns the versions and names table records, in order.
func recorded(t *testing.T, db *sqldb.DB, table string) []string {
	t.Helper()
	rows, err := db.Query(t.Context(), "SELECT version, name FROM "+table+" ORDER BY version")
	if err != nil {
		t.Fatalf("read %s: %v", table, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v int
		var name string
		if err := rows.Scan(&v, &name); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%d %s", v, name))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func equal(a, b []string) bool { return strings.Join(a, "\n") == strings.Join(b, "\n") }

func TestMigrate(t *testing.T) {
	forEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := t.Context()
		files := map[string]string{
			// Out of order in the folder listing, and with a file that is
			// not a migration.
			"010_seed.sql":   `INSERT INTO things (name) VALUES ('seeded');`,
			"002_things.sql": `CREATE TABLE things (name TEXT NOT NULL UNIQUE);`,
			"README.md":      `not SQL`,
		}
		before := time.Now().Unix()
		if err := db.Migrate(ctx, migrations(files), "m", "test_migrations"); err != nil {
			t.Fatalf("Migrate() = %v, want nil", err)
		}
		want := []string{"1 001_first.sql", "2 002_things.sql", "10 010_seed.sql"}
		if got := recorded(t, db, "test_migrations"); !equal(got, want) {
			t.Fatalf("recorded after the first Migrate = %q, want %q", got, want)
		}
		var dialect string
		if err := db.QueryRow(ctx, `SELECT dialect FROM origin`).Scan(&dialect); err != nil || dialect != string(db.Dialect()) {
			t.Errorf("migration applied from folder %q (%v), want %q", dialect, err, db.Dialect())
		}
		var minAt, maxAt int64
		if err := db.QueryRow(ctx, `SELECT MIN(applied_at), MAX(applied_at) FROM test_migrations`).Scan(&minAt, &maxAt); err != nil {
			t.Fatal(err)
		}
		if after := time.Now().Unix(); minAt < before || maxAt > after {
			t.Errorf("applied_at from %d to %d, want Unix seconds from %d to %d", minAt, maxAt, before, after)
		}

		// Again, and again with one more migration: only that one runs
		// (the seed would fail on its unique name if it ran twice).
		if err := db.Migrate(ctx, migrations(files), "m", "test_migrations"); err != nil {
			t.Fatalf("Migrate() again = %v, want nil", err)
		}
		more := maps.Clone(files)
		more["011_more.sql"] = `INSERT INTO things (name) VALUES ('more');`
		if err := db.Migrate(ctx, migrations(more), "m", "test_migrations"); err != nil {
			t.Fatalf("Migrate() with a new migration = %v, want nil", err)
		}
		if n := count(t, db, "things"); n != 2 {
			t.Errorf("rows inserted by the migrations = %d, want 2 (each applied once)", n)
		}
		if n := count(t, db, "origin"); n != 1 {
			t.Errorf("rows of the first migration = %d, want 1", n)
		}
		if got := recorded(t, db, "test_migrations"); len(got) != 4 {
			t.Errorf("recorded after the new migration = %q, want 4 versions", got)
		}
	})
}

// TestMigrateFailure checks that a failing migration leaves nothing behind
// and is not recorded, while those before it stay applied.
func TestMigrateFailure(t *testing.T) {
	forEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := t.Context()
		files := map[string]string{
			"002_half.sql": `CREATE TABLE half (a INTEGER);
INSERT INTO no_such_table (a) VALUES (1);`,
			"003_after.sql": `CREATE TABLE after_half (a INTEGER);`,
		}
		err := db.Migrate(ctx, migrations(files), "m", "test_migrations")
		if err == nil || !strings.Contains(err.Error(), "002_half.sql") {
			t.Fatalf("Migrate(a failing migration) = %v, want an error naming 002_half.sql", err)
		}
		if got, want := recorded(t, db, "test_migrations"), []string{"1 001_first.sql"}; !equal(got, want) {
			t.Errorf("recorded = %q, want %q", got, want)
		}
		for _, table := range []string{"half", "after_half"} {
			var n int
			if err := db.QueryRow(ctx, "SELECT COUNT(*) FROM "+table).Scan(&n); err == nil {
				t.Errorf("table %s exists after the failed migration, want it rolled back or never created", table)
			}
		}
		// Fixed, it runs.
		files["002_half.sql"] = `CREATE TABLE half (a INTEGER);`
		if err := db.Migrate(ctx, migrations(files), "m", "test_migrations"); err != nil {
			t.Fatalf("Migrate(fixed) = %v, want nil", err)
		}
		if got := recorded(t, db, "test_migrations"); len(got) != 3 {
			t.Errorf("recorded after the fix = %q, want 3 versions", got)
		}
	})
}

// TestMigrateNames checks that bad file names are refused before anything
// is applied.
func TestMigrateNames(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
	}{
		{"no number", map[string]string{"things.sql": `CREATE TABLE t (a INTEGER);`}},
		{"no underscore", map[string]string{"002.sql": `CREATE TABLE t (a INTEGER);`}},
		{"same number", map[string]string{"002_a.sql": `CREATE TABLE a (a INTEGER);`, "002_b.sql": `CREATE TABLE b (a INTEGER);`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := sqldbtest.Open(t, sqldbtest.SQLiteDSN(t))
			if err := db.Migrate(t.Context(), migrations(tc.files), "m", "test_migrations"); err == nil {
				t.Fatalf("Migrate(%v) = nil, want an error", tc.files)
			}
			var n int
			if err := db.QueryRow(t.Context(), "SELECT COUNT(*) FROM origin").Scan(&n); err == nil {
				t.Errorf("the first migration ran despite a bad name further on")
			}
		})
	}
	t.Run("no folder for the dialect", func(t *testing.T) {
		db := sqldbtest.Open(t, sqldbtest.SQLiteDSN(t))
		fsys := fstest.MapFS{"m/postgres/001_first.sql": &fstest.MapFile{Data: []byte(`SELECT 1;`)}}
		if err := db.Migrate(t.Context(), fsys, "m", "test_migrations"); err == nil {
			t.Errorf("Migrate(no m/sqlite folder) = nil, want an error")
		}
	})
}

// TestMigrateTables checks that two stores sharing a database keep their
// own histories, and that a history written by earlier versions of eulogin
// (the same table and columns) is honoured.
func TestMigrateTables(t *testing.T) {
	forEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := t.Context()
		mustExec(t, db, `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`)
		mustExec(t, db, `CREATE TABLE origin (dialect TEXT NOT NULL)`)
		mustExec(t, db, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`, 1, "001_first.sql", 1700000000)

		idp := migrations(map[string]string{"002_idp.sql": `CREATE TABLE idp_things (a INTEGER);`})
		if err := db.Migrate(ctx, idp, "m", "schema_migrations"); err != nil {
			t.Fatalf("Migrate(schema_migrations) = %v, want nil", err)
		}
		if n := count(t, db, "origin"); n != 0 {
			t.Errorf("the recorded migration ran again (%d rows), want it skipped", n)
		}
		portal := fstest.MapFS{}
		for _, d := range []sqldb.Dialect{sqldb.SQLite, sqldb.Postgres} {
			portal["p/"+string(d)+"/001_portal.sql"] = &fstest.MapFile{Data: []byte(`CREATE TABLE portal_things (a INTEGER);`)}
		}
		if err := db.Migrate(ctx, portal, "p", "portal_migrations"); err != nil {
			t.Fatalf("Migrate(portal_migrations) = %v, want nil", err)
		}
		if got, want := recorded(t, db, "schema_migrations"), []string{"1 001_first.sql", "2 002_idp.sql"}; !equal(got, want) {
			t.Errorf("schema_migrations = %q, want %q", got, want)
		}
		if got, want := recorded(t, db, "portal_migrations"), []string{"1 001_portal.sql"}; !equal(got, want) {
			t.Errorf("portal_migrations = %q, want %q", got, want)
		}
	})
}

// TestMigrateConcurrently starts several replicas on one database at once:
// each migration must run exactly once, and every replica succeed.
func TestMigrateConcurrently(t *testing.T) {
	for _, e := range sqldbtest.Engines {
		t.Run(e.Name, func(t *testing.T) {
			dsn := e.DSN(t)
			fsys := migrations(map[string]string{
				"002_things.sql": `CREATE TABLE things (name TEXT NOT NULL UNIQUE);`,
				"003_seed.sql":   `INSERT INTO things (name) VALUES ('seeded');`,
			})
			const replicas = 4
			dbs := make([]*sqldb.DB, replicas)
			for i := range dbs {
				dbs[i] = sqldbtest.Open(t, dsn)
			}
			var wg sync.WaitGroup
			errs := make([]error, replicas)
			for i, db := range dbs {
				wg.Go(func() { errs[i] = db.Migrate(t.Context(), fsys, "m", "test_migrations") })
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("replica %d: Migrate() = %v, want nil", i, err)
				}
			}
			if n := count(t, dbs[0], "things"); n != 1 {
				t.Errorf("rows seeded = %d, want 1", n)
			}
			if got := recorded(t, dbs[0], "test_migrations"); len(got) != 3 {
				t.Errorf("recorded = %q, want 3 versions", got)
			}
		})
	}
}
