package eci_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"eulogin/internal/eci"
	"eulogin/internal/eci/ecistore"
	"eulogin/internal/eci/ecistore/ecistoretest"
)

// outbox is a Mailer that keeps the portal's e-mails.
type outbox struct {
	mu   sync.Mutex
	mail []eci.Mail
}

func (o *outbox) Send(_ context.Context, m eci.Mail) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.mail = append(o.mail, m)
	return nil
}

// to returns the e-mails sent to addr.
func (o *outbox) to(addr string) []eci.Mail {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []eci.Mail
	for _, m := range o.mail {
		if m.To == addr {
			out = append(out, m)
		}
	}
	return out
}

var rita = person{ID: "n3krev01", Email: "rita.reviewer@ec.europa.eu", First: "Rita", Last: "Reviewer", Locale: "en"}

// signIn returns a browser signed in as p, in English.
func signIn(e *env, p person) *browser {
	b := e.browser()
	b.get("/?lang=en")
	b.login(p, "PASSWORD_SMS")
	return b
}

// hasAudit reports whether the user's audit holds an event of type typ.
func hasAudit(e *env, userID, typ string) bool {
	return slices.ContainsFunc(e.audit(userID), func(s string) bool { return strings.HasPrefix(s, typ+":") })
}

// memberID returns the id of the member row with the e-mail address.
func memberID(t *testing.T, e *env, path, email string) int64 {
	t.Helper()
	ms, err := e.db.Members(t.Context(), mustID(t, path))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if strings.EqualFold(m.Email, email) {
			return m.ID
		}
	}
	t.Fatalf("no member %s in %s", email, path)
	return 0
}

// TestHandOver: the representative hands over to the substitute, who then
// edits and submits; the former representative becomes the substitute.
// On both engines.
func TestHandOver(t *testing.T) {
	for _, eng := range ecistoretest.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			box := &outbox{}
			e := newEnv(t, options{open: eng.Open, mailer: box})
			rep, path, members := group(t, e, six(), true)
			sub, other := members[0], members[1]

			p := rep.get(path)
			if !p.Has("Hand over to the substitute") || !p.Has("Member1 Test, the substitute, becomes the representative") {
				t.Errorf("the representative's page lacks the hand-over form: %q", p.Text())
			}
			if p := sub.get(path); p.Has("Hand over to the substitute") {
				t.Error("the substitute sees the hand-over form")
			}
			// Refused: without the confirmation, by anyone else.
			p = rep.post(path+"/handover", nil)
			if p.Status != http.StatusUnprocessableEntity || !strings.Contains(errorSummary(p), "Tick the box to confirm the hand-over") {
				t.Errorf("hand-over unconfirmed = %d %q", p.Status, errorSummary(p))
			}
			for name, b := range map[string]*browser{"substitute": sub, "member": other} {
				if p := b.post(path+"/handover", url.Values{"confirm": {"yes"}}); p.Status != http.StatusForbidden {
					t.Errorf("hand-over by the %s = %d, want 403", name, p.Status)
				}
			}
			if !hasAudit(e, "n3kmem01", "ACCESS_DENIED") {
				t.Errorf("refused hand-over not audited: %q", e.audit("n3kmem01"))
			}
			in, _ := e.db.Initiative(t.Context(), mustID(t, path))
			if in.Representative != ana.ID {
				t.Fatalf("representative = %q after refused hand-overs", in.Representative)
			}

			p = rep.post(path+"/handover", url.Values{"confirm": {"yes"}})
			if p.Status != http.StatusOK || p.URL.Path != path || !p.Has("Your changes have been saved.") {
				t.Fatalf("hand-over = %d %s %q", p.Status, p.URL.Path, errorSummary(p))
			}
			in, _ = e.db.Initiative(t.Context(), in.ID)
			if in.Representative != "n3kmem01" || in.Substitute != ana.ID {
				t.Errorf("after the hand-over: representative %q, substitute %q", in.Representative, in.Substitute)
			}
			if !hasAudit(e, ana.ID, "HANDOVER") {
				t.Errorf("hand-over not audited: %q", e.audit(ana.ID))
			}
			if ms := box.to("member1@example.eu"); len(ms) == 0 || ms[len(ms)-1].Subject != "Your group of organisers has a new representative" {
				t.Errorf("the new representative was not told: %+v", ms)
			}
			// The former representative is now the substitute: no more rights.
			if p := rep.get("/dashboard"); !p.Has("Ūdens visiem Substitute") {
				t.Errorf("dashboard of the former representative: %q", p.Text())
			}
			if p := rep.get(path + "/edit"); p.Status != http.StatusForbidden {
				t.Errorf("edit by the former representative = %d, want 403", p.Status)
			}
			if p := rep.post(path+"/submit", nil); p.Status != http.StatusForbidden {
				t.Errorf("submit by the former representative = %d, want 403", p.Status)
			}
			// The new representative edits and submits.
			if p := sub.get(path + "/edit"); p.Status != http.StatusOK {
				t.Errorf("edit by the new representative = %d", p.Status)
			}
			f := draftForm()
			f.Set("title", "Ūdens visiem 2")
			if p := sub.postMultipart(path+"/edit", f, "", nil); p.Status != http.StatusOK || p.H1() != "Ūdens visiem 2" {
				t.Errorf("save by the new representative = %d %q", p.Status, errorSummary(p))
			}
			if p := sub.post(path+"/submit", nil); p.Status != http.StatusOK || !p.Has("Submitted for registration") {
				t.Errorf("submit by the new representative = %d %q", p.Status, errorSummary(p))
			}
			// Frozen once submitted.
			if p := sub.post(path+"/handover", url.Values{"confirm": {"yes"}}); p.Status != http.StatusConflict {
				t.Errorf("hand-over after submission = %d, want 409", p.Status)
			}
			p = sub.get(path + "/history")
			if !p.Has("Representative") || !p.Has(`"n3kmem01"`) {
				t.Errorf("history lacks the hand-over: %q", p.Text())
			}
			wantClean(t, p)
		})
	}
}

// TestRemoveAndReinvite: invitations expire; the representative sends a
// new link (the old one dies) and removes members, never themself. On
// both engines.
func TestRemoveAndReinvite(t *testing.T) {
	for _, eng := range ecistoretest.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			e := newEnv(t, options{open: eng.Open})
			rep, path, members := group(t, e, six()[:2], true)

			p := rep.post(path+"/members", url.Values{"name": {"Jānis Bērziņš"}, "email": {janis.Email}})
			old := strings.TrimPrefix(linkRE.FindStringSubmatch(p.Body)[1], e.portal.URL)
			if !p.Has("Link valid until 28/03/2026") {
				t.Errorf("the group table lacks the link's end: %q", p.Text())
			}
			jb := signIn(e, janis)
			if p := jb.get(old); p.Status != http.StatusOK || !p.Has("This invitation works until 28/03/2026.") {
				t.Errorf("invitation page = %d %q", p.Status, p.Text())
			}
			// Fifteen days later the link has expired.
			e.clock.Advance(15 * 24 * time.Hour)
			jb = signIn(e, janis)
			rep = signIn(e, ana)
			members[1] = signIn(e, six()[1].who)
			p = jb.get(old)
			wantPage(t, p, http.StatusGone, old, "Something went wrong")
			if !p.Has("This invitation has expired.") {
				t.Errorf("expired invitation page: %q", p.Text())
			}
			if p := jb.post(old, nil); p.Status != http.StatusGone {
				t.Errorf("accepting an expired invitation = %d, want 410", p.Status)
			}
			if !hasAudit(e, janis.ID, "INVITATION_REFUSED") {
				t.Errorf("expired invitation not audited: %q", e.audit(janis.ID))
			}
			if p := rep.get(path); !p.Has("Invitation expired") || !p.Has("Send a new link to Jānis Bērziņš") {
				t.Errorf("the group table does not show the expired invitation: %q", p.Text())
			}
			// Sent again: a new link; the old one dies.
			id := memberID(t, e, path, janis.Email)
			if p := members[1].post(fmt.Sprint(path, "/members/", id, "/reinvite"), nil); p.Status != http.StatusForbidden {
				t.Errorf("re-invitation by a member = %d, want 403", p.Status)
			}
			p = rep.post(fmt.Sprint(path, "/members/", id, "/reinvite"), nil)
			match := linkRE.FindStringSubmatch(p.Body)
			if p.Status != http.StatusOK || match == nil {
				t.Fatalf("re-invitation = %d, no link", p.Status)
			}
			link := strings.TrimPrefix(match[1], e.portal.URL)
			if link == old {
				t.Fatal("the re-invitation kept the old link")
			}
			if !hasAudit(e, ana.ID, "MEMBER_REINVITE") {
				t.Errorf("re-invitation not audited: %q", e.audit(ana.ID))
			}
			if p := jb.get(old); p.Status != http.StatusNotFound {
				t.Errorf("old link after re-invitation = %d, want 404", p.Status)
			}
			if p := jb.post(link, nil); p.Status != http.StatusOK || p.URL.Path != path+"/details" {
				t.Fatalf("accepting the new link = %d %s", p.Status, p.URL.Path)
			}
			if p := rep.post(fmt.Sprint(path, "/members/", id, "/reinvite"), nil); p.Status != http.StatusConflict {
				t.Errorf("re-inviting a member who joined = %d, want 409", p.Status)
			}

			// Removing: not by a member, never the representative.
			if p := members[1].post(fmt.Sprint(path, "/members/", id, "/remove"), nil); p.Status != http.StatusForbidden {
				t.Errorf("removal by a member = %d, want 403", p.Status)
			}
			self := memberID(t, e, path, ana.Email)
			if p := rep.post(fmt.Sprint(path, "/members/", self, "/remove"), nil); p.Status != http.StatusConflict || !p.Has("The representative cannot be removed") {
				t.Errorf("the representative removes themself = %d %q", p.Status, p.Text())
			}
			if p := rep.get(path); strings.Contains(p.Body, fmt.Sprint("/members/", self, "/remove")) {
				t.Error("the page offers to remove the representative")
			}
			if p := rep.post(path+"/members/999999/remove", nil); p.Status != http.StatusNotFound {
				t.Errorf("removing an unknown member = %d, want 404", p.Status)
			}
			p = rep.post(fmt.Sprint(path, "/members/", id, "/remove"), nil)
			if p.Status != http.StatusOK || p.Has("Jānis Bērziņš") {
				t.Errorf("removal = %d; page still lists Jānis: %q", p.Status, p.Text())
			}
			if p := jb.get(path); p.Status != http.StatusNotFound {
				t.Errorf("the removed member views the initiative = %d, want 404", p.Status)
			}
			// Removing the substitute leaves the group without one.
			sub := memberID(t, e, path, "member1@example.eu")
			if p := rep.post(fmt.Sprint(path, "/members/", sub, "/remove"), nil); p.Status != http.StatusOK || !p.Has("Choose a substitute among the members who have joined.") {
				t.Errorf("removing the substitute = %d %q", p.Status, p.Text())
			}
			if !hasAudit(e, ana.ID, "MEMBER_REMOVE") {
				t.Errorf("removal not audited: %q", e.audit(ana.ID))
			}
			p = rep.get(path + "/history")
			for _, want := range []string{"Member removed", "New invitation link", "Former member of the group"} {
				if !p.Has(want) {
					t.Errorf("history lacks %q", want)
				}
			}
			wantClean(t, p)
			// Frozen once submitted.
			if err := e.db.Submit(t.Context(), mustID(t, path), ana.ID, e.clock.Now()); err != nil {
				t.Fatal(err)
			}
			if p := rep.post(fmt.Sprint(path, "/members/", memberID(t, e, path, "member2@example.eu"), "/remove"), nil); p.Status != http.StatusConflict {
				t.Errorf("removal after submission = %d, want 409", p.Status)
			}
		})
	}
}

// TestDashboardInvitations: the dashboard lists the invitations sent to the
// user's EU Login e-mail address (in any case) and lets them join without
// the link; nobody else can use them.
func TestDashboardInvitations(t *testing.T) {
	box := &outbox{}
	e := newEnv(t, options{mailer: box, config: func(c *eci.Config) { c.InvitationTTL = 7 * 24 * time.Hour }})
	rep := signIn(e, ana)
	path := createDraft(t, rep, draftForm())
	p := rep.post(path+"/members", url.Values{"name": {"Jānis Bērziņš"}, "email": {"Janis@Example.LV"}})
	if !p.Has("We have e-mailed the invitation to Jānis Bērziņš") {
		t.Errorf("invitation answer = %q", p.Text())
	}
	if ms := box.to("janis@example.lv"); len(ms) != 1 || !strings.Contains(ms[0].Text, "/invitations/") || !strings.Contains(ms[0].Text, "until 21/03/2026") || ms[0].ToName != "Jānis Bērziņš" {
		t.Errorf("invitation e-mail = %+v", ms)
	}
	id := memberID(t, e, path, janis.Email)

	jb := signIn(e, janis)
	p = jb.get("/dashboard")
	if !p.Has("Invitations for you") || !p.Has("Join the group of “Ūdens visiem” Link valid until 21/03/2026") || !strings.Contains(p.Body, fmt.Sprint(`href="/invitations/mine/`, id, `"`)) {
		t.Errorf("dashboard lacks the invitation: %q", p.Text())
	}
	wantClean(t, p)
	// Someone else: not listed, not usable, audited.
	mallory := signIn(e, person{ID: "n3kmal01", Email: "mallory@example.org", First: "Mallory", Last: "X", Locale: "en"})
	if p := mallory.get("/dashboard"); p.Has("Invitations for you") {
		t.Error("another user sees the invitation")
	}
	for _, method := range []string{"GET", "POST"} {
		var p *page
		if method == "GET" {
			p = mallory.get(fmt.Sprint("/invitations/mine/", id))
		} else {
			p = mallory.post(fmt.Sprint("/invitations/mine/", id), nil)
		}
		if p.Status != http.StatusNotFound {
			t.Errorf("%s by another user = %d, want 404", method, p.Status)
		}
	}
	if !hasAudit(e, "n3kmal01", "INVITATION_REFUSED") {
		t.Errorf("refusal not audited: %q", e.audit("n3kmal01"))
	}
	if p := jb.get("/invitations/mine/abc"); p.Status != http.StatusNotFound {
		t.Errorf("GET a malformed id = %d, want 404", p.Status)
	}
	// Janis joins from the dashboard.
	p = jb.get(fmt.Sprint("/invitations/mine/", id))
	wantPage(t, p, http.StatusOK, fmt.Sprint("/invitations/mine/", id), "Invitation to a group of organisers")
	p = jb.post(fmt.Sprint("/invitations/mine/", id), nil)
	wantPage(t, p, http.StatusOK, path+"/details", "Your details as a member of the group")
	if p := jb.get("/dashboard"); p.Has("Invitations for you") || !p.Has("Ūdens visiem") {
		t.Errorf("dashboard after joining: %q", p.Text())
	}
	if p := jb.post(fmt.Sprint("/invitations/mine/", id), nil); p.Status != http.StatusNotFound {
		t.Errorf("joining twice = %d, want 404", p.Status)
	}
	if !hasAudit(e, janis.ID, "MEMBER_ACCEPT") {
		t.Errorf("acceptance not audited: %q", e.audit(janis.ID))
	}
	// An expired invitation is no longer listed.
	p = rep.post(path+"/members", url.Values{"name": {"Mallory"}, "email": {"mallory@example.org"}})
	if p.Status != http.StatusOK {
		t.Fatalf("invite = %d", p.Status)
	}
	if p := mallory.get("/dashboard"); !p.Has("Invitations for you") {
		t.Error("the new invitation is not listed")
	}
	e.clock.Advance(8 * 24 * time.Hour)
	mallory = signIn(e, person{ID: "n3kmal01", Email: "mallory@example.org", First: "Mallory", Last: "X", Locale: "en"})
	if p := mallory.get("/dashboard"); p.Has("Invitations for you") {
		t.Error("an expired invitation is listed")
	}
}

// TestFundingEdit: the representative changes a source of funding; its
// page shows every version. On both engines.
func TestFundingEdit(t *testing.T) {
	for _, eng := range ecistoretest.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			e := newEnv(t, options{open: eng.Open})
			rep, path, members := group(t, e, six()[:1], false)
			rep.post(path+"/funding", url.Values{"sponsor": {"Fondation Eau"}, "amount": {"1500"}, "received": {"2026-03-01"}})
			fs, _ := e.db.Funding(t.Context(), mustID(t, path))
			if len(fs) != 1 {
				t.Fatalf("funding = %+v", fs)
			}
			src := fmt.Sprint(path, "/funding/", fs[0].ID)
			if p := rep.get(path); !strings.Contains(p.Body, `href="`+src+`"`) {
				t.Error("the initiative's page has no link to the source")
			}
			p := rep.get(src)
			wantPage(t, p, http.StatusOK, src, "Source of support and funding")
			if !strings.Contains(p.Body, `value="1500.00"`) || !strings.Contains(p.Body, `value="Fondation Eau"`) {
				t.Error("the form is not filled in with the source")
			}
			p = rep.post(src, url.Values{"sponsor": {"Fondation Eau"}, "amount": {"abc"}, "received": {"2026-03-01"}})
			if p.Status != http.StatusUnprocessableEntity || !strings.Contains(errorSummary(p), "Enter an amount in euro") {
				t.Errorf("bad amount = %d %q", p.Status, errorSummary(p))
			}
			p = rep.post(src, url.Values{"sponsor": {"Fondation Eau & Vie"}, "amount": {"2 000,50"}, "received": {"2026-03-02"}})
			if p.Status != http.StatusOK || p.URL.Path != src || !p.Has("Your changes have been saved.") {
				t.Fatalf("edit = %d %s %q", p.Status, p.URL.Path, errorSummary(p))
			}
			if !p.Has("Fondation Eau EUR 1500.00 2026-03-01") || !p.Has("Fondation Eau & Vie EUR 2000.50 2026-03-02") {
				t.Errorf("the page lacks the two versions: %q", p.Text())
			}
			wantClean(t, p)
			if !hasAudit(e, ana.ID, "FUNDING_EDIT") {
				t.Errorf("edit not audited: %q", e.audit(ana.ID))
			}
			// A member sees the history, may not change it.
			if p := members[0].get(src); p.Status != http.StatusOK || p.Has("Change this source") || !p.Has("EUR 2000.50") {
				t.Errorf("member's view = %d %q", p.Status, p.Text())
			}
			if p := members[0].post(src, url.Values{"sponsor": {"x"}, "amount": {"600"}, "received": {"2026-03-01"}}); p.Status != http.StatusForbidden {
				t.Errorf("edit by a member = %d, want 403", p.Status)
			}
			outsider := signIn(e, janis)
			if p := outsider.get(src); p.Status != http.StatusNotFound {
				t.Errorf("outsider's view = %d, want 404", p.Status)
			}
			// Another initiative's source is not found through this one.
			other := createDraft(t, rep, draftForm())
			if p := rep.get(fmt.Sprint(other, "/funding/", fs[0].ID)); p.Status != http.StatusNotFound {
				t.Errorf("source through another initiative = %d, want 404", p.Status)
			}
			// Frozen while the Commission examines the request.
			if err := e.db.Submit(t.Context(), mustID(t, path), ana.ID, e.clock.Now()); err != nil {
				t.Fatal(err)
			}
			if p := rep.post(src, url.Values{"sponsor": {"x"}, "amount": {"600"}, "received": {"2026-03-01"}}); p.Status != http.StatusConflict {
				t.Errorf("edit after submission = %d, want 409", p.Status)
			}
			got, _ := e.db.Funding(t.Context(), mustID(t, path))
			if got[0].Sponsor != "Fondation Eau & Vie" || got[0].AmountCents != 200050 {
				t.Errorf("source = %+v", got[0])
			}
		})
	}
}

// TestConfigReviewers: an e-mail address in Config.Reviewers gets the
// reviewer role at login, whatever its case; the grant is audited.
func TestConfigReviewers(t *testing.T) {
	e := newEnv(t, options{config: func(c *eci.Config) { c.Reviewers = []string{"Rita.Reviewer@EC.Europa.eu"} }})
	rb := signIn(e, rita)
	if p := rb.get("/review"); p.Status != http.StatusOK || p.H1() != "Registration requests" {
		t.Errorf("GET /review by a configured reviewer = %d %q", p.Status, p.H1())
	}
	if p := rb.get("/dashboard"); !p.Has("Registration requests to review") {
		t.Error("the dashboard does not link to the queue")
	}
	if !hasAudit(e, rita.ID, "REVIEWER_ROLE") {
		t.Errorf("the grant is not audited: %q", e.audit(rita.ID))
	}
	// Someone else is not a reviewer.
	if p := signIn(e, janis).get("/review"); p.Status != http.StatusForbidden {
		t.Errorf("GET /review by another user = %d, want 403", p.Status)
	}
	if hasAudit(e, janis.ID, "REVIEWER_ROLE") {
		t.Error("a non-reviewer's login is audited as a grant")
	}
}

// TestRequestChanges: a reviewer asks for changes once; the deadline moves
// to four months after submission, in the history and on the pages. On
// both engines.
func TestRequestChanges(t *testing.T) {
	for _, eng := range ecistoretest.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			box := &outbox{}
			e := newEnv(t, options{open: eng.Open, mailer: box, config: func(c *eci.Config) { c.Reviewers = []string{rita.Email} }})
			rep, path, members := group(t, e, six(), true)
			if p := rep.post(path+"/submit", nil); p.Status != http.StatusOK {
				t.Fatalf("submit = %d %q", p.Status, errorSummary(p))
			}
			rb := signIn(e, rita)
			p := rb.get(path)
			if !p.Has("Ask for changes") || !p.Has("the decision is then due by 14/07/2026") {
				t.Errorf("the reviewer's page lacks the request form: %q", p.Text())
			}
			if p := rep.get(path); p.Has("Ask for these changes") {
				t.Error("the representative sees the reviewer's form")
			}
			if p := members[0].post(path+"/changes", url.Values{"changes": {"x"}}); p.Status != http.StatusForbidden {
				t.Errorf("request by a member = %d, want 403", p.Status)
			}
			p = rb.post(path+"/changes", url.Values{"changes": {"  "}})
			if p.Status != http.StatusUnprocessableEntity || !strings.Contains(errorSummary(p), "Enter the changes you ask for") {
				t.Errorf("empty request = %d %q", p.Status, errorSummary(p))
			}
			p = rb.post(path+"/changes", url.Values{"changes": {"Clarify the <legal basis>."}})
			if p.Status != http.StatusOK || !p.Has("The Commission decides by 14/07/2026") || !p.Has("Clarify the <legal basis>.") {
				t.Fatalf("request = %d %q", p.Status, p.Text())
			}
			if strings.Contains(p.Body, "<legal basis>") {
				t.Error("the request is not escaped")
			}
			if p := rb.post(path+"/changes", url.Values{"changes": {"Again"}}); p.Status != http.StatusConflict {
				t.Errorf("second request = %d, want 409", p.Status)
			}
			if !hasAudit(e, rita.ID, "CHANGES_REQUESTED") {
				t.Errorf("request not audited: %q", e.audit(rita.ID))
			}
			p = rep.get(path)
			if !p.Has("the Commission asked for changes: Clarify the <legal basis>.") || !p.Has("due by 14/07/2026, four months after submission") {
				t.Errorf("the representative's page: %q", p.Text())
			}
			wantClean(t, p)
			if p := rb.get("/review"); !p.Has("14/07/2026 (extended, changes asked for)") {
				t.Errorf("queue: %q", p.Text())
			}
			if p := rep.get(path + "/history"); !p.Has("Changes requested by the Commission European Commission") && !p.Has("European Commission Changes requested by the Commission") {
				t.Errorf("history lacks the request: %q", p.Text())
			}
			if ms := box.to("member3@example.eu"); len(ms) == 0 || ms[len(ms)-1].Subject != "The Commission asks for changes to your initiative" {
				t.Errorf("the group was not told: %+v", ms)
			}
			if ms := box.to(ana.Email); len(ms) == 0 || ms[len(ms)-1].Lang != "ro" || ms[len(ms)-1].Subject != "Comisia solicită modificări ale inițiativei dumneavoastră" {
				t.Errorf("Ana was not told in Romanian: %+v", ms)
			}
			// Two months later the request is not overdue; after four it is.
			e.clock.Advance(70 * 24 * time.Hour)
			rb = signIn(e, rita)
			if p := rb.get("/review"); p.Has("Overdue") {
				t.Error("the extended request is shown overdue after 70 days")
			}
			// The decision closes it.
			if p := rb.post(path+"/decision", url.Values{"decision": {"REGISTERED"}}); p.Status != http.StatusOK {
				t.Errorf("decision = %d", p.Status)
			}
			if p := rb.post(path+"/changes", url.Values{"changes": {"x"}}); p.Status != http.StatusConflict {
				t.Errorf("request after the decision = %d, want 409", p.Status)
			}
			in, _ := e.db.Initiative(t.Context(), mustID(t, path))
			if in.Status != ecistore.StatusRegistered || in.ChangesRequested != "Clarify the <legal basis>." {
				t.Errorf("initiative = %s %q", in.Status, in.ChangesRequested)
			}
		})
	}
}
