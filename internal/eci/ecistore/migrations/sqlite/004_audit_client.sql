-- The portal's audit log keeps, like the identity provider's, what it knows
-- of the request that caused an event: the client's address and its
-- User-Agent ('' for the events recorded before this migration).
ALTER TABLE portal_audit ADD COLUMN ip TEXT NOT NULL DEFAULT '';
ALTER TABLE portal_audit ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
