package sms

import (
	"context"
	"time"

	"eulogin/internal/store"
)

// OutboxStore keeps dev outbox items. store.DB implements it.
type OutboxStore interface {
	AddOutbox(ctx context.Context, m *store.OutboxItem) error
}

var _ OutboxStore = (*store.DB)(nil)

// Outbox is a Sender that keeps every message in the dev outbox (kind "sms",
// the number as recipient) instead of sending it. It is meant for
// development mode only: the outbox page shows the codes.
type Outbox struct {
	Store OutboxStore
	Now   func() time.Time // nil means time.Now
}

var _ Sender = (*Outbox)(nil)

// Send stores m in the outbox. A store failure is a *DeliveryError.
func (o *Outbox) Send(ctx context.Context, m Message) error {
	if err := m.validate(); err != nil {
		return err
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	if err := o.Store.AddOutbox(ctx, &store.OutboxItem{At: now(), Kind: "sms", Recipient: m.To, Text: m.Text}); err != nil {
		return &DeliveryError{Provider: ProviderOutbox, Temporary: true, Err: err}
	}
	return nil
}
