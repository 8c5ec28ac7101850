package idp

import (
	"context"
	"errors"
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"eulogin/internal/authn/mobileapp"
	"eulogin/internal/pwa"
	"eulogin/internal/session"
	"eulogin/internal/store"
	"eulogin/internal/web"
)

// routes lists the whole URL surface of the identity provider.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()

	mux.HandleFunc("GET /healthz", s.healthz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.Registry, promhttp.HandlerOpts{}))
	mux.Handle("GET /static/", http.StripPrefix("/static/", web.StaticHandler()))
	// The installable EU Login Mobile App (package pwa); its API is /app/v1/
	// below, outside the pages' middleware.
	mux.Handle("GET /app/", pwa.Handler())
	mux.Handle("GET /app", http.RedirectHandler("/app/", http.StatusMovedPermanently))
	mux.HandleFunc("GET /{$}", s.home)

	// Create an account, and the e-mailed links. The forms that take an
	// address answer at one pace for known and unknown ones (pace.go).
	mux.HandleFunc("GET /register", s.serve(s.registerForm))
	mux.Handle("POST /register", s.paced(s.register))
	mux.HandleFunc("GET /password/new/{token}", s.serve(s.linkForm))
	mux.HandleFunc("POST /password/new/{token}", s.serve(s.linkSetPassword))
	mux.Handle("POST /password/new/{token}/renew", s.paced(s.linkRenew))
	mux.HandleFunc("GET /password/lost", s.serve(s.lostForm))
	mux.Handle("POST /password/lost", s.paced(s.lost))

	// Log in and out.
	mux.Handle("GET /login", s.serve(s.loginForm))
	mux.Handle("POST /login", s.paced(s.loginIdentify))
	mux.Handle("GET /login/method", s.serve(s.methodForm))
	mux.Handle("POST /login/method", s.paced(s.methodChoose))
	mux.Handle("GET /login/password", s.serve(s.passwordForm))
	mux.Handle("POST /login/password", s.paced(s.passwordCheck))
	// The SMS step: "Mobile phone + SMS" after the password, step-up for an
	// application that needs PASSWORD_SMS, and re-authentication before the
	// account's numbers change (sms.go).
	mux.Handle("GET /login/sms", s.serve(s.smsChooseForm))
	mux.Handle("POST /login/sms", s.serve(s.smsSend))
	mux.Handle("GET /login/sms/code", s.serve(s.smsCodeForm))
	mux.Handle("POST /login/sms/code", s.serve(s.smsCodeCheck))
	mux.Handle("POST /login/sms/resend", s.serve(s.smsResend))
	// The mobile app step (app_login.go): a push approved with the PIN, or
	// an offline QR code and its one-time password; also step-up and
	// re-authentication for accounts whose second factor is the app.
	mux.Handle("GET /login/app", s.serve(s.appPushForm))
	mux.Handle("POST /login/app", s.serve(s.appPushContinue))
	mux.Handle("POST /login/app/new", s.serve(s.appPushNew))
	mux.Handle("GET /login/app/status", s.serve(s.appPushStatus))
	mux.Handle("GET /login/app/qr", s.serve(s.appQRForm))
	mux.Handle("POST /login/app/qr", s.serve(s.appQRCheck))
	mux.Handle("POST /login/app/qr/new", s.serve(s.appQRNew))
	// The authenticator app step (authenticators.go).
	mux.Handle("GET /login/totp", s.serve(s.totpForm))
	mux.Handle("POST /login/totp", s.serve(s.totpCheck))
	// A recovery code instead of a lost second factor (recovery.go).
	mux.Handle("GET /login/recovery", s.serve(s.recoveryLoginForm))
	mux.Handle("POST /login/recovery", s.serve(s.recoveryLoginCheck))
	mux.Handle("POST /logout", s.serve(s.logout))
	mux.Handle("GET /logout", s.serve(s.logoutGet)) // CAS: ?service= goes back to a registered service only
	mux.Handle("GET /logged-out", s.serve(s.loggedOut))

	// CAS (package cas): GET /login?service=... above logs users in to
	// applications; the warning page's Continue; the back-channel endpoints
	// where applications validate tickets and obtain proxy tickets.
	mux.Handle("POST /login/continue", s.serve(s.casContinue))
	mux.Handle("GET /validate", s.cas.Validate(1, false))
	mux.Handle("GET /serviceValidate", s.cas.Validate(2, false))
	mux.Handle("GET /proxyValidate", s.cas.Validate(2, true))
	mux.Handle("GET /p3/serviceValidate", s.cas.Validate(3, false))
	mux.Handle("GET /p3/proxyValidate", s.cas.Validate(3, true))
	mux.Handle("GET /proxy", s.cas.Proxy())

	// My Account.
	mux.Handle("GET /account", s.requireAccount(s.account))
	mux.Handle("GET /account/details", s.requireAccount(s.detailsForm))
	mux.Handle("POST /account/details", s.requireAccount(s.details))
	mux.Handle("GET /account/email", s.requireAccount(s.emailForm))
	mux.Handle("POST /account/email", s.requireAccount(s.email))
	mux.HandleFunc("GET /account/email/confirm/{token}", s.serve(s.emailConfirmForm))
	mux.HandleFunc("POST /account/email/confirm/{token}", s.serve(s.emailConfirm))
	mux.Handle("GET /account/password", s.requireAccount(s.passwordChangeForm))
	mux.Handle("POST /account/password", s.requireAccount(s.passwordChange))
	mux.Handle("GET /account/phones", s.requireAccount(s.phones))
	mux.Handle("GET /account/phones/add", s.requireAccount(s.phoneAddForm))
	mux.Handle("POST /account/phones/add", s.requireAccount(s.phoneAdd))
	mux.Handle("GET /account/phones/add/code", s.requireAccount(s.phoneCodeForm))
	mux.Handle("POST /account/phones/add/code", s.requireAccount(s.phoneFinalise))
	mux.Handle("POST /account/phones/add/resend", s.requireAccount(s.phoneResend))
	mux.Handle("GET /account/phones/{id}/remove", s.requireAccount(s.phoneRemoveForm))
	mux.Handle("POST /account/phones/{id}/remove", s.requireAccount(s.phoneRemove))
	// My Account → Manage my mobile devices (devices.go).
	mux.Handle("GET /account/devices", s.requireAccount(s.devices))
	mux.Handle("GET /account/devices/add", s.requireAccount(s.deviceAddForm))
	mux.Handle("POST /account/devices/add", s.requireAccount(s.deviceAdd))
	mux.Handle("GET /account/devices/add/scan", s.requireAccount(s.deviceScan))
	mux.Handle("POST /account/devices/add/scan", s.requireAccount(s.deviceScanned))
	mux.Handle("GET /account/devices/add/status", s.requireAccount(s.deviceScanStatus))
	mux.Handle("GET /account/devices/added", s.requireAccount(s.deviceAdded))
	mux.Handle("GET /account/devices/delete-all", s.requireAccount(s.devicesDeleteForm))
	mux.Handle("POST /account/devices/delete-all", s.requireAccount(s.devicesDelete))
	mux.Handle("GET /account/devices/{id}/rename", s.requireAccount(s.deviceRenameForm))
	mux.Handle("POST /account/devices/{id}/rename", s.requireAccount(s.deviceRename))
	mux.Handle("GET /account/devices/{id}/remove", s.requireAccount(s.deviceRemoveForm))
	mux.Handle("POST /account/devices/{id}/remove", s.requireAccount(s.deviceRemove))
	mux.Handle("GET /account/devices/{id}/pin", s.requireAccount(s.devicePINForm))
	mux.Handle("POST /account/devices/{id}/pin", s.requireAccount(s.devicePIN))
	// My Account → Manage my authenticator apps (authenticators.go).
	mux.Handle("GET /account/authenticators", s.requireAccount(s.authenticators))
	mux.Handle("GET /account/authenticators/add", s.requireAccount(s.authenticatorAddForm))
	mux.Handle("POST /account/authenticators/add", s.requireAccount(s.authenticatorAdd))
	mux.Handle("GET /account/authenticators/{id}/confirm", s.requireAccount(s.authenticatorScan))
	mux.Handle("POST /account/authenticators/{id}/confirm", s.requireAccount(s.authenticatorConfirm))
	mux.Handle("GET /account/authenticators/{id}/remove", s.requireAccount(s.authenticatorRemoveForm))
	mux.Handle("POST /account/authenticators/{id}/remove", s.requireAccount(s.authenticatorRemove))
	// My Account → Recovery codes (recovery.go).
	mux.Handle("GET /account/recovery", s.requireAccount(s.recoveryCodes))
	mux.Handle("POST /account/recovery", s.requireAccount(s.recoveryCodesNew))
	// One set of rules for changes of the second factors (factors.go).
	mux.Handle("GET /account/confirm-password", s.requireAccount(s.confirmPasswordForm))
	mux.Handle("POST /account/confirm-password", s.requireAccount(s.confirmPassword))
	mux.Handle("GET /account/factors/lost", s.requireAccount(s.factorLostForm))
	mux.Handle("POST /account/factors/lost", s.requireAccount(s.factorLostSend))
	mux.Handle("GET /account/factors/confirm/{token}", s.serve(s.factorConfirmForm))
	mux.Handle("POST /account/factors/confirm/{token}", s.serve(s.factorConfirm))
	mux.Handle("GET /account/events", s.requireAccount(s.events))
	mux.Handle("GET /account/options", s.requireAccount(s.optionsForm))
	mux.Handle("POST /account/options", s.requireAccount(s.options))
	mux.Handle("GET /account/delete", s.requireAccount(s.deleteForm))
	mux.Handle("POST /account/delete", s.requireAccount(s.deleteAccount))
	mux.HandleFunc("GET /account/deleted", s.serve(s.deleted))

	// Information pages.
	mux.HandleFunc("GET /privacy", s.infoPage("privacy"))
	mux.HandleFunc("GET /accessibility", s.infoPage("accessibility"))
	mux.HandleFunc("GET /help", s.infoPage("help"))

	// Development only: the outbox of e-mails (and SMS).
	if s.cfg.IsDev() {
		mux.HandleFunc("GET /dev/outbox", s.serve(s.outbox))
		mux.HandleFunc("GET /dev/outbox/{id}", s.serve(s.outboxItem))
		mux.HandleFunc("GET /dev/outbox/{id}/html", s.serve(s.outboxHTML))
	}

	mux.HandleFunc("/", s.notFound)

	pages := web.Chain(mux,
		web.Headers(s.sessions.Secure),
		web.CrossOrigin(func(w http.ResponseWriter, r *http.Request) {
			s.answerError(w, r, errCrossOrigin)
		}),
		web.MaxBytes(1<<20),
		// An explicit language choice: ?lang=xx, or the locale=xx of a CAS
		// application.
		web.LanguageCookie(s.bundle.Has, s.sessions.Secure, s.localeParam),
		s.withSession,
	)

	// The mobile app's JSON API is called by the apps, not by a browser:
	// no cookies, no session, no cross-origin check (every call carries an
	// enrolment code or a device signature). It sits outside the pages'
	// middleware.
	outer := http.NewServeMux()
	api := &mobileapp.Handler{Service: s.app, Logger: s.log}
	apiRoute := func(pattern string, h http.HandlerFunc) {
		outer.Handle(pattern, web.Chain(h, web.Headers(s.sessions.Secure), web.MaxBytes(64<<10), mobileapp.NoStore))
	}
	apiRoute("POST "+mobileapp.PathEnrol, api.Enrol)
	apiRoute("POST "+mobileapp.PathConfirm, func(w http.ResponseWriter, r *http.Request) { s.appConfirmed(r, api.Confirm(w, r)) })
	apiRoute("GET "+mobileapp.PathNonce, api.Nonce)
	apiRoute("GET "+mobileapp.PathRequests, api.Requests)
	apiRoute("POST "+mobileapp.PathRequests+"/{id}", api.Answer)
	apiRoute("POST "+mobileapp.PathPush, api.Subscribe)
	apiRoute("GET "+mobileapp.PathPushKey, api.PushKey)
	apiRoute("POST "+mobileapp.PathRemove, func(w http.ResponseWriter, r *http.Request) { s.appRemoved(r, api.Remove(w, r)) })
	apiRoute("/app/v1/", api.NotFound)
	outer.Handle("/", pages)
	return web.Chain(outer, web.Recoverer(s.log, func(w http.ResponseWriter, r *http.Request) {
		s.answerError(w, r, errPanic)
	}))
}

type sessionKey struct{}

// signedIn is the session and user of a signed-in request.
type signedIn struct {
	sess *store.Session
	user *store.User
}

// withSession loads the SSO session, when there is one, into the context.
func (s *Server) withSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isStatic(r) {
			next.ServeHTTP(w, r)
			return
		}
		sess, err := s.sessions.Get(r.Context(), r)
		if err != nil && !errors.Is(err, session.ErrNoSession) {
			s.answerError(w, r, err)
			return
		}
		if sess != nil {
			u, err := s.db.UserByID(r.Context(), sess.UserID)
			if err == nil {
				r = r.WithContext(context.WithValue(r.Context(), sessionKey{}, &signedIn{sess: sess, user: u}))
			} else if !errors.Is(err, store.ErrNotFound) {
				s.answerError(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func isStatic(r *http.Request) bool {
	p := r.URL.Path
	return len(p) >= 8 && p[:8] == "/static/" || p == "/healthz" || p == "/metrics"
}

// current returns the signed-in user of the request, or nil.
func current(r *http.Request) *signedIn {
	si, _ := r.Context().Value(sessionKey{}).(*signedIn)
	return si
}

// requireAccount serves h to signed-in users. Visitors without a session
// are sent to the login page, and back here afterwards (a GET), or told
// their session expired (a form posted).
func (s *Server) requireAccount(h accountHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		si := current(r)
		var err error
		switch {
		case si != nil:
			err = h(w, r, si)
		case r.Method == http.MethodGet:
			err = redirect("/login?next=" + urlQueryEscape(r.URL.Path))
		default:
			err = errSessionExpired
		}
		if err != nil {
			s.answerError(w, r, err)
		}
	})
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	if err := s.db.Ping(r.Context()); err != nil {
		http.Error(w, "database unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	if current(r) != nil {
		http.Redirect(w, r, "/account", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) { s.answerError(w, r, errNotFound) }

func (s *Server) infoPage(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := s.page(r, name+".title")
		s.render.Render(w, http.StatusOK, "info_"+name, p)
	}
}
