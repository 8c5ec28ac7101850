package idp

import (
	"eulogin/internal/audit"
	"net/http"
	"time"

	"eulogin/internal/notify"
	"eulogin/internal/regulation"
	"eulogin/internal/session"
	"eulogin/internal/store"
	"eulogin/internal/web"
)

// This file is the IdP's side of the login limits of package regulation:
// every check of a secret of an account (its password at login or before a
// change in My Account, an SMS code, an offline code of the mobile app)
// runs as one guarded attempt:
//
//	g, ok, err := s.guardAttempt(r, p, field, userID, email)  // records, then decides
//	... check the secret only when ok ...
//	s.guardFailed(r, g, user, event) / s.guardSucceeded(r, g) / s.guard.Cancel
//
// so that the lockout is counted in one place, before the work, and
// announced in one place.

// loginSubjects are what one check of a secret of the account (userID,
// "" for an unknown address; email) counts against: the account, or the
// account in this browser when the browser is known for it, and the client
// address.
func (s *Server) loginSubjects(r *http.Request, userID, email string) []regulation.Subject {
	account := regulation.Subject{Limit: regulation.LoginAccount, Of: email}
	if h := s.knownBrowser(r, userID); h != "" {
		// Ends with the account id, so that deleting the account deletes it.
		account = regulation.Subject{Limit: regulation.LoginBrowser, Of: h + ":" + userID}
	}
	return []regulation.Subject{account, {Limit: regulation.LoginClient, Of: s.clientIP(r)}}
}

// browserCookie names the long-lived cookie of a known browser.
const browserCookie = "eulogin_browser"

// knownBrowser returns the hash of r's browser cookie when the account
// userID completed a login in this browser before, else "".
func (s *Server) knownBrowser(r *http.Request, userID string) string {
	token, ok := s.cookies.Get(r, browserCookie, 100)
	if !ok || userID == "" {
		return ""
	}
	h := session.Hash(token)
	if id, err := s.db.KnownBrowserUser(r.Context(), h); err != nil || id != userID {
		return ""
	}
	return h
}

// rememberBrowser marks r's browser as known for userID, who just completed
// a login in it: the cookie it has when it is already known for userID
// (its use is refreshed), a new one otherwise. A failure only costs the
// owner the lockout bypass, so it is logged.
func (s *Server) rememberBrowser(w http.ResponseWriter, r *http.Request, userID string) {
	if h := s.knownBrowser(r, userID); h != "" {
		if err := s.db.AddKnownBrowser(r.Context(), h, userID, s.now()); err != nil {
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

// guard is one guarded attempt.
type guard struct {
	regulation.Decision
	userID string
}

// guardAttempt records one attempt of the account email (userID, "" for an
// unknown address) from r's client before its secret is checked. When the
// account or the client is locked, it audits the refusal, puts the lockout
// and its end on field of p, and returns ok false: the secret must not be
// checked.
func (s *Server) guardAttempt(r *http.Request, p *web.Page, field, userID, email string) (g guard, ok bool, err error) {
	d, err := s.reg.Attempt(r.Context(), s.loginSubjects(r, userID, email)...)
	if err != nil {
		return guard{}, false, err
	}
	g = guard{Decision: d, userID: userID}
	if !d.Allowed {
		s.audit(r, userID, audit.LoginRefusedLocked, "")
		p.Form.Add(field, p.L.T("login.locked", "time", p.L.Time(d.Until)))
		return g, false, nil
	}
	return g, true, nil
}

// guardBlocked reports, recording nothing, whether the account email or
// r's client is locked now; if so it audits and explains it as
// guardAttempt does. Pages that would send a code first check it.
func (s *Server) guardBlocked(r *http.Request, p *web.Page, field, userID, email string) (bool, error) {
	_, until, err := s.reg.Blocked(r.Context(), s.loginSubjects(r, userID, email)...)
	if err != nil || until.IsZero() {
		return false, err
	}
	s.audit(r, userID, audit.LoginRefusedLocked, "")
	p.Form.Add(field, p.L.T("login.locked", "time", p.L.Time(until)))
	return true, nil
}

// guardFailed ends an attempt whose secret was wrong: it audits event
// (unless "": the caller did) and, when this failure locked the account
// (or the account in this known browser), audits the lockout and e-mails
// the owner (u; nil for an unknown address or a code step). It returns the
// lockout's end, zero when the account is not locked.
func (s *Server) guardFailed(r *http.Request, g guard, u *store.User, event audit.Kind, detail string) time.Time {
	if event != "" {
		s.audit(r, g.userID, event, detail)
	}
	if !g.Fills(regulation.LoginAccount) && !g.Fills(regulation.LoginBrowser) {
		return time.Time{}
	}
	s.audit(r, g.userID, audit.AccountLocked, "")
	if u != nil {
		s.sendMail(r.Context(), recipient(u), notify.Lockout, map[string]any{"time": g.FilledUntil})
	}
	return g.FilledUntil
}

// guardSucceeded ends an attempt whose secret was right: the account's
// failures are forgotten, and this attempt of the client.
func (s *Server) guardSucceeded(r *http.Request, g guard) error {
	return s.reg.Succeeded(r.Context(), g.Decision)
}

// guardCancel takes back an attempt that checked nothing (an expired code).
func (s *Server) guardCancel(r *http.Request, g guard) { s.reg.Cancel(r.Context(), g.Decision) }

// forgetFailures clears the failed logins of the account email (its owner
// just proved it by other means: a password reset by e-mail).
func (s *Server) forgetFailures(r *http.Request, email string) error {
	return s.reg.Clear(r.Context(), regulation.Subject{Limit: regulation.LoginAccount, Of: email})
}
