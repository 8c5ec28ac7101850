package password

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// ruleOf returns the rule of the *Violation err, "" for nil, and fails the
// test for any other error.
func ruleOf(t *testing.T, err error) Rule {
	t.Helper()
	if err == nil {
		return ""
	}
	var v *Violation
	if !errors.As(err, &v) {
		t.Fatalf("Check error %v (%T) is not a *Violation", err, err)
	}
	return v.Rule
}

func TestCheck(t *testing.T) {
	jean := []string{"Jean", "Dupont", "jean.dupont@ec.europa.eu"}
	long256 := strings.Repeat("Tr0ub4dor&3x", 21) + "Ab1!"
	tests := []struct {
		name     string
		pw       string
		personal []string
		want     Rule // "" means accepted
	}{
		// Accepted.
		{"troubador", "Tr0ub4dor&3x", nil, ""},
		{"passphrase with spaces", "correct horse Battery 9", nil, ""},
		{"latvian", "Ķēniņš-Zīle-42", nil, ""},
		{"greek", "Ωmega-Λambda-77", nil, ""},
		{"exactly min length", "Tr0ub4dor&", nil, ""},
		{"exactly max length", long256, nil, ""},
		{"three classes without digits", "Purple Elephant Rides", nil, ""},
		{"caseless script counts as lower", "日本語のパスワード-2X", nil, ""},
		{"personal data that does not occur", "Tr0ub4dor&3x", jean, ""},
		{"empty personal data", "Tr0ub4dor&3x", []string{"", "", ""}, ""},
		{"short name token not searched", "Jo!nTr0ub4dor", []string{"Jo", "Li"}, ""},
		{"common word inside a longer password", "Dragonfly#Nebula-58", nil, ""},

		// invalid.
		{"invalid utf-8", "\xff\xfeabcD1!xyz", nil, RuleInvalid},
		{"invalid utf-8 before length", "\xff", nil, RuleInvalid},
		{"nul", "Tr0ub4dor\x00&3x", nil, RuleInvalid},
		{"tab", "Tr0ub4dor\t&3x", nil, RuleInvalid},
		{"newline", "Tr0ub4dor&3x\n", nil, RuleInvalid},
		{"c1 control", "Tr0ub4dor\u0085&3x", nil, RuleInvalid},

		// too_short.
		{"short", "Short1!", nil, RuleTooShort},
		{"one below min length", "Tr0ub4dor", nil, RuleTooShort},
		{"empty", "", nil, RuleTooShort},
		{"short after nfc", "Ka\u0301ro\u0301ly-19", nil, RuleTooShort},

		// too_long.
		{"300 runes", strings.Repeat("Tr0ub4dor&3x", 25), nil, RuleTooLong},
		{"257 runes", long256 + "Z", nil, RuleTooLong},

		// repeated.
		{"runs of four", "Aaaa1111!!bb", nil, RuleRepeated},
		{"run of four letters", "Mx!9zzzzKp2", nil, RuleRepeated},
		{"run of four ignoring case", "Mx!9zZzZKp2", nil, RuleRepeated},
		{"run of four specials", "Kp!!!!92xz", nil, RuleRepeated},
		{"unit of four", "Ab1!Ab1!Ab1!", nil, RuleRepeated},
		{"unit of three", "abcabcabcabc", nil, RuleRepeated},
		{"unit of two", "XyXyXyXyXyXy", nil, RuleRepeated},
		{"unit cut short", "Ab1!Ab1!Ab1!A", nil, RuleRepeated},

		// sequential.
		{"ascending digits", "Xy12345!Qz", nil, RuleSequential},
		{"descending digits", "Pq98765!zk", nil, RuleSequential},
		{"ascending letters", "ABCDE-fg-93", nil, RuleSequential},
		{"descending letters", "Mn-edcba-72", nil, RuleSequential},
		{"mixed case", "Z!aBcDe-83", nil, RuleSequential},
		{"greek letters", "Xαβγδε-83!", nil, RuleSequential},

		// keyboard.
		{"qwert", "Qwerty!9Zp", nil, RuleKeyboard},
		{"asdfg", "Mx-asdfg-72", nil, RuleKeyboard},
		{"zxcvb", "Pzxcvb#714", nil, RuleKeyboard},
		{"backwards", "Poiuy!93Kp", nil, RuleKeyboard},
		{"azerty top row", "Azert!9Zp1", nil, RuleKeyboard},
		{"azerty middle row", "Qsdfg!93Kp", nil, RuleKeyboard},
		{"qwertz bottom row", "Yxcvb!93Kp", nil, RuleKeyboard},
		{"digit row", "Xk7890-=Pq", nil, RuleKeyboard},
		{"shifted digit row", "Ab!@#$%9zk", nil, RuleKeyboard},

		// personal.
		{"names", "Jean.Dupont1!", jean, RulePersonal},
		{"last name any case", "xDUPONTx-93", jean, RulePersonal},
		{"whole e-mail", "Jd#jean.dupont@ec.europa.eu", []string{"", "", "jean.dupont@ec.europa.eu"}, RulePersonal},
		{"e-mail local part", "Xy!jdupont-93", []string{"", "", "jdupont@example.org"}, RulePersonal},
		{"e-mail local part token", "Xy!dupont-93", []string{"", "", "jean.dupont@example.org"}, RulePersonal},
		{"hyphenated name", "Pierre#2019xQ", []string{"Jean-Pierre", "Dupont", ""}, RulePersonal},
		{"apostrophe name", "Xq#Brien-2019", []string{"Sean", "O'Brien", ""}, RulePersonal},
		{"fullwidth letters", "Ｄｕｐｏｎｔ#2019xQ", jean, RulePersonal},
		{"accented name", "ÉLODIE#2019xq", []string{"Élodie", "Martin", ""}, RulePersonal},
		{"letters equal a name", "D-u-p-o-n-t-2024!", jean, RulePersonal},
		{"letters equal a short name", "L!i-9#8@7%6^", []string{"Li", "Na", ""}, RulePersonal},
		{"letters equal a whole name", "Jean-Pierre!1", []string{"Jean-Pierre", "", ""}, RulePersonal},

		// common.
		{"password", "Password123!", nil, RuleCommon},
		{"leet", "P@ssw0rd2024!", nil, RuleCommon},
		{"trailing digits", "Welcome123!", nil, RuleCommon},
		{"leading digits", "2024!Sunshine", nil, RuleCommon},
		{"both ends", "#1Football1#", nil, RuleCommon},
		{"leet dollar", "$ecret2024!", nil, RuleCommon},
		{"leet one as i", "1L0veY0u!!", nil, RuleCommon},
		{"leet one as l", "F1owers2024!", nil, RuleCommon},
		{"french", "Motdepasse2024!", nil, RuleCommon},
		{"spanish", "Contraseña#2024", nil, RuleCommon},
		{"german", "Passwort#2019", nil, RuleCommon},
		{"dutch", "Wachtwoord!19", nil, RuleCommon},
		{"finnish", "Salasana2019!", nil, RuleCommon},
		{"italian", "Parola-2019!", nil, RuleCommon},
		{"decomposed accents", norm.NFD.String("Contraseña#2024"), nil, RuleCommon},

		// classes.
		{"lower only", "alllowercase", nil, RuleClasses},
		{"lower and spaces", "correct horse battery", nil, RuleClasses},
		{"upper and spaces", "CORRECT HORSE BATTERY", nil, RuleClasses},
		{"lower and special", "purple-elephant-rides", nil, RuleClasses},
		{"upper and lower", "PurpleElephantRides", nil, RuleClasses},
		{"digits and special", "2718-2818-28", nil, RuleClasses},
	}
	p := DefaultPolicy()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ruleOf(t, p.Check(tt.pw, tt.personal...))
			if got != tt.want {
				t.Errorf("Check(%q, %q) = %q, want %q", tt.pw, tt.personal, got, tt.want)
			}
		})
	}
}

func TestCheckLengthLimits(t *testing.T) {
	base := "Tr0ub4dor&3x"
	pwOf := func(n int) string {
		s := strings.Repeat(base, n/len(base)+1)
		return s[:n]
	}
	tests := []struct {
		name   string
		policy Policy
		pw     string
		want   Rule
	}{
		{"zero policy min", Policy{}, pwOf(9), RuleTooShort},
		{"zero policy ok", Policy{}, pwOf(10), ""},
		{"zero policy max", Policy{}, pwOf(257), RuleTooLong},
		{"custom min", Policy{MinLength: 15}, pwOf(14), RuleTooShort},
		{"custom min ok", Policy{MinLength: 15}, pwOf(15), ""},
		{"max raised to 64", Policy{MaxLength: 20}, pwOf(64), ""},
		{"max raised to 64 refuses 65", Policy{MaxLength: 20}, pwOf(65), RuleTooLong},
		{"custom max", Policy{MaxLength: 100}, pwOf(101), RuleTooLong},
		{"counted in runes", Policy{}, strings.Repeat("Ωλ", 4) + "7!", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ruleOf(t, tt.policy.Check(tt.pw))
			if got != tt.want {
				t.Errorf("%+v.Check(%q) = %q, want %q", tt.policy, tt.pw, got, tt.want)
			}
		})
	}
}

func TestDefaultPolicy(t *testing.T) {
	got, want := DefaultPolicy(), Policy{MinLength: 10, MaxLength: 256}
	if got != want {
		t.Errorf("DefaultPolicy() = %+v, want %+v", got, want)
	}
}

func TestRules(t *testing.T) {
	want := []Rule{
		RuleInvalid, RuleTooShort, RuleTooLong, RuleRepeated, RuleSequential,
		RuleKeyboard, RulePersonal, RuleCommon, RuleClasses,
	}
	got := Rules()
	if !slices.Equal(got, want) {
		t.Fatalf("Rules() = %q, want %q", got, want)
	}
	got[0] = "changed"
	if got, want := Rules()[0], RuleInvalid; got != want {
		t.Errorf("Rules()[0] after caller modified its copy = %q, want %q", got, want)
	}
}

func TestRuleStrings(t *testing.T) {
	tests := []struct {
		rule      Rule
		wantValue string
	}{
		{RuleTooShort, "too_short"},
		{RuleTooLong, "too_long"},
		{RuleInvalid, "invalid"},
		{RuleClasses, "classes"},
		{RulePersonal, "personal"},
		{RuleRepeated, "repeated"},
		{RuleSequential, "sequential"},
		{RuleKeyboard, "keyboard"},
		{RuleCommon, "common"},
	}
	for _, tt := range tests {
		t.Run(tt.wantValue, func(t *testing.T) {
			if got, want := string(tt.rule), tt.wantValue; got != want {
				t.Errorf("rule value = %q, want %q", got, want)
			}
			if got, want := (&Violation{Rule: tt.rule}).Error(), "password: "+tt.wantValue; got != want {
				t.Errorf("Violation.Error() = %q, want %q", got, want)
			}
			if got, want := tt.rule.MessageKey(), "password.rule."+tt.wantValue; got != want {
				t.Errorf("MessageKey() = %q, want %q", got, want)
			}
		})
	}
}

func TestCommonList(t *testing.T) {
	seen := make(map[string]bool)
	n := 0
	for line := range strings.Lines(commonText) {
		w := strings.TrimSuffix(line, "\n")
		n++
		switch {
		case w == "" || strings.TrimSpace(w) != w:
			t.Errorf("line %d: %q is empty or has surrounding space", n, w)
		case strings.ToLower(w) != w:
			t.Errorf("line %d: %q is not lower case", n, w)
		case !utf8.ValidString(w) || !norm.NFC.IsNormalString(w):
			t.Errorf("line %d: %q is not NFC UTF-8", n, w)
		case seen[w]:
			t.Errorf("line %d: %q is a duplicate", n, w)
		}
		seen[w] = true
	}
	if got, want := len(seen), 1000; got < want {
		t.Errorf("common list has %d entries, want at least %d", got, want)
	}
	for _, w := range []string{"password", "123456", "qwerty", "letmein", "iloveyou", "motdepasse", "passwort", "contraseña", "salasana", "wachtwoord"} {
		if !isCommon(fold(w)) {
			t.Errorf("isCommon(%q) = false, want true", w)
		}
	}
}

func TestHasRepetition(t *testing.T) {
	tests := []struct {
		s    string
		want bool
	}{
		{"aaab", false},
		{"aaaa", true},
		{"abab", true},
		{"ababa", true},
		{"abcdabcd", true},
		{"abcdeabcde", false}, // unit of five is not flagged
		{"abcabd", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.s, func(t *testing.T) {
			if got := hasRepetition([]rune(tt.s)); got != tt.want {
				t.Errorf("hasRepetition(%q) = %v, want %v", tt.s, got, tt.want)
			}
		})
	}
}

func TestHasSequenceAndKeyboard(t *testing.T) {
	tests := []struct {
		s            string
		wantSequence bool
		wantKeyboard bool
	}{
		{"1234", false, false},
		{"12345", true, true},
		{"54321", true, true},
		{"12321", false, false},
		{"13579", false, false},
		{"qwert", false, true},
		{"trewq", false, true},
		{"qwer", false, false},
		{"qwrty", false, false},
		{"zxcvb", false, true},
		{"azert", false, true},
		{"wxcvb", false, true},
		{"yxcvb", false, true},
		{"ölkjh", false, true},
		{"xyzab", false, false},
		{"uvwxy", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.s, func(t *testing.T) {
			r := []rune(tt.s)
			if got := hasSequence(r); got != tt.wantSequence {
				t.Errorf("hasSequence(%q) = %v, want %v", tt.s, got, tt.wantSequence)
			}
			if got := hasKeyboardRun(r); got != tt.wantKeyboard {
				t.Errorf("hasKeyboardRun(%q) = %v, want %v", tt.s, got, tt.wantKeyboard)
			}
		})
	}
}

func BenchmarkCheckPolicy(b *testing.B) {
	p := DefaultPolicy()
	personal := []string{"Jean", "Dupont", "jean.dupont@ec.europa.eu"}
	pws := []string{
		"Tr0ub4dor&3x",
		"correct horse Battery 9",
		"Ķēniņš-Zīle-42",
		"P@ssw0rd2024!",
		"Jean.Dupont1!",
	}
	commonSet() // load the list outside the timed loop
	b.ReportAllocs()
	for b.Loop() {
		for _, pw := range pws {
			_ = p.Check(pw, personal...)
		}
	}
}
