// Package casclient is the portal's client of the identity provider's CAS
// protocol (Apereo CAS 3.0 with EU Login's extensions). It is what any
// third-party application would write: it knows the identity provider only by
// its base URL and talks to it over HTTP.
//
// The flow:
//
//  1. The application redirects the browser to LoginURL(service, options):
//     {base}/login?service=...&acceptStrengths=...&locale=...
//  2. After authentication the identity provider redirects the browser to the
//     service URL with ?ticket=ST-...
//  3. The application calls Validate(ctx, ticket, service), a server-to-server
//     GET of {base}/p3/serviceValidate, and receives the Principal: the stable
//     user id and the attributes (email, firstName, lastName, locale,
//     strength, loginDate, ...), every value of a multi-valued attribute
//     kept. A refusal comes back as a *Failure carrying the CAS error code,
//     for instance INVALID_STRENGTH when the user authenticated with a
//     strength the service does not accept.
//  4. Logging out: LogoutURL(service) ends the identity provider's session and
//     comes back to service. Single logout: the identity provider POSTs a
//     SAML LogoutRequest naming the service ticket to the service URL;
//     ParseLogoutRequest reads it, and the application ends the session it
//     created from that ticket.
//
// Responses are read with encoding/xml (which expands no external entities),
// matched on local names so that any namespace prefix works, and limited in
// size; every request has a timeout.
package casclient
