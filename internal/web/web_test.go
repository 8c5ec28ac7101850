package web_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"

	"eulogin/internal/i18n"
	"eulogin/internal/web"
	"eulogin/internal/web/webtest"
)

func bundle(t *testing.T) *i18n.Bundle {
	b, err := i18n.LoadFS(fstest.MapFS{"l/en.json": {Data: []byte(`{"frame.skip":"Skip","frame.nav":"Nav","frame.language":"Language","frame.error_summary":"There is a problem","frame.error_prefix":"Error","frame.outbox":"Outbox","frame.dev_banner":"Dev","f.label":"Name","f.hint":"As in your passport"}`)}}, "l")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestForm(t *testing.T) {
	f := web.NewForm(url.Values{"name": {"  Ana  "}, "pw": {" secret "}, "box": {"1"}, "bad": {"\xff"}})
	if got := f.Get("name"); got != "Ana" {
		t.Errorf("Get = %q, want trimmed", got)
	}
	if got := f.Raw("pw"); got != " secret " {
		t.Errorf("Raw = %q, want untrimmed", got)
	}
	if !f.Checked("box") || f.Checked("nobox") {
		t.Error("Checked wrong")
	}
	if f.ValidUTF8() {
		t.Error("ValidUTF8 = true with \\xff")
	}
	f.Add("name", "first")
	f.Add("name", "second")
	if got := f.Err("name"); got != "first" || len(f.Errors) != 1 {
		t.Errorf("Err = %q (%d errors), want the first error only", got, len(f.Errors))
	}
	if got, want := f.Describe("name", true), "name-hint name-error"; got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
	if f.Valid() {
		t.Error("Valid = true with an error")
	}
}

func TestLangURL(t *testing.T) {
	p := &web.Page{Path: "/register", Query: url.Values{"lang": {"fr"}, "next": {"/a b"}}}
	u, err := url.Parse(p.LangURL("lv"))
	if err != nil {
		t.Fatal(err)
	}
	if u.Path != "/register" || u.Query().Get("lang") != "lv" || u.Query().Get("next") != "/a b" || len(u.Query()["lang"]) != 1 {
		t.Errorf("LangURL = %q, want the same page with lang=lv and next kept", u)
	}
}

func TestRenderFieldAndErrors(t *testing.T) {
	pages := fstest.MapFS{"p.html": {Data: []byte(`{{define "main"}}<form>{{template "input" (field . "name" "text" "f.label" "f.hint" "given-name" "maxlength=10")}}{{template "input" (field . "pw" "password" "f.label" "" "new-password")}}</form>{{end}}`)}}
	r, err := web.NewRenderer(pages, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	b := bundle(t)
	p := &web.Page{L: b.Localizer("en"), Service: "S", Title: "T", Path: "/p", Languages: b.Available(),
		Form: web.NewForm(url.Values{"name": {`<b>"x"`}, "pw": {"secret"}})}
	p.Form.Add("name", "Enter your name")
	w := httptest.NewRecorder()
	r.Render(w, http.StatusBadRequest, "p", p)
	body := w.Body.String()
	for _, want := range []string{
		`<html lang="en">`, `<title>T - S</title>`, `class="error-summary"`, `<a href="#name">Enter your name</a>`,
		`id="name-error"`, `aria-describedby="name-hint name-error"`, `aria-invalid="true"`, `value="&lt;b&gt;&#34;x&#34;"`, `maxlength="10"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if strings.Contains(body, "secret") {
		t.Error("a password value was echoed back")
	}
	if w.Code != http.StatusBadRequest || w.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("status %d cache %q", w.Code, w.Header().Get("Cache-Control"))
	}
	w = httptest.NewRecorder()
	r.Render(w, 200, "missing", p)
	if w.Code != http.StatusInternalServerError || strings.Contains(w.Body.String(), "missing") {
		t.Errorf("missing template: %d %q, want a plain 500", w.Code, w.Body.String())
	}
}

func TestSecureHeaders(t *testing.T) {
	h := web.SecureHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}), true)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	for k, want := range map[string]string{
		"Content-Security-Policy": "frame-ancestors 'none'", "X-Content-Type-Options": "nosniff",
		"Referrer-Policy": "no-referrer", "Strict-Transport-Security": "max-age=",
	} {
		if got := w.Header().Get(k); !strings.Contains(got, want) {
			t.Errorf("%s = %q, want it to contain %q", k, got, want)
		}
	}
	if csp := w.Header().Get("Content-Security-Policy"); strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP allows inline code: %q", csp)
	}
}

func TestStaticNoListing(t *testing.T) {
	h := http.StripPrefix("/static/", web.StaticHandler())
	for _, tc := range []struct {
		path string
		want int
	}{{"/static/", 404}, {"/static/css/", 404}, {"/static/css/eulogin.css", 200}} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", tc.path, nil))
		if w.Code != tc.want {
			t.Errorf("GET %s = %d, want %d", tc.path, w.Code, tc.want)
		}
	}
}

// TestOneAutofocus renders a form with an autofocus field: without errors
// the field has the focus; with errors the error summary has it, and only
// it, as the Nu HTML Checker wants a single autofocus per page.
func TestOneAutofocus(t *testing.T) {
	pages := fstest.MapFS{
		"_p.html": {Data: []byte(`{{define "description"}}{{t .L "f.hint"}}{{end}}`)},
		"p.html":  {Data: []byte(`{{define "main"}}<form>{{template "input" (field . "name" "text" "f.label" "" "given-name" "autofocus")}}{{template "input" (field . "other" "text" "f.label" "" "off")}}</form>{{end}}`)},
	}
	r, err := web.NewRenderer(pages, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	b := bundle(t)
	for _, tt := range []struct {
		name   string
		errors []string // fields in error
		want   string   // the element with autofocus
	}{
		{"no errors", nil, `<input id="name" name="name" class="input">`},
		{"error on the autofocus field", []string{"name"}, `<div class="error-summary">`},
		{"error on another field", []string{"other"}, `<div class="error-summary">`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := &web.Page{L: b.Localizer("en"), Service: "S", Title: "T", Path: "/p", Languages: b.Available(), Form: web.NewForm(nil)}
			for _, f := range tt.errors {
				p.Form.Add(f, "Fix it")
			}
			w := httptest.NewRecorder()
			r.Render(w, http.StatusOK, "p", p)
			var got []string
			for _, e := range webtest.Autofocused(w.Body.String()) {
				got = append(got, e.String())
			}
			if len(got) != 1 || got[0] != tt.want {
				t.Errorf("elements with autofocus = %q, want only %s", got, tt.want)
			}
			// The product's "description" partial fills the frame's meta
			// description.
			if got := webtest.MetaDescriptions(w.Body.String()); len(got) != 1 || got[0] != "As in your passport" {
				t.Errorf("meta descriptions = %q, want the product's one", got)
			}
		})
	}
}
