package password

import (
	"strings"
	"unicode/utf8"
)

// containsPersonal reports whether the folded password contains, or reduces
// to, the user's personal data.
//
// For an e-mail address it refuses the whole address, the local part (when at
// least minTokenLen runes long) and every token of the local part split at
// '.', '_', '-' and '+'. For a name it refuses every token, split at spaces,
// hyphens and apostrophes. Tokens are searched inside the password when they
// are at least minTokenLen runes long; in addition the password with digits
// and special characters removed must not equal any token, the local part or
// the whole name.
func containsPersonal(folded string, personal []string) bool {
	letters := lettersOnly(folded)
	for _, p := range personal {
		p = strings.TrimSpace(fold(p))
		if p == "" {
			continue
		}
		if at := strings.LastIndexByte(p, '@'); at >= 0 {
			if strings.Contains(folded, p) {
				return true
			}
			local := p[:at]
			if matchesToken(folded, letters, local) {
				return true
			}
			for _, t := range strings.FieldsFunc(local, isEmailSeparator) {
				if matchesToken(folded, letters, t) {
					return true
				}
			}
			continue
		}
		if sameLetters(letters, p) {
			return true
		}
		for _, t := range strings.FieldsFunc(p, isNameSeparator) {
			if matchesToken(folded, letters, t) {
				return true
			}
		}
	}
	return false
}

// matchesToken reports whether the folded password contains tok (if tok is
// long enough to be searched) or has the same letters as tok.
func matchesToken(folded, letters, tok string) bool {
	if utf8.RuneCountInString(tok) >= minTokenLen && strings.Contains(folded, tok) {
		return true
	}
	return sameLetters(letters, tok)
}

// sameLetters reports whether letters, a password with digits and special
// characters removed, equals s with digits and special characters removed.
func sameLetters(letters, s string) bool {
	l := lettersOnly(s)
	return l != "" && l == letters
}

func isNameSeparator(c rune) bool {
	switch c {
	case ' ', '\t', '-', '\u2010', '\u2011', '\u2012', '\u2013', '\u2014',
		'\'', '\u2019', '\u02bc', '`', '\u00b4':
		return true
	}
	return false
}

func isEmailSeparator(c rune) bool {
	switch c {
	case '.', '_', '-', '+':
		return true
	}
	return false
}
