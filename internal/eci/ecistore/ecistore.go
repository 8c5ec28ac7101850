package ecistore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"

	"eulogin/internal/sqldb"
)

//go:embed migrations
var migrations embed.FS

// MigrationsTable records the portal's applied migrations.
const MigrationsTable = "eci_schema_migrations"

// ErrNotFound is returned when a row asked for does not exist.
var ErrNotFound = errors.New("ecistore: not found")

// DB is the portal's database.
type DB struct {
	sql *sqldb.DB
}

// Open opens the database named by dsn (a SQLite file path, or a
// postgres:// URL) and applies the portal's pending migrations.
func Open(ctx context.Context, dsn string) (*DB, error) {
	s, err := sqldb.Open(dsn)
	if err != nil {
		return nil, fmt.Errorf("ecistore: %w", err)
	}
	if err := s.Migrate(ctx, migrations, "migrations", MigrationsTable); err != nil {
		s.Close()
		return nil, fmt.Errorf("ecistore: %w", err)
	}
	return &DB{sql: s}, nil
}

// Close closes the database.
func (db *DB) Close() error { return db.sql.Close() }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.sql.Ping(ctx) }

// Dialect reports the SQL engine.
func (db *DB) Dialect() sqldb.Dialect { return db.sql.Dialect() }

// SQL exposes the pool, for the conformance suite and for later features
// that keep their tables in this database (with migrations in this package).
func (db *DB) SQL() *sql.DB { return db.sql.SQL() }
