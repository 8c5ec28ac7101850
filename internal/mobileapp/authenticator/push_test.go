package authenticator_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"eulogin/internal/authn/mobileapp"
	"eulogin/internal/store"
	"eulogin/internal/store/storetest"
	"eulogin/internal/webpush"
	"eulogin/internal/webpush/webpushtest"
)

// TestWebPush: a device registers a Web Push subscription with a signed
// call; a push request then reaches the push-service stand-in, which
// checks the VAPID signature and decrypts the payload; the payload names
// the request but holds nothing that answers it. A gone subscription is
// deleted; a subscription to a host that is not a push service, or signed
// by another device, is refused.
func TestWebPush(t *testing.T) {
	engines(t, func(t *testing.T, open func(t *testing.T) *store.DB) {
		e := newEnv(t, open)
		ctx := t.Context()
		ps := webpushtest.NewService(t)
		ps.Now = e.clock.Now
		vapid, err := mobileapp.LoadVAPID(ctx, e.db, "mailto:security@example.eu")
		if err != nil {
			t.Fatal(err)
		}
		again, err := mobileapp.LoadVAPID(ctx, e.db, "mailto:security@example.eu")
		if err != nil || again.PublicKey() != vapid.PublicKey() {
			t.Fatalf("a second LoadVAPID gave another key (%v)", err)
		}
		pusher := &mobileapp.WebPusher{VAPID: vapid, Store: e.db, Hosts: []string{"127.0.0.1"}, Now: e.clock.Now}
		e.svc.Pusher = pusher

		appA, a := e.enrol(t, "phone-a")
		appB, b := e.enrol(t, "phone-b")
		if a.VAPIDKey != vapid.PublicKey() {
			t.Errorf("enrolment gave vapid_key %q, want the server's %q", a.VAPIDKey, vapid.PublicKey())
		}
		subA, subB := ps.Subscribe(a.VAPIDKey), ps.Subscribe(b.VAPIDKey)
		if err := appA.Subscribe(ctx, a.DeviceID, subA.Endpoint, subA.P256DH, subA.Auth); err != nil {
			t.Fatalf("Subscribe(A) = %v", err)
		}
		if err := appB.Subscribe(ctx, b.DeviceID, subB.Endpoint, subB.P256DH, subB.Auth); err != nil {
			t.Fatalf("Subscribe(B) = %v", err)
		}

		// A request for device A only reaches A.
		p := e.push(t, a.DeviceID, "flow-push")
		pusher.Wait()
		wait, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		m, err := ps.Next(wait, subA.Endpoint)
		if err != nil {
			t.Fatalf("no push reached A's endpoint: %v (rejections %v)", err, ps.Rejections())
		}
		var payload map[string]any
		if err := json.Unmarshal(m.Payload, &payload); err != nil {
			t.Fatalf("payload %q: %v", m.Payload, err)
		}
		want := map[string]any{"v": 1.0, "type": "request", "device_id": a.DeviceID, "request_id": p.ID, "service": "ECI portal", "expires": float64(p.ExpiresAt.Unix())}
		for k, v := range want {
			if payload[k] != v {
				t.Errorf("payload[%s] = %v, want %v", k, payload[k], v)
			}
		}
		if len(payload) != len(want) {
			t.Errorf("payload has fields %v beyond %v (nothing that answers the request may travel)", payload, want)
		}
		if m.TTL <= 0 || m.TTL > mobileapp.RequestTTL || m.Urgency != "high" || m.Subject != "mailto:security@example.eu" {
			t.Errorf("message TTL %v, urgency %q, subject %q", m.TTL, m.Urgency, m.Subject)
		}
		for _, x := range ps.Messages() {
			if x.Endpoint == subB.Endpoint {
				t.Error("a request for device A was pushed to device B")
			}
		}
		// Woken, A lists and answers with a signed call as usual.
		if st, err := appA.AnswerRequest(ctx, pending(t, appA, p.ID), true, p.Number, pin); err != nil || st != "approved" {
			t.Errorf("answer after the push: %q, %v", st, err)
		}

		// A request for the account reaches both.
		e.push(t, "", "flow-both")
		pusher.Wait()
		for _, sub := range []webpush.Subscription{subA, subB} {
			m, err := ps.Next(wait, sub.Endpoint)
			if err != nil || !json.Valid(m.Payload) || !slices.Contains([]string{a.DeviceID, b.DeviceID}, payloadDevice(t, m.Payload)) {
				t.Errorf("push of the account's request to %s: %v", sub.Endpoint, err)
			}
		}

		// The push service says B's subscription is gone: the server deletes it.
		ps.Expire(subB.Endpoint)
		e.push(t, "", "flow-gone")
		pusher.Wait()
		if subs, _ := e.db.AppPushSubscriptions(ctx, userID, b.DeviceID); len(subs) != 0 {
			t.Errorf("B's gone subscription is still stored: %+v", subs)
		}
		if subs, _ := e.db.AppPushSubscriptions(ctx, userID, a.DeviceID); len(subs) != 1 {
			t.Errorf("A's subscription went with B's: %+v", subs)
		}

		// Refusals: a host that is not a push service (SSRF), malformed keys,
		// a subscription signed by another device.
		if err := appA.Subscribe(ctx, a.DeviceID, "https://intranet.example.internal/admin", subA.P256DH, subA.Auth); apiCode(err) != "bad_request" {
			t.Errorf("subscription to an intranet host = %v, want bad_request", err)
		}
		if err := appA.Subscribe(ctx, a.DeviceID, subA.Endpoint, "AAAA", subA.Auth); apiCode(err) != "bad_request" {
			t.Errorf("subscription with a bad p256dh = %v, want bad_request", err)
		}
		forger := e.app(t, "forger")
		forged := *b
		forged.DeviceID = a.DeviceID
		forger.Keys.Accounts = append(forger.Keys.Accounts, forged)
		if err := forger.Subscribe(ctx, a.DeviceID, subB.Endpoint, subB.P256DH, subB.Auth); apiCode(err) != "invalid_signature" {
			t.Errorf("A's subscription signed by B = %v, want invalid_signature", err)
		}
		if subs, _ := e.db.AppPushSubscriptions(ctx, userID, a.DeviceID); len(subs) != 1 || subs[0].Endpoint != subA.Endpoint {
			t.Errorf("a refused subscription changed A's: %+v", subs)
		}
	})
}

func payloadDevice(t *testing.T, b []byte) string {
	t.Helper()
	var p mobileapp.PushPayload
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	return p.DeviceID
}

// TestPushOff: without a Pusher the key endpoint and subscriptions answer
// push_off, and enrolment gives no vapid_key.
func TestPushOff(t *testing.T) {
	e := newEnv(t, storetest.OpenSQLite)
	app, a := e.enrol(t, "phone")
	if a.VAPIDKey != "" {
		t.Errorf("vapid_key %q without push", a.VAPIDKey)
	}
	if err := app.Subscribe(t.Context(), a.DeviceID, "https://fcm.googleapis.com/fcm/send/x", "k", "a"); apiCode(err) != "push_off" {
		t.Errorf("Subscribe without push = %v, want push_off", err)
	}
}
