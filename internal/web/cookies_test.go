package web_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"eulogin/internal/web"
)

func TestCookies(t *testing.T) {
	for _, tt := range []struct {
		secure   bool
		wantName string
	}{
		{false, "flow"},
		{true, "__Host-flow"},
	} {
		c := web.Cookies{Secure: tt.secure}
		w := httptest.NewRecorder()
		c.Set(w, "flow", "v1", time.Hour)
		got := w.Result().Cookies()
		if len(got) != 1 {
			t.Fatalf("Set wrote %d cookies", len(got))
		}
		k := got[0]
		if k.Name != tt.wantName || k.Value != "v1" || k.Path != "/" || k.Domain != "" || !k.HttpOnly || k.Secure != tt.secure || k.SameSite != http.SameSiteLaxMode || k.MaxAge != 3600 {
			t.Errorf("Secure=%v: Set = %+v, want %s=v1, Path=/, HttpOnly, SameSite=Lax, Max-Age=3600", tt.secure, k, tt.wantName)
		}
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.AddCookie(&http.Cookie{Name: tt.wantName, Value: "v2"})
		if v, ok := c.Get(r, "flow", 10); !ok || v != "v2" {
			t.Errorf("Get = %q, %v, want v2", v, ok)
		}
		if _, ok := c.Get(r, "flow", 1); ok {
			t.Error("Get accepted a value longer than max")
		}
		// Over https, a cookie without the prefix (planted by a subdomain or
		// over plain http) is not read.
		plain := httptest.NewRequest(http.MethodGet, "/", nil)
		plain.AddCookie(&http.Cookie{Name: "flow", Value: "planted"})
		if _, ok := c.Get(plain, "flow", 10); ok == tt.secure {
			t.Errorf("Secure=%v: Get read the unprefixed cookie = %v", tt.secure, ok)
		}
		w = httptest.NewRecorder()
		c.Delete(w, "flow")
		if d := w.Result().Cookies()[0]; d.Name != tt.wantName || d.MaxAge != -1 {
			t.Errorf("Delete = %+v, want %s with Max-Age<0", d, tt.wantName)
		}
	}
}
