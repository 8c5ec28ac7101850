package idp

import (
	"errors"
	"net/http"

	"eulogin/internal/audit"
	"eulogin/internal/i18n"
	"eulogin/internal/notify"
	"eulogin/internal/session"
	"eulogin/internal/store"
	"eulogin/internal/web"
)

// The failures of the pages of this file and of the e-mailed links.
var (
	// errEmailTaken: the new address of a change got an account of its own
	// between the request and the confirmation.
	errEmailTaken = &pageError{status: http.StatusConflict, key: "confirm_email.conflict"}
	// errMailNotSent: the e-mail of a request could not be sent; the user
	// may try again later.
	errMailNotSent = &pageError{status: http.StatusServiceUnavailable, key: "error.mail"}
)

// accountData is the data of the My Account overview.
type accountData struct {
	User      *store.User
	EmailLang string
	Strength  string
	Events    []eventRow
}

type eventRow struct {
	At, What, IP, Browser string
}

func (s *Server) eventRows(r *http.Request, p *web.Page, userID string, limit int) ([]eventRow, error) {
	evs, err := s.db.AuditEvents(r.Context(), userID, limit)
	if err != nil {
		return nil, err
	}
	rows := make([]eventRow, 0, len(evs))
	for _, e := range evs {
		what := "event." + string(e.Kind)
		if p.L.Has(what) {
			what = p.L.T(what)
		} else {
			what = string(e.Kind)
		}
		rows = append(rows, eventRow{At: p.L.Time(e.At), What: what, IP: e.IP, Browser: e.UserAgent})
	}
	return rows, nil
}

func langName(tag string) string {
	for _, l := range i18n.EU {
		if l.Tag == tag {
			return l.Name
		}
	}
	return tag
}

// account is the My Account overview. The sections for mobile phones,
// mobile devices and security keys join it with their factors.
func (s *Server) account(w http.ResponseWriter, r *http.Request, si *signedIn) error {
	p := s.page(r, "account.title")
	if r.URL.Query().Get("done") != "" {
		if key := "account.done." + r.URL.Query().Get("done"); p.L.Has(key) {
			p.Flash = p.L.T(key)
		}
	}
	events, err := s.eventRows(r, p, si.user.ID, 5)
	if err != nil {
		return err
	}
	p.Data = &accountData{User: si.user, EmailLang: langName(si.user.EmailLang), Strength: si.sess.Strength, Events: events}
	s.render.Render(w, http.StatusOK, "account", p)
	return nil
}

func (s *Server) events(w http.ResponseWriter, r *http.Request, si *signedIn) error {
	p := s.page(r, "events.title")
	events, err := s.eventRows(r, p, si.user.ID, 100)
	if err != nil {
		return err
	}
	p.Data = &accountData{User: si.user, Events: events}
	s.render.Render(w, http.StatusOK, "events", p)
	return nil
}

func langOptions() []web.Option {
	var opts []web.Option
	for _, l := range i18n.EU {
		opts = append(opts, web.Option{Value: l.Tag, Label: l.Name, Lang: l.Tag})
	}
	return opts
}

func (s *Server) detailsForm(w http.ResponseWriter, r *http.Request, si *signedIn) error {
	p := s.page(r, "details.title")
	p.Form.Values.Set("first_name", si.user.FirstName)
	p.Form.Values.Set("last_name", si.user.LastName)
	p.Form.Values.Set("email_lang", si.user.EmailLang)
	p.Data = &registerData{Languages: langOptions()}
	s.render.Render(w, http.StatusOK, "details", p)
	return nil
}

// details saves the names and the e-mail language.
func (s *Server) details(w http.ResponseWriter, r *http.Request, si *signedIn) error {
	p := s.page(r, "details.title")
	if err := parseForm(r); err != nil {
		return err
	}
	p.Form = web.NewForm(r.PostForm)
	p.Data = &registerData{Languages: langOptions()}
	if bad := p.Form.DropUnreadable("first_name", "last_name", "email_lang"); bad != "" {
		p.Form.Add(bad, p.L.T("form.invalid_text"))
		s.render.Render(w, http.StatusBadRequest, "details", p)
		return nil
	}
	first := checkName(p, "first_name", "register.first_name_empty", "register.name_format")
	last := checkName(p, "last_name", "register.last_name_empty", "register.name_format")
	lang := p.Form.Get("email_lang")
	if !i18n.IsEU(lang) {
		p.Form.Add("email_lang", p.L.T("register.lang_invalid"))
	}
	if !p.Form.Valid() {
		s.render.Render(w, http.StatusBadRequest, "details", p)
		return nil
	}
	if err := s.db.UpdateProfile(r.Context(), si.user.ID, first, last, lang, s.now()); err != nil {
		return err
	}
	s.audit(r, si.user.ID, audit.ProfileUpdated, "")
	http.Redirect(w, r, "/account?done=details", http.StatusSeeOther)
	return nil
}

// verifyCurrentPassword checks the password of a signed-in user for a
// sensitive change, under the same limits as login
// (authn.Machine.CheckPassword). It records a translated error on field
// and returns false when it is wrong or locked.
func (s *Server) verifyCurrentPassword(r *http.Request, p *web.Page, u *store.User, field string) (bool, error) {
	fl, err := s.machine.CheckPassword(r.Context(), u, s.loginClient(r), field, p.Form.Raw(field))
	if err != nil {
		return false, err
	}
	if fl != nil {
		showFailure(p, fl)
		return false, nil
	}
	return true, nil
}

func (s *Server) passwordChangeForm(w http.ResponseWriter, r *http.Request, si *signedIn) error {
	p := s.page(r, "change_password.title")
	p.Data = &linkData{Email: si.user.Email, Rules: s.policyRules(p)}
	s.render.Render(w, http.StatusOK, "change_password", p)
	return nil
}

// passwordChange sets a new password. The current one is needed; every
// other session of the account ends and this one gets a new id.
func (s *Server) passwordChange(w http.ResponseWriter, r *http.Request, si *signedIn) error {
	p := s.page(r, "change_password.title")
	p.Data = &linkData{Email: si.user.Email, Rules: s.policyRules(p)}
	if err := parseForm(r); err != nil {
		return err
	}
	p.Form = web.NewForm(r.PostForm)
	ok, err := s.verifyCurrentPassword(r, p, si.user, "current_password")
	if err != nil {
		return err
	}
	pw := s.checkNewPassword(p, si.user, "password", "password_confirm")
	if ok && p.Form.Valid() && pw == p.Form.Raw("current_password") {
		p.Form.Add("password", p.L.T("password.same"))
	}
	if !ok || !p.Form.Valid() {
		s.render.Render(w, http.StatusBadRequest, "change_password", p)
		return nil
	}
	hash, err := s.hasher.For(s.clientIP(r)).Hash(r.Context(), pw)
	if err != nil {
		return err
	}
	if err := s.db.SetPasswordHash(r.Context(), si.user.ID, hash, s.now(), true); err != nil {
		return err
	}
	if err := s.sessions.EndOthers(r.Context(), si.user.ID, si.sess); err != nil {
		return err
	}
	if err := s.db.KillEmailTokens(r.Context(), si.user.ID, purposeReset, s.now()); err != nil {
		return err
	}
	if _, err := s.sessions.Start(r.Context(), w, r, session.Info{
		UserID: si.user.ID, Strength: si.sess.Strength, Factors: si.sess.Factors, IP: s.clientIP(r), UserAgent: audit.Clean(r.UserAgent(), 300),
	}); err != nil {
		return err
	}
	s.audit(r, si.user.ID, audit.PasswordChanged, "")
	s.sendMail(r.Context(), recipient(si.user), notify.PasswordChanged, map[string]any{"time": s.now()})
	http.Redirect(w, r, "/account?done=password", http.StatusSeeOther)
	return nil
}

func (s *Server) emailForm(w http.ResponseWriter, r *http.Request, si *signedIn) error {
	p := s.page(r, "change_email.title")
	p.Data = &linkData{Email: si.user.Email}
	s.render.Render(w, http.StatusOK, "change_email", p)
	return nil
}

// email starts a change of address: a link to the new address, a notice to
// the old one. An address that already has an account gets no link, but
// the page says the same, so it does not reveal that account.
func (s *Server) email(w http.ResponseWriter, r *http.Request, si *signedIn) error {
	p := s.page(r, "change_email.title")
	p.Data = &linkData{Email: si.user.Email}
	if err := parseForm(r); err != nil {
		return err
	}
	p.Form = web.NewForm(r.PostForm)
	email := checkEmail(p, "email")
	if c := p.Form.Get("email_confirm"); c == "" {
		p.Form.Add("email_confirm", p.L.T("register.confirm_empty"))
	} else if email != "" && canonicalEmail(c) != email {
		p.Form.Add("email_confirm", p.L.T("register.confirm_mismatch"))
	}
	if email != "" && email == si.user.Email {
		p.Form.Add("email", p.L.T("change_email.same"))
	}
	ok, err := s.verifyCurrentPassword(r, p, si.user, "current_password")
	if err != nil {
		return err
	}
	if !ok || !p.Form.Valid() {
		s.render.Render(w, http.StatusBadRequest, "change_email", p)
		return nil
	}
	if until, err := s.mailQuota(r, email); err != nil {
		return err
	} else if !until.IsZero() {
		p.Form.Add("email", p.L.T("error.too_many_mails", "time", p.L.Time(until)))
		s.render.Render(w, http.StatusTooManyRequests, "change_email", p)
		return nil
	}
	_, err = s.db.UserByEmail(r.Context(), email)
	switch {
	case errors.Is(err, store.ErrNotFound):
		token, hash := session.NewToken()
		now := s.now()
		if err := s.db.PutEmailToken(r.Context(), &store.EmailToken{
			Hash: hash, UserID: si.user.ID, Purpose: purposeEmail, Data: email, CreatedAt: now, ExpiresAt: now.Add(s.cfg.LinkTTL),
		}); err != nil {
			return err
		}
		to := recipient(si.user)
		to.Email = email
		if err := s.sendMail(r.Context(), to, notify.EmailChange, map[string]any{"link": s.link("/account/email/confirm/" + token), "new": email, "hours": s.linkHours()}); err != nil {
			return mailFailed(err)
		}
	case err != nil:
		return err
	}
	s.sendMail(r.Context(), recipient(si.user), notify.EmailChangeNotice, map[string]any{"old": si.user.Email, "new": email})
	s.audit(r, si.user.ID, audit.EmailChangeRequested, "")
	done := s.page(r, "change_email_sent.title")
	done.Data = map[string]string{"Email": email}
	s.render.Render(w, http.StatusOK, "change_email_sent", done)
	return nil
}

// emailLink finds a valid e-mail change link.
func (s *Server) emailLink(r *http.Request) (*store.EmailToken, *store.User, error) {
	token := r.PathValue("token")
	if token == "" || len(token) > 100 {
		return nil, nil, store.ErrNotFound
	}
	t, err := s.db.EmailTokenByHash(r.Context(), session.Hash(token))
	if err != nil {
		return nil, nil, err
	}
	if t.Purpose != purposeEmail || !t.UsedAt.IsZero() || !s.now().Before(t.ExpiresAt) {
		return nil, nil, store.ErrNotFound
	}
	u, err := s.db.UserByID(r.Context(), t.UserID)
	if err != nil {
		return nil, nil, err
	}
	return t, u, nil
}

// emailConfirmForm shows the confirmation button. Opening the link changes
// nothing (mail scanners open links); the POST does.
func (s *Server) emailConfirmForm(w http.ResponseWriter, r *http.Request) error {
	t, _, err := s.emailLink(r)
	if errors.Is(err, store.ErrNotFound) {
		s.render.Render(w, http.StatusGone, "link_dead", s.page(r, "link_dead.title"))
		return nil
	}
	if err != nil {
		return err
	}
	p := s.page(r, "confirm_email.title")
	p.Data = map[string]string{"Email": t.Data, "Action": r.URL.Path}
	s.render.Render(w, http.StatusOK, "confirm_email", p)
	return nil
}

func (s *Server) emailConfirm(w http.ResponseWriter, r *http.Request) error {
	t, u, err := s.emailLink(r)
	if errors.Is(err, store.ErrNotFound) {
		s.render.Render(w, http.StatusGone, "link_dead", s.page(r, "link_dead.title"))
		return nil
	}
	if err != nil {
		return err
	}
	err = s.db.ChangeEmailWithToken(r.Context(), t.Hash, u.ID, t.Data, s.now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.render.Render(w, http.StatusGone, "link_dead", s.page(r, "link_dead.title"))
		return nil
	case errors.Is(err, store.ErrConflict):
		return errEmailTaken
	case err != nil:
		return err
	}
	s.audit(r, u.ID, audit.EmailChanged, "")
	s.sendMail(r.Context(), recipient(u), notify.EmailChanged, map[string]any{"old": u.Email, "new": t.Data})
	p := s.page(r, "confirm_email.done_title")
	p.Data = map[string]string{"Email": t.Data}
	s.render.Render(w, http.StatusOK, "confirm_email_done", p)
	return nil
}

func (s *Server) deleteForm(w http.ResponseWriter, r *http.Request, si *signedIn) error {
	p := s.page(r, "delete.title")
	p.Data = &linkData{Email: si.user.Email}
	s.render.Render(w, http.StatusOK, "delete", p)
	return nil
}

// deleteAccount removes the account and everything kept about it, after the
// password and an explicit confirmation.
func (s *Server) deleteAccount(w http.ResponseWriter, r *http.Request, si *signedIn) error {
	p := s.page(r, "delete.title")
	p.Data = &linkData{Email: si.user.Email}
	if err := parseForm(r); err != nil {
		return err
	}
	p.Form = web.NewForm(r.PostForm)
	ok, err := s.verifyCurrentPassword(r, p, si.user, "current_password")
	if err != nil {
		return err
	}
	// After the password: the errors are listed in page order.
	if !p.Form.Checked("confirm") {
		p.Form.Add("confirm", p.L.T("delete.confirm_required"))
	}
	if !ok || !p.Form.Valid() {
		s.render.Render(w, http.StatusBadRequest, "delete", p)
		return nil
	}
	// The applications entered in this session hear of it while the
	// account still exists.
	if err := s.cas.Logout(r.Context(), si.sess.Hash); err != nil {
		s.log.Error("single logout before deleting an account", "err", err)
	}
	if err := s.db.DeleteUser(r.Context(), si.user.ID); err != nil {
		return err
	}
	if err := s.forgetFailures(r, si.user.Email); err != nil {
		s.log.Error("forget the failures of a deleted account", "err", err)
	}
	// The account's own audit trail is gone with it; the server log keeps
	// that the deletion happened, without personal data.
	s.log.Info("account deleted", "user", si.user.ID)
	s.sendMail(r.Context(), recipient(si.user), notify.AccountDeleted, map[string]any{"time": s.now()})
	s.sessions.End(r.Context(), w, r)
	http.Redirect(w, r, "/account/deleted", http.StatusSeeOther)
	return nil
}

func (s *Server) deleted(w http.ResponseWriter, r *http.Request) error {
	s.render.Render(w, http.StatusOK, "deleted", s.page(r, "deleted.title"))
	return nil
}
