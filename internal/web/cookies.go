package web

import (
	"net/http"
	"time"
)

// Cookies names, reads and writes the cookies of one server, all alike:
// HttpOnly, SameSite=Lax, Path=/; when Secure (the server is reached over
// HTTPS) also Secure and named with the __Host- prefix, which the browser
// only accepts from this very host over HTTPS, so that no subdomain or
// plain-HTTP page can plant or overwrite them.
type Cookies struct {
	Secure bool
}

// Name returns the cookie name of base: "__Host-" + base when Secure.
func (c Cookies) Name(base string) string {
	if c.Secure {
		return "__Host-" + base
	}
	return base
}

// Get returns the value of the cookie base and whether the request has one
// (empty values and values over max bytes are taken as none).
func (c Cookies) Get(r *http.Request, base string, max int) (string, bool) {
	k, err := r.Cookie(c.Name(base))
	if err != nil || k.Value == "" || len(k.Value) > max {
		return "", false
	}
	return k.Value, true
}

// Set sets the cookie base to value for maxAge (a session cookie when
// maxAge is 0).
func (c Cookies) Set(w http.ResponseWriter, base, value string, maxAge time.Duration) {
	http.SetCookie(w, &http.Cookie{
		Name: c.Name(base), Value: value, Path: "/", MaxAge: int(maxAge.Seconds()),
		HttpOnly: true, Secure: c.Secure, SameSite: http.SameSiteLaxMode,
	})
}

// Delete removes the cookie base.
func (c Cookies) Delete(w http.ResponseWriter, base string) {
	http.SetCookie(w, &http.Cookie{
		Name: c.Name(base), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: c.Secure, SameSite: http.SameSiteLaxMode,
	})
}
