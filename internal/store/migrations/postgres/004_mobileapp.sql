-- The EU Login Mobile App (issue 5): devices, enrolments, push requests and
-- offline QR challenges. Times are milliseconds since the Unix epoch (0 = none).

-- A device is an installation of the app enrolled for one account. Only the
-- device's P-256 public key is kept; the OTP secret is encrypted with a server
-- key kept outside the database; the PIN is an argon2id PHC string.
-- confirmed_at stays 0 until the app proved the PIN (enrolment step 2).
CREATE TABLE app_devices (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    public_key   BYTEA NOT NULL,
    otp_secret   TEXT NOT NULL,
    pin_hash     TEXT NOT NULL,
    pin_failures INTEGER NOT NULL DEFAULT 0,
    locked_at    BIGINT NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL,
    confirmed_at BIGINT NOT NULL DEFAULT 0,
    last_used_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX app_devices_user ON app_devices(user_id, created_at);

-- An enrolment is the single-use code in the QR code of "Add a mobile
-- device". Only a hash of the code is stored; device_id is set when an app
-- claimed it.
CREATE TABLE app_enrolments (
    id          TEXT PRIMARY KEY,
    code_hash   TEXT NOT NULL UNIQUE,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    device_name TEXT NOT NULL,
    pin_hash    TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT NOT NULL DEFAULT 0,
    device_id   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX app_enrolments_user ON app_enrolments(user_id);
CREATE INDEX app_enrolments_expires ON app_enrolments(expires_at);

-- A push request waits for the app's answer. device_id is the device it is
-- for (NULL: any device of the user) and, once answered, the device that
-- answered. Removing the device removes its requests.
CREATE TABLE app_requests (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    device_id   TEXT REFERENCES app_devices(id) ON DELETE CASCADE,
    flow_hash   TEXT NOT NULL,
    service     TEXT NOT NULL,
    browser     TEXT NOT NULL,
    ip          TEXT NOT NULL,
    number      INTEGER NOT NULL,
    decoys      TEXT NOT NULL,
    challenge   TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'pending',
    answered_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX app_requests_user ON app_requests(user_id, state, expires_at);
CREATE INDEX app_requests_device ON app_requests(device_id);
CREATE INDEX app_requests_expires ON app_requests(expires_at);

-- An offline QR challenge, bound to one login flow and one device.
CREATE TABLE app_qr_challenges (
    id         TEXT PRIMARY KEY,
    flow_hash  TEXT NOT NULL,
    device_id  TEXT NOT NULL REFERENCES app_devices(id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    challenge  TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT NOT NULL DEFAULT 0,
    attempts   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX app_qr_challenges_device ON app_qr_challenges(device_id);
CREATE INDEX app_qr_challenges_user ON app_qr_challenges(user_id);
CREATE INDEX app_qr_challenges_expires ON app_qr_challenges(expires_at);
