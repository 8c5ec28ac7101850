package mail

import "context"

// Message is one e-mail, already rendered in the recipient's language.
type Message struct {
	To      string // recipient address, e.g. "user@example.org"
	ToName  string // display name, may be empty, any Unicode
	Subject string // any Unicode
	Text    string // plain text body, always present
	HTML    string // HTML body, optional
}

// Sender delivers messages.
type Sender interface {
	// Send delivers m. It returns once the receiving server has accepted
	// the message or an error occurred.
	Send(ctx context.Context, m Message) error
}

// TLSMode selects how an SMTP connection is secured.
type TLSMode string

// Supported TLS modes.
const (
	// TLSNone never attempts TLS; everything, including credentials, is sent
	// in clear. Only suitable for a trusted local relay.
	TLSNone TLSMode = "none"
	// TLSStartTLS connects in clear and upgrades with STARTTLS. The upgrade
	// is mandatory: if the server does not offer STARTTLS, sending fails.
	TLSStartTLS TLSMode = "starttls"
	// TLSImplicit speaks TLS from the start of the connection (SMTPS).
	TLSImplicit TLSMode = "tls"
)

// valid reports whether m is one of the known modes.
func (m TLSMode) valid() bool {
	switch m {
	case TLSNone, TLSStartTLS, TLSImplicit:
		return true
	}
	return false
}
