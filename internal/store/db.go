package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"

	"eulogin/internal/sqldb"
)

// Dialect names the SQL engine behind a DB.
type Dialect = sqldb.Dialect

// The supported engines.
const (
	SQLite   = sqldb.SQLite
	Postgres = sqldb.Postgres
)

// ErrNotFound is returned when a row asked for does not exist (or is no longer
// valid, such as an expired or used token).
var ErrNotFound = errors.New("store: not found")

// ErrConflict is returned when a unique value (such as an e-mail address) is
// already taken.
var ErrConflict = errors.New("store: conflict")

//go:embed migrations
var migrations embed.FS

// migrationsTable records the identity provider's applied migrations.
const migrationsTable = "schema_migrations"

// DB is the database of the identity provider.
type DB struct {
	sql *sqldb.DB
}

// Open opens the database named by dsn and applies pending migrations.
// A dsn starting with postgres:// or postgresql:// selects PostgreSQL;
// anything else is a SQLite file path (its folder is created), or
// "file::memory:" style URIs.
func Open(ctx context.Context, dsn string) (*DB, error) {
	db, err := OpenNoMigrate(dsn)
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
func OpenNoMigrate(dsn string) (*DB, error) {
	s, err := sqldb.Open(dsn)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return &DB{sql: s}, nil
}

// Close closes the database.
func (db *DB) Close() error { return db.sql.Close() }

// Dialect reports the SQL engine.
func (db *DB) Dialect() Dialect { return db.sql.Dialect() }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.sql.Ping(ctx) }

// SQL exposes the underlying pool, for tests that look at the tables
// directly.
func (db *DB) SQL() *sql.DB { return db.sql.SQL() }

// Migrate applies the embedded migrations not yet recorded in
// schema_migrations. On PostgreSQL an advisory lock makes concurrent replicas
// take turns.
func (db *DB) Migrate(ctx context.Context) error {
	if err := db.sql.Migrate(ctx, migrations, "migrations", migrationsTable); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}
