package sms

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"regexp"
	"time"

	"eulogin/internal/store"
)

// Purposes of a challenge. A new challenge kills the live one of the same
// user and purpose.
const (
	PurposeAddPhone = "add_phone" // proving a number before it is added to the account
	PurposeLogin    = "login"     // the second factor of "Mobile phone + SMS"
)

// Limits of a challenge.
const (
	MaxTTL             = 10 * time.Minute // the longest a code lives (NIST SP 800-63B)
	DefaultResendAfter = time.Minute      // the wait before another code can be sent
	MaxAttempts        = 5                // wrong codes that kill a challenge
)

// Store keeps challenges. store.DB implements it.
type Store interface {
	PutChallenge(ctx context.Context, c *store.SMSChallenge) (blockedUntil time.Time, err error)
	ChallengeResendAt(ctx context.Context, userID, purpose string, now time.Time) (time.Time, error)
	ChallengeForVerify(ctx context.Context, userID, purpose, flowID string) (*store.SMSChallenge, error)
	ChallengeByID(ctx context.Context, id string) (*store.SMSChallenge, error)
	RecordWrongAttempt(ctx context.Context, id string, maxAttempts int) (int, error)
	UseChallenge(ctx context.Context, id string, now time.Time, maxAttempts int) error
	KillChallenges(ctx context.Context, userID, purpose string, now time.Time) error
}

var _ Store = (*store.DB)(nil)

// Challenges issues and checks SMS codes. It is safe for concurrent use;
// every state lives in the Store.
type Challenges struct {
	Store   Store
	Limiter *Limiter         // the SMS-pumping caps; nil applies none (tests only)
	Now     func() time.Time // nil means time.Now
	// TTL is how long a code lives; 0 means MaxTTL, more than MaxTTL is
	// refused.
	TTL time.Duration
	// ResendAfter is the wait before another code can be sent to the user
	// for the same purpose; 0 means DefaultResendAfter, negative means none.
	ResendAfter time.Duration
	// Pepper, when set, keys the HMAC of the stored code hashes, so that
	// someone who reads the database alone cannot search the 2^41 codes.
	// Keep it outside the database; changing it voids pending codes only.
	Pepper []byte
}

// StartRequest asks for a new code.
type StartRequest struct {
	UserID  string
	Phone   string // E.164, from NormalizeMobile or a stored Phone
	Purpose string // PurposeAddPhone or PurposeLogin
	FlowID  string // the login flow (or page flow) the code belongs to
	IP      string // the client's address, for the per-address cap
}

// Issued is a new code, to be sent by SMS at once.
type Issued struct {
	ChallengeID string
	Code        string // "XXX-XXX-XXX": goes into the SMS and nowhere else (never logged)
	Phone       string
	ExpiresAt   time.Time
	ResendAt    time.Time // show a countdown to this time before offering "send a new code"
}

// ErrTooSoon matches (with errors.Is) every *TooSoonError.
var ErrTooSoon = errors.New("sms: a new code cannot be sent yet")

// TooSoonError tells that a code was sent recently and when another may be.
type TooSoonError struct {
	ResendAt time.Time
}

// Error gives the time another code may be sent.
func (e *TooSoonError) Error() string {
	return "sms: a new code cannot be sent before " + e.ResendAt.UTC().Format(time.RFC3339)
}

// Is reports whether target is ErrTooSoon.
func (e *TooSoonError) Is(target error) bool { return target == ErrTooSoon }

var e164Form = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

func (c *Challenges) now() time.Time {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	// The store keeps milliseconds: what Start returns is what is stored.
	return now().Truncate(time.Millisecond)
}

// Start creates a challenge for r and returns its code, to be sent at once.
// In this order it:
//
//  1. refuses with a *TooSoonError while the previous code of the user and
//     purpose is live and its resend time has not come;
//  2. refuses with a *CapError when a cap of the Limiter holds (and counts
//     one SMS against every cap otherwise);
//  3. stores the new challenge (only a salted hash of the code), killing the
//     user's previous live challenge of the purpose in any flow.
//
// When the SMS then cannot be delivered, call Abandon so that the user can
// ask for another code at once.
func (c *Challenges) Start(ctx context.Context, r StartRequest) (Issued, error) {
	ttl, resend, err := c.durations()
	if err != nil {
		return Issued{}, err
	}
	switch {
	case r.UserID == "":
		return Issued{}, errors.New("sms: start: no user")
	case r.Purpose != PurposeAddPhone && r.Purpose != PurposeLogin:
		return Issued{}, fmt.Errorf("sms: start: unknown purpose %q", r.Purpose)
	case !e164Form.MatchString(r.Phone):
		return Issued{}, fmt.Errorf("sms: start: %w", ErrMalformed)
	}
	now := c.now()
	until, err := c.Store.ChallengeResendAt(ctx, r.UserID, r.Purpose, now)
	if err != nil {
		return Issued{}, fmt.Errorf("sms: start: %w", err)
	}
	if !until.IsZero() {
		return Issued{}, &TooSoonError{ResendAt: until}
	}
	if c.Limiter != nil {
		req := Request{UserID: r.UserID, Phone: r.Phone, Region: regionOf(r.Phone), IP: r.IP}
		if err := c.Limiter.Take(ctx, req); err != nil {
			return Issued{}, err
		}
	}
	code, err := newCode(rand.Reader)
	if err != nil {
		return Issued{}, err
	}
	salt := rand.Text()
	ch := &store.SMSChallenge{
		ID:        rand.Text(),
		UserID:    r.UserID,
		Phone:     r.Phone,
		Purpose:   r.Purpose,
		FlowID:    r.FlowID,
		CodeHash:  hashCode(c.Pepper, salt, code),
		Salt:      salt,
		CreatedAt: now,
		ExpiresAt: now.Add(ttl),
		ResendAt:  now.Add(resend),
	}
	blocked, err := c.Store.PutChallenge(ctx, ch)
	if err != nil {
		return Issued{}, fmt.Errorf("sms: start: %w", err)
	}
	if !blocked.IsZero() {
		// Another request got in between the check above and now.
		return Issued{}, &TooSoonError{ResendAt: blocked}
	}
	return Issued{ChallengeID: ch.ID, Code: code, Phone: ch.Phone, ExpiresAt: ch.ExpiresAt, ResendAt: ch.ResendAt}, nil
}

// durations returns the TTL and the resend wait with their defaults.
func (c *Challenges) durations() (ttl, resend time.Duration, err error) {
	ttl, resend = c.TTL, c.ResendAfter
	switch {
	case ttl == 0:
		ttl = MaxTTL
	case ttl < 0 || ttl > MaxTTL:
		return 0, 0, fmt.Errorf("sms: code lifetime %s outside (0, %s]", ttl, MaxTTL)
	}
	switch {
	case resend == 0:
		resend = DefaultResendAfter
	case resend < 0:
		resend = 0
	}
	return ttl, resend, nil
}

// Outcome is what became of a challenge, or of one try at its code.
type Outcome int

// The outcomes. Every one but Verified and Waiting means the user did not
// pass; each has its own message.
const (
	Verified     Outcome = iota + 1 // the code was right: the number is proven
	WrongCode                       // wrong code; Result.AttemptsLeft more tries
	TooManyTries                    // MaxAttempts wrong codes: the challenge is dead
	Expired                         // the code's time is over, or a newer code replaced it
	AlreadyUsed                     // the code was used before
	OtherNumber                     // the challenge was for another number
	NoChallenge                     // no code was sent for this user, purpose and flow
	Waiting                         // (Pending only) a live code waits to be typed
)

var outcomeNames = map[Outcome]string{
	Verified: "verified", WrongCode: "wrong_code", TooManyTries: "too_many_tries", Expired: "expired",
	AlreadyUsed: "already_used", OtherNumber: "other_number", NoChallenge: "no_challenge", Waiting: "waiting",
}

// String returns the outcome's name ("wrong_code"), for message keys and the
// audit log.
func (o Outcome) String() string {
	if s, ok := outcomeNames[o]; ok {
		return s
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// Result is the outcome of Verify or the state given by Pending.
type Result struct {
	Outcome      Outcome
	AttemptsLeft int    // wrong codes still allowed (WrongCode, OtherNumber, Waiting)
	ChallengeID  string // "" for NoChallenge
	Phone        string // the number the code was sent to, E.164 (show it masked)
	ExpiresAt    time.Time
	ResendAt     time.Time
}

// state returns the outcome that ch stands for at now, before any code is
// checked: Waiting when it is live.
func state(ch *store.SMSChallenge, now time.Time) Outcome {
	switch {
	case !ch.UsedAt.IsZero():
		return AlreadyUsed
	case ch.Attempts >= MaxAttempts:
		return TooManyTries
	case !now.Before(ch.ExpiresAt):
		return Expired
	}
	return Waiting
}

func resultOf(ch *store.SMSChallenge, o Outcome) Result {
	left := max(MaxAttempts-ch.Attempts, 0)
	if o != Waiting && o != WrongCode && o != OtherNumber {
		left = 0
	}
	return Result{Outcome: o, AttemptsLeft: left, ChallengeID: ch.ID, Phone: ch.Phone, ExpiresAt: ch.ExpiresAt, ResendAt: ch.ResendAt}
}

// Pending returns the state of the newest challenge of the user, purpose and
// flow, to render the page where the code is typed (number, countdown, tries
// left): Waiting when it is live, NoChallenge when there is none.
func (c *Challenges) Pending(ctx context.Context, userID, purpose, flowID string) (Result, error) {
	ch, err := c.Store.ChallengeForVerify(ctx, userID, purpose, flowID)
	if errors.Is(err, store.ErrNotFound) {
		return Result{Outcome: NoChallenge}, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("sms: pending: %w", err)
	}
	return resultOf(ch, state(ch, c.now())), nil
}

// Verify checks the code typed for the newest challenge of the user,
// purpose and flow, sent to phone. The challenge is single use: on Verified
// it is marked used, atomically, so of concurrent right answers only one
// passes. A wrong code, a malformed one, and a challenge for another number
// each count as one wrong try; the MaxAttempts-th kills the challenge. The
// code is compared in constant time, through its salted hash.
func (c *Challenges) Verify(ctx context.Context, userID, purpose, flowID, typed, phone string) (Result, error) {
	now := c.now()
	ch, err := c.Store.ChallengeForVerify(ctx, userID, purpose, flowID)
	if errors.Is(err, store.ErrNotFound) {
		return Result{Outcome: NoChallenge}, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("sms: verify: %w", err)
	}
	if s := state(ch, now); s != Waiting {
		return resultOf(ch, s), nil
	}
	// Hash whatever was typed, so that a malformed code takes as long as a
	// wrong one.
	code := NormalizeCode(typed)
	right := subtle.ConstantTimeCompare([]byte(hashCode(c.Pepper, ch.Salt, code)), []byte(ch.CodeHash)) == 1 && code != ""
	if phone != ch.Phone || !right {
		n, err := c.Store.RecordWrongAttempt(ctx, ch.ID, MaxAttempts)
		if errors.Is(err, store.ErrNotFound) {
			return c.settled(ctx, ch.ID, now)
		}
		if err != nil {
			return Result{}, fmt.Errorf("sms: verify: %w", err)
		}
		ch.Attempts = n
		switch {
		case n >= MaxAttempts:
			return resultOf(ch, TooManyTries), nil
		case phone != ch.Phone:
			return resultOf(ch, OtherNumber), nil
		}
		return resultOf(ch, WrongCode), nil
	}
	if err := c.Store.UseChallenge(ctx, ch.ID, now, MaxAttempts); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return c.settled(ctx, ch.ID, now)
		}
		return Result{}, fmt.Errorf("sms: verify: %w", err)
	}
	ch.UsedAt = now
	return resultOf(ch, Verified), nil
}

// settled reads a challenge that a concurrent request used or killed, and
// returns what became of it.
func (c *Challenges) settled(ctx context.Context, id string, now time.Time) (Result, error) {
	ch, err := c.Store.ChallengeByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return Result{Outcome: NoChallenge}, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("sms: verify: %w", err)
	}
	s := state(ch, now)
	if s == Waiting {
		return Result{}, errors.New("sms: verify: challenge changed state concurrently")
	}
	return resultOf(ch, s), nil
}

// Abandon ends the live challenge of the user and purpose and lifts its
// resend wait: call it when the SMS could not be delivered, so that the user
// can ask for another code (or choose another method) at once.
func (c *Challenges) Abandon(ctx context.Context, userID, purpose string) error {
	if err := c.Store.KillChallenges(ctx, userID, purpose, c.now()); err != nil {
		return fmt.Errorf("sms: abandon: %w", err)
	}
	return nil
}
