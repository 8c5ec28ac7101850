package e2e_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestCheckerCatchesProblems proves the page checks would see a problem: a
// page spoilt in the browser (an inline script refused by the CSP, a
// console error, an image without a text alternative, a box wider than a
// phone, a button cut off and a link overlapping the button at 200% zoom)
// is reported on each count.
func TestCheckerCatchesProblems(t *testing.T) {
	s := startSystem(t)
	ctx := newBrowser(t, "en")
	c := watch(t, ctx, "en", nil)
	var got []string
	c.report = func(format string, args ...any) { got = append(got, fmt.Sprintf(format, args...)) }
	l := texts{t, "en"}
	var ok bool
	run(t, ctx, "spoil the login page",
		chromedp.Navigate(s.IdP+"/login?lang=en"),
		heading(l.tr("login.title")),
		chromedp.Evaluate(`(() => {
  const s = document.createElement('script'); s.textContent = 'window.ran = 1'; document.body.appendChild(s);
  console.error('boom from the test');
  const img = document.createElement('img'); img.src = '/static/no-such-image.png'; document.querySelector('main').appendChild(img);
  const wide = document.createElement('div'); wide.style.width = '2000px'; wide.style.height = '1px'; document.querySelector('main').appendChild(wide);
  const cut = document.createElement('button'); cut.type = 'button'; cut.textContent = 'Cut off';
  cut.style.cssText = 'position: fixed; top: 100px; left: 600px; width: 8rem'; document.querySelector('main').appendChild(cut);
  const over = document.createElement('a'); over.href = '#'; over.textContent = 'Overlapping link';
  over.style.cssText = 'display: block; position: relative; top: -3.5rem; width: 12rem';
  document.querySelector('main form button').after(over);
  return true })()`, &ok),
		chromedp.Sleep(500*time.Millisecond),
		c.page(),
		c.phoneSize(),
	)
	all := strings.Join(got, "\n")
	t.Logf("reported:\n%s", all)
	wants := []string{"Content Security Policy", "boom from the test", "scrolls sideways",
		`at 200% zoom is`, `button "Cut off" is cut off`, `overlap`}
	if c.axe != "" {
		wants = append(wants, "image-alt")
	}
	for _, want := range wants {
		if !strings.Contains(all, want) {
			t.Errorf("the checks missed %q; they reported:\n%s", want, all)
		}
	}
}
