// Package ecistore is the database of the ECI organiser portal: its own
// tables (portal_users, portal_sessions, portal_audit, and for initiatives
// eci_initiatives, eci_history, eci_members, eci_funding, eci_documents,
// eci_reviewers, eci_registration_seq), never the identity provider's. Every
// change to an initiative is written with its history entry in the same
// transaction; changes that apply only in a given status (a draft, a
// submitted initiative) are conditional updates that return ErrConflict
// otherwise, so concurrent replicas cannot both win. The portal knows its users only through what the identity
// provider sent at login (CAS attributes), keyed by the stable user id.
//
// The same code runs on SQLite and PostgreSQL. The package is built on
// sqldb, the storage engine it shares with the identity provider's store
// (and nothing else of the identity provider): sqldb opens the database,
// rebinds placeholders, runs the transactions and applies this package's
// embedded, numbered migrations per dialect
// (migrations/{sqlite,postgres}/NNN_name.sql), recorded in the table
// eci_schema_migrations, so the portal may share a database or a schema with
// the identity provider without touching its tables or its migration history
// (a separate database or schema is still the recommended deployment).
//
// Secrets are never stored: a session row is keyed by the SHA-256 of the
// cookie value, and holds the SHA-256 of the service ticket it was created
// from, so that the identity provider's single-logout message (which names
// the ticket) can end exactly that session. Transactions live inside the
// methods. Times are stored as milliseconds since the Unix epoch (UTC).
//
// The conformance suite in ecistoretest runs the same tests on both engines.
package ecistore
