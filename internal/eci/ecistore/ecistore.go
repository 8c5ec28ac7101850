package ecistore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"time"

	"eulogin/internal/store"
)

//go:embed migrations
var migrations embed.FS

// MigrationsTable records the portal's applied migrations.
const MigrationsTable = "eci_schema_migrations"

// ErrNotFound is returned when a row asked for does not exist.
var ErrNotFound = errors.New("ecistore: not found")

// DB is the portal's database.
type DB struct {
	base *store.DB
}

// Open opens the database named by dsn (a SQLite file path, or a
// postgres:// URL) and applies the portal's pending migrations.
func Open(ctx context.Context, dsn string) (*DB, error) {
	base, err := store.OpenNoMigrate(dsn)
	if err != nil {
		return nil, fmt.Errorf("ecistore: %w", err)
	}
	if err := store.MigrateFS(ctx, base.SQL(), base.Dialect(), migrations, "migrations", MigrationsTable); err != nil {
		base.Close()
		return nil, fmt.Errorf("ecistore: %w", err)
	}
	return &DB{base: base}, nil
}

// Close closes the database.
func (db *DB) Close() error { return db.base.Close() }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.base.Ping(ctx) }

// Dialect reports the SQL engine.
func (db *DB) Dialect() store.Dialect { return db.base.Dialect() }

// SQL exposes the pool, for the conformance suite and for later features
// that keep their tables in this database (with migrations in this package).
func (db *DB) SQL() *sql.DB { return db.base.SQL() }

func (db *DB) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return db.base.SQL().ExecContext(ctx, db.base.Rebind(q), args...)
}

func (db *DB) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return db.base.SQL().QueryRowContext(ctx, db.base.Rebind(q), args...)
}

func (db *DB) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return db.base.SQL().QueryContext(ctx, db.base.Rebind(q), args...)
}

// tx runs fn in a transaction, committing when fn returns nil.
func (db *DB) tx(ctx context.Context, fn func(exec func(q string, args ...any) (sql.Result, error)) error) error {
	t, err := db.base.SQL().BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("ecistore: begin: %w", err)
	}
	exec := func(q string, args ...any) (sql.Result, error) {
		return t.ExecContext(ctx, db.base.Rebind(q), args...)
	}
	if err := fn(exec); err != nil {
		t.Rollback()
		return err
	}
	if err := t.Commit(); err != nil {
		return fmt.Errorf("ecistore: commit: %w", err)
	}
	return nil
}

// ms turns a time into the stored milliseconds (0 for the zero time).
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// fromMS turns stored milliseconds back into a UTC time.
func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}
