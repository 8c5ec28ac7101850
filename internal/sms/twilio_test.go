package sms_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"eulogin/internal/sms"
)

const (
	twSID   = "AC0123456789abcdef0123456789abcdef"
	twToken = "f00dfeedf00dfeedf00dfeedf00dfeed"
	twFrom  = "+15005550006"
	twMG    = "MG0123456789abcdef0123456789abcdef"
)

// twilioCreated is the start of Twilio's answer to a message it accepted.
const twilioCreated = `{"account_sid":"` + twSID + `","sid":"SM0123456789abcdef0123456789abcdef","status":"queued","to":"+37120000012","body":"..."}`

func TestTwilioRequest(t *testing.T) {
	for _, tc := range []struct {
		name     string
		tw       sms.Twilio
		wantForm url.Values
	}{
		{"from a number", sms.Twilio{AccountSID: twSID, AuthToken: twToken, From: twFrom},
			url.Values{"To": {"+37120000012"}, "From": {twFrom}, "Body": {"EU Login: ACD-EFH-JKM & Ķēniņš +=?"}}},
		{"through a messaging service", sms.Twilio{AccountSID: twSID, AuthToken: twToken, From: twFrom, MessagingServiceSID: twMG},
			url.Values{"To": {"+37120000012"}, "MessagingServiceSid": {twMG}, "Body": {"EU Login: ACD-EFH-JKM & Ķēniņš +=?"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, reqs := recordingServer(t, http.StatusCreated, twilioCreated)
			tw := tc.tw
			tw.BaseURL = srv.URL + "/"
			if err := tw.Send(t.Context(), sms.Message{To: "+37120000012", Text: "EU Login: ACD-EFH-JKM & Ķēniņš +=?"}); err != nil {
				t.Fatalf("Send() = %v, want nil", err)
			}
			r := only(t, reqs)
			if got, want := r.Method, http.MethodPost; got != want {
				t.Errorf("method = %q, want %q", got, want)
			}
			if got, want := r.Path, "/2010-04-01/Accounts/"+twSID+"/Messages.json"; got != want {
				t.Errorf("path = %q, want %q", got, want)
			}
			if got, want := r.Header.Get("Authorization"), "Basic "+base64.StdEncoding.EncodeToString([]byte(twSID+":"+twToken)); got != want {
				t.Errorf("Authorization = %q, want %q", got, want)
			}
			if got, want := r.Header.Get("Content-Type"), "application/x-www-form-urlencoded"; got != want {
				t.Errorf("Content-Type = %q, want %q", got, want)
			}
			form, err := url.ParseQuery(string(r.Body))
			if err != nil {
				t.Fatalf("body %q is not form-encoded: %v", r.Body, err)
			}
			if !reflect.DeepEqual(form, tc.wantForm) {
				t.Errorf("form = %v, want %v", form, tc.wantForm)
			}
		})
	}
}

func TestTwilioFailures(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
		want   sms.DeliveryError
	}{
		{"invalid number", http.StatusBadRequest,
			`{"code": 21211, "message": "The 'To' number +37120000012 is not a valid phone number.", "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}`,
			sms.DeliveryError{Provider: "twilio", Status: 400, ProviderCode: 21211, Detail: "The 'To' number ••• is not a valid phone number."}},
		{"region not enabled", http.StatusBadRequest,
			`{"code": 21408, "message": "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: +37120000012.", "more_info": "https://www.twilio.com/docs/errors/21408", "status": 400}`,
			sms.DeliveryError{Provider: "twilio", Status: 400, ProviderCode: 21408, Detail: "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: •••."}},
		{"message echoing the code", http.StatusBadRequest,
			`{"code": 30007, "message": "Message 'EU Login ACD-EFH-JKM' filtered; also AC3D4F7HJ", "status": 400}`,
			sms.DeliveryError{Provider: "twilio", Status: 400, ProviderCode: 30007, Detail: "Message 'EU Login •••' filtered; also •••"}},
		{"authentication", http.StatusUnauthorized,
			`{"code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401}`,
			sms.DeliveryError{Provider: "twilio", Status: 401, ProviderCode: 20003, Detail: "Authenticate"}},
		{"too many requests", http.StatusTooManyRequests,
			`{"code": 20429, "message": "Too Many Requests", "status": 429}`,
			sms.DeliveryError{Provider: "twilio", Status: 429, ProviderCode: 20429, Detail: "Too Many Requests", Temporary: true}},
		{"server error without JSON", http.StatusInternalServerError, `<html>oops</html>`,
			sms.DeliveryError{Provider: "twilio", Status: 500, Temporary: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, reqs := recordingServer(t, tc.status, tc.body)
			tw := &sms.Twilio{AccountSID: twSID, AuthToken: twToken, From: twFrom, BaseURL: srv.URL}
			err := tw.Send(t.Context(), sms.Message{To: "+37120000012", Text: "EU Login ACD-EFH-JKM"})
			only(t, reqs)
			var de *sms.DeliveryError
			if !errors.As(err, &de) {
				t.Fatalf("Send() = %v, want a *DeliveryError", err)
			}
			if *de != tc.want {
				t.Errorf("Send() = %+v, want %+v", *de, tc.want)
			}
			for _, secret := range []string{"20000012", "ACD-EFH-JKM", twToken} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q contains %q", err, secret)
				}
			}
		})
	}
}

func TestTwilioCancelled(t *testing.T) {
	arrived := make(chan struct{})
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		select {
		case <-r.Context().Done():
		case <-done:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(done) })

	ctx, cancel := context.WithCancel(t.Context())
	tw := &sms.Twilio{AccountSID: twSID, AuthToken: twToken, From: twFrom, BaseURL: srv.URL}
	errc := make(chan error, 1)
	go func() { errc <- tw.Send(ctx, sms.Message{To: "+37120000012", Text: "code"}) }()
	<-arrived
	cancel()
	err := <-errc
	if !errors.Is(err, sms.ErrDelivery) || !errors.Is(err, context.Canceled) {
		t.Errorf("Send() = %v, want ErrDelivery and context.Canceled", err)
	}
	if strings.Contains(err.Error(), twSID) {
		t.Errorf("error %q repeats the URL", err)
	}
}

func TestTwilioUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close()
	tw := &sms.Twilio{AccountSID: twSID, AuthToken: twToken, From: twFrom, BaseURL: base}
	err := tw.Send(t.Context(), sms.Message{To: "+37120000012", Text: "code"})
	var de *sms.DeliveryError
	if !errors.As(err, &de) || !de.Temporary || de.Err == nil {
		t.Errorf("Send() to a closed server = %v, want a temporary *DeliveryError with a cause", err)
	}
}
