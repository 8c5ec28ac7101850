package mail

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	netmail "net/mail"
	"strings"
	"time"
	"unicode"

	gomail "github.com/wneessen/go-mail"
)

// Defaults applied by [NewSMTP] to zero-valued [SMTPConfig] fields.
const (
	// DefaultTLSMode is used when SMTPConfig.TLS is empty.
	DefaultTLSMode = TLSStartTLS
	// DefaultPortStartTLS is the submission port, used with TLSStartTLS.
	DefaultPortStartTLS = 587
	// DefaultPortImplicit is the submissions (SMTPS) port, used with TLSImplicit.
	DefaultPortImplicit = 465
	// DefaultPortNone is the SMTP relay port, used with TLSNone.
	DefaultPortNone = 25
	// DefaultTimeout bounds one SMTP connection when SMTPConfig.Timeout is zero.
	DefaultTimeout = 15 * time.Second
)

// SMTPConfig configures an [SMTPSender].
type SMTPConfig struct {
	Host     string
	Port     int     // default 587 for starttls, 465 for tls, 25 for none
	TLS      TLSMode // default starttls
	Username string  // optional; when set, SMTP AUTH is required (mechanism chosen from the server's offer)
	Password string
	From     string         // "Name <addr>" or "addr"; required
	HELO     string         // optional; default is the local host name
	Timeout  time.Duration  // per connection; default 15s
	RootCAs  *x509.CertPool // trusted roots for the server certificate; nil = system pool
}

// withDefaults returns c with zero-valued fields replaced by their defaults.
func (c SMTPConfig) withDefaults() SMTPConfig {
	if c.TLS == "" {
		c.TLS = DefaultTLSMode
	}
	if c.Port == 0 {
		switch c.TLS {
		case TLSImplicit:
			c.Port = DefaultPortImplicit
		case TLSNone:
			c.Port = DefaultPortNone
		default:
			c.Port = DefaultPortStartTLS
		}
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	return c
}

// Validate reports every problem with c, joined into one error, or nil.
// Zero values that have a default (Port, TLS, Timeout) are valid.
func (c SMTPConfig) Validate() error {
	d := c.withDefaults()
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("mail: invalid SMTP config: "+format, args...))
	}
	switch {
	case strings.TrimSpace(d.Host) == "":
		bad("host is empty")
	case strings.ContainsFunc(d.Host, isSpaceOrControl):
		bad("host %q contains white space or control characters", d.Host)
	case strings.Contains(d.Host, ":"):
		bad("host %q must not contain a port or be an IPv6 literal; use Port and a host name", d.Host)
	}
	if d.Port < 1 || d.Port > 65535 {
		bad("port %d out of range 1-65535", d.Port)
	}
	if !d.TLS.valid() {
		bad("unknown TLS mode %q (want %q, %q or %q)", d.TLS, TLSNone, TLSStartTLS, TLSImplicit)
	}
	if d.Timeout < 0 {
		bad("negative timeout %s", d.Timeout)
	}
	if strings.TrimSpace(d.From) == "" {
		bad("from address is empty")
	} else if _, err := netmail.ParseAddress(d.From); err != nil {
		bad("from address %q: %w", d.From, err)
	}
	if strings.ContainsFunc(d.HELO, isSpaceOrControl) {
		bad("HELO name %q contains white space or control characters", d.HELO)
	}
	if d.Username == "" && d.Password != "" {
		bad("password set without username")
	}
	return errors.Join(errs...)
}

// SMTPSender is a [Sender] that delivers over SMTP, one connection per
// message. It is safe for concurrent use.
type SMTPSender struct {
	cfg  SMTPConfig
	from netmail.Address
}

var _ Sender = (*SMTPSender)(nil)

// NewSMTP validates c, applies defaults and returns a sender. It does not
// connect to the server.
func NewSMTP(c SMTPConfig) (*SMTPSender, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c = c.withDefaults()
	from, err := netmail.ParseAddress(c.From)
	if err != nil { // unreachable after Validate, kept for safety
		return nil, fmt.Errorf("mail: invalid SMTP config: from address: %w", err)
	}
	return &SMTPSender{cfg: c, from: *from}, nil
}

// Send delivers m. The recipient address m.To is parsed with
// net/mail.ParseAddress. The context bounds dialing; its deadline, if earlier
// than the configured timeout, bounds the whole SMTP conversation.
func (s *SMTPSender) Send(ctx context.Context, m Message) error {
	rcpt, err := netmail.ParseAddress(m.To)
	if err != nil {
		return fmt.Errorf("mail: invalid recipient %q: %w", m.To, err)
	}
	to := rcpt.Address
	if strings.TrimSpace(m.Text) == "" {
		return fmt.Errorf("mail: send to %s: message has no text body", to)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("mail: send to %s: %w", to, err)
	}
	timeout := s.cfg.Timeout
	if dl, ok := ctx.Deadline(); ok {
		if until := time.Until(dl); until < timeout {
			timeout = until
		}
	}
	if timeout <= 0 {
		return fmt.Errorf("mail: send to %s: %w", to, context.DeadlineExceeded)
	}

	msg := s.build(rcpt, m)
	client, err := s.client(timeout)
	if err != nil {
		return fmt.Errorf("mail: send to %s: %w", to, err)
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
			return fmt.Errorf("mail: send to %s: %w: %w", to, cerr, err)
		}
		return fmt.Errorf("mail: send to %s: %w", to, err)
	}
	return nil
}

// build renders m as a go-mail message.
func (s *SMTPSender) build(rcpt *netmail.Address, m Message) *gomail.Msg {
	msg := gomail.NewMsg(
		gomail.WithCharset(gomail.CharsetUTF8),
		gomail.WithEncoding(gomail.EncodingQP),
		gomail.WithNoDefaultUserAgent(),
	)
	from := s.from
	msg.FromMailAddress(&from)

	name := headerText(m.ToName)
	if name == "" {
		name = rcpt.Name
	}
	msg.ToMailAddress(&netmail.Address{Name: name, Address: rcpt.Address})

	msg.Subject(headerText(m.Subject))
	msg.SetDate()
	if domain := messageIDDomain(s.from.Address); domain != "" {
		msg.SetMessageIDWithValue(rand.Text() + "@" + domain)
	} else {
		msg.SetMessageID()
	}
	msg.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	msg.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All")

	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	return msg
}

// client returns a go-mail client for one connection.
func (s *SMTPSender) client(timeout time.Duration) (*gomail.Client, error) {
	c := s.cfg
	opts := []gomail.Option{
		gomail.WithTimeout(timeout),
		gomail.WithTLSConfig(&tls.Config{
			ServerName: c.Host,
			RootCAs:    c.RootCAs,
			MinVersion: tls.VersionTLS12,
		}),
	}
	switch c.TLS {
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case TLSStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL(), gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if c.HELO != "" {
		opts = append(opts, gomail.WithHELO(c.HELO))
	}
	if c.Username != "" {
		opts = append(opts, gomail.WithUsername(c.Username), gomail.WithPassword(c.Password))
		if c.TLS == TLSNone {
			// go-mail's auto-discovery refuses PLAIN and LOGIN on an
			// unencrypted connection. The operator chose TLSNone
			// explicitly, so allow them, after the challenge-response
			// mechanisms.
			opts = append(opts, gomail.WithOpportunisticSMTPAuth(
				gomail.SMTPAuthSCRAMSHA256, gomail.SMTPAuthSCRAMSHA1, gomail.SMTPAuthCramMD5,
				gomail.SMTPAuthPlainNoEnc, gomail.SMTPAuthLoginNoEnc,
			))
		} else {
			opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover))
		}
	}
	// Last, so that no option above can override it.
	opts = append(opts, gomail.WithPort(c.Port))
	return gomail.NewClient(c.Host, opts...)
}

// headerText turns s into a single header line: control characters
// (including CR and LF) become spaces and surrounding space is trimmed.
func headerText(s string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s))
}

// messageIDDomain returns the domain of addr if it is plain ASCII suitable
// for the right-hand side of a Message-ID, or "".
func messageIDDomain(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return ""
	}
	domain := addr[at+1:]
	if domain == "" {
		return ""
	}
	for _, r := range domain {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			return ""
		}
	}
	return domain
}

// isSpaceOrControl reports whether r is white space or a control character.
func isSpaceOrControl(r rune) bool {
	return unicode.IsSpace(r) || unicode.IsControl(r)
}
