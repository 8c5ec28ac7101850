// Package idp is the identity provider's HTTP server: registration, the
// e-mailed password links, login, the SSO session, My Account, the CAS
// endpoints (package cas) and the dev outbox. routes.go lists every
// endpoint.
//
// A login for an application (GET /login?service=..., cas_login.go) checks
// the service against the registry first (an unknown one gets a page, never
// a redirect), then either passes a signed-in user through (single sign-on,
// after the warning page when the account asks for it, and only when the
// session's strength is accepted), or runs the usual login steps with the
// CAS parameters kept in the login flow, and sends the browser back with a
// service ticket. Logging out sends single logout to the applications.
//
// Pages are rendered by package web in the language negotiated by package
// i18n. Every POST is protected against cross-site requests by
// http.CrossOriginProtection (Sec-Fetch-Site / Origin checks) and SameSite
// cookies. Every form validates all of its fields, shows each error next to
// its field in the user's language, keeps what was typed, and writes nothing
// until all of it is valid.
//
// Answers never reveal whether an account exists: registration, the lost
// password form and login take the same path for known and unknown
// addresses, and the owner of a known address gets an e-mail instead.
package idp
