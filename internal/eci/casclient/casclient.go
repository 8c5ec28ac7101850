package casclient

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Error codes of a validation failure: those of the CAS 3.0 specification
// that apply to service tickets, and EU Login's INVALID_STRENGTH.
const (
	CodeInvalidRequest    = "INVALID_REQUEST"
	CodeInvalidTicketSpec = "INVALID_TICKET_SPEC"
	CodeInvalidTicket     = "INVALID_TICKET"
	CodeInvalidService    = "INVALID_SERVICE"
	CodeInternalError     = "INTERNAL_ERROR"
	// CodeInvalidStrength (EU Login): the user authenticated, but not
	// strongly enough for this service.
	CodeInvalidStrength = "INVALID_STRENGTH"
)

// MaxResponseBytes is the largest validation response read. A real one is a
// few kilobytes; anything bigger is refused rather than buffered.
const MaxResponseBytes = 1 << 20

// MaxLogoutRequestBytes is the largest single-logout message parsed.
const MaxLogoutRequestBytes = 64 << 10

// maxTicketLen bounds the tickets sent for validation (the specification
// asks services to accept at least 32 characters; 256 is generous).
const maxTicketLen = 256

// DefaultTimeout bounds a validation when the caller's context has no
// deadline.
const DefaultTimeout = 10 * time.Second

// defaultHTTP is used when Client.HTTP is nil. It does not follow redirects:
// a validation endpoint that redirects is misconfigured, and following would
// send the ticket elsewhere.
var defaultHTTP = &http.Client{
	Timeout: DefaultTimeout,
	CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	},
}

// Client talks to one CAS server.
type Client struct {
	// BaseURL is the CAS server's base URL, without a trailing slash, for
	// example "https://ecas.example.eu/cas". Endpoints are appended to it.
	BaseURL string
	// HTTP sends the validation requests; nil means a client with a
	// DefaultTimeout that does not follow redirects.
	HTTP *http.Client
}

// LoginOptions are the optional parameters of a login redirect.
type LoginOptions struct {
	// AcceptStrengths lists the strengths the service accepts (EU Login's
	// acceptStrengths), e.g. PASSWORD_SMS, PASSWORD_MOBILE_APP.
	AcceptStrengths []string
	// Renew forces a new authentication even with an SSO session.
	Renew bool
	// Gateway asks not to show a login page: the user comes back without a
	// ticket when there is no SSO session.
	Gateway bool
	// Locale is the language of the login pages (e.g. "fr").
	Locale string
}

// Principal is an authenticated user as the CAS server describes it.
type Principal struct {
	// User is the stable user id (cas:user).
	User string
	// Attributes holds every attribute by its local name, each with all of
	// its values in document order.
	Attributes map[string][]string
}

// Attr returns the first value of an attribute, or "".
func (p *Principal) Attr(name string) string {
	if vs := p.Attributes[name]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// Values returns every value of an attribute.
func (p *Principal) Values(name string) []string { return p.Attributes[name] }

// Failure is a validation the CAS server refused (cas:authenticationFailure).
type Failure struct {
	Code    string // e.g. INVALID_TICKET, INVALID_STRENGTH
	Message string // the server's explanation, for logs; not for users
}

// Error describes the failure.
func (f *Failure) Error() string {
	if f.Message == "" {
		return "cas: " + f.Code
	}
	return "cas: " + f.Code + ": " + f.Message
}

// ErrMalformedTicket is returned by Validate, without contacting the server,
// for a ticket that cannot be a CAS ticket (empty, too long, or with
// characters outside [A-Za-z0-9-]).
var ErrMalformedTicket = errors.New("cas: malformed ticket")

// base returns the base URL without a trailing slash.
func (c *Client) base() string { return strings.TrimRight(c.BaseURL, "/") }

// LoginURL returns where to send the browser to log in to service. The
// parameters come in a fixed order: service, renew, gateway,
// acceptStrengths, locale.
func (c *Client) LoginURL(service string, o LoginOptions) string {
	var b strings.Builder
	b.WriteString(c.base())
	b.WriteString("/login?service=")
	b.WriteString(url.QueryEscape(service))
	if o.Renew {
		b.WriteString("&renew=true")
	}
	if o.Gateway {
		b.WriteString("&gateway=true")
	}
	if len(o.AcceptStrengths) > 0 {
		// Each name is escaped; the separating commas are left as they are,
		// as EU Login's clients send them.
		parts := make([]string, 0, len(o.AcceptStrengths))
		for _, s := range o.AcceptStrengths {
			if s = strings.TrimSpace(s); s != "" {
				parts = append(parts, url.QueryEscape(s))
			}
		}
		if len(parts) > 0 {
			b.WriteString("&acceptStrengths=")
			b.WriteString(strings.Join(parts, ","))
		}
	}
	if o.Locale != "" {
		b.WriteString("&locale=")
		b.WriteString(url.QueryEscape(o.Locale))
	}
	return b.String()
}

// LogoutURL returns where to send the browser to end its CAS session and
// come back to service.
func (c *Client) LogoutURL(service string) string {
	return c.base() + "/logout?service=" + url.QueryEscape(service)
}

// ValidTicket reports whether t has the shape of a CAS ticket: 1 to 256
// characters of [A-Za-z0-9-].
func ValidTicket(t string) bool {
	if t == "" || len(t) > maxTicketLen {
		return false
	}
	for i := 0; i < len(t); i++ {
		ch := t[i]
		if !(ch >= 'A' && ch <= 'Z' || ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '-') {
			return false
		}
	}
	return true
}

// Validate asks the CAS server (CAS 3, /p3/serviceValidate) whether ticket
// was issued for service, and returns the authenticated user. A refusal is a
// *Failure; a server that cannot be reached or answers something other than
// a CAS response is another error.
func (c *Client) Validate(ctx context.Context, ticket, service string) (*Principal, error) {
	if !ValidTicket(ticket) {
		return nil, ErrMalformedTicket
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultTimeout)
		defer cancel()
	}
	u := c.base() + "/p3/serviceValidate?service=" + url.QueryEscape(service) + "&ticket=" + url.QueryEscape(ticket)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("cas: validate: %w", err)
	}
	req.Header.Set("Accept", "application/xml, text/xml")
	hc := c.HTTP
	if hc == nil {
		hc = defaultHTTP
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cas: validate: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	if err != nil {
		return nil, fmt.Errorf("cas: validate: read response: %w", err)
	}
	if len(body) > MaxResponseBytes {
		return nil, fmt.Errorf("cas: validate: response larger than %d bytes", MaxResponseBytes)
	}
	p, perr := ParseServiceResponse(body)
	if resp.StatusCode != http.StatusOK {
		// Some servers send a failure with an error status: keep its code.
		var f *Failure
		if errors.As(perr, &f) {
			return nil, f
		}
		return nil, fmt.Errorf("cas: validate: unexpected status %s", resp.Status)
	}
	return p, perr
}

// The XML of a CAS service response. Elements are matched on their local
// names, so any prefix (or none) bound to the CAS namespace works.
type serviceResponseXML struct {
	XMLName xml.Name    `xml:"serviceResponse"`
	Success *successXML `xml:"authenticationSuccess"`
	Failure *failureXML `xml:"authenticationFailure"`
}

type successXML struct {
	User  string   `xml:"user"`
	PGT   string   `xml:"proxyGrantingTicket"`
	Proxy []string `xml:"proxies>proxy"`
	// Attributes holds the CAS 3 <cas:attributes> element.
	Attributes *elementXML `xml:"attributes"`
	// Others holds any other child: older servers (EU Login among them) put
	// attributes directly under authenticationSuccess.
	Others []elementXML `xml:",any"`
}

type failureXML struct {
	Code    string `xml:"code,attr"`
	Message string `xml:",chardata"`
}

// elementXML is any element with its text and its children.
type elementXML struct {
	XMLName  xml.Name
	Text     string       `xml:",chardata"`
	Children []elementXML `xml:",any"`
}

// ParseServiceResponse reads a CAS 2 or 3 validation response (XML). It
// returns the principal of an authenticationSuccess, a *Failure for an
// authenticationFailure, and another error for anything else.
func ParseServiceResponse(body []byte) (*Principal, error) {
	if len(body) > MaxResponseBytes {
		return nil, fmt.Errorf("cas: response larger than %d bytes", MaxResponseBytes)
	}
	var sr serviceResponseXML
	if err := xml.Unmarshal(body, &sr); err != nil {
		return nil, fmt.Errorf("cas: read response: %w", err)
	}
	switch {
	case sr.Failure != nil:
		code := strings.TrimSpace(sr.Failure.Code)
		if code == "" {
			code = CodeInternalError
		}
		return nil, &Failure{Code: code, Message: strings.TrimSpace(sr.Failure.Message)}
	case sr.Success != nil:
		p := &Principal{User: strings.TrimSpace(sr.Success.User), Attributes: map[string][]string{}}
		if p.User == "" {
			return nil, errors.New("cas: authenticationSuccess without a user")
		}
		if sr.Success.Attributes != nil {
			for _, a := range sr.Success.Attributes.Children {
				addAttribute(p.Attributes, a)
			}
		}
		for _, a := range sr.Success.Others {
			addAttribute(p.Attributes, a)
		}
		return p, nil
	}
	return nil, errors.New("cas: response has neither authenticationSuccess nor authenticationFailure")
}

// addAttribute records element a as an attribute. A repeated element adds a
// value. An element with children (EU Login's <cas:groups><cas:group>...) has
// its children's texts as values.
func addAttribute(m map[string][]string, a elementXML) {
	name := a.XMLName.Local
	if len(a.Children) == 0 {
		m[name] = append(m[name], strings.TrimSpace(a.Text))
		return
	}
	for _, c := range a.Children {
		m[name] = append(m[name], strings.TrimSpace(c.Text))
	}
}

// logoutRequestXML is a SAML 2.0 LogoutRequest as CAS servers send it for
// single logout.
type logoutRequestXML struct {
	XMLName      xml.Name `xml:"LogoutRequest"`
	NameID       string   `xml:"NameID"`
	SessionIndex string   `xml:"SessionIndex"`
}

// ParseLogoutRequest reads the logoutRequest parameter of a single-logout
// POST and returns the service ticket it names (SessionIndex) and the user
// (NameID). It refuses messages over MaxLogoutRequestBytes, XML that does
// not parse, other root elements, and a missing or malformed ticket.
func ParseLogoutRequest(body string) (sessionIndex, user string, err error) {
	if len(body) > MaxLogoutRequestBytes {
		return "", "", fmt.Errorf("cas: logout request larger than %d bytes", MaxLogoutRequestBytes)
	}
	var lr logoutRequestXML
	if err := xml.Unmarshal([]byte(body), &lr); err != nil {
		return "", "", fmt.Errorf("cas: read logout request: %w", err)
	}
	sessionIndex = strings.TrimSpace(lr.SessionIndex)
	if !ValidTicket(sessionIndex) {
		return "", "", errors.New("cas: logout request without a valid SessionIndex")
	}
	return sessionIndex, strings.TrimSpace(lr.NameID), nil
}
