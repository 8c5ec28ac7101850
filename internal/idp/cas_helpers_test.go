package idp_test

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"eulogin/internal/cas"
	"eulogin/internal/idp/idptest"
	"eulogin/internal/session"
)

// sessionHash returns the stored hash of a session cookie's value.
func sessionHash(token string) string { return session.Hash(token) }

// relyingParty is an application of the tests: a real HTTP server that
// answers its pages and records the single logout requests it receives.
type relyingParty struct {
	*httptest.Server
	mu      sync.Mutex
	logouts []logoutReceived
}

// logoutReceived is a single logout request as the application read it.
type logoutReceived struct {
	ContentType  string
	NameID       string
	SessionIndex string
}

func newRelyingParty(t *testing.T) *relyingParty {
	t.Helper()
	rp := &relyingParty{}
	rp.Server = httptest.NewServer(http.HandlerFunc(rp.serve))
	t.Cleanup(rp.Close)
	return rp
}

func (rp *relyingParty) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		var lr struct {
			XMLName      xml.Name `xml:"urn:oasis:names:tc:SAML:2.0:protocol LogoutRequest"`
			NameID       string   `xml:"urn:oasis:names:tc:SAML:2.0:assertion NameID"`
			SessionIndex string   `xml:"urn:oasis:names:tc:SAML:2.0:protocol SessionIndex"`
		}
		if err := xml.Unmarshal([]byte(r.PostFormValue("logoutRequest")), &lr); err != nil {
			http.Error(w, "bad logout request", http.StatusBadRequest)
			return
		}
		rp.mu.Lock()
		rp.logouts = append(rp.logouts, logoutReceived{r.Header.Get("Content-Type"), lr.NameID, lr.SessionIndex})
		rp.mu.Unlock()
		return
	}
	fmt.Fprintf(w, "application page %s", r.URL.Path)
}

// Logouts returns the logout requests received so far.
func (rp *relyingParty) Logouts() []logoutReceived {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	return append([]logoutReceived(nil), rp.logouts...)
}

// register registers the relying party as service id, its whole site as
// the URL pattern, with single logout; change adjusts the service.
func register(t *testing.T, e *idptest.Env, rp *relyingParty, id string, change func(*cas.Service)) cas.Service {
	t.Helper()
	return registerURL(t, e, rp.URL, id, change)
}

// registerURL registers the site at base as service id, with single
// logout; change adjusts the service.
func registerURL(t *testing.T, e *idptest.Env, base, id string, change func(*cas.Service)) cas.Service {
	t.Helper()
	svc := cas.Service{
		ID: id, Name: "Test application " + id, Names: map[string]string{"fr": "Application de test " + id},
		Patterns: []string{base + "/*"}, SLO: true,
	}
	if change != nil {
		change(&svc)
	}
	e.RegisterService(t, svc)
	return svc
}

// withAccount creates p's account (in a browser of its own) and returns a
// new browser without a session that stops at redirects.
func withAccount(t *testing.T, e *idptest.Env, p idptest.Person) *idptest.Browser {
	t.Helper()
	e.CreateAccount(t, e.NewBrowser(t), p)
	b := e.NewBrowser(t)
	noRedirects(b)
	return b
}

// loginQuery returns /login with the parameters of q.
func loginQuery(q url.Values) string { return "/login?" + q.Encode() }

// ticketIn returns the ticket of a redirect to service, failing when page is
// not one.
func ticketIn(t *testing.T, page *idptest.Page, service string) string {
	t.Helper()
	loc := page.Header.Get("Location")
	if page.Status != http.StatusSeeOther || !strings.HasPrefix(loc, service) {
		t.Fatalf("%s answered %d to %q (h1 %q), want 303 to %s?ticket=...", page.URL.Path, page.Status, loc, page.H1(), service)
	}
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatalf("Location %q: %v", loc, err)
	}
	tk := u.Query().Get("ticket")
	if !strings.HasPrefix(tk, "ST-") {
		t.Fatalf("Location %q has no service ticket", loc)
	}
	return tk
}

// casLogin logs p in through /login?q in b (which stops at redirects) and
// returns the ticket sent back to the service.
func casLogin(t *testing.T, b *idptest.Browser, q url.Values, p idptest.Person) string {
	t.Helper()
	page := b.Get(loginQuery(q))
	if page.Status != http.StatusOK || page.Input("service") != q.Get("service") {
		t.Fatalf("GET %s = %d %q, want the login page carrying the service", loginQuery(q), page.Status, page.H1())
	}
	return ticketIn(t, b.LoginFrom(page, p.Email, p.Password), q.Get("service"))
}

// ssoTicket asks /login?q of a browser that has a session and returns the
// ticket it is sent back with.
func ssoTicket(t *testing.T, b *idptest.Browser, q url.Values) string {
	t.Helper()
	return ticketIn(t, b.Get(loginQuery(q)), q.Get("service"))
}

// casAnswer is a validation answer.
type casAnswer struct {
	Status      int
	ContentType string
	Body        string
	XML         casXML
}

type xmlValue struct {
	XMLName xml.Name
	Value   string `xml:",chardata"`
}

// casXML reads every CAS 2/3 answer, matching elements in the CAS namespace.
type casXML struct {
	XMLName xml.Name `xml:"http://www.yale.edu/tp/cas serviceResponse"`
	Success *struct {
		User       string   `xml:"http://www.yale.edu/tp/cas user"`
		PGT        string   `xml:"http://www.yale.edu/tp/cas proxyGrantingTicket"`
		Proxies    []string `xml:"http://www.yale.edu/tp/cas proxies>proxy"`
		Attributes *struct {
			Values []xmlValue `xml:",any"`
		} `xml:"http://www.yale.edu/tp/cas attributes"`
		Flat []xmlValue `xml:",any"`
	} `xml:"http://www.yale.edu/tp/cas authenticationSuccess"`
	Failure *struct {
		Code    string `xml:"code,attr"`
		Message string `xml:",chardata"`
	} `xml:"http://www.yale.edu/tp/cas authenticationFailure"`
	ProxySuccess *struct {
		Ticket string `xml:"http://www.yale.edu/tp/cas proxyTicket"`
	} `xml:"http://www.yale.edu/tp/cas proxySuccess"`
	ProxyFailure *struct {
		Code    string `xml:"code,attr"`
		Message string `xml:",chardata"`
	} `xml:"http://www.yale.edu/tp/cas proxyFailure"`
}

// Code returns the failure code of the answer ("" on success).
func (a *casAnswer) Code() string {
	switch {
	case a.XML.Failure != nil:
		return a.XML.Failure.Code
	case a.XML.ProxyFailure != nil:
		return a.XML.ProxyFailure.Code
	}
	return ""
}

// Attrs returns the attributes of a success: the CAS 3 <cas:attributes>
// and the CAS 2 direct children alike.
func (a *casAnswer) Attrs() map[string][]string {
	out := map[string][]string{}
	if a.XML.Success == nil {
		return out
	}
	vals := a.XML.Success.Flat
	if a.XML.Success.Attributes != nil {
		vals = append(vals, a.XML.Success.Attributes.Values...)
	}
	for _, v := range vals {
		out[v.XMLName.Local] = append(out[v.XMLName.Local], v.Value)
	}
	return out
}

// validate calls a CAS endpoint of the IdP (path such as /serviceValidate)
// with q, as an application's back end does.
func validate(t *testing.T, e *idptest.Env, path string, q url.Values) *casAnswer {
	t.Helper()
	resp, err := http.Get(e.URL + path + "?" + q.Encode())
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	a := &casAnswer{Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Body: string(body)}
	if strings.HasPrefix(a.ContentType, "application/xml") {
		if err := xml.Unmarshal(body, &a.XML); err != nil {
			t.Fatalf("GET %s: the answer is not a CAS response: %v\n%s", path, err, body)
		}
	}
	return a
}

// wantCode checks the failure code of an answer ("" for a success).
func wantCode(t *testing.T, a *casAnswer, want string) {
	t.Helper()
	if got := a.Code(); got != want || a.Status != http.StatusOK || (want == "" && a.XML.Success == nil) {
		t.Errorf("answer %d with code %q, want 200 with code %q:\n%s", a.Status, got, want, a.Body)
	}
}

// casJSON is a JSON validation answer.
type casJSON struct {
	ServiceResponse struct {
		AuthenticationSuccess *struct {
			User       string              `json:"user"`
			PGT        string              `json:"proxyGrantingTicket"`
			Proxies    []string            `json:"proxies"`
			Attributes map[string][]string `json:"attributes"`
		} `json:"authenticationSuccess"`
		AuthenticationFailure *struct {
			Code        string `json:"code"`
			Description string `json:"description"`
		} `json:"authenticationFailure"`
	} `json:"serviceResponse"`
}

func parseJSON(t *testing.T, a *casAnswer) casJSON {
	t.Helper()
	var j casJSON
	if !strings.HasPrefix(a.ContentType, "application/json") {
		t.Fatalf("Content-Type = %q, want application/json", a.ContentType)
	}
	if err := json.Unmarshal([]byte(a.Body), &j); err != nil {
		t.Fatalf("answer is not JSON: %v\n%s", err, a.Body)
	}
	return j
}

// vq builds the query of a validation.
func vq(service, ticket string, extra ...string) url.Values {
	q := url.Values{"service": {service}, "ticket": {ticket}}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return q
}
