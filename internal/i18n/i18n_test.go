package i18n_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"eulogin/internal/i18n"
)

// TestCataloguesComplete fails when a shipped catalogue lacks a key of the
// English one, has a key English lacks, changes a key's placeholders, or
// lacks one of its language's plural forms.
func TestCataloguesComplete(t *testing.T) {
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	en := b.Catalogue("en")
	for _, l := range b.Available() {
		t.Run(l.Tag, func(t *testing.T) {
			for _, p := range i18n.Check(l.Tag, en, b.Catalogue(l.Tag)) {
				t.Error(p)
			}
		})
	}
}

// keyRE finds message keys written as string literals in templates and Go
// code: "area.name" with lower-case words.
var keyRE = regexp.MustCompile(`"((?:frame|form|error|register|register_sent|password|link_password|link_expired|link_dead|password_done|lost|lost_sent|login|login_method|login_password|method|logged_out|account|events|event|details|change_password|change_email|change_email_sent|confirm_email|delete|deleted|privacy|accessibility|help|outbox|mail)\.[a-z_.0-9]+[a-z0-9])"`)

// TestUsedKeysExist scans the templates and the Go code for message keys and
// fails when English lacks one: a page would show a raw key.
func TestUsedKeysExist(t *testing.T) {
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	en := b.Catalogue("en")
	root := filepath.Join("..")
	skip := map[string]bool{"mail.html": true}
	filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		// The ECI portal and the installable mobile app are separate
		// applications with their own catalogues (internal/eci/locales,
		// internal/pwa/static/i18n) and their own key tests.
		if d.IsDir() && (d.Name() == "eci" || d.Name() == "pwa") {
			return filepath.SkipDir
		}
		if d.IsDir() || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		if !strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, ".html") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range keyRE.FindAllStringSubmatch(string(data), -1) {
			k := m[1]
			if skip[k] || strings.HasSuffix(k, ".") {
				continue
			}
			if _, ok := en[k]; !ok {
				t.Errorf("%s uses key %q, missing from en.json", path, k)
			}
		}
		return nil
	})
}

func TestNegotiate(t *testing.T) {
	b, err := i18n.LoadFS(fstest.MapFS{
		"l/en.json": {Data: []byte(`{"k":"hello {name}"}`)},
		"l/fr.json": {Data: []byte(`{"k":"bonjour {name}"}`)},
		"l/lv.json": {Data: []byte(`{"k":"sveiki {name}"}`)},
	}, "l")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, choice, cookie, accept, want string
	}{
		{"default", "", "", "", "en"},
		{"choice wins", "fr", "lv", "lv", "fr"},
		{"cookie next", "", "lv", "fr", "lv"},
		{"unknown choice ignored", "xx", "", "fr-BE,fr;q=0.9", "fr"},
		{"unshipped choice ignored", "de", "", "", "en"},
		{"accept-language region", "", "", "lv-LV,lv;q=0.9,en;q=0.5", "lv"},
		{"accept-language order", "", "", "de-DE,fr;q=0.8,lv;q=0.7", "fr"},
		{"accept-language nothing shipped", "", "", "ja,zh;q=0.5", "en"},
		{"garbage header", "", "", ";;;q=x", "en"},
		{"case and spaces", " FR ", "", "", "fr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := b.Negotiate(tt.choice, tt.cookie, tt.accept); got != tt.want {
				t.Errorf("Negotiate(%q, %q, %q) = %q, want %q", tt.choice, tt.cookie, tt.accept, got, tt.want)
			}
		})
	}
	if got, want := b.Localizer("fr").T("k", "name", "Ana"), "bonjour Ana"; got != want {
		t.Errorf("T = %q, want %q", got, want)
	}
	if got, want := b.Localizer("de").T("k", "name", "Ana"), "hello Ana"; got != want {
		t.Errorf("T for an unshipped language = %q, want the English %q", got, want)
	}
	if got, want := b.Localizer("en").T("missing.key"), "missing.key"; got != want {
		t.Errorf("T(missing) = %q, want %q", got, want)
	}
}

func TestLoadRejectsNonEU(t *testing.T) {
	_, err := i18n.LoadFS(fstest.MapFS{"l/en.json": {Data: []byte(`{}`)}, "l/ja.json": {Data: []byte(`{}`)}}, "l")
	if err == nil {
		t.Fatal("LoadFS accepted a ja catalogue")
	}
	_, err = i18n.LoadFS(fstest.MapFS{"l/fr.json": {Data: []byte(`{}`)}}, "l")
	if err == nil {
		t.Fatal("LoadFS accepted a bundle without English")
	}
}

func TestPlaceholders(t *testing.T) {
	if got, want := i18n.Placeholders("a {x} b {a} {x"), []string{"a", "x"}; !slices.Equal(got, want) {
		t.Errorf("Placeholders = %v, want %v", got, want)
	}
}

// catalogueSets are the three sets of catalogues of the project, by the
// name testdata/same_as_english.txt gives them.
var catalogueSets = map[string]string{
	"idp": "locales",
	"eci": "../eci/locales",
	"app": "../pwa/static/i18n",
}

// TestEveryLanguageEverywhere: the login service, the portal and the app
// each ship a catalogue for every one of the 24 official languages.
func TestEveryLanguageEverywhere(t *testing.T) {
	for set, dir := range catalogueSets {
		for _, l := range i18n.EU {
			if _, err := os.Stat(filepath.Join(dir, l.Tag+".json")); err != nil {
				t.Errorf("%s: no %s catalogue: %v", set, l.Tag, err)
			}
		}
	}
}

// TestSameAsEnglish: a translation equal to the English text is a message
// left untranslated, unless testdata/same_as_english.txt lists it (a word
// the language shares with English, a product name).
func TestSameAsEnglish(t *testing.T) {
	raw, err := os.ReadFile("testdata/same_as_english.txt")
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string]bool{}
	for _, line := range strings.Split(string(raw), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			allowed[line] = true
		}
	}
	used := map[string]bool{}
	for set, dir := range catalogueSets {
		b, err := i18n.LoadFS(os.DirFS(dir), ".")
		if err != nil {
			t.Fatal(err)
		}
		en := b.Catalogue("en")
		for _, l := range b.Available() {
			if l.Tag == "en" {
				continue
			}
			for k, m := range b.Catalogue(l.Tag) {
				if !slices.Equal(m.Texts(), en[k].Texts()) {
					continue
				}
				line := set + " " + l.Tag + " " + k
				used[line] = true
				if !allowed[line] {
					t.Errorf("%s %s %q is the English text %q: translate it, or list it in testdata/same_as_english.txt", set, l.Tag, k, m.Texts())
				}
			}
		}
	}
	for line := range allowed {
		if !used[line] {
			t.Errorf("testdata/same_as_english.txt lists %q, which is translated now: remove the line", line)
		}
	}
}
