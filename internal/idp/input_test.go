package idp_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"eulogin/internal/idp/idptest"
)

// TestRegisterBadInput: every kind of bad input on "Create an account" gets
// a 400 with the one precise message, keeps what the user typed (except
// unreadable text), creates no account and sends no e-mail.
func TestRegisterBadInput(t *testing.T) {
	long255 := strings.Repeat("a", 243) + "@example.org"
	cases := []struct {
		name    string
		edit    func(f url.Values)
		want    []string // the error summary, in page order
		dropped []string // fields whose input is not shown again
	}{
		{"first name empty", func(f url.Values) { f.Set("first_name", "") }, []string{"Enter your first name"}, nil},
		{"first name blank", func(f url.Values) { f.Set("first_name", "   ") }, []string{"Enter your first name"}, nil},
		{"last name empty", func(f url.Values) { f.Set("last_name", "") }, []string{"Enter your last name"}, nil},
		{"e-mail empty", func(f url.Values) { f.Set("email", "") }, []string{msgEmailEmpty}, nil},
		{"confirmation empty", func(f url.Values) { f.Set("email_confirm", "") }, []string{"Enter your e-mail address again"}, nil},
		{"e-mail language empty", func(f url.Values) { f.Set("email_lang", "") }, []string{"Choose the language of your e-mails from the list"}, nil},
		{"privacy unticked", func(f url.Values) { f.Del("privacy") }, []string{"Tick the box to confirm that you have read the privacy statement"}, nil},
		{"everything empty", func(f url.Values) {
			for _, k := range []string{"first_name", "last_name", "email", "email_confirm", "email_lang", "privacy", "botcheck_nonce"} {
				f.Del(k)
			}
		}, []string{"Enter your first name", "Enter your last name", msgEmailEmpty, "Enter your e-mail address again",
			"Choose the language of your e-mails from the list", msgBotExpired,
			"Tick the box to confirm that you have read the privacy statement"}, nil},
		{"first name of 101 characters", func(f url.Values) { f.Set("first_name", strings.Repeat("é", 101)) }, []string{"Enter at most 100 characters"}, nil},
		{"last name of 101 characters", func(f url.Values) { f.Set("last_name", "Ionescu"+strings.Repeat("a", 94)) }, []string{"Enter at most 100 characters"}, nil},
		{"e-mail of 255 characters", func(f url.Values) { f.Set("email", long255); f.Set("email_confirm", long255) }, []string{"Enter at most 254 characters"}, nil},
		{"e-mail without domain", func(f url.Values) { f.Set("email", "ana@"); f.Set("email_confirm", "ana@") }, []string{msgEmailFormat}, nil},
		{"e-mail without dot in the domain", func(f url.Values) { f.Set("email", "ana@example"); f.Set("email_confirm", "ana@example") }, []string{msgEmailFormat}, nil},
		{"e-mail with a space", func(f url.Values) { f.Set("email", "a b@example.org"); f.Set("email_confirm", "a b@example.org") }, []string{msgEmailFormat}, nil},
		{"e-mail in angle brackets", func(f url.Values) {
			f.Set("email", "<ana@example.org>")
			f.Set("email_confirm", "<ana@example.org>")
		}, []string{msgEmailFormat}, nil},
		{"e-mail with a display name", func(f url.Values) {
			f.Set("email", "Ana <ana@example.org>")
			f.Set("email_confirm", "Ana <ana@example.org>")
		}, []string{msgEmailFormat}, nil},
		{"confirmation differs", func(f url.Values) { f.Set("email_confirm", "ana@example.com") }, []string{"The two e-mail addresses are different. Enter the same address twice"}, nil},
		{"e-mail language not of the EU", func(f url.Values) { f.Set("email_lang", "xx") }, []string{"Choose the language of your e-mails from the list"}, nil},
		{"e-mail language in upper case", func(f url.Values) { f.Set("email_lang", "EN") }, []string{"Choose the language of your e-mails from the list"}, nil},
		{"invalid UTF-8 in the first name", func(f url.Values) { f.Set("first_name", "Ana\xff\xfe") }, []string{msgInvalidText}, []string{"first_name"}},
		{"invalid UTF-8 in the e-mail", func(f url.Values) { f.Set("email", "ana\xff\xfe@example.org") }, []string{msgInvalidText}, []string{"email"}},
		{"NUL byte in the last name", func(f url.Values) { f.Set("last_name", "Ionescu\x00") }, []string{msgInvalidText}, []string{"last_name"}},
		{"script in the first name", func(f url.Values) { f.Set("first_name", "<script>alert(1)</script>") }, []string{"Names can only contain letters, spaces, hyphens, apostrophes and full stops"}, nil},
		{"markup in the last name", func(f url.Values) { f.Set("last_name", "Ana<b>") }, []string{"Names can only contain letters, spaces, hyphens, apostrophes and full stops"}, nil},
		{"digits in the first name", func(f url.Values) { f.Set("first_name", "Ana2") }, []string{"Names can only contain letters, spaces, hyphens, apostrophes and full stops"}, nil},
		{"digits in the last name", func(f url.Values) { f.Set("last_name", "1234") }, []string{"Names can only contain letters, spaces, hyphens, apostrophes and full stops"}, nil},
		{"punctuation only", func(f url.Values) { f.Set("last_name", "-'.") }, []string{"Names can only contain letters, spaces, hyphens, apostrophes and full stops"}, nil},
	}
	idptest.Engines(t, func(t *testing.T, eng idptest.Engine) {
		e := idptest.New(t, idptest.Options{Engine: eng})
		b := e.NewBrowser(t)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				form := idptest.RegisterForm(b.Get("/register"), ana)
				tc.edit(form)
				page := b.Post("/register", form)
				wantPage(t, page, 400, "Create an account")
				wantErrors(t, page, tc.want...)
				for _, field := range []string{"first_name", "last_name", "email", "email_confirm"} {
					want := strings.TrimSpace(form.Get(field))
					if slices.Contains(tc.dropped, field) {
						want = ""
					}
					if got := page.Input(field); got != want {
						t.Errorf("input %s shown again as %q, want %q", field, got, want)
					}
				}
				if len(tc.dropped) > 0 && !strings.Contains(page.Body, `<a href="#`+tc.dropped[0]+`">`) {
					t.Errorf("the error does not point at field %s", tc.dropped[0])
				}
				wantLang := form.Get("email_lang")
				if wantLang == "xx" || wantLang == "EN" {
					wantLang = "" // not an option
				}
				if got := selected(page, "email_lang"); got != wantLang {
					t.Errorf("e-mail language shown again as %q, want %q", got, wantLang)
				}
				if got, want := checked(page, "privacy"), form.Get("privacy") != ""; got != want {
					t.Errorf("privacy box ticked = %v, want %v", got, want)
				}
				if strings.Contains(page.Body, "<script>alert") || strings.Contains(page.Body, "Ana<b>") {
					t.Error("a name is shown as markup, not as text")
				}
				// The new page has a new, unanswered challenge.
				if tok := page.Input("botcheck_token"); tok == "" || tok == form.Get("botcheck_token") {
					t.Errorf("the page after the error has challenge %q, want a new one", tok)
				}
				if got := page.Input("botcheck_answer"); got != "" {
					t.Errorf("the answer to the spent question is shown again: %q", got)
				}
				for _, addr := range []string{"ana@example.org", form.Get("email"), strings.ToLower(form.Get("email"))} {
					if utf8.ValidString(addr) { // PostgreSQL refuses to look up the others
						wantNoUser(t, e, addr)
					}
				}
				wantMailCount(t, e, 0)
			})
		}
	})
}

// TestRegisterNames: names in any alphabet, with apostrophes, hyphens and
// combining marks, up to 100 characters, are accepted and stored as typed.
func TestRegisterNames(t *testing.T) {
	cases := []struct{ name, first, last string }{
		{"Greek", "Δημήτρης", "Παπαδόπουλος"},
		{"Latvian", "Ķēniņš", "Bērziņa"},
		{"Cyrillic", "Ђорђе", "Балашевић"},
		{"typographic apostrophe", "Seán", "O’Brien-Smith"},
		{"apostrophe and full stop", "Jean-Luc", "d'Alembert St. Clair"},
		{"combining mark", "Zoë", "Mu\u0308ller"}, // u + combining diaeresis
		{"100 characters", strings.Repeat("a", 100), strings.Repeat("ž", 100)},
	}
	idptest.Engines(t, func(t *testing.T, eng idptest.Engine) {
		e := idptest.New(t, idptest.Options{Engine: eng})
		b := e.NewBrowser(t)
		for i, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				p := idptest.Person{First: tc.first, Last: tc.last, Email: "person" + strconv.Itoa(i) + "@example.org", EmailLang: "en"}
				page := b.Register(p)
				wantPage(t, page, 200, h1CheckEmail)
				u := mustUser(t, e, p.Email)
				if u.FirstName != tc.first || u.LastName != tc.last {
					t.Errorf("stored names %q %q, want %q %q", u.FirstName, u.LastName, tc.first, tc.last)
				}
				if got := len(mailsTo(e, p.Email)); got != 1 {
					t.Errorf("e-mails to %s = %d, want 1", p.Email, got)
				}
			})
		}
	})
}

// TestRegisterBotCheck: the fallback question of the bot check (for browsers
// without JavaScript) must be answered right, and a challenge serves once.
func TestRegisterBotCheck(t *testing.T) {
	e := idptest.New(t, idptest.Options{})
	b := e.NewBrowser(t)

	// question returns the challenge of a page and the right answer to it.
	question := func(t *testing.T, p *idptest.Page) (token string, answer int) {
		t.Helper()
		m := botRE.FindStringSubmatch(html.UnescapeString(p.Body))
		if m == nil {
			t.Fatal("no question \"What is A + B?\" on the page")
		}
		a, _ := strconv.Atoi(m[1])
		c, _ := strconv.Atoi(m[2])
		return p.Input("botcheck_token"), a + c
	}
	// form is a complete registration answered by hand (no proof of work).
	form := func(p idptest.Person, token, answer string) url.Values {
		return url.Values{
			"first_name": {p.First}, "last_name": {p.Last}, "email": {p.Email}, "email_confirm": {p.Email},
			"email_lang": {p.EmailLang}, "privacy": {"1"}, "botcheck_token": {token}, "botcheck_nonce": {""}, "botcheck_answer": {answer},
		}
	}

	t.Run("wrong answer", func(t *testing.T) {
		tok, sum := question(t, b.Get("/register"))
		page := b.Post("/register", form(bob, tok, strconv.Itoa(sum+1)))
		wantPage(t, page, 400, "Create an account")
		wantErrors(t, page, msgBotWrong)
		if page.Input("email") != bob.Email || page.Input("first_name") != bob.First {
			t.Errorf("input not kept: %q %q", page.Input("first_name"), page.Input("email"))
		}
		// A new question, without the answer to the old one filled in.
		if newTok, _ := question(t, page); newTok == tok || newTok == "" {
			t.Errorf("the page after a wrong answer has challenge %q, want a new one", newTok)
		}
		if got := page.Input("botcheck_answer"); got != "" {
			t.Errorf("the answer to the spent question is shown again: %q", got)
		}
		// The token is spent: the right answer to it no longer counts.
		page = b.Post("/register", form(bob, tok, strconv.Itoa(sum)))
		wantErrors(t, page, msgBotExpired)
		wantNoUser(t, e, bob.Email)
		wantMailCount(t, e, 0)
	})
	t.Run("not a number", func(t *testing.T) {
		tok, _ := question(t, b.Get("/register"))
		page := b.Post("/register", form(bob, tok, "seven"))
		wantPage(t, page, 400, "Create an account")
		wantErrors(t, page, msgBotWrong)
		wantNoUser(t, e, bob.Email)
		wantMailCount(t, e, 0)
	})
	t.Run("missing token", func(t *testing.T) {
		_, sum := question(t, b.Get("/register"))
		page := b.Post("/register", form(bob, "", strconv.Itoa(sum)))
		wantPage(t, page, 400, "Create an account")
		wantErrors(t, page, msgBotExpired)
		wantNoUser(t, e, bob.Email)
		wantMailCount(t, e, 0)
	})
	t.Run("forged token", func(t *testing.T) {
		tok, sum := question(t, b.Get("/register"))
		forged := []byte(tok)
		forged[len(forged)/2] ^= 1
		page := b.Post("/register", form(bob, string(forged), strconv.Itoa(sum)))
		wantPage(t, page, 400, "Create an account")
		wantErrors(t, page, msgBotExpired)
		wantNoUser(t, e, bob.Email)
		wantMailCount(t, e, 0)
	})
	t.Run("right answer, then the token reused", func(t *testing.T) {
		tok, sum := question(t, b.Get("/register"))
		page := b.Post("/register", form(ana, tok, " "+strconv.Itoa(sum)+" "))
		wantPage(t, page, 200, h1CheckEmail)
		mustUser(t, e, ana.Email)
		if got := len(mailsTo(e, ana.Email)); got != 1 {
			t.Errorf("e-mails to %s = %d, want 1", ana.Email, got)
		}
		page = b.Post("/register", form(bob, tok, strconv.Itoa(sum)))
		wantPage(t, page, 400, "Create an account")
		wantErrors(t, page, msgBotExpired)
		wantNoUser(t, e, bob.Email)
		wantMailCount(t, e, 1)
	})
	t.Run("expired token", func(t *testing.T) {
		tok, sum := question(t, b.Get("/register"))
		e.Clock.Advance(21 * time.Minute)
		page := b.Post("/register", form(bob, tok, strconv.Itoa(sum)))
		wantPage(t, page, 400, "Create an account")
		wantErrors(t, page, msgBotExpired)
		wantNoUser(t, e, bob.Email)
		wantMailCount(t, e, 1)
	})
}

// TestMethodRequiredIsAnnounced: a login-method form posted without a
// method names the error on the fieldset and marks every radio invalid and
// described by it.
func TestMethodRequiredIsAnnounced(t *testing.T) {
	e := idptest.New(t, idptest.Options{})
	b := e.NewBrowser(t)
	e.CreateAccount(t, b, bob)
	b2 := e.NewBrowser(t)
	b2.Post("/login", url.Values{"email": {bob.Email}})
	page := b2.Post("/login/method", url.Values{})
	if page.Status != http.StatusBadRequest || len(page.Errors()) != 1 {
		t.Fatalf("no method: %d %q", page.Status, page.Errors())
	}
	if strings.Count(page.Body, `id="method-error"`) != 1 || !strings.Contains(page.Body, `<fieldset class="fieldset field--error" aria-describedby="method-error">`) {
		t.Error("the fieldset is not described by one error message")
	}
	radios := regexp.MustCompile(`<input class="radio__input"[^>]*>`).FindAllString(page.Body, -1)
	if len(radios) < 2 {
		t.Fatalf("radios: %q", radios)
	}
	for _, r := range radios {
		if !strings.Contains(r, `aria-invalid="true"`) || !strings.Contains(r, `aria-describedby="method-error method-`) {
			t.Errorf("radio %s is not marked invalid and described by the error", r)
		}
	}
}
