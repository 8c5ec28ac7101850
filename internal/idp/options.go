package idp

import (
	"net/http"
	"strconv"

	"eulogin/internal/audit"
	"eulogin/internal/web"
)

// optionsForm is My Account's options: "Always require multi-factor
// authentication" (store.User.RequireMFA) and "Warn me each time an
// application asks for my identity".
func (s *Server) optionsForm(w http.ResponseWriter, r *http.Request, si *signedIn) error {
	p := s.page(r, "account.options_title")
	if si.user.RequireMFA {
		p.Form.Values.Set("require_mfa", "1")
	}
	if si.user.WarnSSO {
		p.Form.Values.Set("warn_sso", "1")
	}
	s.render.Render(w, http.StatusOK, "account_options", p)
	return nil
}

// options saves the options and audits the change. Multi-factor
// authentication can be required only by an account that has a second
// factor (a mobile phone number or a mobile app device): otherwise it could not log in any more.
func (s *Server) options(w http.ResponseWriter, r *http.Request, si *signedIn) error {
	if err := parseForm(r); err != nil {
		return err
	}
	p := s.page(r, "account.options_title")
	p.Form = web.NewForm(r.PostForm)
	mfa, warn := p.Form.Checked("require_mfa"), p.Form.Checked("warn_sso")
	if mfa && !si.user.RequireMFA {
		n, err := s.secondFactors(r.Context(), si.user.ID)
		if err != nil {
			return err
		}
		if n == 0 {
			p.Form.Add("require_mfa", p.L.T("account.options_mfa_no_factor"))
			s.render.Render(w, http.StatusConflict, "account_options", p)
			return nil
		}
	}
	if !mfa && si.user.RequireMFA {
		// Switching it off lets the password alone in again: a proof of a
		// factor first (or the password and an e-mailed link).
		if err := s.needsReauth(w, r, si, "/account/options"); err != nil {
			return err
		}
		if err := s.spendReauth(r, si); err != nil {
			return err
		}
	}
	if mfa != si.user.RequireMFA || warn != si.user.WarnSSO {
		if err := s.db.UpdateOptions(r.Context(), si.user.ID, mfa, warn, s.now()); err != nil {
			return err
		}
		s.audit(r, si.user.ID, audit.OptionsChanged, "require_mfa="+strconv.FormatBool(mfa)+" warn_sso="+strconv.FormatBool(warn))
	}
	http.Redirect(w, r, "/account?done=options", http.StatusSeeOther)
	return nil
}
