package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// catalogues caches the translation catalogues read from the source tree.
var catalogues sync.Map // path → map[string]string

// catalogue returns the catalogue file at path (relative to this package).
func catalogue(t *testing.T, path string) map[string]string {
	t.Helper()
	if c, ok := catalogues.Load(path); ok {
		return c.(map[string]string)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]string
	if err := json.Unmarshal(b, &c); err != nil {
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
	s, ok := catalogue(l.t, file)[key]
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

// Screen sizes: the desktop viewport of the screenshots, and a phone.
const (
	deskWidth, deskHeight   = 1000, 760
	phoneWidth, phoneHeight = 360, 740
)

// checker checks every page a browser visits: axe-core (WCAG 2.1 A/AA),
// console errors and Content Security Policy reports, and, on request, the
// phone size; with EULOGIN_UPDATE_GUIDE=1 it takes the guide's screenshots.
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
}

// watch starts checking the browser of ctx.
func watch(t *testing.T, ctx context.Context, lang string, g *guide) *checker {
	t.Helper()
	c := &checker{t: t, lang: lang, axe: axeSource(t), guide: g, report: t.Errorf, seen: map[string]bool{}, docs: map[string]bool{}}
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
// (once per path and heading).
func (c *checker) page() chromedp.Action { return c.pageAs("") }

// pageAs is page for a state of a page (such as "with errors") that axe
// checks again.
func (c *checker) pageAs(state string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		var url, h1 string
		if err := chromedp.Run(ctx, chromedp.Location(&url), chromedp.Text("h1", &h1, chromedp.ByQuery, chromedp.NodeVisible)); err != nil {
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
