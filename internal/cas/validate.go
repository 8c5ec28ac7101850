package cas

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"eulogin/internal/store"
)

// endpoint describes a validation endpoint.
type endpoint struct {
	version      int  // 1 (/validate), 2 or 3 (/p3/...)
	proxyTickets bool // accepts proxy tickets (/proxyValidate)
}

// flag reports whether a boolean parameter such as renew is set: present
// with any value but "false" or "0".
func flag(q url.Values, name string) bool {
	if !q.Has(name) {
		return false
	}
	v := strings.ToLower(strings.TrimSpace(q.Get(name)))
	return v != "false" && v != "0"
}

// Assurance levels of accounts (EU Login's).
var assuranceLevels = map[string]int{"LOW": 10, "MEDIUM": 20, "HIGH": 30, "TOP": 40}

// parseAssurance reads the assuranceLevel parameter: a name (LOW, MEDIUM,
// HIGH, TOP) or a number. "" is 0: no requirement.
func parseAssurance(s string) (int, bool) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if s == "" {
		return 0, true
	}
	if n, ok := assuranceLevels[s]; ok {
		return n, true
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 0 && n <= 1000
}

// validate serves the validation endpoints.
//
// Parameters: service and ticket (required), renew, pgtUrl (versions 2 and
// 3), format (XML or JSON; versions 2 and 3), and EU Login's assuranceLevel
// (the minimum assurance level of the account), userDetails and groups
// (accepted; every permitted attribute is always sent and there are no
// groups yet).
func (s *Server) validate(w http.ResponseWriter, r *http.Request, ep endpoint) {
	q := r.URL.Query()
	format := strings.ToUpper(q.Get("format"))
	if ep.version == 1 {
		ok, err := s.check(r.Context(), ep, q)
		if err != nil {
			s.logFailure(r, err)
			write(w, contentText, []byte("no\n\n"))
			return
		}
		write(w, contentText, []byte("yes\n"+ok.User+"\n"))
		return
	}
	if format != "" && format != "XML" && format != "JSON" {
		s.answer(w, "XML", ep.version, nil, &Failure{CodeInvalidRequest, "format must be XML or JSON"})
		return
	}
	ok, err := s.check(r.Context(), ep, q)
	var f *Failure
	if err != nil {
		s.logFailure(r, err)
		if !errors.As(err, &f) {
			f = &Failure{CodeInternalError, "An internal error occurred during ticket validation"}
		}
	}
	s.answer(w, format, ep.version, ok, f)
}

func (s *Server) logFailure(r *http.Request, err error) {
	var f *Failure
	if errors.As(err, &f) {
		s.log().Info("cas validation failed", "path", r.URL.Path, "code", f.Code, "reason", f.Message)
		return
	}
	s.log().Error("cas validation", "path", r.URL.Path, "err", err)
}

// answer writes a validation answer in format (XML or JSON).
func (s *Server) answer(w http.ResponseWriter, format string, version int, ok *Success, f *Failure) {
	var body []byte
	var err error
	switch {
	case format == "JSON" && f != nil:
		body, err = FailureJSON(f, "authenticationFailure")
	case format == "JSON":
		body, err = SuccessJSON(ok)
	case f != nil:
		body, err = FailureXML(f, "authenticationFailure")
	default:
		body, err = SuccessXML(ok, version)
	}
	if err != nil {
		s.log().Error("cas answer", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if format == "JSON" {
		write(w, contentJSON, body)
		return
	}
	write(w, contentXML, body)
}

// check validates a ticket. A *Failure error is a protocol failure; any
// other error is internal.
func (s *Server) check(ctx context.Context, ep endpoint, q url.Values) (*Success, error) {
	service, ticket := q.Get("service"), q.Get("ticket")
	if service == "" || ticket == "" {
		return nil, &Failure{CodeInvalidRequest, "'service' and 'ticket' parameters are both required"}
	}
	renew := flag(q, "renew")
	level, ok := parseAssurance(q.Get("assuranceLevel"))
	if !ok {
		return nil, &Failure{CodeInvalidRequest, "assuranceLevel must be LOW, MEDIUM, HIGH, TOP or a number"}
	}
	if !wellFormed(ticket) {
		return nil, &Failure{CodeInvalidTicket, "Ticket not recognized"}
	}
	now := s.now()
	switch {
	case strings.HasPrefix(ticket, PrefixServiceTicket):
	case strings.HasPrefix(ticket, PrefixProxyTicket):
		if !ep.proxyTickets {
			// One validation attempt per ticket, even at the wrong endpoint.
			if _, err := s.Store.UseTicket(ctx, HashTicket(ticket), now); err != nil && !errors.Is(err, store.ErrNotFound) {
				return nil, err
			}
			return nil, &Failure{CodeInvalidTicketSpec, "Ticket " + ticket + " is a proxy ticket: it can only be validated at /proxyValidate or /p3/proxyValidate"}
		}
	case strings.HasPrefix(ticket, PrefixPGTIOU), strings.HasPrefix(ticket, PrefixPGT), strings.HasPrefix(ticket, "TGT-"):
		return nil, &Failure{CodeInvalidTicketSpec, "Ticket " + ticket + " is not a service or proxy ticket"}
	default:
		return nil, &Failure{CodeInvalidTicket, "Ticket " + ticket + " not recognized"}
	}

	hash := HashTicket(ticket)
	t, err := s.Store.UseTicket(ctx, hash, now)
	if errors.Is(err, store.ErrNotFound) {
		return nil, &Failure{CodeInvalidTicket, "Ticket " + ticket + " not recognized (unknown, or already validated)"}
	}
	if err != nil {
		return nil, err
	}
	if !now.Before(t.ExpiresAt) {
		return nil, &Failure{CodeInvalidTicket, "Ticket " + ticket + " has expired"}
	}
	if !SameService(service, t.ServiceURL) {
		return nil, &Failure{CodeInvalidService, "Ticket " + ticket + " was not issued for this service; it is no longer valid"}
	}
	if renew && (t.SSO || t.Kind == store.TicketProxy) {
		return nil, &Failure{CodeInvalidTicket, "Ticket " + ticket + " did not come from an initial login and renew was set"}
	}
	svc, err := s.Service(ctx, t.ServiceID)
	if errors.Is(err, ErrUnknownService) {
		return nil, &Failure{CodeInvalidService, "The service of ticket " + ticket + " is no longer registered"}
	}
	if err != nil {
		return nil, err
	}
	var parent *store.Ticket
	if t.Kind == store.TicketProxy {
		parent, err = s.liveGranter(ctx, t.PGTHash, now)
		if err != nil {
			return nil, err
		}
		if parent == nil {
			return nil, &Failure{CodeInvalidTicket, "Ticket " + ticket + ": the proxy-granting ticket it came from has ended"}
		}
	}
	if !svc.AcceptsStrength(t.Strength) {
		return nil, &Failure{CodeInvalidStrength, fmt.Sprintf("The authentication strength %s is not accepted by this service (it accepts %s)", t.Strength, strings.Join(svc.Strengths, ", "))}
	}
	u, err := s.Store.UserByID(ctx, t.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, &Failure{CodeInvalidTicket, "Ticket " + ticket + ": the account no longer exists"}
	}
	if err != nil {
		return nil, err
	}
	// EU Login's assuranceLevel has no code of its own in the protocol: a
	// ticket that cannot satisfy the request is, like renew on an SSO
	// ticket, an INVALID_TICKET.
	if u.AssuranceLevel < level {
		return nil, &Failure{CodeInvalidTicket, fmt.Sprintf("The assurance level of the account (%d) is lower than the level required (%d)", u.AssuranceLevel, level)}
	}

	res := &Success{User: u.ID, Attributes: attributes(svc, u, t), Standard: standard(t), Proxies: t.Proxies}
	if pgtURL := q.Get("pgtUrl"); pgtURL != "" && ep.version >= 2 {
		if !svc.Proxy {
			return nil, &Failure{CodeUnauthorizedServiceProxy, "This service is not allowed to obtain proxy-granting tickets"}
		}
		cb, err := s.proxyCallbackService(ctx, pgtURL)
		if err != nil {
			return nil, err
		}
		res.PGTIOU = s.grantPGT(ctx, t, parent, cb, pgtURL, now)
	}
	if t.Kind == store.TicketService && t.SessionHash != "" {
		// The ticket is spent: keeping it is harmless, and single logout
		// names it to the service.
		if err := s.Store.SetSessionServiceTicket(ctx, hash, ticket); err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	return res, nil
}

// liveGranter returns the proxy-granting ticket hash if it is unexpired and
// its SSO session still exists, else nil.
func (s *Server) liveGranter(ctx context.Context, hash string, now time.Time) (*store.Ticket, error) {
	if hash == "" {
		return nil, nil
	}
	p, err := s.Store.TicketByHash(ctx, hash)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if p.Kind != store.TicketProxyGranter || !now.Before(p.ExpiresAt) {
		return nil, nil
	}
	if p.SessionHash != "" {
		sess, err := s.Store.SessionByHash(ctx, p.SessionHash)
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		if !now.Before(sess.ExpiresAt) {
			return nil, nil
		}
	}
	return p, nil
}

// proxyCallbackService checks a pgtUrl: https, and a URL of a registered
// service allowed to proxy.
func (s *Server) proxyCallbackService(ctx context.Context, pgtURL string) (*Service, error) {
	u, err := parseServiceURL(pgtURL)
	if err != nil || u.scheme != "https" {
		return nil, &Failure{CodeInvalidProxyCallback, "The proxy callback must be an https URL"}
	}
	reg, err := s.Registry(ctx)
	if err != nil {
		return nil, err
	}
	cb, found := reg.Match(pgtURL)
	if !found || !cb.Proxy {
		return nil, &Failure{CodeInvalidProxyCallback, "The proxy callback is not a URL of a service allowed to proxy"}
	}
	return cb, nil
}

// grantPGT creates a proxy-granting ticket for the authentication behind t
// and hands it to the callback pgtURL. It returns the PGTIOU, or "" when no
// PGT was granted (the session has ended, or the callback failed: the
// validation still succeeds, without <cas:proxyGrantingTicket>).
func (s *Server) grantPGT(ctx context.Context, t, parent *store.Ticket, cb *Service, pgtURL string, now time.Time) string {
	sessionHash, expires := t.SessionHash, now.Add(s.pgtTTL())
	if parent != nil {
		sessionHash, expires = parent.SessionHash, parent.ExpiresAt
	} else if sessionHash != "" {
		sess, err := s.Store.SessionByHash(ctx, sessionHash)
		if err != nil {
			// Logged out (or a database error): no PGT.
			s.log().Info("cas: no proxy-granting ticket: the session has ended", "err", err)
			return ""
		}
		expires = sess.ExpiresAt
	}
	if !now.Before(expires) {
		return ""
	}
	pgt, iou := NewTicket(PrefixPGT), NewTicket(PrefixPGTIOU)
	row := &store.Ticket{
		Hash: HashTicket(pgt), Kind: store.TicketProxyGranter, ServiceURL: pgtURL, ServiceID: cb.ID,
		UserID: t.UserID, SessionHash: sessionHash, Strength: t.Strength, Factors: t.Factors, AuthAt: t.AuthAt,
		CreatedAt: now, ExpiresAt: expires, Renew: t.Renew, SSO: t.SSO,
		Proxies: append([]string{pgtURL}, t.Proxies...), PGTHash: t.PGTHash,
	}
	if err := s.Store.CreateTicket(ctx, row, nil); err != nil {
		s.log().Error("cas: store proxy-granting ticket", "err", err)
		return ""
	}
	if err := s.callback(ctx, pgtURL, iou, pgt); err != nil {
		s.log().Warn("cas: proxy callback failed; no proxy-granting ticket", "service", cb.ID, "err", err)
		if err := s.Store.DeleteTicket(context.WithoutCancel(ctx), row.Hash); err != nil {
			s.log().Error("cas: delete proxy-granting ticket", "err", err)
		}
		return ""
	}
	return iou
}

// callback calls pgtURL with the PGTIOU and the PGT and wants 200.
func (s *Server) callback(ctx context.Context, pgtURL, iou, pgt string) error {
	ctx, cancel := context.WithTimeout(ctx, s.callTimeout())
	defer cancel()
	target := withParams(pgtURL, "pgtIou="+url.QueryEscape(iou)+"&pgtId="+url.QueryEscape(pgt))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return err
	}
	req.Header.Set("User-Agent", "eulogin CAS server")
	resp, err := s.client().Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("callback answered %d", resp.StatusCode)
	}
	return nil
}

// proxy serves /proxy: pgt and targetService give a proxy ticket.
func (s *Server) proxy(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	format := strings.ToUpper(q.Get("format"))
	if format != "JSON" {
		format = "XML"
	}
	pt, err := s.proxyTicket(r.Context(), q)
	if err != nil {
		var f *Failure
		if !errors.As(err, &f) {
			s.log().Error("cas proxy", "err", err)
			f = &Failure{CodeInternalError, "An internal error occurred while issuing a proxy ticket"}
		} else {
			s.log().Info("cas proxy refused", "code", f.Code, "reason", f.Message)
		}
		var body []byte
		if format == "JSON" {
			body, err = FailureJSON(f, "proxyFailure")
		} else {
			body, err = FailureXML(f, "proxyFailure")
		}
		s.writeBody(w, format, body, err)
		return
	}
	var body []byte
	if format == "JSON" {
		body, err = ProxySuccessJSON(pt)
	} else {
		body, err = ProxySuccessXML(pt)
	}
	s.writeBody(w, format, body, err)
}

func (s *Server) writeBody(w http.ResponseWriter, format string, body []byte, err error) {
	if err != nil {
		s.log().Error("cas answer", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if format == "JSON" {
		write(w, contentJSON, body)
		return
	}
	write(w, contentXML, body)
}

func (s *Server) proxyTicket(ctx context.Context, q url.Values) (string, error) {
	pgt, target := q.Get("pgt"), q.Get("targetService")
	if pgt == "" || target == "" {
		return "", &Failure{CodeInvalidRequest, "'pgt' and 'targetService' parameters are both required"}
	}
	if !wellFormed(pgt) || !strings.HasPrefix(pgt, PrefixPGT) || strings.HasPrefix(pgt, PrefixPGTIOU) {
		return "", &Failure{CodeInvalidTicket, "Proxy-granting ticket not recognized"}
	}
	now := s.now()
	p, err := s.liveGranter(ctx, HashTicket(pgt), now)
	if err != nil {
		return "", err
	}
	if p == nil {
		return "", &Failure{CodeInvalidTicket, "Proxy-granting ticket " + pgt + " not recognized, expired, or its session has ended"}
	}
	reg, err := s.Registry(ctx)
	if err != nil {
		return "", err
	}
	svc, found := reg.Match(target)
	if !found {
		return "", &Failure{CodeUnauthorizedService, "The target service is not registered"}
	}
	pt := NewTicket(PrefixProxyTicket)
	row := &store.Ticket{
		Hash: HashTicket(pt), Kind: store.TicketProxy, ServiceURL: target, ServiceID: svc.ID,
		UserID: p.UserID, Strength: p.Strength, Factors: p.Factors, AuthAt: p.AuthAt,
		CreatedAt: now, ExpiresAt: now.Add(s.ticketTTL()), Renew: p.Renew, SSO: p.SSO,
		Proxies: p.Proxies, PGTHash: p.Hash,
	}
	if err := s.Store.CreateTicket(ctx, row, nil); err != nil {
		return "", err
	}
	return pt, nil
}

// attributes returns EU Login's attributes of u for svc (only those it may
// receive).
func attributes(svc *Service, u *store.User, t *store.Ticket) []Attribute {
	ticketType := "SERVICE"
	if t.Kind == store.TicketProxy {
		ticketType = "PROXY"
	}
	var factors []string
	for _, f := range strings.Split(t.Factors, ",") {
		if f = strings.TrimSpace(f); f != "" {
			factors = append(factors, f)
		}
	}
	values := map[string][]string{
		"email":                 {u.Email},
		"firstName":             {u.FirstName},
		"lastName":              {u.LastName},
		"domain":                {"external"},
		"locale":                {u.EmailLang},
		"assuranceLevel":        {strconv.Itoa(u.AssuranceLevel)},
		"uid":                   {u.ID},
		"strength":              {t.Strength},
		"authenticationFactors": factors,
		"loginDate":             {t.AuthAt.UTC().Format(time.RFC3339)},
		"sso":                   {strconv.FormatBool(t.SSO)},
		"ticketType":            {ticketType},
	}
	var out []Attribute
	for _, name := range Attributes {
		if svc.Releases(name) && len(values[name]) > 0 {
			out = append(out, Attribute{Name: name, Values: values[name]})
		}
	}
	return out
}

// standard returns the attributes CAS 3.0 defines.
func standard(t *store.Ticket) []Attribute {
	return []Attribute{
		{"authenticationDate", []string{t.AuthAt.UTC().Format(time.RFC3339)}},
		{"longTermAuthenticationRequestTokenUsed", []string{"false"}},
		{"isFromNewLogin", []string{strconv.FormatBool(!t.SSO && t.Kind == store.TicketService)}},
	}
}
