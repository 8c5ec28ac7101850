package mobileapp

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"testing"
	"time"
)

func TestCheckPIN(t *testing.T) {
	for _, tc := range []struct {
		pin    string
		length int
		want   error
	}{
		{"2468", 4, nil},
		{"7391", 4, nil},
		{"19730512", 8, nil},
		{"0000", 4, ErrPINTrivial},
		{"1234", 4, ErrPINTrivial},
		{"4321", 4, ErrPINTrivial},
		{"7890", 4, ErrPINTrivial},
		{"1212", 4, ErrPINTrivial},
		{"123123", 6, ErrPINTrivial},
		{"246", 4, ErrPINFormat},
		{"24680", 4, ErrPINFormat},
		{"24a8", 4, ErrPINFormat},
		{"２４６８", 4, ErrPINFormat},
	} {
		if got := CheckPIN(tc.pin, tc.length); !errors.Is(got, tc.want) {
			t.Errorf("CheckPIN(%q, %d) = %v, want %v", tc.pin, tc.length, got, tc.want)
		}
	}
}

func testKeys(t *testing.T, secret byte) *Keys {
	t.Helper()
	qr, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k, err := NewKeys(qr, bytes.Repeat([]byte{secret}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSeal(t *testing.T) {
	k := testKeys(t, 3)
	secret := []byte("0123456789abcdef0123456789abcdef")
	sealed := k.seal("dev-1", secret)
	if bytes.Contains([]byte(sealed), secret) {
		t.Fatalf("seal left the secret readable")
	}
	if got, err := k.open("dev-1", sealed); err != nil || !bytes.Equal(got, secret) {
		t.Errorf("open(seal) = %q, %v; want the secret", got, err)
	}
	if _, err := k.open("dev-2", sealed); err == nil {
		t.Errorf("open(another device's row) = nil error, want a refusal")
	}
	if _, err := testKeys(t, 4).open("dev-1", sealed); err == nil {
		t.Errorf("open(another master secret) = nil error, want a refusal")
	}
	if _, err := NewKeys(k.qr, make([]byte, 16)); err == nil {
		t.Errorf("NewKeys(16-byte secret) = nil error, want a refusal")
	}
}

func TestNonce(t *testing.T) {
	k := testKeys(t, 3)
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	n := k.newNonce(now.Add(NonceTTL))
	if !k.checkNonce(n, now) {
		t.Errorf("checkNonce(fresh) = false, want true")
	}
	if k.checkNonce(n, now.Add(NonceTTL)) {
		t.Errorf("checkNonce(at expiry) = true, want false")
	}
	if testKeys(t, 4).checkNonce(n, now) {
		t.Errorf("checkNonce(other server key) = true, want false")
	}
	b, _ := B64.DecodeString(n)
	b[0] ^= 1
	if k.checkNonce(B64.EncodeToString(b), now) {
		t.Errorf("checkNonce(tampered expiry) = true, want false")
	}
}

func TestSignVerify(t *testing.T) {
	k := testKeys(t, 3)
	sig, err := Sign(k.qr, "msg", rand.Reader)
	if err != nil || len(sig) != 64 {
		t.Fatalf("Sign = %d bytes, %v; want 64", len(sig), err)
	}
	if err := Verify(k.QRPublicKey(), "msg", sig); err != nil {
		t.Errorf("Verify = %v", err)
	}
	if err := Verify(k.QRPublicKey(), "msh", sig); err == nil {
		t.Errorf("Verify(other message) = nil, want an error")
	}
}

func TestOTPFormat(t *testing.T) {
	otp := OTP(make([]byte, 32), "c")
	if len(otp) != OTPLength {
		t.Fatalf("OTP = %q, want %d characters", otp, OTPLength)
	}
	for _, typed := range []string{otp, FormatOTP(otp), " " + string(bytes.ToLower([]byte(FormatOTP(otp)))) + " "} {
		if got, ok := NormalizeOTP(typed); !ok || got != otp {
			t.Errorf("NormalizeOTP(%q) = %q, %v; want %q", typed, got, ok, otp)
		}
	}
	for _, bad := range []string{"", "ABCD", "ABCD-EFG0", "ABCD-EFGHI"} {
		if _, ok := NormalizeOTP(bad); ok {
			t.Errorf("NormalizeOTP(%q) ok, want refused", bad)
		}
	}
}

func TestThreeNumbers(t *testing.T) {
	for range 200 {
		n := threeNumbers()
		if len(n) != 3 || n[0] == n[1] || n[0] == n[2] || n[1] == n[2] {
			t.Fatalf("threeNumbers() = %v, want three distinct numbers", n)
		}
		for _, x := range n {
			if x < 10 || x > 99 {
				t.Fatalf("threeNumbers() = %v, want two-digit numbers", n)
			}
		}
	}
}

func TestPollNotifierWakes(t *testing.T) {
	n := &PollNotifier{Interval: time.Hour}
	ch, d := n.Watch("u")
	if d != time.Hour {
		t.Errorf("Watch interval = %v, want the configured hour", d)
	}
	other, _ := n.Watch("v")
	n.Notify(t.Context(), "u")
	select {
	case <-ch:
	default:
		t.Fatal("Notify(u) did not close the channel of a Watch(u) made before it")
	}
	select {
	case <-other:
		t.Fatal("Notify(u) woke the watchers of v")
	default:
	}
	if again, _ := n.Watch("u"); again == ch {
		t.Error("a Watch after the Notify returned the closed channel")
	}
}
