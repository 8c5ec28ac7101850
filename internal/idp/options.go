package idp

import (
	"net/http"
	"strconv"

	"eulogin/internal/web"
)

// optionsForm is My Account's options: today "Warn me each time an
// application asks for my identity". The second-factor issues add "Always
// require multi-factor authentication" here (store.User.RequireMFA), which
// this page keeps as it is.
func (s *Server) optionsForm(w http.ResponseWriter, r *http.Request, si *signedIn) {
	p := s.page(r, "account.options_title")
	if si.user.WarnSSO {
		p.Form.Values.Set("warn_sso", "1")
	}
	s.render.Render(w, http.StatusOK, "account_options", p)
}

// options saves the options and audits the change.
func (s *Server) options(w http.ResponseWriter, r *http.Request, si *signedIn) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, http.StatusBadRequest, "error.bad_request", nil)
		return
	}
	f := web.NewForm(r.PostForm)
	warn := f.Checked("warn_sso")
	if warn != si.user.WarnSSO {
		if err := s.db.UpdateOptions(r.Context(), si.user.ID, si.user.RequireMFA, warn, s.now()); err != nil {
			s.internal(w, r, err)
			return
		}
		s.audit(r, si.user.ID, "options_changed", "warn_sso="+strconv.FormatBool(warn))
	}
	http.Redirect(w, r, "/account?done=options", http.StatusSeeOther)
}
