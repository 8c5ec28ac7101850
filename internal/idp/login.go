package idp

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"eulogin/internal/audit"
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
func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) error {
	if r.URL.Query().Has("service") {
		return s.casLogin(w, r)
	}
	next := safeNext(r.URL.Query().Get("next"))
	if current(r) != nil {
		if next == "" {
			next = "/account"
		}
		return redirect(next)
	}
	p := s.page(r, "login.title")
	p.Step = step(p, 1, loginSteps)
	p.Data = &loginData{Next: next}
	s.render.Render(w, http.StatusOK, "login_email", p)
	return nil
}

// loginIdentify takes the address and starts a flow. Known and unknown
// addresses go on alike.
func (s *Server) loginIdentify(w http.ResponseWriter, r *http.Request) error {
	p := s.page(r, "login.title")
	p.Step = step(p, 1, loginSteps)
	if err := parseForm(r); err != nil {
		return err
	}
	p.Form = web.NewForm(r.PostForm)
	target := authn.Flow{Next: safeNext(p.Form.Get("next"))}
	var req *casRequest
	if r.PostForm.Has("service") {
		var err error
		if req, err = s.readCASRequest(r, r.PostForm); err != nil {
			return err
		}
		target = req.target()
	}
	email := checkEmail(p, "email")
	if !p.Form.Valid() {
		p.Data = &loginData{Next: target.Next}
		if req != nil {
			p.Data = &loginData{Hidden: req.hidden(), ServiceName: req.Service.DisplayName(p.L.Lang)}
		}
		s.render.Render(w, http.StatusBadRequest, "login_email", p)
		return nil
	}
	f, err := s.machine.Identify(r.Context(), email, target)
	if err != nil {
		return err
	}
	if err := s.startFlow(w, r, f); err != nil {
		return err
	}
	return redirect("/login/method")
}

// stepPaths are the pages of the steps of a flow.
var stepPaths = map[authn.Step]string{
	authn.StepMethod:     "/login/method",
	authn.MethodPassword: "/login/password",
	authn.MethodSMS:      "/login/sms",
	authn.MethodAppPIN:   "/login/app",
	authn.MethodAppQR:    "/login/app/qr",
	authn.MethodTOTP:     "/login/totp",
	authn.MethodRecovery: "/login/recovery",
}

// stepPath returns the page of step of flow f.
func stepPath(f *authn.Flow, st authn.Step) string {
	if p, ok := stepPaths[st]; ok {
		return p
	}
	return flowRestart(f)
}

// requireFlow loads the flow, or sends the user back to step 1.
func (s *Server) requireFlow(r *http.Request) (*authn.Flow, string, error) {
	f, hash, err := s.loadFlow(r)
	if err != nil {
		return nil, "", err
	}
	if f == nil {
		return nil, "", redirect("/login")
	}
	return f, hash, nil
}

// flowAt loads the flow of a step that checks factor id: the flow must be
// at it (authn.Machine.Expects). A step-up or a re-authentication whose
// session is no longer the browser's ends, and starts again.
func (s *Server) flowAt(w http.ResponseWriter, r *http.Request, id authn.Step) (*authn.Flow, string, error) {
	f, hash, err := s.requireFlow(r)
	if err != nil {
		return nil, "", err
	}
	if f.StepUp {
		si := current(r)
		if si == nil || si.user.ID != f.UserID || si.sess.Hash != f.SessionHash {
			s.endFlow(w, r, hash)
			return nil, "", redirect(flowRestart(f))
		}
	}
	if back := s.machine.Expects(f, id); back != "" {
		return nil, "", redirect(stepPath(f, back))
	}
	return f, hash, nil
}

// showFailure puts a failure of the login machine on its field of p (or,
// with no field, returns it as the page's message) and returns the status
// of the answer.
func showFailure(p *web.Page, fl *authn.Failure) (status int, message string) {
	args := fl.Args
	if !fl.Until.IsZero() {
		args = append(slices.Clip(args), "time", p.L.Time(fl.Until))
	}
	message = p.L.T(fl.Key, args...)
	if fl.Field != "" {
		p.Form.Add(fl.Field, message)
	}
	return failureStatus[fl.Code], message
}

// failureStatus is the HTTP status of each failure code.
var failureStatus = map[authn.Code]int{
	authn.Invalid:     http.StatusBadRequest,
	authn.WrongSecret: http.StatusUnauthorized,
	authn.Locked:      http.StatusTooManyRequests,
	authn.Gone:        http.StatusGone,
	authn.Denied:      http.StatusForbidden,
	authn.Unusable:    http.StatusConflict,
	authn.Pending:     http.StatusOK,
}

// client returns what the login machine knows of r's browser.
func (s *Server) loginClient(r *http.Request) authn.Client {
	c := authn.Client{IP: s.clientIP(r), UserAgent: r.UserAgent()}
	if token, ok := s.cookies.Get(r, browserCookie, 100); ok {
		c.Browser = session.Hash(token)
	}
	return c
}

// finish ends a flow at its outcome: the next step's page, or, when the
// login is done, a new session (new id) with the strength reached, then
// the application, the next page, or My Account. A re-authentication also
// allows one change of the account's second factors.
func (s *Server) finish(w http.ResponseWriter, r *http.Request, f *authn.Flow, hash string, out authn.Outcome) error {
	g := out.Grant
	if g == nil {
		if err := s.saveFlow(r, hash, f); err != nil {
			return err
		}
		return redirect(stepPath(f, out.Next))
	}
	old := current(r)
	sess, err := s.sessions.Start(r.Context(), w, r, session.Info{
		UserID: g.UserID, Strength: string(g.Strength), Factors: g.Factors,
		IP: s.clientIP(r), UserAgent: audit.Clean(r.UserAgent(), audit.MaxUserAgent),
	})
	if err != nil {
		return err
	}
	s.sessionReplaced(r, old, sess)
	s.rememberBrowser(w, r, g.UserID)
	recovered := g.Strength == authn.StrengthPasswordRecovery
	switch {
	case g.Reauth || recovered:
		// A recovery code also allows one change: the lost factor's
		// replacement.
		if err := s.grantReauth(r, sess, proofFactor); err != nil {
			return err
		}
	case g.Strength == authn.StrengthPassword:
		// The password just typed allows one change for an account that
		// has no second factor (its first one); it proves nothing for an
		// account that has one.
		if err := s.grantReauth(r, sess, proofPassword); err != nil {
			return err
		}
	}
	s.endFlow(w, r, hash)
	if recovered {
		return redirect("/account/recovery?used=1")
	}
	if f.Service != "" {
		return s.casAfterLogin(w, r, f, sess)
	}
	if f.Next != "" {
		return redirect(f.Next)
	}
	return redirect("/account")
}

func (s *Server) methodPage(w http.ResponseWriter, r *http.Request, p *web.Page, f *authn.Flow, status int) {
	p.Step = step(p, 2, loginSteps)
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
func (s *Server) methodForm(w http.ResponseWriter, r *http.Request) error {
	f, _, err := s.requireFlow(r)
	if err != nil {
		return err
	}
	s.methodPage(w, r, s.page(r, "login_method.title"), f, http.StatusOK)
	return nil
}

func (s *Server) methodChoose(w http.ResponseWriter, r *http.Request) error {
	f, hash, err := s.requireFlow(r)
	if err != nil {
		return err
	}
	p := s.page(r, "login_method.title")
	if err := parseForm(r); err != nil {
		return err
	}
	p.Form = web.NewForm(r.PostForm)
	out := s.machine.Choose(f, p.Form.Get("method"))
	if out.Failure != nil {
		status, _ := showFailure(p, out.Failure)
		s.methodPage(w, r, p, f, status)
		return nil
	}
	return s.finish(w, r, f, hash, out)
}

func (s *Server) passwordPage(w http.ResponseWriter, r *http.Request, p *web.Page, f *authn.Flow, status int) {
	p.Step = step(p, loginSteps, loginSteps+factorPages(f.Method))
	p.Data = &loginData{Email: f.Email, Restart: flowRestart(f)}
	s.render.Render(w, status, "login_password", p)
}

// passwordForm is step 3, the password.
func (s *Server) passwordForm(w http.ResponseWriter, r *http.Request) error {
	f, _, err := s.flowAt(w, r, authn.MethodPassword)
	if err != nil {
		return err
	}
	s.passwordPage(w, r, s.page(r, "login_password.title"), f, http.StatusOK)
	return nil
}

// passwordCheck checks the password: every failure (unknown address, no
// password yet, wrong password) looks the same and costs the same work.
func (s *Server) passwordCheck(w http.ResponseWriter, r *http.Request) error {
	return s.submitStep(w, r, authn.MethodPassword, "login_password.title", func(p *web.Page, f *authn.Flow, _ string, status int) error {
		s.passwordPage(w, r, p, f, status)
		return nil
	})
}

// submitStep is the POST of a step whose secret is typed in the factor's
// field: the machine checks it (authn.Machine.Submit: the account and the
// client address are throttled before the check); a failure shows the
// step's page again (page) with its message, the secret never shown again.
func (s *Server) submitStep(w http.ResponseWriter, r *http.Request, id authn.Step, title string, page func(p *web.Page, f *authn.Flow, hash string, status int) error) error {
	f, hash, err := s.flowAt(w, r, id)
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	factor, _ := s.machine.Factor(id)
	secret := r.PostForm.Get(factor.Field())
	if id != authn.MethodPassword {
		// A code: spaces around it are a slip of the finger, and a long
		// one is no code.
		if secret = strings.TrimSpace(secret); len(secret) > 64 {
			secret = ""
		}
	}
	out, err := s.machine.Submit(r.Context(), f, hash, s.loginClient(r), id, secret)
	if err != nil {
		return err
	}
	if out.Failure != nil {
		p := s.page(r, title)
		status, _ := showFailure(p, out.Failure)
		return page(p, f, hash, status)
	}
	return s.finish(w, r, f, hash, out)
}

// logout (POST /logout, the button of My Account) ends the SSO session and
// sends single logout to the applications it entered that asked for it.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if err := s.endSession(w, r); err != nil {
		return err
	}
	return redirect("/logged-out")
}

func (s *Server) loggedOut(w http.ResponseWriter, r *http.Request) error {
	s.render.Render(w, http.StatusOK, "logged_out", s.page(r, "logged_out.title"))
	return nil
}
