package sms_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"eulogin/internal/sms"
)

func TestMask(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{"+37120000012", "+371 ••• ••• 12"},
		{"+33612345678", "+33 ••• ••• 78"},
		{"+4915123456789", "+49 ••• ••• 89"},
		{"+12025550147", "+1 ••• ••• 47"},
		{"+447400123456", "+44 ••• ••• 56"},
		{"+371 2000 0012", "+371 ••• ••• 12"},
		// Not a recognisable international number: last two digits at most.
		{"0037120000012", "••• ••• 12"},
		{"+999123456789", "••• ••• 89"},
		{"12345", "•••"},
		{"+3712", "•••"},
		{"", "•••"},
		{"not a number", "•••"},
	} {
		if got := sms.Mask(tc.in); got != tc.want {
			t.Errorf("Mask(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestMessageLogValue(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	m := sms.Message{To: "+37120000012", Text: "EU Login code: ACD-EFH-JKM"}
	logger.Info("sending", "sms", m)
	got := buf.String()
	for _, secret := range []string{"20000012", "ACD-EFH-JKM", "EU Login code"} {
		if strings.Contains(got, secret) {
			t.Errorf("log line %q contains %q", got, secret)
		}
	}
	for _, want := range []string{"sms.to=\"+371 ••• ••• 12\"", "sms.text_len=26"} {
		if !strings.Contains(got, want) {
			t.Errorf("log line %q does not contain %q", got, want)
		}
	}
}

func TestDeliveryError(t *testing.T) {
	cause := fmt.Errorf("dial: %w", context.DeadlineExceeded)
	for _, tc := range []struct {
		name string
		err  *sms.DeliveryError
		want string
	}{
		{"status", &sms.DeliveryError{Provider: "http", Status: 503, Temporary: true}, "sms: http: delivery failed: status 503"},
		{"provider code", &sms.DeliveryError{Provider: "twilio", Status: 400, ProviderCode: 21211, Detail: "The 'To' number ••• is not a valid phone number."},
			"sms: twilio: delivery failed: status 400: error 21211 (The 'To' number ••• is not a valid phone number.)"},
		{"transport", &sms.DeliveryError{Provider: "http", Temporary: true, Err: cause}, "sms: http: delivery failed: dial: context deadline exceeded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.err.Error(); got != tc.want {
				t.Errorf("Error() = %q, want %q", got, tc.want)
			}
			err := fmt.Errorf("send code: %w", tc.err)
			if !errors.Is(err, sms.ErrDelivery) {
				t.Errorf("errors.Is(%v, ErrDelivery) = false, want true", err)
			}
			var de *sms.DeliveryError
			if !errors.As(err, &de) || de != tc.err {
				t.Errorf("errors.As(%v, *DeliveryError) = %v, want the error", err, de)
			}
		})
	}
	if err := (&sms.DeliveryError{Provider: "http", Err: cause}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("errors.Is(%v, context.DeadlineExceeded) = false, want true", err)
	}
	if errors.Is(sms.ErrInvalidMessage, sms.ErrDelivery) {
		t.Error("errors.Is(ErrInvalidMessage, ErrDelivery) = true, want false")
	}
}

// TestInvalidMessage checks that every sender refuses what it cannot send
// before talking to anyone.
func TestInvalidMessage(t *testing.T) {
	senders := map[string]sms.Sender{
		"outbox": &sms.Outbox{Store: nil},
		"http":   &sms.HTTPGateway{URL: "http://127.0.0.1:1/", Secret: []byte("k")},
		"twilio": &sms.Twilio{AccountSID: "AC" + strings.Repeat("0", 32), AuthToken: "t", From: "+15005550006", BaseURL: "http://127.0.0.1:1"},
	}
	for _, m := range []sms.Message{
		{To: "", Text: "code"},
		{To: "37120000012", Text: "code"},
		{To: "+371 2000 0012", Text: "code"},
		{To: "+0712345678", Text: "code"},
		{To: "+1234567890123456", Text: "code"},
		{To: "+37120000012", Text: ""},
		{To: "+37120000012", Text: " \n"},
	} {
		for name, s := range senders {
			err := s.Send(t.Context(), m)
			if !errors.Is(err, sms.ErrInvalidMessage) {
				t.Errorf("%s: Send(%q, %q) = %v, want %v", name, m.To, m.Text, err, sms.ErrInvalidMessage)
			}
			if err != nil && strings.Contains(err.Error(), "20000012") {
				t.Errorf("%s: Send(%q) error %q contains the number", name, m.To, err)
			}
		}
	}
}
