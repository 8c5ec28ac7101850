package eci

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"eulogin/internal/audit"
	"eulogin/internal/eci/ecistore"
	"eulogin/internal/eci/rules"
	"eulogin/internal/i18n"
	"eulogin/internal/web"
)

// MaxDocument is the largest draft legal act accepted, in bytes.
const MaxDocument = 5 << 20

// Mail is one e-mail of the portal, already in the recipient's language.
type Mail struct {
	To      string // the recipient's address
	ToName  string // their name, may be empty
	Lang    string // the language of the texts, e.g. "fr"
	Subject string
	// Text is the plain text: paragraphs separated by blank lines, links
	// on lines of their own (the HTML part is made from it).
	Text string
}

// Mailer sends the portal's e-mails. The portal works without one: the
// representative then sends the invitation links themselves.
type Mailer interface {
	Send(ctx context.Context, m Mail) error
}

// access is what the signed-in user may do with one initiative.
type access struct {
	In       *ecistore.Initiative
	Members  []ecistore.Member
	Me       *ecistore.Member // nil when not a member
	Reviewer bool             // a reviewer, and the initiative is submitted or decided
}

// Rep reports whether the user is the representative.
func (a *access) Rep() bool { return a.Me != nil && a.In.Representative == a.Me.UserID }

// reviewer reports whether the organiser has the reviewer role: by
// configuration (Config.Reviewers) or granted in the database, for the
// e-mail address EU Login reported at their login.
func (s *Server) reviewer(ctx context.Context, o *organiser) (bool, error) {
	if o.User.Email == "" {
		return false, nil
	}
	if s.configReviewer(o.User.Email) {
		return true, nil
	}
	return s.db.IsReviewer(ctx, o.User.Email)
}

// load reads the initiative of the request's {id} and what the user may do
// with it. A user who may not see it gets errNotFound, as for an id that
// does not exist: the existence of a draft is not disclosed.
func (s *Server) load(r *http.Request, o *organiser) (*access, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, errNotFound
	}
	in, err := s.db.Initiative(r.Context(), id)
	if errors.Is(err, ecistore.ErrNotFound) {
		return nil, errNotFound
	}
	if err != nil {
		return nil, err
	}
	a := &access{In: in}
	if a.Members, err = s.db.Members(r.Context(), id); err != nil {
		return nil, err
	}
	for i := range a.Members {
		if m := &a.Members[i]; m.UserID == o.User.ID && m.Status == ecistore.MemberAccepted {
			a.Me = m
		}
	}
	if in.Status != ecistore.StatusDraft {
		if a.Reviewer, err = s.reviewer(r.Context(), o); err != nil {
			return nil, err
		}
	}
	if a.Me == nil && !a.Reviewer {
		s.audit(r, o.User.ID, audit.AccessDenied, fmt.Sprint("view ", id))
		return nil, errNotFound
	}
	return a, nil
}

// deny audits a request the user may not make on an initiative they see,
// and returns errForbidden.
func (s *Server) deny(r *http.Request, o *organiser, what string) error {
	s.audit(r, o.User.ID, audit.AccessDenied, what+" "+r.PathValue("id"))
	return errForbidden
}

// repDraft checks that the user is the representative (else deny) and the
// initiative a draft (else errFrozen).
func (s *Server) repDraft(r *http.Request, o *organiser, a *access, what string) error {
	if !a.Rep() {
		return s.deny(r, o, what)
	}
	if !a.In.Editable() {
		return errFrozen
	}
	return nil
}

// loadRepDraft loads the request's initiative (load) and checks that the
// user may change it as the representative of a draft (repDraft).
func (s *Server) loadRepDraft(r *http.Request, o *organiser, what string) (*access, error) {
	a, err := s.load(r, o)
	if err != nil {
		return nil, err
	}
	if err := s.repDraft(r, o, a, what); err != nil {
		return nil, err
	}
	return a, nil
}

// group returns the group of organisers as the rules see it.
func group(a *access) rules.Group {
	g := rules.Group{}
	for _, m := range a.Members {
		birth, _ := time.Parse(time.DateOnly, m.BirthDate)
		name := m.FullName
		if name == "" {
			name = m.Name
		}
		g.Members = append(g.Members, rules.Member{
			Ref: m.UserID, Name: name, Confirmed: m.Status == ecistore.MemberAccepted && !m.ConsentAt.IsZero(),
			Nationality: m.Nationality, Residence: m.Residence, BirthDate: birth, MEP: m.MEP,
		})
		if m.UserID == "" {
			// An invitation not yet accepted cannot be a contact person.
			g.Members[len(g.Members)-1].Ref = fmt.Sprint("invited:", m.ID)
		}
	}
	g.Representative, g.Substitute = a.In.Representative, a.In.Substitute
	return g
}

func draftOf(in *ecistore.Initiative) rules.Draft {
	return rules.Draft{Title: in.Title, Objectives: in.Objectives, Annex: in.Annex, Treaty: in.Treaty, Website: in.Website, Categories: in.Categories, Language: in.Language}
}

// problems returns everything that stops the initiative from being
// submitted on day.
func problems(a *access, day time.Time) []rules.Problem {
	d := draftOf(a.In)
	return slices.Concat(rules.CheckDraft(d), rules.CheckComplete(d), rules.CheckGroup(group(a), day))
}

// say translates a rule's problem, naming countries in words.
func say(l *i18n.Localizer, p rules.Problem) string {
	args := slices.Clone(p.Args)
	for i := 0; i+1 < len(args); i += 2 {
		switch v := args[i+1].(type) {
		case time.Time:
			args[i+1] = day(l, v)
		default:
			if args[i] == "country" {
				args[i+1] = l.T("country." + fmt.Sprint(v))
			}
		}
	}
	return l.T(p.Key, args...)
}

// ---- Dashboard ----

// initiativeRow is an initiative as the dashboard lists it.
type initiativeRow struct {
	ID       int64
	Title    string
	Status   string // translated
	Role     string // translated
	Missing  int    // problems left, for drafts
	Register string
}

func (s *Server) myInitiatives(ctx context.Context, l *i18n.Localizer, o *organiser) ([]initiativeRow, error) {
	ins, err := s.db.InitiativesOf(ctx, o.User.ID)
	if err != nil {
		return nil, err
	}
	var rows []initiativeRow
	for _, in := range ins {
		ms, err := s.db.Members(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		a := &access{In: &in, Members: ms}
		row := initiativeRow{ID: in.ID, Title: in.Title, Status: l.T("status." + in.Status), Role: l.T("initiative.role_member"), Register: in.Registration}
		switch o.User.ID {
		case in.Representative:
			row.Role = l.T("initiative.role_representative")
		case in.Substitute:
			row.Role = l.T("initiative.role_substitute")
		}
		if in.Editable() {
			row.Missing = len(problems(a, s.now()))
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// ---- Draft form ----

// draftForm is the data of the draft form.
type draftForm struct {
	ID         int64 // 0 for a new initiative
	Texts      []countedField
	Categories []web.Option
	Chosen     map[string]bool
	Languages  []web.Option
	Document   *ecistore.Document
}

// countedField is a text field with a limit in characters and a live
// counter (the "textarea" template).
type countedField struct {
	*web.Field
	Input      bool   // one line
	Rows       int    // of a text area
	NoSpaces   bool   // the limit does not count white space (rules.NoSpaces)
	Left, Over string // the counter's messages, with {n}: JSON of their plural forms
}

func (s *Server) draftForm(r *http.Request, id int64, f *web.Form, doc *ecistore.Document) *web.Page {
	l := s.localizer(r)
	d := draftForm{ID: id, Chosen: map[string]bool{}, Document: doc}
	for _, c := range rules.Categories {
		d.Categories = append(d.Categories, web.Option{Value: c, Label: l.T("category." + c)})
	}
	for _, c := range f.Values["categories"] {
		d.Chosen[c] = true
	}
	d.Languages = []web.Option{{Value: "", Label: l.T("initiative.language_choose")}}
	for _, lang := range i18n.EU {
		d.Languages = append(d.Languages, web.Option{Value: lang.Tag, Label: lang.Name, Lang: lang.Tag})
	}
	title := "initiative.new_title"
	if id != 0 {
		title = "initiative.edit_title"
	}
	p := s.page(r, title, nil)
	p.Form = f
	for _, t := range []struct {
		name string
		rows int
	}{{"title", 0}, {"objectives", 10}, {"annex", 12}, {"treaty", 3}} {
		// The limit and the way it counts come from the rules, so that the
		// hint, the live counter and the server agree.
		lim, _ := rules.LimitOf(t.name)
		fd := web.NewField(p, t.name, "text", "initiative.field_"+t.name, "initiative.hint_"+t.name, "")
		fd.Hint = l.T("initiative.hint_"+t.name, "max", lim.Max)
		fd.Value = f.Raw(t.name)
		fd.MaxLength = lim.Max
		d.Texts = append(d.Texts, countedField{Field: fd, Input: t.rows == 0, Rows: t.rows, NoSpaces: lim.Count == rules.NoSpaces,
			Left: formsJSON(l, "initiative.counter_left"), Over: formsJSON(l, "initiative.counter_over")})
	}
	p.Data.(*view).Page = d
	return p
}

func (s *Server) newInitiative(w http.ResponseWriter, r *http.Request, o *organiser) error {
	s.render.Render(w, http.StatusOK, "initiative_form", s.draftForm(r, 0, web.NewForm(nil), nil))
	return nil
}

func (s *Server) editInitiative(w http.ResponseWriter, r *http.Request, o *organiser) error {
	a, err := s.loadRepDraft(r, o, "edit")
	if err != nil {
		return err
	}
	in := a.In
	v := url.Values{"title": {in.Title}, "objectives": {in.Objectives}, "annex": {in.Annex}, "treaty": {in.Treaty}, "website": {in.Website}, "language": {in.Language}, "categories": in.Categories}
	doc, err := s.db.Document(r.Context(), in.ID, false)
	if err != nil && !errors.Is(err, ecistore.ErrNotFound) {
		return err
	}
	s.render.Render(w, http.StatusOK, "initiative_form", s.draftForm(r, in.ID, web.NewForm(v), doc))
	return nil
}

// readDraft parses the draft form (multipart, with the optional PDF) and
// checks it. It returns the form (with its errors) and the document, if
// one was sent and is acceptable.
func (s *Server) readDraft(r *http.Request) (*web.Form, *ecistore.Initiative, *ecistore.Document, error) {
	l := s.localizer(r)
	if err := r.ParseMultipartForm(1 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			f := web.NewForm(nil)
			f.Add("document", l.T("initiative.error_document_size"))
			return f, nil, nil, nil
		}
		return nil, nil, nil, err
	}
	f := web.NewForm(r.PostForm)
	if bad := f.DropUnreadable("title", "objectives", "annex", "treaty", "website"); bad != "" {
		f.Add(bad, l.T("initiative.error_unreadable"))
	}
	in := &ecistore.Initiative{
		Title: rules.NormalizeText(f.Raw("title")), Objectives: rules.NormalizeText(f.Raw("objectives")),
		Annex: rules.NormalizeText(f.Raw("annex")), Treaty: rules.NormalizeText(f.Raw("treaty")),
		Website: rules.NormalizeText(f.Raw("website")), Language: f.Get("language"),
	}
	for _, c := range rules.Categories { // the list's order, without duplicates
		if slices.Contains(f.Values["categories"], c) {
			in.Categories = append(in.Categories, c)
		}
	}
	if len(in.Categories) != len(f.Values["categories"]) {
		in.Categories = append(in.Categories, "?") // reported by CheckDraft
	}
	for _, p := range rules.CheckDraft(draftOf(in)) {
		field := strings.TrimPrefix(strings.TrimPrefix(p.Key, "rule.too_long_"), "rule.")
		switch p.Key {
		case "rule.missing_title":
			field = "title"
		case "rule.bad_website":
			field = "website"
		case "rule.bad_category":
			field = "categories"
		case "rule.bad_language":
			field = "language"
		}
		f.Add(field, say(l, p))
	}
	var doc *ecistore.Document
	if r.MultipartForm != nil && len(r.MultipartForm.File["document"]) > 0 {
		fh := r.MultipartForm.File["document"][0]
		if fh.Size > 0 || fh.Filename != "" {
			file, err := fh.Open()
			if err != nil {
				return nil, nil, nil, err
			}
			data, err := io.ReadAll(io.LimitReader(file, MaxDocument+1))
			file.Close()
			switch {
			case err != nil:
				return nil, nil, nil, err
			case len(data) > MaxDocument:
				f.Add("document", l.T("initiative.error_document_size"))
			case !bytes.HasPrefix(data, []byte("%PDF-")):
				f.Add("document", l.T("initiative.error_document_type"))
			default:
				name := clean(fh.Filename, 200)
				if name == "" || !strings.HasSuffix(strings.ToLower(name), ".pdf") {
					name = "draft-legal-act.pdf"
				}
				doc = &ecistore.Document{Name: name, Content: data}
			}
		}
	}
	return f, in, doc, nil
}

func (s *Server) createInitiative(w http.ResponseWriter, r *http.Request, o *organiser) error {
	f, in, doc, err := s.readDraft(r)
	if err != nil {
		return err
	}
	if !f.Valid() {
		s.render.Render(w, http.StatusUnprocessableEntity, "initiative_form", s.draftForm(r, 0, f, nil))
		return nil
	}
	now := s.now()
	if err := s.db.CreateInitiative(r.Context(), in, o.User, now); err != nil {
		return err
	}
	s.audit(r, o.User.ID, audit.InitiativeCreate, fmt.Sprint(in.ID))
	if err := s.putDocument(r, o, in.ID, doc, now); err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/initiatives/%d?saved=1", in.ID), http.StatusSeeOther)
	return nil
}

func (s *Server) updateInitiative(w http.ResponseWriter, r *http.Request, o *organiser) error {
	a, err := s.loadRepDraft(r, o, "edit")
	if err != nil {
		return err
	}
	f, in, doc, err := s.readDraft(r)
	if err != nil {
		return err
	}
	if !f.Valid() {
		old, _ := s.db.Document(r.Context(), a.In.ID, false)
		s.render.Render(w, http.StatusUnprocessableEntity, "initiative_form", s.draftForm(r, a.In.ID, f, old))
		return nil
	}
	now := s.now()
	in.ID = a.In.ID
	if err := s.db.UpdateDraft(r.Context(), in, o.User.ID, now); errors.Is(err, ecistore.ErrConflict) {
		return errFrozen
	} else if err != nil {
		return err
	}
	s.audit(r, o.User.ID, audit.InitiativeEdit, fmt.Sprint(in.ID))
	if err := s.putDocument(r, o, in.ID, doc, now); err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/initiatives/%d?saved=1", in.ID), http.StatusSeeOther)
	return nil
}

// putDocument stores the draft legal act sent with the draft form, if one
// was, as the initiative's document.
func (s *Server) putDocument(r *http.Request, o *organiser, initiativeID int64, doc *ecistore.Document, now time.Time) error {
	if doc == nil {
		return nil
	}
	doc.InitiativeID, doc.UploadedAt, doc.UploadedBy = initiativeID, now, o.User.ID
	if err := s.db.PutDocument(r.Context(), doc); err != nil {
		return err
	}
	s.audit(r, o.User.ID, audit.DocumentUpload, fmt.Sprint(initiativeID))
	return nil
}

// ---- The initiative's page ----

// memberRow is a member as the initiative's page shows them.
type memberRow struct {
	ID        int64
	UserID    string
	Name      string
	Email     string
	Status    string // translated
	Accepted  bool
	Residence string // translated, "" when not given
	MEP       bool
	Role      string // translated, "" for an ordinary member
	Confirmed bool
	Invited   bool   // has not joined yet
	Expired   bool   // the invitation link no longer works
	Expires   string // the last day the invitation works
	CanRemove bool
}

// fundingRow is a source of funding as shown.
type fundingRow struct {
	ID       int64
	Sponsor  string
	Amount   string // EUR 1,234.56
	Received string
}

// initiativeView is the data of the initiative's page.
type initiativeView struct {
	In          *ecistore.Initiative
	Status      string
	Categories  []string
	Language    string
	Document    *ecistore.Document
	Members     []memberRow
	Accepted    []memberRow
	Problems    []string
	Rep         bool
	Member      bool
	Reviewer    bool
	MeConfirmed bool
	CanInvite   bool
	CanSubmit   bool
	Deadline    string
	Funding     []fundingRow
	// The hand-over to the substitute.
	CanHandOver    bool
	SubstituteName string
	// The Commission's request for changes.
	CanRequestChanges bool
	ExtendedDeadline  string
	ChangesOn         string
	// After registration.
	LatestStart        string
	StartField         *web.Field // the collection start, for the representative
	CollectionStartDay string
	CollectionEnd      string
	Thresholds         []thresholdRow
	InvitationLink     string // the link just created, shown once
	InvitationName     string
	InvitationEmail    string
	Mailed             bool
}

// thresholdRow is one line of the thresholds table.
type thresholdRow struct {
	Country string
	Min     string
}

// euros formats an amount in cents.
func euros(cents int64) string {
	return fmt.Sprintf("EUR %d.%02d", cents/100, cents%100)
}

func (s *Server) initiativeView(r *http.Request, a *access) (*initiativeView, error) {
	l := s.localizer(r)
	in := a.In
	v := &initiativeView{In: in, Status: l.T("status." + in.Status), Rep: a.Rep(), Member: a.Me != nil, Reviewer: a.Reviewer}
	for _, c := range in.Categories {
		v.Categories = append(v.Categories, l.T("category."+c))
	}
	for _, lang := range i18n.EU {
		if lang.Tag == in.Language {
			v.Language = lang.Name
		}
	}
	doc, err := s.db.Document(r.Context(), in.ID, false)
	if err != nil && !errors.Is(err, ecistore.ErrNotFound) {
		return nil, err
	}
	v.Document = doc
	for _, m := range a.Members {
		row := memberRow{ID: m.ID, UserID: m.UserID, Name: m.Name, Email: m.Email, Accepted: m.Status == ecistore.MemberAccepted, MEP: m.MEP, Confirmed: !m.ConsentAt.IsZero()}
		if m.FullName != "" {
			row.Name = m.FullName
		}
		row.Invited = !row.Accepted
		row.CanRemove = a.Rep() && in.Editable() && (m.UserID == "" || m.UserID != in.Representative)
		row.Status = l.T("member.status_invited")
		if row.Invited {
			row.Expires = day(l, s.expires(&m))
			if row.Expired = m.InvitedAt.Before(s.issuedAfter()); row.Expired {
				row.Status = l.T("member.status_expired")
			}
		}
		if row.Accepted {
			row.Status = l.T("member.status_accepted")
			if row.Confirmed {
				row.Status = l.T("member.status_confirmed")
			}
		}
		if m.Residence != "" {
			row.Residence = l.T("country." + m.Residence)
		}
		switch {
		case m.UserID != "" && m.UserID == in.Representative:
			row.Role = l.T("initiative.role_representative")
		case m.UserID != "" && m.UserID == in.Substitute:
			row.Role = l.T("initiative.role_substitute")
			v.SubstituteName = row.Name
		}
		v.Members = append(v.Members, row)
		if row.Accepted {
			v.Accepted = append(v.Accepted, row)
		}
	}
	if a.Me != nil {
		v.MeConfirmed = !a.Me.ConsentAt.IsZero()
	}
	if in.Editable() {
		for _, p := range problems(a, s.now()) {
			v.Problems = append(v.Problems, say(l, p))
		}
		v.CanInvite = v.Rep && len(a.Members) < s.cfg.MaxGroup
		v.CanSubmit = v.Rep && len(v.Problems) == 0
	}
	v.CanHandOver = v.Rep && handOverOpen(in) && v.SubstituteName != ""
	if in.Status == ecistore.StatusSubmitted {
		v.Deadline = day(l, deadline(in))
		v.CanRequestChanges = a.Reviewer && in.ChangesRequestedAt.IsZero()
		v.ExtendedDeadline = day(l, rules.ExtendedDecisionDeadline(in.SubmittedAt))
	}
	if !in.ChangesRequestedAt.IsZero() {
		v.ChangesOn = day(l, in.ChangesRequestedAt)
	}
	if in.Status == ecistore.StatusRegistered || in.Status == ecistore.StatusPartiallyRegistered {
		v.LatestStart = day(l, rules.LatestCollectionStart(in.DecidedAt))
		if start, err := time.Parse(time.DateOnly, in.CollectionStart); err == nil {
			v.CollectionStartDay, v.CollectionEnd = day(l, start), day(l, rules.CollectionEnd(start))
		}
		for _, t := range rules.Thresholds() {
			v.Thresholds = append(v.Thresholds, thresholdRow{Country: l.T("country." + t.Country), Min: strconv.Itoa(t.Min)})
		}
	}
	fs, err := s.db.Funding(r.Context(), in.ID)
	if err != nil {
		return nil, err
	}
	for _, f := range fs {
		v.Funding = append(v.Funding, fundingRow{ID: f.ID, Sponsor: f.Sponsor, Amount: euros(f.AmountCents), Received: f.Received})
	}
	return v, nil
}

func (s *Server) showInitiative(w http.ResponseWriter, r *http.Request, o *organiser) error {
	a, err := s.load(r, o)
	if err != nil {
		return err
	}
	return s.renderInitiative(w, r, a, http.StatusOK, web.NewForm(nil), nil)
}

// renderInitiative shows the initiative's page with a form's errors, and
// extra changes to the view (the invitation link just created).
func (s *Server) renderInitiative(w http.ResponseWriter, r *http.Request, a *access, status int, f *web.Form, extra func(v *initiativeView)) error {
	v, err := s.initiativeView(r, a)
	if err != nil {
		return err
	}
	if extra != nil {
		extra(v)
	}
	p := s.page(r, "initiative.title", v)
	p.Title = a.In.Title
	p.Form = f
	if v.LatestStart != "" {
		// The start date's field names the last day it may be (six months
		// after registration) and, in its hint, the first: ten working days
		// of notice from today (rules.EarliestCollectionStart).
		l := s.localizer(r)
		v.StartField = web.NewField(p, "start", "date", "collection.start", "collection.start_hint", "off").
			WithLabel(l.T("collection.start", "date", v.LatestStart))
		v.StartField.Hint = l.T("collection.start_hint", "date", day(l, rules.EarliestCollectionStart(s.now())))
	}
	if flash := r.URL.Query().Get("saved"); flash != "" && f.Valid() {
		p.Flash = s.localizer(r).T("initiative.saved")
	}
	s.render.Render(w, status, "initiative", p)
	return nil
}

// ---- History ----

// historyRow is one change as the history page shows it.
type historyRow struct {
	At       time.Time
	Who      string
	Field    string
	Old, New string
}

func (s *Server) history(w http.ResponseWriter, r *http.Request, o *organiser) error {
	a, err := s.load(r, o)
	if err != nil {
		return err
	}
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
	var rows []historyRow
	for _, h := range hs {
		who := names[h.UserID]
		if who == "" {
			who = s.localizer(r).T("history.former_member")
			if h.UserID == a.In.DecidedBy || h.Field == "changes_requested" || h.Field == "registration" || h.Field == "status" {
				who = s.localizer(r).T("history.commission")
			}
		}
		field, _, _ := strings.Cut(h.Field, ":") // member:ID, funding:ID
		rows = append(rows, historyRow{At: h.At, Who: who, Field: s.localizer(r).T("history.field_" + field), Old: h.Old, New: h.New})
	}
	p := s.page(r, "history.title", struct {
		In   *ecistore.Initiative
		Rows []historyRow
	}{a.In, rows})
	s.render.Render(w, http.StatusOK, "history", p)
	return nil
}

// ---- Document ----

func (s *Server) document(w http.ResponseWriter, r *http.Request, o *organiser) error {
	a, err := s.load(r, o)
	if err != nil {
		return err
	}
	d, err := s.db.Document(r.Context(), a.In.ID, true)
	if errors.Is(err, ecistore.ErrNotFound) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": d.Name}))
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("Content-Length", strconv.FormatInt(d.Size, 10))
	w.Write(d.Content)
	return nil
}

// formsJSON is the plural forms of key as JSON, for counter.js.
func formsJSON(l *i18n.Localizer, key string) string {
	b, err := json.Marshal(l.Forms(key))
	if err != nil {
		return "{}"
	}
	return string(b)
}

// day writes the date of t as l's language writes dates, in its usual zone.
func day(l *i18n.Localizer, t time.Time) string { return l.Date(t, i18n.Zone(l.Lang)) }

// day writes the date of t in the page language of r.
func (s *Server) day(r *http.Request, t time.Time) string { return day(s.localizer(r), t) }
