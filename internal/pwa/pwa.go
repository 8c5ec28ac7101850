package pwa

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"sort"
	"strings"
	"time"
)

//go:embed static
var static embed.FS

// Prefix is the URL path the app is served under.
const Prefix = "/app/"

// versionPlaceholder is replaced in sw.js by the version of the app's files.
const versionPlaceholder = "__EULOGIN_APP_VERSION__"

// contentType returns the type of a file of the app by its extension, or ""
// for an extension the app has no business serving.
func contentType(name string) string {
	switch path.Ext(name) {
	case ".html":
		return "text/html; charset=utf-8"
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
	case ".svg":
		return "image/svg+xml"
	}
	return ""
}

// Files returns the app's files rooted at the app's URL ("index.html",
// "app.js", "i18n/en.json", ...), as embedded (sw.js with its placeholder).
func Files() fs.FS {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	return sub
}

// file is one servable file, prepared once.
type file struct {
	body  []byte
	ctype string
	etag  string
}

// Handler serves the app under Prefix: "/app/" is index.html in the
// language negotiated as on the login service's pages, sw.js is sent with
// the service worker headers, every file is revalidated on each use
// (the service worker does the offline caching), and anything else —
// directories, unknown files, /app/v1/... — is 404.
func Handler() http.Handler {
	files, _ := load(Files())
	index, err := localize(Files(), files["index.html"].body)
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name, ok := strings.CutPrefix(r.URL.Path, Prefix)
		if !ok {
			http.NotFound(w, r)
			return
		}
		if name == "" {
			name = "index.html"
		}
		f, ok := files[name]
		if !ok {
			// Also refuses "v1/...", directories, "../x" and "a//b": only
			// the exact names of embedded files are keys.
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		if name == "index.html" {
			var lang string
			lang, f = index.pick(r)
			h.Set("Content-Language", lang)
			h.Set("Vary", "Accept-Language, Cookie")
		}
		h.Set("Content-Type", f.ctype)
		h.Set("Cache-Control", "no-cache")
		h.Set("ETag", f.etag)
		h.Set("X-Content-Type-Options", "nosniff")
		if name == "sw.js" {
			h.Set("Service-Worker-Allowed", Prefix)
		}
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(f.body))
	})
}

// load reads every servable file of fsys and writes the version, a hash of
// all of them, into sw.js. It returns the files and the version.
func load(fsys fs.FS) (map[string]file, string) {
	bodies := map[string][]byte{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if contentType(p) == "" {
			return nil
		}
		b, err := fs.ReadFile(fsys, p)
		bodies[p] = b
		return err
	})
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	names := make([]string, 0, len(bodies))
	for p := range bodies {
		names = append(names, p)
	}
	sort.Strings(names)
	sum := sha256.New()
	for _, p := range names {
		sum.Write([]byte(p))
		sum.Write([]byte{0})
		sum.Write(bodies[p])
		sum.Write([]byte{0})
	}
	version := hex.EncodeToString(sum.Sum(nil))[:16]
	if b, ok := bodies["sw.js"]; ok {
		bodies["sw.js"] = bytes.ReplaceAll(b, []byte(versionPlaceholder), []byte(version))
	}
	files := make(map[string]file, len(bodies))
	for p, b := range bodies {
		files[p] = newFile(p, b)
	}
	return files, version
}

// newFile prepares the file named name with its body.
func newFile(name string, body []byte) file {
	tag := sha256.Sum256(body)
	return file{body: body, ctype: contentType(name), etag: `"` + hex.EncodeToString(tag[:12]) + `"`}
}
