// Package mail delivers the identity provider's e-mail (account creation,
// verification and password-reset messages) over SMTP.
//
// Callers render a [Message] in the recipient's language and hand it to a
// [Sender]. [SMTPSender] is the production implementation: it builds a
// standards-conforming MIME message with github.com/wneessen/go-mail
// (UTF-8, quoted-printable bodies, RFC 2047 encoded headers,
// multipart/alternative when an HTML body is present, Message-ID, Date and
// "Auto-Submitted: auto-generated") and delivers it over one SMTP connection
// per message.
//
// Transport security is explicit, see [TLSMode]: [TLSStartTLS] (the default)
// refuses to talk to a server that does not offer STARTTLS, [TLSImplicit]
// speaks TLS from the first byte, and [TLSNone] never attempts TLS.
//
// Errors never contain message bodies or the SMTP password.
//
// The sibling package mailtest provides a real in-process SMTP server for
// tests.
package mail
