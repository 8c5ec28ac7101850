package e2e_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestGuideByKeyboardAlone follows the guide in Chromium with the keyboard
// only — Tab, Space, Enter and typing, sent as key events, no clicks and no
// focus or values set by script: the portal's Organiser account → EU
// Login → Create an account (Skip to main content, the fields, Enter on the
// button; the error summary, its link to the privacy box, the box ticked
// with Space, Enter on the button) → the link of the e-mail in
// the dev outbox → the password → Log in (e-mail, method, password) → My
// Account → the portal again: its dashboard, by single sign-on. At every Tab
// the focused element must be visible on the screen, not covered, and
// drawn differently from when it has no focus (a focus indicator); each
// page's controls are reached in order, from the skip link at the top,
// without focus wrapping round the page first.
func TestGuideByKeyboardAlone(t *testing.T) {
	s := startSystem(t)
	ctx := newBrowser(t, "en")
	watch(t, ctx, "en", nil) // console errors and CSP reports
	// A person's browser window has the system focus; headless Chromium's
	// page has it only when told to, and without it :focus does not match.
	run(t, ctx, "give the page the focus", emulation.SetFocusEmulationEnabled(true))
	l := texts{t, "en"}
	p := people["en"]
	k := &keyboard{t: t, ctx: ctx}

	run(t, ctx, "open the portal", chromedp.Navigate(s.Portal+"/?lang=en"))
	k.open(l.portal("landing.title"))
	k.tabTo(byText(l.portal("frame.skip")), 1)
	k.tabTo(byText(l.portal("landing.button")), 8)
	k.key(kb.Enter)

	k.open(l.tr("login.title"))
	k.startsOn(byID("email")) // autofocus
	k.tabTo(byText(l.tr("login.next")), 1)
	k.tabTo(byText(l.tr("login.create")), 2)
	k.key(kb.Enter)

	k.open(l.tr("register.title"))
	k.tabTo(byText(l.tr("frame.skip")), 1)
	k.keyHere(kb.Enter, "Enter on the skip link")
	if k.focus.ID != "main" {
		t.Errorf("Enter on the skip link moved the focus to %s, want main#main", k.focus)
	}
	k.tabTo(byText(l.tr("register.login_link")), 1)
	k.tabTo(byID("first_name"), 1)
	k.typeText(p.first)
	k.tabTo(byID("last_name"), 1)
	k.typeText(p.last)
	k.tabTo(byID("email"), 1)
	k.typeText(p.email)
	k.tabTo(byID("email_confirm"), 1)
	k.typeText(p.email)
	k.tabTo(byID("email_lang"), 1)
	k.tabTo(byID("privacy"), 1)
	k.tabTo(byText(l.tr("register.privacy_link")), 1)
	k.tabTo(byText(l.tr("register.submit")), 1)
	// The bot check's proof of work runs in a Web Worker; Enter before it
	// ends would wait for it.
	run(t, ctx, "the bot check finishes", chromedp.WaitVisible(`[data-botcheck-status][data-state="done"]`, chromedp.ByQuery))
	k.key(kb.Enter) // the privacy box is not ticked yet

	// The error summary has the focus; its link leads to the checkbox.
	k.open(l.tr("register.title"))
	k.startsOn(byClass("error-summary"))
	k.tabTo(byText(l.tr("register.privacy_required")), 1)
	k.keyHere(kb.Enter, "Enter on the error summary's link")
	if k.focus.ID != "privacy" {
		t.Errorf("Enter on the error summary's link moved the focus to %s, want input#privacy", k.focus)
	}
	k.keyHere(" ", "Space on the checkbox")
	k.wantChecked("privacy")
	k.tabTo(byText(l.tr("register.privacy_link")), 1)
	k.tabTo(byText(l.tr("register.submit")), 1)
	run(t, ctx, "the bot check finishes", chromedp.WaitVisible(`[data-botcheck-status][data-state="done"]`, chromedp.ByQuery))
	k.key(kb.Enter)
	k.open(l.tr("register_sent.title"))

	subject := l.tr("mail.register.subject")
	run(t, ctx, "open the dev outbox (the mailbox)", chromedp.Navigate(s.IdP+"/dev/outbox"))
	k.open(l.tr("outbox.title"))
	k.tabTo(byText(l.tr("frame.skip")), 1)
	k.tabTo(byText(subject), 10)
	k.key(kb.Enter)
	k.open(subject)
	k.tabTo(byHref("/password/new/"), 12)
	k.key(kb.Enter)

	k.open(l.tr("link_password.title"))
	k.tabTo(byText(l.tr("frame.skip")), 1)
	k.tabTo(byID("password"), 8)
	k.typeText(p.password)
	k.tabTo(byID("password_confirm"), 1)
	k.typeText(p.password)
	k.tabTo(byText(l.tr("link_password.submit")), 1)
	k.key(kb.Enter)

	k.open(l.tr("password_done.title"))
	k.tabTo(byText(l.tr("frame.skip")), 1)
	k.tabTo(byText(l.tr("password_done.login")), 8)
	k.key(kb.Enter)

	k.open(l.tr("login.title"))
	k.startsOn(byID("email"))
	k.typeText(p.email)
	k.tabTo(byText(l.tr("login.next")), 1)
	k.key(kb.Enter)

	k.open(l.tr("login_method.title"))
	k.tabTo(byText(l.tr("frame.skip")), 1)
	k.tabTo(byText(l.tr("login.not_you")), 8)
	k.tabTo(byID("method-PASSWORD"), 1) // the chosen method of the radio group
	k.tabTo(byText(l.tr("login.next")), 1)
	k.key(kb.Enter)

	k.open(l.tr("login_password.title"))
	k.startsOn(byID("password"))
	k.typeText(p.password)
	k.tabTo(byText(l.tr("login_password.submit")), 1)
	k.key(kb.Enter)

	k.open(l.tr("account.title"))
	k.tabTo(byText(l.tr("frame.skip")), 1)
	k.tabTo(byText(l.tr("account.phones_card")), 20)

	run(t, ctx, "back to the portal", chromedp.Navigate(s.Portal+"/?lang=en"))
	k.open(l.portal("landing.title"))
	k.tabTo(byText(l.portal("frame.skip")), 1)
	k.tabTo(byText(l.portal("landing.button")), 8)
	k.key(kb.Enter)
	k.open(l.portal("dashboard.welcome", "name", p.first))
	var dashboard string
	run(t, ctx, "read the dashboard", chromedp.Text("main", &dashboard, chromedp.ByQuery))
	if !strings.Contains(dashboard, p.email) {
		t.Errorf("the dashboard reached by keyboard shows %q, want %s", dashboard, p.email)
	}
}

// kbElement is the focused element as the keyboard test sees it.
type kbElement struct {
	Key   int    `json:"key"` // the same number for the same element of a page
	Tag   string `json:"tag"`
	ID    string `json:"id"`
	Class string `json:"class"`
	Text  string `json:"text"`
	Href  string `json:"href"`
	Stop  bool   `json:"stop"` // a Tab stop (not a skip link's target, tabindex=-1)
}

func (e *kbElement) String() string {
	if e == nil {
		return "nothing (the page itself)"
	}
	s := e.Tag
	if e.ID != "" {
		s += "#" + e.ID
	}
	if e.Text != "" {
		text := []rune(e.Text)
		if len(text) > 70 {
			text = append(text[:70], '…')
		}
		s += fmt.Sprintf(" %q", string(text))
	}
	return s
}

// kbStep is what one key press did to the focus.
type kbStep struct {
	Focus     *kbElement `json:"focus"`     // the focused element, or nil for the page
	Hidden    string     `json:"hidden"`    // why the focused element cannot be seen, or ""
	Indicator string     `json:"indicator"` // yes, no, or later (no unfocused look known yet)
	Left      *kbElement `json:"left"`      // the element that lost the focus, when its indicator was "later"
	LeftShown bool       `json:"leftShown"` // whether it looked different while focused
}

// kbWant is a focusable element the keyboard user looks for.
type kbWant struct {
	name string
	ok   func(*kbElement) bool
}

func byID(id string) kbWant {
	return kbWant{"#" + id, func(e *kbElement) bool { return e.ID == id }}
}

func byText(text string) kbWant {
	return kbWant{fmt.Sprintf("%q", text), func(e *kbElement) bool { return e.Text == text }}
}

func byClass(class string) kbWant {
	return kbWant{"." + class, func(e *kbElement) bool { return slices.Contains(strings.Fields(e.Class), class) }}
}

func byHref(part string) kbWant {
	return kbWant{"a link to " + part, func(e *kbElement) bool { return e.Tag == "a" && strings.Contains(e.Href, part) }}
}

// kbSetup records how each focusable element of the page looks without the
// focus, then reports the element focused when the page opened. The look
// is what can draw a focus indicator: the outline (when drawn in a colour),
// the shadows (rings) and the background, of the element, its ::before and
// ::after, its labels (a custom checkbox draws its box and focus ring on
// the label) and its first children. A change of text or border colour
// alone is too faint to count.
const kbSetup = `(async () => {
  // Autofocus happens at a rendering update after the page has loaded.
  if (document.readyState !== 'complete') await new Promise(r => addEventListener('load', r, {once: true}));
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const props = ['box-shadow', 'background-color', 'background-image'];
  const look = (el, pseudo) => {
    const cs = getComputedStyle(el, pseudo);
    const seen = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0 &&
      !/^(transparent|rgba\(\d+, \d+, \d+, 0\))$/.test(cs.outlineColor);
    return (seen ? cs.outlineStyle + ' ' + cs.outlineWidth + ' ' + cs.outlineColor : 'none') + '|' +
      props.map(p => cs.getPropertyValue(p)).join('|');
  };
  const sig = el => {
    const parts = [];
    const add = e => { parts.push(look(e), look(e, '::before'), look(e, '::after')); };
    add(el);
    for (const lb of el.labels || []) add(lb);
    for (const c of [...el.querySelectorAll('*')].slice(0, 5)) parts.push(look(c));
    return parts.join('\n');
  };
  const k = {base: new WeakMap(), focused: new WeakMap(), keys: new WeakMap(), n: 0, last: null, sig};
  k.desc = el => {
    if (!el || el === document.body || el === document.documentElement) return null;
    if (!k.keys.has(el)) k.keys.set(el, ++k.n);
    return {key: k.keys.get(el), tag: el.tagName.toLowerCase(), id: el.id, class: String(el.className),
      text: (el.innerText || '').trim().replace(/\s+/g, ' '), href: el.href || '', stop: el.tabIndex >= 0};
  };
  k.hidden = el => {
    let box = el;
    if (el.matches('input[type=checkbox], input[type=radio]') && getComputedStyle(el).opacity === '0' && el.labels && el.labels.length) box = el.labels[0];
    if (!box.checkVisibility({visibilityProperty: true, opacityProperty: true})) return 'it is hidden';
    const r = box.getClientRects()[0];
    if (!r || r.width < 2 || r.height < 2) return 'it has no size';
    if (r.bottom <= 0 || r.top >= innerHeight || r.right <= 0 || r.left >= innerWidth)
      return 'it is off the screen at ' + Math.round(r.left) + ',' + Math.round(r.top);
    const x = Math.min(Math.max(r.left + r.width / 2, 0), innerWidth - 1);
    const y = Math.min(Math.max(r.top + r.height / 2, 0), innerHeight - 1);
    const hit = document.elementFromPoint(x, y);
    if (hit && !(box.contains(hit) || el.contains(hit) || hit.contains(el) || (hit.tagName === 'LABEL' && hit.control === el))) {
      return 'it is covered by ' + hit.tagName.toLowerCase() + (hit.className ? '.' + String(hit.className).trim().split(/\s+/).join('.') : '');
    }
    return '';
  };
  k.step = () => {
    const el = document.activeElement;
    const res = {};
    if (k.last && k.last !== el && k.focused.has(k.last)) {
      res.left = k.desc(k.last);
      res.leftShown = k.sig(k.last) !== k.focused.get(k.last);
      k.focused.delete(k.last);
    }
    res.focus = k.desc(el);
    if (res.focus) {
      res.hidden = k.hidden(el);
      const now = k.sig(el);
      if (k.base.has(el)) {
        res.indicator = now !== k.base.get(el) ? 'yes' : 'no';
      } else {
        res.indicator = 'later';
        k.focused.set(el, now);
      }
    }
    k.last = el;
    return res;
  };
  for (const el of document.querySelectorAll('a[href], button, input, select, textarea, summary, [tabindex]')) {
    if (el !== document.activeElement) k.base.set(el, sig(el));
  }
  window.__kb = k;
  return k.step();
})()`

// pressKeys presses the keys of s one after the other as a keyboard does: a
// keyDown that carries the key's text, then a keyUp. (chromedp.KeyEvent
// sends the text in a separate char event, which reaches the element that
// has the focus after the keyDown: Enter on a link to a field of a form
// would then also send the form.) Runes without a key of their own are
// sent as chromedp does.
func pressKeys(s string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		for _, r := range s {
			k, ok := kb.Keys[r]
			if !ok {
				for _, e := range kb.EncodeUnidentified(r) {
					if err := e.Do(ctx); err != nil {
						return err
					}
				}
				continue
			}
			down := input.DispatchKeyEvent(input.KeyDown).WithKey(k.Key).WithCode(k.Code).
				WithWindowsVirtualKeyCode(k.Windows).WithNativeVirtualKeyCode(k.Native)
			if k.Shift {
				down = down.WithModifiers(input.ModifierShift)
			}
			up := *down
			up.Type = input.KeyUp
			if k.Print {
				down = down.WithText(k.Text).WithUnmodifiedText(k.Unmodified)
			} else {
				down.Type = input.KeyRawDown
			}
			if err := down.Do(ctx); err != nil {
				return err
			}
			if err := up.Do(ctx); err != nil {
				return err
			}
		}
		return nil
	})
}

func awaitPromise(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }

// keyboard drives a page with key presses and checks the focus.
type keyboard struct {
	t       *testing.T
	ctx     context.Context
	page    string         // the heading of the page
	visited map[int]string // elements of the page that had the focus
	focus   *kbElement     // the focused element
}

// open waits for the page headed h1 and starts watching its focus.
func (k *keyboard) open(h1 string) {
	k.t.Helper()
	var st kbStep
	run(k.t, k.ctx, "open "+h1, newPage(), heading(h1), chromedp.Evaluate(kbSetup, &st, awaitPromise))
	k.page = h1
	k.visited = map[int]string{}
	k.focus = nil
	k.check("on opening", st)
}

// check checks the focus after a key press: the focused element must be
// seen, and a Tab stop must look different with the focus. (The targets of
// in-page links, such as main for the skip link, need no indicator.)
func (k *keyboard) check(after string, st kbStep) {
	k.t.Helper()
	if st.Left != nil && st.Left.Stop && !st.LeftShown {
		k.t.Errorf("%s: %s has no visible focus indicator: it looks the same with and without the focus", k.page, st.Left)
	}
	k.focus = st.Focus
	if st.Focus == nil {
		return
	}
	k.visited[st.Focus.Key] = st.Focus.String()
	if st.Hidden != "" {
		k.t.Errorf("%s: %s, the focus is on %s, but %s", k.page, after, st.Focus, st.Hidden)
	}
	if st.Indicator == "no" && st.Focus.Stop {
		k.t.Errorf("%s: %s, the focus is on %s, which has no visible focus indicator: it looks the same as without the focus", k.page, after, st.Focus)
	}
}

// startsOn checks that the page opened with the focus on want.
func (k *keyboard) startsOn(want kbWant) {
	k.t.Helper()
	if k.focus == nil || !want.ok(k.focus) {
		k.t.Fatalf("%s opened with the focus on %s, want %s", k.page, k.focus, want.name)
	}
}

// tabTo presses Tab until the focus is on want, at most max times; the
// focus must not leave the page or come back to an element it was on.
func (k *keyboard) tabTo(want kbWant, max int) {
	k.t.Helper()
	var path []string
	for i := 1; i <= max; i++ {
		var st kbStep
		run(k.t, k.ctx, "Tab on "+k.page, pressKeys(kb.Tab), chromedp.Evaluate(`__kb.step()`, &st))
		if st.Focus == nil {
			k.t.Fatalf("%s: Tab after %v left the page before reaching %s", k.page, path, want.name)
		}
		if _, ok := k.visited[st.Focus.Key]; ok {
			k.t.Fatalf("%s: Tab after %v came back to %s before reaching %s: the focus order is wrong", k.page, path, st.Focus, want.name)
		}
		k.check(fmt.Sprintf("after Tab #%d towards %s", i, want.name), st)
		path = append(path, st.Focus.String())
		if want.ok(st.Focus) {
			k.t.Logf("%s: Tab → %s", k.page, strings.Join(path, " → "))
			return
		}
	}
	k.t.Fatalf("%s: %d Tabs went through %v, not reaching %s", k.page, max, path, want.name)
}

// key presses keys on the focused element that lead to another page, such
// as Enter on a button or a link; open then waits for that page.
func (k *keyboard) key(keys string) {
	k.t.Helper()
	run(k.t, k.ctx, fmt.Sprintf("press %q on %s", keys, k.page), markPage(), pressKeys(keys))
}

// keyHere presses keys that keep the browser on the page (Space on a
// checkbox, Enter on the skip link) and follows the focus.
func (k *keyboard) keyHere(keys, what string) {
	k.t.Helper()
	var st kbStep
	run(k.t, k.ctx, fmt.Sprintf("press %q on %s", keys, k.page), pressKeys(keys), chromedp.Evaluate(`__kb.step()`, &st))
	if st.Focus == nil {
		k.t.Fatalf("%s: %s left the focus on the page itself", k.page, what)
	}
	k.check("after "+what, st)
}

// typeText types s into the focused field and checks it arrived.
func (k *keyboard) typeText(s string) {
	k.t.Helper()
	var got string
	run(k.t, k.ctx, "type into "+k.focus.String(), pressKeys(s), chromedp.Evaluate(`document.activeElement.value`, &got))
	if got != s {
		k.t.Fatalf("%s: typing %q into %s gave %q", k.page, s, k.focus, got)
	}
}

// wantChecked checks that the checkbox id is ticked.
func (k *keyboard) wantChecked(id string) {
	k.t.Helper()
	var on bool
	run(k.t, k.ctx, "read "+id, chromedp.Evaluate(fmt.Sprintf(`document.getElementById(%q).checked`, id), &on))
	if !on {
		k.t.Fatalf("%s: Space on #%s did not tick it", k.page, id)
	}
}
