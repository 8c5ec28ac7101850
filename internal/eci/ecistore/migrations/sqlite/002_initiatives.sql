-- Initiatives prepared in the portal (issue 7): the initiative, every change
-- to it, its group of organisers, its sources of funding, its draft legal
-- act, the Commission's reviewers and the registration numbers per year.
-- Times are milliseconds since the Unix epoch (0 = none); calendar dates
-- are TEXT YYYY-MM-DD ('' = none).
CREATE TABLE eci_initiatives (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    status           TEXT NOT NULL DEFAULT 'DRAFT',  -- DRAFT, SUBMITTED, REGISTERED, PARTIALLY_REGISTERED, REFUSED
    title            TEXT NOT NULL,
    objectives       TEXT NOT NULL DEFAULT '',
    annex            TEXT NOT NULL DEFAULT '',
    treaty           TEXT NOT NULL DEFAULT '',
    website          TEXT NOT NULL DEFAULT '',
    categories       TEXT NOT NULL DEFAULT '',       -- comma-separated codes
    language         TEXT NOT NULL DEFAULT '',
    representative   TEXT NOT NULL,                  -- portal user id
    substitute       TEXT NOT NULL DEFAULT '',       -- portal user id, '' = none
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    submitted_at     BIGINT NOT NULL DEFAULT 0,
    decided_at       BIGINT NOT NULL DEFAULT 0,
    decided_by       TEXT NOT NULL DEFAULT '',
    decision_reasons TEXT NOT NULL DEFAULT '',
    registration     TEXT,                           -- ECI(YYYY)NNNNNN, NULL until registered
    collection_start TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX eci_initiatives_registration ON eci_initiatives(registration);
CREATE INDEX eci_initiatives_status ON eci_initiatives(status, submitted_at);

CREATE TABLE eci_history (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    initiative_id BIGINT NOT NULL REFERENCES eci_initiatives(id) ON DELETE CASCADE,
    at            BIGINT NOT NULL,
    user_id       TEXT NOT NULL,
    field         TEXT NOT NULL,
    old_value     TEXT NOT NULL DEFAULT 'null',      -- JSON
    new_value     TEXT NOT NULL DEFAULT 'null'       -- JSON
);
CREATE INDEX eci_history_initiative ON eci_history(initiative_id, id);

CREATE TABLE eci_members (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    initiative_id BIGINT NOT NULL REFERENCES eci_initiatives(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,                     -- as invited
    email         TEXT NOT NULL,                     -- as invited
    token_hash    TEXT NOT NULL DEFAULT '',          -- SHA-256 of the invitation token; '' for the creator
    status        TEXT NOT NULL DEFAULT 'invited',   -- invited, accepted
    invited_at    BIGINT NOT NULL,
    accepted_at   BIGINT NOT NULL DEFAULT 0,
    user_id       TEXT NOT NULL DEFAULT '',          -- portal user id once accepted
    full_name     TEXT NOT NULL DEFAULT '',
    nationality   TEXT NOT NULL DEFAULT '',
    residence     TEXT NOT NULL DEFAULT '',
    birth_date    TEXT NOT NULL DEFAULT '',
    mep           INTEGER NOT NULL DEFAULT 0,
    consent_at    BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX eci_members_initiative ON eci_members(initiative_id, id);
CREATE UNIQUE INDEX eci_members_token ON eci_members(token_hash) WHERE token_hash <> '';
CREATE UNIQUE INDEX eci_members_user ON eci_members(initiative_id, user_id) WHERE user_id <> '';
CREATE INDEX eci_members_user_id ON eci_members(user_id);

CREATE TABLE eci_funding (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    initiative_id BIGINT NOT NULL REFERENCES eci_initiatives(id) ON DELETE CASCADE,
    sponsor       TEXT NOT NULL,
    amount_cents  BIGINT NOT NULL,
    received      TEXT NOT NULL,                     -- YYYY-MM-DD
    updated_at    BIGINT NOT NULL
);
CREATE INDEX eci_funding_initiative ON eci_funding(initiative_id, id);

-- The draft legal act is kept in the database (not on a local disk) so that
-- every replica serves it.
CREATE TABLE eci_documents (
    initiative_id BIGINT PRIMARY KEY REFERENCES eci_initiatives(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    size          BIGINT NOT NULL,
    sha256        TEXT NOT NULL,
    content       BLOB NOT NULL,
    uploaded_at   BIGINT NOT NULL,
    uploaded_by   TEXT NOT NULL
);

CREATE TABLE eci_reviewers (
    email    TEXT PRIMARY KEY,                       -- lower case
    added_at BIGINT NOT NULL
);

CREATE TABLE eci_registration_seq (
    year INTEGER PRIMARY KEY,
    last INTEGER NOT NULL
);
