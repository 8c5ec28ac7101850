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
func (s *Server) handOver(w http.ResponseWriter, r *http.Request, o *organiser) error {
	a, err := s.load(r, o)
	if err != nil {
		return err
	}
	if !a.Rep() {
		return s.deny(r, o, "handover")
	}
	if !handOverOpen(a.In) {
		return errFrozen
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
		return s.renderInitiative(w, r, a, http.StatusUnprocessableEntity, f, nil)
	}
	to := a.In.Substitute
	if err := s.db.HandOver(r.Context(), a.In.ID, o.User.ID, to, s.now()); errors.Is(err, ecistore.ErrConflict) {
		return errHandOver
	} else if err != nil {
		return err
	}
	s.audit(r, o.User.ID, audit.HandOver, fmt.Sprint(a.In.ID, " ", o.User.ID, " ", to))
	s.notifyGroup(r, a, "mail.handover_subject", "mail.handover_body")
	http.Redirect(w, r, fmt.Sprintf("/initiatives/%d?saved=1", a.In.ID), http.StatusSeeOther)
	return nil
}

// ---- Removing and re-inviting members ----

// loadMember loads the request's initiative for a change by its
// representative (loadRepDraft) and the member of the request's {member}
// in it (errNotFound when there is none).
func (s *Server) loadMember(r *http.Request, o *organiser, what string) (*access, *ecistore.Member, error) {
	a, err := s.loadRepDraft(r, o, what)
	if err != nil {
		return nil, nil, err
	}
	id, err := strconv.ParseInt(r.PathValue("member"), 10, 64)
	for i := range a.Members {
		if err == nil && a.Members[i].ID == id {
			return a, &a.Members[i], nil
		}
	}
	return nil, nil, errNotFound
}

// removeMember takes a member out of the group (the representative, in a
// draft; never the representative themself).
func (s *Server) removeMember(w http.ResponseWriter, r *http.Request, o *organiser) error {
	a, m, err := s.loadMember(r, o, "remove")
	if err != nil {
		return err
	}
	if m.UserID != "" && m.UserID == a.In.Representative {
		return errRemoveRepresentative
	}
	removed, err := s.db.RemoveMember(r.Context(), a.In.ID, m.ID, o.User.ID, s.now())
	switch {
	case errors.Is(err, ecistore.ErrNotFound):
		return errNotFound
	case errors.Is(err, ecistore.ErrConflict):
		return errFrozen
	case err != nil:
		return err
	}
	s.audit(r, o.User.ID, audit.MemberRemove, fmt.Sprint(a.In.ID, " ", removed.ID, " ", removed.Email))
	http.Redirect(w, r, fmt.Sprintf("/initiatives/%d?saved=1#group", a.In.ID), http.StatusSeeOther)
	return nil
}

// reinvite sends a pending (or expired) invitation again with a new link;
// the old link stops working.
func (s *Server) reinvite(w http.ResponseWriter, r *http.Request, o *organiser) error {
	a, m, err := s.loadMember(r, o, "reinvite")
	if err != nil {
		return err
	}
	if m.Status != ecistore.MemberInvited {
		return errAlreadyJoined
	}
	token := newToken()
	m, err = s.db.Reinvite(r.Context(), a.In.ID, m.ID, hash(token), o.User.ID, s.now())
	switch {
	case errors.Is(err, ecistore.ErrNotFound):
		return errAlreadyJoined
	case errors.Is(err, ecistore.ErrConflict):
		return errFrozen
	case err != nil:
		return err
	}
	s.audit(r, o.User.ID, audit.MemberReinvite, fmt.Sprint(a.In.ID, " ", m.ID))
	for i := range a.Members {
		if a.Members[i].ID == m.ID {
			a.Members[i] = *m
		}
	}
	return s.showInvitationLink(w, r, o, a, m, token)
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
// addressed to the organiser; anything else is "not valid"
// (errInvitation), audited.
func (s *Server) myInvitation(r *http.Request, o *organiser) (*ecistore.Invitation, error) {
	id, err := strconv.ParseInt(r.PathValue("member"), 10, 64)
	if err == nil {
		invs, err := s.db.InvitationsFor(r.Context(), o.User.Email, s.issuedAfter())
		if err != nil {
			return nil, err
		}
		for i := range invs {
			if invs[i].ID == id {
				return &invs[i], nil
			}
		}
	}
	s.audit(r, o.User.ID, audit.InvitationRefused, "not addressed to "+o.User.Email+": "+r.PathValue("member"))
	return nil, errInvitation
}

func (s *Server) showMyInvitation(w http.ResponseWriter, r *http.Request, o *organiser) error {
	inv, err := s.myInvitation(r, o)
	if err != nil {
		return err
	}
	p := s.page(r, "invitation.title", invitationView{Action: fmt.Sprint("/invitations/mine/", inv.ID), Title: inv.Title, Name: inv.Name,
		Expires: s.day(r, s.expires(&inv.Member))})
	s.render.Render(w, http.StatusOK, "invitation", p)
	return nil
}

func (s *Server) acceptMyInvitation(w http.ResponseWriter, r *http.Request, o *organiser) error {
	inv, err := s.myInvitation(r, o)
	if err != nil {
		return err
	}
	_, err = s.db.AcceptByEmail(r.Context(), inv.ID, o.User.Email, o.User.ID, s.issuedAfter(), s.now())
	return s.accepted(w, r, o, inv.InitiativeID, err)
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

// fundingSource loads the initiative and the request's {funding}
// (errNotFound when the initiative has no such source).
func (s *Server) fundingSource(r *http.Request, o *organiser) (*access, *ecistore.Funding, error) {
	a, err := s.load(r, o)
	if err != nil {
		return nil, nil, err
	}
	id, err := strconv.ParseInt(r.PathValue("funding"), 10, 64)
	fs, ferr := s.db.Funding(r.Context(), a.In.ID)
	if ferr != nil {
		return nil, nil, ferr
	}
	for i := range fs {
		if err == nil && fs[i].ID == id {
			return a, &fs[i], nil
		}
	}
	return nil, nil, errNotFound
}

func (s *Server) fundingPage(w http.ResponseWriter, r *http.Request, a *access, fd *ecistore.Funding, status int, f *web.Form) error {
	hs, err := s.db.History(r.Context(), a.In.ID)
	if err != nil {
		return err
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
	return nil
}

func (s *Server) showFunding(w http.ResponseWriter, r *http.Request, o *organiser) error {
	a, fd, err := s.fundingSource(r, o)
	if err != nil {
		return err
	}
	return s.fundingPage(w, r, a, fd, http.StatusOK, nil)
}

func (s *Server) updateFunding(w http.ResponseWriter, r *http.Request, o *organiser) error {
	a, fd, err := s.fundingSource(r, o)
	if err != nil {
		return err
	}
	if !a.Rep() {
		return s.deny(r, o, "funding edit")
	}
	if !fundingOpen(a.In) {
		return errFrozen
	}
	f, nf := s.readFunding(r)
	if !f.Valid() {
		return s.fundingPage(w, r, a, fd, http.StatusUnprocessableEntity, f)
	}
	nf.ID, nf.InitiativeID = fd.ID, a.In.ID
	if nf.Sponsor != fd.Sponsor || nf.AmountCents != fd.AmountCents || nf.Received != fd.Received {
		if err := s.db.UpdateFunding(r.Context(), nf, o.User.ID, s.now()); errors.Is(err, ecistore.ErrNotFound) {
			return errNotFound
		} else if err != nil {
			return err
		}
		s.audit(r, o.User.ID, audit.FundingEdit, fmt.Sprint(a.In.ID, " ", fd.ID))
	}
	http.Redirect(w, r, fmt.Sprintf("/initiatives/%d/funding/%d?saved=1", a.In.ID, fd.ID), http.StatusSeeOther)
	return nil
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
func (s *Server) requestChanges(w http.ResponseWriter, r *http.Request, o *organiser) error {
	a, err := s.load(r, o)
	if err != nil {
		return err
	}
	if !a.Reviewer {
		return s.deny(r, o, "request changes")
	}
	if a.In.Status != ecistore.StatusSubmitted {
		return errDecided
	}
	if !a.In.ChangesRequestedAt.IsZero() {
		return errChangesRequested
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
		return s.renderInitiative(w, r, a, http.StatusUnprocessableEntity, f, nil)
	}
	if err := s.db.RequestChanges(r.Context(), a.In.ID, what, o.User.ID, s.now()); errors.Is(err, ecistore.ErrConflict) {
		return errChangesRequested
	} else if err != nil {
		return err
	}
	s.audit(r, o.User.ID, audit.ChangesRequested, fmt.Sprint(a.In.ID))
	s.notifyGroup(r, a, "mail.changes_subject", "mail.changes_body")
	http.Redirect(w, r, fmt.Sprintf("/initiatives/%d", a.In.ID), http.StatusSeeOther)
	return nil
}
