package config_test

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"eulogin/internal/config"
)

// TestSecretFiles: every secret setting can be read from a file, named by
// --NAME-file or EULOGIN_NAME_FILE, and the file is refused when it is
// missing, empty or readable by others, or the secret is also given directly.
func TestSecretFiles(t *testing.T) {
	secrets := []struct {
		flag string
		get  func(*config.Config) string
	}{
		{"database", func(c *config.Config) string { return c.Database }},
		{"eci-database", func(c *config.Config) string { return c.ECIDatabase }},
		{"smtp-password", func(c *config.Config) string { return c.SMTP.Password }},
		{"sms-secret", func(c *config.Config) string { return c.SMS.Secret }},
		{"sms-headers", func(c *config.Config) string { return c.SMS.Headers }},
		{"twilio-token", func(c *config.Config) string { return c.SMS.TwilioToken }},
		{"app-secret", func(c *config.Config) string { return c.AppSecret }},
	}
	dir := t.TempDir()
	file := func(name, content string, mode os.FileMode) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil { // whatever the umask
			t.Fatal(err)
		}
		return p
	}
	const secret = "s3cret value"
	lf := file("lf", secret+"\n", 0o600)
	crlf := file("crlf", secret+"\r\n", 0o600)
	bare := file("bare", secret, 0o400)
	twoLines := file("two", secret+"\n\n", 0o600)
	empty := file("empty", "", 0o600)
	newline := file("newline", "\n", 0o600)
	public := file("public", secret+"\n", 0o644)
	missing := filepath.Join(dir, "missing")

	for _, s := range secrets {
		fileFlag, envVar, fileVar := "--"+s.flag+"-file", config.EnvName(s.flag), config.EnvName(s.flag+"-file")
		tests := []struct {
			name    string
			args    []string
			env     map[string]string
			want    string // the setting, when there is no error
			wantErr string // a part of the error; "" = none
		}{
			{name: "value", args: []string{"--" + s.flag, "direct"}, want: "direct"},
			{name: "variable", env: map[string]string{envVar: "from env"}, want: "from env"},
			{name: "file", args: []string{fileFlag, lf}, want: secret},
			{name: "file from the variable", env: map[string]string{fileVar: lf}, want: secret},
			{name: "crlf ending", args: []string{fileFlag, crlf}, want: secret},
			{name: "no newline", args: []string{fileFlag, bare}, want: secret},
			{name: "one newline removed", args: []string{fileFlag, twoLines}, want: secret + "\n"},
			{name: "value and file", args: []string{"--" + s.flag, "direct", fileFlag, lf}, wantErr: "both set"},
			{name: "variable and file", args: []string{fileFlag, lf}, env: map[string]string{envVar: "from env"}, wantErr: envVar + ") and " + fileFlag},
			{name: "both variables", env: map[string]string{envVar: "from env", fileVar: lf}, wantErr: "both set"},
			{name: "missing file", args: []string{fileFlag, missing}, wantErr: fileFlag + " (" + fileVar + "): open " + missing},
			{name: "empty file", args: []string{fileFlag, empty}, wantErr: fileFlag + " (" + fileVar + "): " + empty + " is empty"},
			{name: "only a newline", env: map[string]string{fileVar: newline}, wantErr: fileFlag + " (" + fileVar + "): " + newline + " is empty"},
			{name: "readable by others", args: []string{fileFlag, public}, wantErr: fileFlag + " (" + fileVar + "): " + public + " is readable by group or others (mode 0644)"},
			{name: "directory", args: []string{fileFlag, dir}, wantErr: "is a directory"},
		}
		for _, tt := range tests {
			t.Run(s.flag+"/"+tt.name, func(t *testing.T) {
				c := config.Default()
				fs := c.FlagSet("serve", io.Discard)
				if err := fs.Parse(tt.args); err != nil {
					t.Fatal(err)
				}
				err := config.ApplyEnv(fs, func(k string) string { return tt.env[k] })
				switch {
				case tt.wantErr == "" && err != nil:
					t.Fatalf("ApplyEnv(%q, %v) = %v, want nil", tt.args, tt.env, err)
				case tt.wantErr == "":
					if got := s.get(&c); got != tt.want {
						t.Errorf("after ApplyEnv(%q, %v) --%s = %q, want %q", tt.args, tt.env, s.flag, got, tt.want)
					}
				case err == nil || !strings.Contains(err.Error(), tt.wantErr):
					t.Errorf("ApplyEnv(%q, %v) = %v, want an error containing %q", tt.args, tt.env, err, tt.wantErr)
				case strings.Contains(err.Error(), "s3cret"):
					t.Errorf("ApplyEnv(%q, %v) = %v, which shows the secret", tt.args, tt.env, err)
				}
			})
		}
	}
}

// TestSecretFileOtherFlags: the file of one secret leaves the others, and
// every flag without a file, alone.
func TestSecretFileOtherFlags(t *testing.T) {
	p := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(p, []byte("pw\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := config.Default()
	fs := c.FlagSet("serve", io.Discard)
	if err := fs.Parse([]string{"--smtp-password-file", p, "--sms-secret", "direct"}); err != nil {
		t.Fatal(err)
	}
	if err := config.ApplyEnv(fs, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	want := config.Default()
	want.SMTP.Password, want.SMS.Secret = "pw", "direct"
	if c != want {
		t.Errorf("config after --smtp-password-file = %+v, want %+v", c, want)
	}
}
