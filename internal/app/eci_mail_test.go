package app

import (
	"context"
	"errors"
	"strings"
	"testing"

	"eulogin/internal/eci"
	"eulogin/internal/mail"
)

// captureSender records the messages it is given.
type captureSender struct {
	got []mail.Message
	err error
}

func (c *captureSender) Send(_ context.Context, m mail.Message) error {
	c.got = append(c.got, m)
	return c.err
}

func TestECIMailer(t *testing.T) {
	c := &captureSender{}
	m := eciMailer(c, "European Citizens' Initiative")
	msg := eci.Mail{
		To: "ana@example.ro", ToName: "Ana <Popescu>", Lang: "ro", Subject: "Invitație „<b>x</b>”",
		Text: "Bună ziua, <script>alert(1)</script>\r\n\r\nDeschideți:\nhttps://eci.example.eu/invitations/abc?x=1&y=2\n\nLinkul funcționează o dată.\n\njavascript:alert(1)",
	}
	if err := m.Send(t.Context(), msg); err != nil {
		t.Fatalf("Send() = %v", err)
	}
	if len(c.got) != 1 {
		t.Fatalf("sent %d messages, want 1", len(c.got))
	}
	got := c.got[0]
	if got.To != msg.To || got.ToName != msg.ToName || got.Subject != msg.Subject || got.Text != msg.Text {
		t.Errorf("message = %+v, want the portal's fields unchanged", got)
	}
	for _, want := range []string{
		`<html lang="ro">`,
		`<title>Invitație „&lt;b&gt;x&lt;/b&gt;”</title>`,
		`European Citizens&#39; Initiative`,
		`Bună ziua, &lt;script&gt;alert(1)&lt;/script&gt;</p>`,
		`Deschideți:<br><a href="https://eci.example.eu/invitations/abc?x=1&amp;y=2"`,
		`<p style="margin:0 0 16px">Linkul funcționează o dată.</p>`,
		`<p style="margin:0 0 16px">javascript:alert(1)</p>`,
	} {
		if !strings.Contains(got.HTML, want) {
			t.Errorf("HTML lacks %q:\n%s", want, got.HTML)
		}
	}
	if strings.Contains(got.HTML, "<script>") || strings.Contains(got.HTML, `href="javascript`) {
		t.Errorf("HTML is not escaped:\n%s", got.HTML)
	}
	// The sender's error reaches the portal.
	c.err = errors.New("relay down")
	if err := m.Send(t.Context(), eci.Mail{To: "x@example.org", Subject: "s", Text: "t"}); !errors.Is(err, c.err) {
		t.Errorf("Send() = %v, want the sender's error", err)
	}
	if !strings.Contains(c.got[1].HTML, `<html lang="en">`) {
		t.Error("a message without a language is not marked English")
	}
}
