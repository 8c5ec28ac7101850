package eci_test

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
)

// outcome is what the fake CAS server answers to the validation of the
// next ticket it issues: a success for User with Attrs, or a Failure code.
type outcome struct {
	User    string
	Attrs   [][2]string // name, value; a name may repeat
	Failure string      // a CAS error code; "" for a success
	Message string      // the failure's text
}

// fakeCAS is a CAS server speaking the real wire protocol over HTTP: /login
// redirects back to the service with a new ticket (no login page: the
// identity provider itself is not under test here), /p3/serviceValidate
// answers CAS 3 XML for a ticket once, /logout redirects to the service.
type fakeCAS struct {
	t   *testing.T
	srv *httptest.Server

	mu          sync.Mutex
	next        outcome
	tickets     map[string]issued
	logins      []url.Values // the queries of /login
	validations []url.Values // the queries of /p3/serviceValidate
	logouts     []url.Values // the queries of /logout
	status      int          // when not 0, /p3/serviceValidate answers this status with junk
}

type issued struct {
	service string
	out     outcome
}

func newFakeCAS(t *testing.T) *fakeCAS {
	f := &fakeCAS{t: t, tickets: map[string]issued{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", f.login)
	mux.HandleFunc("GET /p3/serviceValidate", f.validate)
	mux.HandleFunc("GET /logout", f.logout)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

// URL returns the base URL of the server.
func (f *fakeCAS) URL() string { return f.srv.URL }

// willAnswer sets the outcome of the tickets issued from now on.
func (f *fakeCAS) willAnswer(o outcome) {
	f.mu.Lock()
	f.next = o
	f.mu.Unlock()
}

// issue mints a ticket for service as a login would, and returns it.
func (f *fakeCAS) issue(service string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	b := make([]byte, 16)
	rand.Read(b)
	ticket := fmt.Sprintf("ST-%d-%s", len(f.tickets)+1, hex.EncodeToString(b))
	f.tickets[ticket] = issued{service: service, out: f.next}
	return ticket
}

func (f *fakeCAS) lastLogin() url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.logins) == 0 {
		return nil
	}
	return f.logins[len(f.logins)-1]
}

func (f *fakeCAS) count() (logins, validations, logouts int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.logins), len(f.validations), len(f.logouts)
}

func (f *fakeCAS) login(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f.mu.Lock()
	f.logins = append(f.logins, q)
	f.mu.Unlock()
	service := q.Get("service")
	ticket := f.issue(service)
	http.Redirect(w, r, service+"?ticket="+url.QueryEscape(ticket), http.StatusFound)
}

func (f *fakeCAS) validate(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f.mu.Lock()
	f.validations = append(f.validations, q)
	status := f.status
	is, ok := f.tickets[q.Get("ticket")]
	delete(f.tickets, q.Get("ticket")) // one validation attempt per ticket
	f.mu.Unlock()
	if status != 0 {
		w.WriteHeader(status)
		w.Write([]byte("<html><body>Service Unavailable</body></html>"))
		return
	}
	w.Header().Set("Content-Type", "application/xml;charset=UTF-8")
	switch {
	case !ok:
		writeFailure(w, "INVALID_TICKET", "Ticket "+q.Get("ticket")+" not recognized")
	case is.service != q.Get("service"):
		writeFailure(w, "INVALID_SERVICE", "Ticket was issued for another service")
	case is.out.Failure != "":
		writeFailure(w, is.out.Failure, is.out.Message)
	default:
		var b bytes.Buffer
		b.WriteString(`<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationSuccess><cas:user>`)
		xml.EscapeText(&b, []byte(is.out.User))
		b.WriteString(`</cas:user><cas:attributes>`)
		for _, a := range is.out.Attrs {
			fmt.Fprintf(&b, "<cas:%s>", a[0])
			xml.EscapeText(&b, []byte(a[1]))
			fmt.Fprintf(&b, "</cas:%s>", a[0])
		}
		b.WriteString(`</cas:attributes></cas:authenticationSuccess></cas:serviceResponse>`)
		w.Write(b.Bytes())
	}
}

func writeFailure(w http.ResponseWriter, code, msg string) {
	var b bytes.Buffer
	b.WriteString(`<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationFailure code="`)
	xml.EscapeText(&b, []byte(code))
	b.WriteString(`">`)
	xml.EscapeText(&b, []byte(msg))
	b.WriteString(`</cas:authenticationFailure></cas:serviceResponse>`)
	w.Write(b.Bytes())
}

func (f *fakeCAS) logout(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f.mu.Lock()
	f.logouts = append(f.logouts, q)
	f.mu.Unlock()
	if s := q.Get("service"); s != "" {
		http.Redirect(w, r, s, http.StatusFound)
		return
	}
	w.Write([]byte("logged out"))
}

// logoutRequest is the single-logout message a CAS server POSTs for ticket.
func logoutRequest(user, ticket string) string {
	var b bytes.Buffer
	b.WriteString(`<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="LR-1" Version="2.0" IssueInstant="2026-03-14T09:30:00Z"><saml:NameID xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">`)
	xml.EscapeText(&b, []byte(user))
	b.WriteString(`</saml:NameID><samlp:SessionIndex>`)
	xml.EscapeText(&b, []byte(ticket))
	b.WriteString(`</samlp:SessionIndex></samlp:LogoutRequest>`)
	return b.String()
}
