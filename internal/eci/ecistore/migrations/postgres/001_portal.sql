-- The ECI organiser portal's own tables: the organisers it has seen, its
-- sessions, and its audit log. Never the identity provider's tables.
-- Times are milliseconds since the Unix epoch (0 = none).
CREATE TABLE portal_users (
    id            TEXT PRIMARY KEY,      -- the IdP's stable user id (cas:user)
    email         TEXT NOT NULL,
    first_name    TEXT NOT NULL,
    last_name     TEXT NOT NULL,
    locale        TEXT NOT NULL DEFAULT '',
    first_seen    BIGINT NOT NULL,
    last_login    BIGINT NOT NULL,
    last_strength TEXT NOT NULL DEFAULT ''
);

CREATE TABLE portal_sessions (
    hash         TEXT PRIMARY KEY,       -- SHA-256 of the session cookie value
    user_id      TEXT NOT NULL REFERENCES portal_users(id) ON DELETE CASCADE,
    ticket_hash  TEXT NOT NULL,          -- SHA-256 of the service ticket, for single logout
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    strength     TEXT NOT NULL,
    login_date   BIGINT NOT NULL
);
CREATE INDEX portal_sessions_ticket ON portal_sessions(ticket_hash);
CREATE INDEX portal_sessions_user ON portal_sessions(user_id);
CREATE INDEX portal_sessions_expires ON portal_sessions(expires_at);

CREATE TABLE portal_audit (
    id      BIGSERIAL PRIMARY KEY,
    user_id TEXT NOT NULL DEFAULT '',    -- '' when the user is not known (a refused login)
    at      BIGINT NOT NULL,
    type    TEXT NOT NULL,
    detail  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX portal_audit_user ON portal_audit(user_id, at);
