package cas

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"net/http"
)

// Namespace is the XML namespace of CAS service responses.
const Namespace = "http://www.yale.edu/tp/cas"

// The failure codes of the CAS protocol, and EU Login's INVALID_STRENGTH.
const (
	CodeInvalidRequest           = "INVALID_REQUEST"
	CodeInvalidTicketSpec        = "INVALID_TICKET_SPEC"
	CodeUnauthorizedService      = "UNAUTHORIZED_SERVICE"
	CodeUnauthorizedServiceProxy = "UNAUTHORIZED_SERVICE_PROXY"
	CodeInvalidProxyCallback     = "INVALID_PROXY_CALLBACK"
	CodeInvalidTicket            = "INVALID_TICKET"
	CodeInvalidService           = "INVALID_SERVICE"
	CodeInternalError            = "INTERNAL_ERROR"
	CodeInvalidStrength          = "INVALID_STRENGTH"
)

// Attribute is one attribute of a validation answer; most have one value,
// authenticationFactors one per factor.
type Attribute struct {
	Name   string
	Values []string
}

// Success is the content of a successful validation.
type Success struct {
	User       string
	Attributes []Attribute // EU Login's attributes, in the order sent
	Standard   []Attribute // CAS 3.0's authenticationDate, longTermAuthenticationRequestTokenUsed, isFromNewLogin
	PGTIOU     string      // "" when no proxy-granting ticket was granted
	Proxies    []string    // for a proxy ticket, most recent first
}

// Failure is a failed validation or proxy request.
type Failure struct {
	Code    string
	Message string
}

// Error returns the code and the message.
func (f *Failure) Error() string { return f.Code + ": " + f.Message }

// xmlWriter writes elements with the cas: prefix through encoding/xml, which
// escapes every text and attribute value.
type xmlWriter struct {
	enc *xml.Encoder
	err error
}

func (x *xmlWriter) token(t xml.Token) {
	if x.err == nil {
		x.err = x.enc.EncodeToken(t)
	}
}

func (x *xmlWriter) start(name string, attrs ...xml.Attr) {
	x.token(xml.StartElement{Name: xml.Name{Local: name}, Attr: attrs})
}

func (x *xmlWriter) end(name string) { x.token(xml.EndElement{Name: xml.Name{Local: name}}) }

func (x *xmlWriter) element(name, text string) {
	x.start(name)
	x.token(xml.CharData(text))
	x.end(name)
}

func attr(name, value string) xml.Attr { return xml.Attr{Name: xml.Name{Local: name}, Value: value} }

// newXML starts a document.
func newXML(buf *bytes.Buffer) *xmlWriter {
	enc := xml.NewEncoder(buf)
	enc.Indent("", "  ")
	return &xmlWriter{enc: enc}
}

func (x *xmlWriter) close(buf *bytes.Buffer) ([]byte, error) {
	if x.err == nil {
		x.err = x.enc.Flush()
	}
	if x.err != nil {
		return nil, x.err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// SuccessXML returns the XML answer of a successful validation. version 2
// puts EU Login's attributes directly in <cas:authenticationSuccess>, as EU
// Login does; version 3 puts them, after CAS 3.0's standard ones, in
// <cas:attributes>.
func SuccessXML(s *Success, version int) ([]byte, error) {
	var buf bytes.Buffer
	x := newXML(&buf)
	x.start("cas:serviceResponse", attr("xmlns:cas", Namespace))
	x.start("cas:authenticationSuccess")
	x.element("cas:user", s.User)
	if version >= 3 {
		x.start("cas:attributes")
		for _, a := range append(append([]Attribute(nil), s.Standard...), s.Attributes...) {
			for _, v := range a.Values {
				x.element("cas:"+a.Name, v)
			}
		}
		x.end("cas:attributes")
	} else {
		for _, a := range s.Attributes {
			for _, v := range a.Values {
				x.element("cas:"+a.Name, v)
			}
		}
	}
	if s.PGTIOU != "" {
		x.element("cas:proxyGrantingTicket", s.PGTIOU)
	}
	if len(s.Proxies) > 0 {
		x.start("cas:proxies")
		for _, p := range s.Proxies {
			x.element("cas:proxy", p)
		}
		x.end("cas:proxies")
	}
	x.end("cas:authenticationSuccess")
	x.end("cas:serviceResponse")
	return x.close(&buf)
}

// FailureXML returns the XML answer of a failure; element is
// "authenticationFailure" or "proxyFailure".
func FailureXML(f *Failure, element string) ([]byte, error) {
	var buf bytes.Buffer
	x := newXML(&buf)
	x.start("cas:serviceResponse", attr("xmlns:cas", Namespace))
	x.start("cas:"+element, attr("code", f.Code))
	x.token(xml.CharData(f.Message))
	x.end("cas:" + element)
	x.end("cas:serviceResponse")
	return x.close(&buf)
}

// ProxySuccessXML returns the XML answer of /proxy.
func ProxySuccessXML(pt string) ([]byte, error) {
	var buf bytes.Buffer
	x := newXML(&buf)
	x.start("cas:serviceResponse", attr("xmlns:cas", Namespace))
	x.start("cas:proxySuccess")
	x.element("cas:proxyTicket", pt)
	x.end("cas:proxySuccess")
	x.end("cas:serviceResponse")
	return x.close(&buf)
}

type jsonFailure struct {
	Code        string `json:"code"`
	Description string `json:"description"`
}

type jsonSuccess struct {
	User                string              `json:"user"`
	ProxyGrantingTicket string              `json:"proxyGrantingTicket,omitempty"`
	Proxies             []string            `json:"proxies,omitempty"`
	Attributes          map[string][]string `json:"attributes,omitempty"`
}

type jsonResponse struct {
	AuthenticationSuccess *jsonSuccess `json:"authenticationSuccess,omitempty"`
	AuthenticationFailure *jsonFailure `json:"authenticationFailure,omitempty"`
	ProxySuccess          *struct {
		ProxyTicket string `json:"proxyTicket"`
	} `json:"proxySuccess,omitempty"`
	ProxyFailure *jsonFailure `json:"proxyFailure,omitempty"`
}

func marshalJSON(r *jsonResponse) ([]byte, error) {
	b, err := json.MarshalIndent(struct {
		ServiceResponse *jsonResponse `json:"serviceResponse"`
	}{r}, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// SuccessJSON returns the JSON answer of a successful validation, in the
// shape of the protocol: {"serviceResponse": {"authenticationSuccess":
// {"user": ..., "attributes": {...}}}}. Every attribute, standard or EU
// Login's, is a list of strings.
func SuccessJSON(s *Success) ([]byte, error) {
	js := &jsonSuccess{User: s.User, ProxyGrantingTicket: s.PGTIOU, Proxies: s.Proxies, Attributes: map[string][]string{}}
	for _, a := range append(append([]Attribute(nil), s.Standard...), s.Attributes...) {
		js.Attributes[a.Name] = append(js.Attributes[a.Name], a.Values...)
	}
	return marshalJSON(&jsonResponse{AuthenticationSuccess: js})
}

// FailureJSON returns the JSON answer of a failure; element is
// "authenticationFailure" or "proxyFailure".
func FailureJSON(f *Failure, element string) ([]byte, error) {
	jf := &jsonFailure{Code: f.Code, Description: f.Message}
	if element == "proxyFailure" {
		return marshalJSON(&jsonResponse{ProxyFailure: jf})
	}
	return marshalJSON(&jsonResponse{AuthenticationFailure: jf})
}

// ProxySuccessJSON returns the JSON answer of /proxy.
func ProxySuccessJSON(pt string) ([]byte, error) {
	r := &jsonResponse{ProxySuccess: &struct {
		ProxyTicket string `json:"proxyTicket"`
	}{pt}}
	return marshalJSON(r)
}

// write sends a protocol answer: always 200 (a failure is an answer, not an
// HTTP error), never cached.
func write(w http.ResponseWriter, contentType string, body []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

const (
	contentXML  = "application/xml; charset=utf-8"
	contentJSON = "application/json; charset=utf-8"
	contentText = "text/plain; charset=utf-8"
)
