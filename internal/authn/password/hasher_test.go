package password

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// testParams are cheap parameters for tests; only newHasher accepts them.
var testParams = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func mustHash(t *testing.T, h *Hasher, pw string) string {
	t.Helper()
	enc, err := h.Hash(context.Background(), pw)
	if err != nil {
		t.Fatalf("Hash(%q): %v", pw, err)
	}
	return enc
}

func TestDefaultParams(t *testing.T) {
	got := DefaultParams()
	want := Params{Memory: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
	if got != want {
		t.Errorf("DefaultParams() = %+v, want %+v", got, want)
	}
}

func TestNewHasherClamps(t *testing.T) {
	tests := []struct {
		name string
		in   Params
		want Params
	}{
		{"zero raised to floor", Params{}, DefaultParams()},
		{"test params raised to floor", testParams, DefaultParams()},
		{"stronger kept", Params{Memory: 65536, Time: 3, Threads: 4, SaltLen: 32, KeyLen: 64},
			Params{Memory: 65536, Time: 3, Threads: 4, SaltLen: 32, KeyLen: 64}},
		{"absurd lowered to bounds", Params{Memory: 1 << 30, Time: 1000, Threads: 255, SaltLen: 1000, KeyLen: 1000},
			Params{Memory: 1 << 20, Time: 20, Threads: 16, SaltLen: 64, KeyLen: 128}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NewHasher(tt.in, 1, 0).Params(); got != tt.want {
				t.Errorf("NewHasher(%+v).Params() = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestHashFormat(t *testing.T) {
	h := newHasher(testParams, 1, 0)
	enc := mustHash(t, h, "Tr0ub4dor&3x")
	if got, want := enc, "$argon2id$v=19$m=64,t=1,p=1$"; !strings.HasPrefix(got, want) {
		t.Errorf("Hash() = %q, want prefix %q", got, want)
	}
	ph, err := parsePHC(enc)
	if err != nil {
		t.Fatalf("parsePHC(%q): %v", enc, err)
	}
	if got, want := ph.params, testParams; got != want {
		t.Errorf("parsed params = %+v, want %+v", got, want)
	}
	if enc2 := mustHash(t, h, "Tr0ub4dor&3x"); enc2 == enc {
		t.Errorf("two hashes of the same password are equal (%q); want fresh salts", enc)
	}
}

func TestHashDefaultParamsFormat(t *testing.T) {
	h := NewHasher(DefaultParams(), 1, 0)
	enc := mustHash(t, h, "Tr0ub4dor&3x")
	if got, want := enc, "$argon2id$v=19$m=19456,t=2,p=1$"; !strings.HasPrefix(got, want) {
		t.Errorf("Hash() = %q, want prefix %q", got, want)
	}
	ok, rehash, err := h.Verify(context.Background(), "Tr0ub4dor&3x", enc)
	if got, want := fmt.Sprint(ok, rehash, err), fmt.Sprint(true, false, nil); got != want {
		t.Errorf("Verify(ok, needsRehash, err) = %s, want %s", got, want)
	}
}

func TestVerify(t *testing.T) {
	h := newHasher(testParams, 2, 0)
	tests := []struct {
		name     string
		hashed   string
		verified string
		want     bool
	}{
		{"same", "Tr0ub4dor&3x", "Tr0ub4dor&3x", true},
		{"wrong", "Tr0ub4dor&3x", "Tr0ub4dor&3X", false},
		{"prefix", "Tr0ub4dor&3x", "Tr0ub4dor&3", false},
		{"longer", "Tr0ub4dor&3x", "Tr0ub4dor&3xx", false},
		{"empty", "", "", true},
		{"empty against non-empty", "Tr0ub4dor&3x", "", false},
		{"nfc against nfd", "Caf\u00e9-Cr\u00e8me-9", "Cafe\u0301-Cre\u0300me-9", true},
		{"nfd against nfc", "Cafe\u0301-Cre\u0300me-9", "Caf\u00e9-Cr\u00e8me-9", true},
		{"long", strings.Repeat("Ωλ7!", 64), strings.Repeat("Ωλ7!", 64), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc := mustHash(t, h, tt.hashed)
			ok, rehash, err := h.Verify(context.Background(), tt.verified, enc)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if got, want := ok, tt.want; got != want {
				t.Errorf("Verify(%q) against hash of %q: ok = %v, want %v", tt.verified, tt.hashed, got, want)
			}
			if rehash {
				t.Errorf("needsRehash = true, want false for unchanged params")
			}
		})
	}
}

func TestVerifyNeedsRehash(t *testing.T) {
	old := newHasher(testParams, 1, 0)
	enc := mustHash(t, old, "Tr0ub4dor&3x")
	tests := []struct {
		name       string
		params     Params
		pw         string
		wantOK     bool
		wantRehash bool
	}{
		{"same params", testParams, "Tr0ub4dor&3x", true, false},
		{"more memory", Params{Memory: 128, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, "Tr0ub4dor&3x", true, true},
		{"more time", Params{Memory: 64, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}, "Tr0ub4dor&3x", true, true},
		{"more threads", Params{Memory: 64, Time: 1, Threads: 2, SaltLen: 16, KeyLen: 32}, "Tr0ub4dor&3x", true, true},
		{"longer salt", Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 32, KeyLen: 32}, "Tr0ub4dor&3x", true, true},
		{"longer key", Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 64}, "Tr0ub4dor&3x", true, true},
		{"wrong password is never rehashed", Params{Memory: 128, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, "wrong", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHasher(tt.params, 1, 0)
			ok, rehash, err := h.Verify(context.Background(), tt.pw, enc)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if got, want := ok, tt.wantOK; got != want {
				t.Errorf("ok = %v, want %v", got, want)
			}
			if got, want := rehash, tt.wantRehash; got != want {
				t.Errorf("needsRehash = %v, want %v", got, want)
			}
		})
	}
}

func TestVerifyRejects(t *testing.T) {
	h := newHasher(testParams, 1, 0)
	enc := mustHash(t, h, "Tr0ub4dor&3x")
	f := strings.Split(enc, "$") // "", argon2id, v=19, m=64,t=1,p=1, salt, key
	salt, key := f[4], f[5]
	with := func(params, salt, key string) string {
		return "$argon2id$v=19$" + params + "$" + salt + "$" + key
	}
	short := b64.EncodeToString(make([]byte, 4))
	huge := b64.EncodeToString(make([]byte, 200))
	tests := []struct {
		name    string
		encoded string
		want    error
	}{
		{"empty", "", ErrMalformedHash},
		{"plain text", "Tr0ub4dor&3x", ErrMalformedHash},
		{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy", ErrMalformedHash},
		{"argon2i", strings.Replace(enc, "argon2id", "argon2i", 1), ErrMalformedHash},
		{"argon2d", strings.Replace(enc, "argon2id", "argon2d", 1), ErrMalformedHash},
		{"version 16", strings.Replace(enc, "v=19", "v=16", 1), ErrMalformedHash},
		{"no version", "$argon2id$m=64,t=1,p=1$" + salt + "$" + key, ErrMalformedHash},
		{"no leading dollar", enc[1:], ErrMalformedHash},
		{"trailing dollar", enc + "$", ErrMalformedHash},
		{"missing key", "$argon2id$v=19$m=64,t=1,p=1$" + salt, ErrMalformedHash},
		{"empty key", with("m=64,t=1,p=1", salt, ""), ErrMalformedHash},
		{"empty salt", with("m=64,t=1,p=1", "", key), ErrMalformedHash},
		{"params out of order", with("t=1,m=64,p=1", salt, key), ErrMalformedHash},
		{"missing param", with("m=64,t=1", salt, key), ErrMalformedHash},
		{"extra param", with("m=64,t=1,p=1,k=2", salt, key), ErrMalformedHash},
		{"leading zero", with("m=064,t=1,p=1", salt, key), ErrMalformedHash},
		{"sign", with("m=+64,t=1,p=1", salt, key), ErrMalformedHash},
		{"negative", with("m=64,t=-1,p=1", salt, key), ErrMalformedHash},
		{"empty value", with("m=,t=1,p=1", salt, key), ErrMalformedHash},
		{"space", with("m=64, t=1,p=1", salt, key), ErrMalformedHash},
		{"beyond 64 bits", with("m=99999999999999999999999,t=1,p=1", salt, key), ErrMalformedHash},
		{"padded base64", with("m=64,t=1,p=1", salt+"==", key), ErrMalformedHash},
		{"bad base64", with("m=64,t=1,p=1", "!!!!"+salt, key), ErrMalformedHash},
		{"non-canonical base64", with("m=64,t=1,p=1", salt, key[:len(key)-1]+"B"), ErrMalformedHash},
		{"too long", with("m=64,t=1,p=1", salt, strings.Repeat("A", 600)), ErrMalformedHash},

		{"memory above 1 GiB", with("m=1048577,t=1,p=1", salt, key), ErrUnsafeParams},
		{"memory far above 32 bits", with("m=99999999999,t=1,p=1", salt, key), ErrUnsafeParams},
		{"memory below 8 per thread", with("m=15,t=1,p=2", salt, key), ErrUnsafeParams},
		{"time above 20", with("m=64,t=21,p=1", salt, key), ErrUnsafeParams},
		{"time zero", with("m=64,t=0,p=1", salt, key), ErrUnsafeParams},
		{"threads zero", with("m=64,t=1,p=0", salt, key), ErrUnsafeParams},
		{"threads above 16", with("m=1024,t=1,p=17", salt, key), ErrUnsafeParams},
		{"threads above 255", with("m=4096,t=1,p=256", salt, key), ErrUnsafeParams},
		{"short salt", with("m=64,t=1,p=1", short, key), ErrUnsafeParams},
		{"short key", with("m=64,t=1,p=1", salt, short), ErrUnsafeParams},
		{"huge key", with("m=64,t=1,p=1", salt, huge), ErrUnsafeParams},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, rehash, err := h.Verify(context.Background(), "Tr0ub4dor&3x", tt.encoded)
			if !errors.Is(err, tt.want) {
				t.Errorf("Verify(%q) error = %v, want %v", tt.encoded, err, tt.want)
			}
			if ok || rehash {
				t.Errorf("Verify(%q) = (%v, %v), want (false, false)", tt.encoded, ok, rehash)
			}
		})
	}
}

func TestVerifyTampered(t *testing.T) {
	h := newHasher(testParams, 1, 0)
	enc := mustHash(t, h, "Tr0ub4dor&3x")
	f := strings.Split(enc, "$")
	flip := func(s string) string {
		c := byte('A')
		if s[0] == 'A' {
			c = 'B'
		}
		return string(c) + s[1:]
	}
	join := func(f []string) string { return strings.Join(f, "$") }
	tests := []struct {
		name    string
		encoded string
	}{
		{"salt changed", join([]string{f[0], f[1], f[2], f[3], flip(f[4]), f[5]})},
		{"key changed", join([]string{f[0], f[1], f[2], f[3], f[4], flip(f[5])})},
		{"memory changed", join([]string{f[0], f[1], f[2], "m=72,t=1,p=1", f[4], f[5]})},
		{"time changed", join([]string{f[0], f[1], f[2], "m=64,t=2,p=1", f[4], f[5]})},
		{"threads changed", join([]string{f[0], f[1], f[2], "m=64,t=1,p=2", f[4], f[5]})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, rehash, err := h.Verify(context.Background(), "Tr0ub4dor&3x", tt.encoded)
			if err != nil {
				t.Fatalf("Verify(%q): %v", tt.encoded, err)
			}
			if ok || rehash {
				t.Errorf("Verify(%q) = (%v, %v), want (false, false)", tt.encoded, ok, rehash)
			}
		})
	}
}

func TestVerifyDummy(t *testing.T) {
	h := newHasher(testParams, 1, 0)
	d := h.dummy()
	if got, want := h.dummy(), d; got != want {
		t.Errorf("second dummy() = %q, want the first one %q", got, want)
	}
	ph, err := parsePHC(d)
	if err != nil {
		t.Fatalf("parsePHC(dummy %q): %v", d, err)
	}
	if got, want := ph.params, h.Params(); got != want {
		t.Errorf("dummy params = %+v, want %+v", got, want)
	}
	ran := 0
	h.onRun = func() { ran++ }
	h.VerifyDummy(context.Background(), "Tr0ub4dor&3x")
	if got, want := ran, 1; got != want {
		t.Errorf("VerifyDummy ran %d hashes, want %d", got, want)
	}
}

// blockedHasher returns a hasher with one worker and a queue of one whose
// hashes stop, once they hold a worker, until release is closed. running
// receives a value each time a hash gets a worker, queued each time a caller
// starts waiting for one.
func blockedHasher() (h *Hasher, running, queued, release chan struct{}) {
	h = newHasher(testParams, 1, 1)
	running = make(chan struct{}, 16)
	queued = make(chan struct{}, 16)
	release = make(chan struct{})
	h.onRun = func() {
		running <- struct{}{}
		<-release
	}
	h.onQueued = func() { queued <- struct{}{} }
	return h, running, queued, release
}

func hashAsync(ctx context.Context, h *Hasher) <-chan error {
	done := make(chan error, 1)
	go func() {
		_, err := h.Hash(ctx, "Tr0ub4dor&3x")
		done <- err
	}()
	return done
}

func TestHasherBusy(t *testing.T) {
	enc := mustHash(t, newHasher(testParams, 1, 0), "Tr0ub4dor&3x")
	h, running, queued, release := blockedHasher()
	bg := context.Background()

	first := hashAsync(bg, h)
	<-running
	second := hashAsync(bg, h)
	<-queued

	// One running, one waiting: the next callers are refused at once.
	if _, err := h.Hash(bg, "x"); !errors.Is(err, ErrBusy) {
		t.Errorf("Hash on saturated hasher: error = %v, want %v", err, ErrBusy)
	}
	if _, _, err := h.Verify(bg, "x", enc); !errors.Is(err, ErrBusy) {
		t.Errorf("Verify on saturated hasher: error = %v, want %v", err, ErrBusy)
	}
	h.VerifyDummy(bg, "x") // must return rather than wait

	close(release)
	for i, done := range []<-chan error{first, second} {
		if err := <-done; err != nil {
			t.Errorf("caller %d: error = %v, want nil", i+1, err)
		}
	}
	if _, err := h.Hash(bg, "x"); err != nil {
		t.Errorf("Hash after the hasher drained: error = %v, want nil", err)
	}
}

func TestHasherQueuedCancel(t *testing.T) {
	h, running, queued, release := blockedHasher()
	bg := context.Background()

	first := hashAsync(bg, h)
	<-running
	ctx, cancel := context.WithCancel(bg)
	defer cancel()
	second := hashAsync(ctx, h)
	<-queued

	cancel()
	if got, want := <-second, context.Canceled; !errors.Is(got, want) {
		t.Errorf("queued caller after cancel: error = %v, want %v", got, want)
	}

	// The cancelled caller gave back its place in the queue.
	third := hashAsync(bg, h)
	<-queued
	close(release)
	for i, done := range []<-chan error{first, third} {
		if err := <-done; err != nil {
			t.Errorf("caller %d: error = %v, want nil", i+1, err)
		}
	}
}

func TestHasherCancelledBeforeStart(t *testing.T) {
	h := newHasher(testParams, 1, 0)
	ran := 0
	h.onRun = func() { ran++ }
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.Hash(ctx, "Tr0ub4dor&3x"); !errors.Is(err, context.Canceled) {
		t.Errorf("Hash with cancelled context: error = %v, want %v", err, context.Canceled)
	}
	enc := h.dummy()
	if _, _, err := h.Verify(ctx, "Tr0ub4dor&3x", enc); !errors.Is(err, context.Canceled) {
		t.Errorf("Verify with cancelled context: error = %v, want %v", err, context.Canceled)
	}
	if got, want := ran, 0; got != want {
		t.Errorf("hashes run = %d, want %d", got, want)
	}
}

func BenchmarkHash(b *testing.B) {
	h := NewHasher(DefaultParams(), 1, 0)
	ctx := context.Background()
	for b.Loop() {
		if _, err := h.Hash(ctx, "Tr0ub4dor&3x"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	h := NewHasher(DefaultParams(), 1, 0)
	ctx := context.Background()
	enc, err := h.Hash(ctx, "Tr0ub4dor&3x")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if ok, _, err := h.Verify(ctx, "Tr0ub4dor&3x", enc); !ok || err != nil {
			b.Fatalf("Verify = %v, %v", ok, err)
		}
	}
}

// TestHasherClientBudget: one client address holds at most its share of
// the places (here 1 worker + 15 waiting: an eighth is 2); past it that
// address is refused at once while another address still gets in, and the
// places come back when its hashes end.
func TestHasherClientBudget(t *testing.T) {
	h := newHasher(testParams, 1, 15)
	running, queued, release := make(chan struct{}, 16), make(chan struct{}, 16), make(chan struct{})
	h.onRun = func() { running <- struct{}{}; <-release }
	h.onQueued = func() { queued <- struct{}{} }
	bg := context.Background()
	async := func(addr string) <-chan error {
		done := make(chan error, 1)
		go func() {
			_, err := h.For(addr).Hash(bg, "Tr0ub4dor&3x")
			done <- err
		}()
		return done
	}
	first := async("192.0.2.1")
	<-running
	second := async("192.0.2.1")
	<-queued
	if _, err := h.For("192.0.2.1").Hash(bg, "x"); !errors.Is(err, ErrBusy) {
		t.Errorf("third hash of one address: error = %v, want %v", err, ErrBusy)
	}
	if err := h.For("192.0.2.1").VerifyDummy(bg, "x"); !errors.Is(err, ErrBusy) {
		t.Errorf("VerifyDummy past the address's share: error = %v, want %v (an unknown account is refused like a known one)", err, ErrBusy)
	}
	other := async("198.51.100.7")
	<-queued
	close(release)
	for i, done := range []<-chan error{first, second, other} {
		if err := <-done; err != nil {
			t.Errorf("caller %d: error = %v, want nil", i+1, err)
		}
	}
	if _, err := h.For("192.0.2.1").Hash(bg, "x"); err != nil {
		t.Errorf("the address after its hashes ended: error = %v, want nil", err)
	}
	if n := len(h.clients); n != 0 {
		t.Errorf("%d addresses still counted after every hash ended", n)
	}
}
