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

	mux.HandleFunc("GET /healthz", s.healthz)
	mux.Handle("GET /static/", http.StripPrefix("/static/", web.StaticHandler()))
	mux.HandleFunc("GET /static/{$}", s.notFound) // no listing of the folder
	mux.Handle("GET /eci-static/", s.portalStatic())
	mux.HandleFunc("GET /{$}", s.landing)

	// Logging in through the identity provider (CAS), and out.
	mux.HandleFunc("GET /login", s.login)
	mux.HandleFunc("GET /cas/callback", s.callback)
	mux.HandleFunc("POST /cas/callback", s.singleLogout) // back channel, see below
	mux.HandleFunc("GET /login/refused", s.loginRefused)
	mux.HandleFunc("GET /login/failed", s.loginFailedPage)
	mux.HandleFunc("POST /logout", s.logout)
	mux.HandleFunc("POST /logout/everywhere", s.logoutEverywhere)
	mux.HandleFunc("GET /logged-out", s.loggedOut)

	// The organiser account.
	mux.Handle("GET /dashboard", s.requireOrganiser(s.dashboard))

	// Initiatives (issue 7). Who may do what is checked in each handler
	// (load, repDraft): members see their initiative, the representative
	// edits and submits it, reviewers see and decide submitted ones.
	mux.Handle("GET /initiatives/new", s.requireOrganiser(s.newInitiative))
	mux.Handle("POST /initiatives", s.requireOrganiser(s.createInitiative))
	mux.Handle("GET /initiatives/{id}", s.requireOrganiser(s.showInitiative))
	mux.Handle("GET /initiatives/{id}/edit", s.requireOrganiser(s.editInitiative))
	mux.Handle("POST /initiatives/{id}/edit", s.requireOrganiser(s.updateInitiative))
	mux.Handle("GET /initiatives/{id}/history", s.requireOrganiser(s.history))
	mux.Handle("GET /initiatives/{id}/document", s.requireOrganiser(s.document))
	mux.Handle("POST /initiatives/{id}/members", s.requireOrganiser(s.invite))
	mux.Handle("GET /initiatives/{id}/details", s.requireOrganiser(s.details))
	mux.Handle("POST /initiatives/{id}/details", s.requireOrganiser(s.saveDetails))
	mux.Handle("POST /initiatives/{id}/contacts", s.requireOrganiser(s.contacts))
	mux.Handle("POST /initiatives/{id}/funding", s.requireOrganiser(s.addFunding))
	mux.Handle("POST /initiatives/{id}/submit", s.requireOrganiser(s.submit))
	mux.Handle("POST /initiatives/{id}/collection", s.requireOrganiser(s.collectionStart))
	mux.Handle("POST /initiatives/{id}/decision", s.requireOrganiser(s.decide))
	mux.Handle("GET /invitations/{token}", s.requireOrganiser(s.showInvitation))
	mux.Handle("POST /invitations/{token}", s.requireOrganiser(s.acceptInvitation))
	mux.Handle("GET /review", s.requireOrganiser(s.reviewQueue))
	mux.Handle("POST /initiatives/{id}/handover", s.requireOrganiser(s.handOver))
	mux.Handle("POST /initiatives/{id}/members/{member}/remove", s.requireOrganiser(s.removeMember))
	mux.Handle("POST /initiatives/{id}/members/{member}/reinvite", s.requireOrganiser(s.reinvite))
	mux.Handle("GET /invitations/mine/{member}", s.requireOrganiser(s.showMyInvitation))
	mux.Handle("POST /invitations/mine/{member}", s.requireOrganiser(s.acceptMyInvitation))
	mux.Handle("GET /initiatives/{id}/funding/{funding}", s.requireOrganiser(s.showFunding))
	mux.Handle("POST /initiatives/{id}/funding/{funding}", s.requireOrganiser(s.updateFunding))
	mux.Handle("POST /initiatives/{id}/changes", s.requireOrganiser(s.requestChanges))

	// Information pages.
	mux.HandleFunc("GET /privacy", s.infoPage("privacy"))
	mux.HandleFunc("GET /accessibility", s.infoPage("accessibility"))
	mux.HandleFunc("GET /help", s.infoPage("help"))

	mux.HandleFunc("/", s.notFound)

	return web.Chain(mux,
		web.Recoverer(s.log, func(w http.ResponseWriter, r *http.Request) {
			s.fail(w, r, http.StatusInternalServerError, "problem.internal", nil)
		}),
		web.Headers(s.secure),
		web.CrossOrigin(func(w http.ResponseWriter, r *http.Request) {
			s.fail(w, r, http.StatusForbidden, "problem.cross_origin", nil)
		},
			// The single-logout back channel is a server-to-server POST that
			// uses no cookie; it ends a session only by naming its secret
			// service ticket. (Without Origin and Sec-Fetch-Site headers, as
			// sent by servers, it would pass anyway; the bypass keeps it
			// working if the identity provider's HTTP client ever adds an
			// Origin.)
			"POST /cas/callback",
		),
		limitBody,
		web.LanguageCookie(s.bundle.Has, s.secure, nil),
		s.withOrganiser,
	)
}

// limitBody bounds request bodies: 1 MiB, except the draft form, which
// carries the draft legal act (up to MaxDocument plus the texts).
func limitBody(next http.Handler) http.Handler {
	small := http.MaxBytesHandler(next, 1<<20)
	large := http.MaxBytesHandler(next, MaxDocument+1<<20)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if r.Method == http.MethodPost && (p == "/initiatives" || strings.HasPrefix(p, "/initiatives/") && strings.HasSuffix(p, "/edit")) {
			large.ServeHTTP(w, r)
			return
		}
		small.ServeHTTP(w, r)
	})
}

// portalStatic serves the portal's own static files (its style sheet
// additions and the character counter) under /eci-static/.
func (s *Server) portalStatic() http.Handler {
	sub, _ := fs.Sub(static, "static")
	fsrv := http.StripPrefix("/eci-static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			s.notFound(w, r)
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
		if skipSession(r) {
			next.ServeHTTP(w, r)
			return
		}
		sess, err := s.liveSession(r.Context(), r)
		if err != nil && !errors.Is(err, errNoSession) {
			s.internal(w, r, err)
			return
		}
		if sess != nil {
			u, err := s.db.User(r.Context(), sess.UserID)
			if err == nil {
				r = r.WithContext(context.WithValue(r.Context(), organiserKey{}, &organiser{User: u, Session: sess}))
			} else if !errors.Is(err, ecistore.ErrNotFound) {
				s.internal(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// skipSession reports requests that never need the session: static files,
// the health check, and the single-logout back channel.
func skipSession(r *http.Request) bool {
	p := r.URL.Path
	return len(p) >= 8 && p[:8] == "/static/" || strings.HasPrefix(p, "/eci-static/") || p == "/healthz" || (p == "/cas/callback" && r.Method == http.MethodPost)
}

// requireOrganiser sends visitors without a session to log in, and back here
// afterwards.
func (s *Server) requireOrganiser(h func(http.ResponseWriter, *http.Request, *organiser)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o := current(r)
		if o == nil {
			if r.Method == http.MethodGet {
				next := r.URL.Path
				if r.URL.RawQuery != "" {
					next += "?" + r.URL.RawQuery
				}
				http.Redirect(w, r, "/login?next="+url.QueryEscape(next), http.StatusSeeOther)
				return
			}
			s.fail(w, r, http.StatusUnauthorized, "problem.session_expired", nil)
			return
		}
		h(w, r, o)
	})
}
