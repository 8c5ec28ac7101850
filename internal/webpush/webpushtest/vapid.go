package webpushtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"time"
)

// maxExp is how far in the future a token may expire (RFC 8292 §2).
const maxExp = 24 * time.Hour

// claims are the VAPID token claims the service checks.
type claims struct {
	Aud string `json:"aud"`
	Exp int64  `json:"exp"`
	Sub string `json:"sub"`
}

// checkVAPID verifies an "Authorization: vapid t=..., k=..." header
// (RFC 8292 §3) for a subscription restricted to the application server key
// server, at a service whose origin is origin. It returns the status a push
// service answers on failure: 401 when the authentication is missing or
// unreadable, 403 when it is invalid or made with another key (§4.2).
func checkVAPID(header string, server []byte, origin string, now time.Time) (claims, int, error) {
	scheme, params, ok := strings.Cut(header, " ")
	if header == "" || !ok || !strings.EqualFold(scheme, "vapid") {
		return claims{}, http.StatusUnauthorized, errors.New("missing vapid authorization")
	}
	var tok, k string
	for p := range strings.SplitSeq(params, ",") {
		name, value, _ := strings.Cut(strings.TrimSpace(p), "=")
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "t":
			tok = strings.TrimSpace(value)
		case "k":
			k = strings.TrimSpace(value)
		}
	}
	if tok == "" || k == "" {
		return claims{}, http.StatusUnauthorized, errors.New("vapid authorization needs t and k")
	}
	key, err := decodeKey(k)
	if err != nil {
		return claims{}, http.StatusUnauthorized, fmt.Errorf("vapid k: %v", err)
	}
	if !bytes.Equal(key, server) {
		return claims{}, http.StatusForbidden, errors.New("vapid key does not match the subscription's applicationServerKey")
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), key)
	if err != nil {
		return claims{}, http.StatusUnauthorized, fmt.Errorf("vapid k: %v", err)
	}
	c, err := verifyJWT(tok, pub)
	if err != nil {
		return claims{}, http.StatusForbidden, err
	}
	switch exp := time.Unix(c.Exp, 0); {
	case c.Aud != origin:
		return claims{}, http.StatusForbidden, fmt.Errorf("vapid aud %q is not %q", c.Aud, origin)
	case !exp.After(now):
		return claims{}, http.StatusForbidden, errors.New("vapid token expired")
	case exp.Sub(now) > maxExp:
		return claims{}, http.StatusForbidden, errors.New("vapid token expires more than 24 hours ahead")
	case !strings.HasPrefix(c.Sub, "mailto:") && !strings.HasPrefix(c.Sub, "https://"):
		return claims{}, http.StatusForbidden, errors.New("vapid sub must be a mailto: or https: URI")
	}
	return c, 0, nil
}

// verifyJWT checks a compact JWS signed with ES256 (RFC 7515, RFC 7518
// §3.4) and returns its claims.
func verifyJWT(tok string, pub *ecdsa.PublicKey) (claims, error) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return claims{}, errors.New("vapid token is not a compact JWS")
	}
	var header struct {
		Typ string `json:"typ"`
		Alg string `json:"alg"`
	}
	if err := decodeJSON(parts[0], &header); err != nil {
		return claims{}, fmt.Errorf("vapid token header: %v", err)
	}
	if header.Alg != "ES256" {
		return claims{}, fmt.Errorf("vapid token alg %q is not ES256", header.Alg)
	}
	if header.Typ != "" && !strings.EqualFold(header.Typ, "JWT") {
		return claims{}, fmt.Errorf("vapid token typ %q is not JWT", header.Typ)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return claims{}, errors.New("vapid token signature is not 64 bytes of base64url")
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	if !ecdsa.Verify(pub, digest[:], r, s) {
		return claims{}, errors.New("vapid token signature does not verify")
	}
	var c claims
	if err := decodeJSON(parts[1], &c); err != nil {
		return claims{}, fmt.Errorf("vapid token claims: %v", err)
	}
	return c, nil
}

func decodeJSON(part string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(part)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}
