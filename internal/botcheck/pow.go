package botcheck

import (
	"crypto/sha256"
	"strconv"
)

// Solve brute-forces a nonce for salt: it counts 0, 1, 2, … and returns the
// first counter, as a decimal string, for which SHA-256(salt + ":" + nonce)
// has at least difficulty leading zero bits. A difficulty of 0 or less
// returns "0". It is what botcheck-worker.js does, and is used by tests and
// by the project's integration tests. The expected work is 2^difficulty
// hashes, so keep difficulty at MaxDifficulty or below.
func Solve(salt string, difficulty int) string {
	if difficulty <= 0 {
		return "0"
	}
	buf := make([]byte, 0, len(salt)+1+maxNonceLen)
	buf = append(buf, salt...)
	buf = append(buf, ':')
	prefix := len(buf)
	for n := uint64(0); ; n++ {
		buf = strconv.AppendUint(buf[:prefix], n, 10)
		sum := sha256.Sum256(buf)
		if leadingZeroBits(sum[:], difficulty) {
			return string(buf[prefix:])
		}
	}
}

// solves reports whether nonce solves the proof of work for salt.
func solves(salt, nonce string, difficulty int) bool {
	sum := sha256.Sum256([]byte(salt + ":" + nonce))
	return leadingZeroBits(sum[:], difficulty)
}

// leadingZeroBits reports whether b starts with at least n zero bits,
// counting from the most significant bit of b[0].
func leadingZeroBits(b []byte, n int) bool {
	if n <= 0 {
		return true
	}
	if n > 8*len(b) {
		return false
	}
	full := n / 8
	for _, x := range b[:full] {
		if x != 0 {
			return false
		}
	}
	if rest := n % 8; rest > 0 {
		return b[full]>>(8-rest) == 0
	}
	return true
}
