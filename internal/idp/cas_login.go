package idp

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"eulogin/internal/audit"
	"eulogin/internal/authn"
	"eulogin/internal/cas"
	"eulogin/internal/store"
)

// casRequest is what an application asked of /login: the CAS parameters
// service, renew, gateway and method, and EU Login's acceptStrengths.
type casRequest struct {
	Service         *cas.Service
	ServiceURL      string
	Renew           bool
	Gateway         bool
	Post            bool     // method=POST: the ticket goes back in an auto-submitted form
	AcceptStrengths []string // empty: the service's own list
}

// hiddenField is a hidden input of a form.
type hiddenField struct{ Name, Value string }

// isSet reads a boolean CAS parameter such as renew: set unless absent,
// "false" or "0".
func isSet(v url.Values, name string) bool {
	if !v.Has(name) {
		return false
	}
	s := strings.ToLower(strings.TrimSpace(v.Get(name)))
	return s != "false" && s != "0"
}

// readCASRequest reads the CAS parameters of v (the query of /login, or the
// hidden fields of our forms, which carry the same names). A service that is
// not registered gets a page saying so (errUnknownService), never a
// redirect.
func (s *Server) readCASRequest(r *http.Request, v url.Values) (*casRequest, error) {
	serviceURL := v.Get("service")
	svc, err := s.cas.Lookup(r.Context(), serviceURL)
	if errors.Is(err, cas.ErrUnknownService) {
		s.log.Info("login for an unregistered service", "service", audit.Clean(serviceURL, 200))
		return nil, errUnknownService
	}
	if err != nil {
		return nil, err
	}
	req := &casRequest{
		Service: svc, ServiceURL: serviceURL, Renew: isSet(v, "renew"), Gateway: isSet(v, "gateway"),
		AcceptStrengths: cas.ParseStrengths(v.Get("acceptStrengths")),
	}
	switch strings.ToUpper(v.Get("method")) {
	case "", "GET":
	case "POST":
		req.Post = true
	default:
		// The protocol's HEADER method is optional; we do not offer it.
		return nil, errBadRequest
	}
	if req.Renew {
		// The protocol recommends ignoring gateway when renew is set.
		req.Gateway = false
	}
	return req, nil
}

// target is the flow of a login for the request: where it ends.
func (c *casRequest) target() authn.Flow {
	f := authn.Flow{Service: c.ServiceURL, ServiceID: c.Service.ID, Renew: c.Renew, AcceptStrengths: c.AcceptStrengths}
	if c.Post {
		f.ResponseMethod = http.MethodPost
	}
	return f
}

// params returns the request as form or query values, as /login takes them.
func (c *casRequest) params() url.Values {
	v := url.Values{"service": {c.ServiceURL}}
	if c.Renew {
		v.Set("renew", "true")
	}
	if c.Gateway {
		v.Set("gateway", "true")
	}
	if c.Post {
		v.Set("method", "POST")
	}
	if len(c.AcceptStrengths) > 0 {
		v.Set("acceptStrengths", strings.Join(c.AcceptStrengths, ","))
	}
	return v
}

// hidden returns the request as the hidden fields of a form.
func (c *casRequest) hidden() []hiddenField {
	if c == nil {
		return nil
	}
	var out []hiddenField
	for _, k := range []string{"service", "renew", "gateway", "method", "acceptStrengths"} {
		if v := c.params().Get(k); v != "" {
			out = append(out, hiddenField{k, v})
		}
	}
	return out
}

// loginURL is /login with the request's parameters.
func (c *casRequest) loginURL() string { return "/login?" + c.params().Encode() }

// accepts reports whether an authentication of strength is enough for the
// request: acceptStrengths when the application sent it, else the
// strengths of its registry entry, else anything. (An application that asks
// for less than its registry entry gets its ticket, and then
// INVALID_STRENGTH at validation: the registry has the last word.)
func (c *casRequest) accepts(strength string) bool {
	if len(c.AcceptStrengths) > 0 {
		return cas.Accepts(c.AcceptStrengths, strength)
	}
	return c.Service.AcceptsStrength(strength)
}

// casLogin is GET /login?service=...: the credential requestor of the CAS
// protocol.
//
//   - renew: credentials are asked again, the e-mail address of the session
//     pre-filled; the ticket says renew and not SSO.
//   - a session, no renew: single sign-on (casSSO).
//   - no session and gateway: back to the service without a ticket.
//   - no session: the login steps, which end at the service (casAfterLogin).
func (s *Server) casLogin(w http.ResponseWriter, r *http.Request) error {
	req, err := s.readCASRequest(r, r.URL.Query())
	if err != nil {
		return err
	}
	si := current(r)
	switch {
	case req.Renew:
		email := ""
		if si != nil {
			email = si.user.Email
		}
		s.casLoginPage(w, r, req, email)
	case si != nil:
		return s.casSSO(w, r, si, req, false)
	case req.Gateway:
		noStore(w)
		return redirect(req.ServiceURL)
	default:
		s.casLoginPage(w, r, req, "")
	}
	return nil
}

// casLoginPage is step 1 of the login for an application.
func (s *Server) casLoginPage(w http.ResponseWriter, r *http.Request, req *casRequest, email string) {
	p := s.page(r, "login.title")
	p.Step = step(p, 1, loginSteps)
	if email != "" {
		p.Form.Values.Set("email", email)
	}
	p.Data = &loginData{Hidden: req.hidden(), ServiceName: req.Service.DisplayName(p.L.Lang)}
	s.render.Render(w, http.StatusOK, "login_email", p)
}

// casData is the data of the pages between the login and the application.
type casData struct {
	ServiceName  string
	Hidden       []hiddenField
	CancelURL    string
	Action       string // the service URL the ticket form posts to
	Ticket       string
	AddPhoneURL  string // step-up for an account without a number: add one first
	AddDeviceURL string // step-up for an account without an app device: add one first
}

// casSSO gives a signed-in user's identity to an application without asking
// for credentials: when the session's strength is enough, after the warning
// page if the account asks for it (confirmed is true once the user has
// said Continue there).
func (s *Server) casSSO(w http.ResponseWriter, r *http.Request, si *signedIn, req *casRequest, confirmed bool) error {
	if !req.accepts(si.sess.Strength) {
		if req.Gateway {
			// gateway forbids asking anything: the application learns that
			// no (good enough) session exists.
			noStore(w)
			return redirect(req.ServiceURL)
		}
		return s.stepUp(w, r, req, si.sess)
	}
	if si.user.WarnSSO && !confirmed {
		p := s.page(r, "login.warn_title")
		name := req.Service.DisplayName(p.L.Lang)
		cancel := "/account"
		if req.Gateway {
			cancel = req.ServiceURL
		}
		p.Data = &casData{ServiceName: name, Hidden: req.hidden(), CancelURL: cancel}
		s.render.Render(w, http.StatusOK, "login_warn", p)
		return nil
	}
	ticket, err := s.cas.IssueServiceTicket(r.Context(), req.Service, req.ServiceURL, cas.Authn{
		UserID: si.user.ID, SessionHash: si.sess.Hash, Strength: si.sess.Strength, Factors: si.sess.Factors,
		AuthAt: si.sess.AuthAt, SSO: true,
	})
	if err != nil {
		return err
	}
	s.log.Info("service ticket issued", "service", req.Service.ID, "user", si.user.ID, "sso", true)
	return s.toService(w, r, req, ticket)
}

// casContinue is the Continue button of the warning page.
func (s *Server) casContinue(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	req, err := s.readCASRequest(r, r.PostForm)
	if err != nil {
		return err
	}
	si := current(r)
	if si == nil {
		// The session ended meanwhile: start again at /login.
		return redirect(req.loginURL())
	}
	return s.casSSO(w, r, si, req, true)
}

// casAfterLogin ends a successful login that an application asked for: the
// ticket (not SSO) goes to the application, when the new session's strength
// is enough for it.
func (s *Server) casAfterLogin(w http.ResponseWriter, r *http.Request, f *authn.Flow, sess *store.Session) error {
	svc, err := s.cas.Service(r.Context(), f.ServiceID)
	if errors.Is(err, cas.ErrUnknownService) || err == nil && !svc.Matches(f.Service) {
		// Unregistered during the login.
		return errUnknownService
	}
	if err != nil {
		return err
	}
	req := &casRequest{
		Service: svc, ServiceURL: f.Service, Renew: f.Renew, Post: f.ResponseMethod == http.MethodPost,
		AcceptStrengths: f.AcceptStrengths,
	}
	if !req.accepts(sess.Strength) {
		return s.stepUp(w, r, req, sess)
	}
	ticket, err := s.cas.IssueServiceTicket(r.Context(), svc, f.Service, cas.Authn{
		UserID: sess.UserID, SessionHash: sess.Hash, Strength: sess.Strength, Factors: sess.Factors,
		AuthAt: sess.AuthAt, Renew: f.Renew,
	})
	if err != nil {
		return err
	}
	s.log.Info("service ticket issued", "service", svc.ID, "user", sess.UserID, "sso", false)
	return s.toService(w, r, req, ticket)
}

// stepUp is where a login goes when the application needs a stronger
// authentication than the session has: a flow that asks only the missing
// second factor (authn.Machine.StepUp; the session is then renewed with the
// stronger strength and the ticket issued). An account without such a
// factor is first led to add one, and comes back here. Otherwise the page
// says the application needs a method the account cannot use.
func (s *Server) stepUp(w http.ResponseWriter, r *http.Request, req *casRequest, sess *store.Session) error {
	p := s.page(r, "login.stronger_title")
	d := &casData{ServiceName: req.Service.DisplayName(p.L.Lang), CancelURL: "/account"}
	p.Data = d
	u, err := s.db.UserByID(r.Context(), sess.UserID)
	if err != nil {
		return err
	}
	accept := func(st authn.Strength) bool { return req.accepts(string(st)) }
	f, addable, err := s.machine.StepUp(r.Context(), u, sess.Hash, req.target(), accept)
	if err != nil {
		return err
	}
	if f != nil {
		if err := s.startFlow(w, r, f); err != nil {
			return err
		}
		return redirect(stepPath(f, authn.Step(f.Method)))
	}
	if len(addable) == 0 {
		s.log.Info("login refused: strength not accepted", "service", req.Service.ID, "strength", sess.Strength)
	}
	// The guide's order: add a second factor, then on to the application.
	for _, st := range addable {
		switch st {
		case authn.MethodSMS:
			d.AddPhoneURL = withNext("/account/phones/add", req.loginURL())
		case authn.MethodAppPIN:
			d.AddDeviceURL = withNext("/account/devices/add", req.loginURL())
		}
	}
	s.render.Render(w, http.StatusOK, "login_stronger", p)
	return nil
}

// toService sends the browser back to the application with the ticket: a
// redirect (303, so the browser GETs it), or with method=POST a page whose
// form posts the ticket (sent by a script, or by the Continue button
// without JavaScript).
func (s *Server) toService(w http.ResponseWriter, r *http.Request, req *casRequest, ticket string) error {
	noStore(w)
	if req.Post {
		p := s.page(r, "login.post_title")
		p.Data = &casData{ServiceName: req.Service.DisplayName(p.L.Lang), Action: req.ServiceURL, Ticket: ticket}
		s.render.Render(w, http.StatusOK, "login_post", p)
		return nil
	}
	return redirect(cas.WithTicket(req.ServiceURL, ticket))
}

// noStore keeps answers that carry a ticket out of every cache.
func noStore(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
}

// flowRestart returns the start of a login flow again, with its next page or
// its application, for the links of the login pages ("Not you?").
func flowRestart(f *authn.Flow) string {
	if f.Service == "" {
		if f.Next != "" {
			return "/login?next=" + url.QueryEscape(f.Next)
		}
		return "/login"
	}
	v := url.Values{"service": {f.Service}}
	if f.Renew {
		v.Set("renew", "true")
	}
	if f.ResponseMethod != "" {
		v.Set("method", f.ResponseMethod)
	}
	if len(f.AcceptStrengths) > 0 {
		v.Set("acceptStrengths", strings.Join(f.AcceptStrengths, ","))
	}
	return "/login?" + v.Encode()
}

// sessionReplaced keeps single logout right when a login replaces the
// browser's session: the same user's entered services and proxy-granting
// tickets move to the new session; another user's old session is logged
// out of its applications.
func (s *Server) sessionReplaced(r *http.Request, old *signedIn, sess *store.Session) {
	if old == nil || old.sess.Hash == sess.Hash {
		return
	}
	var err error
	if old.user.ID == sess.UserID {
		err = s.cas.MoveSession(r.Context(), old.sess.Hash, sess.Hash)
	} else {
		err = s.cas.Logout(r.Context(), old.sess.Hash)
	}
	if err != nil {
		s.log.Error("carry the applications of a replaced session", "err", err)
	}
}

// logoutGet is GET /logout[?service=URL], the CAS logout: it ends the
// session like POST /logout, then goes to service only when it is a URL of
// a registered service; otherwise it shows the logged-out page.
func (s *Server) logoutGet(w http.ResponseWriter, r *http.Request) error {
	if err := s.endSession(w, r); err != nil {
		return err
	}
	if service := r.URL.Query().Get("service"); service != "" {
		_, err := s.cas.Lookup(r.Context(), service)
		switch {
		case err == nil:
			noStore(w)
			return redirect(service)
		case !errors.Is(err, cas.ErrUnknownService):
			s.log.Error("logout: look up service", "err", err)
		}
	}
	p := s.page(r, "logged_out.title")
	p.SignedIn, p.Nav = false, nil
	s.render.Render(w, http.StatusOK, "logged_out", p)
	return nil
}

// endSession ends the SSO session of the request and logs it out of the
// applications it entered (single logout), then deletes it.
func (s *Server) endSession(w http.ResponseWriter, r *http.Request) error {
	if si := current(r); si != nil {
		s.audit(r, si.user.ID, audit.Logout, "")
		if err := s.cas.Logout(r.Context(), si.sess.Hash); err != nil {
			s.log.Error("single logout", "err", err)
		}
	}
	return s.sessions.End(r.Context(), w, r)
}
