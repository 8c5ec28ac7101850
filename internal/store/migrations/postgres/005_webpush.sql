-- Web Push (issue 6): where the push service of a device's browser accepts
-- messages for it. One browser subscription may serve several accounts (each
-- is a device of its own), so the endpoint is not unique; a device has at
-- most one subscription, replaced when the app subscribes again. p256dh and
-- auth are the browser's public keys for RFC 8291 encryption (not secrets of
-- the server's: they only let a sender encrypt to that browser).
CREATE TABLE app_push_subscriptions (
    device_id  TEXT PRIMARY KEY REFERENCES app_devices(id) ON DELETE CASCADE,
    endpoint   TEXT NOT NULL,
    p256dh     TEXT NOT NULL,
    auth       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    failed_at  BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX app_push_subscriptions_endpoint ON app_push_subscriptions(endpoint);
