-- Attempts get an id, so that package regulation can take back one attempt
-- (a refused one, or the client's record of a good login) without touching
-- the others under the same key.
CREATE TABLE attempts_new (
    id  INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL,
    at  BIGINT NOT NULL
);
INSERT INTO attempts_new (key, at) SELECT key, at FROM attempts;
DROP TABLE attempts;
ALTER TABLE attempts_new RENAME TO attempts;
CREATE INDEX attempts_key_at ON attempts(key, at);
