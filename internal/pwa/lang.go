package pwa

import (
	"bytes"
	"html"
	"io/fs"
	"net/http"
	"regexp"

	"eulogin/internal/i18n"
)

var (
	// htmlLang is the language of index.html as embedded (English).
	htmlLang = []byte(`<html lang="en">`)
	// i18nText is an element whose text is the message data-i18n names,
	// written without markup inside, as i18n.js expects.
	i18nText = regexp.MustCompile(`(data-i18n="([^"]+)"[^>]*>)([^<]*)<`)
	// i18nContent is the content attribute of an element (the meta
	// description) whose message data-i18n-content names, written right
	// after it.
	i18nContent = regexp.MustCompile(`(data-i18n-content="([^"]+)" content=")[^"]*"`)
)

// indexes holds index.html in every language of the app's catalogues, and
// picks one for a request.
type indexes struct {
	bundle *i18n.Bundle
	files  map[string]file // by language tag
}

// localize writes index (the embedded English page) in every language of
// the catalogues under i18n/ in fsys: the lang attribute, the text of
// every data-i18n element and the content of every data-i18n-content one,
// as i18n.js would set them, so that the page is in the reader's language
// before its script runs, and without it (the noscript message). A message
// with placeholders or plural forms is left in English for the script.
func localize(fsys fs.FS, index []byte) (*indexes, error) {
	b, err := i18n.LoadFS(fsys, "i18n")
	if err != nil {
		return nil, err
	}
	out := &indexes{bundle: b, files: map[string]file{}}
	for _, l := range b.Available() {
		cat := b.Catalogue(l.Tag)
		text := func(key, english string) string {
			m, ok := cat[key]
			if !ok || m.Plural() || len(i18n.Placeholders(m.Text)) > 0 {
				return english
			}
			return html.EscapeString(m.Text)
		}
		body := bytes.Replace(index, htmlLang, []byte(`<html lang="`+l.Tag+`">`), 1)
		body = i18nText.ReplaceAllFunc(body, func(m []byte) []byte {
			s := i18nText.FindSubmatch(m)
			return []byte(string(s[1]) + text(string(s[2]), string(s[3])) + "<")
		})
		body = i18nContent.ReplaceAllFunc(body, func(m []byte) []byte {
			s := i18nContent.FindSubmatch(m)
			english := string(bytes.TrimSuffix(m[len(s[1]):], []byte(`"`)))
			return []byte(string(s[1]) + text(string(s[2]), english) + `"`)
		})
		out.files[l.Tag] = newFile("index.html", body)
	}
	return out, nil
}

// pick returns the language of r, negotiated as the login service's pages
// are (the lang parameter, the language cookie, then the browser's
// preferences), and the page in it.
func (x *indexes) pick(r *http.Request) (string, file) {
	tag := x.bundle.FromRequest(r)
	return tag, x.files[tag]
}
