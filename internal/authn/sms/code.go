package sms

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"unicode"
)

// CodeAlphabet holds the 24 characters of challenge codes: upper-case
// letters and digits without either member of the look-alike pairs 0/O,
// 1/I/L, 2/Z, 5/S and 8/B, and without G (which looks like 6). Nine
// characters carry 9 × log2(24) ≈ 41.3 bits.
const CodeAlphabet = "ACDEFHJKMNPQRTUVWXY34679"

// CodeLen is the number of characters of a code, without the hyphens.
const CodeLen = 9

// newCode returns a code of CodeLen characters from CodeAlphabet, drawn
// uniformly from r, formatted "XXX-XXX-XXX".
func newCode(r io.Reader) (string, error) {
	const n = len(CodeAlphabet)
	// Bytes at or above limit are dropped so that every character is
	// equally likely.
	const limit = 256 - 256%n
	out := make([]byte, 0, CodeLen+2)
	buf := make([]byte, CodeLen)
	for count := 0; count < CodeLen; {
		// Read only what is still needed: no random byte is wasted.
		chunk := buf[:CodeLen-count]
		if _, err := io.ReadFull(r, chunk); err != nil {
			return "", fmt.Errorf("sms: code: %w", err)
		}
		for _, b := range chunk {
			if int(b) >= limit {
				continue
			}
			if count == 3 || count == 6 {
				out = append(out, '-')
			}
			out = append(out, CodeAlphabet[int(b)%n])
			count++
		}
	}
	return string(out), nil
}

// NormalizeCode turns what a user typed into the canonical "XXX-XXX-XXX"
// form: spaces and hyphens (or typographic dashes) anywhere are ignored and
// case does not matter, so "acd efh jkm", "ACDEFHJKM" and " acd-EFH-jkm "
// are the same code. It returns "" when the rest is not CodeLen characters of
// CodeAlphabet.
func NormalizeCode(typed string) string {
	var b strings.Builder
	n := 0
	for _, r := range typed {
		if unicode.IsSpace(r) || isDash(r) {
			continue
		}
		r = unicode.ToUpper(r)
		if r > unicode.MaxASCII || !strings.ContainsRune(CodeAlphabet, r) {
			return ""
		}
		if n == CodeLen {
			return ""
		}
		if n == 3 || n == 6 {
			b.WriteByte('-')
		}
		b.WriteRune(r)
		n++
	}
	if n != CodeLen {
		return ""
	}
	return b.String()
}

// hashCode returns the stored form of a canonical code: the hex
// HMAC-SHA256, keyed with pepper (possibly empty), of the salt and the code.
func hashCode(pepper []byte, salt, code string) string {
	mac := hmac.New(sha256.New, pepper)
	mac.Write([]byte(salt))
	mac.Write([]byte{0})
	mac.Write([]byte(code))
	return hex.EncodeToString(mac.Sum(nil))
}
