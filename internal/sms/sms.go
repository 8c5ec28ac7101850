package sms

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// Message is one text message, already rendered in the recipient's language.
type Message struct {
	To   string // recipient in E.164 form, e.g. "+37120000012"
	Text string // the text, any Unicode
}

// LogValue makes a Message safe to log: the number is masked and the text
// (which holds a code) is left out, only its length is shown.
func (m Message) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("to", Mask(m.To)),
		slog.Int("text_len", len([]rune(m.Text))),
	)
}

// Sender delivers messages.
type Sender interface {
	// Send hands m over to the carrier (or the dev outbox). It returns once
	// the provider has accepted the message, or an error; failures to
	// deliver are *DeliveryError values that match ErrDelivery.
	Send(ctx context.Context, m Message) error
}

// ErrDelivery matches (with errors.Is) every *DeliveryError: the message
// could not be handed over. The user interface shows a generic message for it
// and lets the user retry or choose another method.
var ErrDelivery = errors.New("sms: delivery failed")

// ErrInvalidMessage is returned when a Message is not sendable (recipient not
// in E.164 form, empty text): a programming error, not a delivery failure.
var ErrInvalidMessage = errors.New("sms: invalid message")

// DeliveryError describes a failed delivery. Its Error text names the
// provider, the HTTP status and the provider's error code; it never holds the
// message text, the recipient's full number, a secret, or the body of a
// generic gateway's answer.
type DeliveryError struct {
	Provider     string // "outbox", "http" or "twilio"
	Status       int    // HTTP status of the answer; 0 when there was none
	ProviderCode int    // the provider's own error code (Twilio's "code"); 0 when none
	// Detail is the provider's explanation (Twilio's "message") with every
	// run of digits and anything shaped like a challenge code replaced by
	// "•••", at most 200 characters. Empty for generic gateways, whose
	// answers are never kept.
	Detail    string
	Temporary bool  // retrying later may succeed (no answer, 408, 425, 429, 5xx)
	Err       error // the transport error (timeout, refused connection...), if any
}

// Error describes the failure without the message text or the number.
func (e *DeliveryError) Error() string {
	var b strings.Builder
	b.WriteString("sms: ")
	b.WriteString(e.Provider)
	b.WriteString(": delivery failed")
	if e.Status != 0 {
		b.WriteString(": status ")
		b.WriteString(strconv.Itoa(e.Status))
	}
	if e.ProviderCode != 0 {
		b.WriteString(": error ")
		b.WriteString(strconv.Itoa(e.ProviderCode))
	}
	if e.Detail != "" {
		b.WriteString(" (")
		b.WriteString(e.Detail)
		b.WriteString(")")
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the transport error, so errors.Is(err, context.Canceled)
// and similar work.
func (e *DeliveryError) Unwrap() error { return e.Err }

// Is reports whether target is ErrDelivery.
func (e *DeliveryError) Is(target error) bool { return target == ErrDelivery }

// temporaryStatus reports whether an HTTP status means that a later retry may
// succeed.
func temporaryStatus(code int) bool {
	return code == 408 || code == 425 || code == 429 || code >= 500
}

// e164 is the shape of an E.164 number: "+", a non-zero digit, 7 to 15 digits
// in all.
var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// validate checks that m can be sent.
func (m Message) validate() error {
	if !e164.MatchString(m.To) {
		return fmt.Errorf("%w: recipient %s is not in E.164 form", ErrInvalidMessage, Mask(m.To))
	}
	if strings.TrimSpace(m.Text) == "" {
		return fmt.Errorf("%w: empty text", ErrInvalidMessage)
	}
	return nil
}

// maskDots stands for hidden digits.
const maskDots = "•••"

// Mask returns number with all but its country calling code and its last two
// digits hidden, for logs and pages: Mask("+37120000012") is
// "+371 ••• ••• 12". Anything that is not a recognisable international number
// keeps at most its last two digits (and none when it has fewer than six).
func Mask(number string) string {
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, number)
	if strings.HasPrefix(strings.TrimSpace(number), "+") {
		if n, err := phonenumbers.Parse(number, ""); err == nil && n.GetCountryCode() != 0 {
			nsn := phonenumbers.GetNationalSignificantNumber(n)
			if len(nsn) >= 6 {
				return "+" + strconv.Itoa(int(n.GetCountryCode())) + " " + maskDots + " " + maskDots + " " + nsn[len(nsn)-2:]
			}
		}
	}
	if len(digits) >= 6 {
		return maskDots + " " + maskDots + " " + digits[len(digits)-2:]
	}
	return maskDots
}

// digitRun matches a run of digits, possibly with a leading "+" and inner
// separators; codeLike matches a hyphenated challenge code; word matches a
// word of nine letters or digits.
var (
	digitRun = regexp.MustCompile(`\+?[0-9][0-9 ().\-]*[0-9]`)
	codeLike = regexp.MustCompile(`\b[A-Za-z0-9]{3}-[A-Za-z0-9]{3}-[A-Za-z0-9]{3}\b`)
	word9    = regexp.MustCompile(`\b[A-Za-z0-9]{9}\b`)
)

// redact makes a provider's explanation safe to keep: runs of three or more
// digits (numbers), hyphenated codes and nine-character words with a digit
// (unhyphenated codes) become "•••", and the result is cut to 200
// characters.
func redact(s string) string {
	s = codeLike.ReplaceAllString(s, maskDots)
	s = word9.ReplaceAllStringFunc(s, func(m string) string {
		if strings.ContainsAny(m, "0123456789") {
			return maskDots
		}
		return m
	})
	s = digitRun.ReplaceAllStringFunc(s, func(m string) string {
		n := 0
		for _, r := range m {
			if r >= '0' && r <= '9' {
				n++
			}
		}
		if n < 3 {
			return m
		}
		return maskDots
	})
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "…"
	}
	return s
}
