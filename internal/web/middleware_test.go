package web_test

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"eulogin/internal/i18n"
	"eulogin/internal/web"
)

// ok is a handler that answers 200 "ok".
var ok = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestChainOrder(t *testing.T) {
	var trace []string
	mark := func(name string) web.Middleware {
		return func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				trace = append(trace, name)
				next.ServeHTTP(w, r)
			})
		}
	}
	h := web.Chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { trace = append(trace, "h") }),
		mark("a"), mark("b"), mark("c"))
	serve(h, httptest.NewRequest("GET", "/", nil))
	if got := strings.Join(trace, ","); got != "a,b,c,h" {
		t.Errorf("order = %s, want a,b,c,h (first middleware outermost)", got)
	}

	if w := serve(web.Chain(ok), httptest.NewRequest("GET", "/", nil)); w.Body.String() != "ok" {
		t.Errorf("Chain without middleware: %q", w.Body.String())
	}
}

func TestRecoverer(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	fail := func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "Something went wrong", http.StatusInternalServerError)
	}
	rec := web.Recoverer(log, fail)

	t.Run("panic", func(t *testing.T) {
		logs.Reset()
		h := rec(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { panic("secret-value") }))
		w := serve(h, httptest.NewRequest("GET", "/boom", nil))
		if w.Code != http.StatusInternalServerError {
			t.Errorf("status = %d, want 500", w.Code)
		}
		body := w.Body.String()
		if !strings.Contains(body, "Something went wrong") {
			t.Errorf("body = %q, want the fail page", body)
		}
		for _, leak := range []string{"secret-value", "goroutine", "panic", ".go:"} {
			if strings.Contains(body, leak) {
				t.Errorf("body shows %q: %q", leak, body)
			}
		}
		l := logs.String()
		for _, want := range []string{"msg=panic", "path=/boom", "value=secret-value", "stack=", "middleware_test.go"} {
			if !strings.Contains(l, want) {
				t.Errorf("log lacks %q: %s", want, l)
			}
		}
	})

	t.Run("no panic", func(t *testing.T) {
		logs.Reset()
		w := serve(rec(ok), httptest.NewRequest("GET", "/", nil))
		if w.Code != http.StatusOK || w.Body.String() != "ok" || logs.Len() != 0 {
			t.Errorf("got %d %q, log %q", w.Code, w.Body.String(), logs.String())
		}
	})

	t.Run("abort handler", func(t *testing.T) {
		logs.Reset()
		h := rec(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { panic(http.ErrAbortHandler) }))
		defer func() {
			if v := recover(); v != http.ErrAbortHandler {
				t.Errorf("recovered %v, want http.ErrAbortHandler re-panicked", v)
			}
			if logs.Len() != 0 {
				t.Errorf("aborted request logged: %s", logs.String())
			}
		}()
		serve(h, httptest.NewRequest("GET", "/", nil))
	})

	t.Run("nil logger", func(t *testing.T) {
		h := web.Recoverer(nil, fail)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { panic("x") }))
		if w := serve(h, httptest.NewRequest("GET", "/", nil)); w.Code != http.StatusInternalServerError {
			t.Errorf("status = %d, want 500", w.Code)
		}
	})
}

func TestLanguageCookie(t *testing.T) {
	has := func(l string) bool { return l == "en" || l == "fr" }
	locale := func(r *http.Request) string {
		if l := r.URL.Query().Get("locale"); has(l) {
			return l
		}
		return ""
	}
	cases := []struct {
		name     string
		url      string
		fallback func(*http.Request) string
		secure   bool
		want     string // the cookie's value; "" for no cookie
	}{
		{"shipped", "/?lang=fr", nil, false, "fr"},
		{"secure", "/?lang=fr", nil, true, "fr"},
		{"not shipped", "/?lang=xx", nil, false, ""},
		{"none", "/", nil, false, ""},
		{"no fallback for locale", "/?locale=fr", nil, false, ""},
		{"fallback", "/?locale=fr", locale, false, "fr"},
		{"lang before fallback", "/?lang=en&locale=fr", locale, false, "en"},
		{"unknown lang hides fallback", "/?lang=xx&locale=fr", locale, false, ""},
		{"fallback checked too", "/?x=1", func(*http.Request) string { return "xx" }, false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var seen *http.Request
			next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = r })
			r := httptest.NewRequest("GET", c.url, nil)
			w := serve(web.LanguageCookie(has, c.secure, c.fallback)(next), r)
			if seen != r {
				t.Error("the next handler did not get the request unchanged")
			}
			cookies := w.Result().Cookies()
			if c.want == "" {
				if len(cookies) != 0 {
					t.Errorf("cookies = %v, want none", cookies)
				}
				return
			}
			if len(cookies) != 1 {
				t.Fatalf("cookies = %v, want one", cookies)
			}
			k := cookies[0]
			name := i18n.CookieName
			if c.secure {
				name = "__Host-" + name
			}
			if k.Name != name || k.Value != c.want || k.Path != "/" || k.MaxAge != 365*24*3600 ||
				!k.HttpOnly || k.Secure != c.secure || k.SameSite != http.SameSiteLaxMode {
				t.Errorf("cookie = %+v, want %s=%s Path=/ one year HttpOnly Secure=%v SameSite=Lax", k, name, c.want, c.secure)
			}
		})
	}
}

func TestCrossOrigin(t *testing.T) {
	deny := func(w http.ResponseWriter, r *http.Request) { http.Error(w, "refused", http.StatusForbidden) }
	h := web.CrossOrigin(deny, "POST /callback")(ok)
	cases := []struct {
		method, path, site string
		want               int
	}{
		{"POST", "/form", "cross-site", http.StatusForbidden},
		{"POST", "/form", "same-site", http.StatusForbidden},
		{"POST", "/form", "same-origin", http.StatusOK},
		{"POST", "/form", "", http.StatusOK}, // no browser headers: not a browser
		{"GET", "/form", "cross-site", http.StatusOK},
		{"POST", "/callback", "cross-site", http.StatusOK}, // bypass
		{"POST", "/callback/x", "cross-site", http.StatusForbidden},
	}
	for _, c := range cases {
		r := httptest.NewRequest(c.method, c.path, nil)
		if c.site != "" {
			r.Header.Set("Sec-Fetch-Site", c.site)
		}
		w := serve(h, r)
		if w.Code != c.want {
			t.Errorf("%s %s Sec-Fetch-Site=%q: %d, want %d", c.method, c.path, c.site, w.Code, c.want)
		}
		if c.want == http.StatusForbidden && !strings.Contains(w.Body.String(), "refused") {
			t.Errorf("%s %s: body %q, want the deny handler's", c.method, c.path, w.Body.String())
		}
	}

	// An Origin header that is not the request's host is refused too.
	r := httptest.NewRequest("POST", "http://example.eu/form", nil)
	r.Header.Set("Origin", "https://evil.example")
	if w := serve(h, r); w.Code != http.StatusForbidden {
		t.Errorf("foreign Origin: %d, want 403", w.Code)
	}
}

func TestMaxBytes(t *testing.T) {
	var readErr error
	h := web.MaxBytes(10)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, readErr = io.ReadAll(r.Body)
	}))
	serve(h, httptest.NewRequest("POST", "/", strings.NewReader("0123456789")))
	if readErr != nil {
		t.Errorf("10 bytes: %v", readErr)
	}
	serve(h, httptest.NewRequest("POST", "/", strings.NewReader("0123456789a")))
	var mbe *http.MaxBytesError
	if !errors.As(readErr, &mbe) || mbe.Limit != 10 {
		t.Errorf("11 bytes: %v, want *http.MaxBytesError with limit 10", readErr)
	}
}

func TestHeadersMiddleware(t *testing.T) {
	for _, hsts := range []bool{false, true} {
		w := serve(web.Headers(hsts)(ok), httptest.NewRequest("GET", "/", nil))
		if w.Header().Get("Content-Security-Policy") != web.CSP || w.Header().Get("X-Frame-Options") != "DENY" {
			t.Errorf("hsts=%v: headers %v", hsts, w.Header())
		}
		if got := w.Header().Get("Strict-Transport-Security") != ""; got != hsts {
			t.Errorf("hsts=%v: Strict-Transport-Security set = %v", hsts, got)
		}
	}
}
