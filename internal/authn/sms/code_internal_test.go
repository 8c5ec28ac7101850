package sms

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"math"
	"regexp"
	"strings"
	"testing"
)

var codeForm = regexp.MustCompile(`^[` + CodeAlphabet + `]{3}-[` + CodeAlphabet + `]{3}-[` + CodeAlphabet + `]{3}$`)

func TestCodeAlphabet(t *testing.T) {
	if got, want := len(CodeAlphabet), 24; got != want {
		t.Errorf("len(CodeAlphabet) = %d, want %d", got, want)
	}
	seen := map[rune]bool{}
	for _, r := range CodeAlphabet {
		if seen[r] {
			t.Errorf("CodeAlphabet holds %q twice", r)
		}
		seen[r] = true
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			t.Errorf("CodeAlphabet holds %q, want only upper-case letters and digits", r)
		}
	}
	for _, r := range "0O1IL5S2Z8BG" {
		if seen[r] {
			t.Errorf("CodeAlphabet holds the look-alike %q", r)
		}
	}
	if bits := CodeLen * math.Log2(float64(len(CodeAlphabet))); bits < 41 {
		t.Errorf("code entropy = %.1f bits, want at least 41", bits)
	}
}

func TestNewCode(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		c, err := newCode(rand.Reader)
		if err != nil {
			t.Fatalf("newCode() = %v", err)
		}
		if !codeForm.MatchString(c) {
			t.Fatalf("newCode() = %q, want XXX-XXX-XXX from %s", c, CodeAlphabet)
		}
		if seen[c] {
			t.Fatalf("newCode() returned %q twice", c)
		}
		seen[c] = true
		if got := NormalizeCode(c); got != c {
			t.Errorf("NormalizeCode(%q) = %q, want it unchanged", c, got)
		}
	}
}

func TestNewCodeFromBytes(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		want string
	}{
		{"first characters", []byte{0, 1, 2, 3, 4, 5, 6, 7, 8}, "ACD-EFH-JKM"},
		{"wraps around", []byte{24, 25, 47, 48, 71, 72, 95, 96, 239}, "AC9-A9A-9A9"},
		{"drops bytes that would bias", []byte{240, 23, 22, 21, 20, 19, 18, 17, 255, 241, 16, 15}, "976-43Y-XWV"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := newCode(bytes.NewReader(tc.in))
			if got != tc.want || err != nil {
				t.Errorf("newCode(% x) = %q, %v; want %q, nil", tc.in, got, err, tc.want)
			}
		})
	}
	// Every value below 240 maps to each character equally often.
	all := make([]byte, 0, 240)
	for b := range 240 {
		all = append(all, byte(b))
	}
	counts := map[byte]int{}
	r := bytes.NewReader(bytes.Repeat(all, 3)) // 720 bytes = 80 codes
	for range 80 {
		c, err := newCode(r)
		if err != nil {
			t.Fatalf("newCode() = %v", err)
		}
		for _, ch := range []byte(strings.ReplaceAll(c, "-", "")) {
			counts[ch]++
		}
	}
	for _, ch := range []byte(CodeAlphabet) {
		if got, want := counts[ch], 30; got != want {
			t.Errorf("character %q drawn %d times from 3×240 bytes, want %d", ch, got, want)
		}
	}
	if _, err := newCode(bytes.NewReader([]byte{255, 255, 255})); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("newCode(short reader) = %v, want %v", err, io.ErrUnexpectedEOF)
	}
}

func TestHashCode(t *testing.T) {
	base := hashCode(nil, "salt", "ACD-EFH-JKM")
	if len(base) != 64 {
		t.Errorf("hashCode() = %q, want 64 hex digits", base)
	}
	if strings.Contains(base, "ACD") {
		t.Errorf("hashCode() = %q contains the code", base)
	}
	for _, tc := range []struct {
		name         string
		pepper       []byte
		salt, code   string
		wantSameHash bool
	}{
		{"same inputs", nil, "salt", "ACD-EFH-JKM", true},
		{"empty pepper is no pepper", []byte{}, "salt", "ACD-EFH-JKM", true},
		{"other salt", nil, "salt2", "ACD-EFH-JKM", false},
		{"other code", nil, "salt", "ACD-EFH-JKN", false},
		{"pepper", []byte("pepper"), "salt", "ACD-EFH-JKM", false},
		{"salt and code are separated", nil, "saltA", "CD-EFH-JKM", false},
	} {
		if got := hashCode(tc.pepper, tc.salt, tc.code) == base; got != tc.wantSameHash {
			t.Errorf("%s: hash equal to the base = %v, want %v", tc.name, got, tc.wantSameHash)
		}
	}
}
