package webpush

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"
)

func newVAPID(t testing.TB) *VAPID {
	t.Helper()
	v, err := GenerateVAPID("mailto:webpush@eulogin.example")
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestVAPIDToken checks the JWT by hand: its exact header, its claims, and
// its raw r‖s signature under the public key sent as k.
func TestVAPIDToken(t *testing.T) {
	v := newVAPID(t)
	exp := time.Unix(1_800_000_000, 0)
	header, err := v.authorization("https://fcm.googleapis.com", exp)
	if err != nil {
		t.Fatal(err)
	}
	rest, ok := strings.CutPrefix(header, "vapid t=")
	if !ok {
		t.Fatalf("Authorization = %q, want vapid t=..., k=...", header)
	}
	tok, k, ok := strings.Cut(rest, ", k=")
	if !ok {
		t.Fatalf("Authorization = %q, want vapid t=..., k=...", header)
	}
	if k != v.PublicKey() {
		t.Errorf("k = %s, want the public key %s", k, v.PublicKey())
	}

	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q has %d parts, want 3", tok, len(parts))
	}
	if got := string(b64(t, parts[0])); got != `{"typ":"JWT","alg":"ES256"}` {
		t.Errorf("JOSE header = %s", got)
	}
	var c map[string]any
	if err := json.Unmarshal(b64(t, parts[1]), &c); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"aud": "https://fcm.googleapis.com", "exp": float64(1_800_000_000), "sub": "mailto:webpush@eulogin.example"}
	if len(c) != len(want) {
		t.Errorf("claims = %v, want %v", c, want)
	}
	for name, w := range want {
		if c[name] != w {
			t.Errorf("claim %s = %v, want %v", name, c[name], w)
		}
	}

	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), b64(t, k))
	if err != nil {
		t.Fatal(err)
	}
	sig := b64(t, parts[2])
	if len(sig) != 64 {
		t.Fatalf("signature is %d bytes, want 64 (r‖s)", len(sig))
	}
	verify := func(signed string) bool {
		d := sha256.Sum256([]byte(signed))
		return ecdsa.Verify(pub, d[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:]))
	}
	if !verify(parts[0] + "." + parts[1]) {
		t.Error("signature does not verify")
	}
	forged := encodeBase64([]byte(`{"aud":"https://fcm.googleapis.com","exp":1900000000,"sub":"mailto:webpush@eulogin.example"}`))
	if verify(parts[0] + "." + forged) {
		t.Error("signature verifies other claims")
	}
}

func TestVAPIDKeepAndParse(t *testing.T) {
	v := newVAPID(t)
	pub := b64(t, v.PublicKey())
	if len(pub) != 65 || pub[0] != 4 {
		t.Fatalf("PublicKey is %d bytes starting %#x, want 65 starting 0x04", len(pub), pub[0])
	}
	text, err := v.MarshalPrivate()
	if err != nil {
		t.Fatal(err)
	}
	if raw := b64(t, text); len(raw) != 32 {
		t.Errorf("MarshalPrivate is %d bytes, want 32", len(raw))
	}
	back, err := ParseVAPID(text, v.Subject)
	if err != nil {
		t.Fatalf("ParseVAPID(MarshalPrivate()): %v", err)
	}
	if back.PublicKey() != v.PublicKey() || !back.Private.Equal(v.Private) {
		t.Error("ParseVAPID(MarshalPrivate()) is another key")
	}

	der, err := x509.MarshalPKCS8PrivateKey(v.Private)
	if err != nil {
		t.Fatal(err)
	}
	sec1, err := x509.MarshalECPrivateKey(v.Private)
	if err != nil {
		t.Fatal(err)
	}
	for _, block := range []*pem.Block{{Type: "PRIVATE KEY", Bytes: der}, {Type: "EC PRIVATE KEY", Bytes: sec1}} {
		p, err := ParseVAPID(string(pem.EncodeToMemory(block)), v.Subject)
		if err != nil {
			t.Errorf("ParseVAPID(%s PEM): %v", block.Type, err)
			continue
		}
		if p.PublicKey() != v.PublicKey() {
			t.Errorf("ParseVAPID(%s PEM) is another key", block.Type)
		}
	}
}

func TestParseVAPIDRefuses(t *testing.T) {
	good, err := newVAPID(t).MarshalPrivate()
	if err != nil {
		t.Fatal(err)
	}
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(p384)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, key, subject string }{
		{"not base64", "not a key!", "mailto:a@example.org"},
		{"31 bytes", encodeBase64(make([]byte, 31)), "mailto:a@example.org"},
		{"zero scalar", encodeBase64(make([]byte, 32)), "mailto:a@example.org"},
		{"scalar above the order", encodeBase64([]byte(strings.Repeat("\xff", 32))), "mailto:a@example.org"},
		{"P-384 PEM", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), "mailto:a@example.org"},
		{"broken PEM", "-----BEGIN PRIVATE KEY-----\nAAAA\n", "mailto:a@example.org"},
		{"bad subject", good, "a@example.org"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if v, err := ParseVAPID(tt.key, tt.subject); err == nil {
				t.Errorf("ParseVAPID = %v, want an error", v)
			}
		})
	}
}

func TestCheckSubject(t *testing.T) {
	tests := map[string]bool{
		"mailto:webpush@eulogin.example":    true,
		"https://eulogin.example/contact":   true,
		"https://eulogin.example":           true,
		"mailto: <webpush@eulogin.example>": false,
		"mailto:Ops <ops@eulogin.example>":  false,
		"mailto:":                           false,
		"http://eulogin.example":            false,
		"https://":                          false,
		"webpush@eulogin.example":           false,
		"":                                  false,
	}
	for subject, ok := range tests {
		if err := checkSubject(subject); (err == nil) != ok {
			t.Errorf("checkSubject(%q) = %v, want ok %v", subject, err, ok)
		}
	}
	if _, err := GenerateVAPID("nobody"); err == nil {
		t.Error(`GenerateVAPID("nobody") accepted the subject`)
	}
}

func TestVAPIDWithoutKey(t *testing.T) {
	var v *VAPID
	if got := v.PublicKey(); got != "" {
		t.Errorf("nil PublicKey = %q, want empty", got)
	}
	if _, err := (&VAPID{}).MarshalPrivate(); err == nil {
		t.Error("MarshalPrivate without a key succeeded")
	}
	if _, err := (&VAPID{Subject: "mailto:a@example.org"}).authorization("https://x", time.Now()); err == nil {
		t.Error("authorization without a key succeeded")
	}
}
