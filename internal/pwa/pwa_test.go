package pwa_test

import (
	"bytes"
	"encoding/json"
	"image/png"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"eulogin/internal/pwa"
	"eulogin/internal/web"
)

// get serves one request through the app's handler.
func get(t *testing.T, h http.Handler, method, target string, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, target, nil)
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := fs.ReadFile(pwa.Files(), name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// wantType is the Content-Type each kind of file must be served with.
func wantType(p string) string {
	switch path.Ext(p) {
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".json":
		return "application/json"
	case ".webmanifest":
		return "application/manifest+json"
	case ".png":
		return "image/png"
	}
	return "text/html; charset=utf-8" // "/app/"
}

// shell returns the precache list of sw.js.
func shell(t *testing.T) []string {
	t.Helper()
	src := readFile(t, "sw.js")
	m := regexp.MustCompile(`(?s)const SHELL = \[(.*?)\];`).FindStringSubmatch(src)
	if m == nil {
		t.Fatal("sw.js has no SHELL list")
	}
	var out []string
	for _, q := range regexp.MustCompile(`"([^"]+)"`).FindAllStringSubmatch(m[1], -1) {
		out = append(out, q[1])
	}
	if len(out) == 0 {
		t.Fatal("sw.js SHELL list is empty")
	}
	return out
}

type manifest struct {
	ID, Name, ShortName, StartURL, Scope, Display, ThemeColor, BackgroundColor string
	Icons                                                                      []struct {
		Src, Sizes, Type, Purpose string
	}
}

func readManifest(t *testing.T) manifest {
	t.Helper()
	var m manifest
	dec := json.NewDecoder(strings.NewReader(readFile(t, "manifest.webmanifest")))
	// The manifest's keys are snake_case; map them by hand.
	var raw map[string]json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		t.Fatalf("manifest.webmanifest: %v", err)
	}
	str := func(k string) string {
		var s string
		if v, ok := raw[k]; ok {
			if err := json.Unmarshal(v, &s); err != nil {
				t.Fatalf("manifest %s: %v", k, err)
			}
		}
		return s
	}
	m.ID, m.Name, m.ShortName, m.StartURL, m.Scope = str("id"), str("name"), str("short_name"), str("start_url"), str("scope")
	m.Display, m.ThemeColor, m.BackgroundColor = str("display"), str("theme_color"), str("background_color")
	if err := json.Unmarshal(raw["icons"], &m.Icons); err != nil {
		t.Fatalf("manifest icons: %v", err)
	}
	return m
}

// TestPrecachedFilesServed checks that every file the service worker
// precaches and the manifest names is served with its type, and that the
// precache list is the whole app, so that it works offline.
func TestPrecachedFilesServed(t *testing.T) {
	h := pwa.Handler()
	urls := shell(t)
	for _, ic := range readManifest(t).Icons {
		urls = append(urls, "/app/"+ic.Src)
	}
	for _, u := range urls {
		t.Run(u, func(t *testing.T) {
			if p, ok := strings.CutPrefix(u, "/static/"); ok {
				// The IdP's shared files, served by package web.
				if _, err := fs.Stat(web.Static(), p); err != nil {
					t.Errorf("%s is precached but not in web.Static(): %v", u, err)
				}
				return
			}
			w := get(t, h, "GET", u, nil)
			if w.Code != http.StatusOK {
				t.Fatalf("GET %s = %d, want 200", u, w.Code)
			}
			if got, want := w.Header().Get("Content-Type"), wantType(u); got != want {
				t.Errorf("GET %s Content-Type = %q, want %q", u, got, want)
			}
			if got := w.Header().Get("Cache-Control"); got != "no-cache" {
				t.Errorf("GET %s Cache-Control = %q, want no-cache", u, got)
			}
			if w.Body.Len() == 0 {
				t.Errorf("GET %s: empty body", u)
			}
		})
	}

	// Every file of the app but the worker itself is precached.
	err := fs.WalkDir(pwa.Files(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || p == "sw.js" {
			return err
		}
		u := "/app/" + p
		if p == "index.html" {
			u = "/app/"
		}
		if !slices.Contains(urls, u) {
			t.Errorf("%s is not in the service worker's SHELL list: the app would break offline", u)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestServiceWorker checks the worker's headers and that the server wrote
// the version of the files into it.
func TestServiceWorker(t *testing.T) {
	w := get(t, pwa.Handler(), "GET", "/app/sw.js", nil)
	if w.Code != http.StatusOK {
		t.Fatalf("GET /app/sw.js = %d", w.Code)
	}
	for k, want := range map[string]string{
		"Cache-Control":          "no-cache",
		"Service-Worker-Allowed": "/app/",
		"Content-Type":           "text/javascript; charset=utf-8",
		"X-Content-Type-Options": "nosniff",
	} {
		if got := w.Header().Get(k); got != want {
			t.Errorf("sw.js %s = %q, want %q", k, got, want)
		}
	}
	body := w.Body.String()
	if strings.Contains(body, "__EULOGIN_APP_VERSION__") {
		t.Error("sw.js is served with its version placeholder")
	}
	if !regexp.MustCompile(`const VERSION = "[0-9a-f]{16}";`).MatchString(body) {
		t.Error("sw.js is served without a 16-hex-digit version")
	}
	if w := get(t, pwa.Handler(), "GET", "/app/app.js", nil); w.Header().Get("Service-Worker-Allowed") != "" {
		t.Error("app.js has a Service-Worker-Allowed header")
	}
}

// TestNotServed checks that the handler serves the app's files and nothing
// else: not the API, no directory, no traversal, no other method.
func TestNotServed(t *testing.T) {
	h := pwa.Handler()
	for _, tc := range []struct {
		method, target string
		want           int
	}{
		{"GET", "/app/v1/x", http.StatusNotFound},
		{"GET", "/app/v1/", http.StatusNotFound},
		{"GET", "/app/v1/nonce", http.StatusNotFound},
		{"GET", "/app/i18n/", http.StatusNotFound},
		{"GET", "/app/i18n", http.StatusNotFound},
		{"GET", "/app/icons/", http.StatusNotFound},
		{"GET", "/app/../pwa.go", http.StatusNotFound},
		{"GET", "/app/%2e%2e/pwa.go", http.StatusNotFound},
		{"GET", "/app/..%2fpwa.go", http.StatusNotFound},
		{"GET", "/app/i18n/../sw.js", http.StatusNotFound},
		{"GET", "/app//sw.js", http.StatusNotFound},
		{"GET", "/app/./sw.js", http.StatusNotFound},
		{"GET", "/app/static/index.html", http.StatusNotFound},
		{"GET", "/app/genicons.go", http.StatusNotFound},
		{"GET", "/app/nope.js", http.StatusNotFound},
		{"GET", "/app/APP.JS", http.StatusNotFound},
		{"GET", "/static/css/eulogin.css", http.StatusNotFound},
		{"POST", "/app/", http.StatusMethodNotAllowed},
		{"GET", "/app/", http.StatusOK},
		{"HEAD", "/app/app.js", http.StatusOK},
	} {
		t.Run(tc.method+" "+tc.target, func(t *testing.T) {
			if got := get(t, h, tc.method, tc.target, nil).Code; got != tc.want {
				t.Errorf("%s %s = %d, want %d", tc.method, tc.target, got, tc.want)
			}
		})
	}
}

// TestMountedBesideAPI mounts the handler as the IdP's routes.go does (the
// API on the outer mux, the pages with the app on an inner one) and checks
// that /app/v1/ stays the API's. ("GET /app/" and "/app/v1/" on one mux
// would panic: neither pattern is more specific than the other.)
func TestMountedBesideAPI(t *testing.T) {
	pages := http.NewServeMux()
	pages.Handle("GET /app/", pwa.Handler())
	outer := http.NewServeMux()
	outer.Handle("/app/v1/", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusTeapot)
	}))
	outer.Handle("/", pages)
	for target, want := range map[string]int{
		"/app/":           http.StatusOK,
		"/app/v1/nonce":   http.StatusTeapot,
		"/app/sw.js":      http.StatusOK,
		"/app/v1/enrol/x": http.StatusTeapot,
	} {
		if got := get(t, outer, "GET", target, nil).Code; got != want {
			t.Errorf("GET %s = %d, want %d", target, got, want)
		}
	}
	if w := get(t, outer, "GET", "/app", nil); w.Code/100 != 3 || w.Header().Get("Location") != "/app/" {
		t.Errorf("GET /app = %d to %q, want a redirect to /app/", w.Code, w.Header().Get("Location"))
	}
}

// TestRevalidation checks the ETag: an unchanged file costs a 304.
func TestRevalidation(t *testing.T) {
	h := pwa.Handler()
	w := get(t, h, "GET", "/app/app.js", nil)
	etag := w.Header().Get("ETag")
	if etag == "" {
		t.Fatal("app.js has no ETag")
	}
	if got := get(t, h, "GET", "/app/app.js", map[string]string{"If-None-Match": etag}).Code; got != http.StatusNotModified {
		t.Errorf("GET with If-None-Match = %d, want 304", got)
	}
	if other := get(t, h, "GET", "/app/api.js", nil).Header().Get("ETag"); other == etag {
		t.Error("two files share an ETag")
	}
}

// TestManifest checks the manifest's fields and that its icons are PNGs of
// the sizes it states.
func TestManifest(t *testing.T) {
	m := readManifest(t)
	if m.StartURL != "/app/" || m.Scope != "/app/" || m.ID != "/app/" {
		t.Errorf("start_url, scope, id = %q, %q, %q; want /app/", m.StartURL, m.Scope, m.ID)
	}
	if m.Name != "EU Login" || m.ShortName == "" || m.Display != "standalone" || m.ThemeColor == "" || m.BackgroundColor == "" {
		t.Errorf("manifest = %+v; want name EU Login, a short_name, display standalone, colours", m)
	}
	h := pwa.Handler()
	sizes := map[string]bool{}
	maskable := false
	for _, ic := range m.Icons {
		w := get(t, h, "GET", "/app/"+ic.Src, nil)
		if w.Code != http.StatusOK {
			t.Errorf("icon %s = %d", ic.Src, w.Code)
			continue
		}
		img, err := png.Decode(bytes.NewReader(w.Body.Bytes()))
		if err != nil {
			t.Errorf("icon %s: %v", ic.Src, err)
			continue
		}
		b := img.Bounds()
		if got := strings.Join([]string{itoa(b.Dx()), itoa(b.Dy())}, "x"); got != ic.Sizes {
			t.Errorf("icon %s is %s, manifest says %s", ic.Src, got, ic.Sizes)
		}
		if ic.Type != "image/png" {
			t.Errorf("icon %s type = %q", ic.Src, ic.Type)
		}
		if ic.Purpose == "maskable" {
			maskable = true
		} else {
			sizes[ic.Sizes] = true
		}
	}
	if !sizes["192x192"] || !sizes["512x512"] || !maskable {
		t.Errorf("icons: any-purpose sizes %v, maskable %v; want 192x192, 512x512 and a maskable one", sizes, maskable)
	}
}

func itoa(n int) string {
	var b []byte
	for {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
		if n == 0 {
			return string(b)
		}
	}
}

// TestIndexReferences checks that index.html loads only files that exist,
// from this origin, and that the JavaScript modules import only files that
// exist.
func TestIndexReferences(t *testing.T) {
	h := pwa.Handler()
	index := readFile(t, "index.html")
	tags := regexp.MustCompile(`<(?:link|script|img)\b[^>]*?\s(?:href|src)="([^"]+)"`).FindAllStringSubmatch(index, -1)
	if len(tags) < 4 {
		t.Fatalf("index.html loads %d resources; the test's pattern is broken", len(tags))
	}
	for _, m := range tags {
		ref := m[1]
		switch {
		case strings.HasPrefix(ref, "/static/"):
			if _, err := fs.Stat(web.Static(), strings.TrimPrefix(ref, "/static/")); err != nil {
				t.Errorf("index.html loads %s: %v", ref, err)
			}
		case strings.Contains(ref, ":") || strings.HasPrefix(ref, "/"):
			t.Errorf("index.html loads %s, outside the app", ref)
		default:
			if w := get(t, h, "GET", "/app/"+ref, nil); w.Code != http.StatusOK {
				t.Errorf("index.html loads %s: %d", ref, w.Code)
			}
		}
	}
	imports := regexp.MustCompile(`(?m)^import\b[^;]*?from "\./([^"]+)";`)
	err := fs.WalkDir(pwa.Files(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || path.Ext(p) != ".js" {
			return err
		}
		for _, m := range imports.FindAllStringSubmatch(readFile(t, p), -1) {
			if _, err := fs.Stat(pwa.Files(), m[1]); err != nil {
				t.Errorf("%s imports %s: %v", p, m[1], err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestElementIDs checks that every element app.js looks up by a literal id
// exists in index.html.
func TestElementIDs(t *testing.T) {
	index := readFile(t, "index.html")
	ids := map[string]bool{}
	for _, m := range regexp.MustCompile(`\sid="([^"]+)"`).FindAllStringSubmatch(index, -1) {
		if ids[m[1]] {
			t.Errorf("index.html has id %q twice", m[1])
		}
		ids[m[1]] = true
	}
	used := regexp.MustCompile(`\$\("([A-Za-z0-9_-]+)"\)`).FindAllStringSubmatch(readFile(t, "app.js"), -1)
	if len(used) < 20 {
		t.Fatalf("app.js looks up %d ids; the test's pattern is broken", len(used))
	}
	for _, m := range used {
		if !ids[m[1]] {
			t.Errorf("app.js uses #%s, which index.html lacks", m[1])
		}
	}
}

// TestContentSecurity checks the rules that let the IdP's CSP (script,
// style and connect 'self', no inline) hold, and that network data never
// reaches an HTML parser.
func TestContentSecurity(t *testing.T) {
	index := readFile(t, "index.html")
	for _, m := range regexp.MustCompile(`(?s)<script\b([^>]*)>(.*?)</script>`).FindAllStringSubmatch(index, -1) {
		if !strings.Contains(m[1], ` src="`) || strings.TrimSpace(m[2]) != "" {
			t.Errorf("index.html has an inline script: %q", m[0])
		}
	}
	for _, s := range regexp.MustCompile(`<script\b[^>]*>`).FindAllString(index, -1) {
		if !strings.Contains(s, `type="module"`) {
			t.Errorf("index.html: script %s is not a module", s)
		}
	}
	for name, re := range map[string]*regexp.Regexp{
		"<style> element": regexp.MustCompile(`(?i)<style\b`),
		"style attribute": regexp.MustCompile(`(?i)\sstyle\s*=`),
		"event attribute": regexp.MustCompile(`(?i)\son[a-z]+\s*=`),
		"javascript: URL": regexp.MustCompile(`(?i)javascript:`),
	} {
		if re.MatchString(index) {
			t.Errorf("index.html has a %s", name)
		}
	}

	forbidden := map[string]*regexp.Regexp{
		"innerHTML/outerHTML":      regexp.MustCompile(`\.(inner|outer)HTML\b`),
		"insertAdjacentHTML":       regexp.MustCompile(`insertAdjacentHTML`),
		"document.write":           regexp.MustCompile(`document\.write`),
		"eval or Function":         regexp.MustCompile(`\beval\s*\(|new\s+Function\s*\(`),
		"style attribute":          regexp.MustCompile(`setAttribute\(\s*["']style["']|\.style\.|\.style\s*=`),
		"string timer":             regexp.MustCompile(`set(Timeout|Interval)\(\s*["'\x60]`),
		"script or style creation": regexp.MustCompile(`createElement\(\s*["'](script|style|iframe)["']`),
	}
	absolute := regexp.MustCompile(`(?i)\bhttps?://`)
	err := fs.WalkDir(pwa.Files(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) == ".png" {
			return err
		}
		src := readFile(t, p)
		if loc := absolute.FindStringIndex(src); loc != nil {
			t.Errorf("%s names an absolute URL (%q): the app uses only its own origin", p, src[loc[0]:min(len(src), loc[1]+30)])
		}
		if path.Ext(p) == ".js" {
			for name, re := range forbidden {
				if re.MatchString(src) {
					t.Errorf("%s uses %s", p, name)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestVersionFollowsFiles checks that the worker's version changes with any
// file of the app, so a change installs a new worker and a fresh cache.
func TestVersionFollowsFiles(t *testing.T) {
	sw := []byte(`const VERSION = "__EULOGIN_APP_VERSION__";`)
	version := func(files map[string]string) string {
		fsys := fstest.MapFS{"sw.js": {Data: sw}}
		for k, v := range files {
			fsys[k] = &fstest.MapFile{Data: []byte(v)}
		}
		return pwa.VersionOf(fsys)
	}
	a := version(map[string]string{"app.js": "1", "i18n/en.json": "{}"})
	b := version(map[string]string{"app.js": "1", "i18n/en.json": "{ }"})
	c := version(map[string]string{"app.js": "1", "i18n/en.json": "{}"})
	if a == b {
		t.Errorf("version %s did not change with a catalogue", a)
	}
	if a != c {
		t.Errorf("version %s != %s for the same files", a, c)
	}
}
