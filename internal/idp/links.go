package idp

import (
	"errors"
	"net/http"

	"eulogin/internal/audit"
	"eulogin/internal/authn/password"
	"eulogin/internal/notify"
	"eulogin/internal/session"
	"eulogin/internal/store"
	"eulogin/internal/web"
)

// linkState is what an e-mailed password link is worth now.
type linkState int

const (
	linkValid   linkState = iota
	linkExpired           // unused but too old: the user may ask for a new one
	linkSpent             // it set the password: reopened, or its form resubmitted with Back
	linkDead              // replaced, unknown, or for another purpose
)

// lookupLink finds the link of token and its user.
func (s *Server) lookupLink(r *http.Request, token string) (*store.EmailToken, *store.User, linkState, error) {
	if token == "" || len(token) > 100 {
		return nil, nil, linkDead, nil
	}
	t, err := s.db.EmailTokenByHash(r.Context(), session.Hash(token))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, linkDead, nil
	}
	if err != nil {
		return nil, nil, linkDead, err
	}
	if t.Purpose != purposeRegister && t.Purpose != purposeReset {
		return t, nil, linkDead, nil
	}
	if !t.SpentAt.IsZero() {
		// Only the holder of the token learns that it did its work.
		return t, nil, linkSpent, nil
	}
	if !t.UsedAt.IsZero() {
		return t, nil, linkDead, nil
	}
	u, err := s.db.UserByID(r.Context(), t.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return t, nil, linkDead, nil
	}
	if err != nil {
		return nil, nil, linkDead, err
	}
	if !s.now().Before(t.ExpiresAt) {
		return t, u, linkExpired, nil
	}
	return t, u, linkValid, nil
}

// linkData is the data of the password link pages.
type linkData struct {
	Email  string
	Action string
	Reset  bool
	Rules  []string
}

func (s *Server) linkPage(w http.ResponseWriter, r *http.Request, p *web.Page, status int, t *store.EmailToken, u *store.User, state linkState) {
	token := r.PathValue("token")
	switch state {
	case linkDead:
		p.Title = p.L.T("link_dead.title")
		s.render.Render(w, statusOr(status, http.StatusGone), "link_dead", p)
	case linkSpent:
		// 200, not 410: the user reached what the link was for, and this
		// page says so; the form is gone, so a resubmitted one changes
		// nothing.
		p.Title = p.L.T("link_spent.title")
		s.render.Render(w, http.StatusOK, "link_spent", p)
	case linkExpired:
		p.Title = p.L.T("link_expired.title")
		p.Data = &linkData{Action: "/password/new/" + token + "/renew"}
		s.render.Render(w, statusOr(status, http.StatusOK), "link_expired", p)
	default:
		if t.Purpose == purposeReset {
			p.Title = p.L.T("link_password.title_reset")
		}
		p.Data = &linkData{Email: u.Email, Action: "/password/new/" + token, Reset: t.Purpose == purposeReset, Rules: s.policyRules(p)}
		s.render.Render(w, statusOr(status, http.StatusOK), "link_password", p)
	}
}

func statusOr(status, def int) int {
	if status != 0 {
		return status
	}
	return def
}

// policyRules returns the password rules stated before the user types.
func (s *Server) policyRules(p *web.Page) []string {
	return []string{
		p.L.T("password.rules.length", "min", "10", "max", "256"),
		p.L.T("password.rules.classes"),
		p.L.T("password.rules.personal"),
		p.L.T("password.rules.common"),
	}
}

// linkForm opens an e-mailed link: the password form while it is valid, the
// re-request form once it has expired.
func (s *Server) linkForm(w http.ResponseWriter, r *http.Request) error {
	t, u, state, err := s.lookupLink(r, r.PathValue("token"))
	if err != nil {
		return err
	}
	s.linkPage(w, r, s.page(r, "link_password.title"), 0, t, u, state)
	return nil
}

// linkSetPassword sets the password with a valid link, which dies with it.
func (s *Server) linkSetPassword(w http.ResponseWriter, r *http.Request) error {
	t, u, state, err := s.lookupLink(r, r.PathValue("token"))
	if err != nil {
		return err
	}
	p := s.page(r, "link_password.title")
	if state != linkValid {
		s.linkPage(w, r, p, 0, t, u, state)
		return nil
	}
	if err := parseForm(r); err != nil {
		return err
	}
	p.Form = web.NewForm(r.PostForm)
	pw := s.checkNewPassword(p, u, "password", "password_confirm")
	if !p.Form.Valid() {
		s.linkPage(w, r, p, http.StatusBadRequest, t, u, state)
		return nil
	}
	hash, err := s.hasher.For(s.clientIP(r)).Hash(r.Context(), pw)
	if err != nil {
		return err
	}
	reset := t.Purpose == purposeReset || !u.PasswordChangedAt.IsZero()
	err = s.db.SetPasswordWithToken(r.Context(), t.Hash, u.ID, hash, s.now(), reset)
	if errors.Is(err, store.ErrNotFound) {
		// Used by a concurrent request (a double click), or expired a
		// moment ago: say which.
		t, u, state, err := s.lookupLink(r, r.PathValue("token"))
		if err != nil {
			return err
		}
		if state == linkValid {
			state = linkDead
		}
		s.linkPage(w, r, s.page(r, "link_password.title"), 0, t, u, state)
		return nil
	}
	if err != nil {
		return err
	}
	if reset {
		s.audit(r, u.ID, audit.PasswordReset, "")
		s.sendMail(r.Context(), recipient(u), notify.PasswordChanged, map[string]any{"time": s.now()})
	} else {
		s.audit(r, u.ID, audit.PasswordCreated, "")
	}
	// The link proved the address and the new password is known: clear the
	// lockout an attacker may have caused on the account.
	if err := s.forgetFailures(r, u.Email); err != nil {
		s.log.Error("forget the failures of a reset account", "err", err)
	}
	done := s.page(r, "password_done.title")
	s.render.Render(w, http.StatusOK, "password_done", done)
	return nil
}

// checkNewPassword validates a new password and its confirmation against the
// policy and u's own data, recording translated errors; it returns the
// password.
func (s *Server) checkNewPassword(p *web.Page, u *store.User, field, confirmField string) string {
	pw := p.Form.Raw(field)
	confirm := p.Form.Raw(confirmField)
	if pw == "" {
		p.Form.Add(field, p.L.T("password.empty"))
		return ""
	}
	if err := s.policy.Check(pw, u.FirstName, u.LastName, u.Email); err != nil {
		var v *password.Violation
		if errors.As(err, &v) {
			p.Form.Add(field, p.L.T("password.rule."+string(v.Rule), "min", "10", "max", "256"))
		} else {
			p.Form.Add(field, p.L.T("password.rule.invalid"))
		}
		return ""
	}
	if confirm == "" {
		p.Form.Add(confirmField, p.L.T("password.confirm_empty"))
	} else if confirm != pw {
		p.Form.Add(confirmField, p.L.T("password.confirm_mismatch"))
	}
	return pw
}

// linkRenew answers the expired-link form: the user re-enters the username
// (e-mail address) and confirms; a new link is sent and the old one dies.
func (s *Server) linkRenew(w http.ResponseWriter, r *http.Request) error {
	t, u, state, err := s.lookupLink(r, r.PathValue("token"))
	if err != nil {
		return err
	}
	p := s.page(r, "link_expired.title")
	if state != linkExpired {
		if state == linkValid {
			return redirect("/password/new/" + r.PathValue("token"))
		}
		s.linkPage(w, r, p, 0, t, u, state)
		return nil
	}
	if err := parseForm(r); err != nil {
		return err
	}
	p.Form = web.NewForm(r.PostForm)
	email := checkEmail(p, "email")
	if email != "" && email != u.Email {
		p.Form.Add("email", p.L.T("link_expired.mismatch"))
	}
	if !p.Form.Valid() {
		s.linkPage(w, r, p, http.StatusBadRequest, t, u, state)
		return nil
	}
	if until, err := s.mailQuota(r, email); err != nil {
		return err
	} else if !until.IsZero() {
		p.Form.Add("email", p.L.T("error.too_many_mails", "time", p.L.Time(until)))
		s.linkPage(w, r, p, http.StatusTooManyRequests, t, u, state)
		return nil
	}
	if err := s.sendLink(r, u, t.Purpose); err != nil {
		return mailFailed(err)
	}
	s.audit(r, u.ID, audit.LinkRenewed, "")
	done := s.page(r, "register_sent.title")
	done.Data = map[string]string{"Email": u.Email}
	s.render.Render(w, http.StatusOK, "register_sent", done)
	return nil
}

func (s *Server) lostForm(w http.ResponseWriter, r *http.Request) error {
	p := s.page(r, "lost.title")
	if e := r.URL.Query().Get("email"); e != "" {
		p.Form.Values.Set("email", e)
	}
	s.render.Render(w, http.StatusOK, "lost", p)
	return nil
}

// lost e-mails a link to choose a new password, if the address has an
// account. The answer is the same either way.
func (s *Server) lost(w http.ResponseWriter, r *http.Request) error {
	p := s.page(r, "lost.title")
	if err := parseForm(r); err != nil {
		return err
	}
	p.Form = web.NewForm(r.PostForm)
	email := checkEmail(p, "email")
	if !p.Form.Valid() {
		s.render.Render(w, http.StatusBadRequest, "lost", p)
		return nil
	}
	if until, err := s.mailQuota(r, email); err != nil {
		return err
	} else if !until.IsZero() {
		p.Form.Add("email", p.L.T("error.too_many_mails", "time", p.L.Time(until)))
		s.render.Render(w, http.StatusTooManyRequests, "lost", p)
		return nil
	}
	u, err := s.db.UserByEmail(r.Context(), email)
	switch {
	case err == nil:
		s.audit(r, u.ID, audit.PasswordResetRequested, "")
		if err := s.sendLink(r, u, purposeReset); err != nil {
			return mailFailed(err)
		}
	case errors.Is(err, store.ErrNotFound):
		s.audit(r, "", audit.PasswordResetUnknown, "")
	default:
		return err
	}
	done := s.page(r, "lost_sent.title")
	done.Data = map[string]string{"Email": email}
	s.render.Render(w, http.StatusOK, "lost_sent", done)
	return nil
}
