package eci_test

import (
	"slices"
	"testing"
	"time"

	"eulogin/internal/eci"
	"eulogin/internal/eci/ecistore/ecistoretest"
)

func TestNewServerConfig(t *testing.T) {
	db := ecistoretest.OpenSQLite(t)
	good := eci.Config{BaseURL: "http://127.0.0.1:8081", IdPURL: "http://localhost:8080", AcceptStrengths: []string{"PASSWORD_SMS"}}
	for _, tt := range []struct {
		name    string
		edit    func(c *eci.Config)
		wantErr bool
	}{
		{"good", func(c *eci.Config) {}, false},
		{"trailing slashes", func(c *eci.Config) { c.BaseURL += "/"; c.IdPURL = "https://ecas.example.eu/cas/" }, false},
		{"strengths normalised", func(c *eci.Config) { c.AcceptStrengths = []string{" password_sms ", "PASSWORD_SMS", ""} }, false},
		{"base URL with a path", func(c *eci.Config) { c.BaseURL = "http://127.0.0.1:8081/eci" }, true},
		{"base URL relative", func(c *eci.Config) { c.BaseURL = "127.0.0.1:8081" }, true},
		{"IdP URL empty", func(c *eci.Config) { c.IdPURL = "" }, true},
		{"IdP URL not http", func(c *eci.Config) { c.IdPURL = "ftp://idp" }, true},
		{"no strengths", func(c *eci.Config) { c.AcceptStrengths = nil }, true},
		{"bad strength", func(c *eci.Config) { c.AcceptStrengths = []string{"PASSWORD&renew=true"} }, true},
		{"idle too short", func(c *eci.Config) { c.SessionIdle = time.Second }, true},
		{"max below idle", func(c *eci.Config) { c.SessionIdle, c.SessionMax = time.Hour, time.Minute }, true},
		{"invitations of a week", func(c *eci.Config) { c.InvitationTTL = 7 * 24 * time.Hour }, false},
		{"invitations too short", func(c *eci.Config) { c.InvitationTTL = time.Minute }, true},
		{"groups of a hundred", func(c *eci.Config) { c.MaxGroup = 100 }, false},
		{"groups too small for the Regulation", func(c *eci.Config) { c.MaxGroup = 6 }, true},
		{"reviewers", func(c *eci.Config) { c.Reviewers = []string{" Rita@EC.europa.eu", "", "rita@ec.europa.eu"} }, false},
		{"reviewer not an address", func(c *eci.Config) { c.Reviewers = []string{"rita"} }, true},
		{"reviewers in one string", func(c *eci.Config) { c.Reviewers = []string{"a@ec.europa.eu,b@ec.europa.eu"} }, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := good
			c.AcceptStrengths = append([]string(nil), good.AcceptStrengths...)
			tt.edit(&c)
			_, err := eci.NewServer(c, eci.Deps{DB: db})
			if (err != nil) != tt.wantErr {
				t.Errorf("NewServer(%+v) = %v, want error %v", c, err, tt.wantErr)
			}
		})
	}
	if _, err := eci.NewServer(good, eci.Deps{}); err == nil {
		t.Error("NewServer without a database = nil, want an error")
	}
}

// TestServiceAttributes: the attributes the registry must release include
// every one the portal reads.
func TestServiceAttributes(t *testing.T) {
	got := eci.ServiceAttributes()
	for _, want := range []string{"email", "firstName", "lastName", "strength", "loginDate"} {
		if !slices.Contains(got, want) {
			t.Errorf("ServiceAttributes() = %q, want it to contain %q", got, want)
		}
	}
}

func TestServiceURLs(t *testing.T) {
	for _, tt := range []struct{ base, callback, pattern string }{
		{"http://127.0.0.1:8081", "http://127.0.0.1:8081/cas/callback", "http://127.0.0.1:8081/*"},
		{"https://eci.example.eu/", "https://eci.example.eu/cas/callback", "https://eci.example.eu/*"},
	} {
		if got := eci.CallbackURL(tt.base); got != tt.callback {
			t.Errorf("CallbackURL(%q) = %q, want %q", tt.base, got, tt.callback)
		}
		if got := eci.ServiceURLPattern(tt.base); got != tt.pattern {
			t.Errorf("ServiceURLPattern(%q) = %q, want %q", tt.base, got, tt.pattern)
		}
	}
}
