package idp_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"eulogin/internal/i18n"
	"eulogin/internal/idp/idptest"
)

// TestChangeEmail: a change of address needs the current password, sends a
// link to the new address and a notice to the old one, is made only by
// the POST of the link (not by opening it), and the link serves once. An
// address that has an account gets no link, but the page says the same.
func TestChangeEmail(t *testing.T) {
	idptest.Engines(t, func(t *testing.T, eng idptest.Engine) {
		e := idptest.New(t, idptest.Options{Engine: eng})
		b := loggedIn(t, e, bob)
		loggedIn(t, e, chiara)
		id := mustUser(t, e, bob.Email).ID
		const newAddr = "bob.martin@example.net"

		cases := []struct {
			name, email, confirm, password string
			want                           []string
		}{
			{"wrong password", newAddr, newAddr, "Wrong password 1!", []string{msgCurrentWrong}},
			{"no password", newAddr, newAddr, "", []string{"Enter your current password"}},
			{"the same address", bob.Email, bob.Email, bob.Password, []string{"This is already your address. Enter a different one"}},
			{"the same address in capitals", "BOB@Example.org", "bob@example.org", bob.Password, []string{"This is already your address. Enter a different one"}},
			{"confirmation differs", newAddr, "bob.martin@example.com", bob.Password, []string{"The two e-mail addresses are different. Enter the same address twice"}},
			{"malformed", "bob@", "bob@", bob.Password, []string{msgEmailFormat}},
			{"empty", "", "", bob.Password, []string{msgEmailEmpty, "Enter your e-mail address again"}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				page := b.Post("/account/email", url.Values{"email": {tc.email}, "email_confirm": {tc.confirm}, "current_password": {tc.password}})
				wantPage(t, page, 400, "Change e-mail address")
				wantErrors(t, page, tc.want...)
				if page.Input("email") != tc.email || page.Input("email_confirm") != tc.confirm {
					t.Errorf("input shown again as %q %q", page.Input("email"), page.Input("email_confirm"))
				}
				if page.Input("current_password") != "" || (tc.password != "" && strings.Contains(page.Body, tc.password)) {
					t.Error("the password is shown again")
				}
				if u := mustUser(t, e, bob.Email); u.ID != id {
					t.Errorf("the address now belongs to %s", u.ID)
				}
				wantNoUser(t, e, newAddr)
				wantMailCount(t, e, 2)
			})
		}

		norm := func(p *idptest.Page, email string) string { return strings.ReplaceAll(p.Body, email, "EMAIL") }
		taken := b.Post("/account/email", url.Values{"email": {chiara.Email}, "email_confirm": {chiara.Email}, "current_password": {bob.Password}})
		wantPage(t, taken, 200, "Check your new e-mail address")
		if got := len(mailsTo(e, chiara.Email)); got != 1 {
			t.Errorf("the owner of the taken address got %d e-mails, want 1 (her registration)", got)
		}
		page := b.Post("/account/email", url.Values{"email": {newAddr}, "email_confirm": {newAddr}, "current_password": {bob.Password}})
		wantPage(t, page, 200, "Check your new e-mail address")
		if norm(page, newAddr) != norm(taken, chiara.Email) {
			t.Error("the pages for a free and a taken address differ")
		}
		m := lastMail(t, e, newAddr)
		if m.Subject != subjectEmailChange {
			t.Errorf("e-mail to the new address: %q, want %q", m.Subject, subjectEmailChange)
		}
		link := e.MailLink(t, m, "/account/email/confirm/")
		notices := mailsTo(e, bob.Email)
		if len(notices) != 3 || notices[1].Subject != subjectEmailNotice || notices[2].Subject != subjectEmailNotice || !strings.Contains(notices[2].Text, newAddr) {
			t.Errorf("e-mails to the old address: %d, want the registration and 2 notices naming the new address", len(notices))
		}
		wantMailCount(t, e, 5)

		// Opening the link (as a mail scanner would) changes nothing.
		for range 2 {
			page = e.NewBrowser(t).Get(link)
			wantPage(t, page, 200, "Confirm your new e-mail address")
			if !page.Has(newAddr) {
				t.Error("the confirmation page does not name the new address")
			}
		}
		mustUser(t, e, bob.Email)
		wantNoUser(t, e, newAddr)

		page = e.NewBrowser(t).Post(link, nil)
		wantPage(t, page, 200, "Your e-mail address has been changed")
		if u := mustUser(t, e, newAddr); u.ID != id {
			t.Errorf("the new address belongs to %s, want %s", u.ID, id)
		}
		wantNoUser(t, e, bob.Email)
		if m := lastMail(t, e, bob.Email); m.Subject != subjectEmailDone {
			t.Errorf("last e-mail to the old address %q, want %q", m.Subject, subjectEmailDone)
		}

		t.Run("link reused", func(t *testing.T) {
			wantPage(t, b.Get(link), 410, h1LinkDead)
			wantPage(t, b.Post(link, nil), 410, h1LinkDead)
			mustUser(t, e, newAddr)
		})
		t.Run("login", func(t *testing.T) {
			if page := e.NewBrowser(t).Login(bob.Email, bob.Password); page.Status != 401 {
				t.Errorf("login with the old address: %d %s, want 401", page.Status, page.URL.Path)
			}
			page := e.NewBrowser(t).Login(newAddr, bob.Password)
			if page.URL.Path != "/account" || !page.Has(newAddr) {
				t.Errorf("login with the new address ended at %s %v", page.URL.Path, page.Errors())
			}
		})
		t.Run("address taken before the link is used", func(t *testing.T) {
			const dora = "dora@example.org"
			b := login(t, e, idptest.Person{Email: newAddr, Password: bob.Password})
			b.Post("/account/email", url.Values{"email": {dora}, "email_confirm": {dora}, "current_password": {bob.Password}})
			link := e.MailLink(t, lastMail(t, e, dora), "/account/email/confirm/")
			if page := e.NewBrowser(t).Register(idptest.Person{First: "Dora", Last: "Dumitru", Email: dora, EmailLang: "en"}); page.Status != 200 {
				t.Fatalf("register %s: %d", dora, page.Status)
			}
			page := b.Post(link, nil)
			wantPage(t, page, 409, h1Error)
			if !page.Has("This address is already used by another account, so the change could not be made.") {
				t.Errorf("the conflict is not explained: %q", page.Body)
			}
			if u := mustUser(t, e, newAddr); u.ID != id {
				t.Errorf("%s belongs to %s, want %s", newAddr, u.ID, id)
			}
			if u := mustUser(t, e, dora); u.ID == id {
				t.Error("two accounts share an address")
			}
		})
	})
}

// TestChangePassword: a new password needs the current one and must differ
// from it; the change ends every other session of the account (not this
// one, which gets a new id) and is e-mailed to the owner.
func TestChangePassword(t *testing.T) {
	idptest.Engines(t, func(t *testing.T, eng idptest.Engine) {
		e := idptest.New(t, idptest.Options{Engine: eng})
		b := loggedIn(t, e, bob)
		other := login(t, e, bob)
		stranger := loggedIn(t, e, chiara)
		u := mustUser(t, e, bob.Email)
		const newPW = "Harbour lights 2026!"

		cases := []struct {
			name, current, password, confirm string
			want                             []string
		}{
			{"wrong current password", "Wrong password 1!", newPW, newPW, []string{msgCurrentWrong}},
			{"no current password", "", newPW, newPW, []string{"Enter your current password"}},
			{"new is the current one", bob.Password, bob.Password, bob.Password, []string{"The new password must be different from the current one"}},
			{"new too short", bob.Password, "Ab1!xyz", "Ab1!xyz", []string{"The password is too short: use at least 10 characters"}},
			{"new contains the name", bob.Password, "Martin 2026 !x", "Martin 2026 !x", []string{"The password must not contain your name or your e-mail address"}},
			{"confirmation differs", bob.Password, newPW, newPW + "x", []string{"The two passwords are different. Type the same password twice"}},
			{"all wrong", "", "", "", []string{"Enter your current password", msgPasswordEmpty}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				page := b.Post("/account/password", url.Values{"current_password": {tc.current}, "password": {tc.password}, "password_confirm": {tc.confirm}})
				wantPage(t, page, 400, "Change password")
				wantErrors(t, page, tc.want...)
				for _, f := range []string{"current_password", "password", "password_confirm"} {
					if page.Input(f) != "" {
						t.Errorf("input %s is shown again", f)
					}
				}
				if got := mustUser(t, e, bob.Email); got.PasswordHash != u.PasswordHash {
					t.Error("the password changed")
				}
				if n, _ := e.DB.CountUserSessions(t.Context(), u.ID); n != 2 {
					t.Errorf("sessions = %d, want 2", n)
				}
				wantMailCount(t, e, 2)
			})
		}

		before := cookie(t, e, b, "eulogin_session")
		page := b.Post("/account/password", url.Values{"current_password": {bob.Password}, "password": {newPW}, "password_confirm": {newPW}})
		if page.Status != 200 || page.URL.Path != "/account" || !page.Has("Your password has been changed. Your other sessions have been ended.") {
			t.Fatalf("change: %d %s %v", page.Status, page.URL, page.Errors())
		}
		if after := cookie(t, e, b, "eulogin_session"); after == "" || after == before {
			t.Errorf("session id after the change %q, want a new one (was %q)", after, before)
		}
		if page = b.Get("/account"); page.URL.Path != "/account" {
			t.Errorf("this browser: /account ended at %s, want it still logged in", page.URL.Path)
		}
		if page = other.Get("/account"); page.URL.Path != "/login" {
			t.Errorf("the other browser: /account ended at %s, want /login", page.URL.Path)
		}
		if page = stranger.Get("/account"); page.URL.Path != "/account" {
			t.Errorf("another account's browser: /account ended at %s, want it still logged in", page.URL.Path)
		}
		if n, _ := e.DB.CountUserSessions(t.Context(), u.ID); n != 1 {
			t.Errorf("sessions = %d, want 1", n)
		}
		if m := lastMail(t, e, bob.Email); m.Subject != subjectPwChanged {
			t.Errorf("last e-mail %q, want %q", m.Subject, subjectPwChanged)
		}
		wantMailCount(t, e, 3)
		if page = e.NewBrowser(t).Login(bob.Email, bob.Password); page.Status != 401 {
			t.Errorf("login with the old password: %d %s", page.Status, page.URL.Path)
		}
		if page = e.NewBrowser(t).Login(bob.Email, newPW); page.URL.Path != "/account" {
			t.Errorf("login with the new password ended at %s %v", page.URL.Path, page.Errors())
		}
	})
}

// TestDeleteAccount: deletion needs the ticked box and the password; then
// the account, its events, sessions and links are gone, the owner gets a
// confirmation, and the address can no longer log in.
func TestDeleteAccount(t *testing.T) {
	idptest.Engines(t, func(t *testing.T, eng idptest.Engine) {
		e := idptest.New(t, idptest.Options{Engine: eng})
		b := loggedIn(t, e, bob)
		other := login(t, e, bob)
		loggedIn(t, e, chiara)
		id := mustUser(t, e, bob.Email).ID
		e.NewBrowser(t).Post("/password/lost", url.Values{"email": {bob.Email}})
		resetLink := e.MailLink(t, lastMail(t, e, bob.Email), "/password/new/")
		mails := len(e.SMTP.Messages())

		cases := []struct {
			name, password, confirm string
			want                    []string
		}{
			{"box unticked", bob.Password, "", []string{"Tick the box to confirm that you want to delete your account"}},
			{"wrong password", "Wrong password 1!", "1", []string{msgCurrentWrong}},
			{"no password", "", "1", []string{"Enter your current password"}},
			{"nothing", "", "", []string{"Enter your current password", "Tick the box to confirm that you want to delete your account"}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				page := b.Post("/account/delete", url.Values{"current_password": {tc.password}, "confirm": {tc.confirm}})
				wantPage(t, page, 400, "Delete my account")
				wantErrors(t, page, tc.want...)
				if page.Input("current_password") != "" {
					t.Error("the password is shown again")
				}
				mustUser(t, e, bob.Email)
				if n, _ := e.DB.CountUserSessions(t.Context(), id); n != 2 {
					t.Errorf("sessions = %d, want 2", n)
				}
				wantMailCount(t, e, mails)
			})
		}

		page := b.Post("/account/delete", url.Values{"current_password": {bob.Password}, "confirm": {"1"}})
		if page.Status != 200 || page.URL.Path != "/account/deleted" || page.H1() != "Your account has been deleted" {
			t.Fatalf("delete ended at %s: %d %q %v", page.URL.Path, page.Status, page.H1(), page.Errors())
		}
		wantNoUser(t, e, bob.Email)
		events, err := e.DB.AuditEvents(t.Context(), id, 100)
		if err != nil || len(events) != 0 {
			t.Errorf("audit events of the deleted account: %d %v, want none", len(events), err)
		}
		if n, err := e.DB.CountUserSessions(t.Context(), id); n != 0 || err != nil {
			t.Errorf("sessions of the deleted account: %d %v, want 0", n, err)
		}
		for name, br := range map[string]*idptest.Browser{"this": b, "the other": other} {
			if page := br.Get("/account"); page.URL.Path != "/login" {
				t.Errorf("%s browser: /account ended at %s, want /login", name, page.URL.Path)
			}
		}
		if m := lastMail(t, e, bob.Email); m.Subject != subjectDeleted || !strings.Contains(m.Text, "02/03/2026") {
			t.Errorf("last e-mail %q, want %q with the date", m.Subject, subjectDeleted)
		}
		wantMailCount(t, e, mails+1)
		wantPage(t, e.NewBrowser(t).Get(resetLink), 410, h1LinkDead)
		page = e.NewBrowser(t).Login(bob.Email, bob.Password)
		wantPage(t, page, 401, "Enter your password")
		wantErrors(t, page, msgLoginFailed)
		if events, _ := e.DB.AuditEvents(t.Context(), id, 100); len(events) != 0 {
			t.Errorf("the failed login wrote %d events under the deleted id", len(events))
		}
		// The other account is untouched.
		c := mustUser(t, e, chiara.Email)
		if events, _ := e.DB.AuditEvents(t.Context(), c.ID, 100); len(events) == 0 {
			t.Error("the other account lost its events")
		}
		if page := login(t, e, chiara); !page.Get("/account").Has("Chiara Rossi") {
			t.Error("the other account cannot use My Account")
		}
	})
}

// TestAccountWithoutSession: the changes of My Account refuse a POST
// without a live session (401, nothing changed), and their pages send such
// a visitor to the login page.
func TestAccountWithoutSession(t *testing.T) {
	e := idptest.New(t, idptest.Options{})
	loggedIn(t, e, bob)
	u := mustUser(t, e, bob.Email)
	forms := []struct {
		path string
		form url.Values
	}{
		{"/account/details", url.Values{"first_name": {"Mallory"}, "last_name": {"Evil"}, "email_lang": {"fr"}}},
		{"/account/email", url.Values{"email": {"mallory@example.org"}, "email_confirm": {"mallory@example.org"}, "current_password": {bob.Password}}},
		{"/account/password", url.Values{"current_password": {bob.Password}, "password": {"Mallory was here 42"}, "password_confirm": {"Mallory was here 42"}}},
		{"/account/delete", url.Values{"current_password": {bob.Password}, "confirm": {"1"}}},
	}
	unchanged := func(t *testing.T) {
		t.Helper()
		got := mustUser(t, e, bob.Email)
		if got.ID != u.ID || got.FirstName != u.FirstName || got.LastName != u.LastName || got.EmailLang != u.EmailLang || got.PasswordHash != u.PasswordHash {
			t.Errorf("account changed: %+v", got)
		}
		wantNoUser(t, e, "mallory@example.org")
		wantMailCount(t, e, 1)
	}
	browsers := []struct {
		name string
		make func(t *testing.T) *idptest.Browser
	}{
		{"no cookie", func(t *testing.T) *idptest.Browser { return e.NewBrowser(t) }},
		{"forged session cookie", func(t *testing.T) *idptest.Browser {
			b := e.NewBrowser(t)
			b.Header.Set("Cookie", "eulogin_session=c2Vzc2lvbiBpZCBmb3JnZWQgYnkgYW4gYXR0YWNrZXI")
			return b
		}},
		{"logged out", func(t *testing.T) *idptest.Browser {
			b := login(t, e, bob)
			b.Post("/logout", nil)
			return b
		}},
		{"idle session", func(t *testing.T) *idptest.Browser {
			b := login(t, e, bob)
			e.Clock.Advance(31 * time.Minute)
			return b
		}},
	}
	for _, br := range browsers {
		t.Run(br.name, func(t *testing.T) {
			b := br.make(t)
			for _, f := range forms {
				page := b.Post(f.path, f.form)
				wantPage(t, page, 401, h1Error)
				if !page.Has(msgSessionExpired) {
					t.Errorf("POST %s: the page does not say the session ended", f.path)
				}
				wantClean(t, page)
				unchanged(t)
			}
			for _, f := range forms {
				page := b.Get(f.path)
				if page.URL.Path != "/login" || page.Input("next") != f.path {
					t.Errorf("GET %s ended at %s (next %q), want the login page back to it", f.path, page.URL, page.Input("next"))
				}
			}
		})
	}
}

// TestDetailsBadInput: the personal data form refuses what registration
// refuses, keeps the readable input, and changes nothing.
func TestDetailsBadInput(t *testing.T) {
	e := idptest.New(t, idptest.Options{})
	b := loggedIn(t, e, bob)
	cases := []struct {
		name              string
		first, last, lang string
		want              string
		errField          string
	}{
		{"first name empty", "", "Martin", "en", "Enter your first name", "first_name"},
		{"digits", "Bob", "Martin3", "en", "Names can only contain letters, spaces, hyphens, apostrophes and full stops", "last_name"},
		{"markup", "<b>Bob</b>", "Martin", "en", "Names can only contain letters, spaces, hyphens, apostrophes and full stops", "first_name"},
		{"too long", "Bob", strings.Repeat("m", 101), "en", "Enter at most 100 characters", "last_name"},
		{"language", "Bob", "Martin", "xx", "Choose the language of your e-mails from the list", "email_lang"},
		{"invalid UTF-8", "Bob", "Mart\xffin", "fr", msgInvalidText, "last_name"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			page := b.Post("/account/details", url.Values{"first_name": {tc.first}, "last_name": {tc.last}, "email_lang": {tc.lang}})
			wantPage(t, page, 400, "Personal data")
			wantErrors(t, page, tc.want)
			if !strings.Contains(page.Body, `<a href="#`+tc.errField+`">`) {
				t.Errorf("the error does not point at %s", tc.errField)
			}
			if tc.errField != "first_name" && page.Input("first_name") != tc.first {
				t.Errorf("first name shown again as %q, want %q", page.Input("first_name"), tc.first)
			}
			if got := selected(page, "email_lang"); i18n.IsEU(tc.lang) && got != tc.lang {
				t.Errorf("e-mail language shown again as %q, want %q", got, tc.lang)
			}
			got := mustUser(t, e, bob.Email)
			if got.FirstName != bob.First || got.LastName != bob.Last || got.EmailLang != bob.EmailLang {
				t.Errorf("personal data changed to %q %q %q", got.FirstName, got.LastName, got.EmailLang)
			}
		})
	}
}

// TestPasswordChangeKillsResetLink: a reset link asked for before the
// password was changed in My Account no longer works afterwards.
func TestPasswordChangeKillsResetLink(t *testing.T) {
	e := idptest.New(t, idptest.Options{})
	b := e.NewBrowser(t)
	e.CreateAccount(t, b, ana)
	other := e.NewBrowser(t)
	other.Post("/password/lost", url.Values{"email": {ana.Email}})
	link := e.MailLink(t, e.Mail(t, ana.Email, 2), "/password/new/")
	if page := b.Login(ana.Email, ana.Password); page.URL.Path != "/account" {
		t.Fatalf("login: %s", page.URL.Path)
	}
	newPW := "Ghiocel de aprilie 43"
	page := b.Post("/account/password", url.Values{"current_password": {ana.Password}, "password": {newPW}, "password_confirm": {newPW}})
	if !page.Has("Your password has been changed") {
		t.Fatalf("change password: %d %v", page.Status, page.Errors())
	}
	if page = other.Get(link); page.Status != 410 {
		t.Errorf("reset link after a password change: GET = %d, want 410", page.Status)
	}
}

// TestEmailChangeMailFilled: the confirmation e-mail has every placeholder
// filled (a literal "{" would mean a missing value).
func TestEmailChangeMailFilled(t *testing.T) {
	e := idptest.New(t, idptest.Options{})
	b := e.NewBrowser(t)
	e.CreateAccount(t, b, ana)
	b.Login(ana.Email, ana.Password)
	b.Post("/account/email", url.Values{"email": {"ana.new@example.org"}, "email_confirm": {"ana.new@example.org"}, "current_password": {ana.Password}})
	for _, m := range []struct{ to string }{{"ana.new@example.org"}, {ana.Email}} {
		got := e.Mail(t, m.to, map[string]int{"ana.new@example.org": 1, ana.Email: 2}[m.to])
		if strings.Contains(got.Text, "{") || strings.Contains(got.Subject, "{") {
			t.Errorf("e-mail to %s has an unfilled placeholder: %q", m.to, got.Text)
		}
	}
}
