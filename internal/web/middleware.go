package web

import (
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"eulogin/internal/i18n"
)

// Middleware wraps a handler in another that does something before, after or
// instead of it.
type Middleware = func(http.Handler) http.Handler

// Chain wraps h in the middleware mws, the first one outermost: a request
// passes through mws[0], then mws[1], and so on, before it reaches h.
// Chain(h, a, b) is a(b(h)).
func Chain(h http.Handler, mws ...Middleware) http.Handler {
	for i := len(mws) - 1; i >= 0; i-- {
		h = mws[i](h)
	}
	return h
}

// Recoverer turns a panic in the handler into an error page: the panic's
// value and stack go to log (nil: slog.Default()), and fail writes the
// response, which never shows either. fail must not panic itself.
//
// http.ErrAbortHandler is re-panicked: it is how a handler aborts a response
// on purpose, and the server handles it quietly.
func Recoverer(log *slog.Logger, fail func(http.ResponseWriter, *http.Request)) Middleware {
	if log == nil {
		log = slog.Default()
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				if v := recover(); v != nil {
					if v == http.ErrAbortHandler {
						panic(v)
					}
					log.Error("panic", "path", r.URL.Path, "value", v, "stack", string(debug.Stack()))
					fail(w, r)
				}
			}()
			next.ServeHTTP(w, r)
		})
	}
}

// LanguageCookie remembers an explicit language choice in the language
// cookie (i18n.CookieName, one year, as Cookies writes them), which later requests without a choice are shown in.
//
// The choice is the query parameter lang; when it is empty and fallback is
// not nil, fallback(r) (for example a parameter of another protocol). It is
// remembered only when has reports it as a shipped language; otherwise the
// request goes on without a cookie. The request itself is never changed.
func LanguageCookie(has func(string) bool, secure bool, fallback func(*http.Request) string) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			l := r.URL.Query().Get("lang")
			if l == "" && fallback != nil {
				l = fallback(r)
			}
			if l != "" && has(l) {
				Cookies{Secure: secure}.Set(w, i18n.CookieName, l, 365*24*time.Hour)
			}
			next.ServeHTTP(w, r)
		})
	}
}

// CrossOrigin refuses cross-origin unsafe requests (POST and the like from
// another site) with http.CrossOriginProtection; deny writes the response
// to a refused request. bypass lists ServeMux patterns that are let through
// whatever their origin, for server-to-server calls that carry no cookie;
// an invalid pattern panics, as in ServeMux.
func CrossOrigin(deny http.HandlerFunc, bypass ...string) Middleware {
	cop := http.NewCrossOriginProtection()
	for _, p := range bypass {
		cop.AddInsecureBypassPattern(p)
	}
	cop.SetDenyHandler(deny)
	return cop.Handler
}

// MaxBytes bounds every request body to n bytes (http.MaxBytesHandler):
// reading past it fails, and form parsing returns an error.
func MaxBytes(n int64) Middleware {
	return func(next http.Handler) http.Handler { return http.MaxBytesHandler(next, n) }
}

// Headers is SecureHeaders as a Middleware.
func Headers(hsts bool) Middleware {
	return func(next http.Handler) http.Handler { return SecureHeaders(next, hsts) }
}
