package eci_test

import (
	"testing"

	"eulogin/internal/web/webtest"
)

// TestMetaDescription: every page of the portal describes it, in the page's
// language, with the landing page's lead (issue 19: the checkers found no
// meta description); and no page has more than one autofocus.
func TestMetaDescription(t *testing.T) {
	e := newEnv(t, options{})
	anonymous := e.browser()
	organiser := e.browser()
	organiser.login(ana, "PASSWORD_SMS")
	for _, tt := range []struct {
		b    *browser
		path string
	}{
		{anonymous, "/"},
		{anonymous, "/privacy"},
		{anonymous, "/no-such-page"},
		{organiser, "/dashboard"},
		{organiser, "/initiatives/new"},
	} {
		for _, lang := range []string{"en", "ro"} {
			p := tt.b.get(tt.path + "?lang=" + lang)
			if tt.b == organiser && (p.Status != 200 || p.URL.Path != tt.path) {
				t.Fatalf("GET %s = %d at %s, want the organiser's page", tt.path, p.Status, p.URL.Path)
			}
			want := e.l(lang).T("landing.lead")
			if got := webtest.MetaDescriptions(p.Body); len(got) != 1 || got[0] != want {
				t.Errorf("%s in %s (%d): meta descriptions %q, want [%q]", tt.path, lang, p.Status, got, want)
			}
			if got := webtest.Autofocused(p.Body); len(got) > 1 {
				t.Errorf("%s in %s: %d elements with autofocus %v, want one at most", tt.path, lang, len(got), got)
			}
		}
	}
}
