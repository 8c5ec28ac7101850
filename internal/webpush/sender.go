package webpush

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// DefaultTTL is how long a push service keeps a message for an offline
// browser when Sender.TTL is zero: two minutes, the life of a login request
// on the mobile app.
const DefaultTTL = 2 * time.Minute

// Urgency is the RFC 8030 §5.3 Urgency header: how soon the user agent
// wants the message, which lets a phone on battery defer low ones.
type Urgency string

// The urgencies of RFC 8030 §5.3. The empty Urgency sends no header, which
// means UrgencyNormal.
const (
	UrgencyVeryLow Urgency = "very-low"
	UrgencyLow     Urgency = "low"
	UrgencyNormal  Urgency = "normal"
	UrgencyHigh    Urgency = "high" // a login request waiting for the user
)

// ErrGone is wrapped by the error of Send when the push service answers 404
// Not Found or 410 Gone: the subscription has expired or was withdrawn and
// the caller should delete it (RFC 8030 §7.3).
var ErrGone = errors.New("webpush: subscription gone")

// StatusError is the error of Send when the push service refuses a message.
// It wraps ErrGone for 404 and 410.
type StatusError struct {
	StatusCode int
	// Reason is the start of the response body, printable characters only;
	// push services put a short explanation there.
	Reason string
	// RetryAfter is the delay the push service asked for in Retry-After
	// (usually with 429 or 503), or zero.
	RetryAfter time.Duration
}

// Error says what the push service answered.
func (e *StatusError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "webpush: push service answered %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	if e.Reason != "" {
		b.WriteString(": ")
		b.WriteString(e.Reason)
	}
	return b.String()
}

// Unwrap gives ErrGone for 404 and 410, so errors.Is(err, ErrGone) holds.
func (e *StatusError) Unwrap() error {
	if e.StatusCode == http.StatusNotFound || e.StatusCode == http.StatusGone {
		return ErrGone
	}
	return nil
}

// Sender delivers push messages (RFC 8030 §5) identified with VAPID.
//
// Endpoints come from browsers, so from users: a caller that does not want
// its server to post to arbitrary hosts should give Client a Transport that
// allows only the push services it knows.
type Sender struct {
	// VAPID identifies the server to the push service; it is required.
	VAPID *VAPID
	// Client sends the requests; nil means http.DefaultClient. Give Send's
	// context a deadline.
	Client *http.Client
	// TTL is how long the push service keeps an undelivered message, in
	// whole seconds: zero means DefaultTTL, a negative value sends TTL: 0
	// (deliver now or never).
	TTL time.Duration
	// Urgency is sent as the Urgency header unless empty.
	Urgency Urgency
	// Topic, if set, lets a new message replace an undelivered one with the
	// same topic (RFC 8030 §5.4): at most 32 characters of the base64url
	// alphabet.
	Topic string
	// Now is the clock for the VAPID token's expiry; nil means time.Now.
	Now func() time.Time
}

// Send encrypts payload for sub (Encrypt) and posts it to sub.Endpoint with
// the headers of RFC 8030 §5, RFC 8291 and RFC 8292 §3. It returns nil when
// the push service accepts the message (any 2xx, normally 201 Created), an
// error wrapping ErrGone when the subscription no longer exists, a
// *StatusError for other answers, and an error wrapping
// ErrInvalidSubscription or ErrPayloadTooLarge before anything is sent.
// Neither the payload nor any key appears in an error.
func (s *Sender) Send(ctx context.Context, sub Subscription, payload []byte) error {
	if err := s.check(); err != nil {
		return err
	}
	u, err := endpointURL(sub.Endpoint)
	if err != nil {
		return err
	}
	body, err := Encrypt(sub, payload)
	if err != nil {
		return err
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	auth, err := s.VAPID.authorization(origin(u), now().Add(TokenLifetime))
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webpush: request: %w", err)
	}
	req.Header.Set("Authorization", auth)
	req.Header.Set("Content-Encoding", "aes128gcm")
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("TTL", strconv.FormatInt(int64(s.ttl()/time.Second), 10))
	if s.Urgency != "" {
		req.Header.Set("Urgency", string(s.Urgency))
	}
	if s.Topic != "" {
		req.Header.Set("Topic", s.Topic)
	}

	client := s.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		// The endpoint's path is a capability: name only its origin.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return fmt.Errorf("webpush: post to %s: %w", origin(u), err)
	}
	defer resp.Body.Close()
	reason, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	return &StatusError{
		StatusCode: resp.StatusCode,
		Reason:     printable(reason, 200),
		RetryAfter: retryAfter(resp.Header.Get("Retry-After"), now()),
	}
}

func (s *Sender) check() error {
	if s.VAPID == nil || s.VAPID.Private == nil {
		return errors.New("webpush: Sender has no VAPID key")
	}
	switch s.Urgency {
	case "", UrgencyVeryLow, UrgencyLow, UrgencyNormal, UrgencyHigh:
	default:
		return fmt.Errorf("webpush: unknown urgency %q", s.Urgency)
	}
	if !validTopic(s.Topic) {
		return fmt.Errorf("webpush: topic %q must be at most 32 base64url characters", s.Topic)
	}
	return nil
}

func (s *Sender) ttl() time.Duration {
	switch {
	case s.TTL == 0:
		return DefaultTTL
	case s.TTL < 0:
		return 0
	}
	return s.TTL
}

// validTopic reports whether t fits RFC 8030 §5.4: no more than 32
// characters from the URL and filename safe base64 alphabet.
func validTopic(t string) bool {
	if len(t) > 32 {
		return false
	}
	for _, c := range t {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// maxRetryAfter bounds a Retry-After in seconds (a week), so that no answer
// overflows a time.Duration.
const maxRetryAfter = 7 * 24 * 3600

// retryAfter reads a Retry-After value, delay-seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil && secs > 0 {
		return time.Duration(min(secs, maxRetryAfter)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return min(t.Sub(now).Round(time.Second), maxRetryAfter*time.Second)
	}
	return 0
}

// printable keeps the first n printable characters of b on one line.
func printable(b []byte, n int) string {
	var out strings.Builder
	for _, r := range strings.TrimSpace(string(b)) {
		if out.Len() >= n {
			break
		}
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			out.WriteByte(' ')
		case unicode.IsPrint(r):
			out.WriteRune(r)
		}
	}
	return out.String()
}
