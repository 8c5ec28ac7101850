package sms_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"eulogin/internal/sms"
	"eulogin/internal/store"
	"eulogin/internal/store/storetest"
)

func TestOutbox(t *testing.T) {
	db := storetest.OpenSQLite(t)
	now := time.Date(2026, time.January, 2, 10, 0, 0, 0, time.UTC)
	o := &sms.Outbox{Store: db, Now: func() time.Time { return now }}
	m := sms.Message{To: "+37120000012", Text: "EU Login: ACD-EFH-JKM is your code. Ķēniņš"}
	if err := o.Send(t.Context(), m); err != nil {
		t.Fatalf("Send() = %v, want nil", err)
	}
	items, err := db.Outbox(t.Context(), 10)
	if err != nil {
		t.Fatalf("Outbox() = %v", err)
	}
	if got, want := len(items), 1; got != want {
		t.Fatalf("outbox holds %d items, want %d", got, want)
	}
	got := items[0]
	want := store.OutboxItem{ID: got.ID, At: now, Kind: "sms", Recipient: m.To, Text: m.Text}
	if !got.At.Equal(want.At) || got.Kind != want.Kind || got.Recipient != want.Recipient || got.Text != want.Text || got.Subject != "" || got.HTML != "" {
		t.Errorf("outbox item = %+v, want %+v", got, want)
	}
}

// failingOutbox is a store that always fails.
type failingOutbox struct{}

func (failingOutbox) AddOutbox(context.Context, *store.OutboxItem) error {
	return errors.New("database is locked")
}

func TestOutboxFailure(t *testing.T) {
	o := &sms.Outbox{Store: failingOutbox{}}
	err := o.Send(t.Context(), sms.Message{To: "+37120000012", Text: "code"})
	var de *sms.DeliveryError
	if !errors.As(err, &de) || de.Provider != "outbox" || !de.Temporary {
		t.Errorf("Send() = %v, want a temporary *DeliveryError from the outbox", err)
	}
}
