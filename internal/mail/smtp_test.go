package mail_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"mime"
	"net"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"eulogin/internal/mail"
	"eulogin/internal/mail/mailtest"
)

const (
	testFrom     = "EU Login <noreply@example.org>"
	testFromAddr = "noreply@example.org"
)

// newSender builds an SMTPSender for cfg or fails the test.
func newSender(t *testing.T, cfg mail.SMTPConfig) *mail.SMTPSender {
	t.Helper()
	s, err := mail.NewSMTP(cfg)
	if err != nil {
		t.Fatalf("NewSMTP(%+v) error: %v", cfg, err)
	}
	return s
}

// send delivers m and fails the test on error.
func send(t *testing.T, s mail.Sender, m mail.Message) {
	t.Helper()
	if err := s.Send(t.Context(), m); err != nil {
		t.Fatalf("Send() error: %v", err)
	}
}

// wantText is the text/plain body a receiver sees for m: line endings are
// normalised to "\n" and, when the text is the whole message (no HTML part),
// SMTP's requirement that data ends with a line break adds a final "\n".
func wantText(m mail.Message) string {
	text := strings.ReplaceAll(m.Text, "\r\n", "\n")
	if m.HTML == "" && !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	return text
}

// rawHeader returns the header block of a raw message.
func rawHeader(raw []byte) []byte {
	if i := bytes.Index(raw, []byte("\r\n\r\n")); i >= 0 {
		return raw[:i]
	}
	return raw
}

func TestSendTransports(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opts    mailtest.Options
		wantTLS bool
	}{
		{name: "plain", opts: mailtest.Options{TLS: mail.TLSNone}},
		{name: "plain default mode", opts: mailtest.Options{}},
		{name: "starttls", opts: mailtest.Options{TLS: mail.TLSStartTLS}, wantTLS: true},
		{name: "implicit tls", opts: mailtest.Options{TLS: mail.TLSImplicit}, wantTLS: true},
		{name: "plain with auth", opts: mailtest.Options{TLS: mail.TLSNone, Username: "relay", Password: "s3cret"}},
		{name: "starttls with auth", opts: mailtest.Options{TLS: mail.TLSStartTLS, Username: "relay", Password: "s3cret"}, wantTLS: true},
		{name: "implicit tls with auth", opts: mailtest.Options{TLS: mail.TLSImplicit, Username: "relay@example.org", Password: "pä55 wörd"}, wantTLS: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := mailtest.NewServer(t, tc.opts)
			s := newSender(t, srv.Config(testFrom))
			m := mail.Message{
				To:      "user@example.net",
				ToName:  "Test User",
				Subject: "Verify your address",
				Text:    "Hello,\n\nplease open https://login.example.org/verify?t=abc\n",
				HTML:    `<p>Hello,</p><p><a href="https://login.example.org/verify?t=abc">verify</a></p>`,
			}
			send(t, s, m)

			msgs := srv.WaitFor(t, "user@example.net", 1)
			if got, want := len(msgs), 1; got != want {
				t.Fatalf("received %d messages, want %d", got, want)
			}
			r := msgs[0]
			if got, want := r.TLS, tc.wantTLS; got != want {
				t.Errorf("received over TLS = %v, want %v", got, want)
			}
			if got, want := r.From, testFromAddr; got != want {
				t.Errorf("envelope from = %q, want %q", got, want)
			}
			if got, want := strings.Join(r.To, ","), "user@example.net"; got != want {
				t.Errorf("envelope to = %q, want %q", got, want)
			}
			if got, want := r.Subject, m.Subject; got != want {
				t.Errorf("subject = %q, want %q", got, want)
			}
			if got, want := r.Text, m.Text; got != want {
				t.Errorf("text = %q, want %q", got, want)
			}
			if got, want := r.HTML, m.HTML; got != want {
				t.Errorf("html = %q, want %q", got, want)
			}
			if got, want := strings.Join(r.Links(), " "), "https://login.example.org/verify?t=abc"; got != want {
				t.Errorf("links = %q, want %q", got, want)
			}
		})
	}
}

func TestSendHeaders(t *testing.T) {
	t.Parallel()
	srv := mailtest.NewServer(t, mailtest.Options{TLS: mail.TLSStartTLS})
	s := newSender(t, srv.Config(testFrom))
	before := time.Now().Add(-time.Minute)
	send(t, s, mail.Message{To: "a@example.net", Subject: "s", Text: "t"})
	send(t, s, mail.Message{To: "a@example.net", Subject: "s", Text: "t"})
	msgs := srv.WaitFor(t, "a@example.net", 2)

	msgID := regexp.MustCompile(`^<[A-Za-z0-9]+@example\.org>$`)
	seen := map[string]bool{}
	for i, r := range msgs {
		h := r.Header
		tests := []struct {
			name, header, want string
		}{
			{name: "auto-submitted", header: "Auto-Submitted", want: "auto-generated"},
			{name: "auto-response-suppress", header: "X-Auto-Response-Suppress", want: "All"},
			{name: "mime-version", header: "Mime-Version", want: "1.0"},
		}
		for _, tc := range tests {
			t.Run(fmt.Sprintf("msg%d/%s", i, tc.name), func(t *testing.T) {
				if got, want := h.Get(tc.header), tc.want; got != want {
					t.Errorf("%s = %q, want %q", tc.header, got, want)
				}
			})
		}
		id := h.Get("Message-Id")
		if !msgID.MatchString(id) {
			t.Errorf("msg%d Message-ID = %q, want match %s", i, id, msgID)
		}
		if seen[id] {
			t.Errorf("msg%d Message-ID %q repeated", i, id)
		}
		seen[id] = true
		date, err := h.Date()
		if err != nil {
			t.Errorf("msg%d Date %q: %v", i, h.Get("Date"), err)
		} else if date.Before(before) {
			t.Errorf("msg%d Date = %v, want after %v", i, date, before)
		}
		from, err := h.AddressList("From")
		if err != nil || len(from) != 1 {
			t.Fatalf("msg%d From header %q: %v", i, h.Get("From"), err)
		}
		if got, want := from[0].String(), `"EU Login" <noreply@example.org>`; got != want {
			t.Errorf("msg%d From = %q, want %q", i, got, want)
		}
		if got := h.Get("User-Agent") + h.Get("X-Mailer"); got != "" {
			t.Errorf("msg%d has mailer identification %q, want none", i, got)
		}
	}
}

func TestSendUnicode(t *testing.T) {
	t.Parallel()
	srv := mailtest.NewServer(t, mailtest.Options{TLS: mail.TLSImplicit})
	s := newSender(t, srv.Config("Ķēniņš IdP <noreply@example.org>"))
	tests := []struct {
		name string
		m    mail.Message
	}{
		{name: "latvian", m: mail.Message{
			To: "lv@example.net", ToName: "Jānis Ķēniņš",
			Subject: "Izveidot kontu — Ķēniņš",
			Text:    "Sveiki, Jāni!\nLai izveidotu kontu, atveriet saiti: https://login.example.org/lv/c?x=1\nĀČĒĢĪĶĻŅŠŪŽ āčēģīķļņšūž",
			HTML:    "<p>Sveiki, Jāni!</p><p>ĀČĒĢĪĶĻŅŠŪŽ āčēģīķļņšūž</p>",
		}},
		{name: "romanian", m: mail.Message{
			To: "ro@example.net", ToName: "Ștefan Țăranu",
			Subject: "Creare cont",
			Text:    "Bună ziua, Ștefan!\nÎți mulțumim. ăâîșț ĂÂÎȘȚ\n",
			HTML:    "<p>Bună ziua, Ștefan!</p>",
		}},
		{name: "greek", m: mail.Message{
			To: "el@example.net", ToName: "Γιώργος Παπαδόπουλος",
			Subject: "Δημιουργία λογαριασμού — επιβεβαίωση διεύθυνσης ηλεκτρονικού ταχυδρομείου",
			Text:    "Γεια σας!\nΠατήστε εδώ: https://login.example.org/el/c?t=ΑΒΓ\n",
		}},
		{name: "bulgarian long subject", m: mail.Message{
			To: "bg@example.net", ToName: "Иван Петров",
			Subject: strings.Repeat("Създаване на профил ", 8),
			Text:    "Здравейте!",
		}},
		{name: "specials in name", m: mail.Message{
			To: "q@example.net", ToName: `O"Brien, Jr. <x@evil.test>`,
			Subject: `Quotes "and" <angles>, commas; & semicolons`,
			Text:    "plain ascii",
		}},
		{name: "control characters are flattened", m: mail.Message{
			To: "crlf@example.net", ToName: "Eve\r\nBcc: victim@example.com",
			Subject: "Hi\r\nBcc: victim@example.com",
			Text:    "x",
		}},
		{name: "name from address", m: mail.Message{
			To:      "Ana Pérez <es@example.net>",
			Subject: "Crear cuenta",
			Text:    "¡Hola!",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			send(t, s, tc.m)
			to := tc.m.To
			wantName := strings.NewReplacer("\r", " ", "\n", " ").Replace(tc.m.ToName)
			if tc.name == "name from address" {
				to, wantName = "es@example.net", "Ana Pérez"
			}
			r := srv.WaitFor(t, to, 1)[0]

			wantSubject := strings.TrimSpace(strings.NewReplacer("\r", " ", "\n", " ").Replace(tc.m.Subject))
			if got, want := r.Subject, wantSubject; got != want {
				t.Errorf("subject = %q, want %q", got, want)
			}
			if got, want := r.Text, wantText(tc.m); got != want {
				t.Errorf("text = %q, want %q", got, want)
			}
			if got, want := r.HTML, tc.m.HTML; got != want {
				t.Errorf("html = %q, want %q", got, want)
			}
			addrs, err := r.Header.AddressList("To")
			if err != nil || len(addrs) != 1 {
				t.Fatalf("To header %q: %v (%d addresses)", r.Header.Get("To"), err, len(addrs))
			}
			if got, want := addrs[0].Name, wantName; got != want {
				t.Errorf("To name = %q, want %q", got, want)
			}
			if got, want := addrs[0].Address, to; got != want {
				t.Errorf("To address = %q, want %q", got, want)
			}
			if got, want := strings.Join(r.To, ","), to; got != want {
				t.Errorf("envelope to = %q, want %q", got, want)
			}
			from, err := r.Header.AddressList("From")
			if err != nil || len(from) != 1 {
				t.Fatalf("From header %q: %v", r.Header.Get("From"), err)
			}
			if got, want := from[0].Name, "Ķēniņš IdP"; got != want {
				t.Errorf("From name = %q, want %q", got, want)
			}
			if got := len(r.Header["Bcc"]); got != 0 {
				t.Errorf("message has %d Bcc headers, want 0", got)
			}
			hdr := rawHeader(r.Raw)
			for i, b := range hdr {
				if b >= 0x80 {
					t.Fatalf("raw header has non-ASCII byte %#x at %d; headers:\n%s", b, i, hdr)
				}
			}
			for line := range strings.SplitSeq(string(hdr), "\r\n") {
				if got, max := len(line), 998; got > max {
					t.Errorf("header line length %d > %d: %q", got, max, line)
				}
			}
		})
	}
}

func TestSendBodies(t *testing.T) {
	t.Parallel()
	srv := mailtest.NewServer(t, mailtest.Options{})
	s := newSender(t, srv.Config(testFrom))
	long := strings.Repeat("0123456789abcdefghij ĶĒŅ ", 200) // > 5000 bytes, one line
	tests := []struct {
		name      string
		m         mail.Message
		wantCType string
	}{
		{name: "text only", wantCType: "text/plain",
			m: mail.Message{Text: "Just text.\nSecond line.\n"}},
		{name: "text and html", wantCType: "multipart/alternative",
			m: mail.Message{Text: "Text part.\n", HTML: "<!doctype html><html><body><p>HTML &amp; part</p></body></html>\n"}},
		{name: "long line text only", wantCType: "text/plain",
			m: mail.Message{Text: "start\n" + long + "\nend"}},
		{name: "long line both", wantCType: "multipart/alternative",
			m: mail.Message{Text: long, HTML: "<p>" + long + "</p>"}},
		{name: "long token without spaces", wantCType: "text/plain",
			m: mail.Message{Text: "https://login.example.org/t/" + strings.Repeat("A", 3000)}},
		{name: "dots and from at line start", wantCType: "text/plain",
			m: mail.Message{Text: ".\n..\nFrom here\n.hidden\n=3D literal\ttab \n"}},
		{name: "windows line endings", wantCType: "text/plain",
			m: mail.Message{Text: "a\r\nb\r\n"}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			to := fmt.Sprintf("body%d@example.net", i)
			tc.m.To = to
			tc.m.Subject = tc.name
			send(t, s, tc.m)
			r := srv.WaitFor(t, to, 1)[0]

			ctype, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
			if err != nil {
				t.Fatalf("Content-Type %q: %v", r.Header.Get("Content-Type"), err)
			}
			if got, want := ctype, tc.wantCType; got != want {
				t.Errorf("Content-Type = %q, want %q", got, want)
			}
			if got, want := r.Text, wantText(tc.m); got != want {
				t.Errorf("text differs: got %d bytes, want %d bytes\ngot  %.200q\nwant %.200q", len(got), len(want), got, want)
			}
			if got, want := r.HTML, tc.m.HTML; got != want {
				t.Errorf("html differs: got %d bytes, want %d bytes", len(got), len(want))
			}
			for line := range bytes.SplitSeq(r.Raw, []byte("\r\n")) {
				if got, max := len(line), 998; got > max {
					t.Fatalf("raw line length %d > %d", got, max)
				}
			}
		})
	}
}

func TestSendAuth(t *testing.T) {
	t.Parallel()
	const secret = "correct-horse-battery"
	tests := []struct {
		name     string
		mode     mail.TLSMode
		user     string
		password string
		wantErr  bool
	}{
		{name: "starttls right password", mode: mail.TLSStartTLS, user: "relay", password: secret},
		{name: "starttls wrong password", mode: mail.TLSStartTLS, user: "relay", password: "wrong-" + secret, wantErr: true},
		{name: "starttls wrong user", mode: mail.TLSStartTLS, user: "intruder", password: secret, wantErr: true},
		{name: "starttls no credentials", mode: mail.TLSStartTLS, wantErr: true},
		{name: "implicit right password", mode: mail.TLSImplicit, user: "relay", password: secret},
		{name: "implicit wrong password", mode: mail.TLSImplicit, user: "relay", password: "wrong-" + secret, wantErr: true},
		{name: "plain right password", mode: mail.TLSNone, user: "relay", password: secret},
		{name: "plain wrong password", mode: mail.TLSNone, user: "relay", password: "wrong-" + secret, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := mailtest.NewServer(t, mailtest.Options{TLS: tc.mode, Username: "relay", Password: secret})
			cfg := srv.Config(testFrom)
			cfg.Username, cfg.Password = tc.user, tc.password
			s := newSender(t, cfg)
			body := "BODY-MARKER https://login.example.org/reset?token=topsecret"
			err := s.Send(t.Context(), mail.Message{To: "auth@example.net", Subject: "Reset", Text: body, HTML: "<p>" + body + "</p>"})
			if got, want := err != nil, tc.wantErr; got != want {
				t.Fatalf("Send() error = %v, want error: %v", err, want)
			}
			if err != nil {
				t.Logf("Send() error: %v", err)
				msg := err.Error()
				for _, secret := range []string{tc.password, "BODY-MARKER", "topsecret"} {
					if secret != "" && strings.Contains(msg, secret) {
						t.Errorf("error %q leaks %q", msg, secret)
					}
				}
				if got, want := msg, "mail: send to auth@example.net: "; !strings.HasPrefix(got, want) {
					t.Errorf("error = %q, want prefix %q", got, want)
				}
				if got, want := len(srv.Messages()), 0; got != want {
					t.Errorf("server received %d messages after failed auth, want %d", got, want)
				}
				return
			}
			r := srv.WaitFor(t, "auth@example.net", 1)[0]
			if got, want := r.Text, body; got != want {
				t.Errorf("text = %q, want %q", got, want)
			}
		})
	}
}

func TestSendTLSPolicy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		server     mail.TLSMode
		client     mail.TLSMode
		rootCAs    func(*mailtest.Server) *x509.CertPool
		timeout    time.Duration
		wantErr    bool
		wantTLS    bool
		wantErrSub string
	}{
		{name: "starttls against plain server fails", server: mail.TLSNone, client: mail.TLSStartTLS, wantErr: true, wantErrSub: "STARTTLS"},
		{name: "implicit tls against plain server fails", server: mail.TLSNone, client: mail.TLSImplicit, wantErr: true},
		{name: "implicit tls against starttls server fails", server: mail.TLSStartTLS, client: mail.TLSImplicit, wantErr: true},
		// The server waits for a TLS ClientHello, the client for a greeting:
		// only the client's timeout ends it.
		{name: "plain against implicit tls server fails", server: mail.TLSImplicit, client: mail.TLSNone, timeout: 500 * time.Millisecond, wantErr: true},
		{name: "none never upgrades", server: mail.TLSStartTLS, client: mail.TLSNone, wantTLS: false},
		{name: "starttls with untrusted certificate fails", server: mail.TLSStartTLS, client: mail.TLSStartTLS,
			rootCAs: func(*mailtest.Server) *x509.CertPool { return x509.NewCertPool() }, wantErr: true, wantErrSub: "certificate"},
		{name: "implicit tls with untrusted certificate fails", server: mail.TLSImplicit, client: mail.TLSImplicit,
			rootCAs: func(*mailtest.Server) *x509.CertPool { return x509.NewCertPool() }, wantErr: true, wantErrSub: "certificate"},
		{name: "starttls with trusted certificate", server: mail.TLSStartTLS, client: mail.TLSStartTLS,
			rootCAs: (*mailtest.Server).RootCAs, wantTLS: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := mailtest.NewServer(t, mailtest.Options{TLS: tc.server})
			cfg := srv.Config(testFrom)
			cfg.TLS = tc.client
			cfg.Timeout = 5 * time.Second // a mismatched handshake must not hang
			if tc.timeout != 0 {
				cfg.Timeout = tc.timeout
			}
			if tc.rootCAs != nil {
				cfg.RootCAs = tc.rootCAs(srv)
			}
			s := newSender(t, cfg)
			err := s.Send(t.Context(), mail.Message{To: "tls@example.net", Subject: "s", Text: "secret body"})
			if got, want := err != nil, tc.wantErr; got != want {
				t.Fatalf("Send() error = %v, want error: %v", err, want)
			}
			if err != nil {
				t.Logf("Send() error: %v", err)
				if !strings.Contains(err.Error(), tc.wantErrSub) {
					t.Errorf("error = %q, want it to mention %q", err, tc.wantErrSub)
				}
				if got, want := len(srv.Messages()), 0; got != want {
					t.Errorf("server received %d messages, want %d", got, want)
				}
				return
			}
			r := srv.WaitFor(t, "tls@example.net", 1)[0]
			if got, want := r.TLS, tc.wantTLS; got != want {
				t.Errorf("received over TLS = %v, want %v", got, want)
			}
		})
	}
}

func TestSendErrors(t *testing.T) {
	t.Parallel()
	srv := mailtest.NewServer(t, mailtest.Options{})

	// A port on which nothing listens.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadPort := ln.Addr().(*net.TCPAddr).Port
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}

	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()

	good := mail.Message{To: "x@example.net", Subject: "s", Text: "t"}
	tests := []struct {
		name    string
		cfg     func() mail.SMTPConfig
		ctx     context.Context
		m       mail.Message
		wantIs  error
		wantSub string
	}{
		{name: "unreachable server", m: good, wantSub: "mail: send to x@example.net",
			cfg: func() mail.SMTPConfig {
				c := srv.Config(testFrom)
				c.Port = deadPort
				return c
			}},
		{name: "unresolvable host", m: good, wantSub: "mail: send to x@example.net",
			cfg: func() mail.SMTPConfig {
				c := srv.Config(testFrom)
				c.Host = "no-such-host.invalid"
				return c
			}},
		{name: "canceled context", m: good, ctx: canceled, wantIs: context.Canceled},
		{name: "expired deadline", m: good, ctx: expired, wantIs: context.DeadlineExceeded},
		{name: "invalid recipient", m: mail.Message{To: "not an address", Text: "t"}, wantSub: `mail: invalid recipient "not an address"`},
		{name: "empty recipient", m: mail.Message{Text: "t"}, wantSub: "mail: invalid recipient"},
		{name: "empty text", m: mail.Message{To: "x@example.net", HTML: "<p>x</p>"}, wantSub: "no text body"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := srv.Config(testFrom)
			if tc.cfg != nil {
				cfg = tc.cfg()
			}
			ctx := tc.ctx
			if ctx == nil {
				ctx = t.Context()
			}
			err := newSender(t, cfg).Send(ctx, tc.m)
			if err == nil {
				t.Fatalf("Send() error = nil, want error")
			}
			t.Logf("Send() error: %v", err)
			if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
				t.Errorf("Send() error = %v, want errors.Is %v", err, tc.wantIs)
			}
			if !strings.Contains(err.Error(), tc.wantSub) {
				t.Errorf("Send() error = %q, want it to contain %q", err, tc.wantSub)
			}
		})
	}
	if got, want := len(srv.Messages()), 0; got != want {
		t.Errorf("server received %d messages, want %d", got, want)
	}
}

func TestSendConcurrent(t *testing.T) {
	t.Parallel()
	srv := mailtest.NewServer(t, mailtest.Options{TLS: mail.TLSStartTLS, Username: "u", Password: "p"})
	s := newSender(t, srv.Config(testFrom))
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			errs <- s.Send(t.Context(), mail.Message{
				To: "many@example.net", Subject: fmt.Sprintf("message %d", i), Text: fmt.Sprintf("body %d", i),
			})
		})
	}
	// Waiting while senders are still running exercises WaitFor's wake-ups.
	msgs := srv.WaitFor(t, "MANY@example.net", n)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Send() error: %v", err)
		}
	}
	if got, want := len(msgs), n; got != want {
		t.Fatalf("received %d messages, want %d", got, want)
	}
	seen := map[string]bool{}
	for _, m := range msgs {
		seen[m.Subject] = true
	}
	if got, want := len(seen), n; got != want {
		t.Errorf("distinct subjects = %d, want %d", got, want)
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	valid := mail.SMTPConfig{Host: "smtp.example.org", From: "noreply@example.org"}
	tests := []struct {
		name    string
		mod     func(*mail.SMTPConfig)
		wantErr string // "" = valid
	}{
		{name: "minimal", mod: func(*mail.SMTPConfig) {}},
		{name: "full", mod: func(c *mail.SMTPConfig) {
			*c = mail.SMTPConfig{Host: "smtp.example.org", Port: 2525, TLS: mail.TLSImplicit, Username: "u", Password: "p",
				From: "EU Login <noreply@example.org>", HELO: "idp.example.org", Timeout: time.Second}
		}},
		{name: "unicode from name", mod: func(c *mail.SMTPConfig) { c.From = "Ķēniņš <noreply@example.org>" }},
		{name: "tls none", mod: func(c *mail.SMTPConfig) { c.TLS = mail.TLSNone }},
		{name: "tls starttls", mod: func(c *mail.SMTPConfig) { c.TLS = mail.TLSStartTLS }},
		{name: "port 1", mod: func(c *mail.SMTPConfig) { c.Port = 1 }},
		{name: "port 65535", mod: func(c *mail.SMTPConfig) { c.Port = 65535 }},
		{name: "ip host", mod: func(c *mail.SMTPConfig) { c.Host = "192.0.2.1" }},
		{name: "empty host", mod: func(c *mail.SMTPConfig) { c.Host = "" }, wantErr: "host is empty"},
		{name: "blank host", mod: func(c *mail.SMTPConfig) { c.Host = "  " }, wantErr: "host is empty"},
		{name: "host with space", mod: func(c *mail.SMTPConfig) { c.Host = "smtp example.org" }, wantErr: "white space"},
		{name: "host with port", mod: func(c *mail.SMTPConfig) { c.Host = "smtp.example.org:25" }, wantErr: "must not contain a port"},
		{name: "negative port", mod: func(c *mail.SMTPConfig) { c.Port = -1 }, wantErr: "port -1 out of range"},
		{name: "port too large", mod: func(c *mail.SMTPConfig) { c.Port = 65536 }, wantErr: "port 65536 out of range"},
		{name: "unknown tls mode", mod: func(c *mail.SMTPConfig) { c.TLS = "ssl" }, wantErr: `unknown TLS mode "ssl"`},
		{name: "uppercase tls mode", mod: func(c *mail.SMTPConfig) { c.TLS = "STARTTLS" }, wantErr: "unknown TLS mode"},
		{name: "empty from", mod: func(c *mail.SMTPConfig) { c.From = "" }, wantErr: "from address is empty"},
		{name: "invalid from", mod: func(c *mail.SMTPConfig) { c.From = "noreply" }, wantErr: `from address "noreply"`},
		{name: "two from addresses", mod: func(c *mail.SMTPConfig) { c.From = "a@example.org, b@example.org" }, wantErr: "from address"},
		{name: "negative timeout", mod: func(c *mail.SMTPConfig) { c.Timeout = -time.Second }, wantErr: "negative timeout"},
		{name: "helo with space", mod: func(c *mail.SMTPConfig) { c.HELO = "a b" }, wantErr: "HELO"},
		{name: "password without user", mod: func(c *mail.SMTPConfig) { c.Password = "p" }, wantErr: "password set without username"},
		{name: "several problems", mod: func(c *mail.SMTPConfig) { c.Host, c.From = "", "" }, wantErr: "host is empty\nmail: invalid SMTP config: from address is empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := valid
			tc.mod(&c)
			err := c.Validate()
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate() error = %v, want nil", err)
				}
				if _, err := mail.NewSMTP(c); err != nil {
					t.Fatalf("NewSMTP() error = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() error = nil, want error containing %q", tc.wantErr)
			}
			if got, want := err.Error(), tc.wantErr; !strings.Contains(got, want) {
				t.Errorf("Validate() error = %q, want it to contain %q", got, want)
			}
			if got, want := err.Error(), "mail: invalid SMTP config: "; !strings.HasPrefix(got, want) {
				t.Errorf("Validate() error = %q, want prefix %q", got, want)
			}
			if _, err := mail.NewSMTP(c); err == nil {
				t.Errorf("NewSMTP() error = nil, want error")
			}
		})
	}
}
