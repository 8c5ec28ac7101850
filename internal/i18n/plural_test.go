package i18n_test

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"eulogin/internal/i18n"
)

// TestPluralCategory checks CLDR's cardinal rules for every EU language at
// the numbers where the rules differ.
func TestPluralCategory(t *testing.T) {
	tests := []struct {
		tag  string
		want map[int]string
	}{
		{"bg", map[int]string{0: "other", 1: "one", 2: "other", 21: "other"}},
		{"cs", map[int]string{0: "other", 1: "one", 2: "few", 4: "few", 5: "other", 22: "other"}},
		{"da", map[int]string{0: "other", 1: "one", 2: "other"}},
		{"de", map[int]string{0: "other", 1: "one", 2: "other", 101: "other"}},
		{"el", map[int]string{0: "other", 1: "one", 5: "other"}},
		{"en", map[int]string{0: "other", 1: "one", 2: "other", 11: "other"}},
		{"es", map[int]string{0: "other", 1: "one", 2: "other"}},
		{"et", map[int]string{0: "other", 1: "one", 2: "other"}},
		{"fi", map[int]string{0: "other", 1: "one", 2: "other"}},
		{"fr", map[int]string{0: "one", 1: "one", 2: "other", 10: "other"}},
		{"ga", map[int]string{0: "other", 1: "one", 2: "two", 3: "few", 6: "few", 7: "many", 10: "many", 11: "other"}},
		{"hr", map[int]string{0: "other", 1: "one", 2: "few", 5: "other", 11: "other", 21: "one", 22: "few", 25: "other"}},
		{"hu", map[int]string{0: "other", 1: "one", 2: "other"}},
		{"it", map[int]string{0: "other", 1: "one", 2: "other"}},
		{"lt", map[int]string{0: "other", 1: "one", 2: "few", 9: "few", 10: "other", 11: "other", 21: "one", 22: "few"}},
		{"lv", map[int]string{0: "zero", 1: "one", 2: "other", 10: "zero", 11: "zero", 21: "one", 22: "other"}},
		{"mt", map[int]string{0: "few", 1: "one", 2: "few", 10: "few", 11: "many", 19: "many", 20: "other"}},
		{"nl", map[int]string{0: "other", 1: "one", 2: "other"}},
		{"pl", map[int]string{0: "many", 1: "one", 2: "few", 4: "few", 5: "many", 12: "many", 22: "few", 25: "many"}},
		{"pt", map[int]string{0: "other", 1: "one", 2: "other"}}, // Portugal's rule, not Brazil's
		{"ro", map[int]string{0: "few", 1: "one", 2: "few", 19: "few", 20: "other", 101: "few", 120: "other"}},
		{"sk", map[int]string{0: "other", 1: "one", 2: "few", 4: "few", 5: "other"}},
		{"sl", map[int]string{0: "other", 1: "one", 2: "two", 3: "few", 4: "few", 5: "other", 101: "one", 102: "two", 103: "few"}},
		{"sv", map[int]string{0: "other", 1: "one", 2: "other"}},
	}
	if len(tests) != len(i18n.EU) {
		t.Errorf("%d languages tested, want the %d of the EU", len(tests), len(i18n.EU))
	}
	for _, tt := range tests {
		t.Run(tt.tag, func(t *testing.T) {
			for n, want := range tt.want {
				if got := i18n.PluralCategory(tt.tag, n); got != want {
					t.Errorf("PluralCategory(%q, %d) = %q, want %q", tt.tag, n, got, want)
				}
			}
		})
	}
}

func TestLanguageCategories(t *testing.T) {
	for tag, want := range map[string][]string{
		"en": {"one", "other"}, "fr": {"one", "other"}, "lv": {"zero", "one", "other"},
		"ro": {"one", "few", "other"}, "pl": {"one", "few", "many", "other"},
		"sl": {"one", "two", "few", "other"}, "ga": {"one", "two", "few", "many", "other"},
		"mt": {"one", "few", "many", "other"}, "lt": {"one", "few", "other"}, "cs": {"one", "few", "other"},
	} {
		if got := i18n.LanguageCategories(tag); !slices.Equal(got, want) {
			t.Errorf("LanguageCategories(%q) = %v, want %v", tag, got, want)
		}
	}
}

// pluralBundle is a bundle with one plural message in English, Polish and
// Latvian.
func pluralBundle(t *testing.T) *i18n.Bundle {
	t.Helper()
	b, err := i18n.LoadFS(fstest.MapFS{
		"l/en.json": {Data: []byte(`{"tries": {"one": "{n} more try", "other": "{n} more tries"},
			"len": {"_count": "max", "one": "at most {max} character, not {got}", "other": "at most {max} characters, not {got}"}}`)},
		"l/pl.json": {Data: []byte(`{"tries": {"one": "jeszcze {n} próba", "few": "jeszcze {n} próby", "many": "jeszcze {n} prób", "other": "jeszcze {n} próby"},
			"len": {"one": "najwyżej {max} znak, nie {got}", "few": "najwyżej {max} znaki, nie {got}", "many": "najwyżej {max} znaków, nie {got}", "other": "najwyżej {max} znaku, nie {got}"}}`)},
		"l/lv.json": {Data: []byte(`{"tries": {"zero": "vēl {n} mēģinājumu", "one": "vēl {n} mēģinājums", "other": "vēl {n} mēģinājumi"},
			"len": {"zero": "ne vairāk kā {max} rakstzīmju, nevis {got}", "one": "ne vairāk kā {max} rakstzīme, nevis {got}", "other": "ne vairāk kā {max} rakstzīmes, nevis {got}"}}`)},
	}, "l")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPluralMessages(t *testing.T) {
	b := pluralBundle(t)
	tests := []struct {
		lang, key string
		args      []any
		want      string
	}{
		{"en", "tries", []any{"n", 1}, "1 more try"},
		{"en", "tries", []any{"n", 3}, "3 more tries"},
		{"en", "tries", []any{"n", "0"}, "0 more tries"},
		{"pl", "tries", []any{"n", 1}, "jeszcze 1 próba"},
		{"pl", "tries", []any{"n", 3}, "jeszcze 3 próby"},
		{"pl", "tries", []any{"n", 5}, "jeszcze 5 prób"},
		{"pl", "tries", []any{"n", 22}, "jeszcze 22 próby"},
		{"lv", "tries", []any{"n", 0}, "vēl 0 mēģinājumu"},
		{"lv", "tries", []any{"n", 21}, "vēl 21 mēģinājums"},
		{"lv", "tries", []any{"n", 4}, "vēl 4 mēģinājumi"},
		// The count English names selects the form, whatever the order.
		{"pl", "len", []any{"got", 1, "max", 200}, "najwyżej 200 znaków, nie 1"},
		{"en", "len", []any{"max", 1, "got", 5}, "at most 1 character, not 5"},
		// Without a whole-number count: "other".
		{"en", "tries", []any{"n", "many"}, "many more tries"},
		{"en", "tries", nil, "{n} more tries"},
		// A language without a catalogue: English and its rules.
		{"de", "tries", []any{"n", 1}, "1 more try"},
	}
	for _, tt := range tests {
		if got := b.Localizer(tt.lang).T(tt.key, tt.args...); got != tt.want {
			t.Errorf("Localizer(%q).T(%q, %v) = %q, want %q", tt.lang, tt.key, tt.args, got, tt.want)
		}
	}
}

func TestLoadRejectsBadPlurals(t *testing.T) {
	for name, en := range map[string]string{
		"no other":           `{"k": {"one": "{n} thing"}}`,
		"unknown category":   `{"k": {"one": "{n} thing", "other": "{n} things", "dual": "{n} x"}}`,
		"two counts, unsaid": `{"k": {"one": "{n} of {m}", "other": "{n} of {m}"}}`,
		"not text":           `{"k": 3}`,
	} {
		if _, err := i18n.LoadFS(fstest.MapFS{"l/en.json": {Data: []byte(en)}}, "l"); err == nil {
			t.Errorf("%s: LoadFS accepted %s", name, en)
		}
	}
}

// TestCheckFindsProblems: the catalogue check reports each kind of
// mistake a translation can make.
func TestCheckFindsProblems(t *testing.T) {
	en, err := i18n.ParseCatalogue([]byte(`{"a": "Hello {name}", "p": {"one": "{n} try", "other": "{n} tries"}, "b": "Bye"}`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, cat, want string }{
		{"missing key", `{"a": "Bonjour {name}", "p": {"one": "{n} essai", "other": "{n} essais"}}`, `lacks "b"`},
		{"extra key", `{"a": "Bonjour {name}", "p": {"one": "{n} essai", "other": "{n} essais"}, "b": "Au revoir", "c": "x"}`, `has "c"`},
		{"placeholder", `{"a": "Bonjour {nom}", "p": {"one": "{n} essai", "other": "{n} essais"}, "b": "Au revoir"}`, `placeholders`},
		{"plain for plural", `{"a": "Bonjour {name}", "p": "{n} essais", "b": "Au revoir"}`, `must be plural forms`},
		{"empty", `{"a": " ", "p": {"one": "{n} essai", "other": "{n} essais"}, "b": "Au revoir"}`, `empty`},
		{"form placeholder", `{"a": "Bonjour {name}", "p": {"one": "un essai", "other": "{n} essais"}, "b": "Au revoir"}`, `placeholders`},
	}
	for _, tt := range tests {
		cat, err := i18n.ParseCatalogue([]byte(tt.cat))
		if err != nil {
			t.Fatal(err)
		}
		got := strings.Join(i18n.Check("fr", en, cat), "\n")
		if !strings.Contains(got, tt.want) {
			t.Errorf("%s: Check = %q, want a problem with %q", tt.name, got, tt.want)
		}
	}
	// Polish needs few and many.
	pl, _ := i18n.ParseCatalogue([]byte(`{"a": "Cześć {name}", "p": {"one": "{n} próba", "other": "{n} prób"}, "b": "Pa"}`))
	if got := strings.Join(i18n.Check("pl", en, pl), "\n"); !strings.Contains(got, "plural forms") {
		t.Errorf("Check(pl) = %q, want the missing forms reported", got)
	}
	good, _ := i18n.ParseCatalogue([]byte(`{"a": "Bonjour {name}", "p": {"one": "{n} essai", "other": "{n} essais"}, "b": "Au revoir"}`))
	if got := i18n.Check("fr", en, good); len(got) != 0 {
		t.Errorf("Check(good) = %q, want nothing", got)
	}
}

// TestDateFormats checks the date and time of every EU language.
func TestDateFormats(t *testing.T) {
	at := time.Date(2026, time.March, 4, 9, 5, 0, 0, time.UTC)
	want := map[string]string{
		"bg": "4.03.2026 г. 09:05", "cs": "4. 3. 2026 09:05", "da": "04.03.2026 09.05", "de": "04.03.2026 09:05",
		"el": "4/3/2026 09:05", "en": "04/03/2026 09:05", "es": "4/3/2026 09:05", "et": "4.03.2026 09:05",
		"fi": "4.3.2026 09.05", "fr": "04/03/2026 09:05", "ga": "04/03/2026 09:05", "hr": "04. 03. 2026. 09:05",
		"hu": "2026. 03. 04. 09:05", "it": "04/03/2026 09:05", "lt": "2026-03-04 09:05", "lv": "04.03.2026. 09:05",
		"mt": "04/03/2026 09:05", "nl": "4-3-2026 09:05", "pl": "04.03.2026 09:05", "pt": "04/03/2026 09:05",
		"ro": "04.03.2026 09:05", "sk": "4. 3. 2026 09:05", "sl": "4. 03. 2026 09:05", "sv": "2026-03-04 09:05",
	}
	if len(want) != len(i18n.EU) {
		t.Errorf("%d languages tested, want %d", len(want), len(i18n.EU))
	}
	b, err := i18n.LoadFS(fstest.MapFS{"l/en.json": {Data: []byte(`{}`)}}, "l")
	if err != nil {
		t.Fatal(err)
	}
	for tag, w := range want {
		l := b.Localizer("en")
		l.Lang = tag // the formats need no catalogue
		if got := l.Date(at, time.UTC) + " " + l.Clock(at, time.UTC); got != w {
			t.Errorf("%s: Date+Clock = %q, want %q", tag, got, w)
		}
	}
	riga, err := time.LoadLocation("Europe/Riga")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	l := b.Localizer("en")
	l.Lang = "lv"
	if got, want := l.DateTime(at, riga), "04.03.2026. 11:05 EET"; got != want {
		t.Errorf("DateTime(Riga) = %q, want %q", got, want)
	}
	if got, want := l.DateTime(at, time.UTC), "04.03.2026. 09:05 UTC"; got != want {
		t.Errorf("DateTime(UTC) = %q, want %q", got, want)
	}
}
