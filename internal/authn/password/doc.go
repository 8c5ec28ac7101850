// Package password holds the password policy and the password hasher of the
// identity provider.
//
// # Policy
//
// A [Policy] decides whether a new password may be set. [Policy.Check]
// normalises the password to Unicode NFC, counts its length in runes and
// applies a fixed list of rules in a fixed order, returning a [*Violation]
// naming the first rule broken. [Rules] lists the rules in that order so the
// user interface can show them; each rule has a translation key of the form
// "password.rule.<rule>" (see [Rule.MessageKey]).
//
// The rules follow NIST SP 800-63B where it speaks (long maximum length, any
// Unicode character accepted, no truncation, refusal of common, repetitive,
// sequential and context-specific passwords) and EU Login where it asks for
// more (a mix of character classes). The list of common passwords is embedded
// in the binary (common.txt).
//
// # Hasher
//
// A [Hasher] turns passwords into argon2id hashes in PHC string format,
//
//	$argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>
//
// and verifies passwords against such strings. Hashing is deliberately
// expensive, so a Hasher bounds the number of hashes that run at once and the
// number of callers that may wait for a turn; callers beyond that are turned
// away at once with [ErrBusy] rather than piling up. [Hasher.Verify] reads the
// cost parameters from the stored string, refuses parameters large enough to
// be a denial-of-service vector, and reports when a hash should be replaced
// because the configured parameters have changed. [Hasher.VerifyDummy] spends
// the same work as a real verification so that logins for unknown accounts
// take as long as logins for known ones.
//
// Both the policy and the hasher normalise passwords to NFC, so a password
// typed on systems that produce different Unicode forms of the same text
// still verifies.
package password
