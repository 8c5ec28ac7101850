package idp_test

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"testing"
	"time"

	"eulogin/internal/idp/idptest"
)

var stepRE = regexp.MustCompile(`<p class="step-indicator">Step (\d+) of (\d+)</p>`)

// stepOf reads the counter of page: 0, 0 when it shows none.
func stepOf(page *idptest.Page) (n, m int) {
	s := stepRE.FindStringSubmatch(page.Body)
	if s == nil {
		return 0, 0
	}
	n, _ = strconv.Atoi(s[1])
	m, _ = strconv.Atoi(s[2])
	return n, m
}

// TestStepCounters walks each flow and checks the rule written at step:
// every counted page is the previous one plus one, the last is "n of n",
// and the total does not change (for a login: from step 3, the steps
// before the choice of the method counting 3). Guard pages (a
// re-authentication before a change) show no counter.
func TestStepCounters(t *testing.T) {
	e := idptest.New(t, idptest.Options{})
	// carol signs in with the password alone, dan has a phone, erin an
	// authenticator app.
	carol := idptest.Person{First: "Carol", Last: "Ames", Email: "carol@example.org", EmailLang: "en", Password: "Chili pepper 55 hot!"}
	dan := idptest.Person{First: "Dan", Last: "Berg", Email: "dan@example.org", EmailLang: "en", Password: "Blue waltz of 1867 river"}
	erin := idptest.Person{First: "Erin", Last: "Cole", Email: "erin@example.org", EmailLang: "en", Password: "Memory by the sea 12!"}
	e.CreateAccount(t, e.NewBrowser(t), carol)
	db := e.NewBrowser(t)
	e.CreateAccount(t, db, dan)
	db.Login(dan.Email, dan.Password)
	addPhone(t, e, db, "+371 2000 0012", phoneA)
	eb := e.NewBrowser(t)
	e.CreateAccount(t, eb, erin)
	eb.Login(erin.Email, erin.Password)
	addAuthenticator(t, e, eb, "Work phone")

	type page struct {
		name  string
		get   func(b *idptest.Browser) *idptest.Page
		guard bool // a re-authentication: no counter
	}
	get := func(path string) func(b *idptest.Browser) *idptest.Page {
		return func(b *idptest.Browser) *idptest.Page { return b.Get(path) }
	}
	post := func(path string, kv ...string) func(b *idptest.Browser) *idptest.Page {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return func(b *idptest.Browser) *idptest.Page { return b.Post(path, v) }
	}
	start := func(p idptest.Person, method string) []page {
		return []page{
			{name: "address", get: get("/login")},
			{name: "method", get: post("/login", "email", p.Email)},
			{name: "password", get: post("/login/method", "method", method)},
		}
	}
	cases := []struct {
		name    string
		login   bool
		browser func() *idptest.Browser
		pages   []page
	}{
		{"login, password alone", true, func() *idptest.Browser { return e.NewBrowser(t) }, start(carol, "PASSWORD")},
		{"login, SMS", true, func() *idptest.Browser { return e.NewBrowser(t) }, append(start(dan, "SMS"),
			page{name: "number", get: post("/login/password", "password", dan.Password)},
			page{name: "code", get: func(b *idptest.Browser) *idptest.Page {
				return b.Post("/login/sms", url.Values{"phone": {phoneID(t, e, dan.Email, phoneA)}})
			}},
		)},
		{"login, authenticator app", true, func() *idptest.Browser { return e.NewBrowser(t) }, append(start(erin, "TOTP"),
			page{name: "code", get: post("/login/password", "password", erin.Password)},
		)},
		{"login, recovery code instead of the app", true, func() *idptest.Browser { return e.NewBrowser(t) }, append(start(erin, "TOTP"),
			page{name: "recovery code", get: func(b *idptest.Browser) *idptest.Page {
				b.Post("/login/password", url.Values{"password": {erin.Password}})
				return b.Get("/login/recovery")
			}},
		)},
		{"adding a phone after the SMS proof", false, func() *idptest.Browser {
			e.Clock.Advance(15 * time.Minute) // past the earlier proof and code
			return db
		}, []page{
			{name: "proof: number", get: get("/account/phones/add"), guard: true},
			{name: "proof: code", get: func(b *idptest.Browser) *idptest.Page {
				return b.Post("/login/sms", url.Values{"phone": {phoneID(t, e, dan.Email, phoneA)}})
			}, guard: true},
			{name: "number", get: func(b *idptest.Browser) *idptest.Page {
				return b.Post("/login/sms/code", url.Values{"code": {e.LastSMS(t, phoneA)}})
			}},
			{name: "code", get: post("/account/phones/add", "number", "+371 2000 0034")},
		}},
		{"adding a device", false, func() *idptest.Browser {
			b := e.NewBrowser(t)
			b.Login(carol.Email, carol.Password)
			return b
		}, []page{
			{name: "name and PIN", get: func(b *idptest.Browser) *idptest.Page { return b.ConfirmPassword(b.Get("/account/devices/add")) }},
			{name: "QR code", get: post("/account/devices/add", "name", "Phone", "pin", appPIN, "pin_confirm", appPIN)},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.browser()
			var got []string
			want, counted := 0, 0
			for _, pg := range tc.pages {
				if !pg.guard {
					counted++
				}
			}
			for _, pg := range tc.pages {
				p := pg.get(b)
				if p.Status >= 400 {
					t.Fatalf("%s: %s = %d %q %q", pg.name, p.URL.Path, p.Status, p.H1(), p.Errors())
				}
				n, m := stepOf(p)
				got = append(got, fmt.Sprintf("%s %d/%d", pg.name, n, m))
				if pg.guard {
					if n != 0 {
						t.Errorf("%s (%s) shows step %d of %d, want none", pg.name, p.URL.Path, n, m)
					}
					continue
				}
				want++
				total := counted
				if tc.login && want < 3 {
					total = 3 // before the choice of the method
				}
				if n != want || m != total {
					t.Errorf("%s (%s) shows step %d of %d, want %d of %d", pg.name, p.URL.Path, n, m, want, total)
				}
			}
			t.Logf("%v", got)
		})
	}
}
