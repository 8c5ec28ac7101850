package cas

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"eulogin/internal/i18n"
	"eulogin/internal/store"
)

// Service is an application registered with the CAS server. The JSON names
// are those of the --services file.
type Service struct {
	ID         string            `json:"id"`                   // short slug, e.g. "eci"
	Name       string            `json:"name"`                 // display name by default
	Names      map[string]string `json:"names,omitempty"`      // display name per language
	Patterns   []string          `json:"urls"`                 // exact URLs, or prefixes ending in '*'
	Strengths  []string          `json:"strengths,omitempty"`  // accepted strengths; empty = any
	Attributes []string          `json:"attributes,omitempty"` // attributes it may receive; empty = all
	SLO        bool              `json:"slo,omitempty"`        // receives single logout requests
	Proxy      bool              `json:"proxy,omitempty"`      // may obtain proxy-granting tickets
}

// DisplayName returns the name of the service in language lang, or its
// default name.
func (s *Service) DisplayName(lang string) string {
	if n := s.Names[lang]; n != "" {
		return n
	}
	return s.Name
}

// AcceptsStrength reports whether the service accepts authentications of
// strength (every strength when its list is empty).
func (s *Service) AcceptsStrength(strength string) bool {
	return Accepts(s.Strengths, strength)
}

// Releases reports whether the service may receive attribute name (every
// attribute when its list is empty).
func (s *Service) Releases(name string) bool {
	return len(s.Attributes) == 0 || slices.Contains(s.Attributes, name)
}

// Accepts reports whether strength is in the list strengths; an empty list
// accepts every strength.
func Accepts(strengths []string, strength string) bool {
	return len(strengths) == 0 || slices.Contains(strengths, strength)
}

// Attributes lists, in the order they are sent, the user attributes a
// validation answer may carry (EU Login's). A service's Attributes list
// picks among them.
var Attributes = []string{
	"email", "firstName", "lastName", "domain", "locale", "assuranceLevel", "uid",
	"strength", "authenticationFactors", "loginDate", "sso", "ticketType",
}

var (
	idRE       = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)
	strengthRE = regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,62}$`)
)

// ParseStrengths reads a comma list of strengths (acceptStrengths, the
// --strengths flag): items are trimmed and upper-cased, duplicates and
// items that cannot be strengths dropped.
func ParseStrengths(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		v = strings.ToUpper(strings.TrimSpace(v))
		if strengthRE.MatchString(v) && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// Validate checks a service before it is registered and says what to fix.
func (s *Service) Validate() error {
	var errs []error
	if !idRE.MatchString(s.ID) {
		errs = append(errs, fmt.Errorf("id %q: use 1 to 63 lower-case letters, digits, '.', '_' or '-'", s.ID))
	}
	if strings.TrimSpace(s.Name) == "" {
		errs = append(errs, errors.New("name must not be empty"))
	}
	for lang, n := range s.Names {
		if !i18n.IsEU(lang) {
			errs = append(errs, fmt.Errorf("name for %q: not an official EU language code", lang))
		}
		if strings.TrimSpace(n) == "" {
			errs = append(errs, fmt.Errorf("name for %q must not be empty", lang))
		}
	}
	if len(s.Patterns) == 0 {
		errs = append(errs, errors.New("at least one URL pattern is needed"))
	}
	for _, p := range s.Patterns {
		if _, err := parsePattern(p); err != nil {
			errs = append(errs, err)
		}
	}
	for _, v := range s.Strengths {
		if !strengthRE.MatchString(v) {
			errs = append(errs, fmt.Errorf("strength %q: use upper-case names such as PASSWORD or PASSWORD_SMS", v))
		}
	}
	for _, a := range s.Attributes {
		if !slices.Contains(Attributes, a) {
			errs = append(errs, fmt.Errorf("attribute %q: not one of %s", a, strings.Join(Attributes, ", ")))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("service %q: %w", s.ID, err)
	}
	return nil
}

func fromStore(s *store.Service) *Service {
	return &Service{
		ID: s.ID, Name: s.Name, Names: s.Names, Patterns: s.Patterns, Strengths: s.Strengths,
		Attributes: s.Attributes, SLO: s.SLO, Proxy: s.Proxy,
	}
}

// RegistryStore keeps the service registry. store.DB implements it.
type RegistryStore interface {
	Service(ctx context.Context, id string) (*store.Service, error)
	Services(ctx context.Context) ([]store.Service, error)
	PutService(ctx context.Context, s *store.Service) error
	DeleteService(ctx context.Context, id string) error
}

// ErrUnknownService is returned for a service URL that no registered
// service matches, or a service id that is not registered.
var ErrUnknownService = errors.New("cas: service not registered")

// SaveService validates svc and registers it, replacing a service with the
// same id.
func SaveService(ctx context.Context, st RegistryStore, svc *Service, now time.Time) error {
	if err := svc.Validate(); err != nil {
		return err
	}
	return st.PutService(ctx, &store.Service{
		ID: svc.ID, Name: strings.TrimSpace(svc.Name), Names: svc.Names, Patterns: svc.Patterns,
		Strengths: svc.Strengths, Attributes: svc.Attributes, SLO: svc.SLO, Proxy: svc.Proxy,
		CreatedAt: now, UpdatedAt: now,
	})
}

// ListServices returns the registered services, ordered by id.
func ListServices(ctx context.Context, st RegistryStore) ([]*Service, error) {
	list, err := st.Services(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*Service, len(list))
	for i := range list {
		out[i] = fromStore(&list[i])
	}
	return out, nil
}

// RemoveService unregisters the service id (ErrUnknownService when there is
// none).
func RemoveService(ctx context.Context, st RegistryStore, id string) error {
	err := st.DeleteService(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: %q", ErrUnknownService, id)
	}
	return err
}

// LoadServicesFile registers (inserts or replaces) every service of a JSON
// file holding a list of services, such as
//
//	[{"id": "eci", "name": "ECI organiser account", "names": {"fr": "Compte organisateur"},
//	  "urls": ["http://127.0.0.1:8081/*"], "strengths": ["PASSWORD_SMS"],
//	  "attributes": ["email", "firstName", "lastName", "strength"], "slo": true}]
//
// Every service is checked before any is written. Services registered
// otherwise are left alone. It returns how many services it registered.
func LoadServicesFile(ctx context.Context, st RegistryStore, path string, now time.Time) (int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("services file: %w", err)
	}
	var list []*Service
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&list); err != nil {
		return 0, fmt.Errorf("services file %s: %w", path, err)
	}
	seen := map[string]bool{}
	var errs []error
	for _, svc := range list {
		if svc == nil {
			errs = append(errs, errors.New("null entry"))
			continue
		}
		if seen[svc.ID] {
			errs = append(errs, fmt.Errorf("service %q is listed twice", svc.ID))
		}
		seen[svc.ID] = true
		if err := svc.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return 0, fmt.Errorf("services file %s:\n%w", path, err)
	}
	for i, svc := range list {
		if err := SaveService(ctx, st, svc, now); err != nil {
			return i, err
		}
	}
	return len(list), nil
}

// Registry is a snapshot of the registered services.
type Registry struct {
	Services []*Service
}

// Match returns the service whose patterns match rawURL. An exact pattern
// wins over a prefix, and a longer prefix over a shorter one. A URL that is
// not a clean absolute http(s) URL matches nothing.
func (r *Registry) Match(rawURL string) (*Service, bool) {
	u, err := parseServiceURL(rawURL)
	if err != nil {
		return nil, false
	}
	var best *Service
	bestScore := -1
	for _, svc := range r.Services {
		if score := svc.match(u); score > bestScore {
			best, bestScore = svc, score
		}
	}
	return best, best != nil
}

// Matches reports whether rawURL matches one of the service's patterns.
func (s *Service) Matches(rawURL string) bool {
	u, err := parseServiceURL(rawURL)
	return err == nil && s.match(u) >= 0
}

// match scores how well u matches the service's patterns: -1 for no match,
// more for a more specific one.
func (s *Service) match(u *serviceURL) int {
	best := -1
	for _, raw := range s.Patterns {
		p, err := parsePattern(raw)
		if err != nil || p.scheme != u.scheme || p.host != u.host || p.port != u.port {
			continue
		}
		score := -1
		switch {
		case !p.prefix && u.path == p.path:
			score = 1 << 20
		case p.prefix && strings.HasPrefix(u.path, p.path):
			score = len(p.path)
		}
		best = max(best, score)
	}
	return best
}

// serviceURL is a service URL in normalised parts.
type serviceURL struct {
	scheme, host, port, path string
	query                    string // parameters sorted and re-encoded
}

// maxURL bounds the length of a service URL.
const maxURL = 4096

// parseServiceURL checks and normalises a service URL: absolute http(s),
// a host, no user information, no fragment, no dot segments, no backslash,
// no white space or control characters. The scheme and host are
// lower-cased, a default port dropped and an empty path made "/".
func parseServiceURL(raw string) (*serviceURL, error) {
	if raw == "" || len(raw) > maxURL {
		return nil, errors.New("empty or too long")
	}
	for _, c := range raw {
		if c <= ' ' || c == 0x7f || c == '\\' || c == '#' {
			return nil, fmt.Errorf("character %q not allowed", c)
		}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	out := &serviceURL{scheme: strings.ToLower(u.Scheme)}
	if out.scheme != "http" && out.scheme != "https" {
		return nil, errors.New("not an http or https URL")
	}
	if u.Opaque != "" || u.User != nil || u.Host == "" || u.Hostname() == "" {
		return nil, errors.New("not a plain absolute URL with a host")
	}
	out.host = strings.ToLower(u.Hostname())
	out.port = u.Port()
	if out.port != "" {
		n, err := strconv.Atoi(out.port)
		if err != nil || n < 1 || n > 65535 {
			return nil, errors.New("bad port")
		}
		out.port = strconv.Itoa(n)
	}
	if out.port == "" || out.scheme == "http" && out.port == "80" || out.scheme == "https" && out.port == "443" {
		out.port = ""
	}
	out.path = u.Path
	if out.path == "" {
		out.path = "/"
	}
	for _, seg := range strings.Split(out.path, "/") {
		if seg == "." || seg == ".." {
			return nil, errors.New("dot segments not allowed")
		}
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, err
	}
	out.query = q.Encode()
	return out, nil
}

// pattern is a parsed URL pattern of the registry.
type pattern struct {
	scheme, host, port, path string
	prefix                   bool
}

// parsePattern reads an exact URL or a prefix ending in '*'. A pattern has
// no query, no fragment and no '*' elsewhere.
func parsePattern(raw string) (*pattern, error) {
	base, prefix := strings.CutSuffix(raw, "*")
	if strings.Contains(base, "*") || strings.Contains(raw, "?") {
		return nil, fmt.Errorf("URL pattern %q: '*' only at the end, and no query", raw)
	}
	u, err := parseServiceURL(base)
	if err != nil {
		return nil, fmt.Errorf("URL pattern %q: %v", raw, err)
	}
	p := &pattern{scheme: u.scheme, host: u.host, port: u.port, path: u.path, prefix: prefix}
	// "https://host*" means any path on the host: parseServiceURL made its
	// empty path "/", which every path starts with anyway.
	return p, nil
}

// SameService reports whether two service URLs name the same service: equal
// once normalised (scheme and host case, default port, empty path, order
// and encoding of the query parameters). URLs that cannot be parsed are
// compared as they are.
func SameService(a, b string) bool {
	ua, errA := parseServiceURL(a)
	ub, errB := parseServiceURL(b)
	if errA != nil || errB != nil {
		return a == b
	}
	return *ua == *ub
}

// WithTicket returns serviceURL with the query parameter ticket added,
// whether or not the URL already has a query.
func WithTicket(serviceURL, ticket string) string {
	return withParams(serviceURL, "ticket="+url.QueryEscape(ticket))
}

func withParams(u, params string) string {
	switch {
	case !strings.Contains(u, "?"):
		return u + "?" + params
	case strings.HasSuffix(u, "?"), strings.HasSuffix(u, "&"):
		return u + params
	default:
		return u + "&" + params
	}
}
