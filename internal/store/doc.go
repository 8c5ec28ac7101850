// Package store is the database of the identity provider: its tables, and
// the methods that read and change them. It is built on package sqldb, the
// storage engine, which opens the database (the embedded SQLite by default, a
// file under ./var in WAL mode, or PostgreSQL for several replicas), rebinds
// the '?' placeholders the queries here are written with, runs transactions,
// applies migrations and recognises the drivers' errors. This package adds
// only what is the identity provider's own: the schema, the queries, and
// which of its errors (ErrNotFound, ErrConflict) a caller sees.
//
// Every piece of state that a replica needs (accounts, sessions, login flows,
// e-mail links, throttling events, audit events, the dev outbox, the CAS
// service registry, CAS tickets and the services each session entered) lives here,
// so replicas keep nothing that only they know. Transactions live inside
// store methods. Migrations are embedded SQL files, numbered, one folder per
// dialect (migrations/{sqlite,postgres}/NNN_name.sql), applied in order at
// start by sqldb and recorded in schema_migrations.
//
// Secret values (session ids, link tokens, CAS tickets) are never stored:
// callers pass the SHA-256 of the secret and the store only ever sees that.
// (A CAS service ticket is kept once validated, when it is spent: single
// logout names it to the application.) Single-use secrets are spent by one
// conditional UPDATE, so of concurrent attempts exactly one succeeds.
//
// The conformance suite in storetest runs the same tests on both engines.
package store
