package idp

import (
	"net/http"

	"eulogin/internal/audit"
	"eulogin/internal/authn"
	"eulogin/internal/notify"
	"eulogin/internal/web"
)

// Recovery codes (package recovery): made in My Account, shown once; at
// login, "Use a recovery code" on the page of any second factor stands in
// for a lost one, e-mails the owner and leads to the review of the
// account's factors, with one change allowed (the lost factor's
// replacement).

// recoveryData is the data of the recovery code pages.
type recoveryData struct {
	Left  int
	Used  bool     // just logged in with a code: review the factors
	Codes []string // a new set, shown once
	Lead  string
}

// recoveryCodes shows how many codes are left, and offers a new set.
func (s *Server) recoveryCodes(w http.ResponseWriter, r *http.Request, si *signedIn) error {
	p := s.page(r, "recovery.title")
	left, err := s.recovery.Left(r.Context(), si.user.ID)
	if err != nil {
		return err
	}
	p.Data = &recoveryData{Left: left, Used: r.URL.Query().Get("used") == "1"}
	s.render.Render(w, http.StatusOK, "recovery", p)
	return nil
}

// recoveryCodesNew makes a new set after a proof of a factor, and shows it
// once: the answer is never cached.
func (s *Server) recoveryCodesNew(w http.ResponseWriter, r *http.Request, si *signedIn) error {
	if err := parseForm(r); err != nil {
		return err
	}
	if err := s.needsReauth(w, r, si, "/account/recovery"); err != nil {
		return err
	}
	if err := s.spendReauth(r, si); err != nil {
		return err
	}
	codes, err := s.recovery.New(r.Context(), si.user.ID)
	if err != nil {
		return err
	}
	s.audit(r, si.user.ID, audit.RecoveryCodesCreated, "")
	s.sendMail(r.Context(), recipient(si.user), notify.RecoveryCodesNew, map[string]any{"time": s.now()})
	noStore(w)
	p := s.page(r, "recovery_new.title")
	p.Data = &recoveryData{Codes: codes, Left: len(codes)}
	s.render.Render(w, http.StatusOK, "recovery_new", p)
	return nil
}

func (s *Server) recoveryLoginPage(w http.ResponseWriter, r *http.Request, p *web.Page, f *authn.Flow, status int) error {
	p.Step = factorStep(p, f, factorPages(f.Method))
	p.Data = &recoveryData{Lead: p.L.T("login_recovery.lead")}
	s.render.Render(w, status, "login_recovery", p)
	return nil
}

// recoveryLoginForm asks a recovery code instead of a second factor.
func (s *Server) recoveryLoginForm(w http.ResponseWriter, r *http.Request) error {
	f, _, err := s.flowAt(w, r, authn.MethodRecovery)
	if err != nil {
		return err
	}
	return s.recoveryLoginPage(w, r, s.page(r, "login_recovery.title"), f, http.StatusOK)
}

// recoveryLoginCheck spends it: wrong codes count against the login
// limits.
func (s *Server) recoveryLoginCheck(w http.ResponseWriter, r *http.Request) error {
	return s.submitStep(w, r, authn.MethodRecovery, "login_recovery.title", func(p *web.Page, f *authn.Flow, _ string, status int) error {
		return s.recoveryLoginPage(w, r, p, f, status)
	})
}
