// Package webtest reads the HTML that eulogin's servers write, for tests
// that check what independent checkers (the W3C Nu HTML Checker, axe) would
// flag: one autofocus per page, scrollable regions reachable by keyboard, a
// meta description.
//
// It reads start tags with a regular expression rather than a full HTML
// parser, which is enough for pages made by html/template: attribute values
// are quoted and escaped there, and the pages carry no inline script.
package webtest

import (
	"fmt"
	"html"
	"regexp"
	"strings"
)

// Element is the start tag of an element of a page.
type Element struct {
	Name  string            // the tag name, in lower case
	Attrs map[string]string // attribute values, unescaped; "" for a bare attribute
	end   int               // the offset of the end of the start tag in the page
}

// Has reports whether the element carries attr.
func (e Element) Has(attr string) bool {
	_, ok := e.Attrs[attr]
	return ok
}

// String shows the element as a short start tag, for test messages.
func (e Element) String() string {
	var b strings.Builder
	b.WriteString("<" + e.Name)
	for _, a := range []string{"id", "name", "class"} {
		if v, ok := e.Attrs[a]; ok {
			fmt.Fprintf(&b, " %s=%q", a, v)
		}
	}
	b.WriteString(">")
	return b.String()
}

var (
	commentRE = regexp.MustCompile(`(?s)<!--.*?-->`)
	tagRE     = regexp.MustCompile(`<([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?)*)\s*/?>`)
	attrRE    = regexp.MustCompile(`([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?`)
	markupRE  = regexp.MustCompile(`(?s)<[^>]*>`)
	// spaceRE is HTML's white space, which collapses; a no-break space
	// does not.
	spaceRE = regexp.MustCompile(`[ \t\n\r\f]+`)
)

// Elements returns the start tags of body in document order, leaving out
// those inside comments.
func Elements(body string) []Element {
	// Comments keep their length, so that offsets stay those of body.
	body = commentRE.ReplaceAllStringFunc(body, func(c string) string { return strings.Repeat(" ", len(c)) })
	var out []Element
	for _, m := range tagRE.FindAllStringSubmatchIndex(body, -1) {
		e := Element{Name: strings.ToLower(body[m[2]:m[3]]), Attrs: map[string]string{}, end: m[1]}
		for _, a := range attrRE.FindAllStringSubmatch(body[m[4]:m[5]], -1) {
			e.Attrs[strings.ToLower(a[1])] = html.UnescapeString(a[2] + a[3] + a[4])
		}
		out = append(out, e)
	}
	return out
}

// Find returns the elements of body for which match is true.
func Find(body string, match func(Element) bool) []Element {
	var out []Element
	for _, e := range Elements(body) {
		if match(e) {
			out = append(out, e)
		}
	}
	return out
}

// ByID returns the element of body whose id is id.
func ByID(body, id string) (Element, bool) {
	for _, e := range Elements(body) {
		if e.Attrs["id"] == id {
			return e, true
		}
	}
	return Element{}, false
}

// Text returns the text of e in body, up to its end tag, without markup,
// unescaped and with white space collapsed and trimmed. Elements of the same name nested in e
// are not expected (a caption, a heading).
func Text(body string, e Element) string {
	rest := body[e.end:]
	if i := strings.Index(strings.ToLower(rest), "</"+e.Name); i >= 0 {
		rest = rest[:i]
	}
	text := html.UnescapeString(spaceRE.ReplaceAllString(markupRE.ReplaceAllString(rest, " "), " "))
	return strings.Trim(text, " ")
}

// HasClass reports whether e's class attribute names class.
func (e Element) HasClass(class string) bool {
	for _, c := range strings.Fields(e.Attrs["class"]) {
		if c == class {
			return true
		}
	}
	return false
}

// Autofocused returns the elements of body that carry autofocus.
func Autofocused(body string) []Element {
	return Find(body, func(e Element) bool { return e.Has("autofocus") })
}

// ScrollRegionProblems checks every wrapper that may scroll sideways (class
// table-wrap): axe's rule scrollable-region-focusable wants it reachable by
// keyboard (tabindex="0"), and a region needs a name, here given by
// aria-labelledby naming an element with text. It returns what is wrong,
// and the number of wrappers seen.
func ScrollRegionProblems(body string) (problems []string, wrappers int) {
	for _, e := range Find(body, func(e Element) bool { return e.HasClass("table-wrap") }) {
		wrappers++
		if e.Attrs["tabindex"] != "0" {
			problems = append(problems, fmt.Sprintf("%v has tabindex %q, want \"0\"", e, e.Attrs["tabindex"]))
		}
		if e.Attrs["role"] != "region" {
			problems = append(problems, fmt.Sprintf("%v has role %q, want \"region\"", e, e.Attrs["role"]))
		}
		id := e.Attrs["aria-labelledby"]
		if id == "" {
			problems = append(problems, fmt.Sprintf("%v has no aria-labelledby", e))
			continue
		}
		for _, id := range strings.Fields(id) {
			label, ok := ByID(body, id)
			if !ok {
				problems = append(problems, fmt.Sprintf("%v is labelled by %q, which is not on the page", e, id))
			} else if Text(body, label) == "" {
				problems = append(problems, fmt.Sprintf("%v is labelled by %v, which has no text", e, label))
			}
		}
	}
	return problems, wrappers
}

// MetaDescriptions returns the contents of the page's
// <meta name="description"> elements.
func MetaDescriptions(body string) []string {
	var out []string
	for _, e := range Find(body, func(e Element) bool { return e.Name == "meta" && strings.EqualFold(e.Attrs["name"], "description") }) {
		out = append(out, e.Attrs["content"])
	}
	return out
}

// Lang returns the lang attribute of the page's <html>.
func Lang(body string) string {
	for _, e := range Elements(body) {
		if e.Name == "html" {
			return e.Attrs["lang"]
		}
	}
	return ""
}
