package e2e_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestExpiredLinkInFourLanguages follows the guide's expired-link path in
// each language (links valid for one minute), each with its own system and
// browser: the link of the registration e-mail, opened too late, asks for
// the username; a wrong address is refused with an error summary, the right
// one sends a new link; the old link is then dead and the new one creates
// the password. The four languages share the minute of waiting: all four
// register, then all four open their links.
func TestExpiredLinkInFourLanguages(t *testing.T) {
	// Mostly a minute of waiting: it runs beside TestEveryLanguage, after
	// the other tests.
	t.Parallel()
	type pending struct {
		lang, oldLink string
		ctx           context.Context
		c             *checker
	}
	var runs []pending
	var registered time.Time
	for _, lang := range []string{"en", "fr", "ro", "lv"} {
		ctx, c, link := registerForLink(t, lang)
		registered = time.Now() // the last link expires last
		runs = append(runs, pending{lang, link, ctx, c})
	}
	time.Sleep(time.Until(registered.Add(time.Minute + 2*time.Second)))
	for _, r := range runs {
		renewLink(t, r.ctx, r.c, r.lang, r.oldLink)
	}
}

// registerForLink starts a system and a browser in lang whose links last
// one minute, creates an account and returns the link of the e-mail.
func registerForLink(t *testing.T, lang string) (context.Context, *checker, string) {
	s := startSystem(t, "--link-ttl", "1m")
	// The browsers wait for the minute of all four languages, on a machine
	// busy with the other packages' tests.
	ctx := newBrowserFor(t, lang, 8*time.Minute)
	c := watch(t, ctx, lang, nil)
	l := texts{t, lang}
	p := people[lang]
	subject := l.tr("mail.register.subject")

	run(t, ctx, lang+": create an account",
		chromedp.Navigate(s.IdP+"/register?lang="+lang),
		heading(l.tr("register.title")),
		fill(l.tr("register.first_name"), p.first),
		fill(l.tr("register.last_name"), p.last),
		fill(l.tr("register.email"), p.email),
		fill(l.tr("register.email_confirm"), p.email),
		chromedp.WaitVisible(`[data-botcheck-status][data-state="done"]`, chromedp.ByQuery),
		tick(l.tr("register.privacy_label")),
		press(l.tr("register.submit")),
		heading(l.tr("register_sent.title")),
	)
	var link string
	run(t, ctx, lang+": the link in the e-mail",
		chromedp.Navigate(s.IdP+"/dev/outbox"),
		press(subject),
		heading(subject),
		chromedp.Text(`//div[@class="pre"]//a[contains(., "/password/new/")]`, &link, chromedp.BySearch),
	)
	return ctx, c, strings.TrimSpace(link)
}

// renewLink opens the expired link oldLink and follows the path to a new
// link and the password.
func renewLink(t *testing.T, ctx context.Context, c *checker, lang, oldLink string) {
	l := texts{t, lang}
	p := people[lang]
	subject := l.tr("mail.register.subject")
	idp := oldLink[:strings.Index(oldLink, "/password/")]
	var h1 string
	run(t, ctx, lang+": open the link too late", chromedp.Navigate(oldLink), chromedp.Text("h1", &h1, chromedp.ByQuery, chromedp.NodeVisible))
	if h1 = strings.TrimSpace(h1); h1 != l.tr("link_expired.title") {
		t.Fatalf("%s: the link opened after its minute shows %q, want %q", lang, h1, l.tr("link_expired.title"))
	}
	run(t, ctx, lang+": the expired link asks for the username; a wrong one is refused",
		c.page(),
		c.phoneSize(),
		fill(l.tr("link_expired.email"), "someone.else@example.org"),
		press(l.tr("link_expired.submit")),
		heading(l.tr("link_expired.title")),
		chromedp.WaitVisible("//h2[normalize-space(.)="+xq(l.tr("frame.error_summary"))+"]", chromedp.BySearch),
		chromedp.WaitVisible("//*[contains(normalize-space(.), "+xq(l.tr("link_expired.mismatch"))+")]", chromedp.BySearch),
		c.pageAs("with an error"),
	)
	run(t, ctx, lang+": the right username sends a new link",
		fill(l.tr("link_expired.email"), p.email),
		press(l.tr("link_expired.submit")),
		heading(l.tr("register_sent.title")),
		c.page(),
		chromedp.Navigate(oldLink),
		heading(l.tr("link_dead.title")),
		c.page(),
	)
	var newLink string
	run(t, ctx, lang+": the new link creates the password",
		chromedp.Navigate(idp+"/dev/outbox"),
		press(subject),
		heading(subject),
		chromedp.Text(`//div[@class="pre"]//a[contains(., "/password/new/")]`, &newLink, chromedp.BySearch),
	)
	if strings.TrimSpace(newLink) == oldLink {
		t.Fatalf("the newest e-mail holds the old link %s", oldLink)
	}
	run(t, ctx, lang+": set the password",
		chromedp.Navigate(strings.TrimSpace(newLink)),
		heading(l.tr("link_password.title")),
		fill(l.tr("link_password.password"), p.password),
		fill(l.tr("link_password.password_confirm"), p.password),
		press(l.tr("link_password.submit")),
		heading(l.tr("password_done.title")),
		c.page(),
	)
}
