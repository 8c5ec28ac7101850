package cas

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"eulogin/internal/store"
)

// Store is what the CAS server keeps in the database. store.DB implements
// it.
type Store interface {
	RegistryStore
	CreateTicket(ctx context.Context, t *store.Ticket, ss *store.SessionService) error
	UseTicket(ctx context.Context, hash string, now time.Time) (*store.Ticket, error)
	TicketByHash(ctx context.Context, hash string) (*store.Ticket, error)
	DeleteTicket(ctx context.Context, hash string) error
	DeleteSessionTickets(ctx context.Context, sessionHash string) error
	MoveSessionCAS(ctx context.Context, from, to string) error
	SetSessionServiceTicket(ctx context.Context, ticketHash, ticket string) error
	TakeSessionServices(ctx context.Context, sessionHash string) ([]store.SessionService, error)
	SessionByHash(ctx context.Context, hash string) (*store.Session, error)
	UserByID(ctx context.Context, id string) (*store.User, error)
}

var _ Store = (*store.DB)(nil)

// Lifetimes of tickets.
const (
	DefaultTicketTTL = 10 * time.Second // service and proxy tickets
	MaxTicketTTL     = 5 * time.Minute  // the protocol's recommended bound
	DefaultPGTTTL    = 2 * time.Hour    // a PGT whose session end is unknown
	DefaultCallTTL   = 5 * time.Second  // one proxy callback or logout request
)

// Server is the CAS server: the validation endpoints (ServeHTTP), ticket
// issuing for the login pages, and single logout.
type Server struct {
	Store       Store
	Logger      *slog.Logger     // nil: discard
	Now         func() time.Time // nil: time.Now
	Client      *http.Client     // proxy callbacks and single logout; nil: a client with CallTimeout
	TicketTTL   time.Duration    // service and proxy tickets; 0: DefaultTicketTTL; capped at MaxTicketTTL
	PGTTTL      time.Duration    // a PGT without a session; 0: DefaultPGTTTL
	CallTimeout time.Duration    // each outgoing call; 0: DefaultCallTTL
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Server) log() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func (s *Server) ticketTTL() time.Duration {
	switch {
	case s.TicketTTL <= 0:
		return DefaultTicketTTL
	case s.TicketTTL > MaxTicketTTL:
		return MaxTicketTTL
	}
	return s.TicketTTL
}

func (s *Server) pgtTTL() time.Duration {
	if s.PGTTTL > 0 {
		return s.PGTTTL
	}
	return DefaultPGTTTL
}

func (s *Server) callTimeout() time.Duration {
	if s.CallTimeout > 0 {
		return s.CallTimeout
	}
	return DefaultCallTTL
}

// client returns the HTTP client of outgoing calls. Redirects are not
// followed: a proxy callback must answer 200 itself, and a logout request
// goes to the service URL only.
func (s *Server) client() *http.Client {
	c := &http.Client{Timeout: s.callTimeout()}
	if s.Client != nil {
		copied := *s.Client
		c = &copied
		if c.Timeout == 0 || c.Timeout > s.callTimeout() {
			c.Timeout = s.callTimeout()
		}
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c
}

// Registry returns the registered services.
func (s *Server) Registry(ctx context.Context) (*Registry, error) {
	list, err := ListServices(ctx, s.Store)
	if err != nil {
		return nil, err
	}
	return &Registry{Services: list}, nil
}

// Lookup returns the registered service that serviceURL belongs to, or
// ErrUnknownService.
func (s *Server) Lookup(ctx context.Context, serviceURL string) (*Service, error) {
	reg, err := s.Registry(ctx)
	if err != nil {
		return nil, err
	}
	svc, ok := reg.Match(serviceURL)
	if !ok {
		return nil, ErrUnknownService
	}
	return svc, nil
}

// Service returns the registered service id, or ErrUnknownService.
func (s *Server) Service(ctx context.Context, id string) (*Service, error) {
	st, err := s.Store.Service(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrUnknownService
	}
	if err != nil {
		return nil, err
	}
	return fromStore(st), nil
}

// Authn describes the authentication behind a service ticket.
type Authn struct {
	UserID      string
	SessionHash string    // the SSO session; "" when there is none
	Strength    string    // e.g. PASSWORD
	Factors     string    // comma list, e.g. PASSWORD
	AuthAt      time.Time // when the user authenticated
	SSO         bool      // from an existing session, without credentials
	Renew       bool      // the login had renew=true
}

// IssueServiceTicket returns a new service ticket for serviceURL, which must
// match svc, and records the session's entry into the service for single
// logout.
func (s *Server) IssueServiceTicket(ctx context.Context, svc *Service, serviceURL string, a Authn) (string, error) {
	if !svc.Matches(serviceURL) {
		return "", fmt.Errorf("%w: %q is not a URL of %q", ErrUnknownService, serviceURL, svc.ID)
	}
	now := s.now()
	ticket := NewTicket(PrefixServiceTicket)
	t := &store.Ticket{
		Hash: HashTicket(ticket), Kind: store.TicketService, ServiceURL: serviceURL, ServiceID: svc.ID,
		UserID: a.UserID, SessionHash: a.SessionHash, Strength: a.Strength, Factors: a.Factors,
		AuthAt: a.AuthAt, CreatedAt: now, ExpiresAt: now.Add(s.ticketTTL()), Renew: a.Renew, SSO: a.SSO,
	}
	var ss *store.SessionService
	if a.SessionHash != "" {
		ss = &store.SessionService{
			TicketHash: t.Hash, SessionHash: a.SessionHash, ServiceURL: serviceURL, ServiceID: svc.ID,
			UserID: a.UserID, CreatedAt: now,
		}
	}
	if err := s.Store.CreateTicket(ctx, t, ss); err != nil {
		return "", fmt.Errorf("cas: issue service ticket for %q: %w", svc.ID, err)
	}
	return ticket, nil
}

// MoveSession hands the tickets and entered services of an SSO session to
// the session that replaces it (same user, new authentication), so single
// logout and proxy-granting tickets follow the user.
func (s *Server) MoveSession(ctx context.Context, from, to string) error {
	return s.Store.MoveSessionCAS(ctx, from, to)
}

// Validate is the validation endpoint of CAS version 1, 2 or 3; with
// proxyTickets it also accepts proxy tickets (/proxyValidate). A server's
// route table registers it for GET at the endpoint's path.
func (s *Server) Validate(version int, proxyTickets bool) http.Handler {
	return getOnly(func(w http.ResponseWriter, r *http.Request) {
		s.validate(w, r, endpoint{version: version, proxyTickets: proxyTickets})
	})
}

// Proxy is the /proxy endpoint, which gives proxy tickets.
func (s *Server) Proxy() http.Handler { return getOnly(s.proxy) }

// getOnly refuses every method but GET: a HEAD (a link checker, a
// prefetch) would spend a ticket without anyone reading the answer.
func getOnly(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			w.Header().Set("Allow", "GET")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h(w, r)
	})
}
