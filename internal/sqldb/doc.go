// Package sqldb is the storage engine under the stores of eulogin: it opens a
// database on one of the two supported engines, runs statements and
// transactions on it, applies a store's migrations and classifies the
// drivers' errors. It knows no table; the tables belong to the stores built
// on it (package store for the identity provider, package ecistore for the
// ECI portal), each with its own migrations and migration history.
//
// A DSN starting with postgres:// or postgresql:// selects PostgreSQL
// (driver pgx); anything else is the path of a SQLite file (driver
// modernc.org/sqlite, pure Go), whose folder is created. SQLite runs in WAL
// mode with foreign keys on, and takes its write lock when a transaction
// begins (_txlock=immediate) so that concurrent writers queue on the busy
// timeout instead of failing halfway through.
//
// Statements are written once with '?' placeholders; on PostgreSQL Exec,
// Query and QueryRow (of a DB or of a Tx) rebind them to '$n' first. A
// statement must therefore hold no literal question mark.
//
// Migrate applies the numbered files NNN_name.sql of one folder per dialect,
// in order, each in its own transaction, and records each version in a table
// the store names (schema_migrations for the identity provider,
// eci_schema_migrations for the portal), so that two stores may share one
// database without touching each other's history. On PostgreSQL an advisory
// lock on that name makes replicas that start together take turns.
//
// Errors are recognised by the drivers' codes, never by their message text:
// IsUniqueViolation is true for PostgreSQL's SQLSTATE 23505 and SQLite's
// unique and primary key constraint codes. Which sentinel error a store
// returns for such a refusal (store.ErrConflict, for instance) is the
// store's business.
//
// Times are stored as milliseconds since the Unix epoch in a BIGINT, the
// zero time as 0 (Millis, FromMillis), which both engines compare and index
// the same way.
//
// The tests run on SQLite always and on PostgreSQL when
// EULOGIN_TEST_POSTGRES names a database; sqldbtest opens fresh databases
// for them and for the conformance suites of the stores.
package sqldb
