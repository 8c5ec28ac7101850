-- Browsers in which an account completed a login, known by a long-lived
-- cookie (its hash here): a lockout caused by others' guesses does not
-- hold them (ADR 12).
CREATE TABLE known_browsers (
    hash         TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL
);
CREATE INDEX known_browsers_user ON known_browsers(user_id);
