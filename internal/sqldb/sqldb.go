package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver "pgx"
	_ "modernc.org/sqlite"             // SQLite driver "sqlite"
)

// Dialect names the SQL engine behind a DB.
type Dialect string

// The supported engines.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is a pool of connections to one database, with its dialect.
type DB struct {
	pool    *sql.DB
	dialect Dialect
}

// Open opens the database named by dsn without touching it: a dsn starting
// with postgres:// or postgresql:// selects PostgreSQL; anything else is a
// SQLite file path, with or without a sqlite:// prefix (its folder is
// created), or a "file:" URI.
func Open(dsn string) (*DB, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return openPostgres(dsn)
	}
	return openSQLite(strings.TrimPrefix(dsn, "sqlite://"))
}

func openPostgres(dsn string) (*DB, error) {
	pool, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqldb: open postgres: %w", err)
	}
	pool.SetMaxOpenConns(20)
	pool.SetMaxIdleConns(10)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	return &DB{pool: pool, dialect: Postgres}, nil
}

func openSQLite(path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("sqldb: empty database path")
	}
	if !strings.HasPrefix(path, "file:") {
		if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, fmt.Errorf("sqldb: create database folder: %w", err)
			}
		}
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	// _txlock=immediate takes the write lock at BEGIN, so two writers wait on
	// busy_timeout instead of failing with SQLITE_BUSY halfway through.
	full := path + sep + "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	pool, err := sql.Open("sqlite", full)
	if err != nil {
		return nil, fmt.Errorf("sqldb: open sqlite: %w", err)
	}
	pool.SetMaxOpenConns(8)
	return &DB{pool: pool, dialect: SQLite}, nil
}

// Close closes the database.
func (db *DB) Close() error { return db.pool.Close() }

// Dialect reports the SQL engine.
func (db *DB) Dialect() Dialect { return db.dialect }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.pool.PingContext(ctx) }

// SQL exposes the pool, for what the helpers here do not cover (a
// connection of one's own, a test counting rows). Its methods take the
// engine's own placeholders.
func (db *DB) SQL() *sql.DB { return db.pool }

// Rebind turns q's '?' placeholders into those of db's dialect.
func (db *DB) Rebind(q string) string { return Rebind(db.dialect, q) }

// Rebind turns '?' placeholders into '$n' when d is PostgreSQL, and returns
// q unchanged otherwise. Every '?' counts as a placeholder, even one inside
// a string literal: statements must hold no literal question mark.
func Rebind(d Dialect, q string) string {
	if d != Postgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Exec runs a statement written with '?' placeholders.
func (db *DB) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return db.pool.ExecContext(ctx, db.Rebind(q), args...)
}

// Query runs a query written with '?' placeholders.
func (db *DB) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return db.pool.QueryContext(ctx, db.Rebind(q), args...)
}

// QueryRow runs a query written with '?' placeholders that returns at most
// one row.
func (db *DB) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return db.pool.QueryRowContext(ctx, db.Rebind(q), args...)
}

// InTx runs fn in a transaction and commits it when fn returns nil. When fn
// returns an error (or panics) the transaction is rolled back and the error
// is returned as it is, so that a store's sentinel errors pass through.
func (db *DB) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	t, err := db.pool.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqldb: begin: %w", err)
	}
	// After a commit this does nothing; otherwise it ends the transaction
	// however fn left, a panic included, so the connection goes back to
	// the pool.
	defer t.Rollback()
	if err := fn(&Tx{tx: t, dialect: db.dialect}); err != nil {
		return err
	}
	if err := t.Commit(); err != nil {
		return fmt.Errorf("sqldb: commit: %w", err)
	}
	return nil
}

// Tx is a transaction begun by InTx, with the same placeholder rebinding
// as DB.
type Tx struct {
	tx      *sql.Tx
	dialect Dialect
}

// Exec runs a statement written with '?' placeholders in the transaction.
func (t *Tx) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return t.tx.ExecContext(ctx, Rebind(t.dialect, q), args...)
}

// Query runs a query written with '?' placeholders in the transaction.
func (t *Tx) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(ctx, Rebind(t.dialect, q), args...)
}

// QueryRow runs a query written with '?' placeholders that returns at most
// one row, in the transaction.
func (t *Tx) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(ctx, Rebind(t.dialect, q), args...)
}

// Millis turns t into the stored milliseconds since the Unix epoch, and the
// zero time into 0, which the schemas read as "not set" (queries such as
// "used_at = 0" depend on it).
func Millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// FromMillis turns stored milliseconds back into a UTC time, 0 into the
// zero time.
func FromMillis(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}
