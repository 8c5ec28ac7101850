package webpush

import (
	"bytes"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// The example of RFC 8291 §5 and its intermediate values, Appendix A,
// base64url as the RFC prints them (line breaks removed).
const (
	rfcPlaintext = "When I grow up, I want to be a watermelon"
	rfcAuth      = "BTBZMqHH6r4Tts7J_aSIgg"
	rfcUAPublic  = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
	rfcUAPrivate = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94"
	rfcASPublic  = "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8"
	rfcASPrivate = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"
	rfcSalt      = "DGv6ra1nlYgDCS1FRnbzlw"
	rfcECDH      = "kyrL1jIIOHEzg3sM2ZWRHDRB62YACZhhSlknJ672kSs"
	rfcIKM       = "S4lYMb_L0FxCeq0WhDx813KgSYqU26kOyzWUdsXYyrg"
	rfcCEK       = "oIhVW04MRdy2XN9CiKLxTg"
	rfcNonce     = "4h_95klXJ5E_qnoN"
	rfcHeader    = "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8"
	rfcBody      = "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27ml" +
		"mlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPT" +
		"pK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
)

func b64(t testing.TB, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("decode %q: %v", s, err)
	}
	return b
}

func rfcSubscription() Subscription {
	return Subscription{Endpoint: "https://push.example.net/push/JzLQ3raZJfFBR0aqvOMsLrt54w4rJUsV", P256DH: rfcUAPublic, Auth: rfcAuth}
}

func TestRFC8291Example(t *testing.T) {
	as, err := ecdh.P256().NewPrivateKey(b64(t, rfcASPrivate))
	if err != nil {
		t.Fatal(err)
	}
	if got := encodeBase64(as.PublicKey().Bytes()); got != rfcASPublic {
		t.Fatalf("as_public = %s, want %s", got, rfcASPublic)
	}
	body, err := encrypt(rfcSubscription(), []byte(rfcPlaintext), b64(t, rfcSalt), as)
	if err != nil {
		t.Fatalf("encrypt: %v", err)
	}
	if got := encodeBase64(body); got != rfcBody {
		t.Errorf("body =\n%s\nwant\n%s", got, rfcBody)
	}
	if got := encodeBase64(body[:headerLen]); got != rfcHeader {
		t.Errorf("header = %s, want %s", got, rfcHeader)
	}
	if len(body) != 144 { // the example's Content-Length is 145, counting a line break
		t.Errorf("len(body) = %d, want 144", len(body))
	}
}

func TestRFC8291IntermediateValues(t *testing.T) {
	as, err := ecdh.P256().NewPrivateKey(b64(t, rfcASPrivate))
	if err != nil {
		t.Fatal(err)
	}
	ua, err := ecdh.P256().NewPublicKey(b64(t, rfcUAPublic))
	if err != nil {
		t.Fatal(err)
	}
	secret, err := as.ECDH(ua)
	if err != nil {
		t.Fatal(err)
	}
	if got := encodeBase64(secret); got != rfcECDH {
		t.Errorf("ecdh_secret = %s, want %s", got, rfcECDH)
	}
	ikm, err := combine(secret, b64(t, rfcAuth), b64(t, rfcUAPublic), b64(t, rfcASPublic))
	if err != nil {
		t.Fatal(err)
	}
	if got := encodeBase64(ikm); got != rfcIKM {
		t.Errorf("IKM = %s, want %s", got, rfcIKM)
	}
	cek, nonce, err := deriveCEK(ikm, b64(t, rfcSalt))
	if err != nil {
		t.Fatal(err)
	}
	if got := encodeBase64(cek); got != rfcCEK {
		t.Errorf("CEK = %s, want %s", got, rfcCEK)
	}
	if got := encodeBase64(nonce); got != rfcNonce {
		t.Errorf("NONCE = %s, want %s", got, rfcNonce)
	}
}

func TestDecryptRFC8291Example(t *testing.T) {
	ua, err := ecdh.P256().NewPrivateKey(b64(t, rfcUAPrivate))
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decrypt(b64(t, rfcBody), ua, b64(t, rfcAuth))
	if err != nil {
		t.Fatalf("Decrypt: %v", err)
	}
	if string(got) != rfcPlaintext {
		t.Errorf("Decrypt = %q, want %q", got, rfcPlaintext)
	}
}

// newUA is a browser's side of a subscription.
func newUA(t testing.TB) (Subscription, *ecdh.PrivateKey, []byte) {
	t.Helper()
	key, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	auth := make([]byte, AuthSecretLen)
	rand.Read(auth)
	sub := Subscription{Endpoint: "https://push.example/x", P256DH: encodeBase64(key.PublicKey().Bytes()), Auth: encodeBase64(auth)}
	return sub, key, auth
}

func TestEncryptRoundTrip(t *testing.T) {
	sub, key, auth := newUA(t)
	for _, n := range []int{0, 1, 100, MaxPayload} {
		plain := bytes.Repeat([]byte{'x'}, n)
		body, err := Encrypt(sub, plain)
		if err != nil {
			t.Fatalf("Encrypt(%d bytes): %v", n, err)
		}
		if want := headerLen + n + 1 + tagLen; len(body) != want {
			t.Errorf("Encrypt(%d bytes) is %d bytes, want %d", n, len(body), want)
		}
		if rs := binary.BigEndian.Uint32(body[16:]); rs != RecordSize {
			t.Errorf("rs = %d, want %d", rs, RecordSize)
		}
		got, err := Decrypt(body, key, auth)
		if err != nil {
			t.Fatalf("Decrypt(%d bytes): %v", n, err)
		}
		if !bytes.Equal(got, plain) {
			t.Errorf("Decrypt(Encrypt(%d bytes)) differs", n)
		}
	}
	if body, _ := Encrypt(sub, make([]byte, MaxPayload)); len(body) != 4096 {
		t.Errorf("the longest message is %d bytes, want 4096", len(body))
	}
}

func TestEncryptIsFresh(t *testing.T) {
	sub, _, _ := newUA(t)
	a, err := Encrypt(sub, []byte("same"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Encrypt(sub, []byte("same"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a[:saltLen], b[:saltLen]) || bytes.Equal(a[saltLen+5:headerLen], b[saltLen+5:headerLen]) {
		t.Error("two messages share a salt or an ephemeral key")
	}
}

func TestEncryptRefuses(t *testing.T) {
	sub, _, _ := newUA(t)
	if _, err := Encrypt(sub, make([]byte, MaxPayload+1)); !errors.Is(err, ErrPayloadTooLarge) {
		t.Errorf("Encrypt(%d bytes) = %v, want ErrPayloadTooLarge", MaxPayload+1, err)
	}
	bad := sub
	bad.Auth = encodeBase64(make([]byte, 15))
	if _, err := Encrypt(bad, nil); !errors.Is(err, ErrInvalidSubscription) {
		t.Errorf("Encrypt with a 15-byte auth = %v, want ErrInvalidSubscription", err)
	}
}

// sealRecord encrypts record as it is, padding and delimiter included, so
// that Decrypt's checks of them can be tested.
func sealRecord(t *testing.T, ua *ecdh.PrivateKey, auth, record []byte, rs uint32) []byte {
	t.Helper()
	as, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	secret, err := as.ECDH(ua.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	salt := make([]byte, saltLen)
	rand.Read(salt)
	aead, nonce, err := contentKeys(secret, auth, ua.PublicKey().Bytes(), as.PublicKey().Bytes(), salt)
	if err != nil {
		t.Fatal(err)
	}
	body := binary.BigEndian.AppendUint32(salt, rs)
	body = append(append(body, keyLen), as.PublicKey().Bytes()...)
	return aead.Seal(body, nonce, record, nil)
}

func TestDecryptPadding(t *testing.T) {
	_, ua, auth := newUA(t)
	tests := []struct {
		name   string
		record string
		want   string // "" with ok false: refused
		ok     bool
	}{
		{"no padding", "hi\x02", "hi", true},
		{"padding", "hi\x02\x00\x00\x00", "hi", true},
		{"empty", "\x02", "", true},
		{"delimiter of a non-last record", "hi\x01", "", false},
		{"other delimiter", "hi\x03\x00", "", false},
		{"no delimiter", "\x00\x00", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decrypt(sealRecord(t, ua, auth, []byte(tt.record), RecordSize), ua, auth)
			if tt.ok && (err != nil || string(got) != tt.want) {
				t.Errorf("Decrypt = %q, %v; want %q", got, err, tt.want)
			}
			if !tt.ok && !errors.Is(err, ErrDecrypt) {
				t.Errorf("Decrypt = %q, %v; want ErrDecrypt", got, err)
			}
		})
	}
}

func TestDecryptRefuses(t *testing.T) {
	sub, ua, auth := newUA(t)
	good, err := Encrypt(sub, []byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Decrypt(good, ua, auth); err != nil {
		t.Fatalf("Decrypt(good) = %v", err)
	}
	change := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	otherUA, _ := ecdh.P256().GenerateKey(rand.Reader)
	tests := []struct {
		name string
		body []byte
		key  *ecdh.PrivateKey
		auth []byte
	}{
		{"tampered ciphertext", change(func(b []byte) []byte { b[len(b)-20] ^= 1; return b }), ua, auth},
		{"tampered tag", change(func(b []byte) []byte { b[len(b)-1] ^= 1; return b }), ua, auth},
		{"tampered salt", change(func(b []byte) []byte { b[0] ^= 1; return b }), ua, auth},
		{"tampered keyid", change(func(b []byte) []byte { b[30] ^= 1; return b }), ua, auth},
		{"wrong auth", good, ua, make([]byte, 16)},
		{"short auth", good, ua, auth[:15]},
		{"wrong key", good, otherUA, auth},
		{"truncated header", good[:50], ua, auth},
		{"no record", good[:headerLen], ua, auth},
		{"idlen 0", change(func(b []byte) []byte { b[20] = 0; return b }), ua, auth},
		{"rs below 18", change(func(b []byte) []byte { binary.BigEndian.PutUint32(b[16:], 17); return b }), ua, auth},
		{"record longer than rs", change(func(b []byte) []byte { binary.BigEndian.PutUint32(b[16:], 18); return b }), ua, auth},
		{"empty", nil, ua, auth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decrypt(tt.body, tt.key, tt.auth)
			if !errors.Is(err, ErrDecrypt) {
				t.Errorf("Decrypt = %q, %v; want ErrDecrypt", got, err)
			}
		})
	}
}

func TestSubscriptionValidate(t *testing.T) {
	sub, ua, _ := newUA(t)
	raw := ua.PublicKey().Bytes()
	offCurve := bytes.Clone(raw)
	offCurve[64] ^= 1
	tests := []struct {
		name   string
		change func(s *Subscription)
		ok     bool
	}{
		{"valid", func(s *Subscription) {}, true},
		{"padded standard base64", func(s *Subscription) {
			s.P256DH = base64.StdEncoding.EncodeToString(raw)
			s.Auth = base64.StdEncoding.EncodeToString(b64(t, s.Auth))
		}, true},
		{"http on 127.0.0.1", func(s *Subscription) { s.Endpoint = "http://127.0.0.1:8080/push/1" }, true},
		{"http on ::1", func(s *Subscription) { s.Endpoint = "http://[::1]:8080/push/1" }, true},
		{"http on localhost", func(s *Subscription) { s.Endpoint = "http://localhost/push/1" }, true},
		{"http elsewhere", func(s *Subscription) { s.Endpoint = "http://push.example/1" }, false},
		{"http on a name resolving anywhere", func(s *Subscription) { s.Endpoint = "http://localhost.example/1" }, false},
		{"other scheme", func(s *Subscription) { s.Endpoint = "ftp://push.example/1" }, false},
		{"relative", func(s *Subscription) { s.Endpoint = "/push/1" }, false},
		{"user info", func(s *Subscription) { s.Endpoint = "https://u:p@push.example/1" }, false},
		{"empty endpoint", func(s *Subscription) { s.Endpoint = "" }, false},
		{"p256dh not base64", func(s *Subscription) { s.P256DH = "!!!" }, false},
		{"p256dh compressed", func(s *Subscription) { s.P256DH = encodeBase64(append([]byte{2}, raw[1:33]...)) }, false},
		{"p256dh off the curve", func(s *Subscription) { s.P256DH = encodeBase64(offCurve) }, false},
		{"p256dh empty", func(s *Subscription) { s.P256DH = "" }, false},
		{"auth 15 bytes", func(s *Subscription) { s.Auth = encodeBase64(make([]byte, 15)) }, false},
		{"auth 17 bytes", func(s *Subscription) { s.Auth = encodeBase64(make([]byte, 17)) }, false},
		{"auth not base64", func(s *Subscription) { s.Auth = "a b" }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := sub
			tt.change(&s)
			err := s.Validate()
			if tt.ok && err != nil {
				t.Errorf("Validate(%+v) = %v, want nil", s, err)
			}
			if !tt.ok && !errors.Is(err, ErrInvalidSubscription) {
				t.Errorf("Validate(%+v) = %v, want ErrInvalidSubscription", s, err)
			}
		})
	}
}

func TestSubscriptionJSON(t *testing.T) {
	const browser = `{"endpoint":"https://fcm.googleapis.com/fcm/send/abc","expirationTime":null,` +
		`"keys":{"p256dh":"` + rfcUAPublic + `","auth":"` + rfcAuth + `"}}`
	var s Subscription
	if err := json.Unmarshal([]byte(browser), &s); err != nil {
		t.Fatal(err)
	}
	want := Subscription{Endpoint: "https://fcm.googleapis.com/fcm/send/abc", P256DH: rfcUAPublic, Auth: rfcAuth}
	if s != want {
		t.Errorf("Unmarshal = %+v, want %+v", s, want)
	}
	if err := s.Validate(); err != nil {
		t.Errorf("Validate = %v", err)
	}
	out, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var back Subscription
	if err := json.Unmarshal(out, &back); err != nil || back != s {
		t.Errorf("round trip through %s = %+v, %v", out, back, err)
	}
	if !strings.Contains(string(out), `"keys":{"p256dh":`) {
		t.Errorf("Marshal = %s, want the browser's shape", out)
	}
}

func TestOrigin(t *testing.T) {
	tests := map[string]string{
		"https://fcm.googleapis.com/fcm/send/x":      "https://fcm.googleapis.com",
		"https://Push.Example:443/a":                 "https://push.example",
		"https://push.example:8443/a?b#c":            "https://push.example:8443",
		"http://127.0.0.1:9999/push/x":               "http://127.0.0.1:9999",
		"http://localhost:80/x":                      "http://localhost",
		"https://[2001:db8::1]/x":                    "https://[2001:db8::1]",
		"https://[2001:db8::1]:8443/x":               "https://[2001:db8::1]:8443",
		"https://web.push.apple.com/QGuQyavXutnMH1u": "https://web.push.apple.com",
	}
	for in, want := range tests {
		u, err := endpointURL(in)
		if err != nil {
			t.Fatalf("endpointURL(%q): %v", in, err)
		}
		if got := origin(u); got != want {
			t.Errorf("origin(%q) = %q, want %q", in, got, want)
		}
	}
}
