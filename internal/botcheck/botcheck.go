package botcheck

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Spender records that a challenge was used; it returns false when key was
// already spent. The database implements it, so that every replica sees the
// same records. The record may be deleted once expires has passed: by then
// the challenge is refused as expired anyway.
type Spender interface {
	SpendOnce(ctx context.Context, key string, expires time.Time) (bool, error)
}

// Checker issues and verifies bot-check challenges. Its fields are read on
// every call and must not change while it is in use. The zero values of TTL
// and Now mean DefaultTTL and time.Now; the zero value of Difficulty turns the
// proof of work off (see New for a Checker with DefaultDifficulty).
type Checker struct {
	// Key is the HMAC key (at least MinKeyLen bytes), shared by all replicas.
	Key []byte
	// Difficulty is the number of leading zero bits required of
	// SHA-256(salt + ":" + nonce). 0 disables the proof of work, and the
	// fallback question must then be answered. At most MaxDifficulty.
	Difficulty int
	// TTL is how long a challenge stays valid after it was issued;
	// 0 means DefaultTTL.
	TTL time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Spender makes challenges single use. Verify fails without it.
	Spender Spender
}

// Challenge is what Issue hands to the form: the token goes into a hidden
// field, the salt and difficulty into data attributes for the JavaScript, and
// A and B into the fallback question "What is A + B?".
type Challenge struct {
	// Token is opaque and URL-safe; it is echoed back in the form field
	// FieldToken.
	Token string
	// Salt is what the worker hashes with: SHA-256(Salt + ":" + nonce).
	Salt string
	// Difficulty is the number of leading zero bits the worker must find;
	// 0 means there is no proof of work and the question must be answered.
	Difficulty int
	// A and B are the terms of the fallback question, each 1..9. The
	// caller translates the sentence around them.
	A, B int
}

// Errors returned by Verify. They are distinct; any other error Verify
// returns (a misconfigured Checker, a failing Spender) is a server fault.
var (
	// ErrMissing means the token is absent, or neither a nonce nor an
	// answer was sent. The token is not spent in that case.
	ErrMissing = errors.New("botcheck: challenge missing")
	// ErrInvalid means the token is malformed, tampered with, signed with
	// another key or issued in the future.
	ErrInvalid = errors.New("botcheck: challenge invalid")
	// ErrExpired means the token is older than the Checker's TTL.
	ErrExpired = errors.New("botcheck: challenge expired")
	// ErrReused means the token was already spent by an earlier Verify.
	ErrReused = errors.New("botcheck: challenge already used")
	// ErrWrong means neither the proof of work nor the answer is right.
	// The token has been spent: the form needs a new challenge.
	ErrWrong = errors.New("botcheck: challenge not solved")
)

// Names of the form fields the handler reads and the templates write.
const (
	// FieldToken is the hidden input holding Challenge.Token.
	FieldToken = "botcheck_token"
	// FieldNonce is the hidden input that botcheck.js fills with the nonce.
	FieldNonce = "botcheck_nonce"
	// FieldAnswer is the text input of the fallback question.
	FieldAnswer = "botcheck_answer"
)

const (
	// DefaultDifficulty is the difficulty New sets: 16 leading zero bits,
	// about 65 000 hashes on average.
	DefaultDifficulty = 16
	// MaxDifficulty is the highest difficulty a Checker accepts.
	MaxDifficulty = 32
	// DefaultTTL is the lifetime of a challenge when Checker.TTL is 0.
	DefaultTTL = 20 * time.Minute
	// MinKeyLen is the shortest Checker.Key accepted.
	MinKeyLen = 32
)

// maxSkew is how far in the future a token's issue time may be, to absorb
// clock differences between replicas.
const maxSkew = time.Minute

// Token layout (before base64url encoding without padding):
//
//	version(1) | id(16) | issued unix seconds(8, big endian) |
//	difficulty(1) | answer MAC(16) | signature(32)
//
// The signature is HMAC-SHA256 under the token sub-key over everything
// before it.
const (
	tokenVersion = 1
	idLen        = 16
	answerMACLen = 16
	sigLen       = sha256.Size
	offID        = 1
	offIssued    = offID + idLen
	offDiff      = offIssued + 8
	offAnswer    = offDiff + 1
	offSig       = offAnswer + answerMACLen
	tokenLen     = offSig + sigLen
)

// maxNonceLen is the number of digits of the largest uint64.
const maxNonceLen = 20

// maxAnswerLen bounds the digits accepted as an answer (sums are 2..18).
const maxAnswerLen = 6

var b64 = base64.RawURLEncoding.Strict()

// New returns a Checker with DefaultDifficulty, DefaultTTL and time.Now.
func New(key []byte, spender Spender) *Checker {
	return &Checker{Key: key, Difficulty: DefaultDifficulty, TTL: DefaultTTL, Now: time.Now, Spender: spender}
}

func (c *Checker) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Checker) ttl() time.Duration {
	if c.TTL > 0 {
		return c.TTL
	}
	return DefaultTTL
}

func (c *Checker) checkConfig() error {
	if len(c.Key) < MinKeyLen {
		return fmt.Errorf("botcheck: key is %d bytes, want at least %d", len(c.Key), MinKeyLen)
	}
	if c.Difficulty < 0 || c.Difficulty > MaxDifficulty {
		return fmt.Errorf("botcheck: difficulty %d out of range 0..%d", c.Difficulty, MaxDifficulty)
	}
	if c.TTL < 0 {
		return fmt.Errorf("botcheck: negative TTL %v", c.TTL)
	}
	return nil
}

// subKey derives a key for one purpose from the shared key, so that the
// signature and the answer MAC never use the same key.
func (c *Checker) subKey(purpose string) []byte {
	m := hmac.New(sha256.New, c.Key)
	m.Write([]byte("eulogin botcheck v1 " + purpose))
	return m.Sum(nil)
}

func (c *Checker) sign(payload []byte) []byte {
	m := hmac.New(sha256.New, c.subKey("token"))
	m.Write(payload)
	return m.Sum(nil)
}

// answerMAC binds the answer to the token's id, so that the MAC of one
// token says nothing about another's answer.
func (c *Checker) answerMAC(id []byte, answer int) []byte {
	m := hmac.New(sha256.New, c.subKey("answer"))
	m.Write(id)
	m.Write([]byte(":" + strconv.Itoa(answer)))
	return m.Sum(nil)[:answerMACLen]
}

// Issue creates a new challenge with a random id (crypto/rand), the current
// time, the Checker's difficulty and a random question.
func (c *Checker) Issue() (Challenge, error) {
	if err := c.checkConfig(); err != nil {
		return Challenge{}, err
	}
	var rnd [idLen + 2]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return Challenge{}, fmt.Errorf("botcheck: random: %w", err)
	}
	id := rnd[:idLen]
	// 256 is not a multiple of 9; the bias (at most 1/256) is irrelevant
	// for a question whose answer space is public anyway.
	a := 1 + int(rnd[idLen])%9
	b := 1 + int(rnd[idLen+1])%9

	raw := make([]byte, tokenLen)
	raw[0] = tokenVersion
	copy(raw[offID:], id)
	binary.BigEndian.PutUint64(raw[offIssued:], uint64(c.now().Unix()))
	raw[offDiff] = byte(c.Difficulty)
	copy(raw[offAnswer:], c.answerMAC(id, a+b))
	copy(raw[offSig:], c.sign(raw[:offSig]))

	return Challenge{
		Token:      b64.EncodeToString(raw),
		Salt:       b64.EncodeToString(id),
		Difficulty: c.Difficulty,
		A:          a,
		B:          b,
	}, nil
}

// Verify accepts the challenge when either the nonce solves the proof of
// work or answer equals A+B (trimmed; ASCII digits only). It spends the token
// (single use) only after the signature and expiry are valid, and before it
// looks at the nonce and the answer, so a wrong guess uses the token up.
//
// It returns nil, one of ErrMissing, ErrInvalid, ErrExpired, ErrReused and
// ErrWrong, or another error when the Checker is misconfigured or the
// Spender fails.
func (c *Checker) Verify(ctx context.Context, token, nonce, answer string) error {
	if err := c.checkConfig(); err != nil {
		return err
	}
	if c.Spender == nil {
		return errors.New("botcheck: Checker.Spender is nil")
	}
	token = strings.TrimSpace(token)
	if token == "" {
		return ErrMissing
	}
	if len(token) != b64.EncodedLen(tokenLen) {
		return ErrInvalid
	}
	raw, err := b64.DecodeString(token)
	if err != nil || len(raw) != tokenLen || b64.EncodeToString(raw) != token {
		return ErrInvalid
	}
	if !hmac.Equal(raw[offSig:], c.sign(raw[:offSig])) {
		return ErrInvalid
	}
	// Signed by us from here on; the checks below guard against a key
	// shared with a future token format.
	if raw[0] != tokenVersion || int(raw[offDiff]) > MaxDifficulty {
		return ErrInvalid
	}
	id := raw[offID:offIssued]
	issuedUnix := binary.BigEndian.Uint64(raw[offIssued:offDiff])
	if issuedUnix > 1<<62 {
		return ErrInvalid
	}
	issued := time.Unix(int64(issuedUnix), 0)
	now := c.now()
	if issued.After(now.Add(maxSkew)) {
		return ErrInvalid
	}
	ttl := c.ttl()
	if now.After(issued.Add(ttl)) {
		return ErrExpired
	}

	nonce = strings.TrimSpace(nonce)
	answer = strings.TrimSpace(answer)
	if nonce == "" && answer == "" {
		return ErrMissing
	}

	salt := b64.EncodeToString(id)
	ok, err := c.Spender.SpendOnce(ctx, "botcheck:"+salt, issued.Add(ttl+maxSkew))
	if err != nil {
		return fmt.Errorf("botcheck: spend: %w", err)
	}
	if !ok {
		return ErrReused
	}

	difficulty := int(raw[offDiff])
	if difficulty > 0 && validNonce(nonce) && solves(salt, nonce, difficulty) {
		return nil
	}
	if n, ok := parseAnswer(answer); ok && hmac.Equal(c.answerMAC(id, n), raw[offAnswer:offSig]) {
		return nil
	}
	return ErrWrong
}

// validNonce reports whether s looks like what Solve and the worker produce:
// 1 to 20 ASCII digits.
func validNonce(s string) bool {
	return len(s) > 0 && len(s) <= maxNonceLen && allDigits(s)
}

// parseAnswer accepts 1 to maxAnswerLen ASCII digits (leading zeros allowed).
func parseAnswer(s string) (int, bool) {
	if len(s) == 0 || len(s) > maxAnswerLen || !allDigits(s) {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
