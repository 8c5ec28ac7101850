package mailtest

import (
	"strings"
	"testing"
)

// crlf turns a readable "\n" message into wire format.
func crlf(s string) []byte {
	return []byte(strings.ReplaceAll(s, "\n", "\r\n"))
}

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		raw         string
		wantSubject string
		wantText    string
		wantHTML    string
		wantErr     string // "" = no error
	}{
		{
			name: "plain 7bit",
			raw: `From: a@example.org
To: b@example.net
Subject: Hello

Line one
Line two
`,
			wantSubject: "Hello",
			wantText:    "Line one\nLine two\n",
		},
		{
			name: "quoted-printable utf-8 with soft breaks",
			raw: `Subject: =?UTF-8?q?Izveidot_kontu_=E2=80=94_=C4=B6=C4=93ni=C5=86=C5=A1?=
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: quoted-printable

Sveiki, J=C4=81ni! Gar=
a rinda =3D turpin=C4=81s
`,
			wantSubject: "Izveidot kontu — Ķēniņš",
			wantText:    "Sveiki, Jāni! Gara rinda = turpinās\n",
		},
		{
			name: "base64 utf-8 and B-encoded subject",
			raw: `Subject: =?utf-8?B?zpTOt868zrnOv8+Fz4HOs86vzrEgzrvOv86zzrHPgc65zrHPg868zr/P?=
 =?utf-8?B?jQ==?=
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: BASE64

zpPOtc65zrEgz4POsc+CIQpodHRwczovL2V4YW1w
bGUub3JnL2VsCg==
`,
			wantSubject: "Δημιουργία λογαριασμού",
			wantText:    "Γεια σας!\nhttps://example.org/el\n",
		},
		{
			name: "multipart alternative mixed encodings",
			raw: `Subject: Creare cont
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b1"

preamble is ignored
--b1
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Bun=C4=83 ziua!
--b1
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: base64

PHA+QnVuxIMgeml1YSE8L3A+
--b1--
epilogue is ignored
`,
			wantSubject: "Creare cont",
			wantText:    "Bună ziua!",
			wantHTML:    "<p>Bună ziua!</p>",
		},
		{
			name: "nested mixed with attachment",
			raw: `Subject: nested
Content-Type: multipart/mixed; boundary=outer

--outer
Content-Type: multipart/alternative; boundary=inner

--inner
Content-Type: text/plain

text
--inner
Content-Type: text/html

<b>html</b>
--inner--
--outer
Content-Type: text/plain; name=notes.txt
Content-Disposition: attachment; filename=notes.txt

not the body
--outer--
`,
			wantSubject: "nested",
			wantText:    "text",
			wantHTML:    "<b>html</b>",
		},
		{
			name:        "latin-1",
			raw:         "Subject: =?iso-8859-1?q?Caf=E9?=\nContent-Type: text/plain; charset=ISO-8859-1\nContent-Transfer-Encoding: 8bit\n\nCaf\xe9 cr\xe8me\n",
			wantSubject: "Café",
			wantText:    "Café crème\n",
		},
		{
			name:        "unsupported charset",
			raw:         "Subject: x\nContent-Type: text/plain; charset=koi8-r\n\n\xf0\xd2\xc9\n",
			wantSubject: "x",
			wantErr:     `unsupported charset "koi8-r"`,
		},
		{
			name:        "invalid utf-8",
			raw:         "Subject: x\nContent-Type: text/plain; charset=utf-8\n\n\xff\xfe\n",
			wantSubject: "x",
			wantErr:     "invalid UTF-8",
		},
		{
			name:        "unknown transfer encoding",
			raw:         "Subject: x\nContent-Transfer-Encoding: x-uuencode\n\nbegin\n",
			wantSubject: "x",
			wantErr:     "unsupported Content-Transfer-Encoding",
		},
		{
			name:        "multipart without boundary",
			raw:         "Subject: x\nContent-Type: multipart/alternative\n\n--\n",
			wantSubject: "x",
			wantErr:     "without boundary",
		},
		{
			name:    "no header separator",
			raw:     "this is not a header\n",
			wantErr: "read header",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			raw := crlf(tc.raw)
			got, err := parse(raw)
			if tc.wantErr == "" && err != nil {
				t.Fatalf("parse() error = %v, want nil", err)
			}
			if tc.wantErr != "" {
				if err == nil {
					t.Fatalf("parse() error = nil, want error containing %q", tc.wantErr)
				}
				if got, want := err.Error(), tc.wantErr; !strings.Contains(got, want) {
					t.Errorf("parse() error = %q, want it to contain %q", got, want)
				}
			}
			if got, want := got.Subject, tc.wantSubject; got != want {
				t.Errorf("Subject = %q, want %q", got, want)
			}
			if got, want := got.Text, tc.wantText; got != want {
				t.Errorf("Text = %q, want %q", got, want)
			}
			if got, want := got.HTML, tc.wantHTML; got != want {
				t.Errorf("HTML = %q, want %q", got, want)
			}
			if got, want := string(got.Raw), string(raw); got != want {
				t.Errorf("Raw = %q, want %q", got, want)
			}
		})
	}
}

func TestLinks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		text string
		want []string
	}{
		{name: "none", text: "no links here, just www.example.org and mailto:a@b", want: nil},
		{name: "one", text: "Open https://login.example.org/verify?t=abc&u=1 now", want: []string{"https://login.example.org/verify?t=abc&u=1"}},
		{name: "order kept and http too", text: "first http://a.example/1\nsecond https://b.example/2\nfirst again http://a.example/1",
			want: []string{"http://a.example/1", "https://b.example/2", "http://a.example/1"}},
		{name: "sentence punctuation", text: "Go to https://x.example/a. Or https://x.example/b, or https://x.example/c!",
			want: []string{"https://x.example/a", "https://x.example/b", "https://x.example/c"}},
		{name: "in parentheses", text: "(see https://x.example/p)", want: []string{"https://x.example/p"}},
		{name: "balanced parentheses kept", text: "https://en.example/wiki/Go_(language)", want: []string{"https://en.example/wiki/Go_(language)"}},
		{name: "angle brackets", text: "<https://x.example/angle>", want: []string{"https://x.example/angle"}},
		{name: "quotes", text: `"https://x.example/q" 'https://x.example/s'`, want: []string{"https://x.example/q", "https://x.example/s"}},
		{name: "upper-case scheme", text: "HTTPS://X.EXAMPLE/U", want: []string{"HTTPS://X.EXAMPLE/U"}},
		{name: "fragment and port", text: "https://x.example:8443/a/b?c=d#frag", want: []string{"https://x.example:8443/a/b?c=d#frag"}},
		{name: "unicode path", text: "https://x.example/lv/ķēniņš done", want: []string{"https://x.example/lv/ķēniņš"}},
		{name: "not inside words", text: "xhttps://x.example/no", want: nil},
		{name: "scheme only", text: "https:// nothing", want: nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := Received{Text: tc.text}.Links()
			if got, want := strings.Join(got, "\n"), strings.Join(tc.want, "\n"); got != want {
				t.Errorf("Links() = %q, want %q", got, want)
			}
		})
	}
}
