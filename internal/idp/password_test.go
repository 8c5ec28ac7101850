package idp_test

import (
	"net/url"
	"strings"
	"testing"

	"eulogin/internal/idp/idptest"
)

// TestLinkPasswordPolicy: the e-mailed link refuses passwords that break the
// policy with the rule's own message, never echoes them, keeps the account
// without a password, and stays valid for a good password.
func TestLinkPasswordPolicy(t *testing.T) {
	cases := []struct {
		name, password, confirm string
		want                    string
	}{
		{"empty", "", "", msgPasswordEmpty},
		{"too short", "Ab1!xyz", "Ab1!xyz", "The password is too short: use at least 10 characters"},
		{"too long", strings.Repeat("Ab1!", 65), strings.Repeat("Ab1!", 65), "The password is too long: use at most 256 characters"},
		{"common", "Password123!", "Password123!", "This password is too common and easy to guess. Choose another one"},
		{"contains the last name", "Ionescu!2026xyz", "Ionescu!2026xyz", "The password must not contain your name or your e-mail address"},
		{"contains the e-mail address", "Xy7!ana@example.org", "Xy7!ana@example.org", "The password must not contain your name or your e-mail address"},
		{"keyboard pattern", "Qwerty!Zug 84", "Qwerty!Zug 84", "The password contains a keyboard pattern, like \"qwert\" or \"asdfg\""},
		{"one character class", "ghiocel de martie", "ghiocel de martie", "Mix at least three of: capital letters, small letters, digits, special characters"},
		{"confirmation empty", ana.Password, "", "Enter the password again to confirm it"},
		{"confirmation differs", ana.Password, ana.Password + "x", "The two passwords are different. Type the same password twice"},
	}
	idptest.Engines(t, func(t *testing.T, eng idptest.Engine) {
		e := idptest.New(t, idptest.Options{Engine: eng})
		b := e.NewBrowser(t)
		b.Register(ana)
		link := e.MailLink(t, e.Mail(t, ana.Email, 1), "/password/new/")
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				page := b.Post(link, url.Values{"password": {tc.password}, "password_confirm": {tc.confirm}})
				wantPage(t, page, 400, "Create your password")
				wantErrors(t, page, tc.want)
				if page.Input("password") != "" || page.Input("password_confirm") != "" {
					t.Error("a password is shown again in the form")
				}
				if tc.password != "" && strings.Contains(page.Body, tc.password) {
					t.Error("the page contains the password")
				}
				if u := mustUser(t, e, ana.Email); u.PasswordHash != "" {
					t.Errorf("a refused password was stored: %q", u.PasswordHash)
				}
				wantMailCount(t, e, 1)
			})
		}
		// The link survived the refusals.
		page := b.SetPassword(link, ana.Password)
		wantPage(t, page, 200, "Your password has been saved")
		if page = b.Login(ana.Email, ana.Password); page.URL.Path != "/account" {
			t.Errorf("login ended at %s %v", page.URL.Path, page.Errors())
		}
	})
}

// TestLinkTampered: a link that is not exactly the e-mailed one is dead (410)
// for GET and POST, even when it is long garbage, and the real link still
// works afterwards.
func TestLinkTampered(t *testing.T) {
	e := idptest.New(t, idptest.Options{})
	b := e.NewBrowser(t)
	b.Register(ana)
	link := e.MailLink(t, e.Mail(t, ana.Email, 1), "/password/new/")
	prefix, token, _ := strings.Cut(link, "/password/new/")
	prefix += "/password/new/"
	flip := func(i int) string {
		c := []byte(token)
		if c[i] == 'A' {
			c[i] = 'B'
		} else {
			c[i] = 'A'
		}
		return string(c)
	}
	cases := []struct{ name, token string }{
		{"first character changed", flip(0)},
		{"last character changed", flip(len(token) - 1)},
		{"one character more", token + "A"},
		{"one character less", token[:len(token)-1]},
		{"upper case", strings.ToUpper(token)},
		{"garbage of 500 characters", strings.Repeat("x", 500)},
		{"escaped bytes", "%ff%00%2e%2e"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			page := b.Get(prefix + tc.token)
			wantPage(t, page, 410, h1LinkDead)
			wantClean(t, page)
			page = b.Post(prefix+tc.token, url.Values{"password": {ana.Password}, "password_confirm": {ana.Password}})
			wantPage(t, page, 410, h1LinkDead)
			page = b.Post(prefix+tc.token+"/renew", url.Values{"email": {ana.Email}})
			wantPage(t, page, 410, h1LinkDead)
			if u := mustUser(t, e, ana.Email); u.PasswordHash != "" {
				t.Error("a tampered link set the password")
			}
			wantMailCount(t, e, 1)
		})
	}
	wantPage(t, b.SetPassword(link, ana.Password), 200, "Your password has been saved")
}
