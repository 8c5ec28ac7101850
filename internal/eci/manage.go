package eci

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"eulogin/internal/audit"
	"eulogin/internal/eci/ecistore"
	"eulogin/internal/eci/rules"
	"eulogin/internal/web"
)

// ---- Hand-over to the substitute ----

// handOverOpen reports whether the contact persons may still change hands:
// while the initiative is a draft, and once it is registered (the
// representative then manages it). A submitted or refused request is
// frozen.
func handOverOpen(in *ecistore.Initiative) bool {
	switch in.Status {
	case ecistore.StatusDraft, ecistore.StatusRegistered, ecistore.StatusPartiallyRegistered:
		return true
	}
	return false
}

// handOver gives the representative's rights to the substitute, who
// becomes the representative; the representative becomes the substitute.
func (s *Server) handOver(w http.ResponseWriter, r *http.Request, o *organiser) {
	a := s.load(w, r, o)
	if a == nil {
		return
	}
	if !a.Rep() {
		s.deny(w, r, o, "handover")
		return
	}
	if !handOverOpen(a.In) {
		s.fail(w, r, http.StatusConflict, "problem.frozen", nil)
		return
	}
	l := s.localizer(r)
	r.ParseForm()
	f := web.NewForm(r.PostForm)
	if a.In.Substitute == "" {
		f.Add("handover", l.T("rule.no_substitute"))
	} else if !f.Checked("confirm") {
		f.Add("handover", l.T("group.handover_error_confirm"))
	}
	if !f.Valid() {
		s.renderInitiative(w, r, a, http.StatusUnprocessableEntity, f, nil)
		return
	}
	to := a.In.Substitute
	if err := s.db.HandOver(r.Context(), a.In.ID, o.User.ID, to, s.now()); errors.Is(err, ecistore.ErrConflict) {
		s.fail(w, r, http.StatusConflict, "problem.handover", nil)
		return
	} else if err != nil {
		s.internal(w, r, err)
		return
	}
	s.audit(r, o.User.ID, audit.HandOver, fmt.Sprint(a.In.ID, " ", o.User.ID, " ", to))
	s.notifyGroup(r, a, "mail.handover_subject", "mail.handover_body")
	http.Redirect(w, r, fmt.Sprintf("/initiatives/%d?saved=1", a.In.ID), http.StatusSeeOther)
}

// ---- Removing and re-inviting members ----

// member returns the member of the request's {member} in the initiative,
// or answers 404 and returns nil.
func (s *Server) member(w http.ResponseWriter, r *http.Request, a *access) *ecistore.Member {
	id, err := strconv.ParseInt(r.PathValue("member"), 10, 64)
	for i := range a.Members {
		if err == nil && a.Members[i].ID == id {
			return &a.Members[i]
		}
	}
	s.notFound(w, r)
	return nil
}

// removeMember takes a member out of the group (the representative, in a
// draft; never the representative themself).
func (s *Server) removeMember(w http.ResponseWriter, r *http.Request, o *organiser) {
	a := s.load(w, r, o)
	if a == nil || !s.repDraft(w, r, o, a, "remove") {
		return
	}
	m := s.member(w, r, a)
	if m == nil {
		return
	}
	if m.UserID != "" && m.UserID == a.In.Representative {
		s.fail(w, r, http.StatusConflict, "problem.remove_representative", nil)
		return
	}
	removed, err := s.db.RemoveMember(r.Context(), a.In.ID, m.ID, o.User.ID, s.now())
	switch {
	case errors.Is(err, ecistore.ErrNotFound):
		s.notFound(w, r)
		return
	case errors.Is(err, ecistore.ErrConflict):
		s.fail(w, r, http.StatusConflict, "problem.frozen", nil)
		return
	case err != nil:
		s.internal(w, r, err)
		return
	}
	s.audit(r, o.User.ID, audit.MemberRemove, fmt.Sprint(a.In.ID, " ", removed.ID, " ", removed.Email))
	http.Redirect(w, r, fmt.Sprintf("/initiatives/%d?saved=1#group", a.In.ID), http.StatusSeeOther)
}

// reinvite sends a pending (or expired) invitation again with a new link;
// the old link stops working.
func (s *Server) reinvite(w http.ResponseWriter, r *http.Request, o *organiser) {
	a := s.load(w, r, o)
	if a == nil || !s.repDraft(w, r, o, a, "reinvite") {
		return
	}
	m := s.member(w, r, a)
	if m == nil {
		return
	}
	if m.Status != ecistore.MemberInvited {
		s.fail(w, r, http.StatusConflict, "problem.already_joined", nil)
		return
	}
	token := newToken()
	m, err := s.db.Reinvite(r.Context(), a.In.ID, m.ID, hash(token), o.User.ID, s.now())
	switch {
	case errors.Is(err, ecistore.ErrNotFound):
		s.fail(w, r, http.StatusConflict, "problem.already_joined", nil)
		return
	case errors.Is(err, ecistore.ErrConflict):
		s.fail(w, r, http.StatusConflict, "problem.frozen", nil)
		return
	case err != nil:
		s.internal(w, r, err)
		return
	}
	s.audit(r, o.User.ID, audit.MemberReinvite, fmt.Sprint(a.In.ID, " ", m.ID))
	for i := range a.Members {
		if a.Members[i].ID == m.ID {
			a.Members[i] = *m
		}
	}
	s.showInvitationLink(w, r, o, a, m, token)
}

// ---- Invitations addressed to the signed-in user ----

// invitationRow is a pending invitation as the dashboard lists it.
type invitationRow struct {
	ID      int64 // the member's id
	Title   string
	Expires string
}

// myInvitations returns the pending, unexpired invitations addressed to
// the e-mail address EU Login reported for the organiser.
func (s *Server) myInvitations(r *http.Request, o *organiser) ([]invitationRow, error) {
	invs, err := s.db.InvitationsFor(r.Context(), o.User.Email, s.issuedAfter())
	if err != nil {
		return nil, err
	}
	var rows []invitationRow
	for _, inv := range invs {
		rows = append(rows, invitationRow{ID: inv.ID, Title: inv.Title, Expires: s.day(r, s.expires(&inv.Member))})
	}
	return rows, nil
}

// myInvitation finds the request's {member} among the invitations
// addressed to the organiser; anything else is "not valid", audited.
func (s *Server) myInvitation(w http.ResponseWriter, r *http.Request, o *organiser) *ecistore.Invitation {
	id, err := strconv.ParseInt(r.PathValue("member"), 10, 64)
	if err == nil {
		invs, err := s.db.InvitationsFor(r.Context(), o.User.Email, s.issuedAfter())
		if err != nil {
			s.internal(w, r, err)
			return nil
		}
		for i := range invs {
			if invs[i].ID == id {
				return &invs[i]
			}
		}
	}
	s.audit(r, o.User.ID, audit.InvitationRefused, "not addressed to "+o.User.Email+": "+r.PathValue("member"))
	s.fail(w, r, http.StatusNotFound, "problem.invitation", nil)
	return nil
}

func (s *Server) showMyInvitation(w http.ResponseWriter, r *http.Request, o *organiser) {
	inv := s.myInvitation(w, r, o)
	if inv == nil {
		return
	}
	p := s.page(r, "invitation.title", invitationView{Action: fmt.Sprint("/invitations/mine/", inv.ID), Title: inv.Title, Name: inv.Name,
		Expires: s.day(r, s.expires(&inv.Member))})
	s.render.Render(w, http.StatusOK, "invitation", p)
}

func (s *Server) acceptMyInvitation(w http.ResponseWriter, r *http.Request, o *organiser) {
	inv := s.myInvitation(w, r, o)
	if inv == nil {
		return
	}
	_, err := s.db.AcceptByEmail(r.Context(), inv.ID, o.User.Email, o.User.ID, s.issuedAfter(), s.now())
	s.accepted(w, r, o, inv.InitiativeID, err)
}

// ---- Funding ----

// readFunding reads and checks the funding form.
func (s *Server) readFunding(r *http.Request) (*web.Form, *ecistore.Funding) {
	l := s.localizer(r)
	r.ParseForm()
	f := web.NewForm(r.PostForm)
	f.DropUnreadable("sponsor")
	fd := &ecistore.Funding{Sponsor: oneLine(f, l, "sponsor", 200), Received: f.Get("received")}
	if fd.Sponsor == "" {
		f.Add("sponsor", l.T("funding.error_sponsor"))
	}
	var ok bool
	if fd.AmountCents, ok = parseEuros(f.Get("amount")); !ok {
		f.Add("amount", l.T("funding.error_amount"))
	}
	if d, err := time.Parse(time.DateOnly, fd.Received); err != nil || d.After(s.now()) {
		f.Add("received", l.T("funding.error_received"))
	}
	return f, fd
}

// fundingOpen reports whether the sources of funding may change: in a
// draft, and after registration (they are updated then), not while the
// Commission examines the request nor after a refusal.
func fundingOpen(in *ecistore.Initiative) bool {
	return in.Status != ecistore.StatusSubmitted && in.Status != ecistore.StatusRefused
}

// fundingVersion is one version of a source of funding, from its history.
type fundingVersion struct {
	At       time.Time
	Who      string
	Sponsor  string
	Amount   string
	Received string
}

// fundingView is the data of a source of funding's page.
type fundingView struct {
	In       *ecistore.Initiative
	Source   ecistore.Funding
	Amount   string
	CanEdit  bool
	Versions []fundingVersion
}

// fundingSource loads the initiative and the request's {funding}; nil when
// it answered.
func (s *Server) fundingSource(w http.ResponseWriter, r *http.Request, o *organiser) (*access, *ecistore.Funding) {
	a := s.load(w, r, o)
	if a == nil {
		return nil, nil
	}
	id, err := strconv.ParseInt(r.PathValue("funding"), 10, 64)
	fs, ferr := s.db.Funding(r.Context(), a.In.ID)
	if ferr != nil {
		s.internal(w, r, ferr)
		return nil, nil
	}
	for i := range fs {
		if err == nil && fs[i].ID == id {
			return a, &fs[i]
		}
	}
	s.notFound(w, r)
	return nil, nil
}

func (s *Server) fundingPage(w http.ResponseWriter, r *http.Request, a *access, fd *ecistore.Funding, status int, f *web.Form) {
	hs, err := s.db.History(r.Context(), a.In.ID)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	names := map[string]string{}
	for _, m := range a.Members {
		if m.UserID != "" {
			names[m.UserID] = m.Name
		}
	}
	v := fundingView{In: a.In, Source: *fd, Amount: euros(fd.AmountCents), CanEdit: a.Rep() && fundingOpen(a.In)}
	field := fmt.Sprint("funding:", fd.ID)
	for _, h := range hs {
		if h.Field != field {
			continue
		}
		var n struct {
			Sponsor     string `json:"sponsor"`
			AmountCents int64  `json:"amountCents"`
			Received    string `json:"received"`
		}
		if json.Unmarshal([]byte(h.New), &n) != nil {
			continue
		}
		who := names[h.UserID]
		if who == "" {
			who = s.localizer(r).T("history.former_member")
		}
		v.Versions = append(v.Versions, fundingVersion{At: h.At, Who: who, Sponsor: n.Sponsor, Amount: euros(n.AmountCents), Received: n.Received})
	}
	if f == nil {
		f = web.NewForm(map[string][]string{"sponsor": {fd.Sponsor}, "amount": {strings.TrimPrefix(euros(fd.AmountCents), "EUR ")}, "received": {fd.Received}})
	}
	p := s.page(r, "funding.edit_title", v)
	p.Form = f
	if r.URL.Query().Get("saved") != "" && f.Valid() {
		p.Flash = s.localizer(r).T("initiative.saved")
	}
	s.render.Render(w, status, "funding", p)
}

func (s *Server) showFunding(w http.ResponseWriter, r *http.Request, o *organiser) {
	a, fd := s.fundingSource(w, r, o)
	if a == nil {
		return
	}
	s.fundingPage(w, r, a, fd, http.StatusOK, nil)
}

func (s *Server) updateFunding(w http.ResponseWriter, r *http.Request, o *organiser) {
	a, fd := s.fundingSource(w, r, o)
	if a == nil {
		return
	}
	if !a.Rep() {
		s.deny(w, r, o, "funding edit")
		return
	}
	if !fundingOpen(a.In) {
		s.fail(w, r, http.StatusConflict, "problem.frozen", nil)
		return
	}
	f, nf := s.readFunding(r)
	if !f.Valid() {
		s.fundingPage(w, r, a, fd, http.StatusUnprocessableEntity, f)
		return
	}
	nf.ID, nf.InitiativeID = fd.ID, a.In.ID
	if nf.Sponsor != fd.Sponsor || nf.AmountCents != fd.AmountCents || nf.Received != fd.Received {
		if err := s.db.UpdateFunding(r.Context(), nf, o.User.ID, s.now()); errors.Is(err, ecistore.ErrNotFound) {
			s.notFound(w, r)
			return
		} else if err != nil {
			s.internal(w, r, err)
			return
		}
		s.audit(r, o.User.ID, audit.FundingEdit, fmt.Sprint(a.In.ID, " ", fd.ID))
	}
	http.Redirect(w, r, fmt.Sprintf("/initiatives/%d/funding/%d?saved=1", a.In.ID, fd.ID), http.StatusSeeOther)
}

// ---- The Commission asks for changes ----

// deadline returns the day the Commission's decision is due: two months
// after submission, four when it asked for changes.
func deadline(in *ecistore.Initiative) time.Time {
	if !in.ChangesRequestedAt.IsZero() {
		return rules.ExtendedDecisionDeadline(in.SubmittedAt)
	}
	return rules.DecisionDeadline(in.SubmittedAt)
}

// requestChanges records a reviewer's request for changes, which extends
// the deadline of the decision to four months after submission (once).
func (s *Server) requestChanges(w http.ResponseWriter, r *http.Request, o *organiser) {
	a := s.load(w, r, o)
	if a == nil {
		return
	}
	if !a.Reviewer {
		s.deny(w, r, o, "request changes")
		return
	}
	if a.In.Status != ecistore.StatusSubmitted {
		s.fail(w, r, http.StatusConflict, "problem.decided", nil)
		return
	}
	if !a.In.ChangesRequestedAt.IsZero() {
		s.fail(w, r, http.StatusConflict, "problem.changes_requested", nil)
		return
	}
	l := s.localizer(r)
	r.ParseForm()
	f := web.NewForm(r.PostForm)
	f.DropUnreadable("changes")
	what := longText(f, l, "changes", 5000)
	if what == "" {
		f.Add("changes", l.T("review.error_changes"))
	}
	if !f.Valid() {
		s.renderInitiative(w, r, a, http.StatusUnprocessableEntity, f, nil)
		return
	}
	if err := s.db.RequestChanges(r.Context(), a.In.ID, what, o.User.ID, s.now()); errors.Is(err, ecistore.ErrConflict) {
		s.fail(w, r, http.StatusConflict, "problem.changes_requested", nil)
		return
	} else if err != nil {
		s.internal(w, r, err)
		return
	}
	s.audit(r, o.User.ID, audit.ChangesRequested, fmt.Sprint(a.In.ID))
	s.notifyGroup(r, a, "mail.changes_subject", "mail.changes_body")
	http.Redirect(w, r, fmt.Sprintf("/initiatives/%d", a.In.ID), http.StatusSeeOther)
}
