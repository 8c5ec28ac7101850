package webtest_test

import (
	"slices"
	"strings"
	"testing"

	"eulogin/internal/web/webtest"
)

const page = `<!DOCTYPE html>
<html lang="fr">
<head><meta charset="utf-8"><meta name="description" content="L&#39;outil &amp; son but"></head>
<body>
<!-- <input autofocus> in a comment does not count -->
<div class="error-summary" tabindex="-1" autofocus><h2 id="t">Problème</h2></div>
<INPUT id=email name='email' required autofocus>
<div class="table-wrap" tabindex="0" role="region" aria-labelledby="cap"><table class="table"><caption class="visually-hidden" id="cap">Vos <b>appareils</b></caption></table></div>
<div class="table-wrap wide" aria-labelledby="none"></div>
<div class="table-wrap" tabindex="0" role="region" aria-labelledby="empty"><table><caption id="empty"> </caption></table></div>
</body></html>`

func TestElements(t *testing.T) {
	if got := webtest.Lang(page); got != "fr" {
		t.Errorf("Lang = %q, want fr", got)
	}
	if got, want := webtest.MetaDescriptions(page), []string{"L'outil & son but"}; !slices.Equal(got, want) {
		t.Errorf("MetaDescriptions = %q, want %q", got, want)
	}
	var names []string
	for _, e := range webtest.Autofocused(page) {
		names = append(names, e.String())
	}
	if want := []string{`<div class="error-summary">`, `<input id="email" name="email">`}; !slices.Equal(names, want) {
		t.Errorf("Autofocused = %q, want %q", names, want)
	}
	e, ok := webtest.ByID(page, "cap")
	if !ok || webtest.Text(page, e) != "Vos appareils" {
		t.Errorf("ByID(cap) = %v, %v with text %q, want the caption with text %q", e, ok, webtest.Text(page, e), "Vos appareils")
	}
}

func TestScrollRegionProblems(t *testing.T) {
	problems, n := webtest.ScrollRegionProblems(page)
	if n != 3 {
		t.Errorf("ScrollRegionProblems saw %d wrappers, want 3", n)
	}
	want := []string{`tabindex ""`, `role ""`, `"none", which is not on the page`, `which has no text`}
	if len(problems) != len(want) {
		t.Errorf("ScrollRegionProblems = %q, want %d problems", problems, len(want))
	}
	for i, w := range want {
		if i < len(problems) && !strings.Contains(problems[i], w) {
			t.Errorf("problem %d = %q, want it to say %q", i, problems[i], w)
		}
	}
}
