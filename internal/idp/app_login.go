package idp

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"eulogin/internal/audit"
	"eulogin/internal/authn"
	"eulogin/internal/authn/mobileapp"
	"eulogin/internal/store"
	"eulogin/internal/web"
)

// The mobile app step of a login ("EU Login Mobile App PIN code" and "QR
// code"), of a step-up and of a re-authentication, on a login flow like the
// SMS step (smsFlow): the password passed (PasswordOK) or the session is the
// flow's (StepUp). The push request and the QR challenge are bound to the
// flow (its hash is their flow id), so only this browser can use them. See
// docs/mobile-app-protocol.md.

// secondFactors counts the second factors of an account: its numbers, its
// usable (confirmed, unlocked) app devices and its authenticator apps.
func (s *Server) secondFactors(ctx context.Context, userID string) (int, error) {
	n, err := s.db.CountPhones(ctx, userID)
	if err != nil {
		return 0, err
	}
	devices, err := s.app.UsableDevices(ctx, userID)
	if err != nil {
		return 0, err
	}
	apps, err := s.db.ListTOTP(ctx, userID)
	if err != nil {
		return 0, err
	}
	return n + len(devices) + len(apps), nil
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
	Lost      string // a re-authentication before a removal: the way without the factor
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
// it starts one when there is none. Posted (Continue), or once the request
// is answered otherwise than approved, the machine checks it (approved
// ends the step; denied, wrong number and a locked device fail the login).
func (s *Server) appPushPage(w http.ResponseWriter, r *http.Request, posted bool) error {
	f, hash, err := s.flowAt(w, r, authn.MethodAppPIN)
	if err != nil {
		return err
	}
	p := s.page(r, "login_app.title")
	p.Step = factorStep(p, f, 1)
	d := &appPushData{Lead: s.appLead(r, p, f, false), StatusURL: "/login/app/status", Restart: flowRestart(f)}
	if f.Reauth {
		d.Lost = lostURL(f.Next)
	}
	p.Data = d
	state := ""
	if f.AppRequestID != "" {
		st, err := s.app.PushState(r.Context(), f.AppRequestID, hash)
		if err != nil && !errors.Is(err, mobileapp.ErrNotFound) {
			return err
		}
		state = st
	}
	if state == "" {
		if err := s.startPush(r, f, hash); errors.Is(err, mobileapp.ErrNoDevice) {
			d.NoDevice = true
			s.render.Render(w, http.StatusConflict, "login_app", p)
			return nil
		} else if err != nil {
			return err
		}
		state = store.AppRequestPending
	}
	status := http.StatusOK
	if posted || state != store.AppRequestPending && state != store.AppRequestApproved {
		out, err := s.machine.Submit(r.Context(), f, hash, s.loginClient(r), authn.MethodAppPIN, "")
		if err != nil {
			return err
		}
		if out.Failure == nil {
			return s.finish(w, r, f, hash, out)
		}
		status, d.Message = showFailure(p, out.Failure)
		switch out.Failure.Code {
		case authn.Denied:
			// A new login starts from the e-mail address.
			s.endFlow(w, r, hash)
			d.Refused = true
			s.render.Render(w, status, "login_app", p)
			return nil
		case authn.Gone:
			d.Expired = true
			s.render.Render(w, status, "login_app", p)
			return nil
		}
	}
	req, err := s.db.AppRequestByID(r.Context(), f.AppRequestID)
	if err != nil {
		return err
	}
	d.Number = strconv.Itoa(req.Number)
	s.render.Render(w, status, "login_app", p)
	return nil
}

// appPushForm is the page that shows the number and waits for the app.
func (s *Server) appPushForm(w http.ResponseWriter, r *http.Request) error {
	return s.appPushPage(w, r, false)
}

// appPushContinue is the page's Continue button (and what its script
// submits once the request is answered).
func (s *Server) appPushContinue(w http.ResponseWriter, r *http.Request) error {
	return s.appPushPage(w, r, true)
}

// appPushNew sends a new request ("Send a new request").
func (s *Server) appPushNew(w http.ResponseWriter, r *http.Request) error {
	f, hash, err := s.flowAt(w, r, authn.MethodAppPIN)
	if err != nil {
		return err
	}
	if err := s.startPush(r, f, hash); err != nil && !errors.Is(err, mobileapp.ErrNoDevice) {
		return err
	}
	return redirect("/login/app")
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
func (s *Server) appPushStatus(w http.ResponseWriter, r *http.Request) error {
	f, hash, err := s.loadFlow(r)
	if err != nil {
		return err
	}
	if f == nil || f.AppRequestID == "" {
		writeStatus(w, "gone", true)
		return nil
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
		return nil
	}
	if err != nil {
		return err
	}
	writeStatus(w, st, st != store.AppRequestPending)
	return nil
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
	Lost    string // a re-authentication before a removal: the way without the factor
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

func (s *Server) appQRPage(w http.ResponseWriter, r *http.Request, p *web.Page, f *authn.Flow, hash string, status int) error {
	p.Step = factorStep(p, f, 1)
	if f.AppQRID == "" {
		if err := s.startQR(r, f, hash, ""); errors.Is(err, mobileapp.ErrNoDevice) {
			p.Data = &appPushData{Lead: s.appLead(r, p, f, true), NoDevice: true, Restart: flowRestart(f)}
			s.render.Render(w, http.StatusConflict, "login_app", p)
			return nil
		} else if err != nil {
			return err
		}
	}
	devices, d, err := s.appQRDevice(r.Context(), f.UserID, f.AppDeviceID)
	if err != nil {
		return err
	}
	img, err := qrImage(f.AppQRURI)
	if err != nil {
		return err
	}
	data := &appQRData{Lead: s.appLead(r, p, f, true), Image: img, URI: f.AppQRURI, Restart: flowRestart(f), Expired: status == http.StatusGone}
	if f.Reauth {
		data.Lost = lostURL(f.Next)
	}
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
	return nil
}

// appQRForm shows the offline QR code and asks for its one-time password.
func (s *Server) appQRForm(w http.ResponseWriter, r *http.Request) error {
	f, hash, err := s.flowAt(w, r, authn.MethodAppQR)
	if err != nil {
		return err
	}
	return s.appQRPage(w, r, s.page(r, "login_app_qr.title"), f, hash, http.StatusOK)
}

// appQRNew shows a new QR code, for the device chosen (or the same).
func (s *Server) appQRNew(w http.ResponseWriter, r *http.Request) error {
	f, hash, err := s.flowAt(w, r, authn.MethodAppQR)
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	id := r.PostForm.Get("device")
	if id == "" {
		id = f.AppDeviceID
	}
	if err := s.startQR(r, f, hash, id); err != nil && !errors.Is(err, mobileapp.ErrNoDevice) {
		return err
	}
	return redirect("/login/app/qr")
}

// appQRCheck checks the one-time password typed. Wrong ones count against
// the challenge, the device (package mobileapp) and the login limits.
func (s *Server) appQRCheck(w http.ResponseWriter, r *http.Request) error {
	return s.submitStep(w, r, authn.MethodAppQR, "login_app_qr.title", func(p *web.Page, f *authn.Flow, hash string, status int) error {
		return s.appQRPage(w, r, p, f, hash, status)
	})
}
