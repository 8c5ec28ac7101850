-- Attempts get an id, so that package regulation can take back one attempt
-- (a refused one, or the client's record of a good login) without touching
-- the others under the same key.
ALTER TABLE attempts ADD COLUMN id BIGSERIAL PRIMARY KEY;
