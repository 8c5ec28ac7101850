package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"eulogin/internal/i18n"
)

//go:embed templates
var frame embed.FS

//go:embed static
var static embed.FS

// Static returns the static files (css, js, img) rooted at "static".
func Static() fs.FS {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	return sub
}

// Page is the data every page template receives.
type Page struct {
	L         *i18n.Localizer
	Service   string // the service name shown in the header and <title>
	HomeURL   string // where the service name links to
	Title     string // the page's purpose, already translated; starts <title>
	Path      string // the current path, for the language switcher
	Query     url.Values
	Languages []i18n.Language
	Step      string // "Step 2 of 3" when in a multi-step flow, translated
	Form      *Form  // values and errors of the page's form, never nil
	Flash     string // a translated confirmation shown above the heading
	Dev       bool   // development mode: a banner says e-mails go to the dev outbox
	SignedIn  bool
	UserName  string
	Nav       []NavLink // header links (My Account, Log out...)
	Footer    []NavLink
	Data      any // page-specific data
}

// NavLink is a link of the header or footer.
type NavLink struct {
	Label string
	URL   string
}

// LangURL returns the current page's URL with lang set to tag.
func (p *Page) LangURL(tag string) string {
	q := url.Values{}
	for k, v := range p.Query {
		if k != "lang" {
			q[k] = v
		}
	}
	q.Set("lang", tag)
	return p.Path + "?" + q.Encode()
}

// LanguageName returns the current language's own name.
func (p *Page) LanguageName() string {
	for _, l := range p.Languages {
		if l.Tag == p.L.Lang {
			return l.Name
		}
	}
	return p.L.Lang
}

// Renderer executes page templates inside the shared frame.
type Renderer struct {
	pages  map[string]*template.Template
	Logger *slog.Logger
}

// Funcs are the template functions available to every page.
func Funcs() template.FuncMap {
	return template.FuncMap{
		"t": func(l *i18n.Localizer, key string, args ...any) string { return l.T(key, args...) },
		"date": func(l *i18n.Localizer, t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return l.Time(t)
		},
		"day": func(l *i18n.Localizer, t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return l.Date(t, i18n.Zone(l.Lang))
		},
		"join": strings.Join,
		"list": func(v ...any) []any { return v },
		"field": func(p *Page, name, typ, labelKey, hintKey, autocomplete string, opts ...string) *Field {
			return NewField(p, name, typ, labelKey, hintKey, autocomplete, opts...)
		},
	}
}

// NewRenderer parses the frame together with every *.html page of pages (a
// page's name is its file name without .html; files starting with "_" are
// partials available to every page).
func NewRenderer(pages fs.FS, logger *slog.Logger) (*Renderer, error) {
	r := &Renderer{pages: map[string]*template.Template{}, Logger: logger}
	base, err := template.New("frame").Funcs(Funcs()).ParseFS(frame, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: parse frame: %w", err)
	}
	names, err := fs.Glob(pages, "*.html")
	if err != nil {
		return nil, err
	}
	// Files whose name starts with "_" hold partials shared by every page.
	var partials []string
	for _, n := range names {
		if strings.HasPrefix(n, "_") {
			partials = append(partials, n)
		}
	}
	if len(partials) > 0 {
		if base, err = base.ParseFS(pages, partials...); err != nil {
			return nil, fmt.Errorf("web: parse partials: %w", err)
		}
	}
	for _, n := range names {
		if strings.HasPrefix(n, "_") {
			continue
		}
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := t.ParseFS(pages, n); err != nil {
			return nil, fmt.Errorf("web: parse %s: %w", n, err)
		}
		r.pages[strings.TrimSuffix(path.Base(n), ".html")] = t
	}
	return r, nil
}

// Has reports whether a page template exists.
func (r *Renderer) Has(name string) bool { return r.pages[name] != nil }

// Render writes page name with status. Rendering goes to a buffer first so a
// template error becomes a clean 500, never half a page.
func (r *Renderer) Render(w http.ResponseWriter, status int, name string, p *Page) {
	t := r.pages[name]
	if t == nil {
		r.Logger.Error("missing page template", "page", name)
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}
	if p.Form == nil {
		p.Form = NewForm(nil)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		r.Logger.Error("render page", "page", name, "err", err)
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// RenderString executes a named template of page name into a string, for
// e-mail bodies.
func (r *Renderer) RenderString(name, tmpl string, data any) (string, error) {
	t := r.pages[name]
	if t == nil {
		return "", fmt.Errorf("web: no template %s", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, tmpl, data); err != nil {
		return "", fmt.Errorf("web: render %s/%s: %w", name, tmpl, err)
	}
	return buf.String(), nil
}
