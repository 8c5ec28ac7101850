package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"sync"

	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"
)

// Params are the argon2id cost parameters of a Hasher.
type Params struct {
	Memory  uint32 // memory in KiB
	Time    uint32 // number of passes over the memory
	Threads uint8  // degree of parallelism
	SaltLen uint32 // salt length in bytes
	KeyLen  uint32 // derived key length in bytes
}

// Floor of the production parameters: the OWASP minimum for argon2id
// (19 MiB, 2 passes, 1 thread), with a 128-bit salt and a 256-bit key.
const (
	floorMemory  = 19 * 1024
	floorTime    = 2
	floorSaltLen = 16
	floorKeyLen  = 32
)

// Bounds on the parameters of any hash Verify accepts. The upper bounds keep
// a tampered hash from making a verification arbitrarily expensive; the lower
// bounds refuse hashes too weak to be genuine. Hashers never produce hashes
// outside these bounds.
const (
	maxMemory  = 1 << 20 // KiB, 1 GiB
	maxTime    = 20
	maxThreads = 16
	minSaltLen = 8
	maxSaltLen = 64
	minKeyLen  = 16
	maxKeyLen  = 128
)

// DefaultParams returns the production parameters: 19 MiB of memory, 2
// passes, 1 thread, a 16-byte salt and a 32-byte key. This is the OWASP floor;
// NewHasher never goes below it.
func DefaultParams() Params {
	return Params{
		Memory:  floorMemory,
		Time:    floorTime,
		Threads: 1,
		SaltLen: floorSaltLen,
		KeyLen:  floorKeyLen,
	}
}

// atLeastFloor returns p raised to the production floor.
func (p Params) atLeastFloor() Params {
	p.Memory = max(p.Memory, floorMemory)
	p.Time = max(p.Time, floorTime)
	p.SaltLen = max(p.SaltLen, floorSaltLen)
	p.KeyLen = max(p.KeyLen, floorKeyLen)
	return p
}

// bounded returns p clamped to the bounds Verify accepts.
func (p Params) bounded() Params {
	p.Threads = min(max(p.Threads, 1), maxThreads)
	p.Memory = min(max(p.Memory, 8*uint32(p.Threads)), maxMemory)
	p.Time = min(max(p.Time, 1), maxTime)
	p.SaltLen = min(max(p.SaltLen, minSaltLen), maxSaltLen)
	p.KeyLen = min(max(p.KeyLen, minKeyLen), maxKeyLen)
	return p
}

// ErrBusy is returned by Hash and Verify when all workers are busy and the
// waiting queue is full.
var ErrBusy = errors.New("password: hasher busy")

// Hasher hashes and verifies passwords with argon2id. At most a fixed number
// of hashes run at once and at most a fixed number of callers wait for their
// turn; further callers get ErrBusy at once. A Hasher is safe for concurrent
// use. Create Hashers with NewHasher; the zero value is not usable.
type Hasher struct {
	params Params

	// admitted holds a token for every caller running or waiting; running
	// holds a token for every caller running.
	admitted chan struct{}
	running  chan struct{}

	dummy func() string // PHC string used by VerifyDummy, made on first use

	// perClient bounds the admissions one client address may hold, so that
	// one address flooding logins cannot take every place from the others.
	perClient int
	mu        sync.Mutex
	clients   map[string]int

	// Test hooks, set before the Hasher is used. onQueued is called when a
	// caller starts waiting for a worker, onRun when it gets one.
	onQueued func()
	onRun    func()
}

// NewHasher returns a Hasher with parameters p, raised where needed to the
// production floor (DefaultParams) and lowered where needed to the bounds
// Verify accepts (1 GiB, 20 passes). At most workers hashes run at once
// (at least 1) and at most queue further callers wait (at least 0).
func NewHasher(p Params, workers, queue int) *Hasher {
	return newHasher(p.atLeastFloor(), workers, queue)
}

// newHasher is NewHasher without the production floor, for tests that need
// cheap hashes.
func newHasher(p Params, workers, queue int) *Hasher {
	workers = max(workers, 1)
	queue = max(queue, 0)
	h := &Hasher{
		params:   p.bounded(),
		admitted: make(chan struct{}, workers+queue),
		running:  make(chan struct{}, workers),
		// An eighth of the places, and at least the workers: a client
		// behind a busy NAT still gets full speed, a flood from one
		// address leaves seven eighths of the queue to everybody else.
		perClient: max(workers, (workers+queue)/8),
		clients:   map[string]int{},
	}
	h.dummy = sync.OnceValue(h.makeDummy)
	return h
}

// Params returns the parameters h hashes with, after clamping.
func (h *Hasher) Params() Params {
	return h.params
}

// Hash returns the argon2id hash of the NFC form of pw as a PHC string with a
// fresh random salt. It returns ErrBusy if h is saturated, or the context's
// error if ctx ends while waiting for a worker; once a hash has started it
// runs to completion.
func (h *Hasher) Hash(ctx context.Context, pw string) (string, error) {
	return h.For("").Hash(ctx, pw)
}

// Client is a Hasher seen by one client address: its calls count against
// that address's share of the Hasher (an eighth of its places, at least
// its workers); past it they get ErrBusy while other clients still get in.
type Client struct {
	h    *Hasher
	addr string
}

// For returns h for the client address addr ("" for work that no client
// asked for, which is not budgeted).
func (h *Hasher) For(addr string) Client { return Client{h, addr} }

// Hash is Hasher.Hash within the client's budget.
func (c Client) Hash(ctx context.Context, pw string) (string, error) {
	h := c.h
	salt := randomBytes(h.params.SaltLen)
	if err := h.acquire(ctx, c.addr); err != nil {
		return "", err
	}
	defer h.release(c.addr)
	key := h.derive(pw, salt, h.params)
	return encodePHC(h.params, salt, key), nil
}

// Verify reports whether the NFC form of pw matches the PHC string encoded,
// comparing in constant time. The cost parameters are read from encoded;
// strings that are not argon2id version 19 PHC strings are refused with an
// error wrapping ErrMalformedHash, and parameters outside sane bounds (more
// than 1 GiB of memory, more than 20 passes, more than 16 threads, salt or key
// of implausible length) with an error wrapping ErrUnsafeParams, before any
// work is done.
//
// needsRehash is true when the password matches and encoded was made with
// parameters other than h's; the caller should then store a fresh Hash. It is
// always false when the password does not match.
//
// Like Hash, Verify returns ErrBusy if h is saturated and the context's
// error if ctx ends while waiting.
func (h *Hasher) Verify(ctx context.Context, pw, encoded string) (ok, needsRehash bool, err error) {
	return h.For("").Verify(ctx, pw, encoded)
}

// Verify is Hasher.Verify within the client's budget.
func (c Client) Verify(ctx context.Context, pw, encoded string) (ok, needsRehash bool, err error) {
	h := c.h
	ph, err := parsePHC(encoded)
	if err != nil {
		return false, false, err
	}
	if err := h.acquire(ctx, c.addr); err != nil {
		return false, false, err
	}
	defer h.release(c.addr)
	key := h.derive(pw, ph.salt, ph.params)
	if subtle.ConstantTimeCompare(key, ph.key) != 1 {
		return false, false, nil
	}
	return true, ph.params != h.params, nil
}

// VerifyDummy spends the work of a Verify against a hash made with h's
// parameters, and discards the result. Call it when the account being
// logged into does not exist, so that the response takes as long as for an
// existing account. It is subject to the same limits as Verify.
func (h *Hasher) VerifyDummy(ctx context.Context, pw string) { _ = h.For("").VerifyDummy(ctx, pw) }

// VerifyDummy is Hasher.VerifyDummy within the client's budget. It returns
// ErrBusy or the context's error as Verify would, so that a caller can
// refuse an unknown address exactly as a known one.
func (c Client) VerifyDummy(ctx context.Context, pw string) error {
	_, _, err := c.Verify(ctx, pw, c.h.dummy())
	return err
}

// makeDummy returns a PHC string with h's parameters, a random salt and a
// random key. Verifying against it costs exactly as much as verifying against
// a real hash, and no password matches it but by a chance of at most
// 2^-128.
func (h *Hasher) makeDummy() string {
	return encodePHC(h.params, randomBytes(h.params.SaltLen), randomBytes(h.params.KeyLen))
}

func (h *Hasher) derive(pw string, salt []byte, p Params) []byte {
	return argon2.IDKey([]byte(norm.NFC.String(pw)), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
}

// acquire admits the caller, or fails with ErrBusy, then waits for a worker
// or for ctx to end. On success the caller must call release.
func (h *Hasher) acquire(ctx context.Context, client string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !h.take(client) {
		return ErrBusy
	}
	select {
	case h.admitted <- struct{}{}:
	default:
		h.give(client)
		return ErrBusy
	}
	select {
	case h.running <- struct{}{}:
	default:
		if h.onQueued != nil {
			h.onQueued()
		}
		select {
		case h.running <- struct{}{}:
		case <-ctx.Done():
			<-h.admitted
			h.give(client)
			return ctx.Err()
		}
	}
	// Both cases of the select above may have been ready: do not start an
	// expensive hash for a caller that has gone.
	if err := ctx.Err(); err != nil {
		h.release(client)
		return err
	}
	if h.onRun != nil {
		h.onRun()
	}
	return nil
}

func (h *Hasher) release(client string) {
	<-h.running
	<-h.admitted
	h.give(client)
}

// take counts one admission of client against its budget, or reports that
// the client has used it all.
func (h *Hasher) take(client string) bool {
	if client == "" {
		return true
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.clients[client] >= h.perClient {
		return false
	}
	h.clients[client]++
	return true
}

// give returns one admission of client.
func (h *Hasher) give(client string) {
	if client == "" {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.clients[client]--; h.clients[client] <= 0 {
		delete(h.clients, client)
	}
}

// randomBytes returns n bytes from crypto/rand.
func randomBytes(n uint32) []byte {
	b := make([]byte, n)
	// crypto/rand.Read never returns an error (it crashes the program
	// instead when the system's source fails).
	if _, err := rand.Read(b); err != nil {
		panic("password: crypto/rand failed: " + err.Error())
	}
	return b
}
