package app

import (
	"context"
	"html/template"
	"strings"

	"eulogin/internal/eci"
	"eulogin/internal/mail"
)

// eciMailer adapts the project's mail.Sender to the ECI portal's Mailer:
// each e-mail goes out as plain text (the portal's text, unchanged) and as
// HTML made from it in a simple layout headed by product, every text
// escaped. Paragraphs are separated by blank lines; a line that is a web
// address becomes a link.
func eciMailer(sender mail.Sender, product string) eci.Mailer {
	return &eciMail{sender: sender, product: product}
}

type eciMail struct {
	sender  mail.Sender
	product string
}

// Send renders m's HTML part and hands the message to the sender.
func (e *eciMail) Send(ctx context.Context, m eci.Mail) error {
	html, err := eciMailHTML(e.product, m)
	if err != nil {
		return err
	}
	return e.sender.Send(ctx, mail.Message{To: m.To, ToName: m.ToName, Subject: m.Subject, Text: m.Text, HTML: html})
}

// eciLine is a line of a paragraph: text, or a link when URL is set.
type eciLine struct {
	Text string
	URL  template.URL // only http(s) addresses, checked below
}

type eciMailData struct {
	Lang, Product, Subject string
	Paragraphs             [][]eciLine
}

// eciMailHTML returns the HTML part of m.
func eciMailHTML(product string, m eci.Mail) (string, error) {
	d := eciMailData{Lang: m.Lang, Product: product, Subject: m.Subject}
	if d.Lang == "" {
		d.Lang = "en"
	}
	text := strings.ReplaceAll(m.Text, "\r\n", "\n")
	for _, para := range strings.Split(text, "\n\n") {
		para = strings.Trim(para, "\n")
		if strings.TrimSpace(para) == "" {
			continue
		}
		var lines []eciLine
		for _, line := range strings.Split(para, "\n") {
			l := eciLine{Text: line}
			if t := strings.TrimSpace(line); (strings.HasPrefix(t, "https://") || strings.HasPrefix(t, "http://")) && !strings.ContainsAny(t, " \t\"'<>") {
				l.URL = template.URL(t) // the scheme is http(s): safe in href
			}
			lines = append(lines, l)
		}
		d.Paragraphs = append(d.Paragraphs, lines)
	}
	var b strings.Builder
	if err := eciMailTmpl.Execute(&b, d); err != nil {
		return "", err
	}
	return b.String(), nil
}

// eciMailTmpl is the layout: inline styles only (mail clients drop style
// sheets), a narrow column, the product's name above the message.
var eciMailTmpl = template.Must(template.New("eci-mail").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>{{.Subject}}</title></head>
<body style="margin:0;padding:0;background:#f5f5f5;font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5;color:#1a1a1a">
<div style="max-width:600px;margin:0 auto;padding:24px;background:#ffffff">
<p style="margin:0 0 16px;font-size:14px;font-weight:bold;color:#004494">{{.Product}}</p>
{{range .Paragraphs}}<p style="margin:0 0 16px">{{range $i, $l := .}}{{if $i}}<br>{{end}}{{if $l.URL}}<a href="{{$l.URL}}" style="color:#004494;word-break:break-all">{{$l.Text}}</a>{{else}}{{$l.Text}}{{end}}{{end}}</p>
{{end}}</div>
</body>
</html>
`))
