package mail

import (
	"testing"
	"time"
)

func TestWithDefaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		in          SMTPConfig
		wantTLS     TLSMode
		wantPort    int
		wantTimeout time.Duration
	}{
		{name: "all defaults", in: SMTPConfig{}, wantTLS: TLSStartTLS, wantPort: 587, wantTimeout: 15 * time.Second},
		{name: "starttls", in: SMTPConfig{TLS: TLSStartTLS}, wantTLS: TLSStartTLS, wantPort: 587, wantTimeout: 15 * time.Second},
		{name: "implicit", in: SMTPConfig{TLS: TLSImplicit}, wantTLS: TLSImplicit, wantPort: 465, wantTimeout: 15 * time.Second},
		{name: "none", in: SMTPConfig{TLS: TLSNone}, wantTLS: TLSNone, wantPort: 25, wantTimeout: 15 * time.Second},
		{name: "explicit values kept", in: SMTPConfig{TLS: TLSImplicit, Port: 2465, Timeout: time.Second},
			wantTLS: TLSImplicit, wantPort: 2465, wantTimeout: time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := tc.in.withDefaults()
			if got, want := got.TLS, tc.wantTLS; got != want {
				t.Errorf("TLS = %q, want %q", got, want)
			}
			if got, want := got.Port, tc.wantPort; got != want {
				t.Errorf("Port = %d, want %d", got, want)
			}
			if got, want := got.Timeout, tc.wantTimeout; got != want {
				t.Errorf("Timeout = %v, want %v", got, want)
			}
		})
	}
}

func TestHeaderText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{name: "empty", in: "", want: ""},
		{name: "unicode kept", in: "Izveidot kontu — Ķēniņš", want: "Izveidot kontu — Ķēniņš"},
		{name: "crlf flattened", in: "a\r\nBcc: x@y", want: "a  Bcc: x@y"},
		{name: "tab and nul", in: "a\tb\x00c", want: "a b c"},
		{name: "trimmed", in: " \n a \n", want: "a"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got, want := headerText(tc.in), tc.want; got != want {
				t.Errorf("headerText(%q) = %q, want %q", tc.in, got, want)
			}
		})
	}
}

func TestMessageIDDomain(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{name: "plain", in: "noreply@example.org", want: "example.org"},
		{name: "quoted local part with at", in: `"a@b"@example.org`, want: "example.org"},
		{name: "idn domain", in: "noreply@ķēniņš.lv", want: ""},
		{name: "no at", in: "noreply", want: ""},
		{name: "empty domain", in: "noreply@", want: ""},
		{name: "ip literal", in: "noreply@[192.0.2.1]", want: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got, want := messageIDDomain(tc.in), tc.want; got != want {
				t.Errorf("messageIDDomain(%q) = %q, want %q", tc.in, got, want)
			}
		})
	}
}
