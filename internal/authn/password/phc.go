package password

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

var (
	// ErrMalformedHash is wrapped by the error Verify returns for a stored
	// hash that is not an argon2id, version 19, PHC string.
	ErrMalformedHash = errors.New("password: malformed hash")
	// ErrUnsafeParams is wrapped by the error Verify returns for a stored
	// hash whose parameters are outside the bounds a Hasher accepts.
	ErrUnsafeParams = errors.New("password: hash parameters out of bounds")
)

// maxPHCLen bounds the length of a PHC string Verify looks at, well above
// what the largest accepted salt and key need.
const maxPHCLen = 512

var b64 = base64.RawStdEncoding.Strict()

// phc is a parsed argon2id PHC string.
type phc struct {
	params Params // SaltLen and KeyLen are those of salt and key
	salt   []byte
	key    []byte
}

// encodePHC returns $argon2id$v=19$m=<m>,t=<t>,p=<p>$<salt>$<key>.
func encodePHC(p Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// parsePHC parses an argon2id PHC string as written by encodePHC. It accepts
// exactly that form (parameters in the order m, t, p, decimal without sign
// or leading zeros, unpadded canonical base64) and checks the parameters
// against the Hasher bounds.
func parsePHC(s string) (phc, error) {
	if len(s) > maxPHCLen {
		return phc{}, fmt.Errorf("%w: too long", ErrMalformedHash)
	}
	f := strings.Split(s, "$")
	if len(f) != 6 || f[0] != "" {
		return phc{}, fmt.Errorf("%w: want 5 fields", ErrMalformedHash)
	}
	if f[1] != "argon2id" {
		return phc{}, fmt.Errorf("%w: algorithm %q is not argon2id", ErrMalformedHash, f[1])
	}
	if f[2] != "v="+strconv.Itoa(argon2.Version) {
		return phc{}, fmt.Errorf("%w: unsupported version %q", ErrMalformedHash, f[2])
	}
	kv := strings.Split(f[3], ",")
	if len(kv) != 3 {
		return phc{}, fmt.Errorf("%w: want parameters m, t, p", ErrMalformedHash)
	}
	var n [3]uint64
	for i, name := range [...]string{"m=", "t=", "p="} {
		v, ok := strings.CutPrefix(kv[i], name)
		if !ok {
			return phc{}, fmt.Errorf("%w: want parameters m, t, p", ErrMalformedHash)
		}
		u, err := parseDecimal(v)
		if err != nil {
			return phc{}, fmt.Errorf("%w: parameter %s%q", ErrMalformedHash, name, v)
		}
		n[i] = u
	}
	salt, err := b64.DecodeString(f[4])
	if err != nil || len(f[4]) == 0 {
		return phc{}, fmt.Errorf("%w: bad salt encoding", ErrMalformedHash)
	}
	key, err := b64.DecodeString(f[5])
	if err != nil || len(f[5]) == 0 {
		return phc{}, fmt.Errorf("%w: bad key encoding", ErrMalformedHash)
	}

	m, t, p := n[0], n[1], n[2]
	switch {
	case p < 1 || p > maxThreads:
		return phc{}, fmt.Errorf("%w: p=%d", ErrUnsafeParams, p)
	case m < 8*p || m > maxMemory:
		return phc{}, fmt.Errorf("%w: m=%d", ErrUnsafeParams, m)
	case t < 1 || t > maxTime:
		return phc{}, fmt.Errorf("%w: t=%d", ErrUnsafeParams, t)
	case len(salt) < minSaltLen || len(salt) > maxSaltLen:
		return phc{}, fmt.Errorf("%w: salt of %d bytes", ErrUnsafeParams, len(salt))
	case len(key) < minKeyLen || len(key) > maxKeyLen:
		return phc{}, fmt.Errorf("%w: key of %d bytes", ErrUnsafeParams, len(key))
	}
	return phc{
		params: Params{
			Memory:  uint32(m),
			Time:    uint32(t),
			Threads: uint8(p),
			SaltLen: uint32(len(salt)),
			KeyLen:  uint32(len(key)),
		},
		salt: salt,
		key:  key,
	}, nil
}

// parseDecimal parses a canonical unsigned decimal: digits only, no leading
// zero unless the number is 0.
func parseDecimal(s string) (uint64, error) {
	if s == "" || s[0] < '0' || s[0] > '9' || (len(s) > 1 && s[0] == '0') {
		return 0, strconv.ErrSyntax
	}
	return strconv.ParseUint(s, 10, 64)
}
