package mailtest

import (
	"crypto/tls"
	"net"
	netsmtp "net/smtp"
	"strconv"
	"strings"
	"testing"

	"eulogin/internal/mail"
)

// rawSend delivers body with the standard library client, independent of
// package mail. user == "" skips AUTH.
func rawSend(t *testing.T, s *Server, user, pass, from string, to []string, body string) error {
	t.Helper()
	var c *netsmtp.Client
	var err error
	tlsConfig := &tls.Config{ServerName: s.Host, RootCAs: s.RootCAs(), MinVersion: tls.VersionTLS12}
	if s.mode == mail.TLSImplicit {
		conn, err := tls.Dial("tcp", s.Addr, tlsConfig)
		if err != nil {
			return err
		}
		c, err = netsmtp.NewClient(conn, s.Host)
		if err != nil {
			return err
		}
	} else {
		c, err = netsmtp.Dial(s.Addr)
		if err != nil {
			return err
		}
	}
	defer c.Close()
	if s.mode == mail.TLSStartTLS {
		if err := c.StartTLS(tlsConfig); err != nil {
			return err
		}
	}
	if user != "" {
		if err := c.Auth(netsmtp.PlainAuth("", user, pass, s.Host)); err != nil {
			return err
		}
	}
	if err := c.Mail(from); err != nil {
		return err
	}
	for _, r := range to {
		if err := c.Rcpt(r); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte(strings.ReplaceAll(body, "\n", "\r\n"))); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

const simpleBody = "Subject: hi\nContent-Type: text/plain; charset=utf-8\n\nsee https://example.org/x\n"

func TestServerAuth(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		opts       Options
		user, pass string
		wantErr    string // "" = accepted
	}{
		{name: "no auth required", opts: Options{}},
		{name: "plain right credentials", opts: Options{Username: "u", Password: "p"}, user: "u", pass: "p"},
		{name: "plain wrong password", opts: Options{Username: "u", Password: "p"}, user: "u", pass: "x", wantErr: "535"},
		{name: "plain wrong user", opts: Options{Username: "u", Password: "p"}, user: "x", pass: "p", wantErr: "535"},
		{name: "plain missing auth", opts: Options{Username: "u", Password: "p"}, wantErr: "Please authenticate first"},
		{name: "starttls right credentials", opts: Options{TLS: mail.TLSStartTLS, Username: "u", Password: "p"}, user: "u", pass: "p"},
		{name: "starttls wrong password", opts: Options{TLS: mail.TLSStartTLS, Username: "u", Password: "p"}, user: "u", pass: "x", wantErr: "535"},
		{name: "implicit right credentials", opts: Options{TLS: mail.TLSImplicit, Username: "u", Password: "p"}, user: "u", pass: "p"},
		{name: "implicit without auth", opts: Options{TLS: mail.TLSImplicit}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := NewServer(t, tc.opts)
			err := rawSend(t, s, tc.user, tc.pass, "from@example.org", []string{"to@example.net"}, simpleBody)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("send error = %v, want nil", err)
				}
				got := s.WaitFor(t, "to@example.net", 1)[0]
				if got, want := got.TLS, tc.opts.TLS != ""; got != want {
					t.Errorf("TLS = %v, want %v", got, want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("send error = %v, want error containing %q", err, tc.wantErr)
			}
			if got, want := len(s.Messages()), 0; got != want {
				t.Errorf("stored %d messages, want %d", got, want)
			}
		})
	}
}

func TestServerStartTLSNotForced(t *testing.T) {
	t.Parallel()
	s := NewServer(t, Options{TLS: mail.TLSStartTLS, Username: "u", Password: "p"})
	c, err := netsmtp.Dial(s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("localhost"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, ext string
		want      bool
	}{
		{name: "starttls offered", ext: "STARTTLS", want: true},
		{name: "auth hidden before tls", ext: "AUTH", want: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got, _ := c.Extension(tc.ext); got != tc.want {
				t.Errorf("Extension(%q) = %v, want %v", tc.ext, got, tc.want)
			}
		})
	}
}

func TestServerConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		opts     Options
		wantMode mail.TLSMode
	}{
		{name: "default", opts: Options{}, wantMode: mail.TLSNone},
		{name: "starttls with auth", opts: Options{TLS: mail.TLSStartTLS, Username: "u", Password: "p"}, wantMode: mail.TLSStartTLS},
		{name: "implicit", opts: Options{TLS: mail.TLSImplicit}, wantMode: mail.TLSImplicit},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := NewServer(t, tc.opts)
			c := s.Config("IdP <idp@example.org>")
			if got, want := c.Host, "127.0.0.1"; got != want {
				t.Errorf("Host = %q, want %q", got, want)
			}
			if got, want := net.JoinHostPort(c.Host, strconv.Itoa(c.Port)), s.Addr; got != want {
				t.Errorf("host:port = %q, want %q", got, want)
			}
			if got, want := c.TLS, tc.wantMode; got != want {
				t.Errorf("TLS = %q, want %q", got, want)
			}
			if got, want := c.Username+":"+c.Password, tc.opts.Username+":"+tc.opts.Password; got != want {
				t.Errorf("credentials = %q, want %q", got, want)
			}
			if got, want := c.From, "IdP <idp@example.org>"; got != want {
				t.Errorf("From = %q, want %q", got, want)
			}
			if c.RootCAs == nil {
				t.Errorf("RootCAs = nil, want pool")
			}
			if err := c.Validate(); err != nil {
				t.Errorf("Validate() = %v, want nil", err)
			}
		})
	}
}

func TestServerWaitForAndMessages(t *testing.T) {
	t.Parallel()
	s := NewServer(t, Options{})
	sends := []struct {
		to []string
	}{
		{to: []string{"a@example.net", "b@example.net"}},
		{to: []string{"c@example.net"}},
		{to: []string{"A@Example.net"}},
	}
	errs := make(chan error, len(sends))
	for _, snd := range sends {
		go func() {
			errs <- rawSend(t, s, "", "", "from@example.org", snd.to, simpleBody)
		}()
	}
	// Blocks until the concurrent deliveries arrive; no polling.
	gotA := s.WaitFor(t, "a@example.net", 2)
	for range sends {
		if err := <-errs; err != nil {
			t.Fatalf("send error: %v", err)
		}
	}

	tests := []struct {
		name string
		to   string
		want int
	}{
		{name: "a case-insensitive", to: "a@example.net", want: 2},
		{name: "b", to: "b@example.net", want: 1},
		{name: "c", to: " c@example.net ", want: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got, want := len(s.WaitFor(t, tc.to, tc.want)), tc.want; got != want {
				t.Errorf("WaitFor(%q) returned %d messages, want %d", tc.to, got, want)
			}
		})
	}
	if got, want := len(gotA), 2; got != want {
		t.Errorf("WaitFor(a) = %d messages, want %d", got, want)
	}

	all := s.Messages()
	if got, want := len(all), len(sends); got != want {
		t.Fatalf("Messages() = %d, want %d", got, want)
	}
	for i, m := range all {
		if got, want := m.From, "from@example.org"; got != want {
			t.Errorf("message %d From = %q, want %q", i, got, want)
		}
		if got, want := strings.Join(m.Links(), " "), "https://example.org/x"; got != want {
			t.Errorf("message %d Links() = %q, want %q", i, got, want)
		}
	}
	all[0].Subject = "changed"
	if got, want := s.Messages()[0].Subject, "hi"; got != want {
		t.Errorf("after modifying a copy, Subject = %q, want %q", got, want)
	}
}
