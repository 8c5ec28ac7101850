package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"eulogin/internal/sqldb"
)

// AppPushSubscription is where a device's browser receives Web Push
// messages: the push service's endpoint and the browser's RFC 8291 keys.
type AppPushSubscription struct {
	DeviceID  string
	UserID    string // of the device; filled by reads
	Endpoint  string
	P256DH    string
	Auth      string
	CreatedAt time.Time
	FailedAt  time.Time // the last failed delivery (zero: none)
}

// PutAppPushSubscription stores the subscription of a device, replacing the
// one it had. ErrNotFound when the device does not exist.
func (db *DB) PutAppPushSubscription(ctx context.Context, s *AppPushSubscription) error {
	res, err := db.sql.Exec(ctx, `INSERT INTO app_push_subscriptions (device_id, endpoint, p256dh, auth, created_at, failed_at)
		SELECT id, ?, ?, ?, ?, 0 FROM app_devices WHERE id = ?
		ON CONFLICT (device_id) DO UPDATE SET endpoint = excluded.endpoint, p256dh = excluded.p256dh, auth = excluded.auth,
		created_at = excluded.created_at, failed_at = 0`,
		s.Endpoint, s.P256DH, s.Auth, sqldb.Millis(s.CreatedAt), s.DeviceID)
	if err != nil {
		return fmt.Errorf("store: put push subscription: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: put push subscription: %w", err)
	} else if n == 0 {
		return ErrNotFound
	}
	return nil
}

// AppPushSubscriptions returns the subscriptions of the confirmed, unlocked
// devices of userID, or of the one device deviceID of that user when it is
// not empty.
func (db *DB) AppPushSubscriptions(ctx context.Context, userID, deviceID string) ([]AppPushSubscription, error) {
	q := `SELECT s.device_id, d.user_id, s.endpoint, s.p256dh, s.auth, s.created_at, s.failed_at
		FROM app_push_subscriptions s JOIN app_devices d ON d.id = s.device_id
		WHERE d.user_id = ? AND d.confirmed_at <> 0 AND d.locked_at = 0`
	args := []any{userID}
	if deviceID != "" {
		q += ` AND d.id = ?`
		args = append(args, deviceID)
	}
	rows, err := db.sql.Query(ctx, q+` ORDER BY s.device_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: push subscriptions: %w", err)
	}
	defer rows.Close()
	var out []AppPushSubscription
	for rows.Next() {
		var s AppPushSubscription
		var created, failed int64
		if err := rows.Scan(&s.DeviceID, &s.UserID, &s.Endpoint, &s.P256DH, &s.Auth, &created, &failed); err != nil {
			return nil, fmt.Errorf("store: push subscriptions: %w", err)
		}
		s.CreatedAt, s.FailedAt = sqldb.FromMillis(created), sqldb.FromMillis(failed)
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: push subscriptions: %w", err)
	}
	return out, nil
}

// DeleteAppPushEndpoint removes every subscription to endpoint (the push
// service answered that it is gone) and returns how many it removed.
func (db *DB) DeleteAppPushEndpoint(ctx context.Context, endpoint string) (int64, error) {
	res, err := db.sql.Exec(ctx, `DELETE FROM app_push_subscriptions WHERE endpoint = ?`, endpoint)
	if err != nil {
		return 0, fmt.Errorf("store: delete push endpoint: %w", err)
	}
	return res.RowsAffected()
}

// DeleteAppPushSubscription removes the subscription of a device.
// ErrNotFound when it has none.
func (db *DB) DeleteAppPushSubscription(ctx context.Context, deviceID string) error {
	if err := db.updateOne(ctx, `DELETE FROM app_push_subscriptions WHERE device_id = ?`, deviceID); err != nil {
		if errors.Is(err, ErrNotFound) {
			return err
		}
		return fmt.Errorf("store: delete push subscription: %w", err)
	}
	return nil
}

// AppPushFailed records a failed delivery to endpoint at now.
func (db *DB) AppPushFailed(ctx context.Context, endpoint string, now time.Time) error {
	if _, err := db.sql.Exec(ctx, `UPDATE app_push_subscriptions SET failed_at = ? WHERE endpoint = ?`, sqldb.Millis(now), endpoint); err != nil {
		return fmt.Errorf("store: push failed: %w", err)
	}
	return nil
}
