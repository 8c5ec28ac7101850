package eci

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"net/url"
	"strings"

	"eulogin/internal/eci/ecistore"
	"eulogin/internal/web"
)

// routes lists the whole URL surface of the portal and the middleware on it.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	// page registers an endpoint of the portal's pages: its body is bounded
	// to 1 MiB, and the signed-in organiser, if any, is loaded. draft is the
	// same for the draft form, which carries the draft legal act (up to
	// MaxDocument plus the texts). bare registers an endpoint that needs no
	// session (files, the health check, the single-logout back channel).
	page := func(pattern string, h http.Handler) {
		mux.Handle(pattern, http.MaxBytesHandler(s.withOrganiser(h), 1<<20))
	}
	draft := func(pattern string, h http.Handler) {
		mux.Handle(pattern, http.MaxBytesHandler(s.withOrganiser(h), MaxDocument+1<<20))
	}
	bare := func(pattern string, h http.Handler) { mux.Handle(pattern, http.MaxBytesHandler(h, 1<<20)) }

	bare("GET /healthz", s.serve(s.healthz))
	bare("GET /static/", http.StripPrefix("/static/", web.StaticHandler()))
	bare("GET /static/{$}", s.serve(s.notFound)) // no listing of the folder
	bare("GET /eci-static/", s.portalStatic())
	page("GET /{$}", s.serve(s.landing))

	// Logging in through the identity provider (CAS), and out.
	page("GET /login", s.serve(s.login))
	page("GET /cas/callback", s.serve(s.callback))
	bare("POST /cas/callback", s.serve(s.singleLogout)) // back channel, see below
	page("GET /login/refused", s.serve(s.loginRefused))
	page("GET /login/failed", s.serve(s.loginFailedPage))
	page("POST /logout", s.serve(s.logout))
	page("POST /logout/everywhere", s.serve(s.logoutEverywhere))
	page("GET /logged-out", s.serve(s.loggedOut))

	// The organiser account.
	page("GET /dashboard", s.requireOrganiser(s.dashboard))

	// Initiatives (issue 7). Who may do what is checked in each handler
	// (load, repDraft): members see their initiative, the representative
	// edits and submits it, reviewers see and decide submitted ones.
	page("GET /initiatives/new", s.requireOrganiser(s.newInitiative))
	draft("POST /initiatives", s.requireOrganiser(s.createInitiative))
	page("GET /initiatives/{id}", s.requireOrganiser(s.showInitiative))
	page("GET /initiatives/{id}/edit", s.requireOrganiser(s.editInitiative))
	draft("POST /initiatives/{id}/edit", s.requireOrganiser(s.updateInitiative))
	page("GET /initiatives/{id}/history", s.requireOrganiser(s.history))
	page("GET /initiatives/{id}/document", s.requireOrganiser(s.document))
	page("POST /initiatives/{id}/members", s.requireOrganiser(s.invite))
	page("GET /initiatives/{id}/details", s.requireOrganiser(s.details))
	page("POST /initiatives/{id}/details", s.requireOrganiser(s.saveDetails))
	page("POST /initiatives/{id}/contacts", s.requireOrganiser(s.contacts))
	page("POST /initiatives/{id}/funding", s.requireOrganiser(s.addFunding))
	page("POST /initiatives/{id}/submit", s.requireOrganiser(s.submit))
	page("POST /initiatives/{id}/collection", s.requireOrganiser(s.collectionStart))
	page("POST /initiatives/{id}/decision", s.requireOrganiser(s.decide))
	page("GET /invitations/{token}", s.requireOrganiser(s.showInvitation))
	page("POST /invitations/{token}", s.requireOrganiser(s.acceptInvitation))
	page("GET /review", s.requireOrganiser(s.reviewQueue))
	page("POST /initiatives/{id}/handover", s.requireOrganiser(s.handOver))
	page("POST /initiatives/{id}/members/{member}/remove", s.requireOrganiser(s.removeMember))
	page("POST /initiatives/{id}/members/{member}/reinvite", s.requireOrganiser(s.reinvite))
	page("GET /invitations/mine/{member}", s.requireOrganiser(s.showMyInvitation))
	page("POST /invitations/mine/{member}", s.requireOrganiser(s.acceptMyInvitation))
	page("GET /initiatives/{id}/funding/{funding}", s.requireOrganiser(s.showFunding))
	page("POST /initiatives/{id}/funding/{funding}", s.requireOrganiser(s.updateFunding))
	page("POST /initiatives/{id}/changes", s.requireOrganiser(s.requestChanges))

	// Information pages.
	page("GET /privacy", s.serve(s.infoPage("privacy")))
	page("GET /accessibility", s.serve(s.infoPage("accessibility")))
	page("GET /help", s.serve(s.infoPage("help")))

	page("/", s.serve(s.notFound))

	return web.Chain(mux,
		web.Recoverer(s.log, func(w http.ResponseWriter, r *http.Request) {
			// The panic is logged by the recoverer.
			s.answerError(w, r, errInternal)
		}),
		web.Headers(s.secure),
		web.CrossOrigin(func(w http.ResponseWriter, r *http.Request) {
			s.answerError(w, r, errCrossOrigin)
		},
			// The single-logout back channel is a server-to-server POST that
			// uses no cookie; it ends a session only by naming its secret
			// service ticket. (Without Origin and Sec-Fetch-Site headers, as
			// sent by servers, it would pass anyway; the bypass keeps it
			// working if the identity provider's HTTP client ever adds an
			// Origin.)
			"POST /cas/callback",
		),
		web.LanguageCookie(s.bundle.Has, s.secure, nil),
	)
}

// portalStatic serves the portal's own static files (its style sheet
// additions and the character counter) under /eci-static/.
func (s *Server) portalStatic() http.Handler {
	sub, _ := fs.Sub(static, "static")
	fsrv := http.StripPrefix("/eci-static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			s.answerError(w, r, errNotFound)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fsrv.ServeHTTP(w, r)
	})
}

// organiser is the signed-in user of a request and their session.
type organiser struct {
	User    *ecistore.User
	Session *ecistore.Session
}

type organiserKey struct{}

// current returns the signed-in organiser of the request, or nil.
func current(r *http.Request) *organiser {
	o, _ := r.Context().Value(organiserKey{}).(*organiser)
	return o
}

// withOrganiser loads the session, when there is a live one, and its user
// into the request's context.
func (s *Server) withOrganiser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess, err := s.liveSession(r.Context(), r)
		if err != nil && !errors.Is(err, errNoSession) {
			s.answerError(w, r, err)
			return
		}
		if sess != nil {
			u, err := s.db.User(r.Context(), sess.UserID)
			if err == nil {
				r = r.WithContext(context.WithValue(r.Context(), organiserKey{}, &organiser{User: u, Session: sess}))
			} else if !errors.Is(err, ecistore.ErrNotFound) {
				s.answerError(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// requireOrganiser sends visitors without a session to log in, and back here
// afterwards (a POST without one is refused: its form cannot be carried
// through the login).
func (s *Server) requireOrganiser(h organiserHandler) http.Handler {
	return s.serve(func(w http.ResponseWriter, r *http.Request) error {
		o := current(r)
		if o == nil {
			if r.Method != http.MethodGet {
				return errSessionExpired
			}
			next := r.URL.Path
			if r.URL.RawQuery != "" {
				next += "?" + r.URL.RawQuery
			}
			return redirect("/login?next=" + url.QueryEscape(next))
		}
		return h(w, r, o)
	})
}
