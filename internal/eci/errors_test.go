package eci

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"eulogin/internal/eci/ecistore/ecistoretest"
)

// TestAnswerError: each kind of error a handler returns gets its status and
// answer; only the unexpected causes are logged, and none is ever shown.
func TestAnswerError(t *testing.T) {
	var logs bytes.Buffer
	s, err := NewServer(Config{BaseURL: "http://127.0.0.1:8081", IdPURL: "http://127.0.0.1:8080", AcceptStrengths: []string{"PASSWORD_SMS"}},
		Deps{DB: ecistoretest.OpenSQLite(t), Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatalf("NewServer() = %v", err)
	}
	l := s.bundle.Localizer("en")
	cause := errors.New("ecistore: secret cause")
	for _, tt := range []struct {
		name     string
		err      error
		status   int
		body     string // a part of the visible answer; "" for none at all
		location string
		logged   bool
	}{
		{"page error", errFrozen, http.StatusConflict, l.T("problem.frozen"), "", false},
		{"wrapped page error", fmt.Errorf("accept: %w", errInvitationExpired), http.StatusGone, l.T("problem.invitation_expired"), "", false},
		{"not found", errNotFound, http.StatusNotFound, l.T("problem.not_found"), "", false},
		{"forbidden", errForbidden, http.StatusForbidden, l.T("problem.forbidden"), "", false},
		{"session expired", errSessionExpired, http.StatusUnauthorized, l.T("problem.session_expired"), "", false},
		{"redirect", redirect("/login/failed?why=unavailable"), http.StatusSeeOther, "", "/login/failed?why=unavailable", false},
		{"plain", &plainError{status: http.StatusBadRequest}, http.StatusBadRequest, "Bad Request\n", "", false},
		{"plain with text", &plainError{status: http.StatusServiceUnavailable, text: "database unavailable"}, http.StatusServiceUnavailable, "database unavailable\n", "", false},
		{"plain with cause", &plainError{status: http.StatusInternalServerError, cause: cause}, http.StatusInternalServerError, "Internal Server Error\n", "", true},
		{"cancelled", context.Canceled, 0, "", "", false},
		{"wrapped cancelled", fmt.Errorf("load: %w", context.Canceled), 0, "", "", false},
		{"unexpected", cause, http.StatusInternalServerError, l.T("problem.internal"), "", true},
		{"wrapped unexpected", fmt.Errorf("dashboard: %w", cause), http.StatusInternalServerError, l.T("problem.internal"), "", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			logs.Reset()
			w := httptest.NewRecorder()
			s.answerError(w, httptest.NewRequest(http.MethodGet, "/initiatives/7", nil), tt.err)
			body := html.UnescapeString(w.Body.String())
			if tt.status == 0 {
				if w.Body.Len() != 0 || len(w.Header()) != 0 {
					t.Errorf("answerError(%v) wrote %d %v %q, want nothing", tt.err, w.Code, w.Header(), body)
				}
			} else if w.Code != tt.status || !strings.Contains(body, tt.body) {
				t.Errorf("answerError(%v) = %d %q, want %d with %q", tt.err, w.Code, body, tt.status, tt.body)
			}
			if got := w.Header().Get("Location"); got != tt.location {
				t.Errorf("answerError(%v) Location = %q, want %q", tt.err, got, tt.location)
			}
			if strings.Contains(body, "secret cause") {
				t.Errorf("answerError(%v) shows the cause: %q", tt.err, body)
			}
			if got := strings.Contains(logs.String(), "secret cause"); got != tt.logged {
				t.Errorf("answerError(%v) logged the cause = %v, want %v; log: %s", tt.err, got, tt.logged, logs.String())
			}
		})
	}
}
