// Package web renders the pages of eulogin's two servers and holds what they
// share: the page frame (header with the service name and language switcher,
// one main column, footer), form error handling, static files, the
// security headers, and the HTTP middleware around both (Chain, Recoverer,
// LanguageCookie, CrossOrigin, MaxBytes, Headers).
//
// Templates are html/template files. The frame and shared partials live in
// this package (templates/); each server passes its own page templates. A page
// template defines "title" and "main"; every page is executed as "layout".
// Translation happens in templates through the function t:
// {{t .L "login.title"}} or {{t .L "register_sent.body" "email" .Data.Email}}.
//
// No page contains inline script or style, so the Content-Security-Policy
// forbids both.
package web
