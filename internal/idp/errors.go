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
	title  string // title key; "" for "error.title"
}

func (e *pageError) Error() string { return fmt.Sprintf("%d %s", e.status, e.key) }

// The failures of every page.
var (
	errBadRequest     = &pageError{status: http.StatusBadRequest, key: "error.bad_request"}
	errNotFound       = &pageError{status: http.StatusNotFound, key: "error.not_found"}
	errSessionExpired = &pageError{status: http.StatusUnauthorized, key: "error.session_expired"}
	// A service URL that no registered service matches (CAS): a page,
	// never a redirect.
	errUnknownService = &pageError{status: http.StatusBadRequest, key: "error.unknown_service", title: "error.unknown_service_title"}
	// A form posted from another site (web.CrossOrigin).
	errCrossOrigin = &pageError{status: http.StatusForbidden, key: "error.cross_origin"}
	// A handler panicked; web.Recoverer logged it.
	errPanic = &pageError{status: http.StatusInternalServerError, key: "error.internal"}
)

// redirect sends the browser to a URL (303): the next step of a flow, or
// the application a login was for.
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

// answerError writes the answer of a handler's error: a page with a
// translated message (the cause, when unexpected, logged and never shown),
// or a redirect.
func (s *Server) answerError(w http.ResponseWriter, r *http.Request, err error) {
	var to redirect
	if errors.As(err, &to) {
		http.Redirect(w, r, string(to), http.StatusSeeOther)
		return
	}
	if errors.Is(err, context.Canceled) {
		return // the client left
	}
	pe := &pageError{status: http.StatusInternalServerError, key: "error.internal"}
	switch {
	case errors.As(err, &pe):
	case errors.Is(err, password.ErrBusy):
		pe = &pageError{status: http.StatusServiceUnavailable, key: "error.busy"}
	default:
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if pe.status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "5")
	}
	title := pe.title
	if title == "" {
		title = "error.title"
	}
	p := s.page(r, title)
	p.Data = p.L.T(pe.key)
	s.render.Render(w, pe.status, "error", p)
}

// parseForm parses the body of a POST; a malformed one is a bad request.
func parseForm(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return errBadRequest
	}
	return nil
}
