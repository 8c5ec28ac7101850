// Package eci is the ECI organiser portal: the web application where the
// representative of a group of organisers prepares a European citizens'
// initiative, submits it for registration and manages it (Regulation (EU)
// 2019/788). Access needs an EU Login account with two-factor
// authentication.
//
// The portal is a genuine relying party of the identity provider. It knows
// the identity provider only by its base URL (Config.IdPURL) and talks to it
// only over HTTP with the CAS 3 protocol and EU Login's extensions, through
// package casclient, exactly as a third-party application would. It keeps its
// own database (package ecistore), never the identity provider's tables.
//
// The login flow:
//
//  1. The landing page's Organiser account button is a link to /login, which
//     remembers a safe local "next" path in a short-lived cookie and
//     redirects (303) to {IdP}/login with service={portal}/cas/callback,
//     acceptStrengths (Config.AcceptStrengths) and locale (the page
//     language).
//  2. The identity provider authenticates the user and redirects to
//     /cas/callback?ticket=ST-...
//  3. The portal validates the ticket server to server
//     ({IdP}/p3/serviceValidate), checks the strength itself as well, records
//     the organiser (portal_users), starts a new session with a new id
//     (portal_sessions, keyed by the SHA-256 of the cookie value, holding the
//     SHA-256 of the ticket), audits the login and redirects to /dashboard
//     (or the remembered path). A strength the portal does not accept
//     (INVALID_STRENGTH) leads to /login/refused, which explains how to link
//     a mobile phone in EU Login; other failures to /login/failed. Both offer
//     to try again; being GET pages of their own, reloading them or switching
//     their language never replays the ticket.
//  4. Logging out: POST /logout ends the portal's session only; POST
//     /logout/everywhere ends it and sends the browser to {IdP}/logout so
//     that EU Login's session ends too. Single logout: the identity provider
//     POSTs a SAML LogoutRequest naming the ticket to /cas/callback, and the
//     portal ends exactly the session created from that ticket.
//
// Sessions live in the database only (any number of replicas can serve a
// browser), with an idle timeout and an absolute lifetime (NIST SP 800-63B
// AAL2: 30 minutes and 12 hours by default). The cookie eci_session is
// HttpOnly, SameSite=Lax and Secure when the portal is served over https.
//
// Every POST except the single-logout back channel is protected against
// cross-site requests by http.CrossOriginProtection. The back channel is
// exempt because it is a server-to-server call that uses no cookie: it can
// end a session only by naming its secret service ticket, so a cross-site
// request gains nothing there that a direct one would not.
//
// Pages are rendered by package web in the frame shared with the identity
// provider, with the portal's own templates (templates/) and its own
// catalogues (locales/, loaded by LoadBundle). routes.go lists every
// endpoint, with its body limit and whether it loads the session.
//
// Handlers return their error instead of writing it, and answerError
// (errors.go) is the one place that turns it into an answer: a pageError
// into its status and translated message on the error page, a redirect
// into a 303, a plainError into plain text (the endpoints machines call),
// a cancelled request into nothing, and anything else into 500 with the
// cause logged, never shown. Security events go to the portal's
// audit log through package audit, with the client's address and
// User-Agent.
//
// Initiatives (initiatives.go, group.go): the representative drafts an
// initiative, invites the members of the group by a single-use link (only
// its hash is stored), each member signs in through EU Login, joins and
// confirms their details; the page of the initiative shows what is still
// missing, computed by package rules; the representative submits it when
// nothing is; reviewers (granted by "eulogin eci reviewer add") register or
// refuse it; the representative then picks the collection start. Every
// handler loads the initiative with load, which returns errNotFound to
// anyone who may not see it, and checks the representative's rights with
// repDraft; every change is kept in the initiative's history and audited.
package eci
