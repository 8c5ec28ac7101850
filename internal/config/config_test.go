package config_test

import (
	"io"
	"strings"
	"testing"
	"time"

	"eulogin/internal/config"
	"eulogin/internal/sms"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*config.Config)
		want   string // substring of the error; "" = valid
	}{
		{"defaults", func(*config.Config) {}, ""},
		{"base url with path", func(c *config.Config) { c.BaseURL = "http://localhost:8080/cas" }, "--base-url"},
		{"base url relative", func(c *config.Config) { c.BaseURL = "localhost:8080" }, "--base-url"},
		{"production needs https", func(c *config.Config) {
			c.Dev, c.BaseURL, c.SMTP.Host = "false", "http://login.example.org", "mail.example.org"
		}, "https"},
		{"production needs smtp", func(c *config.Config) { c.Dev, c.BaseURL = "false", "https://login.example.org" }, "--smtp-host"},
		{"production ok", func(c *config.Config) {
			c.Dev, c.BaseURL, c.SMTP.Host = "false", "https://login.example.org", "mail.example.org"
			c.SMS = sms.Config{Provider: "twilio", TwilioSID: "AC0123456789abcdef0123456789abcdef", TwilioToken: "token", TwilioFrom: "EULogin"}
			c.AppSecret = strings.Repeat("s", 32)
		}, ""},
		{"production needs the app secret", func(c *config.Config) {
			c.Dev, c.BaseURL, c.SMTP.Host = "false", "https://login.example.org", "mail.example.org"
		}, "--app-secret"},
		{"short app secret", func(c *config.Config) { c.AppSecret = "short" }, "--app-secret"},
		{"production refuses the sms outbox", func(c *config.Config) {
			c.Dev, c.BaseURL, c.SMTP.Host = "false", "https://login.example.org", "mail.example.org"
		}, "--sms-provider"},
		{"unknown sms provider", func(c *config.Config) { c.SMS.Provider = "pigeon" }, "pigeon"},
		{"http gateway without secret", func(c *config.Config) {
			c.SMS = sms.Config{Provider: "http", URL: "https://sms.example.org/send"}
		}, "secret"},
		{"bad sms country", func(c *config.Config) { c.SMSCountries = "LV, France" }, "--sms-countries"},
		{"bad dev", func(c *config.Config) { c.Dev = "maybe" }, "--dev"},
		{"short link ttl", func(c *config.Config) { c.LinkTTL = time.Second }, "--link-ttl"},
		{"session max below idle", func(c *config.Config) { c.SessionMax = time.Minute }, "--session-idle"},
		{"too many failures allowed", func(c *config.Config) { c.LoginFailures = 101 }, "--login-failures"},
		{"bad proxy cidr", func(c *config.Config) { c.TrustedProxies = "10.0.0.0/8, nope" }, "--trusted-proxies"},
		{"bad log level", func(c *config.Config) { c.LogLevel = "loud" }, "--log-level"},
		{"bad eci idp url", func(c *config.Config) { c.ECIIdPURL = "ftp://x" }, "--eci-idp-url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := config.Default()
			tt.change(&c)
			err := c.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Validate() = %v, want an error mentioning %q", err, tt.want)
			}
		})
	}
}

func TestIsDev(t *testing.T) {
	for _, tt := range []struct {
		dev, base string
		want      bool
	}{
		{"auto", "http://localhost:8080", true},
		{"auto", "http://127.0.0.1:8080", true},
		{"auto", "http://[::1]:8080", true},
		{"auto", "https://login.example.org", false},
		{"auto", "http://10.0.0.5", false},
		{"true", "https://login.example.org", true},
		{"false", "http://localhost:8080", false},
	} {
		c := config.Default()
		c.Dev, c.BaseURL = tt.dev, tt.base
		if got := c.IsDev(); got != tt.want {
			t.Errorf("IsDev(dev=%s, base=%s) = %v, want %v", tt.dev, tt.base, got, tt.want)
		}
	}
}

func TestFlagsAndEnv(t *testing.T) {
	c := config.Default()
	fs := c.FlagSet("serve", io.Discard)
	if err := fs.Parse([]string{"--listen", ":9000"}); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"EULOGIN_LISTEN": ":7000", "EULOGIN_LINK_TTL": "2h", "EULOGIN_SMTP_TLS": "tls"}
	if err := config.ApplyEnv(fs, func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if c.Listen != ":9000" {
		t.Errorf("Listen = %q, want the flag's :9000 (a flag wins over its variable)", c.Listen)
	}
	if c.LinkTTL != 2*time.Hour || c.SMTP.TLS != "tls" {
		t.Errorf("LinkTTL, SMTP.TLS = %v, %q, want 2h, tls from the environment", c.LinkTTL, c.SMTP.TLS)
	}
	env = map[string]string{"EULOGIN_LINK_TTL": "soon"}
	c2 := config.Default()
	fs2 := c2.FlagSet("serve", io.Discard)
	fs2.Parse(nil)
	if err := config.ApplyEnv(fs2, func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), "EULOGIN_LINK_TTL") {
		t.Errorf("ApplyEnv(bad duration) = %v, want an error naming EULOGIN_LINK_TTL", err)
	}
}

func TestECIStrengths(t *testing.T) {
	c := config.Default()
	if got := c.ECIStrengths(); !strings.HasPrefix(got, "PASSWORD,") {
		t.Errorf("dev ECIStrengths = %q, want PASSWORD accepted", got)
	}
	c.Dev = "false"
	if got := c.ECIStrengths(); strings.Contains(","+got+",", ",PASSWORD,") {
		t.Errorf("production ECIStrengths = %q, want no password-only login", got)
	}
	c.ECIAcceptStrengths = "PASSWORD_SMS"
	if got := c.ECIStrengths(); got != "PASSWORD_SMS" {
		t.Errorf("ECIStrengths = %q, want the setting", got)
	}
}

func TestECIPortalSettings(t *testing.T) {
	c := config.Default()
	fs := c.FlagSet("serve", io.Discard)
	if err := fs.Parse([]string{"--eci-invitation-ttl", "72h"}); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"EULOGIN_ECI_REVIEWERS": "rev@ec.example, other@ec.example"}
	if err := config.ApplyEnv(fs, func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if c.ECIInvitationTTL != 72*time.Hour || c.ECIReviewers != "rev@ec.example, other@ec.example" {
		t.Errorf("ECIInvitationTTL, ECIReviewers = %v, %q", c.ECIInvitationTTL, c.ECIReviewers)
	}
}
