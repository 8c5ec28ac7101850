package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/text/language"
)

// Language is one of the 24 official languages of the EU.
type Language struct {
	Tag     string // ISO 639-1 code, e.g. "lv"
	Name    string // the language's name in itself, e.g. "Latviešu"
	English string // the language's name in English
}

// EU lists the 24 official EU languages in the order of their codes.
var EU = []Language{
	{"bg", "Български", "Bulgarian"},
	{"cs", "Čeština", "Czech"},
	{"da", "Dansk", "Danish"},
	{"de", "Deutsch", "German"},
	{"el", "Ελληνικά", "Greek"},
	{"en", "English", "English"},
	{"es", "Español", "Spanish"},
	{"et", "Eesti", "Estonian"},
	{"fi", "Suomi", "Finnish"},
	{"fr", "Français", "French"},
	{"ga", "Gaeilge", "Irish"},
	{"hr", "Hrvatski", "Croatian"},
	{"hu", "Magyar", "Hungarian"},
	{"it", "Italiano", "Italian"},
	{"lt", "Lietuvių", "Lithuanian"},
	{"lv", "Latviešu", "Latvian"},
	{"mt", "Malti", "Maltese"},
	{"nl", "Nederlands", "Dutch"},
	{"pl", "Polski", "Polish"},
	{"pt", "Português", "Portuguese"},
	{"ro", "Română", "Romanian"},
	{"sk", "Slovenčina", "Slovak"},
	{"sl", "Slovenščina", "Slovenian"},
	{"sv", "Svenska", "Swedish"},
}

// IsEU reports whether tag is one of the 24 official EU languages.
func IsEU(tag string) bool {
	for _, l := range EU {
		if l.Tag == tag {
			return true
		}
	}
	return false
}

// Default is the language used when nothing else matches.
const Default = "en"

// CookieName is the cookie that remembers the page language.
const CookieName = "lang"

//go:embed locales/*.json
var locales embed.FS

// Message is one entry of a catalogue: a plain text, or the plural forms
// of a text that contains a count.
type Message struct {
	Text  string            // the text of a plain message
	Forms map[string]string // CLDR plural category ("one", "few", ...) → text
	// Count names the argument whose number selects the plural form. Only
	// the English catalogue says it ("_count", or the message's single
	// placeholder); the other languages follow English.
	Count string
}

// Plural reports whether m has plural forms.
func (m Message) Plural() bool { return m.Forms != nil }

// Texts returns every text of m (the plain text, or each plural form).
func (m Message) Texts() []string {
	if m.Forms == nil {
		return []string{m.Text}
	}
	out := make([]string, 0, len(m.Forms))
	for _, c := range Categories {
		if s, ok := m.Forms[c]; ok {
			out = append(out, s)
		}
	}
	return out
}

// Catalogue is the messages of one language, by key.
type Catalogue map[string]Message

// ParseCatalogue reads a catalogue: a JSON object whose values are texts,
// or objects mapping CLDR plural categories to texts (with "_count"
// naming the selecting argument in English).
func ParseCatalogue(raw []byte) (Catalogue, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	cat := make(Catalogue, len(m))
	for k, v := range m {
		var s string
		if err := json.Unmarshal(v, &s); err == nil {
			cat[k] = Message{Text: s}
			continue
		}
		var forms map[string]string
		if err := json.Unmarshal(v, &forms); err != nil {
			return nil, fmt.Errorf("%q is neither a text nor plural forms", k)
		}
		msg := Message{Forms: forms, Count: forms["_count"]}
		delete(forms, "_count")
		for c := range forms {
			if !isCategory(c) {
				return nil, fmt.Errorf("%q: %q is not a plural category", k, c)
			}
		}
		if _, ok := forms["other"]; !ok {
			return nil, fmt.Errorf("%q has no \"other\" form", k)
		}
		cat[k] = msg
	}
	return cat, nil
}

// Bundle is a set of loaded catalogues.
type Bundle struct {
	cats      map[string]Catalogue
	available []Language
	matcher   language.Matcher
}

// Load reads the shipped catalogues.
func Load() (*Bundle, error) { return LoadFS(locales, "locales") }

// LoadFS reads every <tag>.json in dir of fsys. Each tag must be an EU
// language and "en" must be present.
func LoadFS(fsys fs.FS, dir string) (*Bundle, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("i18n: %w", err)
	}
	b := &Bundle{cats: map[string]Catalogue{}}
	for _, e := range entries {
		tag, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok {
			continue
		}
		if !IsEU(tag) {
			return nil, fmt.Errorf("i18n: catalogue %s is not an EU language", e.Name())
		}
		raw, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("i18n: %w", err)
		}
		cat, err := ParseCatalogue(raw)
		if err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", e.Name(), err)
		}
		b.cats[tag] = cat
	}
	en := b.cats[Default]
	if en == nil {
		return nil, fmt.Errorf("i18n: no %s catalogue", Default)
	}
	for k, m := range en {
		if !m.Plural() || m.Count != "" {
			continue
		}
		ph := Placeholders(m.Forms["other"])
		if len(ph) != 1 {
			return nil, fmt.Errorf("i18n: %s.json: plural %q has placeholders %v: name the count with \"_count\"", Default, k, ph)
		}
		m.Count = ph[0]
		en[k] = m
	}
	tags := []language.Tag{language.Make(Default)}
	for _, l := range EU {
		if b.cats[l.Tag] != nil {
			b.available = append(b.available, l)
			if l.Tag != Default {
				tags = append(tags, language.Make(l.Tag))
			}
		}
	}
	b.matcher = language.NewMatcher(tags)
	return b, nil
}

// Available lists the languages with a shipped catalogue, for the language
// switcher.
func (b *Bundle) Available() []Language { return b.available }

// Has reports whether a catalogue for tag is shipped.
func (b *Bundle) Has(tag string) bool { return b.cats[tag] != nil }

// Keys returns the keys of the reference catalogue, sorted.
func (b *Bundle) Keys() []string {
	keys := make([]string, 0, len(b.cats[Default]))
	for k := range b.cats[Default] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Catalogue returns the catalogue of tag (nil when not shipped).
func (b *Bundle) Catalogue(tag string) Catalogue { return b.cats[tag] }

// Negotiate picks the page language: the first of choice, cookie and the
// Accept-Language header that names a shipped catalogue, else English.
func (b *Bundle) Negotiate(choice, cookie, acceptLanguage string) string {
	for _, c := range []string{choice, cookie} {
		if c = strings.ToLower(strings.TrimSpace(c)); b.Has(c) {
			return c
		}
	}
	if acceptLanguage != "" {
		prefs, _, err := language.ParseAcceptLanguage(acceptLanguage)
		if err == nil && len(prefs) > 0 {
			_, idx, conf := b.matcher.Match(prefs...)
			if conf != language.No {
				if idx == 0 {
					return Default
				}
				return b.available[b.availableIndex(idx)].Tag
			}
		}
	}
	return Default
}

// availableIndex maps a matcher index (English first, then the others in
// EU order) to an index of b.available.
func (b *Bundle) availableIndex(matcherIdx int) int {
	n := 0
	for i, l := range b.available {
		if l.Tag == Default {
			continue
		}
		n++
		if n == matcherIdx {
			return i
		}
	}
	return 0
}

// FromRequest negotiates the page language of r: the lang query parameter,
// then the cookie, then Accept-Language.
func (b *Bundle) FromRequest(r *http.Request) string {
	// Over HTTPS the cookie carries the __Host- prefix (web.Cookies).
	cookie := ""
	for _, name := range []string{"__Host-" + CookieName, CookieName} {
		if c, err := r.Cookie(name); err == nil {
			cookie = c.Value
			break
		}
	}
	return b.Negotiate(r.URL.Query().Get("lang"), cookie, r.Header.Get("Accept-Language"))
}

// Localizer returns the translator for tag (English when not shipped).
func (b *Bundle) Localizer(tag string) *Localizer {
	cat := b.cats[tag]
	if cat == nil {
		tag, cat = Default, b.cats[Default]
	}
	return &Localizer{Lang: tag, cat: cat, fallback: b.cats[Default]}
}

// Localizer translates messages into one language.
type Localizer struct {
	Lang     string
	cat      Catalogue
	fallback Catalogue
}

// T returns the text of key with its placeholders filled from args, given as
// name, value pairs: T("mail.greeting", "name", "Ana"). A plural message
// takes the form that the language's rules give for its count argument. A
// key missing from the catalogue falls back to English, then to the key
// itself (which the catalogue tests prevent from shipping).
func (l *Localizer) T(key string, args ...any) string {
	m, ok := l.cat[key]
	lang := l.Lang
	if !ok {
		m, ok = l.fallback[key]
		lang = Default
		if !ok {
			return key
		}
	}
	s := m.Text
	if m.Plural() {
		s = m.Forms[l.form(key, lang, m, args)]
	}
	if len(args) == 0 || !strings.Contains(s, "{") {
		return s
	}
	pairs := make([]string, 0, len(args))
	for i := 0; i+1 < len(args); i += 2 {
		pairs = append(pairs, "{"+fmt.Sprint(args[i])+"}", fmt.Sprint(args[i+1]))
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// form returns the plural category of m to use for args: the language's
// rule for the count argument English names, "other" when it is missing or
// not a whole number, or when the catalogue lacks that form.
func (l *Localizer) form(key, lang string, m Message, args []any) string {
	count := l.fallback[key].Count
	for i := 0; i+1 < len(args); i += 2 {
		if fmt.Sprint(args[i]) != count {
			continue
		}
		n, err := strconv.Atoi(fmt.Sprint(args[i+1]))
		if err != nil {
			break
		}
		if c := PluralCategory(lang, n); m.Forms[c] != "" {
			return c
		}
		break
	}
	return "other"
}

// Forms returns the texts of key by plural category, unfilled, for a page
// script that picks the form itself (Intl.PluralRules): the plural forms
// of a plural message, or {"other": text} for a plain one.
func (l *Localizer) Forms(key string) map[string]string {
	m, ok := l.cat[key]
	if !ok {
		m = l.fallback[key]
	}
	if m.Plural() {
		return m.Forms
	}
	return map[string]string{"other": m.Text}
}

// Has reports whether the localizer's catalogue (or English) has key.
func (l *Localizer) Has(key string) bool {
	_, ok := l.cat[key]
	if !ok {
		_, ok = l.fallback[key]
	}
	return ok
}

// Placeholders returns the names of the {placeholders} in s, sorted.
func Placeholders(s string) []string {
	var out []string
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			break
		}
		out = append(out, s[i+1:i+j])
		s = s[i+j+1:]
	}
	sort.Strings(out)
	return out
}
