package idp

import (
	"context"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"eulogin/internal/audit"
	"eulogin/internal/authn/mobileapp"
	"eulogin/internal/i18n"
	"eulogin/internal/notify"
	"eulogin/internal/session"
	"eulogin/internal/store"
	"eulogin/internal/web"
)

// My Account → Manage my mobile devices: the EU Login Mobile App devices of
// the account. Adding one (name and PIN, then a QR code that the app scans)
// and removing one first ask for a second factor the account already has
// (needsReauth), as for the mobile phone numbers; renaming does not. "Delete
// all my devices" is the panic button for a lost or stolen phone: it needs
// only the session. Every change is audited and e-mailed to the owner.

// deviceRow is one device as the pages show it.
type deviceRow struct {
	ID, Name, Added, LastUsed string
	Locked, Unconfirmed       bool
}

// devicesData is the data of the list of devices.
type devicesData struct {
	Devices []deviceRow
}

// deviceFormData is the data of the pages that add, rename or remove a
// device, and of the QR code page.
type deviceFormData struct {
	Hidden    []hiddenField
	Name      string
	Action    string
	PINLength int
	Image     template.URL // the enrolment QR code
	URI       string       // its text
	State     string       // the enrolment's state, translated
	Expired   bool
	StatusURL string
	Next      string
	Count     int
	Locked    bool // the device is locked (PIN reset page)
}

const maxDeviceName = 100

func (s *Server) deviceRows(r *http.Request, l *i18n.Localizer, userID string) ([]deviceRow, error) {
	devices, err := s.db.ListAppDevices(r.Context(), userID)
	if err != nil {
		return nil, err
	}
	var rows []deviceRow
	for _, d := range devices {
		if d.ConfirmedAt.IsZero() {
			continue // an enrolment not finished: not a device yet
		}
		row := deviceRow{ID: d.ID, Name: d.Name, Added: l.Time(d.CreatedAt), Locked: !d.LockedAt.IsZero()}
		if !d.LastUsedAt.IsZero() {
			row.LastUsed = l.Time(d.LastUsedAt)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// devices lists the devices of the account.
func (s *Server) devices(w http.ResponseWriter, r *http.Request, si *signedIn) error {
	p := s.page(r, "devices.title")
	if key := "devices.done." + r.URL.Query().Get("done"); r.URL.Query().Get("done") != "" && p.L.Has(key) {
		p.Flash = p.L.T(key)
	}
	rows, err := s.deviceRows(r, p.L, si.user.ID)
	if err != nil {
		return err
	}
	p.Data = &devicesData{Devices: rows}
	s.render.Render(w, http.StatusOK, "devices", p)
	return nil
}

// ownDevice returns the confirmed device {id} of the account, or
// errNotFound.
func (s *Server) ownDevice(r *http.Request, si *signedIn) (*store.AppDevice, error) {
	d, err := s.db.AppDeviceByID(r.Context(), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) || err == nil && (d.UserID != si.user.ID || d.ConfirmedAt.IsZero()) {
		return nil, errNotFound
	}
	if err != nil {
		return nil, err
	}
	return d, nil
}

func (s *Server) pinLength() int {
	if s.app.PINLength != 0 {
		return s.app.PINLength
	}
	return mobileapp.DefaultPINLength
}

func (s *Server) deviceAddPage(w http.ResponseWriter, r *http.Request, p *web.Page, next string, status int) {
	p.Step = step(p, 1, 2)
	p.Data = &deviceFormData{Hidden: nextHidden(next), PINLength: s.pinLength()}
	s.render.Render(w, status, "device_add", p)
}

// deviceAddForm is step 1 of adding a device: its name and the PIN.
func (s *Server) deviceAddForm(w http.ResponseWriter, r *http.Request, si *signedIn) error {
	next := safeNext(r.URL.Query().Get("next"))
	if err := s.needsReauth(w, r, si, withNext("/account/devices/add", next)); err != nil {
		return err
	}
	s.deviceAddPage(w, r, s.page(r, "device_add.title"), next, http.StatusOK)
	return nil
}

// enrolKey is where the enrolment a session is showing is kept (the table
// of login flows, which expires and sweeps it): its code is secret, so it
// stays on the server.
func enrolKey(sessHash string) string { return session.Hash("app-enrol\x00" + sessHash) }

type enrolEntry struct {
	ID   string `json:"id"`
	URI  string `json:"uri"`
	Next string `json:"next,omitempty"`
}

func (s *Server) saveEnrol(r *http.Request, si *signedIn, e *enrolEntry) error {
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	now := s.now()
	return s.db.PutFlow(r.Context(), enrolKey(si.sess.Hash), data, now, now.Add(mobileapp.DefaultEnrolTTL+time.Minute))
}

func (s *Server) loadEnrol(r *http.Request, si *signedIn) (*enrolEntry, error) {
	data, err := s.db.Flow(r.Context(), enrolKey(si.sess.Hash), s.now())
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var e enrolEntry
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, nil
	}
	return &e, nil
}

// deviceAdd checks the name and the PIN and starts the enrolment.
func (s *Server) deviceAdd(w http.ResponseWriter, r *http.Request, si *signedIn) error {
	p := s.page(r, "device_add.title")
	if err := parseForm(r); err != nil {
		return err
	}
	p.Form = web.NewForm(r.PostForm)
	next := safeNext(p.Form.Get("next"))
	if err := s.needsReauth(w, r, si, withNext("/account/devices/add", next)); err != nil {
		return err
	}
	name := checkDeviceName(p, "name")
	pin, confirm := p.Form.Raw("pin"), p.Form.Raw("pin_confirm")
	n := strconv.Itoa(s.pinLength())
	switch err := mobileapp.CheckPIN(pin, s.pinLength()); {
	case pin == "":
		p.Form.Add("pin", p.L.T("device_add.pin_empty"))
	case errors.Is(err, mobileapp.ErrPINFormat):
		p.Form.Add("pin", p.L.T("device_add.pin_format", "n", n))
	case errors.Is(err, mobileapp.ErrPINTrivial):
		p.Form.Add("pin", p.L.T("device_add.pin_trivial"))
	case confirm != pin:
		p.Form.Add("pin_confirm", p.L.T("device_add.pin_mismatch"))
	}
	if !p.Form.Valid() {
		s.deviceAddPage(w, r, p, next, http.StatusBadRequest)
		return nil
	}
	if err := s.spendReauth(r, si); err != nil {
		return err
	}
	en, err := s.app.StartEnrolment(r.Context(), si.user.ID, name, pin)
	if err != nil {
		return err
	}
	if err := s.saveEnrol(r, si, &enrolEntry{ID: en.ID, URI: en.URI, Next: next}); err != nil {
		return err
	}
	s.audit(r, si.user.ID, audit.AppEnrolmentStarted, name)
	http.Redirect(w, r, "/account/devices/add/scan", http.StatusSeeOther)
	return nil
}

// enrolState returns the enrolment the session shows and its state.
func (s *Server) enrolState(r *http.Request, si *signedIn, e *enrolEntry) (string, *store.AppDevice, error) {
	st, d, err := s.app.EnrolmentStatus(r.Context(), si.user.ID, e.ID)
	if errors.Is(err, mobileapp.ErrNotFound) {
		return mobileapp.EnrolExpired, nil, nil
	}
	return st, d, err
}

// appConfirmed records and e-mails a device the app just confirmed (nil:
// none was): when the device enrols, whether or not the page that started
// the enrolment is still open.
func (s *Server) appConfirmed(r *http.Request, d *store.AppDevice) {
	if d == nil {
		return
	}
	s.audit(r, d.UserID, audit.AppDeviceAdded, d.Name)
	s.mailOwner(r, d.UserID, notify.AppDeviceAdded, map[string]any{"device": d.Name, "time": s.now()})
}

// mailOwner e-mails the owner of the account userID about a change the
// mobile app made (there is no session, hence no user, at hand).
func (s *Server) mailOwner(r *http.Request, userID string, kind notify.Kind, vars map[string]any) {
	u, err := s.db.UserByID(r.Context(), userID)
	if err != nil {
		s.log.Error("e-mail the owner", "kind", kind, "err", err)
		return
	}
	s.sendMail(r.Context(), recipient(u), kind, vars)
}

// deviceScanPage shows the QR code of the enrolment, or moves on once the
// app confirmed it.
func (s *Server) deviceScanPage(w http.ResponseWriter, r *http.Request, si *signedIn, posted bool) error {
	e, err := s.loadEnrol(r, si)
	if err != nil {
		return err
	}
	if e == nil {
		return redirect("/account/devices/add")
	}
	st, d, err := s.enrolState(r, si, e)
	if err != nil {
		return err
	}
	if st == mobileapp.EnrolConfirmed {
		http.Redirect(w, r, "/account/devices/added?"+addedQuery(d.ID, e.Next), http.StatusSeeOther)
		return nil
	}
	p := s.page(r, "device_scan.title")
	p.Step = step(p, 2, 2)
	data := &deviceFormData{URI: e.URI, StatusURL: "/account/devices/add/status"}
	p.Data = data
	status := http.StatusOK
	switch st {
	case mobileapp.EnrolExpired:
		data.Expired = true
		data.State = p.L.T("device_scan.state_expired")
		status = http.StatusGone
	case mobileapp.EnrolClaimed:
		data.State = p.L.T("device_scan.state_claimed")
	default:
		if posted {
			data.State = p.L.T("device_scan.state_waiting")
		}
	}
	if !data.Expired {
		if data.Image, err = qrImage(e.URI); err != nil {
			return err
		}
	}
	s.render.Render(w, status, "device_scan", p)
	return nil
}

func addedQuery(id, next string) string {
	q := url.Values{"id": {id}}
	if next != "" {
		q.Set("next", next)
	}
	return q.Encode()
}

// deviceScan is step 2 of adding a device: the QR code for the app.
func (s *Server) deviceScan(w http.ResponseWriter, r *http.Request, si *signedIn) error {
	return s.deviceScanPage(w, r, si, false)
}

// deviceScanned is the button "I have scanned the code" (and what the
// page's script submits once the enrolment is confirmed).
func (s *Server) deviceScanned(w http.ResponseWriter, r *http.Request, si *signedIn) error {
	return s.deviceScanPage(w, r, si, true)
}

// deviceScanStatus is the JSON state of the enrolment, long-polled by the
// page's script (?wait=seconds).
func (s *Server) deviceScanStatus(w http.ResponseWriter, r *http.Request, si *signedIn) error {
	e, err := s.loadEnrol(r, si)
	if err != nil {
		return err
	}
	if e == nil {
		writeStatus(w, "gone", true)
		return nil
	}
	if wait := statusWait(r); wait > 0 {
		ctx, cancel := context.WithTimeout(r.Context(), wait)
		defer cancel()
		s.app.WaitEnrolment(ctx, si.user.ID, e.ID)
	}
	st, _, err := s.enrolState(r, si, e)
	if err != nil {
		return err
	}
	writeStatus(w, st, st == mobileapp.EnrolConfirmed || st == mobileapp.EnrolExpired)
	return nil
}

// deviceAdded is the confirmation on the computer.
func (s *Server) deviceAdded(w http.ResponseWriter, r *http.Request, si *signedIn) error {
	d, err := s.db.AppDeviceByID(r.Context(), r.URL.Query().Get("id"))
	if errors.Is(err, store.ErrNotFound) || err == nil && (d.UserID != si.user.ID || d.ConfirmedAt.IsZero()) {
		return redirect("/account/devices")
	}
	if err != nil {
		return err
	}
	p := s.page(r, "device_added.title")
	p.Data = &deviceFormData{Name: d.Name, Next: safeNext(r.URL.Query().Get("next"))}
	s.render.Render(w, http.StatusOK, "device_added", p)
	return nil
}

func (s *Server) deviceRenamePage(w http.ResponseWriter, r *http.Request, p *web.Page, d *store.AppDevice, status int) {
	if p.Form.Get("name") == "" && status == http.StatusOK {
		p.Form.Values.Set("name", d.Name)
	}
	p.Data = &deviceFormData{Name: d.Name, Action: "/account/devices/" + url.PathEscape(d.ID) + "/rename"}
	s.render.Render(w, status, "device_rename", p)
}

// deviceRenameForm asks for a device's new name.
func (s *Server) deviceRenameForm(w http.ResponseWriter, r *http.Request, si *signedIn) error {
	d, err := s.ownDevice(r, si)
	if err != nil {
		return err
	}
	s.deviceRenamePage(w, r, s.page(r, "device_rename.title"), d, http.StatusOK)
	return nil
}

// deviceRename renames a device.
func (s *Server) deviceRename(w http.ResponseWriter, r *http.Request, si *signedIn) error {
	d, err := s.ownDevice(r, si)
	if err != nil {
		return err
	}
	p := s.page(r, "device_rename.title")
	if err := parseForm(r); err != nil {
		return err
	}
	p.Form = web.NewForm(r.PostForm)
	name := checkDeviceName(p, "name")
	if !p.Form.Valid() {
		s.deviceRenamePage(w, r, p, d, http.StatusBadRequest)
		return nil
	}
	if err := s.db.RenameAppDevice(r.Context(), si.user.ID, d.ID, name); err != nil {
		return err
	}
	s.audit(r, si.user.ID, audit.AppDeviceRenamed, d.Name+" → "+name)
	s.sendMail(r.Context(), recipient(si.user), notify.AppDeviceRenamed, map[string]any{"old": d.Name, "device": name, "time": s.now()})
	http.Redirect(w, r, "/account/devices?done=renamed", http.StatusSeeOther)
	return nil
}

func (s *Server) deviceRemovePage(w http.ResponseWriter, r *http.Request, p *web.Page, d *store.AppDevice, status int) {
	p.Data = &deviceFormData{Name: d.Name, Action: "/account/devices/" + url.PathEscape(d.ID) + "/remove"}
	s.render.Render(w, status, "device_remove", p)
}

// deviceRemoveForm asks to confirm the removal of a device.
func (s *Server) deviceRemoveForm(w http.ResponseWriter, r *http.Request, si *signedIn) error {
	d, err := s.ownDevice(r, si)
	if err != nil {
		return err
	}
	if err := s.needsReauth(w, r, si, r.URL.Path); err != nil {
		return err
	}
	p := s.page(r, "device_remove.title")
	status := http.StatusOK
	if last, err := s.lastRequired(r, si); err != nil {
		return err
	} else if last {
		p.Form.Add("confirm", p.L.T("phone_remove.last_required"))
		status = http.StatusConflict
	}
	s.deviceRemovePage(w, r, p, d, status)
	return nil
}

// deviceRemove removes a device; its pending requests and QR challenges die
// with it.
func (s *Server) deviceRemove(w http.ResponseWriter, r *http.Request, si *signedIn) error {
	d, err := s.ownDevice(r, si)
	if err != nil {
		return err
	}
	return s.removeFactor(w, r, si, factorChange{changeRemoveDevice, d.ID}, "device_remove.title", func(p *web.Page) {
		s.deviceRemovePage(w, r, p, d, http.StatusConflict)
	})
}

// devicesDeleteForm is the confirmation of "Delete all my devices", after
// a proof of a factor (one of these devices, a number, or, for an owner who
// lost them, the password and an e-mailed link).
func (s *Server) devicesDeleteForm(w http.ResponseWriter, r *http.Request, si *signedIn) error {
	if err := s.needsReauth(w, r, si, r.URL.Path); err != nil {
		return err
	}
	p := s.page(r, "devices_delete.title")
	rows, err := s.deviceRows(r, p.L, si.user.ID)
	if err != nil {
		return err
	}
	p.Data = &deviceFormData{Count: len(rows)}
	s.render.Render(w, http.StatusOK, "devices_delete", p)
	return nil
}

// devicesDelete is the panic button: every device of the account goes, with
// its pending requests, challenges and enrolments. An account that always
// requires multi-factor authentication keeps at least its numbers; without
// one it must switch the option off first, or it could not log in.
func (s *Server) devicesDelete(w http.ResponseWriter, r *http.Request, si *signedIn) error {
	return s.removeFactor(w, r, si, factorChange{kind: changeDeleteDevices}, "devices_delete.title", func(p *web.Page) {
		p.Data = &deviceFormData{}
		s.render.Render(w, http.StatusConflict, "devices_delete", p)
	})
}
