package e2e_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"eulogin/internal/i18n"
)

// catalogues caches the translation catalogues read from the source tree.
var catalogues sync.Map // path → i18n.Catalogue

// catalogue returns the catalogue file at path (relative to this package).
func catalogue(t *testing.T, path string) i18n.Catalogue {
	t.Helper()
	if c, ok := catalogues.Load(path); ok {
		return c.(i18n.Catalogue)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := i18n.ParseCatalogue(b)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	catalogues.Store(path, c)
	return c
}

// texts reads visible texts in one language from the products' catalogues,
// so that the tests find what a person of that language reads.
type texts struct {
	t    *testing.T
	lang string
}

func (l texts) lookup(file, key string, args []string) string {
	l.t.Helper()
	m, ok := catalogue(l.t, file)[key]
	s := m.Text
	if m.Plural() {
		s = m.Forms["other"]
	}
	if !ok || s == "" {
		l.t.Fatalf("%s has no text %q", file, key)
	}
	s = strings.ReplaceAll(s, "{product}", "EU Login")
	for i := 0; i+1 < len(args); i += 2 {
		s = strings.ReplaceAll(s, "{"+args[i]+"}", args[i+1])
	}
	return s
}

// tr is the IdP's (EU Login's) text key, with {name} value pairs.
func (l texts) tr(key string, args ...string) string {
	l.t.Helper()
	return l.lookup(filepath.Join("..", "i18n", "locales", l.lang+".json"), key, args)
}

// portal is the ECI portal's text key, with {name} value pairs.
func (l texts) portal(key string, args ...string) string {
	l.t.Helper()
	return l.lookup(filepath.Join("..", "eci", "locales", l.lang+".json"), key, args)
}

// axeSource returns axe-core's script (EULOGIN_AXE), or "" when the check
// is skipped; with EULOGIN_REQUIRE_ALL=1 it is required.
func axeSource(t *testing.T) string {
	t.Helper()
	path := os.Getenv("EULOGIN_AXE")
	if path == "" {
		if os.Getenv("EULOGIN_REQUIRE_ALL") == "1" {
			t.Fatal("the accessibility check needs axe-core (EULOGIN_REQUIRE_ALL=1): set EULOGIN_AXE to axe.min.js (.ci/run installs it)")
		}
		t.Log("EULOGIN_AXE is not set: the pages are not checked with axe-core")
		return ""
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("EULOGIN_AXE: %v", err)
	}
	return string(b)
}

// axeRun runs axe-core on the page for WCAG 2.1 A and AA, and returns the
// violations.
const axeRun = `axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
  .then(r => r.violations.map(v => ({id: v.id, impact: v.impact || '', help: v.help,
    targets: v.nodes.map(n => n.target.join(' '))})))`

type axeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
}

// Screen sizes: the desktop viewport of the screenshots, a phone, and a
// 1280×800 window zoomed to 200% (640×400 CSS pixels, two device pixels
// each).
const (
	deskWidth, deskHeight   = 1000, 760
	phoneWidth, phoneHeight = 360, 740
	zoomWidth, zoomHeight   = 640, 400
	zoomFactor              = 2
)

// checker checks every page a browser visits: axe-core (WCAG 2.1 A/AA),
// console errors and Content Security Policy reports, the page at 200%
// zoom, and, on request, the phone size; with EULOGIN_UPDATE_GUIDE=1 it
// takes the guide's screenshots.
type checker struct {
	t      *testing.T
	lang   string
	axe    string
	guide  *guide // nil unless the guide is being written
	report func(format string, args ...any)
	mu     sync.Mutex
	events []string        // console errors and CSP reports not yet reported
	docs   map[string]bool // URLs of the pages (documents) loaded
	seen   map[string]bool // pages already checked with axe
	zoomed map[string]bool // pages already checked at 200% zoom
}

// watch starts checking the browser of ctx.
func watch(t *testing.T, ctx context.Context, lang string, g *guide) *checker {
	t.Helper()
	c := &checker{t: t, lang: lang, axe: axeSource(t), guide: g, report: t.Errorf, seen: map[string]bool{}, zoomed: map[string]bool{}, docs: map[string]bool{}}
	chromedp.ListenTarget(ctx, func(ev any) {
		var msg string
		switch ev := ev.(type) {
		case *network.EventResponseReceived:
			if ev.Type == network.ResourceTypeDocument {
				c.mu.Lock()
				c.docs[ev.Response.URL] = true
				c.mu.Unlock()
			}
			return
		case *runtime.EventConsoleAPICalled:
			if ev.Type != runtime.APITypeError && ev.Type != runtime.APITypeAssert {
				return
			}
			var parts []string
			for _, a := range ev.Args {
				if a.Value != nil {
					parts = append(parts, string(a.Value))
				} else {
					parts = append(parts, a.Description)
				}
			}
			msg = fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(parts, " "))
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			msg = "uncaught exception: " + d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			msg += " at " + d.URL
		case *cdplog.EventEntryAdded:
			e := ev.Entry
			if e.Level != cdplog.LevelError && e.Source != cdplog.SourceSecurity && !strings.Contains(e.Text, "Content Security Policy") {
				return
			}
			if e.Source == cdplog.SourceNetwork {
				// A page's own status (400 for a form with errors, 410
				// for a dead link) is the product's answer, not an error
				// of the page.
				c.mu.Lock()
				doc := c.docs[e.URL]
				c.mu.Unlock()
				if doc {
					return
				}
			}
			msg = fmt.Sprintf("log %s/%s: %s %s", e.Source, e.Level, e.Text, e.URL)
		default:
			return
		}
		c.mu.Lock()
		c.events = append(c.events, msg)
		c.mu.Unlock()
	})
	if err := chromedp.Run(ctx, chromedp.EmulateViewport(deskWidth, deskHeight)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.flush("end of the test") })
	return c
}

// flush reports the console errors and CSP reports seen so far.
func (c *checker) flush(where string) {
	c.mu.Lock()
	evs := c.events
	c.events = nil
	c.mu.Unlock()
	for _, e := range evs {
		c.report("[%s] console error or CSP report (before %s): %s", c.lang, where, e)
	}
}

// page checks the page the browser is on: console and CSP so far, and axe
// and 200% zoom (once per path and heading).
func (c *checker) page() chromedp.Action { return c.pageAs("") }

// pageAs is page for a state of a page (such as "with errors") that axe
// checks again.
func (c *checker) pageAs(state string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		var url, h1 string
		// The visible h1: the installable app keeps its other screens, and
		// their headings, hidden in the document.
		if err := chromedp.Run(ctx, chromedp.Location(&url), chromedp.Text("//h1[not(ancestor-or-self::*[@hidden])]", &h1, chromedp.BySearch, chromedp.NodeVisible)); err != nil {
			return err
		}
		path := url
		if i := strings.IndexAny(path, "?#"); i >= 0 {
			path = path[:i]
		}
		where := fmt.Sprintf("%s (%q)", path, strings.TrimSpace(h1))
		if state != "" {
			where += " " + state
		}
		c.flush(where)
		if !c.zoomed[where] {
			c.zoomed[where] = true
			if err := c.zoom(where).Do(ctx); err != nil {
				return err
			}
		}
		if c.axe == "" || c.seen[where] {
			return nil
		}
		c.seen[where] = true
		var loaded bool
		var vs []axeViolation
		err := chromedp.Run(ctx,
			chromedp.Evaluate(c.axe+"\n;true", &loaded),
			chromedp.Evaluate(axeRun, &vs, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }),
		)
		if err != nil {
			return fmt.Errorf("axe on %s: %w", where, err)
		}
		for _, v := range vs {
			c.report("[%s] axe on %s: %s (%s) %s — %s", c.lang, where, v.ID, v.Impact, v.Help, strings.Join(v.Targets, ", "))
		}
		return nil
	})
}

// phoneSize checks that the page fits a 360-pixel-wide phone screen
// without horizontal scrolling.
func (c *checker) phoneSize() chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		var w int64
		var url string
		err := chromedp.Run(ctx,
			chromedp.EmulateViewport(phoneWidth, phoneHeight, chromedp.EmulateMobile),
			chromedp.Evaluate(`document.documentElement.scrollWidth`, &w),
			chromedp.Location(&url),
			chromedp.EmulateViewport(deskWidth, deskHeight),
		)
		if err != nil {
			return err
		}
		if w > phoneWidth {
			c.report("[%s] %s is %d pixels wide on a %d-pixel phone screen: it scrolls sideways", c.lang, url, w, phoneWidth)
		}
		return nil
	})
}

// zoomCheck finds, on a page laid out at 200% zoom, the horizontal
// overflow, the visible interactive elements cut off at the sides of the
// window, and the pairs of them that overlap. Elements inside a box that
// scrolls sideways (a wide table) are reachable by scrolling that box, and
// those wholly above the page (the skip link until it has focus) are
// hidden on purpose; a label and its own control, or an element and one
// inside it, may overlap.
const zoomCheck = `(() => {
  const doc = document.scrollingElement || document.documentElement;
  const vw = doc.clientWidth;
  const name = el => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += '#' + el.id;
    else if (typeof el.className === 'string' && el.className.trim()) s += '.' + el.className.trim().split(/\s+/).join('.');
    const t = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().replace(/\s+/g, ' ').slice(0, 40);
    return t ? s + ' "' + t + '"' : s;
  };
  const scrolls = el => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll') return true;
    }
    return false;
  };
  const out = {width: doc.scrollWidth, client: vw, clipped: [], overlaps: []};
  const items = [];
  for (const el of document.querySelectorAll('a[href], button, input, select, textarea, label, summary')) {
    if (!el.checkVisibility({visibilityProperty: true})) continue;
    const rects = [...el.getClientRects()].filter(r => r.width > 1 && r.height > 1)
      .map(r => ({l: r.left + scrollX, t: r.top + scrollY, r: r.right + scrollX, b: r.bottom + scrollY}));
    if (!rects.length || rects.every(r => r.b <= 0)) continue;
    if (scrolls(el)) continue;
    items.push({el, rects});
    if (rects.some(r => r.r > vw + 1 || r.l < -1)) out.clipped.push(name(el));
  }
  const related = (a, b) => a.contains(b) || b.contains(a) ||
    (a.tagName === 'LABEL' && a.control === b) || (b.tagName === 'LABEL' && b.control === a);
  for (let i = 0; i < items.length; i++) {
    for (let j = i + 1; j < items.length; j++) {
      const a = items[i], b = items[j];
      if (related(a.el, b.el)) continue;
      const hit = a.rects.some(p => b.rects.some(q =>
        Math.min(p.r, q.r) - Math.max(p.l, q.l) > 2 && Math.min(p.b, q.b) - Math.max(p.t, q.t) > 2));
      if (hit) out.overlaps.push(name(a.el) + ' and ' + name(b.el));
    }
  }
  return out;
})()`

type zoomReport struct {
	Width    int64    `json:"width"`
	Client   int64    `json:"client"`
	Clipped  []string `json:"clipped"`
	Overlaps []string `json:"overlaps"`
}

// zoom checks that the page where holds together at 200% zoom: a 1280×800
// window zoomed to 200% lays the page out in 640×400 CSS pixels of two
// device pixels each. Nothing may scroll sideways, and no visible
// interactive element may be cut off or overlap another. The desktop
// viewport is restored afterwards.
func (c *checker) zoom(where string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		var r zoomReport
		err := chromedp.Run(ctx,
			emulation.SetDeviceMetricsOverride(zoomWidth, zoomHeight, zoomFactor, false),
			chromedp.Evaluate(zoomCheck, &r),
			chromedp.EmulateViewport(deskWidth, deskHeight),
		)
		if err != nil {
			return fmt.Errorf("200%% zoom on %s: %w", where, err)
		}
		if r.Width > r.Client+1 {
			c.report("[%s] %s at 200%% zoom is %d CSS pixels wide in a %d-pixel window: it scrolls sideways", c.lang, where, r.Width, r.Client)
		}
		for _, e := range r.Clipped {
			c.report("[%s] %s at 200%% zoom: %s is cut off at the side of the window", c.lang, where, e)
		}
		for _, e := range r.Overlaps {
			c.report("[%s] %s at 200%% zoom: %s overlap", c.lang, where, e)
		}
		return nil
	})
}

// shot takes the screenshot of the guide's step id (when the guide is
// being written); args fill the step's text.
func (c *checker) shot(id string, args ...any) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		if c.guide == nil {
			return nil
		}
		var png []byte
		var top bool
		if err := chromedp.Run(ctx,
			chromedp.Evaluate(`window.scrollTo(0, 0), true`, &top),
			chromedp.CaptureScreenshot(&png),
		); err != nil {
			return err
		}
		return c.guide.add(id, png, args)
	})
}
