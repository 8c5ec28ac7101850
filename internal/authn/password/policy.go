package password

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

const (
	// DefaultMinLength is the minimum password length, in runes, of
	// DefaultPolicy.
	DefaultMinLength = 10
	// DefaultMaxLength is the maximum password length, in runes, of
	// DefaultPolicy.
	DefaultMaxLength = 256
	// MinMaxLength is the smallest maximum length a Policy may impose: NIST
	// SP 800-63B requires verifiers to accept passwords of at least 64
	// characters.
	MinMaxLength = 64

	minRepeatRun   = 4 // identical characters in a row
	maxRepeatUnit  = 4 // longest unit whose repetition fills a password
	minSequenceRun = 5 // code points ascending or descending by one
	minKeyboardRun = 5 // adjacent keys on a keyboard row
	minClasses     = 3 // character classes out of four
	minTokenLen    = 3 // shortest personal token searched inside a password
)

// Policy is the password policy applied when a password is set or changed.
// The zero value behaves like DefaultPolicy.
type Policy struct {
	// MinLength is the minimum length in runes, counted after NFC
	// normalisation. Zero or less means DefaultMinLength.
	MinLength int
	// MaxLength is the maximum length in runes, counted after NFC
	// normalisation. Zero or less means DefaultMaxLength; a value below
	// MinMaxLength is raised to MinMaxLength.
	MaxLength int
}

// DefaultPolicy returns the policy of the identity provider: 10 to 256 runes.
func DefaultPolicy() Policy {
	return Policy{MinLength: DefaultMinLength, MaxLength: DefaultMaxLength}
}

// limits returns the effective length bounds of p.
func (p Policy) limits() (minLen, maxLen int) {
	minLen, maxLen = p.MinLength, p.MaxLength
	if minLen <= 0 {
		minLen = DefaultMinLength
	}
	if maxLen <= 0 {
		maxLen = DefaultMaxLength
	}
	if maxLen < MinMaxLength {
		maxLen = MinMaxLength
	}
	return minLen, maxLen
}

// Rule names one rule of the password policy. Its string value is stable: it
// is used in API responses and as the suffix of translation keys.
type Rule string

// The rules of the policy, in the order Check applies them.
const (
	// RuleInvalid: the password is not valid UTF-8 or contains control
	// characters.
	RuleInvalid Rule = "invalid"
	// RuleTooShort: the password has fewer runes than the minimum length.
	RuleTooShort Rule = "too_short"
	// RuleTooLong: the password has more runes than the maximum length.
	RuleTooLong Rule = "too_long"
	// RuleRepeated: the password contains 4 or more identical characters in
	// a row, or is a unit of 1 to 4 characters repeated.
	RuleRepeated Rule = "repeated"
	// RuleSequential: the password contains 5 or more characters ascending or
	// descending by one ("12345", "edcba").
	RuleSequential Rule = "sequential"
	// RuleKeyboard: the password contains 5 or more adjacent keys of a row of
	// a QWERTY, AZERTY or QWERTZ keyboard ("qwert", "poiuy").
	RuleKeyboard Rule = "keyboard"
	// RulePersonal: the password contains the user's name or e-mail address.
	RulePersonal Rule = "personal"
	// RuleCommon: the password is, or is derived from, a commonly used
	// password.
	RuleCommon Rule = "common"
	// RuleClasses: the password has fewer than 3 of the 4 character classes
	// (upper-case letters, lower-case letters, digits, other characters).
	RuleClasses Rule = "classes"
)

var ruleOrder = [...]Rule{
	RuleInvalid,
	RuleTooShort,
	RuleTooLong,
	RuleRepeated,
	RuleSequential,
	RuleKeyboard,
	RulePersonal,
	RuleCommon,
	RuleClasses,
}

// Rules returns all rules of the policy in the order Check applies them. The
// caller owns the returned slice.
func Rules() []Rule {
	return slices.Clone(ruleOrder[:])
}

// MessageKey returns the translation key of the rule, "password.rule.<rule>".
func (r Rule) MessageKey() string {
	return "password.rule." + string(r)
}

// Violation is the error returned by Policy.Check for a password that breaks
// a rule.
type Violation struct {
	// Rule is the first rule the password breaks.
	Rule Rule
}

// Error returns "password: " followed by the rule.
func (v *Violation) Error() string {
	return "password: " + string(v.Rule)
}

// Check returns nil if pw satisfies the policy, or a *Violation naming the
// first rule it breaks, in the order given by Rules.
//
// personal holds the user's own data (first name, last name, e-mail address;
// any of them may be empty). An argument containing '@' is treated as an
// e-mail address, any other as a name.
//
// The password is never truncated: its length is counted in runes after NFC
// normalisation and every rune counts, spaces included. Comparisons for the
// repeated, sequential and keyboard rules ignore case; comparisons for the
// personal and common rules use NFKC and Unicode case folding. For the
// classes rule, title-case letters count as upper case and letters of scripts
// without case as lower case.
func (p Policy) Check(pw string, personal ...string) error {
	if !utf8.ValidString(pw) {
		return &Violation{Rule: RuleInvalid}
	}
	s := norm.NFC.String(pw)
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return &Violation{Rule: RuleInvalid}
	}
	runes := []rune(s)
	minLen, maxLen := p.limits()
	if len(runes) < minLen {
		return &Violation{Rule: RuleTooShort}
	}
	if len(runes) > maxLen {
		return &Violation{Rule: RuleTooLong}
	}

	lower := make([]rune, len(runes))
	for i, r := range runes {
		lower[i] = unicode.ToLower(r)
	}
	if hasRepetition(lower) {
		return &Violation{Rule: RuleRepeated}
	}
	if hasSequence(lower) {
		return &Violation{Rule: RuleSequential}
	}
	if hasKeyboardRun(lower) {
		return &Violation{Rule: RuleKeyboard}
	}

	folded := fold(s)
	if containsPersonal(folded, personal) {
		return &Violation{Rule: RulePersonal}
	}
	if isCommon(folded) {
		return &Violation{Rule: RuleCommon}
	}
	if classCount(runes) < minClasses {
		return &Violation{Rule: RuleClasses}
	}
	return nil
}

// fold returns s in NFKC with Unicode case folding applied, the form in
// which passwords are compared with personal data and the common list.
func fold(s string) string {
	// A Caser is stateful and must not be shared between goroutines.
	return cases.Fold().String(norm.NFKC.String(s))
}

// hasRepetition reports whether r holds minRepeatRun identical runes in a row,
// or consists of one unit of at most maxRepeatUnit runes repeated (the last
// repetition may be cut short).
func hasRepetition(r []rune) bool {
	run := 1
	for i := 1; i < len(r); i++ {
		if r[i] != r[i-1] {
			run = 1
			continue
		}
		run++
		if run >= minRepeatRun {
			return true
		}
	}
	for unit := 1; unit <= maxRepeatUnit && 2*unit <= len(r); unit++ {
		if isPeriodic(r, unit) {
			return true
		}
	}
	return false
}

// isPeriodic reports whether r repeats its first period runes throughout.
func isPeriodic(r []rune, period int) bool {
	for i := period; i < len(r); i++ {
		if r[i] != r[i-period] {
			return false
		}
	}
	return true
}

// hasSequence reports whether r holds minSequenceRun runes in a row whose
// code points ascend or descend by exactly one.
func hasSequence(r []rune) bool {
	up, down := 1, 1
	for i := 1; i < len(r); i++ {
		switch r[i] - r[i-1] {
		case 1:
			up, down = up+1, 1
		case -1:
			up, down = 1, down+1
		default:
			up, down = 1, 1
		}
		if up >= minSequenceRun || down >= minSequenceRun {
			return true
		}
	}
	return false
}

// classCount returns how many of the four character classes occur in r.
func classCount(r []rune) int {
	var upper, lower, digit, other bool
	for _, c := range r {
		switch {
		case unicode.IsUpper(c) || unicode.IsTitle(c):
			upper = true
		case unicode.IsLetter(c):
			// Lower case, and letters of scripts without case.
			lower = true
		case unicode.IsNumber(c):
			digit = true
		default:
			other = true
		}
	}
	n := 0
	for _, present := range [...]bool{upper, lower, digit, other} {
		if present {
			n++
		}
	}
	return n
}

// isWordRune reports whether c belongs to a word: a letter or a combining
// mark. Everything else (digits, punctuation, symbols, spaces) is a digit or
// special character.
func isWordRune(c rune) bool {
	return unicode.IsLetter(c) || unicode.IsMark(c)
}

func isNotWordRune(c rune) bool { return !isWordRune(c) }

// lettersOnly returns s with digits and special characters removed.
func lettersOnly(s string) string {
	return strings.Map(func(c rune) rune {
		if isWordRune(c) {
			return c
		}
		return -1
	}, s)
}
