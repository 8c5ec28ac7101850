package eci

import (
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"eulogin/internal/audit"
	"eulogin/internal/eci/ecistore"
	"eulogin/internal/eci/rules"
	"eulogin/internal/web"
)

// ---- Invitations ----

func (s *Server) invite(w http.ResponseWriter, r *http.Request, o *organiser) error {
	a, err := s.loadRepDraft(r, o, "invite")
	if err != nil {
		return err
	}
	l := s.localizer(r)
	r.ParseForm()
	f := web.NewForm(r.PostForm)
	f.DropUnreadable("name", "email")
	name, email := oneLine(f, l, "name", 200), strings.ToLower(oneLine(f, l, "email", 320))
	if name == "" {
		f.Add("name", l.T("member.error_name"))
	}
	if addr, err := mail.ParseAddress(email); err != nil || addr.Address != email || !strings.Contains(email, ".") {
		f.Add("email", l.T("member.error_email"))
	}
	if !f.Valid() {
		return s.renderInitiative(w, r, a, http.StatusUnprocessableEntity, f, nil)
	}
	token := newToken()
	m := &ecistore.Member{InitiativeID: a.In.ID, Name: name, Email: email, TokenHash: hash(token)}
	if err := s.db.Invite(r.Context(), m, s.cfg.MaxGroup, o.User.ID, s.now()); errors.Is(err, ecistore.ErrConflict) {
		f.Add("name", l.T("member.error_full", "max", s.cfg.MaxGroup))
		return s.renderInitiative(w, r, a, http.StatusConflict, f, nil)
	} else if err != nil {
		return err
	}
	s.audit(r, o.User.ID, audit.MemberInvite, fmt.Sprint(a.In.ID, " ", m.ID))
	a.Members = append(a.Members, *m)
	return s.showInvitationLink(w, r, o, a, m, token)
}

// showInvitationLink e-mails the invitation (with a Mailer) and answers with
// the initiative's page showing the link once: only its hash is stored.
func (s *Server) showInvitationLink(w http.ResponseWriter, r *http.Request, o *organiser, a *access, m *ecistore.Member, token string) error {
	l := s.localizer(r)
	link := s.cfg.BaseURL + "/invitations/" + token
	mailed := false
	if s.mailer != nil {
		body := l.T("mail.invitation_body", "name", m.Name, "from", strings.TrimSpace(o.User.FirstName+" "+o.User.LastName), "title", a.In.Title, "link", link,
			"expires", day(l, s.now().Add(s.cfg.InvitationTTL)))
		err := s.mailer.Send(r.Context(), Mail{To: m.Email, ToName: m.Name, Lang: l.Lang, Subject: l.T("mail.invitation_subject"), Text: body})
		if err != nil {
			s.log.Error("send invitation", "err", err)
		} else {
			mailed = true
		}
	}
	return s.renderInitiative(w, r, a, http.StatusOK, web.NewForm(nil), func(v *initiativeView) {
		v.InvitationLink, v.InvitationName, v.InvitationEmail, v.Mailed = link, m.Name, m.Email, mailed
	})
}

// invitationView is the data of the invitation page.
type invitationView struct {
	Action  string // where the form posts
	Title   string
	Name    string
	Expires string // the last day the invitation works
}

// invitation finds the member invited with the request's token; a wrong,
// altered or used token is audited and answered with the same page
// (errInvitation).
func (s *Server) invitation(r *http.Request, o *organiser) (*ecistore.Member, *ecistore.Initiative, error) {
	token := r.PathValue("token")
	var m *ecistore.Member
	var err error
	if len(token) == 43 {
		m, err = s.db.MemberByToken(r.Context(), hash(token))
	} else {
		err = ecistore.ErrNotFound
	}
	if err == nil && m.Status != ecistore.MemberInvited {
		err = ecistore.ErrNotFound
	}
	if errors.Is(err, ecistore.ErrNotFound) {
		s.audit(r, o.User.ID, audit.InvitationRefused, "unknown or used token")
		return nil, nil, errInvitation
	}
	if err == nil && m.InvitedAt.Before(s.issuedAfter()) {
		s.audit(r, o.User.ID, audit.InvitationRefused, fmt.Sprint("expired ", m.InitiativeID, " ", m.ID))
		return nil, nil, errInvitationExpired
	}
	if err != nil {
		return nil, nil, err
	}
	in, err := s.db.Initiative(r.Context(), m.InitiativeID)
	if err != nil {
		return nil, nil, err
	}
	return m, in, nil
}

func (s *Server) showInvitation(w http.ResponseWriter, r *http.Request, o *organiser) error {
	m, in, err := s.invitation(r, o)
	if err != nil {
		return err
	}
	p := s.page(r, "invitation.title", invitationView{Action: "/invitations/" + r.PathValue("token"), Title: in.Title, Name: m.Name,
		Expires: s.day(r, s.expires(m))})
	s.render.Render(w, http.StatusOK, "invitation", p)
	return nil
}

func (s *Server) acceptInvitation(w http.ResponseWriter, r *http.Request, o *organiser) error {
	m, in, err := s.invitation(r, o)
	if err != nil {
		return err
	}
	_, err = s.db.Accept(r.Context(), m.TokenHash, o.User.ID, s.issuedAfter(), s.now())
	return s.accepted(w, r, o, in.ID, err)
}

// accepted answers the acceptance of an invitation (err from the store).
func (s *Server) accepted(w http.ResponseWriter, r *http.Request, o *organiser, initiativeID int64, err error) error {
	switch {
	case errors.Is(err, ecistore.ErrNotFound):
		s.audit(r, o.User.ID, audit.InvitationRefused, "used or expired invitation")
		return errInvitation
	case errors.Is(err, ecistore.ErrConflict):
		return errInvitationConflict
	case err != nil:
		return err
	}
	s.audit(r, o.User.ID, audit.MemberAccept, fmt.Sprint(initiativeID))
	http.Redirect(w, r, fmt.Sprintf("/initiatives/%d/details", initiativeID), http.StatusSeeOther)
	return nil
}

// expires returns the last moment an invitation works.
func (s *Server) expires(m *ecistore.Member) time.Time { return m.InvitedAt.Add(s.cfg.InvitationTTL) }

// ---- A member's own details ----

// detailsView is the data of the details form.
type detailsView struct {
	In        *ecistore.Initiative
	Countries []web.Option
}

func (s *Server) detailsForm(r *http.Request, in *ecistore.Initiative, f *web.Form) *web.Page {
	l := s.localizer(r)
	opts := []web.Option{{Value: "", Label: l.T("member.country_choose")}}
	for _, c := range rules.Countries {
		opts = append(opts, web.Option{Value: c, Label: l.T("country." + c)})
	}
	slices.SortStableFunc(opts[1:], func(a, b web.Option) int { return strings.Compare(a.Label, b.Label) })
	opts = append(opts, web.Option{Value: "OTHER", Label: l.T("country.OTHER")})
	p := s.page(r, "member.details_title", detailsView{In: in, Countries: opts})
	p.Form = f
	return p
}

// loadOwnDetails loads the request's initiative (load) and checks that the
// user, a member, may still change their own details in it.
func (s *Server) loadOwnDetails(r *http.Request, o *organiser) (*access, error) {
	a, err := s.load(r, o)
	if err != nil {
		return nil, err
	}
	if a.Me == nil {
		return nil, s.deny(r, o, "details")
	}
	if !a.In.Editable() {
		return nil, errFrozen
	}
	return a, nil
}

func (s *Server) details(w http.ResponseWriter, r *http.Request, o *organiser) error {
	a, err := s.loadOwnDetails(r, o)
	if err != nil {
		return err
	}
	m := a.Me
	v := map[string][]string{"full_name": {m.FullName}, "nationality": {m.Nationality}, "residence": {m.Residence}, "birth_date": {m.BirthDate}}
	if m.FullName == "" {
		v["full_name"] = []string{strings.TrimSpace(o.User.FirstName + " " + o.User.LastName)}
	}
	if m.MEP {
		v["mep"] = []string{"yes"}
	}
	if !m.ConsentAt.IsZero() {
		v["consent"] = []string{"yes"}
	}
	s.render.Render(w, http.StatusOK, "details", s.detailsForm(r, a.In, web.NewForm(v)))
	return nil
}

func (s *Server) saveDetails(w http.ResponseWriter, r *http.Request, o *organiser) error {
	a, err := s.loadOwnDetails(r, o)
	if err != nil {
		return err
	}
	l := s.localizer(r)
	r.ParseForm()
	f := web.NewForm(r.PostForm)
	f.DropUnreadable("full_name")
	d := ecistore.MemberDetails{
		FullName: oneLine(f, l, "full_name", 200), Nationality: f.Get("nationality"), Residence: f.Get("residence"),
		BirthDate: f.Get("birth_date"), MEP: f.Checked("mep"),
	}
	if d.FullName == "" {
		f.Add("full_name", l.T("member.error_full_name"))
	}
	country := func(c string) bool { return c == "OTHER" || rules.IsMemberState(c) }
	if !country(d.Nationality) {
		f.Add("nationality", l.T("member.error_nationality"))
	}
	if !country(d.Residence) {
		f.Add("residence", l.T("member.error_residence"))
	}
	if b, err := time.Parse(time.DateOnly, d.BirthDate); err != nil || b.After(s.now()) || b.Year() < 1900 {
		f.Add("birth_date", l.T("member.error_birth_date"))
	}
	if !f.Checked("consent") {
		f.Add("consent", l.T("member.error_consent"))
	}
	if !f.Valid() {
		s.render.Render(w, http.StatusUnprocessableEntity, "details", s.detailsForm(r, a.In, f))
		return nil
	}
	now := s.now()
	d.ConsentAt = now
	if err := s.db.SaveDetails(r.Context(), a.In.ID, o.User.ID, d, now); errors.Is(err, ecistore.ErrConflict) {
		return errFrozen
	} else if err != nil {
		return err
	}
	s.audit(r, o.User.ID, audit.MemberDetails, fmt.Sprint(a.In.ID))
	http.Redirect(w, r, fmt.Sprintf("/initiatives/%d?saved=1", a.In.ID), http.StatusSeeOther)
	return nil
}

// ---- Contact persons ----

func (s *Server) contacts(w http.ResponseWriter, r *http.Request, o *organiser) error {
	a, err := s.loadRepDraft(r, o, "contacts")
	if err != nil {
		return err
	}
	l := s.localizer(r)
	r.ParseForm()
	f := web.NewForm(r.PostForm)
	rep, sub := f.Get("representative"), f.Get("substitute")
	accepted := func(id string) bool {
		return slices.ContainsFunc(a.Members, func(m ecistore.Member) bool {
			return id != "" && m.UserID == id && m.Status == ecistore.MemberAccepted
		})
	}
	if !accepted(rep) {
		f.Add("representative", l.T("rule.no_representative"))
	}
	if sub != "" && !accepted(sub) {
		f.Add("substitute", l.T("rule.no_substitute"))
	}
	if sub != "" && sub == rep {
		f.Add("substitute", l.T("rule.same_contacts"))
	}
	if !f.Valid() {
		return s.renderInitiative(w, r, a, http.StatusUnprocessableEntity, f, nil)
	}
	if err := s.db.SetContacts(r.Context(), a.In.ID, rep, sub, o.User.ID, s.now()); errors.Is(err, ecistore.ErrConflict) {
		return errFrozen
	} else if err != nil {
		return err
	}
	s.audit(r, o.User.ID, audit.Contacts, fmt.Sprint(a.In.ID))
	http.Redirect(w, r, fmt.Sprintf("/initiatives/%d?saved=1", a.In.ID), http.StatusSeeOther)
	return nil
}

// ---- Funding ----

// eurosRE is an amount in euros as people write it: whole euros, with or
// without thousands grouped by spaces, then optionally a decimal point or
// comma and one or two cents digits; "EUR" or "€" may stand before or after.
// Signs, letters, phone-number-like runs of groups and three decimals are
// refused rather than guessed at.
var eurosRE = regexp.MustCompile(`^(?:EUR|€)?\s*([0-9]{1,3}(?:[ \x{00a0}\x{202f}][0-9]{3})+|[0-9]{1,12})(?:[.,]([0-9]{1,2}))?\s*(?:EUR|€)?$`)

// parseEuros reads an amount in euros ("1500", "1 500,50", "1500.5",
// "EUR 2 000") into cents; it reports false for anything else and for 0.
func parseEuros(s string) (int64, bool) {
	m := eurosRE.FindStringSubmatch(strings.ToUpper(strings.TrimSpace(s)))
	if m == nil {
		return 0, false
	}
	whole := strings.Map(func(r rune) rune {
		if r < '0' || r > '9' {
			return -1
		}
		return r
	}, m[1])
	if len(whole) > 12 {
		return 0, false
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, false
	}
	var c int64
	if m[2] != "" {
		c, _ = strconv.ParseInt(m[2], 10, 64)
		if len(m[2]) == 1 {
			c *= 10
		}
	}
	return w*100 + c, w*100+c > 0
}

func (s *Server) addFunding(w http.ResponseWriter, r *http.Request, o *organiser) error {
	a, err := s.load(r, o)
	if err != nil {
		return err
	}
	if !a.Rep() {
		return s.deny(r, o, "funding")
	}
	if !fundingOpen(a.In) {
		return errFrozen
	}
	f, fd := s.readFunding(r)
	if !f.Valid() {
		return s.renderInitiative(w, r, a, http.StatusUnprocessableEntity, f, nil)
	}
	fd.InitiativeID = a.In.ID
	if err := s.db.AddFunding(r.Context(), fd, o.User.ID, s.now()); err != nil {
		return err
	}
	s.audit(r, o.User.ID, audit.Funding, fmt.Sprint(a.In.ID))
	http.Redirect(w, r, fmt.Sprintf("/initiatives/%d?saved=1#funding", a.In.ID), http.StatusSeeOther)
	return nil
}

// ---- Submission ----

func (s *Server) submit(w http.ResponseWriter, r *http.Request, o *organiser) error {
	a, err := s.loadRepDraft(r, o, "submit")
	if err != nil {
		return err
	}
	l := s.localizer(r)
	if ps := problems(a, s.now()); len(ps) > 0 {
		f := web.NewForm(nil)
		for _, p := range ps {
			f.Errors = append(f.Errors, web.FieldError{Field: "missing", Message: say(l, p)})
		}
		s.audit(r, o.User.ID, audit.SubmitRefused, fmt.Sprint(a.In.ID))
		return s.renderInitiative(w, r, a, http.StatusUnprocessableEntity, f, nil)
	}
	if err := s.db.Submit(r.Context(), a.In.ID, o.User.ID, s.now()); errors.Is(err, ecistore.ErrConflict) {
		return errFrozen
	} else if err != nil {
		return err
	}
	s.audit(r, o.User.ID, audit.InitiativeSubmit, fmt.Sprint(a.In.ID))
	s.notifyGroup(r, a, "mail.submitted_subject", "mail.submitted_body")
	http.Redirect(w, r, fmt.Sprintf("/initiatives/%d", a.In.ID), http.StatusSeeOther)
	return nil
}

// notifyGroup e-mails every accepted member in their own language (the
// locale EU Login reported at their last login), when a Mailer is set.
func (s *Server) notifyGroup(r *http.Request, a *access, subjectKey, bodyKey string) {
	if s.mailer == nil {
		return
	}
	for _, m := range a.Members {
		if m.UserID == "" {
			continue
		}
		lang := "en"
		if u, err := s.db.User(r.Context(), m.UserID); err == nil && s.bundle.Has(u.Locale) {
			lang = u.Locale
		}
		l := s.bundle.Localizer(lang)
		link := fmt.Sprintf("%s/initiatives/%d", s.cfg.BaseURL, a.In.ID)
		name := m.FullName
		if name == "" {
			name = m.Name
		}
		msg := Mail{To: m.Email, ToName: name, Lang: l.Lang, Subject: l.T(subjectKey), Text: l.T(bodyKey, "title", a.In.Title, "link", link)}
		if err := s.mailer.Send(r.Context(), msg); err != nil {
			s.log.Error("notify group", "err", err)
		}
	}
}

// ---- After registration ----

func (s *Server) collectionStart(w http.ResponseWriter, r *http.Request, o *organiser) error {
	a, err := s.load(r, o)
	if err != nil {
		return err
	}
	if !a.Rep() {
		return s.deny(r, o, "collection")
	}
	if (a.In.Status != ecistore.StatusRegistered && a.In.Status != ecistore.StatusPartiallyRegistered) || a.In.CollectionStart != "" {
		return errFrozen
	}
	l := s.localizer(r)
	r.ParseForm()
	f := web.NewForm(r.PostForm)
	start, err := time.Parse(time.DateOnly, f.Get("start"))
	if err != nil {
		f.Add("start", l.T("collection.error_date"))
	} else {
		for _, p := range rules.CheckCollectionStart(a.In.DecidedAt, s.now(), start) {
			f.Add("start", say(l, p))
		}
	}
	if !f.Valid() {
		return s.renderInitiative(w, r, a, http.StatusUnprocessableEntity, f, nil)
	}
	if err := s.db.SetCollectionStart(r.Context(), a.In.ID, start.Format(time.DateOnly), o.User.ID, s.now()); err != nil {
		return err
	}
	s.audit(r, o.User.ID, audit.CollectionStart, fmt.Sprint(a.In.ID))
	http.Redirect(w, r, fmt.Sprintf("/initiatives/%d?saved=1", a.In.ID), http.StatusSeeOther)
	return nil
}

// ---- The Commission's side ----

// queueRow is a registration request in the reviewers' queue.
type queueRow struct {
	ID        int64
	Title     string
	Status    string
	Submitted string
	Deadline  string
	Late      bool
	Extended  bool // the Commission asked for changes: four months
}

func (s *Server) reviewQueue(w http.ResponseWriter, r *http.Request, o *organiser) error {
	ok, err := s.reviewer(r.Context(), o)
	if err != nil {
		return err
	}
	if !ok {
		s.audit(r, o.User.ID, audit.AccessDenied, "review queue")
		return errForbidden
	}
	ins, err := s.db.InitiativesWithStatus(r.Context(), ecistore.StatusSubmitted)
	if err != nil {
		return err
	}
	l := s.localizer(r)
	today := rules.Date(s.now())
	var rows []queueRow
	for _, in := range ins {
		dl := deadline(&in)
		rows = append(rows, queueRow{ID: in.ID, Title: in.Title, Status: l.T("status." + in.Status),
			Submitted: day(l, in.SubmittedAt), Deadline: day(l, dl), Late: today.After(dl),
			Extended: !in.ChangesRequestedAt.IsZero()})
	}
	s.render.Render(w, http.StatusOK, "review", s.page(r, "review.title", rows))
	return nil
}

func (s *Server) decide(w http.ResponseWriter, r *http.Request, o *organiser) error {
	a, err := s.load(r, o)
	if err != nil {
		return err
	}
	if !a.Reviewer {
		return s.deny(r, o, "decide")
	}
	if a.In.Status != ecistore.StatusSubmitted {
		return errDecided
	}
	l := s.localizer(r)
	r.ParseForm()
	f := web.NewForm(r.PostForm)
	f.DropUnreadable("reasons")
	decision, reasons := f.Get("decision"), longText(f, l, "reasons", 5000)
	if decision != ecistore.StatusRegistered && decision != ecistore.StatusPartiallyRegistered && decision != ecistore.StatusRefused {
		f.Add("decision", l.T("review.error_decision"))
	} else if decision != ecistore.StatusRegistered && reasons == "" {
		f.Add("reasons", l.T("review.error_reasons"))
	}
	if !f.Valid() {
		return s.renderInitiative(w, r, a, http.StatusUnprocessableEntity, f, nil)
	}
	number, err := s.db.Decide(r.Context(), a.In.ID, decision, reasons, o.User.ID, s.now())
	if errors.Is(err, ecistore.ErrConflict) {
		return errDecided
	} else if err != nil {
		return err
	}
	s.audit(r, o.User.ID, audit.InitiativeDecision, fmt.Sprint(a.In.ID, " ", decision, " ", number))
	s.notifyGroup(r, a, "mail.decided_subject", "mail.decided_body")
	http.Redirect(w, r, fmt.Sprintf("/initiatives/%d", a.In.ID), http.StatusSeeOther)
	return nil
}
