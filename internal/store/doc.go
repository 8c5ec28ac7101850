// Package store is the database of the identity provider: one implementation
// over database/sql that speaks two dialects, the embedded SQLite (the default,
// a file under ./var in WAL mode) and PostgreSQL (for several replicas).
//
// Every piece of state that a replica needs (accounts, sessions, login flows,
// e-mail links, throttling events, audit events, the dev outbox, the CAS
// service registry, CAS tickets and the services each session entered) lives here,
// so replicas keep nothing that only they know. Queries are written once with
// '?' placeholders and rebound to '$n' for PostgreSQL. Transactions live inside
// store methods. Migrations are embedded SQL files, numbered, one folder per
// dialect, applied in order at start and recorded in schema_migrations.
//
// Secret values (session ids, link tokens, CAS tickets) are never stored:
// callers pass the SHA-256 of the secret and the store only ever sees that.
// (A CAS service ticket is kept once validated, when it is spent: single
// logout names it to the application.) Single-use secrets are spent by one
// conditional UPDATE, so of concurrent attempts exactly one succeeds.
//
// The conformance suite in storetest runs the same tests on both engines.
package store
