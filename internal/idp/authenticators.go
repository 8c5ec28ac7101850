package idp

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"

	"eulogin/internal/audit"
	"eulogin/internal/authn"
	"eulogin/internal/authn/totp"
	"eulogin/internal/notify"
	"eulogin/internal/store"
	"eulogin/internal/web"
)

// My Account → Manage my authenticator apps, and the login step of the
// method "Authenticator app" (package totp). Adding and removing an app
// follow the rules of every factor (factors.go): a fresh proof first, an
// e-mail after, and no raise of the session.

// authenticatorsData is the data of the list of apps.
type authenticatorsData struct {
	Apps []deviceRow
}

// authenticatorRows returns the confirmed apps of the account.
func (s *Server) authenticatorRows(r *http.Request, p *web.Page, userID string) ([]deviceRow, error) {
	apps, err := s.db.ListTOTP(r.Context(), userID)
	if err != nil {
		return nil, err
	}
	rows := make([]deviceRow, 0, len(apps))
	for _, a := range apps {
		row := deviceRow{ID: a.ID, Name: a.Name, Added: p.L.Time(a.CreatedAt)}
		if !a.LastUsedAt.IsZero() {
			row.LastUsed = p.L.Time(a.LastUsedAt)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// authenticators lists the authenticator apps of the account.
func (s *Server) authenticators(w http.ResponseWriter, r *http.Request, si *signedIn) error {
	p := s.page(r, "authenticators.title")
	if key := "authenticators.done." + r.URL.Query().Get("done"); r.URL.Query().Get("done") != "" && p.L.Has(key) {
		p.Flash = p.L.T(key)
	}
	rows, err := s.authenticatorRows(r, p, si.user.ID)
	if err != nil {
		return err
	}
	p.Data = &authenticatorsData{Apps: rows}
	s.render.Render(w, http.StatusOK, "authenticators", p)
	return nil
}

// authenticatorAddForm asks the app's name, after a proof of a factor.
func (s *Server) authenticatorAddForm(w http.ResponseWriter, r *http.Request, si *signedIn) error {
	if err := s.needsReauth(w, r, si, "/account/authenticators/add"); err != nil {
		return err
	}
	s.render.Render(w, http.StatusOK, "authenticator_add", s.page(r, "authenticator_add.title"))
	return nil
}

// authenticatorAdd starts the enrolment: a new secret, shown next.
func (s *Server) authenticatorAdd(w http.ResponseWriter, r *http.Request, si *signedIn) error {
	if err := parseForm(r); err != nil {
		return err
	}
	p := s.page(r, "authenticator_add.title")
	p.Form = web.NewForm(r.PostForm)
	if err := s.needsReauth(w, r, si, "/account/authenticators/add"); err != nil {
		return err
	}
	name := checkDeviceName(p, "name")
	if !p.Form.Valid() {
		s.render.Render(w, http.StatusBadRequest, "authenticator_add", p)
		return nil
	}
	if err := s.spendReauth(r, si); err != nil {
		return err
	}
	en, err := s.totp.Begin(r.Context(), si.user.ID, si.user.Email, name)
	if err != nil {
		return err
	}
	return redirect(authenticatorScanPath(en.ID))
}

func authenticatorScanPath(id string) string {
	return "/account/authenticators/" + url.PathEscape(id) + "/confirm"
}

// authenticatorScanData is the data of the page of the QR code.
type authenticatorScanData struct {
	Name, Secret, URI, Action string
	Image                     template.URL
}

func (s *Server) authenticatorScanPage(w http.ResponseWriter, r *http.Request, p *web.Page, si *signedIn, status int) error {
	en, err := s.totp.Pending(r.Context(), si.user.ID, si.user.Email, r.PathValue("id"))
	if errors.Is(err, totp.ErrNotFound) {
		return redirect("/account/authenticators")
	}
	if err != nil {
		return err
	}
	img, err := qrImage(en.URI)
	if err != nil {
		return err
	}
	p.Data = &authenticatorScanData{Name: en.Name, Secret: en.Secret, URI: en.URI, Action: authenticatorScanPath(en.ID), Image: img}
	s.render.Render(w, status, "authenticator_scan", p)
	return nil
}

// authenticatorScan shows the QR code and the key of the app being added.
func (s *Server) authenticatorScan(w http.ResponseWriter, r *http.Request, si *signedIn) error {
	return s.authenticatorScanPage(w, r, s.page(r, "authenticator_scan.title"), si, http.StatusOK)
}

// authenticatorConfirm ends the enrolment with the app's first code. The
// session keeps its strength (a factor added in a session never raises
// it).
func (s *Server) authenticatorConfirm(w http.ResponseWriter, r *http.Request, si *signedIn) error {
	if err := parseForm(r); err != nil {
		return err
	}
	p := s.page(r, "authenticator_scan.title")
	code := r.PostForm.Get("code")
	if len(code) > 64 {
		code = ""
	}
	c, err := s.totp.Confirm(r.Context(), si.user.ID, r.PathValue("id"), code)
	switch {
	case errors.Is(err, totp.ErrNotFound):
		return redirect("/account/authenticators")
	case errors.Is(err, totp.ErrWrongCode):
		key := "authenticator_scan.wrong"
		if totp.Normalize(code) == "" {
			key = "login_totp.empty"
		}
		p.Form.Add("code", p.L.T(key))
		return s.authenticatorScanPage(w, r, p, si, http.StatusBadRequest)
	case err != nil:
		return err
	}
	s.audit(r, si.user.ID, audit.TOTPAdded, c.Name)
	s.sendMail(r.Context(), recipient(si.user), notify.TOTPAdded, map[string]any{"device": c.Name, "time": s.now()})
	return redirect("/account/authenticators?done=added")
}

// ownAuthenticator returns the confirmed app {id} of the account, or
// errNotFound.
func (s *Server) ownAuthenticator(r *http.Request, si *signedIn) (*store.TOTPCredential, error) {
	c, err := s.db.TOTPByID(r.Context(), si.user.ID, r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) || err == nil && c.ConfirmedAt.IsZero() {
		return nil, errNotFound
	}
	return c, err
}

// authenticatorRemoveForm confirms the removal of an app.
func (s *Server) authenticatorRemoveForm(w http.ResponseWriter, r *http.Request, si *signedIn) error {
	c, err := s.ownAuthenticator(r, si)
	if err != nil {
		return err
	}
	if err := s.needsReauth(w, r, si, r.URL.Path); err != nil {
		return err
	}
	p := s.page(r, "authenticator_remove.title")
	p.Data = &deviceFormData{Name: c.Name, Action: r.URL.Path}
	s.render.Render(w, http.StatusOK, "authenticator_remove", p)
	return nil
}

// authenticatorRemove removes an app (applyChange).
func (s *Server) authenticatorRemove(w http.ResponseWriter, r *http.Request, si *signedIn) error {
	c, err := s.ownAuthenticator(r, si)
	if err != nil {
		return err
	}
	return s.removeFactor(w, r, si, factorChange{changeRemoveTOTP, c.ID}, "authenticator_remove.title", func(p *web.Page) {
		p.Data = &deviceFormData{Name: c.Name, Action: r.URL.Path}
		s.render.Render(w, http.StatusConflict, "authenticator_remove", p)
	})
}

// totpData is the data of the login step of an authenticator app.
type totpData struct {
	Lead, Restart, Lost string
	NoApp               bool // the account has none: choose another method
}

func (s *Server) totpPage(w http.ResponseWriter, r *http.Request, p *web.Page, f *authn.Flow, status int) error {
	p.Step = factorStep(p, f, 1)
	d := &totpData{Lead: p.L.T("login_totp.lead"), Restart: flowRestart(f)}
	switch {
	case f.Reauth:
		d.Lead, d.Lost = p.L.T("login_totp.lead_reauth"), lostURL(f.Next)
	case f.StepUp && f.Service != "":
		d.Lead = p.L.T("login_totp.lead_step_up", "service", s.serviceName(r, p.L, f.ServiceID))
	}
	// Shown only after the password (the flow is at this step), like the
	// pages of a number or a device the account does not have.
	if factor, ok := s.machine.Factor(authn.MethodTOTP); ok {
		has, err := factor.Enrolled(r.Context(), f.UserID, "")
		if err != nil {
			return err
		}
		if !has {
			d.NoApp = true
			if status == http.StatusOK {
				status = http.StatusConflict
			}
		}
	}
	p.Data = d
	s.render.Render(w, status, "login_totp", p)
	return nil
}

// totpForm asks the code of an authenticator app.
func (s *Server) totpForm(w http.ResponseWriter, r *http.Request) error {
	f, _, err := s.flowAt(w, r, authn.MethodTOTP)
	if err != nil {
		return err
	}
	return s.totpPage(w, r, s.page(r, "login_totp.title"), f, http.StatusOK)
}

// totpCheck checks it: wrong and replayed codes count against the login
// limits.
func (s *Server) totpCheck(w http.ResponseWriter, r *http.Request) error {
	return s.submitStep(w, r, authn.MethodTOTP, "login_totp.title", func(p *web.Page, f *authn.Flow, _ string, status int) error {
		return s.totpPage(w, r, p, f, status)
	})
}
