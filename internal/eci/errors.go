package eci

import (
	"context"
	"errors"
	"fmt"
	"net/http"
)

// Handlers return their failure instead of writing it; answerError is the
// one place that turns an error into a status and an answer:
//
//   - a *pageError: its status and translated message on the error page,
//     nothing logged (the user's mistake, or a thing missing, forbidden or
//     no longer open);
//   - a *plainError: its status and text in plain text, for the endpoints
//     that machines call (the health check, the single-logout back channel),
//     its cause logged when it has one;
//   - a redirect: 303 to its path;
//   - a cancelled request: nothing (the client left);
//   - anything else: 500 and the "problem" page, the cause logged and never
//     shown.

// handler is an endpoint of the portal.
type handler func(w http.ResponseWriter, r *http.Request) error

// organiserHandler is an endpoint for a signed-in organiser
// (requireOrganiser).
type organiserHandler func(w http.ResponseWriter, r *http.Request, o *organiser) error

// pageError is a failure the user is told about with a translated message.
type pageError struct {
	status int
	key    string // message key
}

func (e *pageError) Error() string { return fmt.Sprintf("%d %s", e.status, e.key) }

// The failures of the portal's pages.
var (
	errNotFound       = &pageError{http.StatusNotFound, "problem.not_found"}
	errInternal       = &pageError{http.StatusInternalServerError, "problem.internal"}
	errCrossOrigin    = &pageError{http.StatusForbidden, "problem.cross_origin"}
	errSessionExpired = &pageError{http.StatusUnauthorized, "problem.session_expired"}
	errForbidden      = &pageError{http.StatusForbidden, "problem.forbidden"}
	// errFrozen: the initiative, or this part of it, can no longer change.
	errFrozen = &pageError{http.StatusConflict, "problem.frozen"}
	// errDecided: the request for registration is no longer under review.
	errDecided              = &pageError{http.StatusConflict, "problem.decided"}
	errChangesRequested     = &pageError{http.StatusConflict, "problem.changes_requested"}
	errInvitation           = &pageError{http.StatusNotFound, "problem.invitation"}
	errInvitationExpired    = &pageError{http.StatusGone, "problem.invitation_expired"}
	errInvitationConflict   = &pageError{http.StatusConflict, "problem.invitation_conflict"}
	errAlreadyJoined        = &pageError{http.StatusConflict, "problem.already_joined"}
	errRemoveRepresentative = &pageError{http.StatusConflict, "problem.remove_representative"}
	errHandOver             = &pageError{http.StatusConflict, "problem.handover"}
)

// plainError is the failure of an endpoint that machines call, answered in
// plain text: text, or the status's name when text is empty. The cause, if
// any, is logged.
type plainError struct {
	status int
	text   string
	cause  error
}

func (e *plainError) Error() string {
	if e.cause != nil {
		return fmt.Sprintf("%d: %v", e.status, e.cause)
	}
	return fmt.Sprintf("%d %s", e.status, e.text)
}

func (e *plainError) Unwrap() error { return e.cause }

// redirect sends the browser to a path of the portal (303): what a request
// answers when the user belongs elsewhere (to the login, to the page that
// explains a failed login).
type redirect string

func (r redirect) Error() string { return "redirect to " + string(r) }

// serve turns h into an http.Handler.
func (s *Server) serve(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.answerError(w, r, err)
		}
	})
}

// answerError writes the answer of a handler's error.
func (s *Server) answerError(w http.ResponseWriter, r *http.Request, err error) {
	var to redirect
	var pe *pageError
	var plain *plainError
	switch {
	case errors.As(err, &to):
		http.Redirect(w, r, string(to), http.StatusSeeOther)
	case errors.As(err, &pe):
		s.fail(w, r, pe.status, pe.key)
	case errors.As(err, &plain):
		if plain.cause != nil {
			s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "status", plain.status, "err", plain.cause)
		}
		text := plain.text
		if text == "" {
			text = http.StatusText(plain.status)
		}
		http.Error(w, text, plain.status)
	case errors.Is(err, context.Canceled):
	default:
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "status", errInternal.status, "err", err)
		s.fail(w, r, errInternal.status, errInternal.key)
	}
}

// fail shows the error page with the translated message of msgKey.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, msgKey string) {
	s.render.Render(w, status, "error", s.page(r, "problem.title", s.localizer(r).T(msgKey)))
}
