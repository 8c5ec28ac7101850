package mailtest

import (
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"eulogin/internal/mail"
)

// WaitTimeout is how long [Server.WaitFor] waits before failing the test.
const WaitTimeout = 10 * time.Second

// Options configures a [Server].
type Options struct {
	// TLS selects the transport security: "" or mail.TLSNone for plain
	// SMTP, mail.TLSStartTLS to offer (not force) STARTTLS, mail.TLSImplicit
	// for TLS from the first byte.
	TLS mail.TLSMode
	// Username and Password, when Username is set, make the server require
	// AUTH PLAIN before MAIL FROM. With STARTTLS, AUTH is only offered after
	// the upgrade; with no TLS it is offered in clear.
	Username, Password string
}

// Server is a running SMTP server. Create it with [NewServer]; it is closed
// by the test's cleanup. Its methods are safe for concurrent use.
type Server struct {
	Addr string // "127.0.0.1:port"
	Host string // "127.0.0.1"
	Port int

	t    testing.TB
	mode mail.TLSMode
	opts Options
	pool *x509.CertPool

	mu     sync.Mutex
	msgs   []Received
	notify chan struct{} // closed and replaced when msgs grows or the server closes
	closed bool
}

// NewServer starts an SMTP server on 127.0.0.1 with an ephemeral port and
// registers its shutdown with t.Cleanup. It fails the test if the server
// cannot be started or opts is invalid. A message that cannot be parsed as
// MIME is still stored, and reported with t.Errorf.
func NewServer(t testing.TB, opts Options) *Server {
	t.Helper()
	mode := opts.TLS
	if mode == "" {
		mode = mail.TLSNone
	}
	switch mode {
	case mail.TLSNone, mail.TLSStartTLS, mail.TLSImplicit:
	default:
		t.Fatalf("mailtest: unknown TLS mode %q", opts.TLS)
	}
	if opts.Username == "" && opts.Password != "" {
		t.Fatalf("mailtest: Password set without Username")
	}
	bundle, err := sharedCert()
	if err != nil {
		t.Fatalf("mailtest: certificate: %v", err)
	}

	s := &Server{
		t:      t,
		mode:   mode,
		opts:   opts,
		pool:   bundle.pool.Clone(),
		notify: make(chan struct{}),
	}

	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.Domain = "localhost"
	srv.MaxMessageBytes = 10 << 20
	srv.MaxRecipients = 100
	srv.ReadTimeout = time.Minute
	srv.WriteTimeout = time.Minute
	srv.EnableSMTPUTF8 = true
	srv.AllowInsecureAuth = mode == mail.TLSNone
	srv.ErrorLog = serverLog{s}

	var ln net.Listener
	ln, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mailtest: listen: %v", err)
	}
	tlsConfig := &tls.Config{
		Certificates: []tls.Certificate{bundle.cert},
		MinVersion:   tls.VersionTLS12,
	}
	switch mode {
	case mail.TLSStartTLS:
		srv.TLSConfig = tlsConfig
	case mail.TLSImplicit:
		ln = tls.NewListener(ln, tlsConfig)
	}

	addr := ln.Addr().(*net.TCPAddr)
	s.Addr = addr.String()
	s.Host = addr.IP.String()
	s.Port = addr.Port

	served := make(chan struct{})
	go func() {
		defer close(served)
		if err := srv.Serve(ln); err != nil {
			s.logf("mailtest: serve: %v", err)
		}
	}()
	t.Cleanup(func() {
		s.mu.Lock()
		s.closed = true
		close(s.notify)
		s.mu.Unlock()
		if err := srv.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			t.Logf("mailtest: close: %v", err)
		}
		// srv.Close only closes listeners Serve has already registered;
		// if the goroutine has not got that far, closing ln ends it.
		if err := ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			t.Logf("mailtest: close listener: %v", err)
		}
		<-served
	})
	return s
}

// RootCAs returns a pool that trusts the server's self-signed certificate.
// It is a fresh copy per server; modifying it affects nothing else.
func (s *Server) RootCAs() *x509.CertPool {
	return s.pool.Clone()
}

// Config returns an SMTPConfig that points at this server with matching TLS
// mode, credentials and RootCAs, sending as from.
func (s *Server) Config(from string) mail.SMTPConfig {
	return mail.SMTPConfig{
		Host:     s.Host,
		Port:     s.Port,
		TLS:      s.mode,
		Username: s.opts.Username,
		Password: s.opts.Password,
		From:     from,
		RootCAs:  s.RootCAs(),
	}
}

// Messages returns every message received so far, in arrival order.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.msgs)
}

// WaitFor blocks until at least n messages whose envelope recipients include
// to (compared case-insensitively) have arrived, and returns all of them in
// arrival order. It fails the test with t.Fatalf if that does not happen
// within [WaitTimeout] or the server is closed, so it must be called from the
// test's goroutine.
func (s *Server) WaitFor(t testing.TB, to string, n int) []Received {
	t.Helper()
	timer := time.NewTimer(WaitTimeout)
	defer timer.Stop()
	for {
		s.mu.Lock()
		got := s.matching(to)
		notify, closed := s.notify, s.closed
		s.mu.Unlock()
		if len(got) >= n {
			return got
		}
		if closed {
			t.Fatalf("mailtest: server closed while waiting for %d message(s) to %s; got %d", n, to, len(got))
		}
		select {
		case <-notify:
		case <-timer.C:
			t.Fatalf("mailtest: timed out after %s waiting for %d message(s) to %s; got %d (envelope recipients so far: %v)",
				WaitTimeout, n, to, len(got), s.recipients())
		}
	}
}

// matching returns the stored messages addressed to to. s.mu must be held.
func (s *Server) matching(to string) []Received {
	to = strings.TrimSpace(to)
	var got []Received
	for _, m := range s.msgs {
		if slices.ContainsFunc(m.To, func(r string) bool { return strings.EqualFold(r, to) }) {
			got = append(got, m)
		}
	}
	return got
}

// recipients lists all envelope recipients received so far.
func (s *Server) recipients() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var all []string
	for _, m := range s.msgs {
		all = append(all, m.To...)
	}
	return all
}

// errClosed is returned to clients that finish a message after shutdown.
var errClosed = &smtp.SMTPError{
	Code:         421,
	EnhancedCode: smtp.EnhancedCode{4, 3, 2},
	Message:      "mailtest server shutting down",
}

// add stores a received message and wakes waiters.
func (s *Server) add(m Received, parseErr error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errClosed
	}
	if parseErr != nil {
		s.t.Errorf("mailtest: message from %s to %v is not valid MIME: %v", m.From, m.To, parseErr)
	}
	s.msgs = append(s.msgs, m)
	close(s.notify)
	s.notify = make(chan struct{})
	return nil
}

// logf logs through the test while it is running.
func (s *Server) logf(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.t.Logf(format, args...)
	}
}

// serverLog adapts Server.logf to smtp.Logger.
type serverLog struct{ s *Server }

func (l serverLog) Printf(format string, v ...any) {
	l.s.logf("mailtest: smtp: "+format, v...)
}

func (l serverLog) Println(v ...any) {
	l.s.logf("mailtest: smtp: %s", strings.TrimSuffix(fmt.Sprintln(v...), "\n"))
}

// newSession is the smtp.Backend.
func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	se := &session{srv: s, conn: c}
	if s.opts.Username != "" {
		return authSession{se}, nil
	}
	return se, nil
}

// session is one SMTP conversation (reset after STARTTLS).
type session struct {
	srv    *Server
	conn   *smtp.Conn
	authed bool
	from   string
	to     []string
}

func (se *session) authOK() error {
	if se.srv.opts.Username != "" && !se.authed {
		return smtp.ErrAuthRequired
	}
	return nil
}

func (se *session) Mail(from string, _ *smtp.MailOptions) error {
	if err := se.authOK(); err != nil {
		return err
	}
	se.from, se.to = from, nil
	return nil
}

func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if err := se.authOK(); err != nil {
		return err
	}
	se.to = append(se.to, to)
	return nil
}

func (se *session) Data(r io.Reader) error {
	if err := se.authOK(); err != nil {
		return err
	}
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, parseErr := parse(raw)
	m.From = se.from
	m.To = slices.Clone(se.to)
	_, m.TLS = se.conn.TLSConnectionState()
	return se.srv.add(m, parseErr)
}

func (se *session) Reset() {
	se.from, se.to = "", nil
}

func (se *session) Logout() error { return nil }

// authSession adds AUTH PLAIN to session.
type authSession struct{ *session }

func (a authSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (a authSession) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if identity != "" && identity != username {
			return smtp.ErrAuthFailed
		}
		userOK := subtle.ConstantTimeCompare([]byte(username), []byte(a.srv.opts.Username))
		passOK := subtle.ConstantTimeCompare([]byte(password), []byte(a.srv.opts.Password))
		if userOK&passOK != 1 {
			return smtp.ErrAuthFailed
		}
		a.authed = true
		return nil
	}), nil
}
