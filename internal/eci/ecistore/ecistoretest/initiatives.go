package ecistoretest

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"eulogin/internal/eci/ecistore"
)

// newDraft stores a draft created by user id and returns it.
func newDraft(t *testing.T, db *ecistore.DB, id string) *ecistore.Initiative {
	t.Helper()
	in := &ecistore.Initiative{Title: "Ūdens visiem — water for all", Objectives: "Objectives", Categories: []string{"ENV", "SANTE"}, Language: "lv"}
	if err := db.CreateInitiative(t.Context(), in, newUser(id, t0), t0); err != nil {
		t.Fatalf("CreateInitiative() = %v", err)
	}
	return in
}

func fields(cs []ecistore.Change) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Field)
	}
	return out
}

func testInitiatives(t *testing.T, open func(t *testing.T) *ecistore.DB) {
	db := open(t)
	ctx := t.Context()
	in := newDraft(t, db, "u1")
	got, err := db.Initiative(ctx, in.ID)
	if err != nil {
		t.Fatalf("Initiative(%d) = %v", in.ID, err)
	}
	if got.Status != ecistore.StatusDraft || got.Title != in.Title || !slices.Equal(got.Categories, []string{"ENV", "SANTE"}) ||
		got.Representative != "u1" || got.Substitute != "" || !got.CreatedAt.Equal(t0) || got.Registration != "" || !got.Editable() {
		t.Errorf("Initiative() = %+v, want the new draft of u1", got)
	}
	if _, err := db.Initiative(ctx, in.ID+100); !errors.Is(err, ecistore.ErrNotFound) {
		t.Errorf("Initiative(unknown) = %v, want ErrNotFound", err)
	}
	ms, err := db.Members(ctx, in.ID)
	if err != nil || len(ms) != 1 || ms[0].UserID != "u1" || ms[0].Status != ecistore.MemberAccepted || ms[0].Name != "Ana Popescu" {
		t.Errorf("Members() = %+v, %v, want the creator, accepted", ms, err)
	}
	mine, err := db.InitiativesOf(ctx, "u1")
	if err != nil || len(mine) != 1 || mine[0].ID != in.ID {
		t.Errorf("InitiativesOf(u1) = %+v, %v, want the draft", mine, err)
	}
	if others, _ := db.InitiativesOf(ctx, "u2"); len(others) != 0 {
		t.Errorf("InitiativesOf(u2) = %+v, want none", others)
	}

	// Edits keep every change.
	in.Title, in.Annex, in.Categories = "Ūdens", strings.Repeat("ж", 5000), []string{"ENV"}
	if err := db.UpdateDraft(ctx, in, "u1", t0.Add(time.Minute)); err != nil {
		t.Fatalf("UpdateDraft() = %v", err)
	}
	if err := db.UpdateDraft(ctx, in, "u1", t0.Add(2*time.Minute)); err != nil { // nothing changed
		t.Fatalf("UpdateDraft(same) = %v", err)
	}
	got, _ = db.Initiative(ctx, in.ID)
	if got.Title != "Ūdens" || got.Annex != in.Annex || !got.UpdatedAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("after UpdateDraft, Initiative() = %q, %d runes, updated %v", got.Title, len([]rune(got.Annex)), got.UpdatedAt)
	}
	if err := db.SetContacts(ctx, in.ID, "u1", "u2", "u1", t0.Add(3*time.Minute)); err != nil {
		t.Fatalf("SetContacts() = %v", err)
	}
	h, err := db.History(ctx, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fields(h), []string{"created", "title", "annex", "categories", "substitute"}; !slices.Equal(got, want) {
		t.Errorf("History() fields = %q, want %q", got, want)
	}
	if c := h[1]; c.Old != `"Ūdens visiem — water for all"` || c.New != `"Ūdens"` || c.UserID != "u1" || !c.At.Equal(t0.Add(time.Minute)) {
		t.Errorf("title change = %+v, want the old and new titles as JSON", c)
	}

	// Submitted: frozen.
	if err := db.Submit(ctx, in.ID, "u1", t0.Add(time.Hour)); err != nil {
		t.Fatalf("Submit() = %v", err)
	}
	if err := db.Submit(ctx, in.ID, "u1", t0.Add(time.Hour)); !errors.Is(err, ecistore.ErrConflict) {
		t.Errorf("Submit() again = %v, want ErrConflict", err)
	}
	in.Title = "Changed after submission"
	if err := db.UpdateDraft(ctx, in, "u1", t0.Add(2*time.Hour)); !errors.Is(err, ecistore.ErrConflict) {
		t.Errorf("UpdateDraft(submitted) = %v, want ErrConflict", err)
	}
	if err := db.SetContacts(ctx, in.ID, "u2", "u1", "u1", t0.Add(2*time.Hour)); !errors.Is(err, ecistore.ErrConflict) {
		t.Errorf("SetContacts(submitted) = %v, want ErrConflict", err)
	}
	got, _ = db.Initiative(ctx, in.ID)
	if got.Status != ecistore.StatusSubmitted || got.Title != "Ūdens" || !got.SubmittedAt.Equal(t0.Add(time.Hour)) || got.Editable() {
		t.Errorf("submitted initiative = %+v, want SUBMITTED and unchanged", got)
	}
	queue, err := db.InitiativesWithStatus(ctx, ecistore.StatusSubmitted)
	if err != nil || len(queue) != 1 || queue[0].ID != in.ID {
		t.Errorf("InitiativesWithStatus(SUBMITTED) = %+v, %v, want the initiative", queue, err)
	}
}

func testInvitations(t *testing.T, open func(t *testing.T) *ecistore.DB) {
	db := open(t)
	ctx := t.Context()
	in := newDraft(t, db, "u1")
	m := &ecistore.Member{InitiativeID: in.ID, Name: "Jānis", Email: "janis@example.lv", TokenHash: strings.Repeat("a", 64)}
	if err := db.Invite(ctx, m, 9, "u1", t0); err != nil {
		t.Fatalf("Invite() = %v", err)
	}
	if got, err := db.MemberByToken(ctx, m.TokenHash); err != nil || got.ID != m.ID || got.Status != ecistore.MemberInvited {
		t.Errorf("MemberByToken() = %+v, %v, want the invitation", got, err)
	}
	if _, err := db.MemberByToken(ctx, ""); !errors.Is(err, ecistore.ErrNotFound) {
		t.Errorf("MemberByToken(\"\") = %v, want ErrNotFound", err)
	}
	// The creator cannot accept an invitation to their own initiative.
	if _, err := db.Accept(ctx, m.TokenHash, "u1", t0, t0); !errors.Is(err, ecistore.ErrConflict) {
		t.Errorf("Accept(by a member) = %v, want ErrConflict", err)
	}
	got, err := db.Accept(ctx, m.TokenHash, "u2", t0, t0.Add(time.Minute))
	if err != nil || got.UserID != "u2" || got.Status != ecistore.MemberAccepted {
		t.Fatalf("Accept() = %+v, %v, want u2 accepted", got, err)
	}
	// Replayed: the token is consumed.
	if _, err := db.Accept(ctx, m.TokenHash, "u3", t0, t0.Add(time.Minute)); !errors.Is(err, ecistore.ErrNotFound) {
		t.Errorf("Accept() replayed = %v, want ErrNotFound", err)
	}
	if _, err := db.MemberByToken(ctx, m.TokenHash); !errors.Is(err, ecistore.ErrNotFound) {
		t.Errorf("MemberByToken(used) = %v, want ErrNotFound", err)
	}
	d := ecistore.MemberDetails{FullName: "Jānis Bērziņš", Nationality: "LV", Residence: "LV", BirthDate: "1990-02-03", MEP: true, ConsentAt: t0.Add(2 * time.Minute)}
	if err := db.SaveDetails(ctx, in.ID, "u2", d, t0.Add(2*time.Minute)); err != nil {
		t.Fatalf("SaveDetails() = %v", err)
	}
	if err := db.SaveDetails(ctx, in.ID, "u9", d, t0); !errors.Is(err, ecistore.ErrNotFound) {
		t.Errorf("SaveDetails(not a member) = %v, want ErrNotFound", err)
	}
	ms, _ := db.Members(ctx, in.ID)
	if len(ms) != 2 || ms[1].MemberDetails != d || ms[1].UserID != "u2" {
		t.Errorf("Members()[1] = %+v, want Jānis with his details", ms[1])
	}
	if mine, _ := db.InitiativesOf(ctx, "u2"); len(mine) != 1 {
		t.Errorf("InitiativesOf(u2) = %d initiatives, want 1", len(mine))
	}
	// The limit on the number of members, also under concurrent invitations.
	var wg sync.WaitGroup
	errs := make([]error, 10)
	for i := range 10 {
		wg.Go(func() {
			errs[i] = db.Invite(ctx, &ecistore.Member{InitiativeID: in.ID, Name: "X", Email: "x@example.org", TokenHash: fmt.Sprintf("%064d", i)}, 4, "u1", t0)
		})
	}
	wg.Wait()
	ms, _ = db.Members(ctx, in.ID)
	if len(ms) != 4 {
		t.Errorf("after 10 concurrent invitations with a limit of 4, %d members, want 4 (errors %v)", len(ms), errs)
	}
	h, _ := db.History(ctx, in.ID)
	if got := fields(h); !slices.Contains(got, "member_invited") || !slices.Contains(got, "member_accepted") || !slices.Contains(got, fmt.Sprint("member:", m.ID)) {
		t.Errorf("History() = %q, want the invitation, acceptance and details", got)
	}
}

func testDecisions(t *testing.T, open func(t *testing.T) *ecistore.DB) {
	db := open(t)
	ctx := t.Context()
	var ids []int64
	for range 4 {
		in := newDraft(t, db, "u1")
		if err := db.Submit(ctx, in.ID, "u1", t0); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, in.ID)
	}
	draft := newDraft(t, db, "u1")
	if _, err := db.Decide(ctx, draft.ID, ecistore.StatusRegistered, "", "r1", t0); !errors.Is(err, ecistore.ErrConflict) {
		t.Errorf("Decide(draft) = %v, want ErrConflict", err)
	}
	if _, err := db.Decide(ctx, ids[0], "MAYBE", "", "r1", t0); err == nil {
		t.Error("Decide(MAYBE) = nil, want an error")
	}
	n1, err := db.Decide(ctx, ids[0], ecistore.StatusRegistered, "", "r1", t0)
	if err != nil || n1 != "ECI(2026)000001" {
		t.Errorf("Decide(REGISTERED) = %q, %v, want ECI(2026)000001", n1, err)
	}
	if n, err := db.Decide(ctx, ids[1], ecistore.StatusRefused, "Outside the Commission's powers.", "r1", t0); err != nil || n != "" {
		t.Errorf("Decide(REFUSED) = %q, %v, want no number", n, err)
	}
	if n, err := db.Decide(ctx, ids[2], ecistore.StatusPartiallyRegistered, "Part 2 is outside.", "r1", t0); err != nil || n != "ECI(2026)000002" {
		t.Errorf("Decide(PARTIALLY_REGISTERED) = %q, %v, want ECI(2026)000002", n, err)
	}
	next := time.Date(2027, 1, 2, 0, 0, 0, 0, time.UTC)
	if n, err := db.Decide(ctx, ids[3], ecistore.StatusRegistered, "", "r1", next); err != nil || n != "ECI(2027)000001" {
		t.Errorf("Decide() in 2027 = %q, %v, want ECI(2027)000001", n, err)
	}
	if _, err := db.Decide(ctx, ids[0], ecistore.StatusRefused, "", "r1", t0); !errors.Is(err, ecistore.ErrConflict) {
		t.Errorf("Decide() twice = %v, want ErrConflict", err)
	}
	refused, _ := db.Initiative(ctx, ids[1])
	if refused.Status != ecistore.StatusRefused || refused.DecisionReasons != "Outside the Commission's powers." || refused.DecidedBy != "r1" || !refused.DecidedAt.Equal(t0) {
		t.Errorf("refused initiative = %+v", refused)
	}
	if err := db.SetCollectionStart(ctx, ids[1], "2026-05-01", "u1", t0); !errors.Is(err, ecistore.ErrConflict) {
		t.Errorf("SetCollectionStart(refused) = %v, want ErrConflict", err)
	}
	if err := db.SetCollectionStart(ctx, ids[0], "2026-05-01", "u1", t0); err != nil {
		t.Errorf("SetCollectionStart() = %v", err)
	}
	reg, _ := db.Initiative(ctx, ids[0])
	if reg.Registration != n1 || reg.CollectionStart != "2026-05-01" {
		t.Errorf("registered initiative = %q, %q, want %q, 2026-05-01", reg.Registration, reg.CollectionStart, n1)
	}
	// Numbers stay unique under concurrent decisions.
	var more []int64
	for range 6 {
		in := newDraft(t, db, "u1")
		db.Submit(ctx, in.ID, "u1", t0)
		more = append(more, in.ID)
	}
	var wg sync.WaitGroup
	numbers := make([]string, len(more))
	errs := make([]error, len(more))
	for i, id := range more {
		wg.Go(func() { numbers[i], errs[i] = db.Decide(ctx, id, ecistore.StatusRegistered, "", "r1", next) })
	}
	wg.Wait()
	got := slices.Sorted(slices.Values(numbers))
	for i, n := range got {
		// SQLite may refuse a concurrent writer as busy; what counts is that
		// no number is ever given twice.
		if n != "" && i > 0 && n == got[i-1] {
			t.Errorf("registration number %s given twice", n)
		}
	}
}

func testFundingAndDocument(t *testing.T, open func(t *testing.T) *ecistore.DB) {
	db := open(t)
	ctx := t.Context()
	in := newDraft(t, db, "u1")
	f := &ecistore.Funding{InitiativeID: in.ID, Sponsor: "Fondation Ōkami", AmountCents: 1_000_00, Received: "2026-03-01"}
	if err := db.AddFunding(ctx, f, "u1", t0); err != nil {
		t.Fatalf("AddFunding() = %v", err)
	}
	f.AmountCents = 1_500_00
	if err := db.UpdateFunding(ctx, f, "u1", t0.Add(time.Hour)); err != nil {
		t.Fatalf("UpdateFunding() = %v", err)
	}
	other := newDraft(t, db, "u2")
	if err := db.UpdateFunding(ctx, &ecistore.Funding{ID: f.ID, InitiativeID: other.ID, Sponsor: "x"}, "u2", t0); !errors.Is(err, ecistore.ErrNotFound) {
		t.Errorf("UpdateFunding(another initiative's source) = %v, want ErrNotFound", err)
	}
	fs, err := db.Funding(ctx, in.ID)
	if err != nil || len(fs) != 1 || fs[0].AmountCents != 1_500_00 || fs[0].Sponsor != "Fondation Ōkami" {
		t.Errorf("Funding() = %+v, %v", fs, err)
	}
	h, _ := db.History(ctx, in.ID)
	if last := h[len(h)-1]; last.Field != fmt.Sprint("funding:", f.ID) || !strings.Contains(last.Old, "100000") || !strings.Contains(last.New, "150000") {
		t.Errorf("last change = %+v, want the funding update with old and new amounts", last)
	}

	pdf := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte{0, 0xff, 'x'}, 1000)...)
	d := &ecistore.Document{InitiativeID: in.ID, Name: "act.pdf", Content: pdf, UploadedAt: t0, UploadedBy: "u1"}
	if err := db.PutDocument(ctx, d); err != nil {
		t.Fatalf("PutDocument() = %v", err)
	}
	got, err := db.Document(ctx, in.ID, true)
	if err != nil || !bytes.Equal(got.Content, pdf) || got.Size != int64(len(pdf)) || got.Name != "act.pdf" || len(got.SHA256) != 64 {
		t.Errorf("Document() = %v, want the same bytes back", err)
	}
	if meta, _ := db.Document(ctx, in.ID, false); meta == nil || meta.Content != nil || meta.Size != int64(len(pdf)) {
		t.Errorf("Document(without content) = %+v", meta)
	}
	if _, err := db.Document(ctx, other.ID, false); !errors.Is(err, ecistore.ErrNotFound) {
		t.Errorf("Document(none) = %v, want ErrNotFound", err)
	}
	db.Submit(ctx, in.ID, "u1", t0)
	if err := db.PutDocument(ctx, d); !errors.Is(err, ecistore.ErrConflict) {
		t.Errorf("PutDocument(submitted) = %v, want ErrConflict", err)
	}
}

func testReviewers(t *testing.T, open func(t *testing.T) *ecistore.DB) {
	db := open(t)
	ctx := t.Context()
	if err := db.AddReviewer(ctx, " Reviewer@EC.Europa.eu ", t0); err != nil {
		t.Fatalf("AddReviewer() = %v", err)
	}
	if err := db.AddReviewer(ctx, "reviewer@ec.europa.eu", t0.Add(time.Hour)); err != nil {
		t.Fatalf("AddReviewer() again = %v", err)
	}
	if ok, err := db.IsReviewer(ctx, "REVIEWER@ec.europa.eu"); !ok || err != nil {
		t.Errorf("IsReviewer() = %v, %v, want true", ok, err)
	}
	rs, err := db.Reviewers(ctx)
	if err != nil || len(rs) != 1 || rs[0].Email != "reviewer@ec.europa.eu" || !rs[0].AddedAt.Equal(t0) {
		t.Errorf("Reviewers() = %+v, %v", rs, err)
	}
	if err := db.RemoveReviewer(ctx, "reviewer@ec.europa.eu"); err != nil {
		t.Errorf("RemoveReviewer() = %v", err)
	}
	if err := db.RemoveReviewer(ctx, "reviewer@ec.europa.eu"); !errors.Is(err, ecistore.ErrNotFound) {
		t.Errorf("RemoveReviewer() again = %v, want ErrNotFound", err)
	}
	if ok, _ := db.IsReviewer(ctx, "reviewer@ec.europa.eu"); ok {
		t.Error("IsReviewer() after removal = true")
	}
}

// testGroupChanges: expiry of invitations, re-invitation, acceptance by
// e-mail address, removal of members and the hand-over to the substitute.
func testGroupChanges(t *testing.T, open func(t *testing.T) *ecistore.DB) {
	db := open(t)
	ctx := t.Context()
	in := newDraft(t, db, "u1")
	invite := func(email, hash string, at time.Time) *ecistore.Member {
		t.Helper()
		m := &ecistore.Member{InitiativeID: in.ID, Name: email, Email: email, TokenHash: hash}
		if err := db.Invite(ctx, m, 9, "u1", at); err != nil {
			t.Fatalf("Invite(%s) = %v", email, err)
		}
		return m
	}
	day := 24 * time.Hour
	old := invite("old@example.org", strings.Repeat("1", 64), t0)
	jan := invite("janis@example.lv", strings.Repeat("2", 64), t0.Add(day))

	// Expired: sent before the cut-off.
	if _, err := db.Accept(ctx, old.TokenHash, "u2", t0.Add(time.Hour), t0.Add(15*day)); !errors.Is(err, ecistore.ErrNotFound) {
		t.Errorf("Accept(expired) = %v, want ErrNotFound", err)
	}
	// The dashboard's list: by address in any case, expired ones left out.
	invs, err := db.InvitationsFor(ctx, "Janis@EXAMPLE.lv", t0.Add(time.Hour))
	if err != nil || len(invs) != 1 || invs[0].ID != jan.ID || invs[0].Title != in.Title {
		t.Errorf("InvitationsFor() = %+v, %v, want Jānis's invitation with its title", invs, err)
	}
	if invs, _ := db.InvitationsFor(ctx, "old@example.org", t0.Add(time.Hour)); len(invs) != 0 {
		t.Errorf("InvitationsFor(expired) = %+v, want none", invs)
	}
	// Re-invited: a new token and date, the old token dies.
	re, err := db.Reinvite(ctx, in.ID, old.ID, strings.Repeat("3", 64), "u1", t0.Add(2*day))
	if err != nil || re.TokenHash != strings.Repeat("3", 64) || !re.InvitedAt.Equal(t0.Add(2*day)) {
		t.Fatalf("Reinvite() = %+v, %v", re, err)
	}
	if _, err := db.MemberByToken(ctx, old.TokenHash); !errors.Is(err, ecistore.ErrNotFound) {
		t.Errorf("MemberByToken(old token) = %v, want ErrNotFound", err)
	}
	if _, err := db.Reinvite(ctx, in.ID+1, old.ID, strings.Repeat("4", 64), "u1", t0); err == nil {
		t.Error("Reinvite(another initiative's member) succeeded")
	}
	// Accepted by e-mail address: only by the addressee.
	if _, err := db.AcceptByEmail(ctx, jan.ID, "mallory@example.org", "u9", t0, t0.Add(2*day)); !errors.Is(err, ecistore.ErrNotFound) {
		t.Errorf("AcceptByEmail(other address) = %v, want ErrNotFound", err)
	}
	if m, err := db.AcceptByEmail(ctx, jan.ID, "JANIS@example.lv", "u2", t0, t0.Add(2*day)); err != nil || m.UserID != "u2" {
		t.Fatalf("AcceptByEmail() = %+v, %v", m, err)
	}
	if _, err := db.AcceptByEmail(ctx, jan.ID, "janis@example.lv", "u2", t0, t0.Add(2*day)); !errors.Is(err, ecistore.ErrNotFound) {
		t.Errorf("AcceptByEmail() twice = %v, want ErrNotFound", err)
	}
	if _, err := db.Reinvite(ctx, in.ID, jan.ID, strings.Repeat("5", 64), "u1", t0); !errors.Is(err, ecistore.ErrNotFound) {
		t.Errorf("Reinvite(accepted member) = %v, want ErrNotFound", err)
	}
	// The hand-over needs a substitute.
	if err := db.HandOver(ctx, in.ID, "u1", "u2", t0.Add(3*day)); !errors.Is(err, ecistore.ErrConflict) {
		t.Errorf("HandOver(no substitute) = %v, want ErrConflict", err)
	}
	if err := db.SetContacts(ctx, in.ID, "u1", "u2", "u1", t0.Add(3*day)); err != nil {
		t.Fatal(err)
	}
	if err := db.HandOver(ctx, in.ID, "u2", "u1", t0.Add(3*day)); !errors.Is(err, ecistore.ErrConflict) {
		t.Errorf("HandOver(by the substitute) = %v, want ErrConflict", err)
	}
	if err := db.HandOver(ctx, in.ID, "u1", "u2", t0.Add(3*day)); err != nil {
		t.Fatalf("HandOver() = %v", err)
	}
	got, _ := db.Initiative(ctx, in.ID)
	if got.Representative != "u2" || got.Substitute != "u1" {
		t.Errorf("after the hand-over: representative %q, substitute %q, want u2 and u1", got.Representative, got.Substitute)
	}
	// Removing: never the representative; a removed substitute leaves none.
	creator, _ := db.Members(ctx, in.ID)
	if _, err := db.RemoveMember(ctx, in.ID, jan.ID, "u2", t0.Add(4*day)); !errors.Is(err, ecistore.ErrConflict) {
		t.Errorf("RemoveMember(representative) = %v, want ErrConflict", err)
	}
	if m, err := db.RemoveMember(ctx, in.ID, creator[0].ID, "u2", t0.Add(4*day)); err != nil || m.UserID != "u1" {
		t.Fatalf("RemoveMember(substitute) = %+v, %v", m, err)
	}
	got, _ = db.Initiative(ctx, in.ID)
	if got.Substitute != "" {
		t.Errorf("substitute after removal = %q, want none", got.Substitute)
	}
	if mine, _ := db.InitiativesOf(ctx, "u1"); len(mine) != 0 {
		t.Errorf("InitiativesOf(removed) = %d, want 0", len(mine))
	}
	if _, err := db.RemoveMember(ctx, in.ID, creator[0].ID, "u2", t0.Add(4*day)); !errors.Is(err, ecistore.ErrNotFound) {
		t.Errorf("RemoveMember() twice = %v, want ErrNotFound", err)
	}
	h, _ := db.History(ctx, in.ID)
	for _, want := range []string{"member_reinvited", "member_removed", "representative", "substitute"} {
		if !slices.Contains(fields(h), want) {
			t.Errorf("History() = %q, want %s", fields(h), want)
		}
	}
	// Frozen once submitted.
	if err := db.Submit(ctx, in.ID, "u2", t0.Add(5*day)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RemoveMember(ctx, in.ID, re.ID, "u2", t0.Add(5*day)); !errors.Is(err, ecistore.ErrConflict) {
		t.Errorf("RemoveMember(submitted) = %v, want ErrConflict", err)
	}
	if _, err := db.Reinvite(ctx, in.ID, re.ID, strings.Repeat("6", 64), "u2", t0.Add(5*day)); !errors.Is(err, ecistore.ErrConflict) {
		t.Errorf("Reinvite(submitted) = %v, want ErrConflict", err)
	}
	if invs, _ := db.InvitationsFor(ctx, "old@example.org", t0); len(invs) != 0 {
		t.Errorf("InvitationsFor(submitted initiative) = %+v, want none", invs)
	}
	// The Commission asks for changes once.
	if err := db.RequestChanges(ctx, in.ID, "Clarify the objectives.", "rev", t0.Add(6*day)); err != nil {
		t.Fatalf("RequestChanges() = %v", err)
	}
	if err := db.RequestChanges(ctx, in.ID, "Again.", "rev", t0.Add(6*day)); !errors.Is(err, ecistore.ErrConflict) {
		t.Errorf("RequestChanges() twice = %v, want ErrConflict", err)
	}
	got, _ = db.Initiative(ctx, in.ID)
	if !got.ChangesRequestedAt.Equal(t0.Add(6*day)) || got.ChangesRequested != "Clarify the objectives." {
		t.Errorf("after RequestChanges: %v %q", got.ChangesRequestedAt, got.ChangesRequested)
	}
	other := newDraft(t, db, "u5")
	if err := db.RequestChanges(ctx, other.ID, "x", "rev", t0); !errors.Is(err, ecistore.ErrConflict) {
		t.Errorf("RequestChanges(draft) = %v, want ErrConflict", err)
	}
}
