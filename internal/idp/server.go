package idp

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"eulogin/internal/audit"
	"eulogin/internal/authn"
	"eulogin/internal/authn/mobileapp"
	"eulogin/internal/authn/password"
	"eulogin/internal/authn/recovery"
	smsauth "eulogin/internal/authn/sms"
	"eulogin/internal/authn/totp"
	"eulogin/internal/botcheck"
	"eulogin/internal/cas"
	"eulogin/internal/config"
	"eulogin/internal/i18n"
	"eulogin/internal/notify"
	"eulogin/internal/regulation"
	"eulogin/internal/session"
	"eulogin/internal/sms"
	"eulogin/internal/store"
	"eulogin/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

// Product is the name of the identity provider shown to users.
const Product = "EU Login"

// Deps are what the server is built from.
type Deps struct {
	Logger  *slog.Logger
	DB      *store.DB
	Bundle  *i18n.Bundle
	Mailer  *notify.Mailer
	Hasher  *password.Hasher
	BotKey  []byte           // HMAC key of the bot check, shared by replicas
	Now     func() time.Time // nil: time.Now
	Metrics *Metrics         // nil: a private registry

	// SMS sends the codes of "Mobile phone + SMS". nil: the dev outbox,
	// which only development mode accepts.
	SMS sms.Sender

	// CASClient makes the CAS server's outgoing calls: proxy callbacks
	// (which must verify the callback's certificate) and single logout.
	// nil: a default client.
	CASClient *http.Client

	// App is the server side of the EU Login Mobile App (methods "Mobile
	// App PIN code" and "QR code", My Account's devices, the /app/v1 API).
	App *mobileapp.Service
}

// Server is the identity provider.
type Server struct {
	cfg      config.Config
	log      *slog.Logger
	db       *store.DB
	bundle   *i18n.Bundle
	mailer   *notify.Mailer
	hasher   *password.Hasher
	policy   password.Policy
	bot      *botcheck.Checker
	reg      *regulation.Regulator
	sessions *session.Manager
	cas      *cas.Server
	sms      sms.Sender
	codes    *smsauth.Challenges
	app      *mobileapp.Service
	regions  []string // the countries whose mobile numbers are accepted; empty: all
	render   *web.Renderer
	cookies  web.Cookies
	proxies  []*net.IPNet
	metrics  *Metrics
	auditLog *audit.Log
	machine  *authn.Machine
	totp     *totp.Authenticators
	recovery *recovery.Codes
	now      func() time.Time
	handler  http.Handler
}

// NewServer builds the identity provider.
func NewServer(cfg config.Config, d Deps) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	now := d.Now
	if now == nil {
		now = time.Now
	}
	pages, err := fs.Sub(templates, "templates")
	if err != nil {
		return nil, err
	}
	r, err := web.NewRenderer(pages, d.Logger)
	if err != nil {
		return nil, err
	}
	proxies, _ := cfg.Proxies()
	regions, _ := cfg.SMSRegions()
	if d.App == nil {
		return nil, errors.New("idp: no mobile app service (Deps.App)")
	}
	sender := d.SMS
	if sender == nil {
		if !cfg.IsDev() {
			return nil, errors.New("idp: no SMS sender (the dev outbox is for development mode only)")
		}
		sender = &sms.Outbox{Store: d.DB, Now: now}
	}
	s := &Server{
		cfg: cfg, log: d.Logger, db: d.DB, bundle: d.Bundle, mailer: d.Mailer, hasher: d.Hasher,
		policy:   password.DefaultPolicy(),
		bot:      &botcheck.Checker{Key: d.BotKey, Difficulty: cfg.BotDifficulty, Now: now, Spender: d.DB},
		reg:      &regulation.Regulator{Store: d.DB, Now: now, Policy: cfg.Policy()},
		sessions: &session.Manager{Store: d.DB, Now: now, Idle: cfg.SessionIdle, Max: cfg.SessionMax, Secure: strings.HasPrefix(cfg.BaseURL, "https://")},
		render:   r, cookies: web.Cookies{Secure: strings.HasPrefix(cfg.BaseURL, "https://")}, proxies: proxies, now: now, metrics: d.Metrics,
		sms: sender, regions: regions, app: d.App,
		cas: &cas.Server{
			Store: d.DB, Logger: d.Logger, Now: now, Client: d.CASClient, TicketTTL: cfg.CASTicketTTL,
		},
	}
	s.codes = &smsauth.Challenges{
		Store: d.DB, Now: now,
		Limiter: &smsauth.Limiter{Regulator: s.reg},
	}
	if s.metrics == nil {
		s.metrics = NewMetrics(nil)
	}
	s.auditLog = &audit.Log{Store: d.DB, Logger: d.Logger, Now: now, Count: s.metrics.event}
	s.recovery = &recovery.Codes{Store: d.DB, Hasher: d.App.Keys, Now: now}
	s.totp = &totp.Authenticators{Store: d.DB, Sealer: d.App.Keys, Issuer: Product, Now: now}
	s.machine = &authn.Machine{Accounts: d.DB, Regulator: s.reg, Audit: s.auditLog, Mailer: mailer{s}, Now: now}
	// The factors of a login; the order of the second factors is the order
	// in which they are asked when the machine picks one.
	s.machine.Register(
		password.Factor{Hasher: d.Hasher, Store: d.DB, Logger: d.Logger, Now: now},
		smsauth.Factor{Challenges: s.codes, Phones: d.DB, Logger: d.Logger},
		mobileapp.PushFactor{Service: s.app},
		mobileapp.QRFactor{Service: s.app},
		totp.Factor{Apps: s.totp},
		recovery.Factor{Codes: s.recovery},
	)
	s.handler = s.routes()
	return s, nil
}

// CAS returns the CAS server of the identity provider (the service registry,
// tickets and single logout).
func (s *Server) CAS() *cas.Server { return s.cas }

// ServeHTTP serves the identity provider.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// lang returns the page language of r: lang, then the locale parameter
// that CAS applications send to /login, then the cookie and the browser's
// preferences.
func (s *Server) lang(r *http.Request) string {
	if r.URL.Query().Get("lang") == "" {
		if l := s.localeParam(r); l != "" {
			return l
		}
	}
	return s.bundle.FromRequest(r)
}

// localeParam returns the shipped language named by the locale parameter
// ("fr", "fr-BE", "fr_FR"), or "".
func (s *Server) localeParam(r *http.Request) string {
	l := strings.ToLower(strings.TrimSpace(r.URL.Query().Get("locale")))
	if i := strings.IndexAny(l, "-_"); i > 0 {
		l = l[:i]
	}
	if l == "" || !s.bundle.Has(l) {
		return ""
	}
	return l
}

// page returns the frame data of a page whose purpose is titleKey.
func (s *Server) page(r *http.Request, titleKey string) *web.Page {
	l := s.bundle.Localizer(s.lang(r))
	p := &web.Page{
		L: l, Service: Product, HomeURL: "/", Title: l.T(titleKey), Path: r.URL.Path, Query: r.URL.Query(),
		Languages: s.bundle.Available(), Form: web.NewForm(nil),
		Footer: []web.NavLink{
			{Label: l.T("frame.privacy"), URL: "/privacy"},
			{Label: l.T("frame.accessibility"), URL: "/accessibility"},
			{Label: l.T("frame.help"), URL: "/help"},
		},
	}
	p.Dev = s.cfg.IsDev()
	if sess, ok := r.Context().Value(sessionKey{}).(*signedIn); ok && sess != nil {
		p.SignedIn = true
		p.UserName = sess.user.FirstName + " " + sess.user.LastName
		p.Nav = []web.NavLink{{Label: l.T("frame.my_account"), URL: "/account"}}
	}
	return p
}

// step returns "Step n of m", or "" for a flow of a single page.
//
// The rule of the counters: each flow numbers its pages from its first to
// its last, each page once, and its total is the length of the path the
// user is on.
//   - A login: 1 the address, 2 the method, 3 the password, then the pages
//     of the second factor (factorPages): none for the password alone (3
//     steps), one for the mobile app or an authenticator app (4), two for
//     SMS, the number then the code (5). Steps 1 and 2 come before the
//     choice and count the 3 steps every login has; a method with a second
//     factor, chosen on step 2 where its hint says so, adds its pages, and
//     from step 3 the total no longer changes.
//   - A step-up for an application: the factor's pages alone (SMS: 1 and 2
//     of 2; a single page shows no counter).
//   - A re-authentication before a change shows none: it guards the change,
//     whose own flow (adding a phone, adding a device: 1 and 2 of 2) counts
//     its pages.
//   - A recovery code stands in for the factor's last page and takes its
//     number.
func step(p *web.Page, n, m int) string {
	if m < 2 {
		return ""
	}
	return p.L.T("frame.step", "n", strconv.Itoa(n), "m", strconv.Itoa(m))
}

// loginSteps is the number of steps before the second factor of a login.
const loginSteps = 3

// factorPages is the number of pages of the second factor of method.
func factorPages(method string) int {
	switch method {
	case authn.MethodPassword, "":
		return 0
	case authn.MethodSMS:
		return 2
	}
	return 1
}

// factorStep returns the counter of page n (from 1) of the second factor of
// flow f, by the rule at step.
func factorStep(p *web.Page, f *authn.Flow, n int) string {
	if f.Reauth {
		return ""
	}
	m := factorPages(f.Method)
	if f.StepUp {
		return step(p, n, m)
	}
	return step(p, loginSteps+n, loginSteps+m)
}

// clientIP returns the address of the client: the connection's peer, or, when
// the peer is a trusted proxy, the right-most address of X-Forwarded-For that
// is not a trusted proxy.
func (s *Server) clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if !s.trusted(host) {
		return host
	}
	parts := strings.Split(r.Header.Get("X-Forwarded-For"), ",")
	for i := len(parts) - 1; i >= 0; i-- {
		p := strings.TrimSpace(parts[i])
		if net.ParseIP(p) == nil {
			break
		}
		if !s.trusted(p) {
			return p
		}
		host = p
	}
	return host
}

func (s *Server) trusted(ip string) bool {
	p := net.ParseIP(ip)
	if p == nil {
		return false
	}
	for _, n := range s.proxies {
		if n.Contains(p) {
			return true
		}
	}
	return false
}

// client returns what the audit log records of r: the client's address and
// its User-Agent.
func (s *Server) client(r *http.Request) audit.Request {
	return audit.Request{IP: s.clientIP(r), UserAgent: r.UserAgent()}
}

// audit records a security event of the account userID caused by r.
func (s *Server) audit(r *http.Request, userID string, kind audit.Kind, detail string) {
	s.auditLog.Record(r.Context(), s.client(r), userID, kind, detail)
}

// link returns an absolute URL of the IdP.
func (s *Server) link(path string) string {
	return strings.TrimSuffix(s.cfg.BaseURL, "/") + path
}

// errSend marks a failure of the mail sender.
var errSend = errors.New("e-mail not sent")

// recipient returns who an e-mail to u goes to.
func recipient(u *store.User) notify.Recipient {
	return notify.Recipient{Email: u.Email, Name: u.FirstName + " " + u.LastName, Lang: u.EmailLang}
}

// mailer sends the login machine's e-mails as sendMail does.
type mailer struct{ s *Server }

func (m mailer) Send(ctx context.Context, to notify.Recipient, kind notify.Kind, vars map[string]any) error {
	return m.s.sendMail(ctx, to, kind, vars)
}

// sendMail sends an e-mail, logging (not showing) a failure: the page the
// user sees must not differ between known and unknown addresses.
func (s *Server) sendMail(ctx context.Context, to notify.Recipient, kind notify.Kind, vars map[string]any) error {
	err := s.mailer.Send(ctx, to, kind, vars)
	if err != nil {
		s.log.Error("send mail", "kind", kind, "err", err)
		s.metrics.mailFailed.Inc()
		return fmt.Errorf("%w: %s: %w", errSend, kind, err)
	}
	s.metrics.mailSent.Inc()
	return nil
}
