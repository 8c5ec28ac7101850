-- CAS: the service registry, the tickets (only their SHA-256 is stored), and
-- the services each SSO session has entered (for single logout).
-- Times are milliseconds since the Unix epoch (0 = none).
CREATE TABLE services (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    names      TEXT NOT NULL DEFAULT '{}', -- JSON object: language -> name
    patterns   TEXT NOT NULL DEFAULT '[]', -- JSON list of URL patterns
    strengths  TEXT NOT NULL DEFAULT '',   -- comma list; '' = any strength
    attributes TEXT NOT NULL DEFAULT '',   -- comma list; '' = every attribute
    slo        BOOLEAN NOT NULL DEFAULT 0,
    proxy      BOOLEAN NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE cas_tickets (
    hash         TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,             -- ST, PT or PGT
    service_url  TEXT NOT NULL DEFAULT '',
    service_id   TEXT NOT NULL DEFAULT '',
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    session_hash TEXT NOT NULL DEFAULT '',  -- the SSO session behind it
    strength     TEXT NOT NULL DEFAULT '',
    factors      TEXT NOT NULL DEFAULT '',
    auth_at      BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    used_at      BIGINT NOT NULL DEFAULT 0,
    renew        BOOLEAN NOT NULL DEFAULT 0,
    sso          BOOLEAN NOT NULL DEFAULT 0,
    proxies      TEXT NOT NULL DEFAULT '[]', -- JSON list of pgtUrls, most recent first
    pgt_hash     TEXT NOT NULL DEFAULT ''    -- the PGT a PT (or a PGT) descends from
);
CREATE INDEX cas_tickets_expires ON cas_tickets(expires_at);
CREATE INDEX cas_tickets_session ON cas_tickets(session_hash);
CREATE INDEX cas_tickets_user ON cas_tickets(user_id);

-- No foreign key to sessions: a row outlives its session until single
-- logout has been sent.
CREATE TABLE session_services (
    ticket_hash  TEXT PRIMARY KEY,          -- hash of the service ticket issued
    session_hash TEXT NOT NULL,
    service_url  TEXT NOT NULL,
    service_id   TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    ticket       TEXT NOT NULL DEFAULT '',  -- the ticket itself, once validated (spent)
    created_at   BIGINT NOT NULL
);
CREATE INDEX session_services_session ON session_services(session_hash);
