package sms

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Headers of a generic gateway request.
const (
	HeaderTimestamp = "X-Eulogin-Timestamp" // Unix time in seconds, decimal
	HeaderSignature = "X-Eulogin-Signature" // "sha256=" + hex HMAC-SHA256(secret, timestamp + "." + body)
)

// DefaultTimeout bounds one request to a gateway when the sender builds its
// own HTTP client.
const DefaultTimeout = 15 * time.Second

// gatewayRequest is the JSON body POSTed to a generic gateway.
type gatewayRequest struct {
	To   string `json:"to"`
	Text string `json:"text"`
	ID   string `json:"id"`
}

// HTTPGateway is a Sender that POSTs each message as JSON to an operator's
// gateway:
//
//	{"to":"+37120000012","text":"...","id":"<random message id>"}
//
// with the headers Content-Type: application/json, the configured Headers,
// X-Eulogin-Timestamp (Unix seconds) and X-Eulogin-Signature ("sha256=" and
// the hex HMAC-SHA256 of the timestamp, ".", and the exact body, keyed with
// Secret). The id is random for every message, so a gateway can drop
// duplicates. Any 2xx status means sent; anything else, redirects included,
// is a *DeliveryError carrying the status, never the answer's body.
// It is safe for concurrent use.
type HTTPGateway struct {
	URL     string            // absolute http(s) URL
	Headers map[string]string // extra headers, e.g. an API key; cannot replace the headers above
	Secret  []byte            // HMAC key; required
	Client  *http.Client      // nil means a client with DefaultTimeout that follows no redirect
	Now     func() time.Time  // nil means time.Now
	NewID   func() string     // nil means 26 random base32 characters from crypto/rand
}

var _ Sender = (*HTTPGateway)(nil)

// Sign returns the X-Eulogin-Signature value for a body sent at timestamp (the
// X-Eulogin-Timestamp value): "sha256=" and the hex HMAC-SHA256, keyed with
// secret, of timestamp + "." + body. Gateways written in Go can use it to
// check requests (with hmac.Equal).
func Sign(secret []byte, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(timestamp))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Send POSTs m to the gateway.
func (g *HTTPGateway) Send(ctx context.Context, m Message) error {
	if err := m.validate(); err != nil {
		return err
	}
	if len(g.Secret) == 0 {
		return errors.New("sms: http gateway: no signing secret configured")
	}
	newID := rand.Text
	if g.NewID != nil {
		newID = g.NewID
	}
	body, err := json.Marshal(gatewayRequest{To: m.To, Text: m.Text, ID: newID()})
	if err != nil {
		return fmt.Errorf("sms: http gateway: encode: %w", err)
	}
	now := time.Now
	if g.Now != nil {
		now = g.Now
	}
	ts := strconv.FormatInt(now().Unix(), 10)

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.URL, bytes.NewReader(body))
	if err != nil {
		// The URL is not repeated: it may hold a key.
		return errors.New("sms: http gateway: invalid URL")
	}
	for k, v := range g.Headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderSignature, Sign(g.Secret, ts, body))
	return post(g.Client, req, ProviderHTTP, nil)
}

// post sends req and turns anything but a 2xx answer into a *DeliveryError.
// onError, when not nil, reads the body of a failed answer into the error.
func post(client *http.Client, req *http.Request, provider string, onError func(body []byte, e *DeliveryError)) error {
	if client == nil {
		client = defaultClient()
	}
	resp, err := client.Do(req)
	if err != nil {
		return &DeliveryError{Provider: provider, Temporary: true, Err: transportError(err)}
	}
	defer resp.Body.Close()
	// Read a bounded amount so the connection can be reused.
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	e := &DeliveryError{Provider: provider, Status: resp.StatusCode, Temporary: temporaryStatus(resp.StatusCode)}
	if onError != nil {
		onError(body, e)
	}
	return e
}

// transportError drops the *url.Error wrapper, whose text repeats the URL
// (which may hold a key), and keeps the cause.
func transportError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// defaultClient returns an HTTP client with DefaultTimeout that follows no
// redirect: a gateway that moved must be reconfigured, not followed with a
// signed message.
func defaultClient() *http.Client {
	return &http.Client{
		Timeout: DefaultTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
