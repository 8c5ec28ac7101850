package sqldb_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"eulogin/internal/sqldb"
	"eulogin/internal/sqldb/sqldbtest"
)

func TestRebind(t *testing.T) {
	for _, tc := range []struct {
		name    string
		dialect sqldb.Dialect
		in      string
		want    string
	}{
		{"sqlite keeps placeholders", sqldb.SQLite, "SELECT * FROM users WHERE id = ? AND email = ?", "SELECT * FROM users WHERE id = ? AND email = ?"},
		{"postgres without placeholders", sqldb.Postgres, "SELECT COUNT(*) FROM users", "SELECT COUNT(*) FROM users"},
		{"postgres one", sqldb.Postgres, "SELECT * FROM users WHERE id = ?", "SELECT * FROM users WHERE id = $1"},
		{"postgres several", sqldb.Postgres, "INSERT INTO t (a, b, c) VALUES (?, ?, ?)", "INSERT INTO t (a, b, c) VALUES ($1, $2, $3)"},
		{"postgres adjacent", sqldb.Postgres, "??", "$1$2"},
		{"postgres ten and more", sqldb.Postgres, "?,?,?,?,?,?,?,?,?,?,?,?", "$1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12"},
		{"postgres keeps other text", sqldb.Postgres, "UPDATE t SET name = 'Ķēniņš Δημήτρης' || ? WHERE key LIKE '%:' || ?", "UPDATE t SET name = 'Ķēniņš Δημήτρης' || $1 WHERE key LIKE '%:' || $2"},
		{"empty", sqldb.Postgres, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := sqldb.Rebind(tc.dialect, tc.in); got != tc.want {
				t.Errorf("Rebind(%q, %q) = %q, want %q", tc.dialect, tc.in, got, tc.want)
			}
		})
	}
}

func TestOpenDialect(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		dsn  string
		want sqldb.Dialect
	}{
		// sql.Open does not connect: no server is needed to choose the driver.
		{"postgres://nobody@127.0.0.1:1/none", sqldb.Postgres},
		{"postgresql://nobody@127.0.0.1:1/none", sqldb.Postgres},
		{filepath.Join(dir, "plain.db"), sqldb.SQLite},
		{"sqlite://" + filepath.Join(dir, "prefixed.db"), sqldb.SQLite},
		{"file:" + filepath.Join(dir, "uri.db") + "?cache=shared", sqldb.SQLite},
	} {
		db, err := sqldb.Open(tc.dsn)
		if err != nil {
			t.Errorf("Open(%q) = %v, want nil", tc.dsn, err)
			continue
		}
		if got := db.Dialect(); got != tc.want {
			t.Errorf("Open(%q).Dialect() = %q, want %q", tc.dsn, got, tc.want)
		}
		db.Close()
	}
	for _, dsn := range []string{"", "sqlite://"} {
		if _, err := sqldb.Open(dsn); err == nil {
			t.Errorf("Open(%q) = nil error, want one (no path)", dsn)
		}
	}
}

func TestOpenSQLite(t *testing.T) {
	ctx := t.Context()
	dsn := sqldbtest.SQLiteDSN(t)
	db := sqldbtest.Open(t, "sqlite://"+dsn)
	if err := db.Ping(ctx); err != nil {
		t.Fatalf("Ping() = %v, want nil", err)
	}
	if _, err := os.Stat(dsn); err != nil {
		t.Errorf("after Open(sqlite://%s) and Ping, the file: %v, want it created in a new folder", dsn, err)
	}
	// Every connection of the pool gets the settings, not only the first:
	// hold a few at once.
	conns := make([]*sql.Conn, 3)
	for i := range conns {
		c, err := db.SQL().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns[i] = c
	}
	for i, c := range conns {
		for _, p := range []struct {
			pragma string
			want   string
		}{
			{"journal_mode", "wal"},
			{"foreign_keys", "1"},
			{"busy_timeout", "10000"},
			{"synchronous", "1"}, // NORMAL
		} {
			var got string
			if err := c.QueryRowContext(ctx, "PRAGMA "+p.pragma).Scan(&got); err != nil {
				t.Fatalf("PRAGMA %s: %v", p.pragma, err)
			}
			if got != p.want {
				t.Errorf("connection %d: PRAGMA %s = %q, want %q", i, p.pragma, got, p.want)
			}
		}
	}
}

// TestSQLiteWritersQueue checks that transactions which read and then
// write wait for each other instead of failing: a deferred transaction
// would hold a read lock it cannot upgrade while another writes
// (SQLITE_BUSY at once, busy timeout or not); _txlock=immediate takes the
// write lock at BEGIN.
func TestSQLiteWritersQueue(t *testing.T) {
	ctx := t.Context()
	db := sqldbtest.Open(t, sqldbtest.SQLiteDSN(t))
	mustExec(t, db, `CREATE TABLE counter (n INTEGER NOT NULL)`)
	mustExec(t, db, `INSERT INTO counter (n) VALUES (0)`)
	const writers = 16
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for range writers {
		wg.Go(func() {
			errs <- db.InTx(ctx, func(tx *sqldb.Tx) error {
				var n int
				if err := tx.QueryRow(ctx, `SELECT n FROM counter`).Scan(&n); err != nil {
					return err
				}
				// Widen the window in which another transaction could
				// read the same value (no timing is asserted).
				time.Sleep(5 * time.Millisecond)
				_, err := tx.Exec(ctx, `UPDATE counter SET n = ?`, n+1)
				return err
			})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("InTx(read, then write) = %v, want nil", err)
		}
	}
	var n int
	if err := db.QueryRow(ctx, `SELECT n FROM counter`).Scan(&n); err != nil || n != writers {
		t.Errorf("counter after %d read-then-write transactions = %d (%v), want %d", writers, n, err, writers)
	}
}

func mustExec(t *testing.T, db *sqldb.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(t.Context(), q, args...); err != nil {
		t.Fatalf("Exec(%q) = %v", q, err)
	}
}

func count(t *testing.T, db *sqldb.DB, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(t.Context(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// forEngine runs test on a fresh database of every engine.
func forEngine(t *testing.T, test func(t *testing.T, db *sqldb.DB)) {
	for _, e := range sqldbtest.Engines {
		t.Run(e.Name, func(t *testing.T) { test(t, sqldbtest.Open(t, e.DSN(t))) })
	}
}

// TestStatements runs statements with several '?' placeholders through
// DB and Tx on both engines: PostgreSQL refuses '?', so the results show
// that they were rebound, and in the right order.
func TestStatements(t *testing.T) {
	forEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := t.Context()
		mustExec(t, db, `CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT NOT NULL, born BIGINT NOT NULL)`)
		born := time.Date(1815, time.December, 10, 12, 0, 0, 123_456_789, time.FixedZone("GMT", 0))
		res, err := db.Exec(ctx, `INSERT INTO people (id, name, born) VALUES (?, ?, ?), (?, ?, ?)`,
			1, "Ada Lovelace", sqldb.Millis(born), 2, "Ķēniņš Δημήτρης", sqldb.Millis(time.Time{}))
		if err != nil {
			t.Fatalf("Exec(INSERT two rows) = %v", err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 2 {
			t.Errorf("RowsAffected() = %d, %v, want 2", n, err)
		}
		var name string
		var ms int64
		if err := db.QueryRow(ctx, `SELECT name, born FROM people WHERE id = ? AND name <> ?`, 1, "").Scan(&name, &ms); err != nil {
			t.Fatalf("QueryRow(id 1) = %v", err)
		}
		if got, want := sqldb.FromMillis(ms), born.Truncate(time.Millisecond); name != "Ada Lovelace" || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("row 1 = %q, %v, want Ada Lovelace, %v in UTC", name, got, want)
		}
		err = db.InTx(ctx, func(tx *sqldb.Tx) error {
			if _, err := tx.Exec(ctx, `UPDATE people SET name = ? WHERE id = ?`, "Augusta Ada King", 1); err != nil {
				return err
			}
			// The transaction sees its own write.
			rows, err := tx.Query(ctx, `SELECT id, name, born FROM people WHERE id IN (?, ?) ORDER BY id`, 1, 2)
			if err != nil {
				return err
			}
			defer rows.Close()
			var got []string
			for rows.Next() {
				var id int
				var name string
				var ms int64
				if err := rows.Scan(&id, &name, &ms); err != nil {
					return err
				}
				got = append(got, fmt.Sprintf("%d %s %t", id, name, sqldb.FromMillis(ms).IsZero()))
			}
			if want := []string{"1 Augusta Ada King false", "2 Ķēniņš Δημήτρης true"}; fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("Tx.Query() rows = %q, want %q", got, want)
			}
			return rows.Err()
		})
		if err != nil {
			t.Fatalf("InTx() = %v, want nil", err)
		}
		rows, err := db.Query(ctx, `SELECT name FROM people WHERE id > ? ORDER BY id`, 0)
		if err != nil {
			t.Fatalf("Query() = %v", err)
		}
		defer rows.Close()
		var names []string
		for rows.Next() {
			if err := rows.Scan(&name); err != nil {
				t.Fatal(err)
			}
			names = append(names, name)
		}
		if want := "[Augusta Ada King Ķēniņš Δημήτρης]"; fmt.Sprint(names) != want || rows.Err() != nil {
			t.Errorf("names after commit = %v (%v), want %v", names, rows.Err(), want)
		}
	})
}

var errRefused = errors.New("refused by the caller")

func TestInTx(t *testing.T) {
	forEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := t.Context()
		mustExec(t, db, `CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)`)
		insert := func(tx *sqldb.Tx, id int) error {
			_, err := tx.Exec(ctx, `INSERT INTO notes (id, body) VALUES (?, ?)`, id, "note")
			return err
		}

		t.Run("commit", func(t *testing.T) {
			err := db.InTx(ctx, func(tx *sqldb.Tx) error { return errors.Join(insert(tx, 1), insert(tx, 2)) })
			if err != nil {
				t.Fatalf("InTx(two inserts) = %v, want nil", err)
			}
			if n := count(t, db, "notes"); n != 2 {
				t.Errorf("notes after commit = %d, want 2", n)
			}
		})
		t.Run("error rolls back", func(t *testing.T) {
			err := db.InTx(ctx, func(tx *sqldb.Tx) error {
				if err := insert(tx, 3); err != nil {
					return err
				}
				return errRefused
			})
			if err != errRefused {
				t.Errorf("InTx(insert, then refuse) = %v, want the caller's error itself", err)
			}
			if n := count(t, db, "notes"); n != 2 {
				t.Errorf("notes after a refused transaction = %d, want 2 (its insert undone)", n)
			}
		})
		t.Run("statement error rolls back", func(t *testing.T) {
			// The second insert repeats a key: the first of this
			// transaction must go too.
			err := db.InTx(ctx, func(tx *sqldb.Tx) error {
				if err := insert(tx, 4); err != nil {
					return err
				}
				return insert(tx, 1)
			})
			if !sqldb.IsUniqueViolation(err) {
				t.Errorf("InTx(insert, insert a used key) = %v, want the driver's unique violation", err)
			}
			if n := count(t, db, "notes"); n != 2 {
				t.Errorf("notes after a failed statement = %d, want 2", n)
			}
		})
		t.Run("panic rolls back", func(t *testing.T) {
			func() {
				defer func() {
					if r := recover(); r != errRefused {
						t.Errorf("recover() = %v, want the panic to go through InTx", r)
					}
				}()
				db.InTx(ctx, func(tx *sqldb.Tx) error {
					if err := insert(tx, 5); err != nil {
						t.Fatal(err)
					}
					panic(errRefused)
				})
			}()
			if n := count(t, db, "notes"); n != 2 {
				t.Errorf("notes after a panic = %d, want 2", n)
			}
			if inUse := db.SQL().Stats().InUse; inUse != 0 {
				t.Errorf("connections in use after the panic = %d, want 0 (the transaction's given back)", inUse)
			}
		})
		t.Run("canceled context", func(t *testing.T) {
			canceled, cancel := context.WithCancel(ctx)
			cancel()
			called := false
			err := db.InTx(canceled, func(tx *sqldb.Tx) error { called = true; return nil })
			if !errors.Is(err, context.Canceled) || called {
				t.Errorf("InTx(canceled context) = %v, fn called %t; want context.Canceled, not called", err, called)
			}
		})
	})
}

func TestMillis(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	for _, tc := range []struct {
		in   time.Time
		want int64
	}{
		{time.Time{}, 0},
		{time.Unix(0, 0).Add(time.Millisecond), 1},
		{time.Date(2026, time.March, 14, 10, 26, 53, 589_999_999, paris), 1773480413589},
		{time.Date(1969, time.December, 31, 23, 59, 59, 0, time.UTC), -1000},
	} {
		got := sqldb.Millis(tc.in)
		if got != tc.want {
			t.Errorf("Millis(%v) = %d, want %d", tc.in, got, tc.want)
		}
		back := sqldb.FromMillis(got)
		if want := tc.in.Truncate(time.Millisecond); !back.Equal(want) || (!back.IsZero() && back.Location() != time.UTC) {
			t.Errorf("FromMillis(%d) = %v, want %v in UTC", got, back, want)
		}
	}
	if got := sqldb.FromMillis(0); !got.IsZero() {
		t.Errorf("FromMillis(0) = %v, want the zero time", got)
	}
}
