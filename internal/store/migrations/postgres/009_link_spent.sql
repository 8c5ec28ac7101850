-- spent_at is when a link made its change (set the password, moved the
-- address); used_at alone also marks the links a newer one killed unused.
ALTER TABLE email_tokens ADD COLUMN spent_at BIGINT NOT NULL DEFAULT 0;

-- A password link used before this column existed set the password at the
-- very instant it was used.
UPDATE email_tokens SET spent_at = used_at
WHERE used_at <> 0 AND purpose IN ('register', 'reset')
  AND used_at = (SELECT password_changed_at FROM users WHERE users.id = email_tokens.user_id);
