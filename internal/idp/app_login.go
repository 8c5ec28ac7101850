package idp

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"eulogin/internal/audit"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"eulogin/internal/authn"
	"eulogin/internal/authn/mobileapp"
	"eulogin/internal/notify"
	"eulogin/internal/store"
	"eulogin/internal/web"
)

// The mobile app step of a login ("EU Login Mobile App PIN code" and "QR
// code"), of a step-up and of a re-authentication, on a login flow like the
// SMS step (smsFlow): the password passed (PasswordOK) or the session is the
// flow's (StepUp). The push request and the QR challenge are bound to the
// flow (its hash is their flow id), so only this browser can use them. See
// docs/mobile-app-protocol.md.

// secondFactors counts the second factors of an account: its numbers and
// its usable (confirmed, unlocked) app devices.
func (s *Server) secondFactors(ctx context.Context, userID string) (int, error) {
	n, err := s.db.CountPhones(ctx, userID)
	if err != nil {
		return 0, err
	}
	devices, err := s.app.UsableDevices(ctx, userID)
	if err != nil {
		return 0, err
	}
	return n + len(devices), nil
}

// secondFactorPath returns the step that checks a second factor of the
// account: /login/sms when it has a number, else /login/app when it has a
// usable app device, else "".
func (s *Server) secondFactorPath(ctx context.Context, userID string) (string, error) {
	return s.secondFactorPathExcept(ctx, userID, "")
}

// secondFactorPathExcept is secondFactorPath without the app device id
// ("" for none): a device whose PIN is forgotten cannot re-authenticate
// its own reset.
func (s *Server) secondFactorPathExcept(ctx context.Context, userID, id string) (string, error) {
	n, err := s.db.CountPhones(ctx, userID)
	if err != nil {
		return "", err
	}
	if n > 0 {
		return "/login/sms", nil
	}
	devices, err := s.app.UsableDevices(ctx, userID)
	if err != nil {
		return "", err
	}
	for _, d := range devices {
		if d.ID != id {
			return "/login/app", nil
		}
	}
	return "", nil
}

// afterPassword returns the second-factor step that follows a right
// password, or "" when the password is enough.
func (s *Server) afterPassword(ctx context.Context, f *authn.Flow, u *store.User) string {
	switch f.Method {
	case authn.MethodSMS:
		return "/login/sms"
	case authn.MethodAppPIN:
		return "/login/app"
	case authn.MethodAppQR:
		return "/login/app/qr"
	}
	if !u.RequireMFA {
		return ""
	}
	if path, err := s.secondFactorPath(ctx, u.ID); err == nil && path != "" {
		return path
	}
	return "/login/sms" // says the account has no number
}

// appPushData is the data of the page that waits for the app.
type appPushData struct {
	Lead      string
	Number    string // the two-digit number, shown large
	StatusURL string
	Message   string // "not answered yet", "expired"
	Expired   bool
	NoDevice  bool
	Refused   bool
	Restart   string
}

// qrImage returns a PNG of the QR code of text as a data: URI, which the
// Content-Security-Policy allows as an image. Every module is exactly 8
// pixels (a negative size in go-qrcode): a size in pixels would round modules
// to 6 or 7 pixels unevenly, which readers (cameras and gozxing alike)
// sometimes fail to decode.
func qrImage(text string) (template.URL, error) {
	png, err := qrcode.Encode(text, qrcode.Medium, -8)
	if err != nil {
		return "", err
	}
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png)), nil
}

// browserName describes a User-Agent for the app's request: "Firefox on
// Linux". Unknown parts are left out.
func browserName(ua string) string {
	var b, o string
	for _, c := range []struct{ token, name string }{
		{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"}, {"Chrome/", "Chrome"}, {"Safari/", "Safari"},
	} {
		if strings.Contains(ua, c.token) {
			b = c.name
			break
		}
	}
	for _, c := range []struct{ token, name string }{
		{"Android", "Android"}, {"iPhone", "iOS"}, {"iPad", "iPadOS"}, {"Windows", "Windows"}, {"Mac OS X", "macOS"}, {"Linux", "Linux"},
	} {
		if strings.Contains(ua, c.token) {
			o = c.name
			break
		}
	}
	switch {
	case b != "" && o != "":
		return b + " on " + o
	case b != "":
		return b
	case o != "":
		return o
	}
	return audit.Clean(ua, 60)
}

func (s *Server) appLead(r *http.Request, p *web.Page, f *authn.Flow, qr bool) string {
	suffix := ""
	if qr {
		suffix = "_qr"
	}
	switch {
	case f.Reauth:
		return p.L.T("login_app.lead_reauth" + suffix)
	case f.StepUp && f.Service != "":
		return p.L.T("login_app.lead_step_up"+suffix, "service", s.serviceName(r, p.L, f.ServiceID))
	}
	return p.L.T("login_app.lead" + suffix)
}

// startPush sends a new push request for the flow to the account's devices.
func (s *Server) startPush(r *http.Request, f *authn.Flow, hash string) error {
	svc := Product
	if f.ServiceID != "" {
		if name := s.serviceName(r, s.bundle.Localizer(s.lang(r)), f.ServiceID); name != "" {
			svc = name
		}
	}
	push, err := s.app.StartPush(r.Context(), mobileapp.PushRequest{
		UserID: f.UserID, FlowID: hash, Service: svc, Browser: browserName(r.UserAgent()), IP: s.clientIP(r),
	})
	if err != nil {
		return err
	}
	s.audit(r, f.UserID, audit.AppPushSent, "")
	f.AppRequestID = push.ID
	return s.saveFlow(r, hash, f)
}

// appPushPage answers the push page from the state of the flow's request:
// it starts one when there is none; approved ends the step when the user
// continues (posted); denied, wrong number and a locked device fail the
// login.
func (s *Server) appPushPage(w http.ResponseWriter, r *http.Request, posted bool) {
	f, hash, ok := s.smsFlow(w, r)
	if !ok {
		return
	}
	p := s.page(r, "login_app.title")
	p.Step = smsSteps(p, f, true)
	d := &appPushData{Lead: s.appLead(r, p, f, false), StatusURL: "/login/app/status", Restart: flowRestart(f)}
	p.Data = d
	state := ""
	if f.AppRequestID != "" {
		st, err := s.app.PushState(r.Context(), f.AppRequestID, hash)
		if err != nil && !errors.Is(err, mobileapp.ErrNotFound) {
			s.internal(w, r, err)
			return
		}
		state = st
	}
	if state == "" {
		if err := s.startPush(r, f, hash); errors.Is(err, mobileapp.ErrNoDevice) {
			d.NoDevice = true
			s.render.Render(w, http.StatusConflict, "login_app", p)
			return
		} else if err != nil {
			s.internal(w, r, err)
			return
		}
		state = store.AppRequestPending
	}
	switch state {
	case store.AppRequestApproved:
		if posted {
			s.secondFactorDone(w, r, f, hash, authn.StrengthPasswordMobileApp)
			return
		}
	case store.AppRequestDenied, store.AppRequestWrongNumber, store.AppRequestLocked:
		s.appPushRefused(w, r, p, f, hash, state)
		return
	case store.AppRequestExpired:
		d.Expired = true
		d.Message = p.L.T("login_app.expired")
		s.render.Render(w, http.StatusGone, "login_app", p)
		return
	case store.AppRequestPending:
		if posted {
			d.Message = p.L.T("login_app.not_yet")
		}
	}
	req, err := s.db.AppRequestByID(r.Context(), f.AppRequestID)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	d.Number = strconv.Itoa(req.Number)
	s.render.Render(w, http.StatusOK, "login_app", p)
}

// appPushRefused fails the login after a denial, a wrong number or a locked
// device: audited, e-mailed to the owner, and the flow ends (a new login
// starts from the e-mail address).
func (s *Server) appPushRefused(w http.ResponseWriter, r *http.Request, p *web.Page, f *authn.Flow, hash, state string) {
	s.endFlow(w, r, hash)
	s.audit(r, f.UserID, audit.AppLoginRefused, state)
	if u, err := s.db.UserByID(r.Context(), f.UserID); err == nil {
		l := s.bundle.Localizer(u.EmailLang)
		s.sendMail(r.Context(), recipient(u), notify.AppLoginRefused, map[string]any{
			"time": s.now(), "reason": l.T("mail.app_login_refused.reason_" + state), "ip": s.clientIP(r),
		})
	}
	d := p.Data.(*appPushData)
	d.Refused = true
	d.Message = p.L.T("login_app.refused_" + state)
	s.render.Render(w, http.StatusForbidden, "login_app", p)
}

// appPushForm is the page that shows the number and waits for the app.
func (s *Server) appPushForm(w http.ResponseWriter, r *http.Request) { s.appPushPage(w, r, false) }

// appPushContinue is the page's Continue button (and what its script
// submits once the request is answered).
func (s *Server) appPushContinue(w http.ResponseWriter, r *http.Request) { s.appPushPage(w, r, true) }

// appPushNew sends a new request ("Send a new request").
func (s *Server) appPushNew(w http.ResponseWriter, r *http.Request) {
	f, hash, ok := s.smsFlow(w, r)
	if !ok {
		return
	}
	if err := s.startPush(r, f, hash); err != nil && !errors.Is(err, mobileapp.ErrNoDevice) {
		s.internal(w, r, err)
		return
	}
	http.Redirect(w, r, "/login/app", http.StatusSeeOther)
}

// maxStatusWait bounds the long poll of the pages' status endpoints.
const maxStatusWait = 25 * time.Second

// statusWait reads ?wait=seconds (0 without: answer at once).
func statusWait(r *http.Request) time.Duration {
	n, err := strconv.Atoi(r.URL.Query().Get("wait"))
	if err != nil || n <= 0 {
		return 0
	}
	return min(time.Duration(n)*time.Second, maxStatusWait)
}

// writeStatus answers a status endpoint: {"state": ..., "done": ...}; done
// tells the page's script to submit its form.
func writeStatus(w http.ResponseWriter, state string, done bool) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(map[string]any{"state": state, "done": done})
}

// appPushStatus is the JSON state of the flow's request, long-polled by
// the page's script (?wait=seconds).
func (s *Server) appPushStatus(w http.ResponseWriter, r *http.Request) {
	f, hash, err := s.loadFlow(r)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if f == nil || f.AppRequestID == "" {
		writeStatus(w, "gone", true)
		return
	}
	var st string
	if wait := statusWait(r); wait > 0 {
		ctx, cancel := context.WithTimeout(r.Context(), wait)
		defer cancel()
		st, err = s.app.WaitPush(ctx, f.UserID, f.AppRequestID, hash)
	} else {
		st, err = s.app.PushState(r.Context(), f.AppRequestID, hash)
	}
	if errors.Is(err, mobileapp.ErrNotFound) {
		writeStatus(w, "gone", true)
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	writeStatus(w, st, st != store.AppRequestPending)
}

// appQRData is the data of the offline QR code page.
type appQRData struct {
	Lead    string
	Image   template.URL
	URI     string
	Device  string // the device's name
	Others  []deviceRow
	Expired bool // the challenge is spent: show "new code"
	Restart string
}

// appQRDevice picks the device of a QR challenge: id when it is usable,
// else the most recently used.
func (s *Server) appQRDevice(ctx context.Context, userID, id string) ([]store.AppDevice, *store.AppDevice, error) {
	devices, err := s.app.UsableDevices(ctx, userID)
	if err != nil || len(devices) == 0 {
		return devices, nil, err
	}
	if i := slices.IndexFunc(devices, func(d store.AppDevice) bool { return d.ID == id }); i >= 0 {
		return devices, &devices[i], nil
	}
	best := &devices[0]
	for i := range devices {
		if devices[i].LastUsedAt.After(best.LastUsedAt) {
			best = &devices[i]
		}
	}
	return devices, best, nil
}

// startQR makes a new QR challenge for the flow and device id ("" the
// most recently used one). ErrNoDevice when the account has none.
func (s *Server) startQR(r *http.Request, f *authn.Flow, hash, id string) error {
	_, d, err := s.appQRDevice(r.Context(), f.UserID, id)
	if err != nil {
		return err
	}
	if d == nil {
		return mobileapp.ErrNoDevice
	}
	qr, err := s.app.StartQR(r.Context(), f.UserID, d.ID, hash)
	if err != nil {
		return err
	}
	f.AppQRID, f.AppQRURI, f.AppDeviceID = qr.ID, qr.URI, d.ID
	return s.saveFlow(r, hash, f)
}

func (s *Server) appQRPage(w http.ResponseWriter, r *http.Request, p *web.Page, f *authn.Flow, hash string, status int) {
	p.Step = smsSteps(p, f, true)
	if f.AppQRID == "" {
		if err := s.startQR(r, f, hash, ""); errors.Is(err, mobileapp.ErrNoDevice) {
			p.Data = &appPushData{Lead: s.appLead(r, p, f, true), NoDevice: true, Restart: flowRestart(f)}
			s.render.Render(w, http.StatusConflict, "login_app", p)
			return
		} else if err != nil {
			s.internal(w, r, err)
			return
		}
	}
	devices, d, err := s.appQRDevice(r.Context(), f.UserID, f.AppDeviceID)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	img, err := qrImage(f.AppQRURI)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	data := &appQRData{Lead: s.appLead(r, p, f, true), Image: img, URI: f.AppQRURI, Restart: flowRestart(f), Expired: status == http.StatusGone}
	if d != nil {
		data.Device = d.Name
		for _, o := range devices {
			if o.ID != d.ID {
				data.Others = append(data.Others, deviceRow{ID: o.ID, Name: o.Name})
			}
		}
	}
	p.Data = data
	s.render.Render(w, status, "login_app_qr", p)
}

// appQRForm shows the offline QR code and asks for its one-time password.
func (s *Server) appQRForm(w http.ResponseWriter, r *http.Request) {
	f, hash, ok := s.smsFlow(w, r)
	if !ok {
		return
	}
	s.appQRPage(w, r, s.page(r, "login_app_qr.title"), f, hash, http.StatusOK)
}

// appQRNew shows a new QR code, for the device chosen (or the same).
func (s *Server) appQRNew(w http.ResponseWriter, r *http.Request) {
	f, hash, ok := s.smsFlow(w, r)
	if !ok {
		return
	}
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, http.StatusBadRequest, "error.bad_request", nil)
		return
	}
	id := r.PostForm.Get("device")
	if id == "" {
		id = f.AppDeviceID
	}
	if err := s.startQR(r, f, hash, id); err != nil && !errors.Is(err, mobileapp.ErrNoDevice) {
		s.internal(w, r, err)
		return
	}
	http.Redirect(w, r, "/login/app/qr", http.StatusSeeOther)
}

// appQRCheck checks the one-time password typed. Wrong ones count against
// the challenge, the device (package mobileapp) and the login throttles.
func (s *Server) appQRCheck(w http.ResponseWriter, r *http.Request) {
	f, hash, ok := s.smsFlow(w, r)
	if !ok {
		return
	}
	p := s.page(r, "login_app_qr.title")
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, http.StatusBadRequest, "error.bad_request", nil)
		return
	}
	typed := r.PostForm.Get("otp")
	if len(typed) > 64 {
		typed = ""
	}
	if f.AppQRID == "" {
		http.Redirect(w, r, "/login/app/qr", http.StatusSeeOther)
		return
	}
	if strings.TrimSpace(typed) == "" {
		status := http.StatusBadRequest
		if locked, err := s.guardBlocked(r, p, "otp", f.UserID, f.Email); err != nil {
			s.internal(w, r, err)
			return
		} else if locked {
			status = http.StatusTooManyRequests
		} else {
			p.Form.Add("otp", p.L.T("login_app_qr.empty"))
		}
		s.appQRPage(w, r, p, f, hash, status)
		return
	}
	g, ok, err := s.guardAttempt(r, p, "otp", f.UserID, f.Email)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if !ok {
		s.appQRPage(w, r, p, f, hash, http.StatusTooManyRequests)
		return
	}
	_, err = s.app.VerifyQR(r.Context(), f.AppQRID, hash, typed)
	var throttled *mobileapp.ThrottleError
	switch {
	case err == nil:
		if err := s.guardSucceeded(r, g); err != nil {
			s.internal(w, r, err)
			return
		}
		s.secondFactorDone(w, r, f, hash, authn.StrengthPasswordMobileApp)
		return
	case errors.Is(err, mobileapp.ErrWrongOTP):
		s.guardFailed(r, g, nil, audit.AppOTPRefused, "wrong")
		p.Form.Add("otp", p.L.T("login_app_qr.wrong"))
		s.appQRPage(w, r, p, f, hash, http.StatusUnauthorized)
	case errors.As(err, &throttled):
		s.guardCancel(r, g)
		s.audit(r, f.UserID, audit.AppOTPRefused, "throttled")
		p.Form.Add("otp", p.L.T("login.locked", "time", p.L.Time(throttled.Until)))
		s.appQRPage(w, r, p, f, hash, http.StatusTooManyRequests)
	case errors.Is(err, mobileapp.ErrTooManyTries), errors.Is(err, mobileapp.ErrExpired), errors.Is(err, mobileapp.ErrAnswered):
		s.guardCancel(r, g)
		s.audit(r, f.UserID, audit.AppOTPRefused, "expired")
		p.Form.Add("otp", p.L.T("login_app_qr.expired"))
		s.appQRPage(w, r, p, f, hash, http.StatusGone)
	case errors.Is(err, mobileapp.ErrNotFound), errors.Is(err, mobileapp.ErrLocked):
		// The device was removed or locked: a code for another device, or
		// none.
		s.guardCancel(r, g)
		s.audit(r, f.UserID, audit.AppOTPRefused, "device")
		f.AppQRID, f.AppQRURI, f.AppDeviceID = "", "", ""
		p.Form.Add("otp", p.L.T("login_app_qr.device_gone"))
		s.appQRPage(w, r, p, f, hash, http.StatusGone)
	default:
		s.guardCancel(r, g)
		s.internal(w, r, err)
	}
}
