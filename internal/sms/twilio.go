package sms

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// DefaultTwilioBaseURL is the Twilio REST API.
const DefaultTwilioBaseURL = "https://api.twilio.com"

// Twilio is a Sender that uses the Twilio Messages API:
//
//	POST {BaseURL}/2010-04-01/Accounts/{AccountSID}/Messages.json
//	Authorization: Basic base64(AccountSID:AuthToken)
//	Content-Type: application/x-www-form-urlencoded
//
//	Body=...&From=%2B15005550006&To=%2B37120000012
//
// (MessagingServiceSid instead of From when MessagingServiceSID is set).
// Twilio answers 201 Created when it accepted the message; any 2xx counts as
// sent. On failure Twilio answers a JSON document {"code", "message",
// "more_info", "status"}, whose code and (redacted) message go into the
// *DeliveryError. It is safe for concurrent use.
type Twilio struct {
	AccountSID          string       // "AC" and 32 hex digits
	AuthToken           string       // the account's auth token (or an API key secret)
	From                string       // a Twilio number in E.164 form or an alphanumeric sender id
	MessagingServiceSID string       // "MG..."; used instead of From when set
	BaseURL             string       // "" means DefaultTwilioBaseURL; tests point it at a local server
	Client              *http.Client // nil means a client with DefaultTimeout that follows no redirect
}

var _ Sender = (*Twilio)(nil)

// twilioError is the JSON body of a failed Twilio request.
type twilioError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Status  int    `json:"status"`
}

// Send asks Twilio to deliver m.
func (tw *Twilio) Send(ctx context.Context, m Message) error {
	if err := m.validate(); err != nil {
		return err
	}
	base := tw.BaseURL
	if base == "" {
		base = DefaultTwilioBaseURL
	}
	form := url.Values{}
	form.Set("To", m.To)
	if tw.MessagingServiceSID != "" {
		form.Set("MessagingServiceSid", tw.MessagingServiceSID)
	} else {
		form.Set("From", tw.From)
	}
	form.Set("Body", m.Text)
	endpoint := strings.TrimRight(base, "/") + "/2010-04-01/Accounts/" + url.PathEscape(tw.AccountSID) + "/Messages.json"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return errors.New("sms: twilio: invalid base URL")
	}
	req.SetBasicAuth(tw.AccountSID, tw.AuthToken)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	return post(tw.Client, req, ProviderTwilio, func(body []byte, e *DeliveryError) {
		var te twilioError
		if json.Unmarshal(body, &te) != nil {
			return
		}
		e.ProviderCode = te.Code
		e.Detail = redact(te.Message)
	})
}
