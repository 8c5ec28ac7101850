-- The Commission's request for changes to a submitted initiative (issue 7):
-- the decision is then due four months after submission instead of two.
-- changes_requested_at is milliseconds since the Unix epoch (0 = none).
ALTER TABLE eci_initiatives ADD COLUMN changes_requested_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE eci_initiatives ADD COLUMN changes_requested TEXT NOT NULL DEFAULT '';
-- Pending invitations are looked up by the invitee's e-mail address.
CREATE INDEX eci_members_email ON eci_members(email, status);
