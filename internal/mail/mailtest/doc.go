// Package mailtest runs a real, in-process SMTP server for tests.
//
// [NewServer] starts a github.com/emersion/go-smtp server on 127.0.0.1 with an
// ephemeral port, optionally with STARTTLS or implicit TLS (using a
// self-signed certificate generated at run time for 127.0.0.1, ::1 and
// localhost) and optionally requiring AUTH PLAIN. Every accepted message is
// parsed as MIME ([Received]) and kept in memory; [Server.WaitFor] blocks
// until the expected messages have arrived, and [Received.Links] extracts the
// URLs a user would click.
//
// Typical use:
//
//	srv := mailtest.NewServer(t, mailtest.Options{TLS: mail.TLSStartTLS})
//	sender, err := mail.NewSMTP(srv.Config("IdP <noreply@example.org>"))
//	...
//	msgs := srv.WaitFor(t, "user@example.org", 1)
//	link := msgs[0].Links()[0]
package mailtest
