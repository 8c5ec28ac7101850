package sms_test

import (
	"reflect"
	"strings"
	"testing"

	"eulogin/internal/sms"
)

const goodSecret = "0123456789abcdef0123456789abcdef"

func TestConfigValidate(t *testing.T) {
	twilio := func(f func(*sms.Config)) sms.Config {
		c := sms.Config{Provider: "twilio", TwilioSID: twSID, TwilioToken: twToken, TwilioFrom: twFrom}
		f(&c)
		return c
	}
	http := func(f func(*sms.Config)) sms.Config {
		c := sms.Config{Provider: "http", URL: "https://sms.example.org/send", Secret: goodSecret, Headers: "Authorization: Bearer x"}
		f(&c)
		return c
	}
	for _, tc := range []struct {
		name    string
		c       sms.Config
		wantErr string // "" for valid
	}{
		{"outbox", sms.Config{Provider: "outbox"}, ""},
		{"empty provider", sms.Config{}, "no SMS provider chosen"},
		{"unknown provider", sms.Config{Provider: "pigeon"}, `unknown SMS provider "pigeon"`},

		{"http", http(func(*sms.Config) {}), ""},
		{"http loopback", http(func(c *sms.Config) { c.URL = "http://127.0.0.1:9000/sms" }), ""},
		{"http localhost", http(func(c *sms.Config) { c.URL = "http://localhost:9000/sms" }), ""},
		{"http IPv6 loopback", http(func(c *sms.Config) { c.URL = "http://[::1]:9000/sms" }), ""},
		{"http no URL", http(func(c *sms.Config) { c.URL = "" }), "needs a gateway URL"},
		{"http plain to a remote host", http(func(c *sms.Config) { c.URL = "http://sms.example.org/send" }), "must use https"},
		{"http relative URL", http(func(c *sms.Config) { c.URL = "/send" }), "absolute http(s) URL"},
		{"http other scheme", http(func(c *sms.Config) { c.URL = "ftp://sms.example.org/" }), "absolute http(s) URL"},
		{"http credentials in URL", http(func(c *sms.Config) { c.URL = "https://u:p@sms.example.org/" }), "must not contain credentials"},
		{"http short secret", http(func(c *sms.Config) { c.Secret = "short" }), "at least 32 bytes (got 5)"},
		{"http no secret", http(func(c *sms.Config) { c.Secret = "" }), "at least 32 bytes (got 0)"},
		{"http bad header", http(func(c *sms.Config) { c.Headers = "Bad Name: x" }), "not an HTTP token"},
		{"http reserved header", http(func(c *sms.Config) { c.Headers = "x-eulogin-signature: forged" }), "cannot be configured"},

		{"twilio", twilio(func(*sms.Config) {}), ""},
		{"twilio alphanumeric sender", twilio(func(c *sms.Config) { c.TwilioFrom = "EU Login" }), ""},
		{"twilio messaging service", twilio(func(c *sms.Config) { c.TwilioFrom = twMG }), ""},
		{"twilio regional edge", twilio(func(c *sms.Config) { c.URL = "https://api.dublin.ie1.twilio.com" }), ""},
		{"twilio plain base URL", twilio(func(c *sms.Config) { c.URL = "http://api.twilio.com" }), "must use https"},
		{"twilio bad SID", twilio(func(c *sms.Config) { c.TwilioSID = "AC123" }), "account SID"},
		{"twilio no token", twilio(func(c *sms.Config) { c.TwilioToken = "" }), "auth token"},
		{"twilio token with space", twilio(func(c *sms.Config) { c.TwilioToken = "ab cd" }), "auth token"},
		{"twilio no sender", twilio(func(c *sms.Config) { c.TwilioFrom = "" }), "Twilio sender"},
		{"twilio sender too long", twilio(func(c *sms.Config) { c.TwilioFrom = "EULoginLogin1" }), "Twilio sender"},
		{"twilio sender only digits", twilio(func(c *sms.Config) { c.TwilioFrom = "12345" }), "Twilio sender"},
		{"twilio national number", twilio(func(c *sms.Config) { c.TwilioFrom = "0612345678" }), "Twilio sender"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.c.Validate()
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("Validate() = %v, want an error containing %q", err, tc.wantErr)
			}
			if err != nil {
				for _, secret := range []string{goodSecret, twToken, "Bearer x", "forged"} {
					if strings.Contains(err.Error(), secret) {
						t.Errorf("Validate() error %q contains %q", err, secret)
					}
				}
			}
		})
	}
}

func TestParseHeaders(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    map[string]string
		wantErr bool
	}{
		{"", map[string]string{}, false},
		{"  ;  ", map[string]string{}, false},
		{"Authorization: Bearer abc:def", map[string]string{"Authorization": "Bearer abc:def"}, false},
		{"x-api-key: k1 ; X-Tenant:eu;", map[string]string{"X-Api-Key": "k1", "X-Tenant": "eu"}, false},
		{"X-Empty:", map[string]string{"X-Empty": ""}, false},
		{"NoColon", nil, true},
		{": value", nil, true},
		{"Bad Name: v", nil, true},
		{"X-A: 1; x-a: 2", nil, true},
		{"Content-Type: text/plain", nil, true},
		{"host: evil.example", nil, true},
		{"X-Eulogin-Timestamp: 1", nil, true},
		{"X-A: line\nInjected: 1", nil, true},
	} {
		got, err := sms.ParseHeaders(tc.in)
		if (err != nil) != tc.wantErr || (!tc.wantErr && !reflect.DeepEqual(got, tc.want)) {
			t.Errorf("ParseHeaders(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestNew(t *testing.T) {
	db := failingOutbox{}
	for _, tc := range []struct {
		name string
		c    sms.Config
		want sms.Sender
	}{
		{"outbox", sms.Config{Provider: "outbox"}, &sms.Outbox{Store: db}},
		{"http", sms.Config{Provider: "http", URL: "https://sms.example.org/send", Headers: "X-Api-Key: k", Secret: goodSecret},
			&sms.HTTPGateway{URL: "https://sms.example.org/send", Headers: map[string]string{"X-Api-Key": "k"}, Secret: []byte(goodSecret)}},
		{"twilio", sms.Config{Provider: "twilio", TwilioSID: twSID, TwilioToken: twToken, TwilioFrom: twFrom},
			&sms.Twilio{AccountSID: twSID, AuthToken: twToken, From: twFrom}},
		{"twilio messaging service", sms.Config{Provider: "twilio", URL: "https://api.dublin.ie1.twilio.com", TwilioSID: twSID, TwilioToken: twToken, TwilioFrom: twMG},
			&sms.Twilio{AccountSID: twSID, AuthToken: twToken, MessagingServiceSID: twMG, BaseURL: "https://api.dublin.ie1.twilio.com"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := sms.New(tc.c, db)
			if err != nil {
				t.Fatalf("New() = %v, want nil error", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("New() = %#v, want %#v", got, tc.want)
			}
		})
	}
	if _, err := sms.New(sms.Config{Provider: "outbox"}, nil); err == nil {
		t.Error("New(outbox, nil store) = nil error, want an error")
	}
	if _, err := sms.New(sms.Config{Provider: "http"}, db); err == nil {
		t.Error("New(invalid config) = nil error, want an error")
	}
}
