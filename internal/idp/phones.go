package idp

import (
	"errors"
	"net/http"
	"net/url"

	"eulogin/internal/audit"
	smsauth "eulogin/internal/authn/sms"
	"eulogin/internal/notify"
	"eulogin/internal/sms"
	"eulogin/internal/store"
	"eulogin/internal/web"
)

// My Account → Manage my mobile phone numbers. Adding a number takes two
// steps: the number (an SMS code is sent to it), then the code and
// Finalise. When the account already has a number, adding or removing one
// first asks for an SMS code sent to a number the account has (needsReauth):
// a new number is a new authenticator (NIST SP 800-63B). The challenge of an
// added number is bound to the session (its hash is the flow id).

// phonesData is the data of the list of numbers.
type phonesData struct {
	Phones     []phoneRow
	RequireMFA bool
}

// phoneFormData is the data of the pages that add or remove a number.
type phoneFormData struct {
	Hidden []hiddenField
	Masked string
	Action string
}

func nextHidden(next string) []hiddenField {
	if next == "" {
		return nil
	}
	return []hiddenField{{"next", next}}
}

// withNext adds next to path as its query.
func withNext(path, next string) string {
	if next == "" {
		return path
	}
	return path + "?next=" + url.QueryEscape(next)
}

// phones lists the numbers of the account.
func (s *Server) phones(w http.ResponseWriter, r *http.Request, si *signedIn) error {
	p := s.page(r, "phones.title")
	if key := "phones.done." + r.URL.Query().Get("done"); r.URL.Query().Get("done") != "" && p.L.Has(key) {
		p.Flash = p.L.T(key)
	}
	rows, _, err := s.phoneRows(r.Context(), p.L, si.user.ID, "-")
	if err != nil {
		return err
	}
	p.Data = &phonesData{Phones: rows, RequireMFA: si.user.RequireMFA}
	s.render.Render(w, http.StatusOK, "phones", p)
	return nil
}

// needsReauth returns nil when the session has just proved a factor (and
// may make one change of the account's second factors); otherwise it
// starts the proof and returns the redirect to it: a second-factor step
// (SMS when the account has a number, else the mobile app), or, for an
// account with no second factor, the password again. A password proves
// nothing for an account that has a second factor. The change itself
// spends the proof first (spendReauth).
func (s *Server) needsReauth(w http.ResponseWriter, r *http.Request, si *signedIn, next string) error {
	return s.needsReauthExcept(w, r, si, next, "")
}

// needsReauthExcept is needsReauth with a second factor other than the app
// device deviceID ("" for none): the device whose PIN is being reset
// cannot confirm its own reset.
func (s *Server) needsReauthExcept(w http.ResponseWriter, r *http.Request, si *signedIn, next, deviceID string) error {
	st, err := s.machine.SecondFactor(r.Context(), si.user.ID, deviceID)
	if err != nil {
		return err
	}
	if st == "" && deviceID != "" {
		// The PIN reset of the only device: its page asks the password.
		return nil
	}
	proof, err := s.reauthenticated(r, si)
	if err != nil {
		return err
	}
	if proof == proofFactor || st == "" && proof == proofPassword {
		return nil
	}
	if st == "" {
		// No second factor to prove: the password again (a login with
		// the password alone in the last reauthTTL counts: finish).
		return redirect("/account/confirm-password?next=" + url.QueryEscape(next))
	}
	if err := s.startFlow(w, r, s.machine.Reauth(si.user, si.sess.Hash, next, st)); err != nil {
		return err
	}
	return redirect(stepPaths[st])
}

func (s *Server) phoneAddPage(w http.ResponseWriter, r *http.Request, p *web.Page, next string, status int) {
	p.Step = step(p, 1, 2)
	p.Data = &phoneFormData{Hidden: nextHidden(next)}
	s.render.Render(w, status, "phone_add", p)
}

// phoneAddForm is step 1 of adding a number: the number.
func (s *Server) phoneAddForm(w http.ResponseWriter, r *http.Request, si *signedIn) error {
	next := safeNext(r.URL.Query().Get("next"))
	if err := s.needsReauth(w, r, si, withNext("/account/phones/add", next)); err != nil {
		return err
	}
	s.phoneAddPage(w, r, s.page(r, "phone_add.title"), next, http.StatusOK)
	return nil
}

// phoneAdd checks the number and sends it a code.
func (s *Server) phoneAdd(w http.ResponseWriter, r *http.Request, si *signedIn) error {
	p := s.page(r, "phone_add.title")
	if err := parseForm(r); err != nil {
		return err
	}
	p.Form = web.NewForm(r.PostForm)
	next := safeNext(p.Form.Get("next"))
	if err := s.needsReauth(w, r, si, withNext("/account/phones/add", next)); err != nil {
		return err
	}
	if bad := p.Form.DropUnreadable("number"); bad != "" {
		p.Form.Add("number", p.L.T("phones.malformed"))
		s.phoneAddPage(w, r, p, next, http.StatusBadRequest)
		return nil
	}
	typed := p.Form.Get("number")
	if typed == "" {
		p.Form.Add("number", p.L.T("phones.empty"))
		s.phoneAddPage(w, r, p, next, http.StatusBadRequest)
		return nil
	}
	e164, _, err := smsauth.NormalizeMobile(typed, s.regions)
	if err != nil {
		key := "phones.malformed"
		switch {
		case errors.Is(err, smsauth.ErrNotInternational):
			key = "phones.not_international"
		case errors.Is(err, smsauth.ErrNotMobile):
			key = "phones.not_mobile"
		case errors.Is(err, smsauth.ErrCountryNotAllowed):
			key = "phones.country"
		}
		s.audit(r, si.user.ID, audit.PhoneRefused, key[len("phones."):])
		p.Form.Add("number", p.L.T(key))
		s.phoneAddPage(w, r, p, next, http.StatusBadRequest)
		return nil
	}
	phones, err := s.db.ListPhones(r.Context(), si.user.ID)
	if err != nil {
		return err
	}
	for _, ph := range phones {
		if ph.E164 == e164 {
			p.Form.Add("number", p.L.T("phones.exists"))
			s.phoneAddPage(w, r, p, next, http.StatusConflict)
			return nil
		}
	}
	_, err = s.sendCode(r, p.L, smsauth.StartRequest{UserID: si.user.ID, Phone: e164, Purpose: smsauth.PurposeAddPhone, FlowID: si.sess.Hash, IP: s.clientIP(r)})
	if err != nil {
		// The same number again (Back, or a second click): its code is
		// still valid.
		if errors.Is(err, smsauth.ErrTooSoon) {
			if res, perr := s.codes.Pending(r.Context(), si.user.ID, smsauth.PurposeAddPhone, si.sess.Hash); perr == nil && res.Outcome == smsauth.Waiting && res.Phone == e164 {
				http.Redirect(w, r, withNext("/account/phones/add/code", next), http.StatusSeeOther)
				return nil
			}
		}
		if status, handled := s.smsRefused(r, p, "number", si.user.ID, err); handled {
			s.phoneAddPage(w, r, p, next, status)
			return nil
		}
		return err
	}
	http.Redirect(w, r, withNext("/account/phones/add/code", next), http.StatusSeeOther)
	return nil
}

func (s *Server) phoneCodePage(w http.ResponseWriter, r *http.Request, p *web.Page, si *signedIn, next string, status int) error {
	p.Step = step(p, 2, 2)
	res, err := s.codes.Pending(r.Context(), si.user.ID, smsauth.PurposeAddPhone, si.sess.Hash)
	if err != nil {
		return err
	}
	if res.Outcome == smsauth.NoChallenge {
		return redirect(withNext("/account/phones/add", next))
	}
	d := s.codeData(p, res)
	d.Lead = p.L.T("phone_code.lead", "number", d.Masked)
	d.Action, d.ResendAction = "/account/phones/add/code", "/account/phones/add/resend"
	d.BackURL, d.BackLabel = withNext("/account/phones/add", next), p.L.T("phone_code.other_number")
	d.Submit = p.L.T("phone_code.submit")
	d.Hidden = nextHidden(next)
	p.Data = d
	s.render.Render(w, status, "sms_code", p)
	return nil
}

// phoneCodeForm is step 2 of adding a number: the code it received.
func (s *Server) phoneCodeForm(w http.ResponseWriter, r *http.Request, si *signedIn) error {
	next := safeNext(r.URL.Query().Get("next"))
	return s.phoneCodePage(w, r, s.page(r, "phone_code.title"), si, next, http.StatusOK)
}

// phoneResend sends a new code to the number being added.
func (s *Server) phoneResend(w http.ResponseWriter, r *http.Request, si *signedIn) error {
	p := s.page(r, "phone_code.title")
	if err := parseForm(r); err != nil {
		return err
	}
	next := safeNext(r.PostForm.Get("next"))
	res, err := s.codes.Pending(r.Context(), si.user.ID, smsauth.PurposeAddPhone, si.sess.Hash)
	if err != nil {
		return err
	}
	if res.Outcome == smsauth.NoChallenge {
		return redirect(withNext("/account/phones/add", next))
	}
	if _, err := s.sendCode(r, p.L, smsauth.StartRequest{UserID: si.user.ID, Phone: res.Phone, Purpose: smsauth.PurposeAddPhone, FlowID: si.sess.Hash, IP: s.clientIP(r)}); err != nil {
		if status, handled := s.smsRefused(r, p, "code", si.user.ID, err); handled {
			return s.phoneCodePage(w, r, p, si, next, status)
		}
		return err
	}
	http.Redirect(w, r, withNext("/account/phones/add/code", next), http.StatusSeeOther)
	return nil
}

// phoneFinalise checks the code and adds the number: the owner gets a
// security e-mail. The session keeps its strength: a factor added in a
// session never raises it (else whoever knows the password alone could add
// a number of theirs and be taken for the owner); a login, or the step-up
// of an application, with the new number does.
func (s *Server) phoneFinalise(w http.ResponseWriter, r *http.Request, si *signedIn) error {
	p := s.page(r, "phone_code.title")
	if err := parseForm(r); err != nil {
		return err
	}
	next := safeNext(r.PostForm.Get("next"))
	if err := s.needsReauth(w, r, si, withNext("/account/phones/add/code", next)); err != nil {
		return err
	}
	typed := r.PostForm.Get("code")
	if typed == "" || len(typed) > 64 {
		p.Form.Add("code", p.L.T("sms_code.empty"))
		return s.phoneCodePage(w, r, p, si, next, http.StatusBadRequest)
	}
	pending, err := s.codes.Pending(r.Context(), si.user.ID, smsauth.PurposeAddPhone, si.sess.Hash)
	if err != nil {
		return err
	}
	res, err := s.codes.Verify(r.Context(), si.user.ID, smsauth.PurposeAddPhone, si.sess.Hash, typed, pending.Phone)
	if err != nil {
		return err
	}
	if res.Outcome == smsauth.NoChallenge {
		return redirect(withNext("/account/phones/add", next))
	}
	if res.Outcome != smsauth.Verified {
		status, _ := s.codeRefused(r, p, si.user.ID, smsauth.PurposeAddPhone, res)
		return s.phoneCodePage(w, r, p, si, next, status)
	}
	// The region was checked when the code was sent; the list may have
	// changed since, which does not undo a proven number.
	e164, region, err := smsauth.NormalizeMobile(res.Phone, nil)
	if err != nil {
		return err
	}
	if err := s.spendReauth(r, si); err != nil {
		return err
	}
	now := s.now()
	ph := &store.Phone{UserID: si.user.ID, E164: e164, Region: region, VerifiedAt: now, CreatedAt: now}
	if err := s.db.AddPhone(r.Context(), ph); errors.Is(err, store.ErrConflict) {
		http.Redirect(w, r, "/account/phones", http.StatusSeeOther)
		return nil
	} else if err != nil {
		return err
	}
	masked := sms.Mask(e164)
	s.audit(r, si.user.ID, audit.PhoneAdded, masked)
	s.sendMail(r.Context(), recipient(si.user), notify.PhoneAdded, map[string]any{"number": masked, "time": now})
	if next != "" {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, "/account/phones?done=added", http.StatusSeeOther)
	return nil
}

func (s *Server) phoneRemovePage(w http.ResponseWriter, r *http.Request, p *web.Page, ph *store.Phone, status int) {
	p.Data = &phoneFormData{Masked: sms.Mask(ph.E164), Action: "/account/phones/" + url.PathEscape(ph.ID) + "/remove"}
	s.render.Render(w, status, "phone_remove", p)
}

// lastRequired reports whether ph is the last second factor of an account that
// always requires multi-factor authentication: it cannot be removed.
func (s *Server) lastRequired(r *http.Request, si *signedIn) (bool, error) {
	if !si.user.RequireMFA {
		return false, nil
	}
	n, err := s.secondFactors(r.Context(), si.user.ID)
	return n <= 1, err
}

// phoneRemoveForm asks to confirm the removal of a number.
func (s *Server) phoneRemoveForm(w http.ResponseWriter, r *http.Request, si *signedIn) error {
	ph, err := s.db.PhoneByID(r.Context(), si.user.ID, r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	if err := s.needsReauth(w, r, si, r.URL.Path); err != nil {
		return err
	}
	p := s.page(r, "phone_remove.title")
	status := http.StatusOK
	if last, err := s.lastRequired(r, si); err != nil {
		return err
	} else if last {
		p.Form.Add("confirm", p.L.T("phone_remove.last_required"))
		status = http.StatusConflict
	}
	s.phoneRemovePage(w, r, p, ph, status)
	return nil
}

// phoneRemove removes a number; its pending login codes die with it.
func (s *Server) phoneRemove(w http.ResponseWriter, r *http.Request, si *signedIn) error {
	ph, err := s.db.PhoneByID(r.Context(), si.user.ID, r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	return s.removeFactor(w, r, si, factorChange{changeRemovePhone, ph.ID}, "phone_remove.title", func(p *web.Page) {
		s.phoneRemovePage(w, r, p, ph, http.StatusConflict)
	})
}
