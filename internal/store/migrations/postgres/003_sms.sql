-- Mobile phone numbers and SMS challenges (issue 4).
-- Times are milliseconds since the Unix epoch (0 = none).
CREATE TABLE phones (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    e164         TEXT NOT NULL,
    region       TEXT NOT NULL,
    verified_at  BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL DEFAULT 0,
    UNIQUE (user_id, e164)
);

-- Only a salted hash of each code is kept. A challenge is live while
-- used_at = 0, attempts < the maximum and expires_at is in the future; a newer
-- challenge of the same user and purpose kills it by moving expires_at.
CREATE TABLE sms_challenges (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    phone      TEXT NOT NULL,
    purpose    TEXT NOT NULL,
    flow_id    TEXT NOT NULL DEFAULT '',
    code_hash  TEXT NOT NULL,
    salt       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    used_at    BIGINT NOT NULL DEFAULT 0,
    resend_at  BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX sms_challenges_user ON sms_challenges(user_id, purpose, flow_id, created_at);
CREATE INDEX sms_challenges_expires ON sms_challenges(expires_at);
