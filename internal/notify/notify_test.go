package notify_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"eulogin/internal/i18n"
	"eulogin/internal/mail"
	"eulogin/internal/notify"
)

type capture struct{ got []mail.Message }

func (c *capture) Send(_ context.Context, m mail.Message) error {
	c.got = append(c.got, m)
	return nil
}

// TestEveryKindInEveryLanguage renders each e-mail in each shipped language
// and checks that nothing is left unfilled or untranslated.
func TestEveryKindInEveryLanguage(t *testing.T) {
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, time.March, 2, 9, 15, 0, 0, time.UTC)
	vars := map[string]any{
		"link": "https://login.example.org/password/new/abc-DEF_123", "hours": "24", "time": at,
		"old": "old@example.org", "new": "new@example.org", "number": "+371 ••• ••• 12",
		"device": "My phone", "devices": "My phone, Tablet", "left": 3, "change": "Delete all your mobile devices", "ip": "192.0.2.10", "reason": "the request was denied in the app.",
	}
	for _, l := range b.Available() {
		for _, k := range notify.Kinds() {
			t.Run(l.Tag+"/"+string(k), func(t *testing.T) {
				c := &capture{}
				m := &notify.Mailer{Bundle: b, Sender: c, Product: "EU Login"}
				to := notify.Recipient{Email: "ana@example.org", Name: "Ana <Ionescu> & Co", Lang: l.Tag}
				if err := m.Send(context.Background(), to, k, vars); err != nil {
					t.Fatalf("Send = %v", err)
				}
				got := c.got[0]
				for name, s := range map[string]string{"subject": got.Subject, "text": got.Text, "html": got.HTML} {
					if strings.Contains(s, "{") || strings.Contains(s, "mail.") {
						t.Errorf("%s has an unfilled placeholder or a raw key: %q", name, s)
					}
				}
				// Times are written as the language writes them, in its
				// usual zone, named.
				if when := b.Localizer(l.Tag).Time(at); usesTime(b, k) && !strings.Contains(got.Text, when) {
					t.Errorf("text lacks the time %q", when)
				}
				if !strings.Contains(got.HTML, `lang="`+l.Tag+`"`) {
					t.Errorf("HTML lacks lang=%q", l.Tag)
				}
				// The name is escaped in HTML and verbatim in text.
				if !strings.Contains(got.HTML, "Ana &lt;Ionescu&gt; &amp; Co") || !strings.Contains(got.Text, "Ana <Ionescu> & Co") {
					t.Errorf("name not escaped in HTML / verbatim in text")
				}
				if strings.Contains(got.HTML, "<Ionescu>") {
					t.Errorf("markup from the name reached the HTML")
				}
			})
		}
	}
}

// TestLinkWrittenOut: e-mails with a link carry it in full in both bodies.
func TestLinkWrittenOut(t *testing.T) {
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	m := &notify.Mailer{Bundle: b, Product: "EU Login"}
	link := "https://login.example.org/password/new/abc"
	msg, err := m.Render(notify.Recipient{Email: "a@example.org", Name: "A", Lang: "lv"}, notify.Register, map[string]any{"link": link, "hours": "24"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(msg.HTML, link) < 2 || !strings.Contains(msg.Text, link) {
		t.Errorf("link not written out: text %q", msg.Text)
	}
	if _, err := m.Render(notify.Recipient{Email: "a@example.org", Lang: "en"}, notify.Register, nil); err == nil {
		t.Error("Render of a link e-mail without a link = nil error")
	}
	if _, err := m.Render(notify.Recipient{Email: "a@example.org", Lang: "en"}, "nope", nil); err == nil {
		t.Error("Render of an unknown kind = nil error")
	}
}

// usesTime reports whether an English text of the e-mail kind k has {time}.
func usesTime(b *i18n.Bundle, k notify.Kind) bool {
	for key, m := range b.Catalogue("en") {
		if strings.HasPrefix(key, "mail."+string(k)+".") && strings.Contains(strings.Join(m.Texts(), " "), "{time}") {
			return true
		}
	}
	return false
}

// TestDeviceMailsNameTheDevice: the device e-mails name the device, not the
// account's owner, and a variable cannot take the recipient's placeholders.
func TestDeviceMailsNameTheDevice(t *testing.T) {
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	m := &notify.Mailer{Bundle: b, Product: "EU Login"}
	to := notify.Recipient{Email: "ana@example.org", Name: "Ana Popescu", Lang: "en"}
	for _, k := range []notify.Kind{notify.AppDeviceAdded, notify.AppDeviceRemoved, notify.AppPINReset, notify.AppDeviceRenamed} {
		msg, err := m.Render(to, k, map[string]any{"device": "Pixel of Ana", "old": "Old phone", "time": time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(msg.Text, "“Pixel of Ana”") || strings.Contains(msg.Text, "“Ana Popescu”") {
			t.Errorf("%s: %q, want the device named", k, msg.Text)
		}
	}
	if _, err := m.Render(to, notify.AppDeviceAdded, map[string]any{"name": "x"}); err == nil {
		t.Error("Render accepted a variable named like the recipient's placeholder")
	}
}
