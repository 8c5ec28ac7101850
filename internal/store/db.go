package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver "pgx"
	"modernc.org/sqlite"               // SQLite driver "sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialect names the SQL engine behind a DB.
type Dialect string

// The supported engines.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// ErrNotFound is returned when a row asked for does not exist (or is no longer
// valid, such as an expired or used token).
var ErrNotFound = errors.New("store: not found")

// ErrConflict is returned when a unique value (such as an e-mail address) is
// already taken.
var ErrConflict = errors.New("store: conflict")

//go:embed migrations
var migrations embed.FS

// DB is the database of the identity provider.
type DB struct {
	sql     *sql.DB
	dialect Dialect
}

// Open opens the database named by dsn and applies pending migrations.
// A dsn starting with postgres:// or postgresql:// selects PostgreSQL;
// anything else is a SQLite file path (its folder is created), or
// "file::memory:" style URIs.
func Open(ctx context.Context, dsn string) (*DB, error) {
	db, err := open(dsn)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// OpenNoMigrate opens the database without applying migrations.
func OpenNoMigrate(dsn string) (*DB, error) { return open(dsn) }

func open(dsn string) (*DB, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		s, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("store: open postgres: %w", err)
		}
		s.SetMaxOpenConns(20)
		s.SetMaxIdleConns(10)
		s.SetConnMaxIdleTime(5 * time.Minute)
		return &DB{sql: s, dialect: Postgres}, nil
	}
	path := strings.TrimPrefix(dsn, "sqlite://")
	if path == "" {
		return nil, errors.New("store: empty database path")
	}
	if !strings.HasPrefix(path, "file:") {
		if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, fmt.Errorf("store: create database folder: %w", err)
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
	s, err := sql.Open("sqlite", full)
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	s.SetMaxOpenConns(8)
	return &DB{sql: s, dialect: SQLite}, nil
}

// Close closes the database.
func (db *DB) Close() error { return db.sql.Close() }

// Dialect reports the SQL engine.
func (db *DB) Dialect() Dialect { return db.dialect }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.sql.PingContext(ctx) }

// SQL exposes the underlying pool for packages that keep their own tables
// in the same database (with their own migrations).
func (db *DB) SQL() *sql.DB { return db.sql }

// Rebind turns '?' placeholders into '$n' for PostgreSQL. Queries in this
// package contain no literal question marks.
func (db *DB) Rebind(q string) string { return Rebind(db.dialect, q) }

// Rebind turns '?' placeholders into '$n' when d is PostgreSQL.
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

func (db *DB) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return db.sql.ExecContext(ctx, db.Rebind(q), args...)
}

func (db *DB) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return db.sql.QueryRowContext(ctx, db.Rebind(q), args...)
}

func (db *DB) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return db.sql.QueryContext(ctx, db.Rebind(q), args...)
}

// tx runs fn in a transaction, committing when fn returns nil.
func (db *DB) tx(ctx context.Context, fn func(tx *Tx) error) error {
	t, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	if err := fn(&Tx{tx: t, dialect: db.dialect}); err != nil {
		t.Rollback()
		return err
	}
	if err := t.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// Tx is a transaction with the same placeholder rebinding as DB.
type Tx struct {
	tx      *sql.Tx
	dialect Dialect
}

func (t *Tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return t.tx.ExecContext(ctx, Rebind(t.dialect, q), args...)
}

// Migrate applies the embedded migrations not yet recorded. On PostgreSQL an
// advisory lock makes concurrent replicas take turns.
func (db *DB) Migrate(ctx context.Context) error {
	return MigrateFS(ctx, db.sql, db.dialect, migrations, "migrations", "schema_migrations")
}

// MigrateFS applies the numbered NNN_name.sql files of dir/<dialect> in fsys
// that table does not record yet, each in its own transaction.
func MigrateFS(ctx context.Context, s *sql.DB, d Dialect, fsys fs.FS, dir, table string) error {
	conn, err := s.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	defer conn.Close()
	if d == Postgres {
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(hashtext($1))", table); err != nil {
			return fmt.Errorf("store: migrate lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(hashtext($1))", table)
	}
	if _, err := conn.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS "+table+" (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)"); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	entries, err := fs.ReadDir(fsys, dir+"/"+string(d))
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		version, err := strconv.Atoi(num)
		if !ok || err != nil {
			return fmt.Errorf("store: migration %s: name must start with a number and '_'", name)
		}
		var n int
		if err := conn.QueryRowContext(ctx, Rebind(d, "SELECT COUNT(*) FROM "+table+" WHERE version = ?"), version).Scan(&n); err != nil {
			return fmt.Errorf("store: migrate: %w", err)
		}
		if n > 0 {
			continue
		}
		body, err := fs.ReadFile(fsys, dir+"/"+string(d)+"/"+name)
		if err != nil {
			return err
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("store: migrate: %w", err)
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			tx.Rollback()
			return fmt.Errorf("store: migration %s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, Rebind(d, "INSERT INTO "+table+" (version, name, applied_at) VALUES (?, ?, ?)"), version, name, time.Now().Unix()); err != nil {
			tx.Rollback()
			return fmt.Errorf("store: migration %s: %w", name, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("store: migration %s: %w", name, err)
		}
	}
	return nil
}

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

// pgUniqueViolation is PostgreSQL's SQLSTATE for a duplicate unique value.
const pgUniqueViolation = "23505"

// isUniqueViolation reports whether err is a driver's refusal of a
// duplicate unique value, by the driver's error code, never by the message
// text (which a driver may translate or reword): PostgreSQL's SQLSTATE 23505,
// SQLite's extended codes for a unique or primary key constraint.
func isUniqueViolation(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == pgUniqueViolation
	}
	var lite *sqlite.Error
	if errors.As(err, &lite) {
		return lite.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || lite.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}
