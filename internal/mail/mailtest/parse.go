package mailtest

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"net/textproto"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Received is one message accepted by a [Server].
//
// Text and HTML are the first text/plain and text/html parts, with transfer
// encoding (quoted-printable, base64) and charset (UTF-8, US-ASCII,
// ISO-8859-1) decoded and line endings normalised to "\n". Parts of a
// multipart message are exact; a single-part message always ends in a line
// break, because SMTP transfers whole lines, so a body that did not end in
// one gains a final "\n".
type Received struct {
	From    string         // envelope sender (MAIL FROM)
	To      []string       // envelope recipients (RCPT TO)
	Subject string         // decoded Subject header
	Text    string         // decoded text/plain body, line endings normalised to "\n"
	HTML    string         // decoded text/html body, line endings normalised to "\n"; "" if none
	Header  netmail.Header // top-level header fields as received (RFC 2047 words not decoded)
	Raw     []byte         // the message exactly as received after DATA
	TLS     bool           // whether the message arrived over a TLS connection
}

// linkRE finds candidate http(s) URLs; trimLink removes trailing punctuation.
var linkRE = regexp.MustCompile("(?i)\\bhttps?://[^\\s<>\"`]+")

// Links returns every http or https URL in the Text body, in order of
// appearance. Sentence punctuation and unbalanced closing brackets directly
// after a URL are not part of it.
func (r Received) Links() []string {
	var links []string
	for _, l := range linkRE.FindAllString(r.Text, -1) {
		if l = trimLink(l); l != "" {
			links = append(links, l)
		}
	}
	return links
}

// trimLink strips trailing characters that end a sentence rather than a URL.
func trimLink(l string) string {
	for l != "" {
		last := l[len(l)-1]
		switch last {
		case '.', ',', ';', ':', '!', '?', '\'', '*':
		case ')':
			if strings.Count(l, "(") >= strings.Count(l, ")") {
				return l
			}
		case ']':
			if strings.Count(l, "[") >= strings.Count(l, "]") {
				return l
			}
		case '}':
			if strings.Count(l, "{") >= strings.Count(l, "}") {
				return l
			}
		default:
			return l
		}
		l = l[:len(l)-1]
	}
	return l
}

// maxDepth limits multipart nesting.
const maxDepth = 10

// parse decodes raw as an RFC 5322/MIME message. It returns as much as it
// could decode together with any error.
func parse(raw []byte) (Received, error) {
	r := Received{Raw: raw}
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return r, fmt.Errorf("read header: %w", err)
	}
	r.Header = msg.Header

	var errs []error
	var dec mime.WordDecoder
	if subj, err := dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		errs = append(errs, fmt.Errorf("decode Subject: %w", err))
		r.Subject = msg.Header.Get("Subject")
	} else {
		r.Subject = subj
	}
	if err := walk(textproto.MIMEHeader(msg.Header), msg.Body, &r, 0); err != nil {
		errs = append(errs, err)
	}
	if r.Text == "" && r.HTML == "" {
		errs = append(errs, errors.New("no text/plain or text/html body"))
	}
	return r, errors.Join(errs...)
}

// walk decodes one MIME entity, descending into multipart entities, and
// stores the first text/plain and text/html leaves in r.
func walk(h textproto.MIMEHeader, body io.Reader, r *Received, depth int) error {
	ct := h.Get("Content-Type")
	if ct == "" {
		ct = "text/plain; charset=us-ascii"
	}
	mediaType, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return fmt.Errorf("Content-Type %q: %w", ct, err)
	}

	if strings.HasPrefix(mediaType, "multipart/") {
		if depth >= maxDepth {
			return fmt.Errorf("multipart nesting deeper than %d", maxDepth)
		}
		boundary := params["boundary"]
		if boundary == "" {
			return fmt.Errorf("%s without boundary", mediaType)
		}
		mr := multipart.NewReader(body, boundary)
		for {
			// NextRawPart: transfer decoding is done by walk for every
			// encoding alike.
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("%s: %w", mediaType, err)
			}
			if err := walk(p.Header, p, r, depth+1); err != nil {
				return err
			}
		}
	}

	if mediaType != "text/plain" && mediaType != "text/html" {
		return nil // attachments, images, ...: not interesting here
	}
	if disp, _, err := mime.ParseMediaType(h.Get("Content-Disposition")); err == nil && disp == "attachment" {
		return nil
	}
	data, err := decodeTransfer(h.Get("Content-Transfer-Encoding"), body)
	if err != nil {
		return fmt.Errorf("%s body: %w", mediaType, err)
	}
	text, err := decodeCharset(params["charset"], data)
	if err != nil {
		return fmt.Errorf("%s body: %w", mediaType, err)
	}
	text = strings.ReplaceAll(text, "\r\n", "\n")
	switch {
	case mediaType == "text/plain" && r.Text == "":
		r.Text = text
	case mediaType == "text/html" && r.HTML == "":
		r.HTML = text
	}
	return nil
}

// decodeTransfer undoes a Content-Transfer-Encoding.
func decodeTransfer(cte string, body io.Reader) ([]byte, error) {
	switch enc := strings.ToLower(strings.TrimSpace(cte)); enc {
	case "", "7bit", "8bit", "binary":
		return io.ReadAll(body)
	case "quoted-printable":
		data, err := io.ReadAll(quotedprintable.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("quoted-printable: %w", err)
		}
		return data, nil
	case "base64":
		// The standard decoder skips CR and LF.
		data, err := io.ReadAll(base64.NewDecoder(base64.StdEncoding, body))
		if err != nil {
			return nil, fmt.Errorf("base64: %w", err)
		}
		return data, nil
	default:
		return nil, fmt.Errorf("unsupported Content-Transfer-Encoding %q", cte)
	}
}

// decodeCharset converts data in the given charset to a Go string. UTF-8,
// US-ASCII and ISO-8859-1 are supported.
func decodeCharset(charset string, data []byte) (string, error) {
	switch strings.ToLower(strings.TrimSpace(charset)) {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
		if !utf8.Valid(data) {
			return "", fmt.Errorf("charset %q: invalid UTF-8", charset)
		}
		return string(data), nil
	case "iso-8859-1", "latin1", "l1":
		var b strings.Builder
		for _, c := range data {
			b.WriteRune(rune(c))
		}
		return b.String(), nil
	default:
		return "", fmt.Errorf("unsupported charset %q", charset)
	}
}
