package eci

import (
	"net/http"
	"time"

	"eulogin/internal/i18n"
)

// strengthKeys maps the strengths to the message keys of their names.
var strengthKeys = map[string]string{
	"PASSWORD":                "strength.password",
	"PASSWORD_SMS":            "strength.password_sms",
	"PASSWORD_MOBILE_APP":     "strength.password_mobile_app",
	"MOBILE_APP":              "strength.mobile_app",
	"PASSWORD_SOFTWARE_TOKEN": "strength.password_software_token",
	"PASSWORD_WEBAUTHN":       "strength.password_webauthn",
}

// strengthName returns a strength in words; an unknown strength keeps its
// code.
func strengthName(l *i18n.Localizer, strength string) string {
	if k, ok := strengthKeys[strength]; ok {
		return l.T(k)
	}
	return strength
}

func (s *Server) landing(w http.ResponseWriter, r *http.Request) error {
	s.render.Render(w, http.StatusOK, "landing", s.page(r, "landing.title", nil))
	return nil
}

// dashboardData is the data of the dashboard.
type dashboardData struct {
	Strength    string          // the strength of this login, in words
	LoginTime   time.Time       // when the user authenticated at EU Login
	Initiatives []initiativeRow // the initiatives of which the user is a member
	Reviewer    bool            // the user reviews registration requests
	Invitations []invitationRow // pending invitations addressed to the user's e-mail address
}

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request, o *organiser) error {
	d := dashboardData{Strength: strengthName(s.localizer(r), o.Session.Strength), LoginTime: o.Session.LoginDate}
	var err error
	if d.Initiatives, err = s.myInitiatives(r.Context(), s.localizer(r), o); err != nil {
		return err
	}
	if d.Invitations, err = s.myInvitations(r, o); err != nil {
		return err
	}
	if d.Reviewer, err = s.reviewer(r.Context(), o); err != nil {
		return err
	}
	s.render.Render(w, http.StatusOK, "dashboard", s.page(r, "dashboard.title", d))
	return nil
}

func (s *Server) infoPage(name string) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		s.render.Render(w, http.StatusOK, "info_"+name, s.page(r, "info."+name+".title", nil))
		return nil
	}
}

// healthz answers in plain text whether the database answers. A failure
// is not logged: the prober calls again and again while the database is
// down.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	if s.db.Ping(r.Context()) != nil {
		return &plainError{status: http.StatusServiceUnavailable, text: "database unavailable"}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
	return nil
}

// notFound answers a path the portal does not have.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) error { return errNotFound }
