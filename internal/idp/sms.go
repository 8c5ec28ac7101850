package idp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"eulogin/internal/audit"
	"eulogin/internal/authn"
	smsauth "eulogin/internal/authn/sms"
	"eulogin/internal/i18n"
	"eulogin/internal/session"
	"eulogin/internal/sms"
	"eulogin/internal/store"
	"eulogin/internal/web"
)

// The SMS step of a login ("Mobile phone + SMS"), of a step-up (an
// application needs PASSWORD_SMS and the session has PASSWORD) and of the
// re-authentication that My Account asks before the account's numbers
// change. All three run on a login flow (authn.Flow): the password step sets
// PasswordOK, step-up and re-authentication set StepUp. The challenge of the
// code is bound to the flow (its hash is the challenge's flow id), so a code
// is good only in the browser it was asked from. See
// docs/adr/0008-sms-login.md.

// reauthTTL is how long a re-authentication allows one change of the
// account's numbers.
const reauthTTL = 10 * time.Minute

// smsChoiceData is the data of the page where a number is chosen.
type smsChoiceData struct {
	Email   string
	Restart string
	Lost    string // a re-authentication before a removal: the way without the factor
	Lead    string
	Phones  []phoneRow
	Hidden  []hiddenField
}

// phoneRow is one number as the pages show it: masked.
type phoneRow struct {
	ID, Masked, Added, LastUsed string
	Checked                     bool
}

// smsCodeData is the data of the page where a code is typed.
type smsCodeData struct {
	Lead         string
	Masked       string
	Action       string // where the code is posted
	ResendAction string // where "Send a new code" posts
	CanResend    bool
	ResendAt     string // "HH:MM UTC", when CanResend is false
	BackURL      string // "Choose another number" / "Cancel"
	BackLabel    string
	Submit       string // the button's label
	Hidden       []hiddenField
}

// phoneRows returns the numbers of an account, masked, the one with id
// checked (or the first).
func (s *Server) phoneRows(ctx context.Context, l *i18n.Localizer, userID, checked string) ([]phoneRow, []store.Phone, error) {
	phones, err := s.db.ListPhones(ctx, userID)
	if err != nil {
		return nil, nil, err
	}
	rows := make([]phoneRow, 0, len(phones))
	for i, ph := range phones {
		row := phoneRow{ID: ph.ID, Masked: sms.Mask(ph.E164), Added: l.Time(ph.CreatedAt), Checked: ph.ID == checked || checked == "" && i == 0}
		if !ph.LastUsedAt.IsZero() {
			row.LastUsed = l.Time(ph.LastUsedAt)
		}
		rows = append(rows, row)
	}
	return rows, phones, nil
}

func (s *Server) smsChoicePage(w http.ResponseWriter, r *http.Request, p *web.Page, f *authn.Flow, status int) error {
	p.Step = factorStep(p, f, 1)
	rows, _, err := s.phoneRows(r.Context(), p.L, f.UserID, p.Form.Get("phone"))
	if err != nil {
		return err
	}
	d := &smsChoiceData{Email: f.Email, Restart: flowRestart(f), Phones: rows}
	switch {
	case f.Reauth:
		d.Lead, d.Lost = p.L.T("login_sms.lead_reauth"), lostURL(f.Next)
	case f.StepUp && f.Service != "":
		d.Lead = p.L.T("login_sms.lead_step_up", "service", s.serviceName(r, p.L, f.ServiceID))
	default:
		d.Lead = p.L.T("login_sms.lead")
	}
	p.Data = d
	s.render.Render(w, status, "login_sms", p)
	return nil
}

// serviceName returns the translated name of a registered service, or "".
func (s *Server) serviceName(r *http.Request, l *i18n.Localizer, id string) string {
	svc, err := s.cas.Service(r.Context(), id)
	if err != nil {
		return ""
	}
	return svc.DisplayName(l.Lang)
}

// smsChooseForm is the choice of the number the code goes to.
func (s *Server) smsChooseForm(w http.ResponseWriter, r *http.Request) error {
	f, _, err := s.flowAt(w, r, authn.MethodSMS)
	if err != nil {
		return err
	}
	p := s.page(r, "login_sms.title")
	if f.PhoneID != "" {
		p.Form.Values.Set("phone", f.PhoneID)
	}
	return s.smsChoicePage(w, r, p, f, http.StatusOK)
}

// smsSend sends a code to the chosen number, unless the account or the
// client is locked.
func (s *Server) smsSend(w http.ResponseWriter, r *http.Request) error {
	f, hash, err := s.flowAt(w, r, authn.MethodSMS)
	if err != nil {
		return err
	}
	p := s.page(r, "login_sms.title")
	if err := parseForm(r); err != nil {
		return err
	}
	p.Form = web.NewForm(r.PostForm)
	ph, err := s.db.PhoneByID(r.Context(), f.UserID, p.Form.Get("phone"))
	if errors.Is(err, store.ErrNotFound) {
		p.Form.Add("phone", p.L.T("login_sms.choose"))
		return s.smsChoicePage(w, r, p, f, http.StatusBadRequest)
	}
	if err != nil {
		return err
	}
	if fl, err := s.machine.Blocked(r.Context(), f, s.loginClient(r), "phone"); err != nil {
		return err
	} else if fl != nil {
		status, _ := showFailure(p, fl)
		return s.smsChoicePage(w, r, p, f, status)
	}
	_, err = s.sendCode(r, p.L, smsauth.StartRequest{UserID: f.UserID, Phone: ph.E164, Purpose: smsauth.PurposeLogin, FlowID: hash, IP: s.clientIP(r)})
	if err != nil {
		// Back from the code page to the same number: its code is still on
		// its way.
		var soon *smsauth.TooSoonError
		if errors.As(err, &soon) && f.PhoneID == ph.ID {
			if res, perr := s.codes.Pending(r.Context(), f.UserID, smsauth.PurposeLogin, hash); perr == nil && res.Outcome == smsauth.Waiting && res.Phone == ph.E164 {
				return redirect("/login/sms/code")
			}
		}
		if status, handled := s.smsRefused(r, p, "phone", f.UserID, err); handled {
			return s.smsChoicePage(w, r, p, f, status)
		}
		return err
	}
	f.PhoneID = ph.ID
	if err := s.saveFlow(r, hash, f); err != nil {
		return err
	}
	return redirect("/login/sms/code")
}

// sendCode starts a challenge and sends its code by SMS, in the page's
// language. A failed delivery abandons the challenge, so that the user may
// retry at once, and is audited.
func (s *Server) sendCode(r *http.Request, l *i18n.Localizer, req smsauth.StartRequest) (smsauth.Issued, error) {
	iss, err := s.codes.Start(r.Context(), req)
	if err != nil {
		return smsauth.Issued{}, err
	}
	msg := sms.Message{To: iss.Phone, Text: l.T("sms.text", "product", Product, "code", iss.Code)}
	if err := s.sms.Send(r.Context(), msg); err != nil {
		if aerr := s.codes.Abandon(context.WithoutCancel(r.Context()), req.UserID, req.Purpose); aerr != nil {
			s.log.Error("abandon an undelivered code", "err", aerr)
		}
		s.log.Error("send SMS", "to", sms.Mask(iss.Phone), "purpose", req.Purpose, "err", err)
		s.audit(r, req.UserID, audit.SMSDeliveryFailed, sms.Mask(iss.Phone))
		if errors.Is(err, sms.ErrDelivery) {
			return smsauth.Issued{}, err
		}
		return smsauth.Issued{}, fmt.Errorf("%w: %w", sms.ErrDelivery, err)
	}
	s.audit(r, req.UserID, audit.SMSSent, sms.Mask(iss.Phone))
	return iss, nil
}

// smsRefused turns a refusal to send a code into a translated error on
// field, audited; handled is false for unexpected errors.
func (s *Server) smsRefused(r *http.Request, p *web.Page, field, userID string, err error) (status int, handled bool) {
	var soon *smsauth.TooSoonError
	var capErr *smsauth.CapError
	switch {
	case errors.As(err, &soon):
		p.Form.Add(field, p.L.T("sms.too_soon", "time", clockIn(p.L, soon.ResendAt)))
		return http.StatusTooManyRequests, true
	case errors.As(err, &capErr):
		s.audit(r, userID, audit.SMSRefusedCap, string(capErr.Cap))
		p.Form.Add(field, p.L.T("sms.cap."+string(capErr.Cap), "time", p.L.Time(capErr.Until)))
		return http.StatusTooManyRequests, true
	case errors.Is(err, sms.ErrDelivery):
		p.Form.Add(field, p.L.T("sms.delivery_failed"))
		return http.StatusBadGateway, true
	}
	return 0, false
}

// clockIn formats a resend time as l writes a time of day, to the minute,
// in l's usual zone with its name, rounded up so that the time shown has
// always come when the user acts on it.
func clockIn(l *i18n.Localizer, t time.Time) string {
	if c := t.Truncate(time.Minute); c.Before(t) {
		t = c.Add(time.Minute)
	}
	zone := i18n.Zone(l.Lang)
	name, _ := t.In(zone).Zone()
	return l.Clock(t, zone) + " " + name
}

// codeData fills the code page from the state of its challenge.
func (s *Server) codeData(p *web.Page, res smsauth.Result) *smsCodeData {
	d := &smsCodeData{Masked: sms.Mask(res.Phone), CanResend: res.Outcome != smsauth.Waiting || !s.now().Before(res.ResendAt)}
	if !d.CanResend {
		d.ResendAt = clockIn(p.L, res.ResendAt)
	}
	d.Lead = p.L.T("sms_code.lead", "number", d.Masked)
	return d
}

func (s *Server) smsCodePage(w http.ResponseWriter, r *http.Request, p *web.Page, f *authn.Flow, hash string, status int) error {
	p.Step = factorStep(p, f, 2)
	res, err := s.codes.Pending(r.Context(), f.UserID, smsauth.PurposeLogin, hash)
	if err != nil {
		return err
	}
	if res.Outcome == smsauth.NoChallenge {
		return redirect("/login/sms")
	}
	d := s.codeData(p, res)
	d.Action, d.ResendAction = "/login/sms/code", "/login/sms/resend"
	d.BackURL, d.BackLabel = "/login/sms", p.L.T("sms_code.other_number")
	d.Submit = p.L.T("sms_code.submit_login")
	p.Data = d
	s.render.Render(w, status, "sms_code", p)
	return nil
}

// smsCodeForm is the page where the code is typed.
func (s *Server) smsCodeForm(w http.ResponseWriter, r *http.Request) error {
	f, hash, err := s.flowAt(w, r, authn.MethodSMS)
	if err != nil {
		return err
	}
	return s.smsCodePage(w, r, s.page(r, "sms_code.title"), f, hash, http.StatusOK)
}

// smsResend sends a new code to the number of the flow, once the wait is
// over (the page disables the button before; the server refuses too).
func (s *Server) smsResend(w http.ResponseWriter, r *http.Request) error {
	f, hash, err := s.flowAt(w, r, authn.MethodSMS)
	if err != nil {
		return err
	}
	p := s.page(r, "sms_code.title")
	ph, err := s.db.PhoneByID(r.Context(), f.UserID, f.PhoneID)
	if errors.Is(err, store.ErrNotFound) {
		return redirect("/login/sms")
	}
	if err != nil {
		return err
	}
	if fl, err := s.machine.Blocked(r.Context(), f, s.loginClient(r), "code"); err != nil {
		return err
	} else if fl != nil {
		status, _ := showFailure(p, fl)
		return s.smsCodePage(w, r, p, f, hash, status)
	}
	if _, err := s.sendCode(r, p.L, smsauth.StartRequest{UserID: f.UserID, Phone: ph.E164, Purpose: smsauth.PurposeLogin, FlowID: hash, IP: s.clientIP(r)}); err != nil {
		if status, handled := s.smsRefused(r, p, "code", f.UserID, err); handled {
			return s.smsCodePage(w, r, p, f, hash, status)
		}
		return err
	}
	return redirect("/login/sms/code?sent=1")
}

// smsCodeCheck checks the code: wrong codes count against the login
// limits as well as against the challenge's tries.
func (s *Server) smsCodeCheck(w http.ResponseWriter, r *http.Request) error {
	return s.submitStep(w, r, authn.MethodSMS, "sms_code.title", func(p *web.Page, f *authn.Flow, hash string, status int) error {
		return s.smsCodePage(w, r, p, f, hash, status)
	})
}

// codeRefused puts the message of a refused code (of adding a number) on
// the field "code" and audits it. counted reports whether the try was a
// wrong code.
func (s *Server) codeRefused(r *http.Request, p *web.Page, userID, purpose string, res smsauth.Result) (status int, counted bool) {
	s.audit(r, userID, audit.SMSCodeRefused, res.Outcome.String())
	fl, counted, err := s.codes.Refused(r.Context(), userID, purpose, res)
	if err != nil {
		s.log.Error("end a dead code", "err", err)
	}
	status, _ = showFailure(p, fl)
	return status, counted
}

// reauthKey is where the re-authentication of a session is kept (in the
// table of login flows, which expires and sweeps it).
func reauthKey(sessHash string) string { return session.Hash("reauth\x00" + sessHash) }

// The proofs a re-authentication records: a second factor (a step of the
// SMS, the app, an authenticator app, or a recovery code), or the password
// (typed again, or at the login of a session with the password alone),
// which counts only for an account that has no second factor.
const (
	proofFactor   = "factor"
	proofPassword = "password"
)

type reauthGrant struct {
	UserID string    `json:"user_id"`
	At     time.Time `json:"at"`
	Proof  string    `json:"proof"`
}

// grantReauth records that session sess made the proof just now: one
// change of the account's second factors within reauthTTL.
func (s *Server) grantReauth(r *http.Request, sess *store.Session, proof string) error {
	now := s.now()
	data, err := json.Marshal(reauthGrant{UserID: sess.UserID, At: now, Proof: proof})
	if err != nil {
		return err
	}
	return s.db.PutFlow(r.Context(), reauthKey(sess.Hash), data, now, now.Add(reauthTTL))
}

// reauthenticated returns the proof the session of si made in the last
// reauthTTL and has not spent yet, "" when none.
func (s *Server) reauthenticated(r *http.Request, si *signedIn) (string, error) {
	data, err := s.db.Flow(r.Context(), reauthKey(si.sess.Hash), s.now())
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	var g reauthGrant
	if err := json.Unmarshal(data, &g); err != nil || g.UserID != si.user.ID {
		return "", nil
	}
	return g.Proof, nil
}

// spendReauth spends the re-authentication of the session of si before the
// change it allows, atomically: of two concurrent changes, one gets it, the
// other is sent back to its page (which asks a proof again).
func (s *Server) spendReauth(r *http.Request, si *signedIn) error {
	_, err := s.db.TakeFlow(r.Context(), reauthKey(si.sess.Hash), s.now())
	if errors.Is(err, store.ErrNotFound) {
		return redirect(r.URL.Path)
	}
	return err
}
