package sms

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"unicode"
)

// The providers a Config can name.
const (
	ProviderOutbox = "outbox" // the dev outbox
	ProviderHTTP   = "http"   // a generic HTTP gateway
	ProviderTwilio = "twilio" // the Twilio Messages API
)

// MinSecretLen is the shortest accepted HMAC secret of a generic gateway, in
// bytes (for example 32 random bytes, hex-encoded, are 64).
const MinSecretLen = 32

// Config selects and configures the SMS provider.
type Config struct {
	Provider string // "outbox", "http" or "twilio"

	// URL is, for "http", the gateway's URL (required); for "twilio", an
	// optional base URL replacing https://api.twilio.com (a regional edge
	// such as https://api.dublin.ie1.twilio.com, or a local server in tests).
	// It must be https, or http to a loopback address.
	URL string
	// Headers are extra headers for "http", written
	// "Name: value; Name2: value" (values cannot contain ';').
	Headers string
	// Secret is the HMAC key of "http", at least MinSecretLen bytes.
	Secret string

	TwilioSID   string // "AC" and 32 hex digits
	TwilioToken string // the auth token
	// TwilioFrom is the sender: a Twilio number in E.164 form, an
	// alphanumeric sender id (1 to 11 letters, digits or spaces, at least one
	// letter), or a Messaging Service SID ("MG" and 32 hex digits).
	TwilioFrom string
}

var (
	twilioSID       = regexp.MustCompile(`^AC[0-9a-fA-F]{32}$`)
	twilioService   = regexp.MustCompile(`^MG[0-9a-fA-F]{32}$`)
	alphanumericID  = regexp.MustCompile(`^[A-Za-z0-9 ]{1,11}$`)
	headerNameToken = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
)

// reservedHeaders are set by the HTTP gateway itself or by net/http and
// cannot be configured.
var reservedHeaders = []string{"Content-Type", "Content-Length", "Host", "Transfer-Encoding", "Connection", HeaderTimestamp, HeaderSignature}

// Validate reports every problem with c, joined into one error, or nil.
// Error texts never repeat the secret, the token or the header values.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("sms: invalid config: "+format, args...))
	}
	switch c.Provider {
	case ProviderOutbox:
	case ProviderHTTP:
		if c.URL == "" {
			bad("the http provider needs a gateway URL")
		} else if err := checkURL(c.URL); err != nil {
			bad("gateway URL: %v", err)
		}
		if _, err := ParseHeaders(c.Headers); err != nil {
			errs = append(errs, err)
		}
		if len(c.Secret) < MinSecretLen {
			bad("the http provider needs a signing secret of at least %d bytes (got %d)", MinSecretLen, len(c.Secret))
		}
	case ProviderTwilio:
		if c.URL != "" {
			if err := checkURL(c.URL); err != nil {
				bad("Twilio base URL: %v", err)
			}
		}
		if !twilioSID.MatchString(c.TwilioSID) {
			bad("Twilio account SID must be AC followed by 32 hex digits")
		}
		if c.TwilioToken == "" || strings.ContainsFunc(c.TwilioToken, isSpaceOrControl) {
			bad("Twilio auth token is empty or contains white space")
		}
		if !twilioFromValid(c.TwilioFrom) {
			bad("Twilio sender %q must be an E.164 number, an alphanumeric sender id of at most 11 characters, or a Messaging Service SID (MG...)", c.TwilioFrom)
		}
	case "":
		bad("no SMS provider chosen (want %q, %q or %q)", ProviderOutbox, ProviderHTTP, ProviderTwilio)
	default:
		bad("unknown SMS provider %q (want %q, %q or %q)", c.Provider, ProviderOutbox, ProviderHTTP, ProviderTwilio)
	}
	return errors.Join(errs...)
}

// twilioFromValid reports whether from is a sender Twilio accepts.
func twilioFromValid(from string) bool {
	switch {
	case e164.MatchString(from), twilioService.MatchString(from):
		return true
	case alphanumericID.MatchString(from) && strings.TrimSpace(from) == from:
		return strings.ContainsFunc(from, func(r rune) bool { return r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' })
	}
	return false
}

// checkURL accepts absolute https URLs, and http URLs to loopback hosts, with
// no user name or password in them.
func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("not a URL")
	}
	if u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return errors.New("must be an absolute http(s) URL")
	}
	if u.User != nil {
		return errors.New("must not contain credentials; use a header instead")
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return errors.New("must use https (http only to a loopback address)")
	}
	return nil
}

// isLoopback reports whether host is "localhost" or a loopback IP address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ParseHeaders parses "Name: value; Name2: value" into canonical header names
// and trimmed values. Names must be HTTP tokens, appear once, and not be one
// of the headers the gateway sets itself (Content-Type, X-Eulogin-Timestamp,
// X-Eulogin-Signature, Host, Content-Length, Transfer-Encoding, Connection);
// values must not hold control characters. An empty string gives no headers.
func ParseHeaders(s string) (map[string]string, error) {
	out := map[string]string{}
	for part := range strings.SplitSeq(s, ";") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		name, value, ok := strings.Cut(part, ":")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		switch {
		case !ok:
			return nil, fmt.Errorf("sms: invalid config: header %q: want \"Name: value\"", name)
		case !headerNameToken.MatchString(name):
			return nil, fmt.Errorf("sms: invalid config: header name %q is not an HTTP token", name)
		case strings.ContainsFunc(value, isControl):
			return nil, fmt.Errorf("sms: invalid config: header %s: value contains control characters", name)
		}
		name = http.CanonicalHeaderKey(name)
		for _, r := range reservedHeaders {
			if strings.EqualFold(name, r) {
				return nil, fmt.Errorf("sms: invalid config: header %s is set by eulogin and cannot be configured", name)
			}
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("sms: invalid config: header %s given twice", name)
		}
		out[name] = value
	}
	return out, nil
}

// New validates c and returns its Sender: an *Outbox writing to outbox, an
// *HTTPGateway or a *Twilio. outbox may be nil unless c.Provider is "outbox".
func New(c Config, outbox OutboxStore) (Sender, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	switch c.Provider {
	case ProviderOutbox:
		if outbox == nil {
			return nil, errors.New("sms: the outbox provider needs a store")
		}
		return &Outbox{Store: outbox}, nil
	case ProviderHTTP:
		h, _ := ParseHeaders(c.Headers) // checked by Validate
		return &HTTPGateway{URL: c.URL, Headers: h, Secret: []byte(c.Secret)}, nil
	default: // ProviderTwilio, checked by Validate
		tw := &Twilio{AccountSID: c.TwilioSID, AuthToken: c.TwilioToken, BaseURL: c.URL}
		if twilioService.MatchString(c.TwilioFrom) {
			tw.MessagingServiceSID = c.TwilioFrom
		} else {
			tw.From = c.TwilioFrom
		}
		return tw, nil
	}
}

// isControl reports whether r is a control character (CR, LF, NUL...).
func isControl(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f }

// isSpaceOrControl reports whether r is white space or a control character.
func isSpaceOrControl(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }
