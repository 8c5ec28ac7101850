package cas_test

import (
	"encoding/json"
	"encoding/xml"
	"regexp"
	"strings"
	"testing"
	"time"

	"eulogin/internal/cas"
)

// nasty are values that must survive XML and JSON unchanged.
var nasty = []string{
	`<b>Ana & "Ко"</b>`,
	"Ķēniņš",
	"Δημήτρης",
	`O'Brien ]]> <![CDATA[ x ]]>`,
	"&amp; &lt; literal",
}

func TestTicketFormat(t *testing.T) {
	valid := regexp.MustCompile(`^[A-Za-z0-9-]+$`)
	seen := map[string]bool{}
	for _, prefix := range []string{cas.PrefixServiceTicket, cas.PrefixProxyTicket, cas.PrefixPGT, cas.PrefixPGTIOU} {
		for range 50 {
			tk := cas.NewTicket(prefix)
			rest, ok := strings.CutPrefix(tk, prefix)
			if !ok || len(rest) < 32 || len(tk) > 256 || !valid.MatchString(tk) || strings.Contains(rest, "-") {
				t.Fatalf("NewTicket(%q) = %q: want the prefix, then at least 32 of [A-Za-z0-9], at most 256 in all", prefix, tk)
			}
			if seen[tk] {
				t.Fatalf("NewTicket(%q) returned %q twice", prefix, tk)
			}
			seen[tk] = true
		}
	}
	if h := cas.HashTicket("ST-x"); len(h) != 64 || h == cas.HashTicket("ST-y") {
		t.Errorf("HashTicket() = %q, want 64 hex characters, different per ticket", h)
	}
}

// parsedSuccess is a service response read back with encoding/xml.
type parsedSuccess struct {
	XMLName xml.Name `xml:"http://www.yale.edu/tp/cas serviceResponse"`
	Success struct {
		User       string `xml:"http://www.yale.edu/tp/cas user"`
		Attributes struct {
			Any []struct {
				XMLName xml.Name
				Value   string `xml:",chardata"`
			} `xml:",any"`
		} `xml:"http://www.yale.edu/tp/cas attributes"`
		Flat []struct {
			XMLName xml.Name
			Value   string `xml:",chardata"`
		} `xml:",any"`
		PGT     string   `xml:"http://www.yale.edu/tp/cas proxyGrantingTicket"`
		Proxies []string `xml:"http://www.yale.edu/tp/cas proxies>proxy"`
	} `xml:"http://www.yale.edu/tp/cas authenticationSuccess"`
}

func TestEscaping(t *testing.T) {
	for _, v := range nasty {
		t.Run(v, func(t *testing.T) {
			s := &cas.Success{
				User:       v,
				Attributes: []cas.Attribute{{Name: "firstName", Values: []string{v}}, {Name: "authenticationFactors", Values: []string{"PASSWORD", v}}},
				Standard:   []cas.Attribute{{Name: "isFromNewLogin", Values: []string{"true"}}},
				PGTIOU:     "PGTIOU-1",
				Proxies:    []string{"https://p.example.org/cb?a=1&b=" + v},
			}
			for _, version := range []int{2, 3} {
				body, err := cas.SuccessXML(s, version)
				if err != nil {
					t.Fatalf("SuccessXML(version %d) = %v", version, err)
				}
				var got parsedSuccess
				if err := xml.Unmarshal(body, &got); err != nil {
					t.Fatalf("SuccessXML(version %d) is not XML: %v\n%s", version, err, body)
				}
				attrs := got.Success.Flat
				if version == 3 {
					attrs = got.Success.Attributes.Any
				}
				values := map[string][]string{}
				for _, a := range attrs {
					if a.XMLName.Space != cas.Namespace {
						t.Errorf("version %d: attribute %s in namespace %q, want %q", version, a.XMLName.Local, a.XMLName.Space, cas.Namespace)
					}
					values[a.XMLName.Local] = append(values[a.XMLName.Local], a.Value)
				}
				if got.Success.User != v || len(values["firstName"]) != 1 || values["firstName"][0] != v {
					t.Errorf("version %d: user %q, firstName %q, want %q\n%s", version, got.Success.User, values["firstName"], v, body)
				}
				if f := values["authenticationFactors"]; len(f) != 2 || f[1] != v {
					t.Errorf("version %d: authenticationFactors = %q, want [PASSWORD %q]", version, f, v)
				}
				if _, ok := values["isFromNewLogin"]; ok != (version == 3) {
					t.Errorf("version %d: isFromNewLogin present = %v, want %v", version, ok, version == 3)
				}
				if got.Success.PGT != "PGTIOU-1" || len(got.Success.Proxies) != 1 || got.Success.Proxies[0] != s.Proxies[0] {
					t.Errorf("version %d: PGT %q proxies %q, want PGTIOU-1 %q", version, got.Success.PGT, got.Success.Proxies, s.Proxies)
				}
				if !strings.Contains(string(body), "<cas:user>") {
					t.Errorf("version %d: no <cas:user> element with the cas: prefix:\n%s", version, body)
				}
			}

			body, err := cas.SuccessJSON(s)
			if err != nil {
				t.Fatalf("SuccessJSON() = %v", err)
			}
			var j struct {
				ServiceResponse struct {
					AuthenticationSuccess struct {
						User       string              `json:"user"`
						Attributes map[string][]string `json:"attributes"`
						PGT        string              `json:"proxyGrantingTicket"`
						Proxies    []string            `json:"proxies"`
					} `json:"authenticationSuccess"`
				} `json:"serviceResponse"`
			}
			if err := json.Unmarshal(body, &j); err != nil {
				t.Fatalf("SuccessJSON() is not JSON: %v\n%s", err, body)
			}
			js := j.ServiceResponse.AuthenticationSuccess
			if js.User != v || len(js.Attributes["firstName"]) != 1 || js.Attributes["firstName"][0] != v || js.Attributes["isFromNewLogin"][0] != "true" || js.PGT != "PGTIOU-1" {
				t.Errorf("SuccessJSON() read back = %+v, want user and firstName %q\n%s", js, v, body)
			}

			fx, err := cas.FailureXML(&cas.Failure{Code: cas.CodeInvalidTicket, Message: v}, "authenticationFailure")
			if err != nil {
				t.Fatal(err)
			}
			var f struct {
				Failure struct {
					Code    string `xml:"code,attr"`
					Message string `xml:",chardata"`
				} `xml:"http://www.yale.edu/tp/cas authenticationFailure"`
			}
			if err := xml.Unmarshal(fx, &f); err != nil || f.Failure.Code != cas.CodeInvalidTicket || f.Failure.Message != v {
				t.Errorf("FailureXML() read back = %+v, %v, want %s %q\n%s", f, err, cas.CodeInvalidTicket, v, fx)
			}
			fj, err := cas.FailureJSON(&cas.Failure{Code: cas.CodeInvalidStrength, Message: v}, "authenticationFailure")
			if err != nil {
				t.Fatal(err)
			}
			var jf struct {
				ServiceResponse struct {
					Failure struct{ Code, Description string } `json:"authenticationFailure"`
				} `json:"serviceResponse"`
			}
			if err := json.Unmarshal(fj, &jf); err != nil || jf.ServiceResponse.Failure.Code != cas.CodeInvalidStrength || jf.ServiceResponse.Failure.Description != v {
				t.Errorf("FailureJSON() read back = %+v, %v\n%s", jf, err, fj)
			}
		})
	}
}

func TestLogoutRequest(t *testing.T) {
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for _, user := range nasty {
		doc, err := cas.LogoutRequest(user, "ST-abc123", at)
		if err != nil {
			t.Fatal(err)
		}
		var lr struct {
			XMLName      xml.Name `xml:"urn:oasis:names:tc:SAML:2.0:protocol LogoutRequest"`
			ID           string   `xml:"ID,attr"`
			Version      string   `xml:"Version,attr"`
			IssueInstant string   `xml:"IssueInstant,attr"`
			NameID       string   `xml:"urn:oasis:names:tc:SAML:2.0:assertion NameID"`
			SessionIndex string   `xml:"urn:oasis:names:tc:SAML:2.0:protocol SessionIndex"`
		}
		if err := xml.Unmarshal(doc, &lr); err != nil {
			t.Fatalf("LogoutRequest(%q) is not XML: %v\n%s", user, err, doc)
		}
		if lr.NameID != user || lr.SessionIndex != "ST-abc123" || lr.Version != "2.0" || lr.IssueInstant != "2026-03-02T09:00:00Z" || lr.ID == "" {
			t.Errorf("LogoutRequest(%q) read back = %+v\n%s", user, lr, doc)
		}
	}
}
