// Package outbox is the dev outbox: in development mode, e-mails (and later
// SMS) are kept in the database instead of being sent, and listed at
// /dev/outbox with their links and codes. Because the outbox is a table, it
// works the same with several replicas.
package outbox

import (
	"context"
	"time"

	"eulogin/internal/mail"
	"eulogin/internal/store"
)

// Store keeps outbox items. store.DB implements it.
type Store interface {
	AddOutbox(ctx context.Context, m *store.OutboxItem) error
}

// Mail is a mail.Sender that writes to the outbox.
type Mail struct {
	Store Store
	Now   func() time.Time
}

var _ mail.Sender = (*Mail)(nil)

// Send stores m in the outbox.
func (o *Mail) Send(ctx context.Context, m mail.Message) error {
	return o.Store.AddOutbox(ctx, &store.OutboxItem{
		At: o.Now(), Kind: "email", Recipient: m.To, Subject: m.Subject, Text: m.Text, HTML: m.HTML,
	})
}

// Tee sends every message through all of its senders (the outbox and SMTP
// together in development, so a developer sees what was sent).
type Tee []mail.Sender

// Send sends m through each sender, stopping at the first error.
func (t Tee) Send(ctx context.Context, m mail.Message) error {
	for _, s := range t {
		if err := s.Send(ctx, m); err != nil {
			return err
		}
	}
	return nil
}
