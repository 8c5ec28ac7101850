package cas

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// The prefixes of the tickets, as the CAS protocol names them.
const (
	PrefixServiceTicket = "ST-"
	PrefixProxyTicket   = "PT-"
	PrefixPGT           = "PGT-"
	PrefixPGTIOU        = "PGTIOU-"
)

// ticketRandom is the number of random characters after the prefix: 40
// characters of 62 possible carry 238 bits.
const ticketRandom = 40

// maxTicket is the longest ticket the protocol asks clients to accept.
const maxTicket = 256

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// NewTicket returns prefix followed by 40 random letters and digits from
// crypto/rand.
func NewTicket(prefix string) string {
	var b strings.Builder
	b.Grow(len(prefix) + ticketRandom)
	b.WriteString(prefix)
	buf := make([]byte, 64)
	for n := 0; n < ticketRandom; {
		rand.Read(buf) // crypto/rand.Read never fails (Go 1.24+)
		for _, c := range buf {
			// 248 = 4 × 62: dropping larger bytes keeps every character
			// equally likely.
			if c >= 248 || n == ticketRandom {
				continue
			}
			b.WriteByte(alphabet[c%62])
			n++
		}
	}
	return b.String()
}

// HashTicket returns the hex SHA-256 of a ticket, as stored.
func HashTicket(ticket string) string {
	sum := sha256.Sum256([]byte(ticket))
	return hex.EncodeToString(sum[:])
}

// wellFormed reports whether s could be a ticket of ours: at most 256
// characters of [A-Za-z0-9-].
func wellFormed(s string) bool {
	if s == "" || len(s) > maxTicket {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
