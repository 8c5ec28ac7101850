// Package cas is the CAS server of the identity provider: the Apereo CAS
// Protocol 1.0, 2.0 and 3.0 with the extensions of EU Login, the service
// registry, and single logout.
//
// # Flow
//
//  1. An application sends the browser to the IdP's /login with
//     service=URL. The IdP (package idp) finds the service with
//     Server.Lookup: a URL that matches no registered service gets an error
//     page, never a redirect. After a login (or straight away from an
//     existing SSO session) the IdP calls Server.IssueServiceTicket and
//     sends the browser back to the URL with ticket=ST-... (WithTicket).
//     Issuing records the session's entry into the service, for single
//     logout.
//  2. The application validates the ticket over a back channel on one of
//     the endpoints served by Server (ServeHTTP): /validate (CAS 1, plain
//     text), /serviceValidate and /proxyValidate (CAS 2 XML, EU Login's
//     attributes as direct children of <cas:authenticationSuccess>),
//     /p3/serviceValidate and /p3/proxyValidate (CAS 3, <cas:attributes>),
//     each in JSON with format=JSON. The first validation attempt spends the
//     ticket whatever its outcome (store.DB.UseTicket is one atomic
//     statement), so a ticket presented for the wrong service is dead
//     afterwards. A service ticket lives TicketTTL (10 s by default, at most
//     five minutes). The strength of the authentication travels with the
//     ticket; a service whose registry entry does not accept it gets
//     INVALID_STRENGTH.
//  3. With pgtUrl, a validation also grants a proxy-granting ticket: the
//     callback URL must be https and belong to a registered service allowed
//     to proxy; the server calls it (GET pgtUrl?pgtIou=...&pgtId=...) over
//     TLS with a verified certificate before it answers, and puts the
//     PGTIOU in the answer only when the callback returned 200. /proxy
//     exchanges a PGT for a proxy ticket (PT-) for a registered target
//     service; /proxyValidate and /p3/proxyValidate validate it and list the
//     proxies. A PGT lives as long as the SSO session it comes from (or two
//     hours without one) and dies when the user logs out.
//  4. When the user logs out of the IdP, Server.Logout takes the session's
//     entered services (fetch-and-delete, so it happens once) and POSTs a
//     SAML LogoutRequest naming the validated service ticket as
//     SessionIndex to every one whose service has single logout, at once
//     and with a short timeout; failures are logged, never shown.
//
// Tickets are ST-, PT-, PGT- or PGTIOU- followed by 40 random letters and
// digits from crypto/rand. Only their SHA-256 is stored, and a ticket is
// found by looking its hash up, so no secret is ever compared byte by byte.
//
// # Registry
//
// A Service has URL patterns: an exact URL, or a prefix ending in '*'. A
// URL is compared on its parsed, normalised parts (scheme, host, port,
// path), so https://portal.example.org.evil.com/ and
// https://portal.example.org@evil.com/ never match
// https://portal.example.org/*. URLs with user information, a fragment,
// dot segments, a backslash or a scheme other than http and https are
// refused outright. The registry lives in the database (table services):
// the eulogin service command and the --services file fill it.
//
// The Store the package needs is declared here; store.DB implements it.
package cas
