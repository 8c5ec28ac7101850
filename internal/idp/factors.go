package idp

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"eulogin/internal/audit"
	smsauth "eulogin/internal/authn/sms"
	"eulogin/internal/i18n"
	"eulogin/internal/notify"
	"eulogin/internal/session"
	"eulogin/internal/sms"
	"eulogin/internal/store"
	"eulogin/internal/web"
)

// One set of rules for every change of the account's second factors:
//
//   - Adding or removing a factor needs a fresh proof (needsReauth): a
//     second factor the account has, or, when it has none, the password
//     again (/account/confirm-password). A proof allows one change, within
//     reauthTTL.
//   - A factor added in a session never raises the session's strength.
//   - A change that removes factors (a number, a device, all the devices,
//     "Always require multi-factor authentication" switched off) can also
//     be made by an owner who can no longer use any factor: the password
//     again, and a link e-mailed to the account's address; the change is
//     made only when the link is opened. Someone who knows the password
//     alone cannot swap the factors for their own.
//   - Every change is audited and e-mailed, naming the factor.

// factorLinkTTL is how long the e-mailed link of a change without a
// second factor is valid.
const factorLinkTTL = time.Hour

// purposeFactor is the purpose of that link.
const purposeFactor = "factor_change"

// The kinds of factor change that removes factors.
const (
	changeRemovePhone   = "remove_phone"
	changeRemoveDevice  = "remove_device"
	changeDeleteDevices = "delete_devices"
	changeMFAOff        = "mfa_off"
	changeRemoveTOTP    = "remove_totp"
)

// factorChange is a change that removes second factors: its kind, and the
// number or device it removes.
type factorChange struct {
	kind string
	id   string
}

func (c factorChange) String() string {
	if c.id == "" {
		return c.kind
	}
	return c.kind + ":" + c.id
}

// parseChange reads a factorChange written by String.
func parseChange(v string) (factorChange, bool) {
	kind, id, _ := strings.Cut(v, ":")
	switch kind {
	case changeRemovePhone, changeRemoveDevice, changeRemoveTOTP:
		return factorChange{kind, id}, id != "" && len(id) <= 100
	case changeDeleteDevices, changeMFAOff:
		return factorChange{kind: kind}, id == ""
	}
	return factorChange{}, false
}

// changeOf returns the change of the page at path, where a
// re-authentication goes back to (the "I can no longer use it" link of the
// re-authentication pages).
func changeOf(path string) (factorChange, bool) {
	switch {
	case path == "/account/devices/delete-all":
		return factorChange{kind: changeDeleteDevices}, true
	case path == "/account/options":
		return factorChange{kind: changeMFAOff}, true
	}
	for prefix, kind := range map[string]string{"/account/phones/": changeRemovePhone, "/account/devices/": changeRemoveDevice, "/account/authenticators/": changeRemoveTOTP} {
		if rest, ok := strings.CutPrefix(path, prefix); ok {
			if id, ok := strings.CutSuffix(rest, "/remove"); ok && id != "" && !strings.Contains(id, "/") {
				return factorChange{kind, id}, true
			}
		}
	}
	return factorChange{}, false
}

// lostURL is the page of the change f goes back to for an owner who cannot
// use the second factor asked, "" when the flow is not a re-authentication
// before such a change.
func lostURL(next string) string {
	c, ok := changeOf(next)
	if !ok {
		return ""
	}
	return "/account/factors/lost?change=" + url.QueryEscape(c.String())
}

// describe returns the change in words, in l's language. errNotFound when
// its number or device is gone.
func (s *Server) describe(ctx context.Context, l *i18n.Localizer, u *store.User, c factorChange) (string, error) {
	switch c.kind {
	case changeRemovePhone:
		ph, err := s.db.PhoneByID(ctx, u.ID, c.id)
		if errors.Is(err, store.ErrNotFound) {
			return "", errNotFound
		}
		if err != nil {
			return "", err
		}
		return l.T("factor_change.remove_phone", "number", sms.Mask(ph.E164)), nil
	case changeRemoveDevice:
		d, err := s.userDevice(ctx, u.ID, c.id)
		if err != nil {
			return "", err
		}
		return l.T("factor_change.remove_device", "device", d.Name), nil
	case changeRemoveTOTP:
		app, err := s.db.TOTPByID(ctx, u.ID, c.id)
		if errors.Is(err, store.ErrNotFound) {
			return "", errNotFound
		}
		if err != nil {
			return "", err
		}
		return l.T("factor_change.remove_totp", "device", app.Name), nil
	}
	return l.T("factor_change." + c.kind), nil
}

// userDevice returns the app device id of the account userID, errNotFound
// when it has none such.
func (s *Server) userDevice(ctx context.Context, userID, id string) (*store.AppDevice, error) {
	d, err := s.db.AppDeviceByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && d.UserID != userID {
		return nil, errNotFound
	}
	return d, err
}

// applyChange makes change c of account u, audits it and e-mails the owner
// (naming the factor). It returns where to go next, or the message key of
// a refusal: the last factor of an account that always requires
// multi-factor authentication stays.
func (s *Server) applyChange(r *http.Request, u *store.User, c factorChange) (next, refusal string, err error) {
	ctx := r.Context()
	if c.kind != changeMFAOff && u.RequireMFA {
		n, err := s.secondFactors(ctx, u.ID)
		if err != nil {
			return "", "", err
		}
		if c.kind == changeDeleteDevices {
			devices, err := s.app.UsableDevices(ctx, u.ID)
			if err != nil {
				return "", "", err
			}
			n -= len(devices)
		} else {
			n--
		}
		if n < 1 {
			return "", "devices_delete.last_required", nil
		}
	}
	now := s.now()
	switch c.kind {
	case changeRemovePhone:
		ph, err := s.db.PhoneByID(ctx, u.ID, c.id)
		if errors.Is(err, store.ErrNotFound) {
			return "", "", errNotFound
		}
		if err != nil {
			return "", "", err
		}
		if err := s.db.DeletePhone(ctx, u.ID, ph.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return "", "", err
		}
		if err := s.codes.Abandon(ctx, u.ID, smsauth.PurposeLogin); err != nil {
			s.log.Error("end the codes of a removed number", "err", err)
		}
		masked := sms.Mask(ph.E164)
		s.audit(r, u.ID, audit.PhoneRemoved, masked)
		s.sendMail(ctx, recipient(u), notify.PhoneRemoved, map[string]any{"number": masked, "time": now})
		return "/account/phones?done=removed", "", nil
	case changeRemoveDevice:
		d, err := s.userDevice(ctx, u.ID, c.id)
		if err != nil {
			return "", "", err
		}
		if err := s.db.DeleteAppDevice(ctx, u.ID, d.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return "", "", err
		}
		s.audit(r, u.ID, audit.AppDeviceRemoved, d.Name)
		s.sendMail(ctx, recipient(u), notify.AppDeviceRemoved, map[string]any{"device": d.Name, "time": now})
		return "/account/devices?done=removed", "", nil
	case changeRemoveTOTP:
		app, err := s.db.TOTPByID(ctx, u.ID, c.id)
		if errors.Is(err, store.ErrNotFound) {
			return "", "", errNotFound
		}
		if err != nil {
			return "", "", err
		}
		if err := s.db.DeleteTOTP(ctx, u.ID, app.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return "", "", err
		}
		s.audit(r, u.ID, audit.TOTPRemoved, app.Name)
		s.sendMail(ctx, recipient(u), notify.TOTPRemoved, map[string]any{"device": app.Name, "time": now})
		return "/account/authenticators?done=removed", "", nil
	case changeDeleteDevices:
		devices, err := s.db.ListAppDevices(ctx, u.ID)
		if err != nil {
			return "", "", err
		}
		names := make([]string, 0, len(devices))
		for _, d := range devices {
			if !d.ConfirmedAt.IsZero() {
				names = append(names, d.Name)
			}
		}
		n, err := s.db.DeleteAppDevices(ctx, u.ID)
		if err != nil {
			return "", "", err
		}
		list := strings.Join(names, ", ")
		s.audit(r, u.ID, audit.AppDevicesDeleted, list)
		s.sendMail(ctx, recipient(u), notify.AppDevicesDeleted, map[string]any{"devices": list, "time": now})
		s.log.Info("devices deleted", "user", u.ID, "rows", n)
		return "/account/devices?done=deleted_all", "", nil
	case changeMFAOff:
		if err := s.db.UpdateOptions(ctx, u.ID, false, u.WarnSSO, now); err != nil {
			return "", "", err
		}
		s.audit(r, u.ID, audit.OptionsChanged, "require_mfa=false warn_sso="+boolString(u.WarnSSO))
		return "/account?done=options", "", nil
	}
	return "", "", errBadRequest
}

// removeFactor makes the removal c from its page, after a proof of a
// factor (needsReauth), which it spends first; a refusal (the last factor
// of an account that always requires multi-factor authentication) is shown
// on the page again, by show.
func (s *Server) removeFactor(w http.ResponseWriter, r *http.Request, si *signedIn, c factorChange, title string, show func(p *web.Page)) error {
	if err := s.needsReauth(w, r, si, r.URL.Path); err != nil {
		return err
	}
	if err := s.spendReauth(r, si); err != nil {
		return err
	}
	next, refusal, err := s.applyChange(r, si.user, c)
	if err != nil {
		return err
	}
	if refusal != "" {
		p := s.page(r, title)
		p.Form.Add("confirm", p.L.T(refusal))
		show(p)
		return nil
	}
	return redirect(next)
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// confirmPasswordData is the data of the page that asks the password again.
type confirmPasswordData struct {
	Email, Next string
}

// confirmPasswordForm asks the password again before a change of the
// factors of an account that has no second factor to prove.
func (s *Server) confirmPasswordForm(w http.ResponseWriter, r *http.Request, si *signedIn) error {
	p := s.page(r, "confirm_password.title")
	p.Data = &confirmPasswordData{Email: si.user.Email, Next: safeNext(r.URL.Query().Get("next"))}
	s.render.Render(w, http.StatusOK, "confirm_password", p)
	return nil
}

// confirmPassword checks it (the login limits apply) and allows one change.
func (s *Server) confirmPassword(w http.ResponseWriter, r *http.Request, si *signedIn) error {
	if err := parseForm(r); err != nil {
		return err
	}
	p := s.page(r, "confirm_password.title")
	p.Form = web.NewForm(r.PostForm)
	next := safeNext(p.Form.Get("next"))
	if next == "" {
		next = "/account"
	}
	// The password proves nothing for an account that has a second
	// factor: back to the page, which asks that factor.
	if st, err := s.machine.SecondFactor(r.Context(), si.user.ID, ""); err != nil || st != "" {
		if err != nil {
			return err
		}
		return redirect(next)
	}
	if status, err := s.passwordAgain(r, p, si.user); err != nil {
		return err
	} else if status != 0 {
		p.Data = &confirmPasswordData{Email: si.user.Email, Next: next}
		s.render.Render(w, status, "confirm_password", p)
		return nil
	}
	if err := s.grantReauth(r, si.sess, proofPassword); err != nil {
		return err
	}
	s.audit(r, si.user.ID, audit.ReauthSuccess, "PASSWORD")
	return redirect(next)
}

// passwordAgain checks the password typed in the field current_password of
// p (the login limits apply). It returns 0 when it is right, else the
// status of the page, whose field then says why.
func (s *Server) passwordAgain(r *http.Request, p *web.Page, u *store.User) (int, error) {
	fl, err := s.machine.CheckPassword(r.Context(), u, s.loginClient(r), "current_password", p.Form.Raw("current_password"))
	if err != nil || fl == nil {
		return 0, err
	}
	status, _ := showFailure(p, fl)
	return status, nil
}

// factorLostData is the data of the page of a change without a second
// factor.
type factorLostData struct {
	Email, Change, Description string
	Sent                       bool
}

// factorLost reads the change of the "I can no longer use it" page.
func (s *Server) factorLost(r *http.Request, p *web.Page, si *signedIn, v string) (*factorLostData, factorChange, error) {
	c, ok := parseChange(v)
	if !ok {
		return nil, c, errBadRequest
	}
	what, err := s.describe(r.Context(), p.L, si.user, c)
	if err != nil {
		return nil, c, err
	}
	return &factorLostData{Email: si.user.Email, Change: c.String(), Description: what}, c, nil
}

// factorLostForm asks the password of an owner who cannot use their second
// factor, to e-mail the link that makes change.
func (s *Server) factorLostForm(w http.ResponseWriter, r *http.Request, si *signedIn) error {
	p := s.page(r, "factor_lost.title")
	d, _, err := s.factorLost(r, p, si, r.URL.Query().Get("change"))
	if err != nil {
		return err
	}
	p.Data = d
	s.render.Render(w, http.StatusOK, "factor_lost", p)
	return nil
}

// factorLostSend checks the password and e-mails the link.
func (s *Server) factorLostSend(w http.ResponseWriter, r *http.Request, si *signedIn) error {
	if err := parseForm(r); err != nil {
		return err
	}
	p := s.page(r, "factor_lost.title")
	p.Form = web.NewForm(r.PostForm)
	d, c, err := s.factorLost(r, p, si, p.Form.Get("change"))
	if err != nil {
		return err
	}
	p.Data = d
	if status, err := s.passwordAgain(r, p, si.user); err != nil {
		return err
	} else if status != 0 {
		s.render.Render(w, status, "factor_lost", p)
		return nil
	}
	if until, err := s.mailQuota(r, si.user.Email); err != nil {
		return err
	} else if !until.IsZero() {
		p.Form.Add("current_password", p.L.T("error.too_many_mails", "time", p.L.Time(until)))
		s.render.Render(w, http.StatusTooManyRequests, "factor_lost", p)
		return nil
	}
	token, hash := session.NewToken()
	now := s.now()
	if err := s.db.PutEmailToken(r.Context(), &store.EmailToken{
		Hash: hash, UserID: si.user.ID, Purpose: purposeFactor, Data: c.String(), CreatedAt: now, ExpiresAt: now.Add(factorLinkTTL),
	}); err != nil {
		return err
	}
	ml := s.bundle.Localizer(si.user.EmailLang)
	what, err := s.describe(r.Context(), ml, si.user, c)
	if err != nil {
		return err
	}
	if err := s.sendMail(r.Context(), recipient(si.user), notify.FactorChange, map[string]any{
		"link": s.link("/account/factors/confirm/" + token), "change": what, "hours": "1",
	}); err != nil {
		return mailFailed(err)
	}
	s.audit(r, si.user.ID, audit.FactorChangeRequested, c.String())
	d.Sent = true
	p.Title = p.L.T("factor_lost.sent_title")
	s.render.Render(w, http.StatusOK, "factor_lost", p)
	return nil
}

// factorLink finds a valid link of a change without a second factor.
func (s *Server) factorLink(r *http.Request) (*store.EmailToken, *store.User, factorChange, error) {
	token := r.PathValue("token")
	if token == "" || len(token) > 100 {
		return nil, nil, factorChange{}, store.ErrNotFound
	}
	t, err := s.db.EmailTokenByHash(r.Context(), session.Hash(token))
	if err != nil {
		return nil, nil, factorChange{}, err
	}
	c, ok := parseChange(t.Data)
	if t.Purpose != purposeFactor || !ok || !t.UsedAt.IsZero() || !s.now().Before(t.ExpiresAt) {
		return nil, nil, factorChange{}, store.ErrNotFound
	}
	u, err := s.db.UserByID(r.Context(), t.UserID)
	if err != nil {
		return nil, nil, factorChange{}, err
	}
	return t, u, c, nil
}

// factorConfirmData is the data of the page of the e-mailed link.
type factorConfirmData struct {
	Description, Action string
}

// factorConfirmForm shows the change and its button. Opening the link
// changes nothing (mail scanners open links); the POST does.
func (s *Server) factorConfirmForm(w http.ResponseWriter, r *http.Request) error {
	_, u, c, err := s.factorLink(r)
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, errNotFound) {
		s.render.Render(w, http.StatusGone, "link_dead", s.page(r, "link_dead.title"))
		return nil
	}
	if err != nil {
		return err
	}
	p := s.page(r, "factor_confirm.title")
	what, err := s.describe(r.Context(), p.L, u, c)
	if errors.Is(err, errNotFound) {
		s.render.Render(w, http.StatusGone, "link_dead", s.page(r, "link_dead.title"))
		return nil
	}
	if err != nil {
		return err
	}
	p.Data = &factorConfirmData{Description: what, Action: r.URL.Path}
	s.render.Render(w, http.StatusOK, "factor_confirm", p)
	return nil
}

// factorConfirm makes the change of the link, once.
func (s *Server) factorConfirm(w http.ResponseWriter, r *http.Request) error {
	t, u, c, err := s.factorLink(r)
	if err == nil {
		err = s.db.UseEmailToken(r.Context(), t.Hash, s.now())
	}
	if errors.Is(err, store.ErrNotFound) {
		s.render.Render(w, http.StatusGone, "link_dead", s.page(r, "link_dead.title"))
		return nil
	}
	if err != nil {
		return err
	}
	next, refusal, err := s.applyChange(r, u, c)
	if errors.Is(err, errNotFound) {
		s.render.Render(w, http.StatusGone, "link_dead", s.page(r, "link_dead.title"))
		return nil
	}
	if err != nil {
		return err
	}
	if refusal != "" {
		p := s.page(r, "factor_confirm.title")
		p.Form.Add("confirm", p.L.T(refusal))
		p.Data = &factorConfirmData{}
		s.render.Render(w, http.StatusConflict, "factor_confirm", p)
		return nil
	}
	return redirect(next)
}
