package i18n

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
)

// Categories are the CLDR plural categories, in CLDR's order.
var Categories = []string{"zero", "one", "two", "few", "many", "other"}

var formNames = map[plural.Form]string{
	plural.Zero: "zero", plural.One: "one", plural.Two: "two",
	plural.Few: "few", plural.Many: "many", plural.Other: "other",
}

func isCategory(c string) bool { return slices.Contains(Categories, c) }

// PluralCategory returns the CLDR cardinal plural category of the whole
// number n in language tag ("one", "few", ...).
func PluralCategory(tag string, n int) string {
	if n < 0 {
		n = -n
	}
	return formNames[plural.Cardinal.MatchPlural(pluralTag(tag), n, 0, 0, 0, 0)]
}

// pluralTag is the CLDR locale whose rules a catalogue follows: the
// Portuguese of the Union is Portugal's, where 0 takes the plural (CLDR's
// "pt" is Brazil's, where it takes the singular).
func pluralTag(tag string) language.Tag {
	if tag == "pt" {
		return language.MustParse("pt-PT")
	}
	return language.Make(tag)
}

// LanguageCategories returns the plural categories a catalogue of tag must
// give for every plural message: those CLDR's rules give to some whole
// number, and "other".
func LanguageCategories(tag string) []string {
	seen := map[string]bool{"other": true}
	// CLDR's integer rules depend on n mod 10, mod 100 and mod 1,000,000;
	// every pattern shows up below 1,000 or at a million.
	for n := 0; n < 1000; n++ {
		seen[PluralCategory(tag, n)] = true
	}
	seen[PluralCategory(tag, 1000000)] = true
	var out []string
	for _, c := range Categories {
		if seen[c] {
			out = append(out, c)
		}
	}
	return out
}

// Check compares the catalogue cat of language tag with the English
// catalogue en and returns every problem: a key missing or extra, an
// empty text, different placeholders, a plain text where English has
// plural forms (or the reverse), or plural categories other than the
// language's.
func Check(tag string, en, cat Catalogue) []string {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	want := LanguageCategories(tag)
	for _, k := range sortedKeys(en) {
		e := en[k]
		m, ok := cat[k]
		if !ok {
			add("%s lacks %q", tag, k)
			continue
		}
		if e.Plural() != m.Plural() {
			add("%s: %q must be %s, as in English", tag, k, map[bool]string{true: "plural forms", false: "a plain text"}[e.Plural()])
			continue
		}
		if m.Plural() {
			if m.Count != "" && tag != Default {
				add("%s: %q names its count; only English does", tag, k)
			}
			var got []string
			for c := range m.Forms {
				got = append(got, c)
			}
			if tag != Default && !sameSet(got, want) {
				add("%s: %q has plural forms %v, want %v", tag, k, sorted(got), want)
			}
		}
		wantPH := Placeholders(e.Texts()[len(e.Texts())-1])
		for _, s := range m.Texts() {
			if strings.TrimSpace(s) == "" {
				add("%s: %q is empty", tag, k)
			}
			if g := uniq(Placeholders(s)); !slices.Equal(g, uniq(wantPH)) {
				add("%s: %q has placeholders %v, want %v", tag, k, g, uniq(wantPH))
			}
		}
	}
	for _, k := range sortedKeys(cat) {
		if _, ok := en[k]; !ok {
			add("%s has %q, which English lacks", tag, k)
		}
	}
	return problems
}

func sortedKeys(c Catalogue) []string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func sorted(s []string) []string { s = slices.Clone(s); sort.Strings(s); return s }

func uniq(s []string) []string { return slices.Compact(sorted(s)) }

func sameSet(a, b []string) bool { return slices.Equal(uniq(a), uniq(b)) }
