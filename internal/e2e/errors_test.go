package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	smsauth "eulogin/internal/authn/sms"
)

// TestErrorsAreAnnounced submits forms of the guide with mistakes, in
// English and French, each with its own system and browser: "Create an
// account" with two different e-mail addresses and the privacy box not
// ticked, a password too short on "Create your password", a wrong password
// at login, and a wrong code from the SMS when adding a phone number. Each
// time the page must announce the errors the way screen readers hear them:
// an error summary in a live region (role="alert" or aria-live) with the
// catalogue's heading and one link per field in error, in page order, to
// that field; the focus on the summary (or the first field in error); and
// each field in error, and only those, marked aria-invalid="true" and
// described (aria-describedby) by its visible message, the catalogue's
// text in the page's language after the hidden "Error:" prefix.
func TestErrorsAreAnnounced(t *testing.T) {
	for _, lang := range []string{"en", "fr"} {
		t.Run(lang, func(t *testing.T) { announceErrors(t, lang) })
	}
}

func announceErrors(t *testing.T, lang string) {
	s := startSystem(t)
	ctx := newBrowser(t, lang)
	c := watch(t, ctx, lang, nil)
	l := texts{t, lang}
	p := people[lang]

	run(t, ctx, "create an account with two different addresses and no tick",
		chromedp.Navigate(s.IdP+"/register?lang="+lang),
		heading(l.tr("register.title")),
		fill(l.tr("register.first_name"), p.first),
		fill(l.tr("register.last_name"), p.last),
		fill(l.tr("register.email"), p.email),
		fill(l.tr("register.email_confirm"), "other."+p.email),
		chromedp.WaitVisible(`[data-botcheck-status][data-state="done"]`, chromedp.ByQuery),
		reloaded(press(l.tr("register.submit"))),
		heading(l.tr("register.title")),
	)
	announced(t, ctx, l, l.tr("register.title"),
		fieldError{"email_confirm", l.tr("register.confirm_mismatch")},
		fieldError{"privacy", l.tr("register.privacy_required")},
	)
	var kept string
	run(t, ctx, "the input is kept", c.pageAs("with errors"), chromedp.Value("#first_name", &kept, chromedp.ByQuery))
	if kept != p.first {
		t.Errorf("[%s] after the errors the first name reads %q, want %q as typed", lang, kept, p.first)
	}

	run(t, ctx, "correct the form",
		fill(l.tr("register.email_confirm"), p.email),
		chromedp.WaitVisible(`[data-botcheck-status][data-state="done"]`, chromedp.ByQuery),
		tick(l.tr("register.privacy_label")),
		press(l.tr("register.submit")),
		heading(l.tr("register_sent.title")),
	)

	subject := l.tr("mail.register.subject")
	run(t, ctx, "follow the e-mail's link; choose a password too short",
		chromedp.Navigate(s.IdP+"/dev/outbox"),
		press(subject),
		heading(subject),
		chromedp.Click(`//div[@class="pre"]//a[contains(., "/password/new/")]`, chromedp.BySearch),
		heading(l.tr("link_password.title")),
		fill(l.tr("link_password.password"), "Lune 7"),
		fill(l.tr("link_password.password_confirm"), "Lune 7"),
		reloaded(press(l.tr("link_password.submit"))),
		heading(l.tr("link_password.title")),
	)
	announced(t, ctx, l, l.tr("link_password.title"),
		fieldError{"password", l.tr("password.rule.too_short", "min", "10")},
	)
	run(t, ctx, "check the page with errors", c.pageAs("with errors"))

	run(t, ctx, "a good password; log in with a wrong one",
		fill(l.tr("link_password.password"), p.password),
		fill(l.tr("link_password.password_confirm"), p.password),
		press(l.tr("link_password.submit")),
		heading(l.tr("password_done.title")),
		press(l.tr("password_done.login")),
		heading(l.tr("login.title")),
		fill(l.tr("login.email"), p.email),
		press(l.tr("login.next")),
		heading(l.tr("login_method.title")),
		press(l.tr("login.next")),
		heading(l.tr("login_password.title")),
		fill(l.tr("login_password.password"), p.password+"!"),
		reloaded(press(l.tr("login_password.submit"))),
		heading(l.tr("login_password.title")),
	)
	announced(t, ctx, l, l.tr("login_password.title"),
		fieldError{"password", l.tr("login.failed")},
	)
	run(t, ctx, "check the page with errors", c.pageAs("with errors"))

	run(t, ctx, "log in; add a phone number",
		fill(l.tr("login_password.password"), p.password),
		press(l.tr("login_password.submit")),
		heading(l.tr("account.title")),
		press(l.tr("account.phones_card")),
		heading(l.tr("phones.title")),
		press(l.tr("phones.add")),
		heading(l.tr("phone_add.title")),
		fill(l.tr("phone_add.number"), p.typed),
		press(l.tr("phone_add.submit")),
		heading(l.tr("phone_code.title")),
	)
	code := lastSMS(t, ctx, s)
	wrong := "X" + code[1:] // SMS codes are digits and capitals, never X first
	if code[0] == 'X' {
		wrong = "Y" + code[1:]
	}
	run(t, ctx, "type a wrong code",
		fill(l.tr("sms_code.label"), wrong),
		reloaded(press(l.tr("phone_code.submit"))),
		heading(l.tr("phone_code.title")),
	)
	announced(t, ctx, l, l.tr("phone_code.title"),
		fieldError{"code", l.tr("sms_code.wrong", "n", fmt.Sprint(smsauth.MaxAttempts-1))},
	)
	run(t, ctx, "check the page with errors", c.pageAs("with errors"))
}

// reloaded runs submit, which sends a form whose answer has the same
// heading, and waits until the new page has loaded.
func reloaded(submit chromedp.Action) chromedp.Action {
	return chromedp.Tasks{markPage(), submit, newPage()}
}

// markPage marks the document the browser shows, so that newPage can tell
// when another one has replaced it.
func markPage() chromedp.Action {
	var ok bool
	return chromedp.Evaluate(`window.e2eOldPage = true`, &ok)
}

// newPage waits until a document without markPage's mark has loaded.
func newPage() chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		for {
			// While the page changes, its script context comes and goes:
			// errors until then are expected.
			var loaded bool
			err := chromedp.Run(ctx, chromedp.Evaluate(`!window.e2eOldPage && document.readyState === 'complete'`, &loaded))
			if err == nil && loaded {
				return nil
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("no new page loaded: %w", ctx.Err())
			case <-time.After(50 * time.Millisecond):
			}
		}
	})
}

// fieldError is a field in error and its message.
type fieldError struct {
	id, message string
}

// errorsOnPage reads, once the page has settled (autofocus happens at a
// rendering update after the load), the error summary, the focus, the
// fields marked invalid, and what describes each of the fields ids.
const errorsOnPage = `(async ids => {
  if (document.readyState !== 'complete') await new Promise(r => addEventListener('load', r, {once: true}));
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const norm = s => (s || '').replace(/\s+/g, ' ').trim();
  const live = el => {
    for (let e = el; e; e = e.parentElement) {
      const role = e.getAttribute('role'), l = e.getAttribute('aria-live');
      if (role === 'alert' || role === 'status') return 'role=' + role;
      if (l === 'assertive' || l === 'polite') return 'aria-live=' + l;
    }
    return '';
  };
  const out = {};
  const sum = document.querySelector('.error-summary');
  if (sum) {
    const h = sum.querySelector('h2, h3');
    out.summary = {live: live(sum), title: norm(h && h.textContent),
      links: [...sum.querySelectorAll('a')].map(a => {
        const href = a.getAttribute('href') || '';
        return {href, text: norm(a.textContent), exists: href.startsWith('#') && !!document.getElementById(href.slice(1))};
      })};
  }
  const a = document.activeElement;
  out.focus = !a || a === document.body ? '' : a === sum ? 'summary' : (a.id ? '#' + a.id : a.tagName.toLowerCase());
  out.invalid = [...document.querySelectorAll('[aria-invalid="true"]')].map(e => e.id || e.name || e.tagName);
  out.fields = ids.map(id => {
    const f = document.getElementById(id);
    if (!f) return {id, missing: true};
    const described = (f.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
    return {id, invalid: f.getAttribute('aria-invalid') || '', described: described.map(d => {
      const m = document.getElementById(d);
      return m ? {id: d, text: norm(m.textContent), visible: m.checkVisibility() && m.getClientRects().length > 0} : {id: d, missing: true};
    })};
  });
  return out;
})`

type pageErrors struct {
	Summary *struct {
		Live  string `json:"live"`
		Title string `json:"title"`
		Links []struct {
			Href   string `json:"href"`
			Text   string `json:"text"`
			Exists bool   `json:"exists"`
		} `json:"links"`
	} `json:"summary"`
	Focus   string   `json:"focus"`
	Invalid []string `json:"invalid"`
	Fields  []struct {
		ID        string `json:"id"`
		Missing   bool   `json:"missing"`
		Invalid   string `json:"invalid"`
		Described []struct {
			ID      string `json:"id"`
			Missing bool   `json:"missing"`
			Text    string `json:"text"`
			Visible bool   `json:"visible"`
		} `json:"described"`
	} `json:"fields"`
}

// announced checks that the page the browser is on announces exactly the
// errors want, in this order.
func announced(t *testing.T, ctx context.Context, l texts, page string, want ...fieldError) {
	t.Helper()
	ids := make([]string, len(want))
	for i, w := range want {
		ids[i] = w.id
	}
	arg, err := json.Marshal(ids)
	if err != nil {
		t.Fatal(err)
	}
	var got pageErrors
	run(t, ctx, "read the errors of "+page, chromedp.Evaluate(errorsOnPage+"("+string(arg)+")", &got, awaitPromise))
	where := fmt.Sprintf("[%s] %s", l.lang, page)
	norm := func(s string) string { return strings.Join(strings.Fields(s), " ") }

	if got.Summary == nil {
		t.Errorf("%s with errors has no error summary", where)
	} else {
		sum := got.Summary
		if sum.Live == "" {
			t.Errorf(`%s: the error summary is not announced: no role="alert" or aria-live on it or around it`, where)
		}
		if want := norm(l.tr("frame.error_summary")); sum.Title != want {
			t.Errorf("%s: the error summary's heading reads %q, want %q", where, sum.Title, want)
		}
		if len(sum.Links) != len(want) {
			t.Errorf("%s: the error summary has %d links, want %d (%v)", where, len(sum.Links), len(want), want)
		}
		for i, w := range want {
			if i >= len(sum.Links) {
				break
			}
			a := sum.Links[i]
			if a.Href != "#"+w.id || !a.Exists || a.Text != norm(w.message) {
				t.Errorf("%s: error summary link %d is %q to %s (target found: %v), want %q to #%s", where, i+1, a.Text, a.Href, a.Exists, norm(w.message), w.id)
			}
		}
	}
	if len(want) > 0 && got.Focus != "summary" && got.Focus != "#"+want[0].id {
		t.Errorf("%s: the focus is on %q after the errors, want the error summary or #%s", where, got.Focus, want[0].id)
	}
	if strings.Join(got.Invalid, " ") != strings.Join(ids, " ") {
		t.Errorf("%s: the fields marked aria-invalid are %v, want %v", where, got.Invalid, ids)
	}
	prefix := l.tr("frame.error_prefix")
	for i, f := range got.Fields {
		w := want[i]
		if f.Missing {
			t.Errorf("%s: no field #%s", where, w.id)
			continue
		}
		if f.Invalid != "true" {
			t.Errorf(`%s: #%s has aria-invalid=%q, want "true"`, where, w.id, f.Invalid)
		}
		message := norm(prefix + ": " + w.message)
		found := false
		for _, d := range f.Described {
			if !d.Missing && d.Visible && d.Text == message {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: #%s is described (aria-describedby) by %+v, none visible and reading %q", where, w.id, f.Described, message)
		}
	}
}
