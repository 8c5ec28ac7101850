package casclient_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"eulogin/internal/eci/casclient"
)

const ns = `xmlns:cas="http://www.yale.edu/tp/cas"`

// success wraps attribute elements in a CAS 3 success response for user.
func success(user, attrs string) string {
	return `<cas:serviceResponse ` + ns + `><cas:authenticationSuccess><cas:user>` + user +
		`</cas:user><cas:attributes>` + attrs + `</cas:attributes></cas:authenticationSuccess></cas:serviceResponse>`
}

func TestParseServiceResponseSuccess(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		wantUser string
		want     map[string][]string
	}{
		{
			name: "EU Login attributes",
			body: `<?xml version="1.0" encoding="UTF-8"?>
<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">
  <cas:authenticationSuccess>
    <cas:user>n3kabcd</cas:user>
    <cas:attributes>
      <cas:email>ana@example.org</cas:email>
      <cas:firstName>Ana</cas:firstName>
      <cas:lastName>Popescu</cas:lastName>
      <cas:locale>ro</cas:locale>
      <cas:assuranceLevel>10</cas:assuranceLevel>
      <cas:uid>n3kabcd</cas:uid>
      <cas:strength>PASSWORD_SMS</cas:strength>
      <cas:authenticationFactors>PASSWORD</cas:authenticationFactors>
      <cas:authenticationFactors>SMS</cas:authenticationFactors>
      <cas:loginDate>2026-03-14T09:26:53Z</cas:loginDate>
      <cas:sso>false</cas:sso>
      <cas:ticketType>SERVICE</cas:ticketType>
    </cas:attributes>
  </cas:authenticationSuccess>
</cas:serviceResponse>`,
			wantUser: "n3kabcd",
			want: map[string][]string{
				"email": {"ana@example.org"}, "firstName": {"Ana"}, "lastName": {"Popescu"}, "locale": {"ro"},
				"assuranceLevel": {"10"}, "uid": {"n3kabcd"}, "strength": {"PASSWORD_SMS"},
				"authenticationFactors": {"PASSWORD", "SMS"}, "loginDate": {"2026-03-14T09:26:53Z"},
				"sso": {"false"}, "ticketType": {"SERVICE"},
			},
		},
		{
			name:     "escaped markup and ampersands",
			body:     success("u1", `<cas:firstName>&lt;b&gt;Ana&lt;/b&gt;</cas:firstName><cas:lastName>Smith &amp; Sons</cas:lastName><cas:email>a&amp;b@example.org</cas:email>`),
			wantUser: "u1",
			want:     map[string][]string{"firstName": {"<b>Ana</b>"}, "lastName": {"Smith & Sons"}, "email": {"a&b@example.org"}},
		},
		{
			name:     "non-Latin letters",
			body:     success("u2", `<cas:firstName>Ķēniņš</cas:firstName><cas:lastName>Δημήτρης 日本語 مرحبا</cas:lastName><cas:firstName>Ștefan-Țară</cas:firstName>`),
			wantUser: "u2",
			want:     map[string][]string{"firstName": {"Ķēniņš", "Ștefan-Țară"}, "lastName": {"Δημήτρης 日本語 مرحبا"}},
		},
		{
			name:     "CDATA and character references",
			body:     success("u3", `<cas:firstName><![CDATA[<script>&amp;]]></cas:firstName><cas:lastName>&#x110;or&#273;e</cas:lastName>`),
			wantUser: "u3",
			want:     map[string][]string{"firstName": {"<script>&amp;"}, "lastName": {"Đorđe"}},
		},
		{
			name:     "multi-valued and nested groups",
			body:     success("u4", `<cas:memberOf>a</cas:memberOf><cas:memberOf>b</cas:memberOf><cas:memberOf></cas:memberOf><cas:groups number="2"><cas:group>G1</cas:group><cas:group>G2</cas:group></cas:groups>`),
			wantUser: "u4",
			want:     map[string][]string{"memberOf": {"a", "b", ""}, "groups": {"G1", "G2"}},
		},
		{
			name:     "another prefix",
			body:     `<c:serviceResponse xmlns:c="http://www.yale.edu/tp/cas"><c:authenticationSuccess><c:user>u5</c:user><c:attributes><c:email>e@example.org</c:email></c:attributes></c:authenticationSuccess></c:serviceResponse>`,
			wantUser: "u5",
			want:     map[string][]string{"email": {"e@example.org"}},
		},
		{
			name:     "default namespace",
			body:     `<serviceResponse xmlns="http://www.yale.edu/tp/cas"><authenticationSuccess><user> u6 </user><attributes><email>e@example.org</email></attributes></authenticationSuccess></serviceResponse>`,
			wantUser: "u6",
			want:     map[string][]string{"email": {"e@example.org"}},
		},
		{
			name:     "attributes directly under authenticationSuccess (CAS 2 style)",
			body:     `<cas:serviceResponse ` + ns + `><cas:authenticationSuccess><cas:user>u7</cas:user><cas:email>e@example.org</cas:email><cas:strength>PASSWORD</cas:strength></cas:authenticationSuccess></cas:serviceResponse>`,
			wantUser: "u7",
			want:     map[string][]string{"email": {"e@example.org"}, "strength": {"PASSWORD"}},
		},
		{
			name:     "no attributes",
			body:     `<cas:serviceResponse ` + ns + `><cas:authenticationSuccess><cas:user>u8</cas:user></cas:authenticationSuccess></cas:serviceResponse>`,
			wantUser: "u8",
			want:     map[string][]string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := casclient.ParseServiceResponse([]byte(tt.body))
			if err != nil {
				t.Fatalf("ParseServiceResponse() = %v, want nil", err)
			}
			if p.User != tt.wantUser {
				t.Errorf("User = %q, want %q", p.User, tt.wantUser)
			}
			if !reflect.DeepEqual(p.Attributes, tt.want) {
				t.Errorf("Attributes = %q, want %q", p.Attributes, tt.want)
			}
		})
	}
}

func TestPrincipalAttr(t *testing.T) {
	p := &casclient.Principal{User: "u", Attributes: map[string][]string{"a": {"1", "2"}, "empty": {}}}
	for _, tt := range []struct{ name, want string }{{"a", "1"}, {"empty", ""}, {"missing", ""}} {
		if got := p.Attr(tt.name); got != tt.want {
			t.Errorf("Attr(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
	if got, want := p.Values("a"), []string{"1", "2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Values(a) = %q, want %q", got, want)
	}
}

func TestParseServiceResponseFailure(t *testing.T) {
	tests := []struct {
		name              string
		body              string
		wantCode, wantMsg string
	}{
		{"invalid ticket", `<cas:serviceResponse ` + ns + `><cas:authenticationFailure code="INVALID_TICKET">Ticket ST-1 not recognized</cas:authenticationFailure></cas:serviceResponse>`, casclient.CodeInvalidTicket, "Ticket ST-1 not recognized"},
		{"invalid strength", `<cas:serviceResponse ` + ns + `><cas:authenticationFailure code="INVALID_STRENGTH">The authentication was not strong enough</cas:authenticationFailure></cas:serviceResponse>`, casclient.CodeInvalidStrength, "The authentication was not strong enough"},
		{"invalid service", `<cas:serviceResponse ` + ns + `><cas:authenticationFailure code="INVALID_SERVICE">x</cas:authenticationFailure></cas:serviceResponse>`, casclient.CodeInvalidService, "x"},
		{"invalid request", `<cas:serviceResponse ` + ns + `><cas:authenticationFailure code="INVALID_REQUEST"/></cas:serviceResponse>`, casclient.CodeInvalidRequest, ""},
		{"invalid ticket spec", `<cas:serviceResponse ` + ns + `><cas:authenticationFailure code="INVALID_TICKET_SPEC">bad</cas:authenticationFailure></cas:serviceResponse>`, casclient.CodeInvalidTicketSpec, "bad"},
		{"internal error", `<cas:serviceResponse ` + ns + `><cas:authenticationFailure code="INTERNAL_ERROR">oops</cas:authenticationFailure></cas:serviceResponse>`, casclient.CodeInternalError, "oops"},
		{"escaped message", `<cas:serviceResponse ` + ns + `><cas:authenticationFailure code="INVALID_TICKET">&lt;script&gt;alert(1)&lt;/script&gt; &amp; Ķ</cas:authenticationFailure></cas:serviceResponse>`, casclient.CodeInvalidTicket, "<script>alert(1)</script> & Ķ"},
		{"no code", `<cas:serviceResponse ` + ns + `><cas:authenticationFailure>no code</cas:authenticationFailure></cas:serviceResponse>`, casclient.CodeInternalError, "no code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := casclient.ParseServiceResponse([]byte(tt.body))
			var f *casclient.Failure
			if !errors.As(err, &f) {
				t.Fatalf("ParseServiceResponse() = %v, %v, want a *Failure", p, err)
			}
			if f.Code != tt.wantCode || f.Message != tt.wantMsg {
				t.Errorf("Failure = {%q, %q}, want {%q, %q}", f.Code, f.Message, tt.wantCode, tt.wantMsg)
			}
		})
	}
}

func TestParseServiceResponseGarbage(t *testing.T) {
	for _, tt := range []struct{ name, body string }{
		{"empty", ""},
		{"not XML", "yes\nn3kabcd\n"},
		{"HTML page", "<html><body>Login</body></html>"},
		{"neither success nor failure", `<cas:serviceResponse ` + ns + `></cas:serviceResponse>`},
		{"success without user", `<cas:serviceResponse ` + ns + `><cas:authenticationSuccess><cas:user> </cas:user></cas:authenticationSuccess></cas:serviceResponse>`},
		{"truncated", `<cas:serviceResponse ` + ns + `><cas:authenticationSuccess><cas:user>u</cas:user>`},
		{"undefined entity", `<!DOCTYPE r [<!ENTITY x "boom">]><cas:serviceResponse ` + ns + `><cas:authenticationSuccess><cas:user>&x;</cas:user></cas:authenticationSuccess></cas:serviceResponse>`},
		{"too large", success("u", strings.Repeat("<cas:a>x</cas:a>", casclient.MaxResponseBytes/16+1))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, err := casclient.ParseServiceResponse([]byte(tt.body))
			var f *casclient.Failure
			if err == nil || errors.As(err, &f) {
				t.Errorf("ParseServiceResponse() = %v, %v, want an error that is not a *Failure", p, err)
			}
		})
	}
}

func TestLoginURL(t *testing.T) {
	const service = "http://127.0.0.1:8081/cas/callback"
	tests := []struct {
		name, base string
		opts       casclient.LoginOptions
		want       string
	}{
		{"plain", "http://localhost:8080", casclient.LoginOptions{},
			"http://localhost:8080/login?service=http%3A%2F%2F127.0.0.1%3A8081%2Fcas%2Fcallback"},
		{"trailing slash and path", "https://ecas.example.eu/cas/", casclient.LoginOptions{},
			"https://ecas.example.eu/cas/login?service=http%3A%2F%2F127.0.0.1%3A8081%2Fcas%2Fcallback"},
		{"everything", "http://localhost:8080", casclient.LoginOptions{AcceptStrengths: []string{"PASSWORD_SMS", " PASSWORD_MOBILE_APP ", ""}, Renew: true, Gateway: true, Locale: "lv"},
			"http://localhost:8080/login?service=http%3A%2F%2F127.0.0.1%3A8081%2Fcas%2Fcallback&renew=true&gateway=true&acceptStrengths=PASSWORD_SMS,PASSWORD_MOBILE_APP&locale=lv"},
		{"hostile values are escaped", "http://localhost:8080", casclient.LoginOptions{AcceptStrengths: []string{"A&renew=true"}, Locale: "fr&gateway=true"},
			"http://localhost:8080/login?service=http%3A%2F%2F127.0.0.1%3A8081%2Fcas%2Fcallback&acceptStrengths=A%26renew%3Dtrue&locale=fr%26gateway%3Dtrue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &casclient.Client{BaseURL: tt.base}
			got := c.LoginURL(service, tt.opts)
			if got != tt.want {
				t.Errorf("LoginURL() = %q, want %q", got, tt.want)
			}
			u, err := url.Parse(got)
			if err != nil {
				t.Fatalf("url.Parse(LoginURL()) = %v", err)
			}
			if s := u.Query().Get("service"); s != service {
				t.Errorf("service parameter = %q, want %q", s, service)
			}
		})
	}
	// A service URL with its own query survives the round trip.
	c := &casclient.Client{BaseURL: "http://idp"}
	svc := "https://portal.example/cas/callback?a=1&b=Ķ ē"
	u, _ := url.Parse(c.LoginURL(svc, casclient.LoginOptions{}))
	if got := u.Query().Get("service"); got != svc {
		t.Errorf("service round trip = %q, want %q", got, svc)
	}
}

func TestLogoutURL(t *testing.T) {
	c := &casclient.Client{BaseURL: "http://localhost:8080/"}
	if got, want := c.LogoutURL("http://127.0.0.1:8081/"), "http://localhost:8080/logout?service=http%3A%2F%2F127.0.0.1%3A8081%2F"; got != want {
		t.Errorf("LogoutURL() = %q, want %q", got, want)
	}
}

func TestParseLogoutRequest(t *testing.T) {
	const samlp = `xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"`
	const saml = `xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"`
	tests := []struct {
		name, body          string
		wantIndex, wantUser string
		wantErr             bool
	}{
		{name: "CAS server message",
			body:      `<samlp:LogoutRequest ` + samlp + ` ID="LR-1-abc" Version="2.0" IssueInstant="2026-03-14T09:26:53Z"><saml:NameID ` + saml + `>n3kabcd</saml:NameID><samlp:SessionIndex>ST-1-abcDEF123</samlp:SessionIndex></samlp:LogoutRequest>`,
			wantIndex: "ST-1-abcDEF123", wantUser: "n3kabcd"},
		{name: "whitespace and other prefixes",
			body:      "<p:LogoutRequest xmlns:p=\"urn:oasis:names:tc:SAML:2.0:protocol\">\n  <a:NameID xmlns:a=\"urn:oasis:names:tc:SAML:2.0:assertion\">\n Ķēniņš \n</a:NameID>\n  <p:SessionIndex>\n ST-2-x \n</p:SessionIndex>\n</p:LogoutRequest>",
			wantIndex: "ST-2-x", wantUser: "Ķēniņš"},
		{name: "no namespaces", body: `<LogoutRequest><SessionIndex>ST-3</SessionIndex></LogoutRequest>`, wantIndex: "ST-3"},
		{name: "empty", body: "", wantErr: true},
		{name: "not XML", body: "logout please", wantErr: true},
		{name: "other root", body: `<samlp:AuthnRequest ` + samlp + `><samlp:SessionIndex>ST-1</samlp:SessionIndex></samlp:AuthnRequest>`, wantErr: true},
		{name: "no SessionIndex", body: `<samlp:LogoutRequest ` + samlp + `><saml:NameID ` + saml + `>u</saml:NameID></samlp:LogoutRequest>`, wantErr: true},
		{name: "SessionIndex with bad characters", body: `<samlp:LogoutRequest ` + samlp + `><samlp:SessionIndex>ST-1' OR '1'='1</samlp:SessionIndex></samlp:LogoutRequest>`, wantErr: true},
		{name: "entity expansion", body: `<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><samlp:LogoutRequest ` + samlp + `><samlp:SessionIndex>&b;</samlp:SessionIndex></samlp:LogoutRequest>`, wantErr: true},
		{name: "huge", body: `<samlp:LogoutRequest ` + samlp + `><samlp:SessionIndex>ST-1</samlp:SessionIndex>` + strings.Repeat(" ", casclient.MaxLogoutRequestBytes) + `</samlp:LogoutRequest>`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			idx, user, err := casclient.ParseLogoutRequest(tt.body)
			if tt.wantErr {
				if err == nil {
					t.Errorf("ParseLogoutRequest() = %q, %q, nil, want an error", idx, user)
				}
				return
			}
			if err != nil || idx != tt.wantIndex || user != tt.wantUser {
				t.Errorf("ParseLogoutRequest() = %q, %q, %v, want %q, %q, nil", idx, user, err, tt.wantIndex, tt.wantUser)
			}
		})
	}
}

func TestValidTicket(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want bool
	}{
		{"ST-1-abcDEF123", true},
		{"", false},
		{"ST 1", false},
		{"ST-1&service=x", false},
		{"ST-é", false},
		{strings.Repeat("a", 256), true},
		{strings.Repeat("a", 257), false},
	} {
		if got := casclient.ValidTicket(tt.in); got != tt.want {
			t.Errorf("ValidTicket(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// TestValidate runs Validate against a CAS server (httptest) that checks the
// request and answers what the case says.
func TestValidate(t *testing.T) {
	const service = "http://portal.example/cas/callback"
	tests := []struct {
		name     string
		status   int
		body     string
		wantUser string
		wantCode string // a *Failure with this code
		wantErr  bool   // another error
	}{
		{name: "success", status: 200, body: success("n3kabcd", `<cas:strength>PASSWORD_SMS</cas:strength>`), wantUser: "n3kabcd"},
		{name: "failure", status: 200, body: `<cas:serviceResponse ` + ns + `><cas:authenticationFailure code="INVALID_STRENGTH">weak</cas:authenticationFailure></cas:serviceResponse>`, wantCode: casclient.CodeInvalidStrength},
		{name: "failure with an error status", status: 400, body: `<cas:serviceResponse ` + ns + `><cas:authenticationFailure code="INVALID_REQUEST">x</cas:authenticationFailure></cas:serviceResponse>`, wantCode: casclient.CodeInvalidRequest},
		{name: "error status without a CAS body", status: 502, body: "Bad Gateway", wantErr: true},
		{name: "success with an error status", status: 500, body: success("u", ""), wantErr: true},
		{name: "redirect is not followed", status: 302, body: "", wantErr: true},
		{name: "HTML", status: 200, body: "<!DOCTYPE html><html></html>", wantErr: true},
		{name: "too large", status: 200, body: success("u", strings.Repeat("<cas:a>x</cas:a>", casclient.MaxResponseBytes/16+1)), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var gotQuery url.Values
			var gotPath string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				gotPath, gotQuery = r.URL.Path, r.URL.Query()
				if tt.status == http.StatusFound {
					http.Redirect(w, r, "/elsewhere", http.StatusFound)
					return
				}
				w.Header().Set("Content-Type", "application/xml;charset=UTF-8")
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			c := &casclient.Client{BaseURL: srv.URL + "/cas"}
			p, err := c.Validate(t.Context(), "ST-1-abc", service)
			if gotPath != "/cas/p3/serviceValidate" || gotQuery.Get("service") != service || gotQuery.Get("ticket") != "ST-1-abc" {
				t.Errorf("request = %s?%s, want /cas/p3/serviceValidate with service %q and ticket ST-1-abc", gotPath, gotQuery.Encode(), service)
			}
			var f *casclient.Failure
			switch {
			case tt.wantUser != "":
				if err != nil || p.User != tt.wantUser {
					t.Errorf("Validate() = %v, %v, want user %q", p, err, tt.wantUser)
				}
			case tt.wantCode != "":
				if !errors.As(err, &f) || f.Code != tt.wantCode {
					t.Errorf("Validate() = %v, %v, want a Failure %s", p, err, tt.wantCode)
				}
			default:
				if err == nil || errors.As(err, &f) {
					t.Errorf("Validate() = %v, %v, want an error that is not a *Failure", p, err)
				}
			}
		})
	}
}

func TestValidateMalformedTicket(t *testing.T) {
	called := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { called = true }))
	defer srv.Close()
	c := &casclient.Client{BaseURL: srv.URL}
	for _, ticket := range []string{"", "ST-1&service=http://evil", strings.Repeat("S", 300)} {
		if _, err := c.Validate(t.Context(), ticket, "http://portal"); !errors.Is(err, casclient.ErrMalformedTicket) {
			t.Errorf("Validate(%q) = %v, want ErrMalformedTicket", ticket, err)
		}
	}
	if called {
		t.Error("Validate contacted the server for a malformed ticket")
	}
}

// TestValidateCanceled: a server that does not answer is abandoned when the
// context ends.
func TestValidateCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cancel()
		<-r.Context().Done()
	}))
	defer srv.Close()
	c := &casclient.Client{BaseURL: srv.URL, HTTP: srv.Client()}
	if _, err := c.Validate(ctx, "ST-1", "http://portal"); !errors.Is(err, context.Canceled) {
		t.Errorf("Validate() = %v, want context.Canceled", err)
	}
}
