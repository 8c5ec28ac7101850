package idp

import (
	"crypto/rand"
	"errors"
	"net/http"
	"strconv"
	"time"

	"eulogin/internal/audit"
	"eulogin/internal/botcheck"
	"eulogin/internal/i18n"
	"eulogin/internal/notify"
	"eulogin/internal/regulation"
	"eulogin/internal/session"
	"eulogin/internal/store"
	"eulogin/internal/web"
)

// registerData is the data of the "Create an account" page.
type registerData struct {
	Languages []web.Option
	Bot       *botcheck.Challenge
}

// registerPage renders the "Create an account" form with status, and a new
// question of the bot check when it is on.
func (s *Server) registerPage(w http.ResponseWriter, r *http.Request, p *web.Page, status int) error {
	var opts []web.Option
	for _, l := range i18n.EU {
		opts = append(opts, web.Option{Value: l.Tag, Label: l.Name, Lang: l.Tag})
	}
	d := &registerData{Languages: opts}
	if s.cfg.BotCheck {
		c, err := s.bot.Issue()
		if err != nil {
			return err
		}
		d.Bot = &c
		// The answer belonged to the previous (now spent) question.
		p.Form.Values.Del(botcheck.FieldAnswer)
	}
	p.Data = d
	s.render.Render(w, status, "register", p)
	return nil
}

func (s *Server) registerForm(w http.ResponseWriter, r *http.Request) error {
	p := s.page(r, "register.title")
	p.Form.Values.Set("email_lang", p.L.Lang)
	return s.registerPage(w, r, p, http.StatusOK)
}

// register creates an account and e-mails the link to create its password.
// An address that already has an account gets an e-mail saying so; the page
// is the same either way.
func (s *Server) register(w http.ResponseWriter, r *http.Request) error {
	p := s.page(r, "register.title")
	if err := parseForm(r); err != nil {
		return err
	}
	p.Form = web.NewForm(r.PostForm)
	if bad := p.Form.DropUnreadable("first_name", "last_name", "email", "email_confirm", "email_lang"); bad != "" {
		p.Form.Add(bad, p.L.T("form.invalid_text"))
		return s.registerPage(w, r, p, http.StatusBadRequest)
	}
	first := checkName(p, "first_name", "register.first_name_empty", "register.name_format")
	last := checkName(p, "last_name", "register.last_name_empty", "register.name_format")
	email := checkEmail(p, "email")
	confirm := p.Form.Get("email_confirm")
	if confirm == "" {
		p.Form.Add("email_confirm", p.L.T("register.confirm_empty"))
	} else if email != "" && canonicalEmail(confirm) != email {
		p.Form.Add("email_confirm", p.L.T("register.confirm_mismatch"))
	}
	emailLang := p.Form.Get("email_lang")
	if !i18n.IsEU(emailLang) {
		p.Form.Add("email_lang", p.L.T("register.lang_invalid"))
	}
	if s.cfg.BotCheck {
		err := s.bot.Verify(r.Context(), p.Form.Get("botcheck_token"), p.Form.Get("botcheck_nonce"), p.Form.Get("botcheck_answer"))
		switch {
		case err == nil:
		case errors.Is(err, botcheck.ErrExpired), errors.Is(err, botcheck.ErrReused), errors.Is(err, botcheck.ErrMissing), errors.Is(err, botcheck.ErrInvalid):
			p.Form.Add("botcheck_answer", p.L.T("register.bot_expired"))
		case errors.Is(err, botcheck.ErrWrong):
			p.Form.Add("botcheck_answer", p.L.T("register.bot_wrong"))
		default:
			return err
		}
	}
	// After the bot check: the errors are listed in page order.
	if !p.Form.Checked("privacy") {
		p.Form.Add("privacy", p.L.T("register.privacy_required"))
	}
	if !p.Form.Valid() {
		return s.registerPage(w, r, p, http.StatusBadRequest)
	}
	if until, err := s.mailQuota(r, email); err != nil {
		return err
	} else if !until.IsZero() {
		p.Form.Add("email", p.L.T("error.too_many_mails", "time", p.L.Time(until)))
		return s.registerPage(w, r, p, http.StatusTooManyRequests)
	}

	existing, err := s.db.UserByEmail(r.Context(), email)
	switch {
	case err == nil:
		s.audit(r, existing.ID, audit.RegisterExisting, "")
		if err := s.sendMail(r.Context(), recipient(existing), notify.AccountExists, map[string]any{"link": s.link("/password/lost")}); err != nil {
			return mailFailed(err)
		}
	case errors.Is(err, store.ErrNotFound):
		u, err := s.createUser(r, first, last, email, emailLang)
		if errors.Is(err, store.ErrConflict) {
			// Registered by a concurrent request a moment ago: the same
			// answer as for any known address.
			break
		}
		if err != nil {
			return err
		}
		s.audit(r, u.ID, audit.AccountCreated, "")
		if err := s.sendLink(r, u, purposeRegister); err != nil {
			return mailFailed(err)
		}
	default:
		return err
	}
	done := s.page(r, "register_sent.title")
	done.Data = map[string]string{"Email": email}
	s.render.Render(w, http.StatusOK, "register_sent", done)
	return nil
}

// mailQuota counts one e-mail for the address and the client, refusing when
// either has had too many in the last hour. Unknown and known addresses count
// alike, so the refusal tells nothing about the account.
func (s *Server) mailQuota(r *http.Request, email string) (time.Time, error) {
	d, err := s.reg.Attempt(r.Context(),
		regulation.Subject{Limit: regulation.MailAddress, Of: email},
		regulation.Subject{Limit: regulation.MailClient, Of: s.clientIP(r)})
	if err != nil || d.Allowed {
		return time.Time{}, err
	}
	return d.Until, nil
}

// createUser inserts a new self-registered account (assurance LOW) with a
// fresh random id.
func (s *Server) createUser(r *http.Request, first, last, email, emailLang string) (*store.User, error) {
	now := s.now()
	for range 5 {
		u := &store.User{
			ID: newUserID(), Email: email, FirstName: first, LastName: last, EmailLang: emailLang,
			AssuranceLevel: 10, CreatedAt: now, UpdatedAt: now,
		}
		err := s.db.CreateUser(r.Context(), u)
		if err == nil {
			return u, nil
		}
		if !errors.Is(err, store.ErrConflict) {
			return nil, err
		}
		// A conflict is the e-mail (most likely) or, rarely, the id.
		if _, err := s.db.UserByEmail(r.Context(), email); err == nil {
			return nil, store.ErrConflict
		}
	}
	return nil, errors.New("could not allocate a user id")
}

// newUserID returns a stable user id in EU Login's style: "n" and ten
// lower-case letters and digits (about 50 random bits).
func newUserID() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
	b := make([]byte, 10)
	rand.Read(b)
	out := []byte{'n'}
	for _, c := range b {
		out = append(out, alphabet[int(c)%len(alphabet)])
	}
	return string(out)
}

// Link purposes.
const (
	purposeRegister = "register"
	purposeReset    = "reset"
	purposeEmail    = "email"
)

// sendLink creates a password link for u (killing the earlier ones) and
// e-mails it.
func (s *Server) sendLink(r *http.Request, u *store.User, purpose string) error {
	token, hash := session.NewToken()
	now := s.now()
	if err := s.db.PutEmailToken(r.Context(), &store.EmailToken{
		Hash: hash, UserID: u.ID, Purpose: purpose, CreatedAt: now, ExpiresAt: now.Add(s.cfg.LinkTTL),
	}); err != nil {
		return err
	}
	kind := notify.Register
	if purpose == purposeReset {
		kind = notify.Reset
	}
	return s.sendMail(r.Context(), recipient(u), kind, map[string]any{"link": s.link("/password/new/" + token), "hours": s.linkHours()})
}

// linkHours is the validity of e-mailed links in whole hours (at least 1).
func (s *Server) linkHours() string {
	return strconv.Itoa(max(1, int(s.cfg.LinkTTL.Round(time.Hour)/time.Hour)))
}

// mailFailed is the failure of a request whose e-mail could not be sent: the
// user is told to try again later. Known and unknown addresses both send an
// e-mail, so this answer reveals nothing about the account.
func mailFailed(err error) error {
	if errors.Is(err, errSend) {
		return errMailNotSent
	}
	return err
}
