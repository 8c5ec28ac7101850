package idp

import (
	"encoding/json"
	"errors"
	"eulogin/internal/audit"
	"net/http"
	"time"

	"eulogin/internal/authn"
	"eulogin/internal/session"
	"eulogin/internal/store"
	"eulogin/internal/web"
)

const flowCookie = "eulogin_flow"

// flowTTL bounds how long the steps of one login may take.
const flowTTL = 30 * time.Minute

// loadFlow returns the login flow of the request, or nil.
func (s *Server) loadFlow(r *http.Request) (*authn.Flow, string, error) {
	token, ok := s.cookies.Get(r, flowCookie, 100)
	if !ok {
		return nil, "", nil
	}
	hash := session.Hash(token)
	data, err := s.db.Flow(r.Context(), hash, s.now())
	if errors.Is(err, store.ErrNotFound) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	var f authn.Flow
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, "", nil
	}
	return &f, hash, nil
}

// startFlow stores a new flow and gives its id to the browser.
func (s *Server) startFlow(w http.ResponseWriter, r *http.Request, f *authn.Flow) error {
	if old, ok := s.cookies.Get(r, flowCookie, 100); ok {
		s.db.DeleteFlow(r.Context(), session.Hash(old))
	}
	token, hash := session.NewToken()
	if err := s.saveFlow(r, hash, f); err != nil {
		return err
	}
	s.cookies.Set(w, flowCookie, token, flowTTL)
	return nil
}

func (s *Server) saveFlow(r *http.Request, hash string, f *authn.Flow) error {
	data, err := json.Marshal(f)
	if err != nil {
		return err
	}
	return s.db.PutFlow(r.Context(), hash, data, f.Started, f.Started.Add(flowTTL))
}

func (s *Server) endFlow(w http.ResponseWriter, r *http.Request, hash string) {
	s.db.DeleteFlow(r.Context(), hash)
	s.cookies.Delete(w, flowCookie)
}

// loginData is the data of the login pages.
type loginData struct {
	Email       string
	Next        string
	Methods     []methodOption
	Hidden      []hiddenField // the CAS parameters of a login for an application
	ServiceName string        // the application the login is for, translated
	Restart     string        // "Not you?": step 1 again, for the same application
}

type methodOption struct {
	ID, Label, Hint string
	Checked         bool
}

// loginForm is step 1: the e-mail address. With service=URL it is the CAS
// login of an application (casLogin).
func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Has("service") {
		s.casLogin(w, r)
		return
	}
	next := safeNext(r.URL.Query().Get("next"))
	if current(r) != nil {
		if next == "" {
			next = "/account"
		}
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	p := s.page(r, "login.title")
	p.Step = step(p, 1, 3)
	p.Data = &loginData{Next: next}
	s.render.Render(w, http.StatusOK, "login_email", p)
}

// loginIdentify takes the address and starts a flow. Known and unknown
// addresses go on alike.
func (s *Server) loginIdentify(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "login.title")
	p.Step = step(p, 1, 3)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, http.StatusBadRequest, "error.bad_request", nil)
		return
	}
	p.Form = web.NewForm(r.PostForm)
	next := safeNext(p.Form.Get("next"))
	var req *casRequest
	if r.PostForm.Has("service") {
		var ok bool
		if req, ok = s.readCASRequest(w, r, r.PostForm); !ok {
			return
		}
		next = ""
	}
	email := checkEmail(p, "email")
	if !p.Form.Valid() {
		p.Data = &loginData{Next: next}
		if req != nil {
			p.Data = &loginData{Hidden: req.hidden(), ServiceName: req.Service.DisplayName(p.L.Lang)}
		}
		s.render.Render(w, http.StatusBadRequest, "login_email", p)
		return
	}
	f := &authn.Flow{Email: email, Next: next, Started: s.now()}
	if req != nil {
		f.Service, f.ServiceID, f.Renew, f.AcceptStrengths = req.ServiceURL, req.Service.ID, req.Renew, req.AcceptStrengths
		if req.Post {
			f.ResponseMethod = http.MethodPost
		}
	}
	u, err := s.db.UserByEmail(r.Context(), email)
	switch {
	case err == nil:
		f.UserID = u.ID
	case !errors.Is(err, store.ErrNotFound):
		s.internal(w, r, err)
		return
	}
	if err := s.startFlow(w, r, f); err != nil {
		s.internal(w, r, err)
		return
	}
	http.Redirect(w, r, "/login/method", http.StatusSeeOther)
}

// requireFlow loads the flow or sends the user back to step 1.
func (s *Server) requireFlow(w http.ResponseWriter, r *http.Request) (*authn.Flow, string, bool) {
	f, hash, err := s.loadFlow(r)
	if err != nil {
		s.internal(w, r, err)
		return nil, "", false
	}
	if f == nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return nil, "", false
	}
	return f, hash, true
}

func (s *Server) methodPage(w http.ResponseWriter, r *http.Request, p *web.Page, f *authn.Flow, status int) {
	p.Step = step(p, 2, 3)
	chosen := p.Form.Get("method")
	if chosen == "" {
		chosen = f.Method
	}
	if chosen == "" {
		chosen = authn.Methods[0].ID
	}
	d := &loginData{Email: f.Email, Restart: flowRestart(f)}
	for _, m := range authn.Methods {
		d.Methods = append(d.Methods, methodOption{ID: m.ID, Label: p.L.T(m.LabelKey), Hint: p.L.T(m.HintKey), Checked: m.ID == chosen})
	}
	p.Data = d
	s.render.Render(w, status, "login_method", p)
}

// methodForm is step 2: the choice of verification method.
func (s *Server) methodForm(w http.ResponseWriter, r *http.Request) {
	f, _, ok := s.requireFlow(w, r)
	if !ok {
		return
	}
	s.methodPage(w, r, s.page(r, "login_method.title"), f, http.StatusOK)
}

func (s *Server) methodChoose(w http.ResponseWriter, r *http.Request) {
	f, hash, ok := s.requireFlow(w, r)
	if !ok {
		return
	}
	p := s.page(r, "login_method.title")
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, http.StatusBadRequest, "error.bad_request", nil)
		return
	}
	p.Form = web.NewForm(r.PostForm)
	m, found := authn.MethodByID(p.Form.Get("method"))
	if !found {
		p.Form.Add("method-"+authn.Methods[0].ID, p.L.T("login_method.choose"))
		s.methodPage(w, r, p, f, http.StatusBadRequest)
		return
	}
	f.Method = m.ID
	f.PasswordOK, f.PhoneID = false, ""
	f.AppRequestID, f.AppQRID, f.AppQRURI, f.AppDeviceID = "", "", "", ""
	if err := s.saveFlow(r, hash, f); err != nil {
		s.internal(w, r, err)
		return
	}
	http.Redirect(w, r, "/login/password", http.StatusSeeOther)
}

func (s *Server) passwordPage(w http.ResponseWriter, r *http.Request, p *web.Page, f *authn.Flow, status int) {
	p.Step = step(p, 3, 3)
	if f.Method == authn.MethodSMS || authn.IsApp(f.Method) {
		p.Step = step(p, 3, 4)
	}
	p.Data = &loginData{Email: f.Email, Restart: flowRestart(f)}
	s.render.Render(w, status, "login_password", p)
}

// passwordForm is step 3 for the method Password.
func (s *Server) passwordForm(w http.ResponseWriter, r *http.Request) {
	f, _, ok := s.requireFlow(w, r)
	if !ok {
		return
	}
	if f.Method == "" {
		http.Redirect(w, r, "/login/method", http.StatusSeeOther)
		return
	}
	s.passwordPage(w, r, s.page(r, "login_password.title"), f, http.StatusOK)
}

// passwordCheck verifies the password. Every failure (unknown address, no
// password yet, wrong password) looks the same and costs the same work; the
// account and the client address are throttled, and a lockout is shown with
// the time it ends, audited, and e-mailed to the owner.
func (s *Server) passwordCheck(w http.ResponseWriter, r *http.Request) {
	f, hash, ok := s.requireFlow(w, r)
	if !ok {
		return
	}
	p := s.page(r, "login_password.title")
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, http.StatusBadRequest, "error.bad_request", nil)
		return
	}
	p.Form = web.NewForm(r.PostForm)
	pw := p.Form.Raw("password")
	if pw == "" {
		p.Form.Add("password", p.L.T("password.empty"))
		s.passwordPage(w, r, p, f, http.StatusBadRequest)
		return
	}
	g, ok, err := s.guardAttempt(r, p, "password", f.UserID, f.Email)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if !ok {
		s.passwordPage(w, r, p, f, http.StatusTooManyRequests)
		return
	}

	var u *store.User
	if f.UserID != "" {
		u, err = s.db.UserByID(r.Context(), f.UserID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			s.internal(w, r, err)
			return
		}
	}
	// Known and unknown addresses cost the same argon2 work, within the
	// client's share of the hashing pool, and are refused alike when it is
	// used up.
	good, rehash := false, false
	hasher := s.hasher.For(s.clientIP(r))
	if u != nil && u.PasswordHash != "" && u.Email == f.Email {
		good, rehash, err = hasher.Verify(r.Context(), pw, u.PasswordHash)
	} else {
		err = hasher.VerifyDummy(r.Context(), pw)
		u = nil
	}
	if err != nil {
		s.guardCancel(r, g)
		s.internal(w, r, err)
		return
	}
	if !good {
		if until := s.guardFailed(r, g, u, audit.LoginFailure, ""); !until.IsZero() {
			p.Form.Add("password", p.L.T("login.locked", "time", p.L.Time(until)))
			s.passwordPage(w, r, p, f, http.StatusTooManyRequests)
			return
		}
		p.Form.Add("password", p.L.T("login.failed"))
		s.passwordPage(w, r, p, f, http.StatusUnauthorized)
		return
	}
	if rehash {
		if h, err := hasher.Hash(r.Context(), pw); err == nil {
			s.db.SetPasswordHash(r.Context(), u.ID, h, s.now(), false)
		}
	}
	if err := s.guardSucceeded(r, g); err != nil {
		s.internal(w, r, err)
		return
	}
	if next := s.afterPassword(r.Context(), f, u); next != "" {
		// The second-factor step comes next; only now may the page show
		// the account's numbers (masked) or devices.
		f.PasswordOK = true
		if err := s.saveFlow(r, hash, f); err != nil {
			s.internal(w, r, err)
			return
		}
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	sess, err := s.sessions.Start(r.Context(), w, r, session.Info{
		UserID: u.ID, Strength: string(authn.StrengthPassword), Factors: "PASSWORD", IP: s.clientIP(r), UserAgent: audit.Clean(r.UserAgent(), 300),
	})
	if err != nil {
		s.internal(w, r, err)
		return
	}
	s.sessionReplaced(r, current(r), sess)
	s.rememberBrowser(w, r, u.ID)
	s.audit(r, u.ID, audit.LoginSuccess, string(authn.StrengthPassword))
	s.endFlow(w, r, hash)
	if f.Service != "" {
		s.casAfterLogin(w, r, f, sess)
		return
	}
	next := f.Next
	if next == "" {
		next = "/account"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// logout (POST /logout, the button of My Account) ends the SSO session and
// sends single logout to the applications it entered that asked for it.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if err := s.endSession(w, r); err != nil {
		s.internal(w, r, err)
		return
	}
	http.Redirect(w, r, "/logged-out", http.StatusSeeOther)
}

func (s *Server) loggedOut(w http.ResponseWriter, r *http.Request) {
	s.render.Render(w, http.StatusOK, "logged_out", s.page(r, "logged_out.title"))
}
