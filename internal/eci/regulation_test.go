package eci_test

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"eulogin/internal/eci"
	"eulogin/internal/eci/ecistore/ecistoretest"
	"eulogin/internal/eci/rules"
)

// The portal's HTTP tests of the readings of Regulation (EU) 2019/788 that
// docs/adr/0009-eci-rules.md records, each on both engines.

// TestVotingAgeGermany: a member must be old enough to vote in European
// elections where they live (Article 5(2)); Germany's age is 16 since the
// European elections of 2024 (Europawahlgesetz § 6(1), as amended on 11
// January 2023), so a sixteen-year-old living there counts toward the
// seven, and a fifteen-year-old does not.
func TestVotingAgeGermany(t *testing.T) {
	for _, eng := range ecistoretest.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			for _, tt := range []struct {
				birth string
				want  string // the refusal, "" for submitted
			}{
				{"2010-03-14", ""},
				{"2010-03-15", "Member3 Test is under 16, the age to vote in European elections in Germany, where they live."},
			} {
				e := newEnv(t, options{open: eng.Open})
				ms := six()
				if ms[2].residence != "DE" {
					t.Fatalf("member 3 lives in %s, want DE", ms[2].residence)
				}
				ms[2].birth = tt.birth
				rep, path, _ := group(t, e, ms, true)
				p := rep.post(path+"/submit", nil)
				switch {
				case tt.want == "" && (p.Status != http.StatusOK || !p.Has("Submitted for registration")):
					t.Errorf("born %s: submit = %d %q, want the initiative submitted", tt.birth, p.Status, errorSummary(p))
				case tt.want != "" && (p.Status != http.StatusUnprocessableEntity || !strings.Contains(errorSummary(p), tt.want)):
					t.Errorf("born %s: submit = %d %q, want 422 with %q", tt.birth, p.Status, errorSummary(p), tt.want)
				}
				wantClean(t, p)
			}
		})
	}
}

// TestCounterSpaces: the white space counter.js leaves out is the white
// space the server leaves out (rules.IsSpace), character for character, so
// that the live count is the count of the rule.
func TestCounterSpaces(t *testing.T) {
	js, err := os.ReadFile("static/counter.js")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*var space = /(\[.*\])/;$`).FindSubmatch(js)
	if m == nil {
		t.Fatal("counter.js has no line var space = /[...]/;")
	}
	// JavaScript's \uXXXX is Go's \x{XXXX}; the other escapes (\t \n \v \f
	// \r) mean the same in both.
	class := regexp.MustCompile(`\\u([0-9a-fA-F]{4})`).ReplaceAllString(string(m[1]), `\x{$1}`)
	re, err := regexp.Compile("^" + class + "$")
	if err != nil {
		t.Fatalf("counter.js's class %s: %v", m[1], err)
	}
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if r >= 0xd800 && r <= 0xdfff {
			continue // surrogates are not characters
		}
		if got, want := re.MatchString(string(r)), rules.IsSpace(r); got != want {
			t.Errorf("U+%04X: counter.js white space = %v, rules.IsSpace = %v", r, got, want)
		}
	}
}

// TestLargeGroup: the Regulation sets no maximum to the group of
// organisers (Annex II asks for the full details of seven members and the
// names of the others), so a group of eleven is submitted; the portal's own
// limit against abuse, eci.DefaultMaxGroup, stops the invitations at fifty
// members and says that it is the portal's, not the Regulation's.
func TestLargeGroup(t *testing.T) {
	for _, eng := range ecistoretest.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			e := newEnv(t, options{open: eng.Open})
			ms := six()
			for i, c := range []string{"FI", "SE", "AT", "BE"} {
				ms = append(ms, newMember(i+7, c))
			}
			rep, path, _ := group(t, e, ms, true)
			p := rep.get(path)
			if !p.Has("The Regulation sets no maximum.") || p.Has("nine") {
				t.Errorf("the group's hint does not say what the Regulation requires: %q", p.Text())
			}
			if p = rep.post(path+"/submit", nil); p.Status != http.StatusOK || !p.Has("Submitted for registration") {
				t.Errorf("submit a group of 11 = %d %q, want submitted", p.Status, errorSummary(p))
			}

			// The portal's limit: fifty members, invitations included.
			path = createDraft(t, rep, draftForm())
			for i := 2; i <= eci.DefaultMaxGroup; i++ {
				p = rep.post(path+"/members", url.Values{"name": {fmt.Sprint("Invitee ", i)}, "email": {fmt.Sprintf("invitee%d@example.eu", i)}})
				if p.Status != http.StatusOK {
					t.Fatalf("invitation %d = %d %q, want 200", i, p.Status, errorSummary(p))
				}
			}
			if p.Has("Invite a member") {
				t.Error("the invitation form is still shown to a group of fifty")
			}
			p = rep.post(path+"/members", url.Values{"name": {"One too many"}, "email": {"invitee51@example.eu"}})
			want := "The group already has 50 members, the most this portal accepts; the Regulation itself sets no maximum. If your group needs more members, contact the ECI helpdesk."
			if p.Status != http.StatusConflict || !strings.Contains(errorSummary(p), want) {
				t.Errorf("invitation 51 = %d %q, want 409 with %q", p.Status, errorSummary(p), want)
			}
			wantClean(t, p)
		})
	}
}
