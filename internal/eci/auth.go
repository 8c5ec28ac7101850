package eci

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"eulogin/internal/audit"
	"eulogin/internal/eci/casclient"
	"eulogin/internal/eci/ecistore"
)

// nextTTL is how long /login remembers where to return.
const nextTTL = 10 * time.Minute

// login sends the browser to the identity provider. A safe local "next"
// path is remembered in a short-lived cookie for the callback.
func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	next := r.URL.Query().Get("next")
	if !safeNext(next) {
		next = ""
	}
	if current(r) != nil {
		http.Redirect(w, r, orDashboard(next), http.StatusSeeOther)
		return nil
	}
	if next != "" {
		s.cookies.Set(w, nextCookie, url.QueryEscape(next), nextTTL)
	} else {
		s.cookies.Delete(w, nextCookie)
	}
	to := s.cas.LoginURL(CallbackURL(s.cfg.BaseURL), casclient.LoginOptions{
		AcceptStrengths: s.cfg.AcceptStrengths,
		Locale:          s.bundle.FromRequest(r),
	})
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// safeNext reports whether next is a path of this portal to return to
// after login: local, absolute, without a host, a scheme, backslashes or
// control characters, and not the login or logout machinery itself.
func safeNext(next string) bool {
	if next == "" || len(next) > 1024 || next[0] != '/' || strings.HasPrefix(next, "//") {
		return false
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return false
	}
	// Checked raw and decoded: "%0d%0a" and "%5c" are refused too.
	for _, r := range next + u.Path {
		if r < 0x20 || r == 0x7f || r == '\\' {
			return false
		}
	}
	return !strings.HasPrefix(u.Path, "/login") && !strings.HasPrefix(u.Path, "/cas/") && !strings.HasPrefix(u.Path, "/logout")
}

// orDashboard returns next, or the dashboard when next is empty.
func orDashboard(next string) string {
	if next == "" {
		return "/dashboard"
	}
	return next
}

// callback receives the browser back from the identity provider, validates
// the ticket and starts the session.
func (s *Server) callback(w http.ResponseWriter, r *http.Request) error {
	ticket := r.URL.Query().Get("ticket")
	if ticket == "" {
		// Back without a ticket (a gateway request, or a hand-typed URL).
		return redirect("/")
	}
	p, err := s.cas.Validate(r.Context(), ticket, CallbackURL(s.cfg.BaseURL))
	if err != nil {
		return s.loginFailed(r, "", err)
	}
	if p.User == "" || len(p.User) > 256 || clean(p.User, 256) != p.User {
		return s.loginFailed(r, "", errors.New("eci: unusable user id in the CAS response"))
	}
	// The identity provider enforces acceptStrengths; the portal checks
	// again, so that a registry entry set too loosely cannot weaken it.
	strength := strings.ToUpper(strings.TrimSpace(p.Attr("strength")))
	if !slices.Contains(s.cfg.AcceptStrengths, strength) {
		return s.loginFailed(r, p.User, &casclient.Failure{Code: casclient.CodeInvalidStrength, Message: "the portal does not accept the strength " + clean(strength, 64)})
	}
	now := s.now()
	loginDate, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(p.Attr("loginDate")))
	if err != nil {
		loginDate = now
	}
	u := &ecistore.User{
		ID: p.User, Email: clean(p.Attr("email"), 320),
		FirstName: clean(p.Attr("firstName"), 200), LastName: clean(p.Attr("lastName"), 200),
		Locale: clean(p.Attr("locale"), 16), LastLogin: now, LastStrength: strength,
	}
	if _, err := s.startSession(r.Context(), w, r, loginInfo{User: u, Strength: strength, LoginDate: loginDate.UTC(), Ticket: ticket}); err != nil {
		return err
	}
	s.audit(r, u.ID, audit.PortalLogin, strength)
	if s.configReviewer(u.Email) {
		s.audit(r, u.ID, audit.PortalReviewerRole, "configuration "+u.Email)
	}
	next := ""
	if c, ok := s.cookies.Get(r, nextCookie, 4096); ok {
		if v, err := url.QueryUnescape(c); err == nil && safeNext(v) {
			next = v
		}
		s.cookies.Delete(w, nextCookie)
	}
	http.Redirect(w, r, orDashboard(next), http.StatusSeeOther)
	return nil
}

// loginFailed records why a login did not succeed and returns the redirect
// to the page that explains it (a GET page, so that reloading it or
// switching its language does not replay the ticket). The identity
// provider's message is logged, never shown; its code is shown only when it
// looks like one.
func (s *Server) loginFailed(r *http.Request, userID string, err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	var f *casclient.Failure
	to := "/login/failed"
	switch {
	case errors.As(err, &f) && f.Code == casclient.CodeInvalidStrength:
		s.log.Info("login refused", "code", f.Code, "msg", f.Message)
		s.audit(r, userID, audit.PortalLoginRefused, f.Code)
		to = "/login/refused"
	case errors.As(err, &f):
		s.log.Warn("login failed", "code", f.Code, "msg", f.Message)
		s.audit(r, userID, audit.PortalLoginRefused, f.Code)
		if isCode(f.Code) {
			to += "?code=" + f.Code
		}
	case errors.Is(err, casclient.ErrMalformedTicket):
		s.log.Warn("login failed: malformed ticket")
	default:
		s.log.Error("login: identity provider", "err", err)
		to += "?why=unavailable"
	}
	return redirect(to)
}

// loginRefused explains that the organiser account needs two-factor
// authentication (the strength used was not accepted), how to link a mobile
// phone in EU Login, and offers to try again.
func (s *Server) loginRefused(w http.ResponseWriter, r *http.Request) error {
	s.render.Render(w, http.StatusForbidden, "signin_strength", s.page(r, "signin.strength_title", nil))
	return nil
}

// failedData is the data of the page of a login that did not succeed.
type failedData struct {
	Reason string // message key of the explanation
	Code   string // the CAS error code, for the helpdesk; "" when none
}

// loginFailedPage explains that a login did not succeed: 502 when the
// identity provider could not confirm it (?why=unavailable), else 400 with
// the CAS error code (?code=) when there is one.
func (s *Server) loginFailedPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if q.Get("why") == "unavailable" {
		s.render.Render(w, http.StatusBadGateway, "signin_failed", s.page(r, "signin.failed_title", failedData{Reason: "signin.unavailable"}))
		return nil
	}
	d := failedData{Reason: "signin.failed_body"}
	if c := q.Get("code"); isCode(c) {
		d.Code = c
	}
	s.render.Render(w, http.StatusBadRequest, "signin_failed", s.page(r, "signin.failed_title", d))
	return nil
}

// isCode reports whether s looks like a CAS error code (A-Z and _).
func isCode(s string) bool {
	return s != "" && len(s) <= 40 && strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_") == ""
}

// singleLogout receives the identity provider's back-channel logout
// message and ends the session created from the ticket it names. It answers
// in plain text: 200 when the message was understood (whether or not a
// session was still open), 400 when it was not.
func (s *Server) singleLogout(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &plainError{status: http.StatusBadRequest}
	}
	ticket, nameID, err := casclient.ParseLogoutRequest(r.PostForm.Get("logoutRequest"))
	if err != nil {
		s.log.Warn("single logout: unreadable message", "err", err)
		return &plainError{status: http.StatusBadRequest}
	}
	users, err := s.db.DeleteSessionsByTicket(r.Context(), hash(ticket))
	if err != nil {
		return &plainError{status: http.StatusInternalServerError, cause: fmt.Errorf("single logout: %w", err)}
	}
	for _, u := range users {
		if nameID != "" && nameID != u {
			s.log.Warn("single logout: NameID differs from the session's user", "user", u)
		}
		s.audit(r, u, audit.PortalSingleLogout, "")
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("OK\n"))
	return nil
}

// logout ends the portal's session only; EU Login's session stays.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	o := current(r)
	if err := s.endSession(r.Context(), w, r); err != nil {
		return err
	}
	if o != nil {
		s.audit(r, o.User.ID, audit.PortalLogout, "")
	}
	http.Redirect(w, r, "/logged-out", http.StatusSeeOther)
	return nil
}

// logoutEverywhere ends the portal's session and sends the browser to EU
// Login's logout, which ends its session and comes back to the portal.
func (s *Server) logoutEverywhere(w http.ResponseWriter, r *http.Request) error {
	o := current(r)
	if err := s.endSession(r.Context(), w, r); err != nil {
		return err
	}
	if o != nil {
		s.audit(r, o.User.ID, audit.PortalLogoutEverywhere, "")
	}
	http.Redirect(w, r, s.cas.LogoutURL(s.cfg.BaseURL+"/"), http.StatusSeeOther)
	return nil
}

// loggedOut confirms that the portal's session has ended.
func (s *Server) loggedOut(w http.ResponseWriter, r *http.Request) error {
	s.render.Render(w, http.StatusOK, "left", s.page(r, "left.title", nil))
	return nil
}
