package idp

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"eulogin/internal/authn/password"
)

// Handlers return their failure instead of writing it; serve and
// answerError are the one place that turns an error into a status and a
// translated page:
//
//   - a *pageError: its status and message, nothing logged (the user's
//     mistake or a missing thing);
//   - a redirect: 303 to its path (a request in the wrong step of a flow);
//   - password.ErrBusy: 503 and "busy", with Retry-After;
//   - a cancelled request: nothing (the client left);
//   - anything else: 500, the cause logged and never shown.

// handler is an endpoint of the IdP.
type handler func(w http.ResponseWriter, r *http.Request) error

// accountHandler is an endpoint for a signed-in user (requireSession).
type accountHandler func(w http.ResponseWriter, r *http.Request, si *signedIn) error

// pageError is a failure the user is told about with a translated message.
type pageError struct {
	status int
	key    string // message key
}

func (e *pageError) Error() string { return fmt.Sprintf("%d %s", e.status, e.key) }

// The failures of every page.
var (
	errBadRequest     = &pageError{http.StatusBadRequest, "error.bad_request"}
	errNotFound       = &pageError{http.StatusNotFound, "error.not_found"}
	errSessionExpired = &pageError{http.StatusUnauthorized, "error.session_expired"}
)

// redirect sends the browser to a path of the IdP (303): what a step of a
// flow answers when the flow is elsewhere.
type redirect string

func (r redirect) Error() string { return "redirect to " + string(r) }

// serve turns h into an http.HandlerFunc.
func (s *Server) serve(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.answerError(w, r, err)
		}
	}
}

// answerError writes the answer of a handler's error.
func (s *Server) answerError(w http.ResponseWriter, r *http.Request, err error) {
	var to redirect
	var pe *pageError
	switch {
	case errors.As(err, &to):
		http.Redirect(w, r, string(to), http.StatusSeeOther)
	case errors.As(err, &pe):
		s.fail(w, r, pe.status, pe.key, nil)
	case errors.Is(err, password.ErrBusy):
		s.fail(w, r, http.StatusServiceUnavailable, "error.busy", nil)
	case errors.Is(err, context.Canceled):
	default:
		s.fail(w, r, http.StatusInternalServerError, "error.internal", err)
	}
}

// parseForm parses the body of a POST; a malformed one is a bad request.
func parseForm(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return errBadRequest
	}
	return nil
}

// requireAccount is requireSession for an accountHandler.
func (s *Server) requireAccount(h accountHandler) http.Handler {
	return s.requireSession(func(w http.ResponseWriter, r *http.Request, si *signedIn) {
		if err := h(w, r, si); err != nil {
			s.answerError(w, r, err)
		}
	})
}
