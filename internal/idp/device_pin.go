package idp

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"eulogin/internal/audit"
	"eulogin/internal/authn/mobileapp"
	"eulogin/internal/notify"
	"eulogin/internal/store"
	"eulogin/internal/web"
)

// "Forgot your PIN code?": the PIN is checked by the server only, so a
// forgotten PIN, or a device locked after five wrong ones, is reset from My
// Account on a computer: the current password, and a second factor other
// than this device when the account has one, then the new PIN twice. The
// reset lifts the lock and is audited and e-mailed.

// pinResetPath is the page that resets the PIN of device id.
func pinResetPath(id string) string { return "/account/devices/" + url.PathEscape(id) + "/pin" }

func (s *Server) devicePINPage(w http.ResponseWriter, r *http.Request, p *web.Page, d *store.AppDevice, status int) {
	p.Data = &deviceFormData{Name: d.Name, Action: pinResetPath(d.ID), PINLength: s.pinLength(), Locked: !d.LockedAt.IsZero()}
	s.render.Render(w, status, "device_pin", p)
}

// devicePINForm asks for the password and a new PIN.
func (s *Server) devicePINForm(w http.ResponseWriter, r *http.Request, si *signedIn) error {
	d, err := s.ownDevice(r, si)
	if err != nil {
		return err
	}
	if err := s.needsReauthExcept(w, r, si, pinResetPath(d.ID), d.ID); err != nil {
		return err
	}
	s.devicePINPage(w, r, s.page(r, "device_pin.title"), d, http.StatusOK)
	return nil
}

// devicePIN resets the PIN.
func (s *Server) devicePIN(w http.ResponseWriter, r *http.Request, si *signedIn) error {
	d, err := s.ownDevice(r, si)
	if err != nil {
		return err
	}
	p := s.page(r, "device_pin.title")
	if err := parseForm(r); err != nil {
		return err
	}
	p.Form = web.NewForm(r.PostForm)
	if err := s.needsReauthExcept(w, r, si, pinResetPath(d.ID), d.ID); err != nil {
		return err
	}
	pin, confirm := p.Form.Raw("pin"), p.Form.Raw("pin_confirm")
	switch err := mobileapp.CheckPIN(pin, s.pinLength()); {
	case pin == "":
		p.Form.Add("pin", p.L.T("device_add.pin_empty"))
	case errors.Is(err, mobileapp.ErrPINFormat):
		p.Form.Add("pin", p.L.T("device_add.pin_format", "n", strconv.Itoa(s.pinLength())))
	case errors.Is(err, mobileapp.ErrPINTrivial):
		p.Form.Add("pin", p.L.T("device_add.pin_trivial"))
	case confirm != pin:
		p.Form.Add("pin_confirm", p.L.T("device_add.pin_mismatch"))
	}
	// The password last, and only for an otherwise valid form, so that a
	// typing mistake in the PIN costs no password attempt.
	if p.Form.Valid() {
		ok, err := s.verifyCurrentPassword(r, p, si.user, "current_password")
		if err != nil {
			return err
		}
		if !ok {
			s.devicePINPage(w, r, p, d, http.StatusBadRequest)
			return nil
		}
	}
	if !p.Form.Valid() {
		s.devicePINPage(w, r, p, d, http.StatusBadRequest)
		return nil
	}
	// A proof of another factor, when the account has one, is spent
	// first; the password was checked above.
	if st, err := s.machine.SecondFactor(r.Context(), si.user.ID, d.ID); err != nil {
		return err
	} else if st != "" {
		if err := s.spendReauth(r, si); err != nil {
			return err
		}
	}
	if err := s.app.ResetPIN(r.Context(), si.user.ID, d.ID, pin); errors.Is(err, mobileapp.ErrUnknownDevice) {
		return errNotFound
	} else if err != nil {
		return err
	}
	s.audit(r, si.user.ID, audit.AppPINReset, d.Name)
	s.sendMail(r.Context(), recipient(si.user), notify.AppPINReset, map[string]any{"device": d.Name, "time": s.now()})
	http.Redirect(w, r, "/account/devices?done=pin_reset", http.StatusSeeOther)
	return nil
}

// appRemoved audits and e-mails the removal of device d by the app itself
// (the user removed the account from the app); nil: nothing was removed.
func (s *Server) appRemoved(r *http.Request, d *store.AppDevice) {
	if d == nil || d.ConfirmedAt.IsZero() {
		return
	}
	s.audit(r, d.UserID, audit.AppDeviceRemovedByApp, d.Name)
	s.mailOwner(r, d.UserID, notify.AppDeviceRemoved, map[string]any{"device": d.Name, "time": s.now()})
}
