package eci

import (
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"eulogin/internal/audit"
	"eulogin/internal/eci/casclient"
	"eulogin/internal/eci/ecistore"
	"eulogin/internal/eci/rules"
	"eulogin/internal/i18n"
	"eulogin/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

//go:embed locales/*.json
var locales embed.FS

//go:embed static
var static embed.FS

// Default session timeouts (NIST SP 800-63B, AAL2: reauthenticate after 30
// minutes of inactivity and at least every 12 hours).
const (
	DefaultSessionIdle = 30 * time.Minute
	DefaultSessionMax  = 12 * time.Hour
)

// DefaultInvitationTTL is how long an invitation link works by default.
const DefaultInvitationTTL = 14 * 24 * time.Hour

// DefaultMaxGroup is the most members (joined or invited) a group of
// organisers may have on the portal by default. It is a technical limit
// against abuse (invitation e-mails sent in bulk, rows and pages without
// end), not a rule of the Regulation, which sets no maximum; fifty leaves
// room for groups far larger than the seven required, and a group that
// needs more asks the helpdesk, which can raise Config.MaxGroup.
const DefaultMaxGroup = 50

// LoadBundle reads the portal's own message catalogues (locales/*.json).
func LoadBundle() (*i18n.Bundle, error) { return i18n.LoadFS(locales, "locales") }

// CallbackURL returns the portal's CAS service URL: where the identity
// provider sends the browser back with a ticket, and where it POSTs
// single-logout messages.
func CallbackURL(baseURL string) string { return strings.TrimRight(baseURL, "/") + "/cas/callback" }

// ServiceURLPattern returns the pattern the identity provider's service
// registry needs for the portal: every URL under baseURL ("*" matches any
// rest), which covers the callback and the return after logout.
func ServiceURLPattern(baseURL string) string { return strings.TrimRight(baseURL, "/") + "/*" }

// ServiceAttributes returns the CAS attributes the portal reads, which the
// identity provider's registry entry for the portal must release. Without
// "strength" every login is refused: the portal checks the strength itself.
func ServiceAttributes() []string {
	return []string{"email", "firstName", "lastName", "locale", "strength", "loginDate"}
}

// Config holds the portal's settings.
type Config struct {
	// BaseURL is the portal's public URL, without a path, e.g.
	// http://127.0.0.1:8081. The service URL is derived from it.
	BaseURL string
	// IdPURL is the identity provider's base URL, used for the browser
	// redirects and the server-to-server validation.
	IdPURL string
	// AcceptStrengths lists the strengths accepted for a login (EU Login's
	// acceptStrengths), e.g. PASSWORD_SMS, PASSWORD_MOBILE_APP. At least one.
	AcceptStrengths []string
	// Dev is development mode: when PASSWORD is accepted, every page says
	// that password-only login is a development setting.
	Dev bool
	// SessionIdle and SessionMax are the session's idle timeout and absolute
	// lifetime; zero means DefaultSessionIdle and DefaultSessionMax.
	SessionIdle, SessionMax time.Duration
	// InvitationTTL is how long an invitation to a group of organisers
	// stays valid; zero means DefaultInvitationTTL.
	InvitationTTL time.Duration
	// MaxGroup is the most members a group may have, invitations
	// included: the portal's limit against abuse, not the Regulation's;
	// zero means DefaultMaxGroup. It cannot be below rules.MinMembers.
	MaxGroup int
	// Reviewers are e-mail addresses given the reviewer role by
	// configuration, besides those granted with "eulogin eci reviewer add".
	// A user has it when the e-mail address EU Login reports at their login
	// is one of them, compared without regard to case.
	Reviewers []string
}

// Deps are what the portal is built from.
type Deps struct {
	Logger *slog.Logger // nil: discard
	DB     *ecistore.DB // the portal's own database; required
	Bundle *i18n.Bundle // the portal's catalogues; nil: LoadBundle()
	// HTTPClient sends the CAS validations; nil: casclient's default (10 s
	// timeout, no redirects followed).
	HTTPClient *http.Client
	Now        func() time.Time // nil: time.Now
	// Mailer sends invitations and the group's notifications; nil: the
	// portal shows the invitation link for the representative to send.
	Mailer Mailer
}

// Server is the ECI organiser portal, an http.Handler.
type Server struct {
	cfg     Config
	log     *slog.Logger
	db      *ecistore.DB
	bundle  *i18n.Bundle
	cas     *casclient.Client
	render  *web.Renderer
	now     func() time.Time
	mailer  Mailer
	secure  bool // served over https: Secure cookies, HSTS
	cookies web.Cookies
	// auditLog writes the portal's security events to its database.
	auditLog *audit.Log
	handler  http.Handler
}

// NewServer checks cfg and builds the portal.
func NewServer(cfg Config, d Deps) (*Server, error) {
	if d.DB == nil {
		return nil, errors.New("eci: Deps.DB is required")
	}
	cfg, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if d.Bundle == nil {
		if d.Bundle, err = LoadBundle(); err != nil {
			return nil, err
		}
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	pages, err := fs.Sub(templates, "templates")
	if err != nil {
		return nil, err
	}
	r, err := web.NewRenderer(pages, d.Logger)
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg: cfg, log: d.Logger, db: d.DB, bundle: d.Bundle, render: r, now: d.Now, mailer: d.Mailer,
		cas:      &casclient.Client{BaseURL: cfg.IdPURL, HTTP: d.HTTPClient},
		secure:   strings.HasPrefix(cfg.BaseURL, "https://"),
		cookies:  web.Cookies{Secure: strings.HasPrefix(cfg.BaseURL, "https://")},
		auditLog: &audit.Log{Store: d.DB, Logger: d.Logger, Now: d.Now},
	}
	s.handler = s.routes()
	return s, nil
}

// normalize checks the configuration and fills the defaults.
func (c Config) normalize() (Config, error) {
	var errs []error
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	c.IdPURL = strings.TrimRight(c.IdPURL, "/")
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" || u.RawQuery != "" {
		errs = append(errs, fmt.Errorf("eci: the portal's base URL must be an absolute http(s) URL without a path, got %q", c.BaseURL))
	}
	if u, err := url.Parse(c.IdPURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		errs = append(errs, fmt.Errorf("eci: the identity provider's URL must be an absolute http(s) URL, got %q", c.IdPURL))
	}
	var strengths []string
	for _, st := range c.AcceptStrengths {
		st = strings.ToUpper(strings.TrimSpace(st))
		if st == "" || slices.Contains(strengths, st) {
			continue
		}
		if strings.Trim(st, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_") != "" {
			errs = append(errs, fmt.Errorf("eci: %q is not a strength name", st))
		}
		strengths = append(strengths, st)
	}
	if len(strengths) == 0 {
		errs = append(errs, errors.New("eci: at least one accepted strength is required"))
	}
	c.AcceptStrengths = strengths
	if c.SessionIdle == 0 {
		c.SessionIdle = DefaultSessionIdle
	}
	if c.SessionMax == 0 {
		c.SessionMax = DefaultSessionMax
	}
	if c.SessionIdle < time.Minute || c.SessionMax < c.SessionIdle {
		errs = append(errs, errors.New("eci: the session idle timeout must be at least 1m and the lifetime at least the idle timeout"))
	}
	if c.InvitationTTL == 0 {
		c.InvitationTTL = DefaultInvitationTTL
	}
	if c.InvitationTTL < time.Hour {
		errs = append(errs, errors.New("eci: invitations must stay valid at least one hour"))
	}
	if c.MaxGroup == 0 {
		c.MaxGroup = DefaultMaxGroup
	}
	if c.MaxGroup < rules.MinMembers {
		errs = append(errs, fmt.Errorf("eci: a group must be allowed at least %d members, got %d", rules.MinMembers, c.MaxGroup))
	}
	var reviewers []string
	for _, e := range c.Reviewers {
		e = strings.ToLower(strings.TrimSpace(e))
		if e == "" || slices.Contains(reviewers, e) {
			continue
		}
		if at := strings.IndexByte(e, '@'); at <= 0 || at == len(e)-1 || strings.ContainsAny(e, " ,;<>") {
			errs = append(errs, fmt.Errorf("eci: reviewer %q is not an e-mail address", e))
		}
		reviewers = append(reviewers, e)
	}
	c.Reviewers = reviewers
	return c, errors.Join(errs...)
}

// configReviewer reports whether the configuration gives the reviewer role
// to the e-mail address.
func (s *Server) configReviewer(email string) bool {
	email = strings.ToLower(strings.TrimSpace(email))
	return email != "" && slices.Contains(s.cfg.Reviewers, email)
}

// issuedAfter is the oldest time an invitation still valid now was sent.
func (s *Server) issuedAfter() time.Time { return s.now().Add(-s.cfg.InvitationTTL) }

// ServeHTTP serves the portal.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// passwordOnly reports whether the development notice is due: password-only
// logins are accepted in development mode.
func (s *Server) passwordOnly() bool {
	return s.cfg.Dev && slices.Contains(s.cfg.AcceptStrengths, "PASSWORD")
}

// idp returns an absolute URL of the identity provider.
func (s *Server) idp(path string) string { return s.cfg.IdPURL + path }

// view is the Data of every page: what the frame of the portal needs, and
// the page's own data in Page.
type view struct {
	PasswordOnly  bool       // show the development notice on password-only login
	IdPAccountURL string     // EU Login's My Account
	IdPLogoutURL  string     // EU Login's logout, back to the portal
	Organiser     *organiser // the signed-in organiser, nil when none
	Page          any        // the page's own data
}

// localizer returns the translator of the request's page language.
func (s *Server) localizer(r *http.Request) *i18n.Localizer {
	return s.bundle.Localizer(s.bundle.FromRequest(r))
}

// page returns the frame data of a page whose purpose is titleKey, with
// data as the page's own data (view.Page).
func (s *Server) page(r *http.Request, titleKey string, data any) *web.Page {
	l := s.localizer(r)
	p := &web.Page{
		L: l, Service: l.T("portal.name"), HomeURL: "/", Title: l.T(titleKey), Path: r.URL.Path, Query: r.URL.Query(),
		Languages: s.bundle.Available(), Form: web.NewForm(nil),
		Footer: []web.NavLink{
			{Label: l.T("footer.privacy"), URL: "/privacy"},
			{Label: l.T("footer.accessibility"), URL: "/accessibility"},
			{Label: l.T("footer.help"), URL: "/help"},
		},
	}
	v := &view{
		PasswordOnly:  s.passwordOnly(),
		IdPAccountURL: s.idp("/account"),
		IdPLogoutURL:  s.cas.LogoutURL(s.cfg.BaseURL + "/"),
		Page:          data,
	}
	if o := current(r); o != nil {
		v.Organiser = o
		p.SignedIn = true
		p.UserName = strings.TrimSpace(o.User.FirstName + " " + o.User.LastName)
		p.Nav = []web.NavLink{{Label: l.T("nav.dashboard"), URL: "/dashboard"}}
		if ok, err := s.reviewer(r.Context(), o); err == nil && ok {
			p.Nav = append(p.Nav, web.NavLink{Label: l.T("nav.review"), URL: "/review"})
		}
	}
	p.Data = v
	return p
}

// audit records an event of the account userID caused by r, with r's
// client address and User-Agent. The detail may carry text from the
// request (a path value), so it is cleaned of control characters first.
func (s *Server) audit(r *http.Request, userID string, kind audit.Kind, detail string) {
	req := audit.Request{IP: peerIP(r), UserAgent: r.UserAgent()}
	s.auditLog.Record(r.Context(), req, userID, kind, clean(detail, audit.MaxDetail))
}

// peerIP returns the address of the connection's peer. The portal trusts
// no reverse proxy (it has no setting for one), so X-Forwarded-For is never
// believed: behind a proxy, the proxy's address is recorded.
func peerIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// oneLine reads field of f as a one-line text of at most max characters.
// A line break or another control or invisible formatting character, and a
// value over max, are refused with a message on the field (in l's
// language) rather than removed or cut: what is stored is what was typed.
func oneLine(f *web.Form, l *i18n.Localizer, field string, max int) string {
	v := f.Get(field)
	switch {
	case strings.IndexFunc(v, func(r rune) bool { return unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r) }) >= 0:
		f.Add(field, l.T("form.one_line"))
	case utf8.RuneCountInString(v) > max:
		f.Add(field, l.T("form.too_long", "max", max))
	}
	return v
}

// longText reads field of f as a text of several lines, at most max
// characters, refusing a longer one with a message on the field; line
// breaks become spaces and other control characters go (clean).
func longText(f *web.Form, l *i18n.Localizer, field string, max int) string {
	v := clean(strings.ReplaceAll(f.Raw(field), "\r\n", " "), 4*max)
	if utf8.RuneCountInString(v) > max {
		f.Add(field, l.T("form.too_long", "max", max))
	}
	return v
}

// clean makes text from outside safe to store: valid UTF-8 without NUL or
// other control characters, trimmed, at most n bytes.
func clean(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
	s = strings.TrimSpace(s)
	if len(s) > n {
		s = strings.ToValidUTF8(s[:n], "")
	}
	return s
}
