package idp

import (
	"net/http"

	"eulogin/internal/session"
	"eulogin/internal/store"
)

// The limits of logins are the login machine's (authn.Machine): this file
// keeps the browser's side of them, the cookie of a known browser.

// browserCookie names the long-lived cookie of a known browser.
const browserCookie = "eulogin_browser"

// rememberBrowser marks r's browser as known for userID, who just completed
// a login in it: the cookie it has when it is already known for userID
// (its use is refreshed), a new one otherwise. A failure only costs the
// owner the lockout bypass, so it is logged.
func (s *Server) rememberBrowser(w http.ResponseWriter, r *http.Request, userID string) {
	c := s.loginClient(r)
	if s.machine.KnownBrowser(r.Context(), c, userID) {
		if err := s.db.AddKnownBrowser(r.Context(), c.Browser, userID, s.now()); err != nil {
			s.log.Error("refresh a known browser", "err", err)
		}
		return
	}
	token, h := session.NewToken()
	if err := s.db.AddKnownBrowser(r.Context(), h, userID, s.now()); err != nil {
		s.log.Error("remember a browser", "err", err)
		return
	}
	s.cookies.Set(w, browserCookie, token, store.KnownBrowserTTL)
}

// forgetFailures clears the failed logins of the account email (its owner
// just proved it by other means: a password reset by e-mail).
func (s *Server) forgetFailures(r *http.Request, email string) error {
	return s.machine.ForgetFailures(r.Context(), email)
}
