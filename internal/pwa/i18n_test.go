package pwa_test

import (
	"io/fs"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"eulogin/internal/i18n"
	"eulogin/internal/pwa"
)

// catalogues returns the app's catalogues by language tag.
func catalogues(t *testing.T) map[string]i18n.Catalogue {
	t.Helper()
	entries, err := fs.ReadDir(pwa.Files(), "i18n")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]i18n.Catalogue{}
	for _, e := range entries {
		tag, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok {
			t.Errorf("i18n/%s is not a catalogue", e.Name())
			continue
		}
		cat, err := i18n.ParseCatalogue([]byte(readFile(t, "i18n/"+e.Name())))
		if err != nil {
			t.Fatalf("i18n/%s: %v", e.Name(), err)
		}
		out[tag] = cat
	}
	return out
}

// TestCatalogues checks that the app has a catalogue for each of the 24
// official languages, with exactly the keys of en.json, no empty text, the
// same placeholders and each language's plural forms.
func TestCatalogues(t *testing.T) {
	cats := catalogues(t)
	var tags []string
	for tag := range cats {
		tags = append(tags, tag)
	}
	sort.Strings(tags)
	var want []string
	for _, l := range i18n.EU {
		want = append(want, l.Tag)
	}
	if !slices.Equal(tags, want) {
		t.Errorf("catalogues %v, want %v", tags, want)
	}
	en := cats["en"]
	if len(en) < 100 {
		t.Fatalf("en.json has %d keys", len(en))
	}
	for _, tag := range tags {
		t.Run(tag, func(t *testing.T) {
			if !i18n.IsEU(tag) {
				t.Errorf("%s is not an official EU language", tag)
			}
			for _, p := range i18n.Check(tag, en, cats[tag]) {
				t.Error(p)
			}
		})
	}
}

// TestCatalogueTypography checks a few marks of proper text: Romanian
// s and t with comma below (not cedilla), French and Romanian typographic
// apostrophes and quotes, no straight quotes around names.
func TestCatalogueTypography(t *testing.T) {
	cats := catalogues(t)
	for k, m := range cats["ro"] {
		if v := strings.Join(m.Texts(), " "); strings.ContainsAny(v, "şţŞŢ") {
			t.Errorf("ro %q uses a cedilla (ş, ţ) instead of a comma below (ș, ț): %q", k, v)
		}
	}
	for _, tag := range []string{"fr", "ro", "lv", "en"} {
		for k, m := range cats[tag] {
			v := strings.Join(m.Texts(), " ")
			if strings.Contains(v, "'") && tag != "en" {
				t.Errorf("%s %q has a straight apostrophe: %q", tag, k, v)
			}
			if strings.Contains(v, `"`) {
				t.Errorf("%s %q has straight double quotes: %q", tag, k, v)
			}
		}
	}
	// Texts a reader would notice untranslated.
	for _, k := range []string{"enrol.submit", "request.approve", "request.deny", "home.scan", "pin.label"} {
		for _, tag := range []string{"fr", "ro", "lv"} {
			if cats[tag][k].Text == cats["en"][k].Text {
				t.Errorf("%s %q is the English text %q", tag, k, cats["en"][k].Text)
			}
		}
	}
}

// keyLiteral is a quoted message key in JavaScript or HTML: a namespace of
// en.json, a dot, a name.
var keyLiteral = regexp.MustCompile("[\"'`]([a-z][a-z0-9_]*)\\.([a-z0-9_]+)[\"'`]")

// TestCatalogueKeysUsed checks that every message key the JavaScript and
// index.html name exists in en.json, and that every key of en.json is used.
func TestCatalogueKeysUsed(t *testing.T) {
	en := catalogues(t)["en"]
	namespaces := map[string]bool{}
	for k := range en {
		namespaces[strings.SplitN(k, ".", 2)[0]] = true
	}
	used := map[string]bool{}
	err := fs.WalkDir(pwa.Files(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || (path.Ext(p) != ".js" && path.Ext(p) != ".html") {
			return err
		}
		src := readFile(t, p)
		// t("key", ...) calls, whatever their namespace.
		for _, m := range regexp.MustCompile(`\bt\(\s*"([^"]+)"`).FindAllStringSubmatch(src, -1) {
			used[m[1]] = true
			if _, ok := en[m[1]]; !ok {
				t.Errorf("%s: t(%q) is not in en.json", p, m[1])
			}
		}
		// Any other literal in a catalogue namespace: data-i18n="…", t: "…",
		// tables of keys.
		for _, m := range keyLiteral.FindAllStringSubmatch(src, -1) {
			if !namespaces[m[1]] {
				continue
			}
			key := m[1] + "." + m[2]
			used[key] = true
			if _, ok := en[key]; !ok {
				t.Errorf("%s: key %q is not in en.json", p, key)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for k := range en {
		if !used[k] {
			t.Errorf("en.json key %q is used nowhere", k)
		}
	}
}

// TestIndexEnglish checks that the English written into index.html (shown
// before the catalogue loads) is en.json's.
func TestIndexEnglish(t *testing.T) {
	en := catalogues(t)["en"]
	index := readFile(t, "index.html")
	re := regexp.MustCompile(`data-i18n="([^"]+)"[^>]*>([^<]+)<`)
	n := 0
	for _, m := range re.FindAllStringSubmatch(index, -1) {
		n++
		if got, want := m[2], en[m[1]].Text; got != want {
			t.Errorf("index.html %s = %q, en.json has %q", m[1], got, want)
		}
	}
	if n < 30 {
		t.Errorf("found %d translated elements in index.html; the test's pattern is broken", n)
	}
}

// TestLanguageLists checks that the picker lists the 24 official languages
// in their own names, as package i18n does, and that the app and its worker
// know the catalogues that exist.
func TestLanguageLists(t *testing.T) {
	src := readFile(t, "i18n.js")
	var got []i18n.Language
	for _, m := range regexp.MustCompile(`\{ tag: "([a-z]+)", name: "([^"]+)" \}`).FindAllStringSubmatch(src, -1) {
		got = append(got, i18n.Language{Tag: m[1], Name: m[2]})
	}
	if len(got) != len(i18n.EU) {
		t.Fatalf("i18n.js lists %d languages, want %d", len(got), len(i18n.EU))
	}
	for i, l := range i18n.EU {
		if got[i].Tag != l.Tag || got[i].Name != l.Name {
			t.Errorf("i18n.js language %d = %s %q, want %s %q", i, got[i].Tag, got[i].Name, l.Tag, l.Name)
		}
	}
	var have []string
	for tag := range catalogues(t) {
		have = append(have, tag)
	}
	sort.Strings(have)
	for _, f := range []string{"i18n.js", "sw.js"} {
		m := regexp.MustCompile(`const CATALOGUES = \[([^\]]*)\]`).FindStringSubmatch(readFile(t, f))
		if m == nil {
			t.Errorf("%s has no CATALOGUES", f)
			continue
		}
		var listed []string
		for _, q := range regexp.MustCompile(`"([a-z]+)"`).FindAllStringSubmatch(m[1], -1) {
			listed = append(listed, q[1])
		}
		sort.Strings(listed)
		if !slices.Equal(listed, have) {
			t.Errorf("%s CATALOGUES = %v, want %v", f, listed, have)
		}
	}
}
