package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"eulogin/internal/store"
)

// appT0 is the reference time of the mobile app tests: UTC, whole
// milliseconds.
var appT0 = time.Date(2026, time.April, 7, 8, 9, 10, 123_000_000, time.UTC)

// RunMobileApp runs the conformance suite of the mobile app tables
// (store/mobileapp.go). open returns a fresh, migrated, empty store for each
// subtest and closes it at the test's cleanup.
func RunMobileApp(t *testing.T, open func(t *testing.T) *store.DB) {
	t.Run("Enrolment", func(t *testing.T) { testAppEnrolment(t, open) })
	t.Run("Devices", func(t *testing.T) { testAppDevices(t, open) })
	t.Run("PIN", func(t *testing.T) { testAppPIN(t, open) })
	t.Run("Requests", func(t *testing.T) { testAppRequests(t, open) })
	t.Run("QRChallenges", func(t *testing.T) { testAppQR(t, open) })
	t.Run("DeleteDevice", func(t *testing.T) { testAppDeleteDevice(t, open) })
	t.Run("DeleteUser", func(t *testing.T) { testAppDeleteUser(t, open) })
	t.Run("Sweep", func(t *testing.T) { testAppSweep(t, open) })
	t.Run("Concurrency", func(t *testing.T) { testAppConcurrency(t, open) })
	t.Run("PushSubscriptions", func(t *testing.T) { testAppPush(t, open) })
}

func appUser(t *testing.T, db *store.DB, id string) {
	t.Helper()
	u := &store.User{ID: id, Email: id + "@example.org", FirstName: "Ioana", LastName: "Popescu", EmailLang: "ro", AssuranceLevel: 10, CreatedAt: appT0, UpdatedAt: appT0}
	if err := db.CreateUser(t.Context(), u); err != nil {
		t.Fatalf("CreateUser(%q) = %v, want nil", id, err)
	}
}

// appDevice enrols and confirms a device named name for userID through an
// enrolment with code hash "code-"+name.
func appDevice(t *testing.T, db *store.DB, userID, name string, at time.Time) *store.AppDevice {
	t.Helper()
	e := &store.AppEnrolment{CodeHash: "code-" + name, UserID: userID, DeviceName: name, PINHash: "pin-" + name, CreatedAt: at, ExpiresAt: at.Add(5 * time.Minute)}
	if err := db.CreateAppEnrolment(t.Context(), e); err != nil {
		t.Fatalf("CreateAppEnrolment(%q) = %v, want nil", name, err)
	}
	d := &store.AppDevice{PublicKey: []byte{4, 1, 2, 3}, OTPSecret: "sealed-" + name, CreatedAt: at}
	if _, err := db.ClaimAppEnrolment(t.Context(), e.CodeHash, d); err != nil {
		t.Fatalf("ClaimAppEnrolment(%q) = %v, want nil", name, err)
	}
	if err := db.ConfirmAppDevice(t.Context(), d.ID, at); err != nil {
		t.Fatalf("ConfirmAppDevice(%q) = %v, want nil", d.ID, err)
	}
	d.ConfirmedAt, d.LastUsedAt = at, at
	return d
}

func appRequest(userID, deviceID, flow string, at time.Time) *store.AppRequest {
	return &store.AppRequest{
		UserID: userID, DeviceID: deviceID, FlowHash: flow, Service: "ECI portal", Browser: "Firefox on Linux", IP: "192.0.2.7",
		Number: 42, Decoys: []int{17, 89}, Challenge: "challenge-" + flow, CreatedAt: at, ExpiresAt: at.Add(2 * time.Minute),
	}
}

func mustAppRequest(t *testing.T, db *store.DB, id string) *store.AppRequest {
	t.Helper()
	r, err := db.AppRequestByID(t.Context(), id)
	if err != nil {
		t.Fatalf("AppRequestByID(%q) = %v, want nil", id, err)
	}
	return r
}

func testAppEnrolment(t *testing.T, open func(t *testing.T) *store.DB) {
	db := open(t)
	ctx := t.Context()
	appUser(t, db, "u1")

	if err := db.CreateAppEnrolment(ctx, &store.AppEnrolment{CodeHash: "h", UserID: "nobody", CreatedAt: appT0, ExpiresAt: appT0.Add(time.Minute)}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("CreateAppEnrolment(unknown user) = %v, want ErrNotFound", err)
	}
	e := &store.AppEnrolment{CodeHash: "h1", UserID: "u1", DeviceName: "Pixel", PINHash: "$argon2id$x", CreatedAt: appT0, ExpiresAt: appT0.Add(5 * time.Minute)}
	if err := db.CreateAppEnrolment(ctx, e); err != nil {
		t.Fatalf("CreateAppEnrolment = %v, want nil", err)
	}
	if err := db.CreateAppEnrolment(ctx, &store.AppEnrolment{CodeHash: "h1", UserID: "u1", CreatedAt: appT0, ExpiresAt: appT0}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("CreateAppEnrolment(same code hash) = %v, want ErrConflict", err)
	}

	// Expired: refused.
	late := &store.AppDevice{PublicKey: []byte{4}, OTPSecret: "s", CreatedAt: appT0.Add(5 * time.Minute)}
	if _, err := db.ClaimAppEnrolment(ctx, "h1", late); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ClaimAppEnrolment(at expiry) = %v, want ErrNotFound", err)
	}
	if _, err := db.AppDeviceByID(ctx, late.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("AppDeviceByID(refused claim) = %v, want ErrNotFound", err)
	}

	d := &store.AppDevice{Name: "from the app", PublicKey: []byte{4, 9, 9}, OTPSecret: "sealed", CreatedAt: appT0.Add(time.Minute)}
	got, err := db.ClaimAppEnrolment(ctx, "h1", d)
	if err != nil {
		t.Fatalf("ClaimAppEnrolment = %v, want nil", err)
	}
	if got.ID != e.ID || got.DeviceID != d.ID || !got.UsedAt.Equal(appT0.Add(time.Minute)) {
		t.Errorf("ClaimAppEnrolment = %+v, want id %q, device %q, used at %v", got, e.ID, d.ID, appT0.Add(time.Minute))
	}
	if _, err := db.ClaimAppEnrolment(ctx, "h1", &store.AppDevice{PublicKey: []byte{4}, CreatedAt: appT0.Add(time.Minute)}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ClaimAppEnrolment(second time) = %v, want ErrNotFound", err)
	}
	dev, err := db.AppDeviceByID(ctx, d.ID)
	if err != nil {
		t.Fatalf("AppDeviceByID = %v, want nil", err)
	}
	if dev.UserID != "u1" || dev.Name != "Pixel" || dev.PINHash != "$argon2id$x" || string(dev.PublicKey) != string([]byte{4, 9, 9}) || dev.OTPSecret != "sealed" || !dev.ConfirmedAt.IsZero() {
		t.Errorf("claimed device = %+v, want user u1, the page's name, the enrolment's PIN hash, unconfirmed", dev)
	}
	byID, err := db.AppEnrolmentByID(ctx, e.ID)
	if err != nil || byID.DeviceID != d.ID {
		t.Errorf("AppEnrolmentByID = %+v, %v; want device %q", byID, err, d.ID)
	}

	// Without a name on the page, the app's name is kept.
	e2 := &store.AppEnrolment{CodeHash: "h2", UserID: "u1", CreatedAt: appT0, ExpiresAt: appT0.Add(5 * time.Minute)}
	if err := db.CreateAppEnrolment(ctx, e2); err != nil {
		t.Fatal(err)
	}
	d2 := &store.AppDevice{Name: "iPhone", PublicKey: []byte{4}, OTPSecret: "s2", CreatedAt: appT0}
	if _, err := db.ClaimAppEnrolment(ctx, "h2", d2); err != nil || d2.Name != "iPhone" {
		t.Errorf("ClaimAppEnrolment(no page name) = %v, name %q; want nil, %q", err, d2.Name, "iPhone")
	}

	if err := db.ConfirmAppDevice(ctx, d.ID, appT0.Add(2*time.Minute)); err != nil {
		t.Fatalf("ConfirmAppDevice = %v, want nil", err)
	}
	if err := db.ConfirmAppDevice(ctx, d.ID, appT0.Add(3*time.Minute)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ConfirmAppDevice(again) = %v, want ErrNotFound", err)
	}
	if dev, _ := db.AppDeviceByID(ctx, d.ID); dev == nil || !dev.ConfirmedAt.Equal(appT0.Add(2*time.Minute)) {
		t.Errorf("confirmed device = %+v, want confirmed at %v", dev, appT0.Add(2*time.Minute))
	}
}

func testAppDevices(t *testing.T, open func(t *testing.T) *store.DB) {
	db := open(t)
	ctx := t.Context()
	appUser(t, db, "u1")
	appUser(t, db, "u2")
	a := appDevice(t, db, "u1", "a", appT0)
	b := appDevice(t, db, "u1", "b", appT0.Add(time.Second))
	appDevice(t, db, "u2", "c", appT0)

	list, err := db.ListAppDevices(ctx, "u1")
	if err != nil {
		t.Fatalf("ListAppDevices = %v", err)
	}
	var ids []string
	for _, d := range list {
		ids = append(ids, d.ID)
	}
	if want := []string{a.ID, b.ID}; !slices.Equal(ids, want) {
		t.Errorf("ListAppDevices(u1) = %v, want %v", ids, want)
	}
	if err := db.RenameAppDevice(ctx, "u2", a.ID, "stolen"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RenameAppDevice(other account) = %v, want ErrNotFound", err)
	}
	if err := db.RenameAppDevice(ctx, "u1", a.ID, "Téléphone de Zoë"); err != nil {
		t.Errorf("RenameAppDevice = %v, want nil", err)
	}
	if d, _ := db.AppDeviceByID(ctx, a.ID); d == nil || d.Name != "Téléphone de Zoë" {
		t.Errorf("renamed device = %+v, want name %q", d, "Téléphone de Zoë")
	}
	if err := db.DeleteAppDevice(ctx, "u2", a.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeleteAppDevice(other account) = %v, want ErrNotFound", err)
	}
	n, err := db.DeleteAppDevices(ctx, "u1")
	if err != nil || n != 2 {
		t.Errorf("DeleteAppDevices(u1) = %d, %v; want 2, nil", n, err)
	}
	if list, _ := db.ListAppDevices(ctx, "u2"); len(list) != 1 {
		t.Errorf("ListAppDevices(u2) after deleting u1's = %d devices, want 1", len(list))
	}
}

func testAppPIN(t *testing.T, open func(t *testing.T) *store.DB) {
	db := open(t)
	ctx := t.Context()
	appUser(t, db, "u1")
	d := appDevice(t, db, "u1", "a", appT0)
	for want := 1; want <= 3; want++ {
		if n, err := db.StartAppPINAttempt(ctx, d.ID, 5); n != want || err != nil {
			t.Fatalf("StartAppPINAttempt #%d = %d, %v; want %d, nil", want, n, err, want)
		}
	}
	if err := db.AppPINSucceeded(ctx, d.ID, appT0.Add(time.Minute)); err != nil {
		t.Fatalf("AppPINSucceeded = %v", err)
	}
	dev, _ := db.AppDeviceByID(ctx, d.ID)
	if dev.PINFailures != 0 || !dev.LastUsedAt.Equal(appT0.Add(time.Minute)) {
		t.Errorf("after AppPINSucceeded: failures %d, last used %v; want 0, %v", dev.PINFailures, dev.LastUsedAt, appT0.Add(time.Minute))
	}
	for i := 1; i <= 5; i++ {
		if _, err := db.StartAppPINAttempt(ctx, d.ID, 5); err != nil {
			t.Fatalf("StartAppPINAttempt #%d = %v", i, err)
		}
	}
	if _, err := db.StartAppPINAttempt(ctx, d.ID, 5); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("StartAppPINAttempt(6th) = %v, want ErrNotFound", err)
	}

	pending := appRequest("u1", "", "flow", appT0)
	if err := db.CreateAppRequest(ctx, pending); err != nil {
		t.Fatal(err)
	}
	lockAt := appT0.Add(time.Minute)
	if err := db.LockAppDevice(ctx, d.ID, lockAt); err != nil {
		t.Fatalf("LockAppDevice = %v", err)
	}
	if err := db.LockAppDevice(ctx, d.ID, lockAt.Add(time.Hour)); err != nil {
		t.Fatalf("LockAppDevice(again) = %v", err)
	}
	if dev, _ := db.AppDeviceByID(ctx, d.ID); !dev.LockedAt.Equal(lockAt) {
		t.Errorf("LockedAt = %v, want %v (the first lock)", dev.LockedAt, lockAt)
	}
	if r := mustAppRequest(t, db, pending.ID); r.State != store.AppRequestLocked {
		t.Errorf("request state after the only device locked = %q, want %q", r.State, store.AppRequestLocked)
	}
	if err := db.AppPINSucceeded(ctx, d.ID, lockAt); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("AppPINSucceeded(locked) = %v, want ErrNotFound", err)
	}
	if err := db.LockAppDevice(ctx, "nope", lockAt); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("LockAppDevice(unknown) = %v, want ErrNotFound", err)
	}
	if err := db.UnlockAppDevice(ctx, "u1", d.ID, "new-pin"); err != nil {
		t.Fatalf("UnlockAppDevice = %v", err)
	}
	if dev, _ := db.AppDeviceByID(ctx, d.ID); !dev.LockedAt.IsZero() || dev.PINFailures != 0 || dev.PINHash != "new-pin" {
		t.Errorf("after UnlockAppDevice: %+v, want unlocked, 0 failures, new PIN hash", dev)
	}
}

func testAppRequests(t *testing.T, open func(t *testing.T) *store.DB) {
	db := open(t)
	ctx := t.Context()
	appUser(t, db, "u1")
	a := appDevice(t, db, "u1", "a", appT0)
	b := appDevice(t, db, "u1", "b", appT0)

	if err := db.CreateAppRequest(ctx, appRequest("u1", "nodevice", "f0", appT0)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("CreateAppRequest(unknown device) = %v, want ErrNotFound", err)
	}
	any1 := appRequest("u1", "", "f1", appT0)
	forB := appRequest("u1", b.ID, "f2", appT0.Add(time.Second))
	for _, r := range []*store.AppRequest{any1, forB} {
		if err := db.CreateAppRequest(ctx, r); err != nil {
			t.Fatalf("CreateAppRequest = %v", err)
		}
	}
	got := mustAppRequest(t, db, any1.ID)
	if got.State != store.AppRequestPending || got.DeviceID != "" || got.Number != 42 || !slices.Equal(got.Decoys, []int{17, 89}) ||
		got.Service != any1.Service || got.Browser != any1.Browser || got.IP != any1.IP || got.Challenge != any1.Challenge ||
		!got.CreatedAt.Equal(appT0) || !got.ExpiresAt.Equal(appT0.Add(2*time.Minute)) {
		t.Errorf("AppRequestByID = %+v, want %+v", got, any1)
	}
	ids := func(device string, now time.Time) []string {
		rs, err := db.PendingAppRequests(ctx, "u1", device, now)
		if err != nil {
			t.Fatalf("PendingAppRequests = %v", err)
		}
		var out []string
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return out
	}
	if got, want := ids(a.ID, appT0), []string{any1.ID}; !slices.Equal(got, want) {
		t.Errorf("PendingAppRequests(a) = %v, want %v", got, want)
	}
	if got, want := ids(b.ID, appT0.Add(time.Second)), []string{any1.ID, forB.ID}; !slices.Equal(got, want) {
		t.Errorf("PendingAppRequests(b) = %v, want %v", got, want)
	}
	if got := ids(b.ID, appT0.Add(2*time.Minute+time.Second)); len(got) != 0 {
		t.Errorf("PendingAppRequests(after expiry) = %v, want none", got)
	}

	at := appT0.Add(30 * time.Second)
	if err := db.AnswerAppRequest(ctx, forB.ID, a.ID, store.AppRequestApproved, at); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("AnswerAppRequest(by another device) = %v, want ErrNotFound", err)
	}
	if err := db.AnswerAppRequest(ctx, any1.ID, a.ID, store.AppRequestPending, at); err == nil {
		t.Errorf("AnswerAppRequest(state pending) = nil, want an error")
	}
	if err := db.AnswerAppRequest(ctx, any1.ID, a.ID, store.AppRequestApproved, at); err != nil {
		t.Fatalf("AnswerAppRequest = %v", err)
	}
	if err := db.AnswerAppRequest(ctx, any1.ID, a.ID, store.AppRequestDenied, at); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("AnswerAppRequest(again) = %v, want ErrNotFound", err)
	}
	if got := mustAppRequest(t, db, any1.ID); got.State != store.AppRequestApproved || got.DeviceID != a.ID || !got.AnsweredAt.Equal(at) {
		t.Errorf("answered request = %+v, want approved by %q at %v", got, a.ID, at)
	}
	if err := db.AnswerAppRequest(ctx, forB.ID, b.ID, store.AppRequestApproved, appT0.Add(3*time.Minute)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("AnswerAppRequest(expired) = %v, want ErrNotFound", err)
	}

	f3 := appRequest("u1", "", "f3", appT0)
	if err := db.CreateAppRequest(ctx, f3); err != nil {
		t.Fatal(err)
	}
	if n, err := db.CancelAppRequests(ctx, "f3", appT0.Add(time.Second)); n != 1 || err != nil {
		t.Errorf("CancelAppRequests = %d, %v; want 1, nil", n, err)
	}
	if got := mustAppRequest(t, db, f3.ID); got.State != store.AppRequestDenied {
		t.Errorf("cancelled request state = %q, want %q", got.State, store.AppRequestDenied)
	}
}

func testAppQR(t *testing.T, open func(t *testing.T) *store.DB) {
	db := open(t)
	ctx := t.Context()
	appUser(t, db, "u1")
	d := appDevice(t, db, "u1", "a", appT0)
	c := &store.AppQRChallenge{FlowHash: "f", DeviceID: d.ID, UserID: "u1", Challenge: "ch", CreatedAt: appT0, ExpiresAt: appT0.Add(3 * time.Minute)}
	if err := db.CreateAppQRChallenge(ctx, c); err != nil {
		t.Fatalf("CreateAppQRChallenge = %v", err)
	}
	if err := db.CreateAppQRChallenge(ctx, &store.AppQRChallenge{FlowHash: "f", DeviceID: "nope", UserID: "u1", CreatedAt: appT0, ExpiresAt: appT0}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("CreateAppQRChallenge(unknown device) = %v, want ErrNotFound", err)
	}
	got, err := db.AppQRChallengeByID(ctx, c.ID)
	if err != nil || got.FlowHash != "f" || got.DeviceID != d.ID || got.Challenge != "ch" || !got.ExpiresAt.Equal(c.ExpiresAt) {
		t.Errorf("AppQRChallengeByID = %+v, %v; want %+v", got, err, c)
	}
	for want := 1; want <= 2; want++ {
		if n, err := db.RecordAppQRAttempt(ctx, c.ID, 2); n != want || err != nil {
			t.Errorf("RecordAppQRAttempt #%d = %d, %v; want %d, nil", want, n, err, want)
		}
	}
	if _, err := db.RecordAppQRAttempt(ctx, c.ID, 2); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RecordAppQRAttempt(past max) = %v, want ErrNotFound", err)
	}
	if err := db.UseAppQRChallenge(ctx, c.ID, appT0, 2); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UseAppQRChallenge(out of attempts) = %v, want ErrNotFound", err)
	}
	if err := db.UseAppQRChallenge(ctx, c.ID, appT0.Add(3*time.Minute), 5); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UseAppQRChallenge(expired) = %v, want ErrNotFound", err)
	}
	use := appT0.Add(time.Minute)
	if err := db.UseAppQRChallenge(ctx, c.ID, use, 5); err != nil {
		t.Errorf("UseAppQRChallenge = %v, want nil", err)
	}
	if err := db.UseAppQRChallenge(ctx, c.ID, use, 5); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UseAppQRChallenge(again) = %v, want ErrNotFound", err)
	}
	if dev, _ := db.AppDeviceByID(ctx, d.ID); !dev.LastUsedAt.Equal(use) {
		t.Errorf("device last used = %v, want %v", dev.LastUsedAt, use)
	}
}

func testAppDeleteDevice(t *testing.T, open func(t *testing.T) *store.DB) {
	db := open(t)
	ctx := t.Context()
	appUser(t, db, "u1")
	a := appDevice(t, db, "u1", "a", appT0)
	b := appDevice(t, db, "u1", "b", appT0)
	r := appRequest("u1", a.ID, "f", appT0)
	rb := appRequest("u1", b.ID, "g", appT0)
	c := &store.AppQRChallenge{FlowHash: "f", DeviceID: a.ID, UserID: "u1", Challenge: "ch", CreatedAt: appT0, ExpiresAt: appT0.Add(3 * time.Minute)}
	for _, err := range []error{db.CreateAppRequest(ctx, r), db.CreateAppRequest(ctx, rb), db.CreateAppQRChallenge(ctx, c)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := db.DeleteAppDevice(ctx, "u1", a.ID); err != nil {
		t.Fatalf("DeleteAppDevice = %v", err)
	}
	if _, err := db.AppRequestByID(ctx, r.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("AppRequestByID(request of the removed device) = %v, want ErrNotFound", err)
	}
	if _, err := db.AppQRChallengeByID(ctx, c.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("AppQRChallengeByID(challenge of the removed device) = %v, want ErrNotFound", err)
	}
	if _, err := db.AppRequestByID(ctx, rb.ID); err != nil {
		t.Errorf("AppRequestByID(request of the other device) = %v, want nil", err)
	}
	if err := db.DeleteAppDevice(ctx, "u1", a.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeleteAppDevice(again) = %v, want ErrNotFound", err)
	}
}

func testAppDeleteUser(t *testing.T, open func(t *testing.T) *store.DB) {
	db := open(t)
	ctx := t.Context()
	appUser(t, db, "u1")
	appUser(t, db, "u2")
	a := appDevice(t, db, "u1", "a", appT0)
	other := appDevice(t, db, "u2", "o", appT0)
	r := appRequest("u1", "", "f", appT0)
	c := &store.AppQRChallenge{FlowHash: "f", DeviceID: a.ID, UserID: "u1", Challenge: "ch", CreatedAt: appT0, ExpiresAt: appT0.Add(3 * time.Minute)}
	e := &store.AppEnrolment{CodeHash: "pending", UserID: "u1", CreatedAt: appT0, ExpiresAt: appT0.Add(time.Hour)}
	for _, err := range []error{db.CreateAppRequest(ctx, r), db.CreateAppQRChallenge(ctx, c), db.CreateAppEnrolment(ctx, e)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := db.DeleteUser(ctx, "u1"); err != nil {
		t.Fatalf("DeleteUser = %v", err)
	}
	var tables []string
	for _, check := range []struct {
		table string
		err   error
	}{
		{"app_devices", errOf(db.AppDeviceByID(ctx, a.ID))},
		{"app_requests", errOf(db.AppRequestByID(ctx, r.ID))},
		{"app_qr_challenges", errOf(db.AppQRChallengeByID(ctx, c.ID))},
		{"app_enrolments", errOf(db.AppEnrolmentByID(ctx, e.ID))},
	} {
		if !errors.Is(check.err, store.ErrNotFound) {
			tables = append(tables, fmt.Sprintf("%s (%v)", check.table, check.err))
		}
	}
	if len(tables) > 0 {
		t.Errorf("after DeleteUser, rows of the account remain in %v", tables)
	}
	if _, err := db.AppDeviceByID(ctx, other.ID); err != nil {
		t.Errorf("AppDeviceByID(another account's device) = %v, want nil", err)
	}
}

func errOf[T any](_ T, err error) error { return err }

func testAppSweep(t *testing.T, open func(t *testing.T) *store.DB) {
	db := open(t)
	ctx := t.Context()
	appUser(t, db, "u1")
	d := appDevice(t, db, "u1", "a", appT0)
	old := appRequest("u1", "", "old", appT0)
	fresh := appRequest("u1", "", "fresh", appT0.Add(store.AppRetention))
	unconfirmedE := &store.AppEnrolment{CodeHash: "u", UserID: "u1", CreatedAt: appT0, ExpiresAt: appT0.Add(time.Minute)}
	for _, err := range []error{db.CreateAppRequest(ctx, old), db.CreateAppRequest(ctx, fresh), db.CreateAppEnrolment(ctx, unconfirmedE)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	unconfirmed := &store.AppDevice{PublicKey: []byte{4}, OTPSecret: "s", CreatedAt: appT0}
	if _, err := db.ClaimAppEnrolment(ctx, "u", unconfirmed); err != nil {
		t.Fatal(err)
	}
	now := appT0.Add(2*time.Minute + store.AppRetention + time.Second)
	n, err := db.SweepMobileApp(ctx, now)
	if err != nil {
		t.Fatalf("SweepMobileApp = %v", err)
	}
	// The old request, the unconfirmed device's enrolment (the confirmed
	// device's expired later) and the unconfirmed device.
	if n != 3 {
		t.Errorf("SweepMobileApp = %d rows, want 3", n)
	}
	if _, err := db.AppRequestByID(ctx, fresh.ID); err != nil {
		t.Errorf("AppRequestByID(fresh) after sweep = %v, want nil", err)
	}
	if _, err := db.AppDeviceByID(ctx, d.ID); err != nil {
		t.Errorf("AppDeviceByID(confirmed) after sweep = %v, want nil", err)
	}
	if _, err := db.AppDeviceByID(ctx, unconfirmed.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("AppDeviceByID(unconfirmed) after sweep = %v, want ErrNotFound", err)
	}
}

func testAppConcurrency(t *testing.T, open func(t *testing.T) *store.DB) {
	db := open(t)
	ctx := t.Context()
	appUser(t, db, "u1")
	const n = 8
	var devices []*store.AppDevice
	for i := range n {
		devices = append(devices, appDevice(t, db, "u1", fmt.Sprint("d", i), appT0))
	}
	r := appRequest("u1", "", "f", appT0)
	c := &store.AppQRChallenge{FlowHash: "f", DeviceID: devices[0].ID, UserID: "u1", Challenge: "ch", CreatedAt: appT0, ExpiresAt: appT0.Add(3 * time.Minute)}
	e := &store.AppEnrolment{CodeHash: "race", UserID: "u1", CreatedAt: appT0, ExpiresAt: appT0.Add(time.Minute)}
	for _, err := range []error{db.CreateAppRequest(ctx, r), db.CreateAppQRChallenge(ctx, c), db.CreateAppEnrolment(ctx, e)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	wins := map[string]int{}
	var wg sync.WaitGroup
	at := appT0.Add(time.Second)
	for i := range n {
		wg.Go(func() {
			record := func(what string, err error) {
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					wins[what]++
				case !errors.Is(err, store.ErrNotFound):
					t.Errorf("%s: %v", what, err)
				}
			}
			record("answer", db.AnswerAppRequest(ctx, r.ID, devices[i].ID, store.AppRequestApproved, at))
			record("qr", db.UseAppQRChallenge(ctx, c.ID, at, 5))
			_, err := db.ClaimAppEnrolment(ctx, "race", &store.AppDevice{PublicKey: []byte{4}, OTPSecret: "s", CreatedAt: at})
			record("claim", err)
			_, err = db.StartAppPINAttempt(ctx, devices[0].ID, 5)
			record("pin", err)
		})
	}
	wg.Wait()
	for what, want := range map[string]int{"answer": 1, "qr": 1, "claim": 1, "pin": 5} {
		if wins[what] != want {
			t.Errorf("%d concurrent %s calls: %d succeeded, want %d", n, what, wins[what], want)
		}
	}
}

func testAppPush(t *testing.T, open func(t *testing.T) *store.DB) {
	db := open(t)
	ctx := t.Context()
	appUser(t, db, "u1")
	appUser(t, db, "u2")
	a := appDevice(t, db, "u1", "a", appT0)
	b := appDevice(t, db, "u1", "b", appT0)
	o := appDevice(t, db, "u2", "o", appT0)
	endpoints := func(subs []store.AppPushSubscription) []string {
		var out []string
		for _, s := range subs {
			out = append(out, s.DeviceID+"→"+s.Endpoint)
		}
		return out
	}
	put := func(deviceID, endpoint string) {
		t.Helper()
		s := &store.AppPushSubscription{DeviceID: deviceID, Endpoint: endpoint, P256DH: "key-" + endpoint, Auth: "auth-" + endpoint, CreatedAt: appT0}
		if err := db.PutAppPushSubscription(ctx, s); err != nil {
			t.Fatalf("PutAppPushSubscription(%s, %s) = %v", deviceID, endpoint, err)
		}
	}
	// One browser, two accounts: the same endpoint serves a device of u1 and
	// one of u2.
	put(a.ID, "https://push.example/shared")
	put(o.ID, "https://push.example/shared")
	put(b.ID, "https://push.example/old")
	put(b.ID, "https://push.example/b") // replaces
	subs, err := db.AppPushSubscriptions(ctx, "u1", "")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{a.ID + "→https://push.example/shared", b.ID + "→https://push.example/b"}
	slices.Sort(want)
	if got := endpoints(subs); !slices.Equal(got, want) {
		t.Errorf("AppPushSubscriptions(u1) = %v, want %v", got, want)
	}
	if len(subs) > 0 && (subs[0].UserID != "u1" || !subs[0].CreatedAt.Equal(appT0) || !strings.HasPrefix(subs[0].P256DH, "key-") || !strings.HasPrefix(subs[0].Auth, "auth-")) {
		t.Errorf("subscription read back as %+v", subs[0])
	}
	if subs, _ := db.AppPushSubscriptions(ctx, "u1", b.ID); len(subs) != 1 || subs[0].Endpoint != "https://push.example/b" {
		t.Errorf("AppPushSubscriptions(u1, b) = %v, want b's only", endpoints(subs))
	}
	if subs, _ := db.AppPushSubscriptions(ctx, "u1", o.ID); len(subs) != 0 {
		t.Errorf("AppPushSubscriptions(u1, device of u2) = %v, want none", endpoints(subs))
	}
	if err := db.PutAppPushSubscription(ctx, &store.AppPushSubscription{DeviceID: "nope", Endpoint: "https://push.example/x", CreatedAt: appT0}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("PutAppPushSubscription(unknown device) = %v, want ErrNotFound", err)
	}

	// A locked device gets no push.
	if err := db.LockAppDevice(ctx, b.ID, appT0); err != nil {
		t.Fatal(err)
	}
	if subs, _ := db.AppPushSubscriptions(ctx, "u1", ""); len(subs) != 1 || subs[0].DeviceID != a.ID {
		t.Errorf("AppPushSubscriptions(u1) with b locked = %v, want a's only", endpoints(subs))
	}

	// A failure is recorded; the push service saying "gone" removes the
	// endpoint for every account.
	if err := db.AppPushFailed(ctx, "https://push.example/shared", appT0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if subs, _ := db.AppPushSubscriptions(ctx, "u2", ""); len(subs) != 1 || !subs[0].FailedAt.Equal(appT0.Add(time.Minute)) {
		t.Errorf("after AppPushFailed: %+v, want failed_at set", subs)
	}
	if n, err := db.DeleteAppPushEndpoint(ctx, "https://push.example/shared"); err != nil || n != 2 {
		t.Errorf("DeleteAppPushEndpoint = %d, %v, want 2, nil", n, err)
	}
	if subs, _ := db.AppPushSubscriptions(ctx, "u2", ""); len(subs) != 0 {
		t.Errorf("u2 still has %v after its endpoint went", endpoints(subs))
	}

	// Removing the device removes its subscription.
	put(a.ID, "https://push.example/a")
	if err := db.DeleteAppDevice(ctx, "u1", a.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteAppPushSubscription(ctx, a.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeleteAppPushSubscription(removed device) = %v, want ErrNotFound", err)
	}
	if err := db.DeleteAppPushSubscription(ctx, b.ID); err != nil {
		t.Errorf("DeleteAppPushSubscription(b) = %v, want nil", err)
	}
}
