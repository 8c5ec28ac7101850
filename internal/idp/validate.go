package idp

import (
	"net/mail"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"eulogin/internal/web"
)

const (
	maxNameRunes  = 100
	maxEmailBytes = 254
)

// validName reports whether s is a person's name: letters of any alphabet
// (with their combining marks), and spaces, hyphens, apostrophes and dots
// between them. Markup, digits and symbols are refused.
func validName(s string) bool {
	if s == "" || utf8.RuneCountInString(s) > maxNameRunes {
		return false
	}
	letters := 0
	for _, r := range s {
		switch {
		case unicode.IsLetter(r):
			letters++
		case unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r):
		case r == ' ' || r == '-' || r == '\'' || r == '’' || r == '.':
		default:
			return false
		}
	}
	return letters > 0
}

// canonicalEmail returns the lower-cased address if s is a plain e-mail
// address (no display name, a dot in the domain), or "".
func canonicalEmail(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > maxEmailBytes || strings.ContainsAny(s, " <>\"(),;:\\[]") {
		return ""
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s {
		return ""
	}
	at := strings.LastIndexByte(s, '@')
	if at < 1 || at == len(s)-1 {
		return ""
	}
	domain := s[at+1:]
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return ""
	}
	return strings.ToLower(s)
}

// checkName validates a name field and records a translated error.
func checkName(p *web.Page, field, emptyKey, badKey string) string {
	v := p.Form.Get(field)
	switch {
	case v == "":
		p.Form.Add(field, p.L.T(emptyKey))
	case utf8.RuneCountInString(v) > maxNameRunes:
		p.Form.Add(field, p.L.T("form.too_long", "max", "100"))
	case !validName(v):
		p.Form.Add(field, p.L.T(badKey))
	}
	return v
}

// checkDeviceName validates the name of a mobile device (field) and
// returns it trimmed: not empty, at most maxDeviceName characters, and, like
// a person's name, without control or invisible formatting characters
// (bidirectional overrides could make "Ana’s phone" display as something
// else in a security e-mail).
func checkDeviceName(p *web.Page, field string) string {
	name := strings.TrimSpace(p.Form.Get(field))
	switch {
	case name == "":
		p.Form.Add(field, p.L.T("devices.name_empty"))
	case utf8.RuneCountInString(name) > maxDeviceName || !utf8.ValidString(name):
		p.Form.Add(field, p.L.T("devices.name_long"))
	case strings.IndexFunc(name, invisible) >= 0:
		p.Form.Add(field, p.L.T("form.invalid_text"))
	}
	return name
}

// invisible reports whether r is a control character or an invisible
// formatting one (Unicode category Cc or Cf: bidirectional controls, zero
// widths, the byte order mark...).
func invisible(r rune) bool {
	return unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r)
}

// checkEmail validates an e-mail field and returns its canonical form.
func checkEmail(p *web.Page, field string) string {
	v := p.Form.Get(field)
	switch {
	case v == "":
		p.Form.Add(field, p.L.T("form.email_empty"))
		return ""
	case len(v) > maxEmailBytes:
		p.Form.Add(field, p.L.T("form.too_long", "max", "254"))
		return ""
	}
	c := canonicalEmail(v)
	if c == "" {
		p.Form.Add(field, p.L.T("form.email_format"))
	}
	return c
}

// safeNext returns next if it is a path on this server, else "".
// Only "/x" paths qualify: "//host" and "/\host" would leave the site. A
// backslash anywhere is refused: http.Redirect cleans the path, so "/./\host"
// would become "/\host", which browsers read as "//host".
func safeNext(next string) string {
	if next == "" || len(next) > 2000 || next[0] != '/' || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n\t") {
		return ""
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return ""
	}
	return next
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
