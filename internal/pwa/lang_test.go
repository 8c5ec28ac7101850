package pwa_test

import (
	"net/http"
	"testing"

	"eulogin/internal/i18n"
	"eulogin/internal/pwa"
	"eulogin/internal/web/webtest"
)

// TestIndexLanguage checks that /app/ comes in the language negotiated as
// on the login service's pages, so that it reads right before the script
// runs, and without it (issue 19: it was always lang="en" with an English
// noscript message).
func TestIndexLanguage(t *testing.T) {
	h := pwa.Handler()
	for _, tt := range []struct {
		name   string
		target string
		hdr    map[string]string
		want   string
	}{
		{"nothing", "/app/", nil, "en"},
		{"Accept-Language", "/app/", map[string]string{"Accept-Language": "fr-BE,fr;q=0.9,en;q=0.5"}, "fr"},
		{"Accept-Language without an EU language", "/app/", map[string]string{"Accept-Language": "ja,zh;q=0.8"}, "en"},
		{"cookie over Accept-Language", "/app/", map[string]string{"Accept-Language": "fr", "Cookie": "lang=lv"}, "lv"},
		{"secure cookie", "/app/", map[string]string{"Cookie": "__Host-lang=ro"}, "ro"},
		{"parameter over cookie", "/app/?lang=mt", map[string]string{"Cookie": "lang=lv"}, "mt"},
		{"index.html by name", "/app/index.html", map[string]string{"Accept-Language": "ga"}, "ga"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := get(t, h, "GET", tt.target, tt.hdr)
			if w.Code != http.StatusOK {
				t.Fatalf("GET %s = %d", tt.target, w.Code)
			}
			if got := webtest.Lang(w.Body.String()); got != tt.want {
				t.Errorf("<html lang=%q>, want %q", got, tt.want)
			}
			if got := w.Header().Get("Content-Language"); got != tt.want {
				t.Errorf("Content-Language = %q, want %q", got, tt.want)
			}
			if got := w.Header().Get("Vary"); got != "Accept-Language, Cookie" {
				t.Errorf("Vary = %q, want Accept-Language, Cookie", got)
			}
		})
	}
	if w := get(t, h, "GET", "/app/app.js", map[string]string{"Accept-Language": "fr"}); w.Header().Get("Vary") != "" || w.Header().Get("Content-Language") != "" {
		t.Errorf("app.js has Vary %q and Content-Language %q; only the page varies", w.Header().Get("Vary"), w.Header().Get("Content-Language"))
	}
}

// TestIndexTranslated checks the page in every language: each data-i18n
// element (the noscript message too), the title and the description carry
// the catalogue's text, as i18n.js would set them.
func TestIndexTranslated(t *testing.T) {
	h := pwa.Handler()
	cats := catalogues(t)
	etags := map[string]string{}
	for _, l := range i18n.EU {
		t.Run(l.Tag, func(t *testing.T) {
			w := get(t, h, "GET", "/app/?lang="+l.Tag, nil)
			body := w.Body.String()
			cat := cats[l.Tag]
			n := 0
			for _, e := range webtest.Find(body, func(e webtest.Element) bool { return e.Has("data-i18n") }) {
				n++
				key := e.Attrs["data-i18n"]
				if got, want := webtest.Text(body, e), cat[key].Text; got != want {
					t.Errorf("%v %s = %q, want %q", e, key, got, want)
				}
			}
			if n < 60 {
				t.Errorf("%d translated elements, want all of index.html's", n)
			}
			if got, want := webtest.MetaDescriptions(body), cat["frame.description"].Text; len(got) != 1 || got[0] != want {
				t.Errorf("meta descriptions %q, want [%q]", got, want)
			}
			etags[l.Tag] = w.Header().Get("ETag")
			// An unchanged page in the same language costs a 304.
			if got := get(t, h, "GET", "/app/?lang="+l.Tag, map[string]string{"If-None-Match": etags[l.Tag]}).Code; got != http.StatusNotModified {
				t.Errorf("GET with the page's ETag = %d, want 304", got)
			}
		})
	}
	seen := map[string]string{}
	for tag, etag := range etags {
		if other, ok := seen[etag]; ok {
			t.Errorf("%s and %s share the ETag %s", tag, other, etag)
		}
		seen[etag] = tag
	}
}
