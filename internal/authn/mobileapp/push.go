package mobileapp

import (
	"context"
	"errors"
	"fmt"

	"eulogin/internal/store"
)

// Pusher reaches the devices of an account through their browsers' push
// services (Web Push, RFC 8030), so that a push request arrives while the
// app is closed. The long poll stays the channel of an open app.
type Pusher interface {
	// PublicKey is the application server (VAPID) key that apps subscribe
	// with.
	PublicKey() string
	// Check refuses a subscription the server would not deliver to (an
	// endpoint that is not an allowed push service, malformed keys).
	Check(endpoint, p256dh, auth string) error
	// Push tells the subscribed devices of r's account (or r's one device)
	// that r is waiting. It returns at once; delivery is its own business.
	Push(ctx context.Context, r *store.AppRequest)
}

// States answered by the subscription and removal endpoints.
const (
	StateSubscribed = "subscribed"
	StateRemoved    = "removed"
)

// ErrPushOff is returned when the server has no Pusher.
var ErrPushOff = errors.New("mobileapp: push notifications are not enabled on this server")

// Subscribe stores the Web Push subscription of a device, which signed
// PushMessage(deviceID, endpoint, timestamp). ErrPushOff without a Pusher;
// ErrBadRequest when the Pusher refuses the subscription.
func (s *Service) Subscribe(ctx context.Context, deviceID, endpoint, p256dh, auth string, timestamp int64, sig []byte) error {
	if s.Pusher == nil {
		return ErrPushOff
	}
	d, err := s.device(ctx, deviceID)
	if err != nil {
		return err
	}
	if d.ConfirmedAt.IsZero() {
		return ErrNotConfirmed
	}
	if err := s.checkSigned(d, PushMessage(deviceID, endpoint, timestamp), timestamp, sig); err != nil {
		return err
	}
	if err := s.Pusher.Check(endpoint, p256dh, auth); err != nil {
		return fmt.Errorf("%w: %v", ErrBadRequest, err)
	}
	err = s.Store.PutAppPushSubscription(ctx, &store.AppPushSubscription{DeviceID: d.ID, Endpoint: endpoint, P256DH: p256dh, Auth: auth, CreatedAt: s.now()})
	if errors.Is(err, store.ErrNotFound) {
		return ErrUnknownDevice
	}
	if err != nil {
		return fmt.Errorf("mobileapp: subscribe: %w", err)
	}
	return nil
}

// RemoveDevice removes a device at its own request (the user removed the
// account from the app): it signed RemoveMessage(deviceID, timestamp). A
// locked device may remove itself. It returns the device removed.
func (s *Service) RemoveDevice(ctx context.Context, deviceID string, timestamp int64, sig []byte) (*store.AppDevice, error) {
	if deviceID == "" {
		return nil, ErrUnknownDevice
	}
	d, err := s.Store.AppDeviceByID(ctx, deviceID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrUnknownDevice
	}
	if err != nil {
		return nil, fmt.Errorf("mobileapp: remove: %w", err)
	}
	if err := s.checkSigned(d, RemoveMessage(deviceID, timestamp), timestamp, sig); err != nil {
		return nil, err
	}
	if err := s.Store.DeleteAppDevice(ctx, d.UserID, d.ID); errors.Is(err, store.ErrNotFound) {
		return nil, ErrUnknownDevice // a concurrent removal won
	} else if err != nil {
		return nil, fmt.Errorf("mobileapp: remove: %w", err)
	}
	s.notify().Notify(ctx, d.UserID)
	return d, nil
}

// ResetPIN gives device id of userID a new PIN (after the user
// re-authenticated on the computer: the forgotten-PIN path) and lifts its
// lock. ErrPINFormat or ErrPINTrivial for a PIN that CheckPIN refuses;
// ErrUnknownDevice when the account has no such device.
func (s *Service) ResetPIN(ctx context.Context, userID, id, pin string) error {
	if err := CheckPIN(pin, s.pinLength()); err != nil {
		return err
	}
	hash, err := s.Hasher.Hash(ctx, pin)
	if err != nil {
		return fmt.Errorf("mobileapp: hash PIN: %w", err)
	}
	if err := s.Store.UnlockAppDevice(ctx, userID, id, hash); errors.Is(err, store.ErrNotFound) {
		return ErrUnknownDevice
	} else if err != nil {
		return fmt.Errorf("mobileapp: reset PIN: %w", err)
	}
	s.notify().Notify(ctx, userID)
	return nil
}
