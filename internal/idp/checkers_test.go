package idp_test

import (
	"net/url"
	"strings"
	"testing"

	"eulogin/internal/idp/idptest"
	"eulogin/internal/web/webtest"
)

// What the W3C Nu HTML Checker and axe flagged on the login service's pages
// (issue 19): two autofocus attributes on error pages, scrollable tables
// out of keyboard reach, no meta description, and /app/ always in English.

// wantOneAutofocus checks that page has exactly one element with autofocus,
// the one want names (an id, or "error-summary" for the error summary).
func wantOneAutofocus(t *testing.T, page *idptest.Page, want string) {
	t.Helper()
	got := webtest.Autofocused(page.Body)
	if len(got) != 1 {
		t.Errorf("%s (%d) has %d elements with autofocus %v, want one (%s)", page.URL.Path, page.Status, len(got), got, want)
		return
	}
	if got[0].Attrs["id"] != want && !got[0].HasClass(want) {
		t.Errorf("%s (%d): autofocus on %v, want it on %s", page.URL.Path, page.Status, got[0], want)
	}
}

// TestOneAutofocus: each state of the login, password and add-a-number
// pages has one autofocus: the page's field, or, when the form came back
// with errors, the error summary (which UX.md gives the focus).
func TestOneAutofocus(t *testing.T) {
	e := idptest.New(t, idptest.Options{})
	e.CreateAccount(t, e.NewBrowser(t), bob)

	b := e.NewBrowser(t)
	wantOneAutofocus(t, b.Get("/login"), "email")
	for _, email := range []string{"", "not an address"} {
		page := b.Post("/login", url.Values{"email": {email}})
		if len(page.Errors()) == 0 {
			t.Fatalf("POST /login with %q: %d, no errors", email, page.Status)
		}
		wantOneAutofocus(t, page, "error-summary")
	}

	page := startLogin(t, b, bob.Email)
	wantOneAutofocus(t, page, "password")
	for _, pw := range []string{"", "not the password"} {
		page = b.Post("/login/password", url.Values{"password": {pw}})
		if len(page.Errors()) == 0 {
			t.Fatalf("POST /login/password with %q: %d %s, no errors", pw, page.Status, page.URL.Path)
		}
		wantOneAutofocus(t, page, "error-summary")
	}

	b = login(t, e, bob)
	wantOneAutofocus(t, b.Get("/account/phones/add"), "number")
	for _, number := range []string{"", "12", "+1 202 555 0100"} {
		page := b.Post("/account/phones/add", url.Values{"number": {number}})
		if len(page.Errors()) == 0 {
			t.Fatalf("POST /account/phones/add with %q: %d %q, no errors", number, page.Status, page.H1())
		}
		wantOneAutofocus(t, page, "error-summary")
	}
}

// TestScrollRegions: the tables that may scroll sideways (security events,
// numbers, devices) are named regions a keyboard can reach.
func TestScrollRegions(t *testing.T) {
	e := idptest.New(t, idptest.Options{})
	withPhone := loggedIn(t, e, chiara)
	addPhone(t, e, withPhone, phoneATyped, phoneA)
	withDevice := loggedIn(t, e, bob)
	addDevice(t, withDevice, newPhone(t, e), nil, "Laptop", false)

	for _, tt := range []struct {
		b    *idptest.Browser
		path string
	}{
		{withPhone, "/account"},
		{withPhone, "/account/events"},
		{withPhone, "/account/phones"},
		{withDevice, "/account/devices"},
	} {
		t.Run(tt.path, func(t *testing.T) {
			for _, lang := range []string{"en", "fr"} {
				page := tt.b.Get(tt.path + "?lang=" + lang)
				problems, n := webtest.ScrollRegionProblems(page.Body)
				if n == 0 {
					t.Errorf("%s in %s: no table wrapper; the test sees nothing", tt.path, lang)
				}
				for _, p := range problems {
					t.Errorf("%s in %s: %s", tt.path, lang, p)
				}
			}
		})
	}
}

// TestMetaDescription: every page describes the service in its language.
func TestMetaDescription(t *testing.T) {
	e := idptest.New(t, idptest.Options{})
	signedIn := loggedIn(t, e, bob)
	anonymous := e.NewBrowser(t)
	for _, tt := range []struct {
		b    *idptest.Browser
		path string
	}{
		{anonymous, "/login"},
		{anonymous, "/register"},
		{anonymous, "/password/lost"},
		{anonymous, "/privacy"},
		{anonymous, "/no-such-page"},
		{signedIn, "/account"},
		{signedIn, "/account/phones/add"},
	} {
		for _, lang := range []string{"en", "lv"} {
			page := tt.b.Get(tt.path + "?lang=" + lang)
			want := e.Bundle.Localizer(lang).T("frame.description")
			if got := webtest.MetaDescriptions(page.Body); len(got) != 1 || got[0] != want {
				t.Errorf("%s in %s (%d): meta descriptions %q, want [%q]", tt.path, lang, page.Status, got, want)
			}
		}
	}
}

// TestAppLanguage: /app/ comes in the language the login service's pages
// would use (the browser's, or the one chosen on them), with the noscript
// message in it, before the app's script runs.
func TestAppLanguage(t *testing.T) {
	e := idptest.New(t, idptest.Options{})
	noscript := map[string]string{
		"en": "The EU Login Mobile App needs JavaScript.",
		"lv": "EU Login mobilajai lietotnei ir vajadzīgs JavaScript.",
		"ro": "Aplicația mobilă EU Login are nevoie de JavaScript.",
	}
	check := func(t *testing.T, page *idptest.Page, lang string) {
		t.Helper()
		if got := webtest.Lang(page.Body); got != lang || page.Header.Get("Content-Language") != lang {
			t.Errorf("/app/ is <html lang=%q>, Content-Language %q; want %s", got, page.Header.Get("Content-Language"), lang)
		}
		i := strings.Index(page.Body, "<noscript>")
		if i < 0 || !strings.Contains(page.Body[i:], noscript[lang]) {
			t.Errorf("/app/ in %s lacks the noscript message %q", lang, noscript[lang])
		}
	}

	b := e.NewBrowser(t)
	check(t, b.Get("/app/"), "en")
	b.Lang = "lv-LV,lv;q=0.9,en;q=0.5"
	check(t, b.Get("/app/"), "lv")
	// A language chosen on the login pages is kept by the cookie.
	b.Get("/login?lang=ro")
	check(t, b.Get("/app/"), "ro")
}
