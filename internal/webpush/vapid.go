package webpush

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strings"
	"time"
)

// TokenLifetime is how long a VAPID token is valid after it is made: half
// the 24 hours a push service accepts at most (RFC 8292 §2), so that clock
// skew cannot push it over.
const TokenLifetime = 12 * time.Hour

// VAPID is the application server's identity (RFC 8292): a P-256 ECDSA key
// pair whose public key the browser was given as applicationServerKey, and a
// contact URI ("mailto:..." or "https://...") the push service's operator
// can use.
type VAPID struct {
	Private *ecdsa.PrivateKey
	Subject string
}

// GenerateVAPID makes a new key pair for subject.
func GenerateVAPID(subject string) (*VAPID, error) {
	if err := checkSubject(subject); err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("webpush: generate VAPID key: %w", err)
	}
	return &VAPID{Private: key, Subject: subject}, nil
}

// ParseVAPID reads a private key written by MarshalPrivate (base64url of
// the 32-byte scalar, the form web-push libraries print) or a PEM "PRIVATE
// KEY" (PKCS #8) or "EC PRIVATE KEY" (SEC 1) block, and pairs it with
// subject.
func ParseVAPID(private, subject string) (*VAPID, error) {
	if err := checkSubject(subject); err != nil {
		return nil, err
	}
	private = strings.TrimSpace(private)
	var key *ecdsa.PrivateKey
	if strings.HasPrefix(private, "-----BEGIN") {
		k, err := parsePEM(private)
		if err != nil {
			return nil, err
		}
		key = k
	} else {
		raw, err := decodeBase64(private)
		if err != nil {
			return nil, fmt.Errorf("webpush: VAPID private key is not base64: %w", err)
		}
		if len(raw) != 32 {
			return nil, fmt.Errorf("webpush: VAPID private key must be 32 bytes, got %d", len(raw))
		}
		if key, err = ecdsa.ParseRawPrivateKey(elliptic.P256(), raw); err != nil {
			return nil, fmt.Errorf("webpush: VAPID private key: %w", err)
		}
	}
	return &VAPID{Private: key, Subject: subject}, nil
}

func parsePEM(s string) (*ecdsa.PrivateKey, error) {
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return nil, errors.New("webpush: VAPID private key: malformed PEM")
	}
	var k any
	var err error
	switch block.Type {
	case "PRIVATE KEY":
		k, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		k, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("webpush: VAPID private key: unexpected PEM block %q", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("webpush: VAPID private key: %w", err)
	}
	key, ok := k.(*ecdsa.PrivateKey)
	if !ok || key.Curve != elliptic.P256() {
		return nil, errors.New("webpush: VAPID private key must be a P-256 ECDSA key")
	}
	return key, nil
}

// MarshalPrivate writes the private key as base64url of its 32-byte scalar,
// for keeping in a database setting; ParseVAPID reads it back. The text is a
// secret.
func (v *VAPID) MarshalPrivate() (string, error) {
	if v == nil || v.Private == nil {
		return "", errors.New("webpush: no VAPID private key")
	}
	raw, err := v.Private.Bytes()
	if err != nil {
		return "", fmt.Errorf("webpush: VAPID private key: %w", err)
	}
	return encodeBase64(raw), nil
}

// PublicKey is the uncompressed public point, base64url: the
// applicationServerKey a page passes to pushManager.subscribe, and the k
// parameter of the Authorization header. It is "" when v has no valid key.
func (v *VAPID) PublicKey() string {
	raw, err := v.publicBytes()
	if err != nil {
		return ""
	}
	return encodeBase64(raw)
}

func (v *VAPID) publicBytes() ([]byte, error) {
	if v == nil || v.Private == nil {
		return nil, errors.New("webpush: no VAPID private key")
	}
	raw, err := v.Private.PublicKey.Bytes()
	if err != nil {
		return nil, fmt.Errorf("webpush: VAPID public key: %w", err)
	}
	return raw, nil
}

// jwtHeader is the JOSE header of every VAPID token (RFC 8292 §2).
var jwtHeader = encodeBase64([]byte(`{"typ":"JWT","alg":"ES256"}`))

// claims are the VAPID token's claims (RFC 8292 §2).
type claims struct {
	Aud string `json:"aud"`
	Exp int64  `json:"exp"`
	Sub string `json:"sub"`
}

// authorization is the value of the Authorization header for a request to a
// push service at aud (RFC 8292 §3): a token signed with ES256, valid until
// exp, and the public key.
func (v *VAPID) authorization(aud string, exp time.Time) (string, error) {
	pub, err := v.publicBytes()
	if err != nil {
		return "", err
	}
	tok, err := v.token(aud, exp)
	if err != nil {
		return "", err
	}
	return "vapid t=" + tok + ", k=" + encodeBase64(pub), nil
}

// token is the JWT: the header, the claims, and the ES256 signature as the
// 64-byte r‖s (RFC 7518 §3.4), each base64url, joined by dots.
func (v *VAPID) token(aud string, exp time.Time) (string, error) {
	if v == nil || v.Private == nil {
		return "", errors.New("webpush: no VAPID private key")
	}
	if err := checkSubject(v.Subject); err != nil {
		return "", err
	}
	body, err := json.Marshal(claims{Aud: aud, Exp: exp.Unix(), Sub: v.Subject})
	if err != nil {
		return "", fmt.Errorf("webpush: VAPID claims: %w", err)
	}
	signed := jwtHeader + "." + encodeBase64(body)
	digest := sha256.Sum256([]byte(signed))
	r, s, err := ecdsa.Sign(rand.Reader, v.Private, digest[:])
	if err != nil {
		return "", fmt.Errorf("webpush: VAPID signature: %w", err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return signed + "." + encodeBase64(sig), nil
}

// checkSubject accepts a bare "mailto:" address or an https URL with a host:
// Apple's push service refuses anything else, such as "mailto: <a@b>".
func checkSubject(subject string) error {
	if addr, ok := strings.CutPrefix(subject, "mailto:"); ok {
		a, err := mail.ParseAddress(addr)
		if err != nil || a.Address != addr || a.Name != "" {
			return fmt.Errorf("webpush: VAPID subject %q must be mailto: followed by a bare address", subject)
		}
		return nil
	}
	u, err := url.Parse(subject)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
		return fmt.Errorf("webpush: VAPID subject %q must be a mailto: or https: URI", subject)
	}
	return nil
}
