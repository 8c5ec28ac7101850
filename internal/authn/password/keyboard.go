package password

import "strings"

// keyboardRows lists the rows of the QWERTY (US and UK), AZERTY (French) and
// QWERTZ (German) layouts, unshifted and, for the digit rows, shifted. Runs
// are matched in both directions and case-insensitively.
var keyboardRows = []string{
	// QWERTY.
	"`1234567890-=",
	"~!@#$%^&*()_+",
	"qwertyuiop[]\\",
	"asdfghjkl;'#",
	"\\zxcvbnm,./",
	// AZERTY.
	"²&é\"'(-è_çà)=",
	"1234567890°+",
	"azertyuiop^$",
	"qsdfghjklmù*",
	"<wxcvbn,;:!",
	// QWERTZ.
	"^1234567890ß´",
	"°!\"§$%&/()=?`",
	"qwertzuiopü+",
	"asdfghjklöä#",
	"<yxcvbnm,.-",
}

type keyRun [minKeyboardRun]rune

// keyboardRuns holds every run of minKeyboardRun adjacent keys of
// keyboardRows, forwards and backwards.
var keyboardRuns = func() map[keyRun]struct{} {
	m := make(map[keyRun]struct{})
	for _, row := range keyboardRows {
		r := []rune(strings.ToLower(row))
		add := func(r []rune) {
			for i := 0; i+minKeyboardRun <= len(r); i++ {
				m[keyRun(r[i:i+minKeyboardRun])] = struct{}{}
			}
		}
		add(r)
		rev := make([]rune, len(r))
		for i, c := range r {
			rev[len(r)-1-i] = c
		}
		add(rev)
	}
	return m
}()

// hasKeyboardRun reports whether the lower-cased runes r contain
// minKeyboardRun adjacent keys of a keyboard row.
func hasKeyboardRun(r []rune) bool {
	for i := 0; i+minKeyboardRun <= len(r); i++ {
		if _, ok := keyboardRuns[keyRun(r[i:i+minKeyboardRun])]; ok {
			return true
		}
	}
	return false
}
