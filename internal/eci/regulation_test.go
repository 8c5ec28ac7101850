package eci_test

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
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

// registered has a group of seven submit an initiative and a reviewer
// register it; it returns the representative's browser and the path of
// the initiative.
func registered(t *testing.T, e *env) (*browser, string) {
	t.Helper()
	rep, path, _ := group(t, e, six(), true)
	if p := rep.post(path+"/submit", nil); p.Status != http.StatusOK {
		t.Fatalf("submit = %d %q", p.Status, errorSummary(p))
	}
	rita := person{ID: "n3krev09", Email: "rita@ec.europa.eu", First: "Rita", Last: "Reviewer", Locale: "en"}
	if err := e.db.AddReviewer(t.Context(), rita.Email, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	rb := e.browser()
	rb.get("/?lang=en")
	rb.login(rita, "PASSWORD_SMS")
	if p := rb.post(path+"/decision", url.Values{"decision": {"REGISTERED"}}); p.Status != http.StatusOK {
		t.Fatalf("registration = %d %q", p.Status, errorSummary(p))
	}
	return rep, path
}

// TestCollectionNotice: the group tells the Commission the start of the
// collection at the latest 10 working days before it (Article 8(1) of the
// Regulation); working days are Monday to Friday except the Commission's
// public holidays (Regulation (EEC, Euratom) No 1182/71, Article 2(2)). The
// form names the earliest date, and a date too early is refused with a
// message naming it, in the user's language.
func TestCollectionNotice(t *testing.T) {
	for _, eng := range ecistoretest.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			e := newEnv(t, options{open: eng.Open})
			rep, path := registered(t, e)

			// Saturday 14 March 2026: ten working days are 16 to 27 March.
			p := rep.get(path)
			if !p.Has("The earliest date you can choose today is 28/03/2026.") || !p.Has("at the latest 14/09/2026") {
				t.Errorf("the start date's field does not name the earliest and latest dates: %q", p.Text())
			}
			for _, start := range []string{"2026-03-14", "2026-03-20", "2026-03-27"} {
				p = rep.post(path+"/collection", url.Values{"start": {start}})
				if want := "The Commission must be told the start date at least 10 working days before it: choose 28/03/2026 or later."; p.Status != http.StatusUnprocessableEntity || !strings.Contains(errorSummary(p), want) {
					t.Errorf("start %s = %d %q, want 422 with %q", start, p.Status, errorSummary(p), want)
				}
			}
			rep.lang = "fr"
			p = rep.post(path+"/collection?lang=fr", url.Values{"start": {"2026-03-20"}})
			if want := "La date de début doit être communiquée à la Commission au moins 10 jours ouvrables à l'avance : choisissez le 28/03/2026 ou une date ultérieure."; !strings.Contains(errorSummary(p), want) {
				t.Errorf("French error summary %q, want %q", errorSummary(p), want)
			}
			rep.lang = ""
			wantClean(t, p)

			// Friday 27 March: Maundy Thursday, Good Friday and Easter Monday
			// (2, 3 and 6 April 2026) are the Commission's holidays.
			e.clock.Advance(13 * 24 * time.Hour)
			rep.login(ana, "PASSWORD_SMS") // the session of 14 March has ended
			p = rep.post(path+"/collection?lang=en", url.Values{"start": {"2026-04-14"}})
			if p.Status != http.StatusUnprocessableEntity || !strings.Contains(errorSummary(p), "choose 15/04/2026 or later") {
				t.Errorf("start 14 April = %d %q, want 422 naming 15/04/2026", p.Status, errorSummary(p))
			}
			p = rep.post(path+"/collection", url.Values{"start": {"2026-04-15"}})
			if p.Status != http.StatusOK || !p.Has("The collection runs from 15/04/2026 to 14/04/2027") {
				t.Errorf("start 15 April = %d %q, want the collection set", p.Status, errorSummary(p))
			}
		})
	}
}
