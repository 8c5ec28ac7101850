package eci_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"eulogin/internal/eci"
	"eulogin/internal/eci/rules"
	"eulogin/internal/i18n"
)

// TestCataloguesComplete fails when the portal lacks a catalogue in one of
// the 24 official languages, or when one lacks a key of the English one, has
// a key English lacks, changes a key's placeholders or lacks one of its
// language's plural forms.
func TestCataloguesComplete(t *testing.T) {
	b, err := eci.LoadBundle()
	if err != nil {
		t.Fatal(err)
	}
	en := b.Catalogue("en")
	for _, l := range i18n.EU {
		t.Run(l.Tag, func(t *testing.T) {
			cat := b.Catalogue(l.Tag)
			if cat == nil {
				t.Fatalf("no %s catalogue", l.Tag)
			}
			for _, p := range i18n.Check(l.Tag, en, cat) {
				t.Error(p)
			}
		})
	}
}

// TestGuideWords: the words of the seed guide, in its languages.
func TestGuideWords(t *testing.T) {
	b, err := eci.LoadBundle()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ lang, key, want string }{
		{"en", "landing.button", "Organiser account"},
		{"fr", "landing.button", "Compte organisateur"},
		{"ro", "landing.button", "Contul de organizator"},
		{"lv", "landing.button", "Organizatora konts"},
		{"en", "portal.name", "European Citizens' Initiative"},
		{"fr", "portal.name", "Initiative citoyenne européenne"},
		{"ro", "portal.name", "Inițiativa cetățenească europeană"},
		{"lv", "portal.name", "Eiropas pilsoņu iniciatīva"},
		{"en", "landing.title", "ECI organiser account"},
		{"fr", "landing.title", "Compte organisateur ICE"},
		{"ro", "landing.title", "Contul de organizator ICE"},
		{"lv", "landing.title", "EPI organizatora konts"},
		{"fr", "strength.password_sms", "Téléphone portable + SMS"},
		{"ro", "strength.password_sms", "Telefon mobil + SMS"},
		{"lv", "strength.password_sms", "Mobilais tālrunis + SMS"},
	} {
		if got := b.Localizer(tt.lang).T(tt.key); got != tt.want {
			t.Errorf("%s %s = %q, want %q", tt.lang, tt.key, got, tt.want)
		}
	}
	// Romanian is written with comma-below ș and ț, never the cedilla forms.
	for k, m := range b.Catalogue("ro") {
		if v := strings.Join(m.Texts(), " "); strings.ContainsAny(v, "şţŞŢ") {
			t.Errorf("ro %q uses a cedilla letter: %q", k, v)
		}
	}
}

// keyRE finds message keys of the portal written as string literals in its
// templates and Go code.
var keyRE = regexp.MustCompile(`"((?:frame|form|portal|nav|footer|dev|landing|dashboard|strength|signin|left|problem|info|initiative|member|group|funding|collection|review|invitation|history|mail|rule)\.[a-z_.0-9]+[a-z0-9])"`)

// TestUsedKeysExist scans the portal's templates and Go code, and the
// shared frame (package web), for message keys and fails when English lacks
// one: a page would show a raw key.
func TestUsedKeysExist(t *testing.T) {
	b, err := eci.LoadBundle()
	if err != nil {
		t.Fatal(err)
	}
	en := b.Catalogue("en")
	files, _ := filepath.Glob("*.go")
	webGo, _ := filepath.Glob("../web/*.go")
	tmpl, _ := filepath.Glob("templates/*.html")
	frame, _ := filepath.Glob("../web/templates/*.html")
	if len(tmpl) == 0 || len(frame) == 0 {
		t.Fatal("no templates found")
	}
	// The frame's development banner is for the IdP's dev outbox; the
	// portal never sets web.Page.Dev, so it needs neither key.
	skip := map[string]bool{"frame.dev_banner": true, "frame.outbox": true, "frame.my_account": true, "frame.step": true}
	found := map[string]bool{}
	for _, path := range slices.Concat(files, tmpl, frame, webGo) {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range keyRE.FindAllStringSubmatch(string(data), -1) {
			k := m[1]
			found[k] = true
			if skip[k] {
				continue
			}
			if _, ok := en[k]; !ok {
				t.Errorf("%s uses key %q, missing from en.json", path, k)
			}
		}
	}
	// Keys built at run time: the information pages.
	for _, name := range []string{"privacy", "accessibility", "help"} {
		if _, ok := en["info."+name+".title"]; !ok {
			t.Errorf("en.json lacks info.%s.title", name)
		}
	}
	// Keys built at run time: the rules' problems (checked against package
	// rules in TestRuleKeys), statuses, countries, categories, the counted
	// fields' hints and the history's field names.
	runtime := []string{"rule.", "status.", "country.", "category.", "initiative.hint_", "initiative.field_", "history.field_"}
	// Every key of the catalogue is used somewhere (or built at run time).
	for k := range en {
		if !found[k] && !strings.HasSuffix(k, ".title") && !slices.ContainsFunc(runtime, func(p string) bool { return strings.HasPrefix(k, p) }) {
			t.Errorf("en.json has key %q that nothing uses", k)
		}
	}
}

// TestRuleKeys: every problem, status, country and category the portal can
// show has its message in English (and so, by TestCataloguesComplete, in
// every language).
func TestRuleKeys(t *testing.T) {
	b, err := eci.LoadBundle()
	if err != nil {
		t.Fatal(err)
	}
	en := b.Catalogue("en")
	want := []string{
		"rule.member_unconfirmed", "rule.member_not_citizen", "rule.member_under_age", "rule.group_too_few",
		"rule.group_too_few_meps", "rule.group_too_few_countries", "rule.no_representative",
		"rule.no_substitute", "rule.same_contacts", "rule.missing_title", "rule.bad_website", "rule.bad_category",
		"rule.bad_language", "rule.missing_objectives", "rule.missing_treaty", "rule.missing_category",
		"rule.missing_language", "rule.collection_start_notice", "rule.collection_start_late",
		"country.OTHER", "history.field_created",
	}
	for _, f := range []string{"title", "objectives", "annex", "treaty", "website"} {
		want = append(want, "rule.too_long_"+f)
	}
	for _, f := range []string{"title", "objectives", "annex", "treaty"} {
		want = append(want, "initiative.hint_"+f)
	}
	for _, st := range []string{"DRAFT", "SUBMITTED", "REGISTERED", "PARTIALLY_REGISTERED", "REFUSED"} {
		want = append(want, "status."+st)
	}
	for _, c := range rules.Countries {
		want = append(want, "country."+c)
	}
	for _, c := range rules.Categories {
		want = append(want, "category."+c)
	}
	for _, k := range want {
		if _, ok := en[k]; !ok {
			t.Errorf("en.json lacks %q", k)
		}
	}
}
