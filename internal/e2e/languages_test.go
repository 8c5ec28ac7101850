package e2e_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"eulogin/internal/i18n"
)

// speakers are the people of TestEveryLanguage: names in each language's
// own letters, so that Greek and Cyrillic pass through every page and
// e-mail too.
var speakers = map[string][2]string{
	"bg": {"Мария", "Иванова"}, "cs": {"Jiří", "Dvořák"}, "da": {"Søren", "Ærø"},
	"de": {"Jürgen", "Weiß"}, "el": {"Δημήτρης", "Παπαδόπουλος"}, "en": {"Mary", "O'Brien"},
	"es": {"Íñigo", "Muñoz"}, "et": {"Tõnu", "Õunapuu"}, "fi": {"Väinö", "Häkkinen"},
	"fr": {"Hélène", "Lefèvre"}, "ga": {"Seán", "Ó Súilleabháin"}, "hr": {"Đurđa", "Šimić"},
	"hu": {"Ödön", "Szűcs"}, "it": {"Niccolò", "Rossi"}, "lt": {"Žydrūnas", "Šimkus"},
	"lv": {"Jānis", "Bērziņš"}, "mt": {"Ġużeppi", "Borġ"}, "nl": {"Iñez", "van der Berg"},
	"pl": {"Łukasz", "Wójcik"}, "pt": {"João", "Conceição"}, "ro": {"Ștefan", "Țurcanu"},
	"sk": {"Ľubomír", "Ďurčo"}, "sl": {"Živa", "Čeh"}, "sv": {"Åsa", "Löfgren"},
}

// TestEveryLanguage creates an account and sets its password in each of
// the 24 official languages, in a browser that asks for that language
// (Accept-Language) and is never told otherwise: the portal's Organiser account → Create an
// account (the e-mail language preset to the page's) → the e-mail, found in
// the dev outbox by its subject in that language → the password → saved.
// Every page gets the checks of the other browser tests (axe, console, CSP,
// 200% zoom) and the 360-pixel phone check. English, French, Romanian and
// Latvian walk the same steps, with the same checks and the e-mail read in
// their language, in TestGuideInFourLanguages, so they are not repeated
// here.
func TestEveryLanguage(t *testing.T) {
	// Beside TestExpiredLinkInFourLanguages, whose minute of waiting uses
	// no processor.
	t.Parallel()
	if len(speakers) != len(i18n.EU) {
		t.Fatalf("%d speakers for %d languages", len(speakers), len(i18n.EU))
	}
	s := startSystem(t)
	// One browser for all: a new browser per language cost more than the
	// language's own steps. Between languages its cookies are cleared and
	// its Accept-Language changes, which is all that tells the pages the
	// language.
	ctx := newBrowserFor(t, "en", 8*time.Minute)
	c := watch(t, ctx, "en", nil)
	for _, lang := range i18n.EU {
		if guideLanguages[lang.Tag] {
			continue
		}
		t.Run(lang.Tag, func(t *testing.T) {
			start := time.Now()
			c.flush("before " + lang.Tag)
			c.lang = lang.Tag
			run(t, ctx, "a new visitor who reads "+lang.English,
				network.ClearBrowserCookies(),
				network.SetExtraHTTPHeaders(network.Headers{"Accept-Language": lang.Tag}),
			)
			registerIn(t, s, ctx, c, lang.Tag)
			t.Logf("%s: %s", lang.Tag, time.Since(start).Round(100*time.Millisecond))
		})
	}
}

// guideLanguages are the languages of the guide (TestGuideInFourLanguages).
var guideLanguages = map[string]bool{"en": true, "fr": true, "ro": true, "lv": true}

func registerIn(t *testing.T, s *system, ctx context.Context, c *checker, lang string) {
	l := texts{t, lang}
	who := speakers[lang]
	email := "speaker." + lang + "@example.eu"
	password := "Kalnu upe " + lang + " tek uz jūru 2026!"
	subject := l.tr("mail.register.subject")

	run(t, ctx, "portal in the browser's language → EU Login",
		chromedp.Navigate(s.Portal+"/"),
		heading(l.portal("landing.title")),
		c.page(),
		c.phoneSize(),
		press(l.portal("landing.button")),
		heading(l.tr("login.title")),
		c.page(),
		c.phoneSize(),
	)
	var preset string
	run(t, ctx, "create an account",
		press(l.tr("login.create")),
		heading(l.tr("register.title")),
		c.page(),
		c.phoneSize(),
		chromedp.Value(field(l.tr("register.email_lang")), &preset, chromedp.BySearch),
	)
	if preset != lang {
		t.Errorf("the e-mail language is preset to %q on a %s page, want %q", preset, lang, lang)
	}
	run(t, ctx, "fill in and send",
		fill(l.tr("register.first_name"), who[0]),
		fill(l.tr("register.last_name"), who[1]),
		fill(l.tr("register.email"), email),
		fill(l.tr("register.email_confirm"), email),
		chromedp.WaitVisible(`[data-botcheck-status][data-state="done"]`, chromedp.ByQuery),
		tick(l.tr("register.privacy_label")),
		press(l.tr("register.submit")),
		heading(l.tr("register_sent.title")),
		c.page(),
		c.phoneSize(),
	)
	run(t, ctx, "the e-mail, in this language, and its link",
		chromedp.Navigate(s.IdP+"/dev/outbox"),
		heading(l.tr("outbox.title")),
		press(subject),
		heading(subject),
		chromedp.Click(`//div[@class="pre"]//a[contains(., "/password/new/")]`, chromedp.BySearch),
		heading(l.tr("link_password.title")),
		c.page(),
		c.phoneSize(),
		fill(l.tr("link_password.password"), password),
		fill(l.tr("link_password.password_confirm"), password),
		press(l.tr("link_password.submit")),
		heading(l.tr("password_done.title")),
		c.page(),
		c.phoneSize(),
	)
	var body string
	run(t, ctx, "the e-mail's text", chromedp.Navigate(s.IdP+"/dev/outbox"), press(subject), chromedp.Text(`//div[@class="pre"]`, &body, chromedp.BySearch))
	for _, want := range []string{l.tr("mail.greeting", "name", who[0]+" "+who[1]), l.tr("mail.register.p2", "email", email), l.tr("mail.register.p3")} {
		if !strings.Contains(body, want) {
			t.Errorf("the e-mail lacks %q in %s:\n%s", want, lang, body)
		}
	}
	c.flush("end of " + lang)
}
