package idp_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"testing"

	"eulogin/internal/cas"
	"eulogin/internal/idp/idptest"
)

// proxyCallback is the pgtUrl of a proxying application: an HTTPS server
// that keeps the PGT of each PGTIOU, as CAS clients do.
type proxyCallback struct {
	*httptest.Server
	mu   sync.Mutex
	pgts map[string]string // PGTIOU -> PGT
}

func newProxyCallback(t *testing.T) *proxyCallback {
	t.Helper()
	pc := &proxyCallback{pgts: map[string]string{}}
	pc.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/fail" {
			http.Error(w, "down", http.StatusInternalServerError)
			return
		}
		if r.URL.Path == "/moved" {
			http.Redirect(w, r, "/cb", http.StatusFound)
			return
		}
		q := r.URL.Query()
		if iou, pgt := q.Get("pgtIou"), q.Get("pgtId"); iou != "" && pgt != "" {
			pc.mu.Lock()
			pc.pgts[iou] = pgt
			pc.mu.Unlock()
		}
	}))
	t.Cleanup(pc.Close)
	return pc
}

// PGT returns the PGT delivered with iou.
func (pc *proxyCallback) PGT(iou string) string {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	return pc.pgts[iou]
}

// proxyQuery is the query of /proxy.
func proxyQuery(pgt, target string) url.Values {
	return url.Values{"pgt": {pgt}, "targetService": {target}}
}

// TestCASProxy walks the proxy flow end to end: a portal validates its
// service ticket with a pgtUrl on an HTTPS server, obtains a proxy ticket
// for a back end with the PGT, and the back end validates it with the
// proxies listed; then the rules around it.
func TestCASProxy(t *testing.T) {
	idptest.Engines(t, func(t *testing.T, eng idptest.Engine) {
		cb := newProxyCallback(t)
		e := idptest.New(t, idptest.Options{Engine: eng, CASClient: cb.Client()})
		portal, backend, plain := newRelyingParty(t), newRelyingParty(t), newRelyingParty(t)
		register(t, e, portal, "portal", func(s *cas.Service) { s.Patterns = append(s.Patterns, cb.URL+"/*"); s.Proxy = true })
		register(t, e, backend, "backend", func(s *cas.Service) { s.Proxy = true })
		register(t, e, plain, "plain", func(s *cas.Service) { s.Patterns = append(s.Patterns, "https://plain.example.org/*") })
		u := func() string { return mustUser(t, e, ana.Email).ID }
		b := withAccount(t, e, ana)
		service, target := portal.URL+"/", backend.URL+"/api"
		q := url.Values{"service": {service}}
		st := casLogin(t, b, q, ana)
		pgtURL := cb.URL + "/cb?app=portal"

		a := validate(t, e, "/serviceValidate", vq(service, st, "pgtUrl", pgtURL))
		wantCode(t, a, "")
		iou := a.XML.Success.PGT
		pgt := cb.PGT(iou)
		if len(iou) < 39 || iou[:7] != "PGTIOU-" || len(pgt) < 36 || pgt[:4] != "PGT-" {
			t.Fatalf("PGTIOU %q in the answer, PGT %q at the callback, want both", iou, pgt)
		}

		p := validate(t, e, "/proxy", proxyQuery(pgt, target))
		if p.XML.ProxySuccess == nil || len(p.XML.ProxySuccess.Ticket) < 35 || p.XML.ProxySuccess.Ticket[:3] != "PT-" {
			t.Fatalf("/proxy = %s, want a proxy ticket", p.Body)
		}
		pt := p.XML.ProxySuccess.Ticket
		a = validate(t, e, "/proxyValidate", vq(target, pt))
		wantCode(t, a, "")
		if a.XML.Success.User != u() || !slices.Equal(a.XML.Success.Proxies, []string{pgtURL}) || !slices.Equal(a.Attrs()["ticketType"], []string{"PROXY"}) {
			t.Errorf("proxyValidate: user %q proxies %q ticketType %q, want %q, [%s], PROXY", a.XML.Success.User, a.XML.Success.Proxies, a.Attrs()["ticketType"], u(), pgtURL)
		}
		wantCode(t, validate(t, e, "/proxyValidate", vq(target, pt)), cas.CodeInvalidTicket) // single use

		t.Run("a PGT serves several proxy tickets", func(t *testing.T) {
			for range 2 {
				pt := validate(t, e, "/proxy", proxyQuery(pgt, target)).XML.ProxySuccess.Ticket
				a := validate(t, e, "/p3/proxyValidate", vq(target, pt, "format", "JSON"))
				j := parseJSON(t, a).ServiceResponse.AuthenticationSuccess
				if j == nil || !slices.Equal(j.Proxies, []string{pgtURL}) || !slices.Equal(j.Attributes["isFromNewLogin"], []string{"false"}) {
					t.Errorf("p3/proxyValidate JSON = %s, want the proxies and isFromNewLogin false", a.Body)
				}
			}
		})
		t.Run("a proxy ticket at serviceValidate", func(t *testing.T) {
			pt := validate(t, e, "/proxy", proxyQuery(pgt, target)).XML.ProxySuccess.Ticket
			wantCode(t, validate(t, e, "/serviceValidate", vq(target, pt)), cas.CodeInvalidTicketSpec)
			wantCode(t, validate(t, e, "/proxyValidate", vq(target, pt)), cas.CodeInvalidTicket) // spent by the attempt
			pt = validate(t, e, "/proxy", proxyQuery(pgt, target)).XML.ProxySuccess.Ticket
			if a := validate(t, e, "/validate", vq(target, pt)); a.Body != "no\n\n" {
				t.Errorf("/validate of a proxy ticket = %q, want no", a.Body)
			}
		})
		t.Run("a proxy ticket with renew", func(t *testing.T) {
			pt := validate(t, e, "/proxy", proxyQuery(pgt, target)).XML.ProxySuccess.Ticket
			wantCode(t, validate(t, e, "/proxyValidate", vq(target, pt, "renew", "true")), cas.CodeInvalidTicket)
		})
		t.Run("a chain of proxies", func(t *testing.T) {
			pt := validate(t, e, "/proxy", proxyQuery(pgt, target)).XML.ProxySuccess.Ticket
			second := cb.URL + "/cb2"
			a := validate(t, e, "/proxyValidate", vq(target, pt, "pgtUrl", second))
			wantCode(t, a, "")
			pgt2 := cb.PGT(a.XML.Success.PGT)
			if pgt2 == "" {
				t.Fatalf("no PGT from the proxy ticket's validation: %s", a.Body)
			}
			pt2 := validate(t, e, "/proxy", proxyQuery(pgt2, service)).XML.ProxySuccess.Ticket
			a = validate(t, e, "/proxyValidate", vq(service, pt2))
			wantCode(t, a, "")
			if want := []string{second, pgtURL}; !slices.Equal(a.XML.Success.Proxies, want) {
				t.Errorf("proxies = %q, want the most recent first %q", a.XML.Success.Proxies, want)
			}
		})
		t.Run("proxy errors", func(t *testing.T) {
			for _, tc := range []struct {
				name string
				q    url.Values
				want string
			}{
				{"no pgt", url.Values{"targetService": {target}}, cas.CodeInvalidRequest},
				{"no target", url.Values{"pgt": {pgt}}, cas.CodeInvalidRequest},
				{"unknown pgt", proxyQuery("PGT-0123456789012345678901234567890123456789", target), cas.CodeInvalidTicket},
				{"a PGTIOU is not a PGT", proxyQuery(iou, target), cas.CodeInvalidTicket},
				{"a service ticket is not a PGT", proxyQuery(st, target), cas.CodeInvalidTicket},
				{"unregistered target", proxyQuery(pgt, "https://evil.example/"), cas.CodeUnauthorizedService},
			} {
				t.Run(tc.name, func(t *testing.T) {
					a := validate(t, e, "/proxy", tc.q)
					if a.XML.ProxyFailure == nil || a.XML.ProxyFailure.Code != tc.want {
						t.Errorf("/proxy = %s, want proxyFailure %s", a.Body, tc.want)
					}
				})
			}
		})
		t.Run("pgtUrl rules", func(t *testing.T) {
			for _, tc := range []struct {
				name, service, pgtURL, want string
				wantPGT                     bool
			}{
				{"not https", service, portal.URL + "/cb", cas.CodeInvalidProxyCallback, false},
				{"https but not registered", service, "https://evil.example/cb", cas.CodeInvalidProxyCallback, false},
				{"https, registered, not allowed to proxy", service, "https://plain.example.org/cb", cas.CodeInvalidProxyCallback, false},
				{"the service may not proxy", plain.URL + "/", pgtURL, cas.CodeUnauthorizedServiceProxy, false},
				{"the callback fails", service, cb.URL + "/fail", "", false},
				{"the callback redirects", service, cb.URL + "/moved", "", false},
				{"good", service, pgtURL, "", true},
			} {
				t.Run(tc.name, func(t *testing.T) {
					tk := ssoTicket(t, b, url.Values{"service": {tc.service}})
					a := validate(t, e, "/p3/serviceValidate", vq(tc.service, tk, "pgtUrl", tc.pgtURL))
					wantCode(t, a, tc.want)
					if got := a.XML.Success != nil && a.XML.Success.PGT != ""; got != tc.wantPGT {
						t.Errorf("PGTIOU in the answer: %v, want %v\n%s", got, tc.wantPGT, a.Body)
					}
				})
			}
		})
		t.Run("the PGT ends with the session", func(t *testing.T) {
			b.Get("/logout")
			a := validate(t, e, "/proxy", proxyQuery(pgt, target))
			if a.XML.ProxyFailure == nil || a.XML.ProxyFailure.Code != cas.CodeInvalidTicket {
				t.Errorf("/proxy after logout = %s, want INVALID_TICKET", a.Body)
			}
		})
	})
}

// TestCASProxyUntrustedCallback: a callback whose certificate the server
// cannot verify gets no PGT (the validation itself succeeds).
func TestCASProxyUntrustedCallback(t *testing.T) {
	cb := newProxyCallback(t)
	e := idptest.New(t, idptest.Options{}) // the default client does not trust the test certificate
	portal := newRelyingParty(t)
	register(t, e, portal, "portal", func(s *cas.Service) { s.Patterns = append(s.Patterns, cb.URL+"/*"); s.Proxy = true })
	b := withAccount(t, e, ana)
	service := portal.URL + "/"
	tk := casLogin(t, b, url.Values{"service": {service}}, ana)
	a := validate(t, e, "/serviceValidate", vq(service, tk, "pgtUrl", cb.URL+"/cb"))
	wantCode(t, a, "")
	if a.XML.Success.PGT != "" {
		t.Errorf("PGTIOU %q granted over an unverified certificate", a.XML.Success.PGT)
	}
	cb.mu.Lock()
	n := len(cb.pgts)
	cb.mu.Unlock()
	if n != 0 {
		t.Errorf("the callback received %d PGTs over an unverified connection", n)
	}
}
