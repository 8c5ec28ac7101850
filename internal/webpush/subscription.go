package webpush

import (
	"crypto/ecdh"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// ErrInvalidSubscription is wrapped by every error about a malformed
// Subscription: an endpoint that is not an https URL, a p256dh that is not a
// P-256 point, an auth secret that is not 16 bytes. A caller that stored
// such a subscription can delete it: no push service would accept it.
var ErrInvalidSubscription = errors.New("webpush: invalid subscription")

// AuthSecretLen is the length of a subscription's authentication secret
// (RFC 8291 §3.2).
const AuthSecretLen = 16

// Subscription is what a browser's PushSubscription.toJSON() gives: the push
// resource URL and the user agent's keys. P256DH is the user agent's ECDH
// public key (an uncompressed P-256 point, 65 bytes) and Auth its 16-byte
// authentication secret, both base64url without padding; padded and standard
// base64 are accepted too.
//
// Its JSON form is the browser's: {"endpoint": ..., "keys": {"p256dh": ...,
// "auth": ...}}, so a subscription posted by a page decodes with
// json.Unmarshal.
type Subscription struct {
	Endpoint string
	P256DH   string
	Auth     string
}

// subscriptionJSON is the shape of PushSubscription.toJSON().
type subscriptionJSON struct {
	Endpoint string `json:"endpoint"`
	Keys     struct {
		P256DH string `json:"p256dh"`
		Auth   string `json:"auth"`
	} `json:"keys"`
}

// MarshalJSON writes s in the shape of PushSubscription.toJSON().
func (s Subscription) MarshalJSON() ([]byte, error) {
	var j subscriptionJSON
	j.Endpoint, j.Keys.P256DH, j.Keys.Auth = s.Endpoint, s.P256DH, s.Auth
	return json.Marshal(j)
}

// UnmarshalJSON reads the shape of PushSubscription.toJSON(); other members
// (expirationTime) are ignored. It does not validate: call Validate.
func (s *Subscription) UnmarshalJSON(data []byte) error {
	var j subscriptionJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return fmt.Errorf("webpush: subscription JSON: %w", err)
	}
	*s = Subscription{Endpoint: j.Endpoint, P256DH: j.Keys.P256DH, Auth: j.Keys.Auth}
	return nil
}

// Validate reports whether s can receive a push: the endpoint is an https URL
// (or http on a loopback host, for tests), P256DH is a point on P-256 and
// Auth is 16 bytes. Its errors wrap ErrInvalidSubscription.
func (s Subscription) Validate() error {
	if _, err := endpointURL(s.Endpoint); err != nil {
		return err
	}
	_, _, err := s.keys()
	return err
}

// keys decodes and checks the user agent's public key and auth secret.
func (s Subscription) keys() (*ecdh.PublicKey, []byte, error) {
	raw, err := decodeBase64(s.P256DH)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: p256dh is not base64: %v", ErrInvalidSubscription, err)
	}
	if len(raw) != 65 || raw[0] != 4 {
		return nil, nil, fmt.Errorf("%w: p256dh must be an uncompressed P-256 point (65 bytes starting with 0x04), got %d bytes", ErrInvalidSubscription, len(raw))
	}
	pub, err := ecdh.P256().NewPublicKey(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: p256dh is not a point on P-256", ErrInvalidSubscription)
	}
	auth, err := decodeBase64(s.Auth)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: auth is not base64: %v", ErrInvalidSubscription, err)
	}
	if len(auth) != AuthSecretLen {
		return nil, nil, fmt.Errorf("%w: auth must be %d bytes, got %d", ErrInvalidSubscription, AuthSecretLen, len(auth))
	}
	return pub, auth, nil
}

// endpointURL parses a push resource URL. It must be https, except on a
// loopback host, where http is allowed so that tests can use httptest.
func endpointURL(endpoint string) (*url.URL, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return nil, fmt.Errorf("%w: endpoint is not a URL", ErrInvalidSubscription)
	}
	if u.Host == "" || u.User != nil || u.Opaque != "" {
		return nil, fmt.Errorf("%w: endpoint must be an absolute URL with a host and no user info", ErrInvalidSubscription)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return nil, fmt.Errorf("%w: endpoint must use https", ErrInvalidSubscription)
		}
	default:
		return nil, fmt.Errorf("%w: endpoint must use https, not %q", ErrInvalidSubscription, u.Scheme)
	}
	return u, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// origin is the ASCII serialization of u's origin (RFC 6454 §6.2), which is
// what a VAPID token's aud must be (RFC 8292 §2): scheme, host, and the port
// only when it is not the scheme's default.
func origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	if port != "" {
		return scheme + "://" + net.JoinHostPort(host, port)
	}
	if strings.Contains(host, ":") { // IPv6 literal
		host = "[" + host + "]"
	}
	return scheme + "://" + host
}

// decodeBase64 decodes base64url or standard base64, with or without
// padding, as browsers and push libraries write keys in either.
func decodeBase64(s string) ([]byte, error) {
	s = strings.TrimRight(strings.TrimSpace(s), "=")
	s = strings.NewReplacer("+", "-", "/", "_").Replace(s)
	return base64.RawURLEncoding.DecodeString(s)
}

// encodeBase64 is base64url without padding, the form Web Push uses.
func encodeBase64(b []byte) string {
	return base64.RawURLEncoding.EncodeToString(b)
}
