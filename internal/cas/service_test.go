package cas_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"eulogin/internal/cas"
	"eulogin/internal/store/storetest"
)

func registry() *cas.Registry {
	return &cas.Registry{Services: []*cas.Service{
		{ID: "portal", Name: "Portal", Patterns: []string{"https://portal.example.org/*"}},
		{ID: "admin", Name: "Admin", Patterns: []string{"https://portal.example.org/admin/*"}},
		{ID: "exact", Name: "Exact", Patterns: []string{"https://portal.example.org/exact"}},
		{ID: "dev", Name: "Dev", Patterns: []string{"http://127.0.0.1:8081/*"}},
		{ID: "host", Name: "Any path", Patterns: []string{"https://app.example.org*"}},
	}}
}

func TestMatch(t *testing.T) {
	reg := registry()
	for _, tc := range []struct {
		name, url, want string // want "" = no match
	}{
		{"prefix", "https://portal.example.org/login", "portal"},
		{"prefix root", "https://portal.example.org/", "portal"},
		{"empty path is the root", "https://portal.example.org", "portal"},
		{"query kept", "https://portal.example.org/x?a=1&b=2", "portal"},
		{"longer prefix wins", "https://portal.example.org/admin/users", "admin"},
		{"exact wins over prefix", "https://portal.example.org/exact", "exact"},
		{"exact with a query", "https://portal.example.org/exact?x=1", "exact"},
		{"exact is not a prefix", "https://portal.example.org/exactly", "portal"},
		{"host case", "https://PORTAL.Example.ORG/x", "portal"},
		{"scheme case", "HTTPS://portal.example.org/x", "portal"},
		{"default port", "https://portal.example.org:443/x", "portal"},
		{"dev port", "http://127.0.0.1:8081/dashboard", "dev"},
		{"host pattern without a path", "https://app.example.org/any/where", "host"},

		{"evil suffix host", "https://portal.example.org.evil.com/", ""},
		{"evil user info", "https://portal.example.org@evil.com/", ""},
		{"evil user info with port", "https://portal.example.org:443@evil.com/", ""},
		{"evil fragment", "https://evil.com#@portal.example.org/", ""},
		{"evil fragment on our host", "https://portal.example.org/#x", ""},
		{"evil backslash", "https://portal.example.org\\@evil.com/", ""},
		{"evil backslash in the path", "https://evil.com\\.portal.example.org/", ""},
		{"evil prefix host", "https://evilportal.example.org/", ""},
		{"other scheme", "http://portal.example.org/x", ""},
		{"javascript", "javascript:alert(1)//portal.example.org/", ""},
		{"protocol-relative", "//portal.example.org/x", ""},
		{"relative", "/x", ""},
		{"other port", "https://portal.example.org:8443/x", ""},
		{"dev other port", "http://127.0.0.1:8082/", ""},
		{"dev localhost is another host", "http://localhost:8081/", ""},
		{"dot segments out of the prefix", "https://portal.example.org/admin/../x", ""},
		{"encoded dot segments", "https://portal.example.org/admin/%2e%2e/x", ""},
		{"tab", "https://portal.example.org/\tx", ""},
		{"newline", "https://portal.example.org/x\r\nSet-Cookie: a=b", ""},
		{"space", "https://portal.example.org/a b", ""},
		{"empty", "", ""},
		{"bad port", "https://portal.example.org:99999/", ""},
		{"too long", "https://portal.example.org/" + strings.Repeat("a", 5000), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc, ok := reg.Match(tc.url)
			got := ""
			if ok {
				got = svc.ID
			}
			if got != tc.want {
				t.Errorf("Match(%q) = %q, %v, want %q", tc.url, got, ok, tc.want)
			}
		})
	}
}

func TestSameService(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"https://a.example.org/x", "https://a.example.org/x", true},
		{"https://A.example.org/x", "https://a.example.org/x", true},
		{"https://a.example.org", "https://a.example.org/", true},
		{"https://a.example.org:443/", "https://a.example.org/", true},
		{"https://a.example.org/x?b=2&a=1", "https://a.example.org/x?a=1&b=2", true},
		{"https://a.example.org/x?a=%41", "https://a.example.org/x?a=A", true},
		{"https://a.example.org/x", "https://a.example.org/y", false},
		{"https://a.example.org/x?a=1", "https://a.example.org/x", false},
		{"https://a.example.org/x", "http://a.example.org/x", false},
		{"https://a.example.org/x", "https://b.example.org/x", false},
		{"https://a.example.org/X", "https://a.example.org/x", false},
	} {
		if got := cas.SameService(tc.a, tc.b); got != tc.want {
			t.Errorf("SameService(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestWithTicket(t *testing.T) {
	for _, tc := range []struct{ url, want string }{
		{"https://a.example.org/", "https://a.example.org/?ticket=ST-1"},
		{"https://a.example.org/x?y=1", "https://a.example.org/x?y=1&ticket=ST-1"},
		{"https://a.example.org/x?", "https://a.example.org/x?ticket=ST-1"},
		{"https://a.example.org/x?y=1&", "https://a.example.org/x?y=1&ticket=ST-1"},
	} {
		if got := cas.WithTicket(tc.url, "ST-1"); got != tc.want {
			t.Errorf("WithTicket(%q) = %q, want %q", tc.url, got, tc.want)
		}
	}
}

func TestServiceValidate(t *testing.T) {
	good := cas.Service{ID: "eci", Name: "ECI", Names: map[string]string{"fr": "ICE"}, Patterns: []string{"https://eci.example.org/*"},
		Strengths: []string{"PASSWORD_SMS"}, Attributes: []string{"email", "strength"}}
	if err := good.Validate(); err != nil {
		t.Fatalf("Validate() of a good service = %v", err)
	}
	for _, tc := range []struct {
		name   string
		change func(*cas.Service)
		want   string // part of the error
	}{
		{"bad id", func(s *cas.Service) { s.ID = "ECI Portal" }, "id"},
		{"empty name", func(s *cas.Service) { s.Name = " " }, "name must not be empty"},
		{"name in a non-EU language", func(s *cas.Service) { s.Names = map[string]string{"ja": "x"} }, `"ja"`},
		{"no pattern", func(s *cas.Service) { s.Patterns = nil }, "at least one URL pattern"},
		{"star in the middle", func(s *cas.Service) { s.Patterns = []string{"https://*.example.org/"} }, "'*' only at the end"},
		{"pattern with a query", func(s *cas.Service) { s.Patterns = []string{"https://a.example.org/?x=*"} }, "no query"},
		{"pattern with user info", func(s *cas.Service) { s.Patterns = []string{"https://u@a.example.org/*"} }, "URL pattern"},
		{"pattern not http", func(s *cas.Service) { s.Patterns = []string{"ftp://a.example.org/*"} }, "URL pattern"},
		{"bad strength", func(s *cas.Service) { s.Strengths = []string{"password sms"} }, "strength"},
		{"unknown attribute", func(s *cas.Service) { s.Attributes = []string{"password"} }, `attribute "password"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := good
			tc.change(&s)
			err := s.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate() = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestDisplayName(t *testing.T) {
	s := &cas.Service{Name: "ECI organiser account", Names: map[string]string{"fr": "Compte organisateur", "lv": "Organizatora konts"}}
	for lang, want := range map[string]string{"fr": "Compte organisateur", "lv": "Organizatora konts", "ro": "ECI organiser account", "": "ECI organiser account"} {
		if got := s.DisplayName(lang); got != want {
			t.Errorf("DisplayName(%q) = %q, want %q", lang, got, want)
		}
	}
}

func TestParseStrengths(t *testing.T) {
	got := cas.ParseStrengths(" password_sms, PASSWORD_MOBILE_APP,,PASSWORD_SMS, bad value ,X")
	want := []string{"PASSWORD_SMS", "PASSWORD_MOBILE_APP", "X"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("ParseStrengths() = %q, want %q", got, want)
	}
}

func TestLoadServicesFile(t *testing.T) {
	db := storetest.OpenSQLite(t)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.json", `[
	  {"id": "eci", "name": "ECI organiser account", "names": {"fr": "Compte organisateur", "lv": "Organizatora konts"},
	   "urls": ["http://127.0.0.1:8081/*"], "strengths": ["PASSWORD_SMS"], "attributes": ["email", "strength"], "slo": true},
	  {"id": "proxy", "name": "Proxy", "urls": ["https://proxy.example.org/*"], "proxy": true}
	]`)
	n, err := cas.LoadServicesFile(t.Context(), db, good, now)
	if err != nil || n != 2 {
		t.Fatalf("LoadServicesFile(good) = %d, %v, want 2, nil", n, err)
	}
	list, err := cas.ListServices(t.Context(), db)
	if err != nil || len(list) != 2 {
		t.Fatalf("ListServices() = %v, %v, want 2 services", list, err)
	}
	eci := list[0]
	if eci.ID != "eci" || eci.DisplayName("lv") != "Organizatora konts" || !eci.SLO || eci.Proxy || !eci.AcceptsStrength("PASSWORD_SMS") || eci.AcceptsStrength("PASSWORD") || !eci.Releases("email") || eci.Releases("firstName") {
		t.Errorf("service eci after loading = %+v", eci)
	}
	// Loading again replaces (upserts), it does not fail.
	if n, err := cas.LoadServicesFile(t.Context(), db, good, now.Add(time.Hour)); err != nil || n != 2 {
		t.Errorf("LoadServicesFile(good) again = %d, %v, want 2, nil", n, err)
	}

	for _, tc := range []struct{ name, body, want string }{
		{"not JSON", `{`, "services file"},
		{"unknown field", `[{"id": "x", "name": "X", "urls": ["https://x.example.org/"], "url": "oops"}]`, "unknown field"},
		{"invalid service", `[{"id": "x", "name": "", "urls": ["https://x.example.org/"]}]`, "name must not be empty"},
		{"twice", `[{"id": "x", "name": "X", "urls": ["https://x.example.org/"]}, {"id": "x", "name": "X", "urls": ["https://x.example.org/"]}]`, "listed twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := cas.LoadServicesFile(t.Context(), db, write(tc.name+".json", tc.body), now)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("LoadServicesFile() = %v, want an error containing %q", err, tc.want)
			}
		})
	}
	if _, err := cas.LoadServicesFile(t.Context(), db, filepath.Join(dir, "missing.json"), now); err == nil {
		t.Error("LoadServicesFile(missing) = nil, want an error")
	}
	if err := cas.RemoveService(t.Context(), db, "proxy"); err != nil {
		t.Errorf("RemoveService(proxy) = %v", err)
	}
	if err := cas.RemoveService(t.Context(), db, "proxy"); !errors.Is(err, cas.ErrUnknownService) {
		t.Errorf("RemoveService(proxy) again = %v, want %v", err, cas.ErrUnknownService)
	}
}
