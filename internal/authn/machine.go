package authn

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"eulogin/internal/audit"
	"eulogin/internal/notify"
	"eulogin/internal/regulation"
	"eulogin/internal/store"
)

// Step names where a flow goes next: the identification, the choice of
// method, or the step of a factor (its id: "PASSWORD", "SMS", "APP_PIN",
// "APP_QR"). The HTTP layer maps each to its page.
type Step string

// The steps that are not a factor's.
const (
	StepIdentify Step = "identify" // the e-mail address (a new flow)
	StepMethod   Step = "method"   // the choice of verification method
	StepDone     Step = "done"     // the login is over: Outcome.Grant holds the session to start
)

// A Factor checks one kind of secret of an account. A new factor is a type
// implementing it (in a package of its own) and a Register call.
type Factor interface {
	// ID is the factor's step, equal to the id of the method it ends
	// (MethodPassword, MethodSMS...).
	ID() Step
	// Field is the form field of the secret the user types, "" for a
	// factor with nothing typed (a push approved on a phone): only typed
	// secrets are throttled by the login limits. EmptyKey is the message
	// of the secret left empty.
	Field() string
	EmptyKey() string
	// Strength is the strength of a login that passes the password and
	// then this factor (the password alone for the password).
	Strength() Strength
	// Enrolled reports whether the account userID can use the factor,
	// not counting the credential except ("" none: a device whose PIN is
	// being reset cannot vouch for its own reset).
	Enrolled(ctx context.Context, userID, except string) (bool, error)
	// Check checks a secret. An error is unexpected (the database); a
	// wrong or spent secret is a Result.
	Check(ctx context.Context, c Check) (Result, error)
}

// Check is one check of a factor's secret.
type Check struct {
	Flow   *Flow       // the flow; a factor may update its fields of it
	FlowID string      // the flow's id (its hash), which binds challenges to a browser
	User   *store.User // nil for an unknown address
	Client Client
	Secret string
}

// Verdict is what a check found.
type Verdict int

// The verdicts.
const (
	// Right: the secret is right.
	Right Verdict = iota
	// Wrong: the secret is wrong. It counts against the login limits.
	Wrong
	// Void: nothing was checked (the challenge expired, was used, or is
	// gone). The attempt is taken back.
	Void
	// Refused: the owner refused the login (a push denied in the app).
	// The flow ends.
	Refused
)

// Result is the result of a Check.
type Result struct {
	Verdict Verdict
	Failure *Failure   // what to tell the user, nil when Back says it all
	Back    Step       // with no Failure: the step to go back to (the challenge is gone)
	Event   audit.Kind // the event to record for a verdict other than Right ("" none)
	Detail  string
	// Notice is e-mailed to the owner (a refused push, a recovery code
	// spent).
	Notice *Notice
}

// Notice is an e-mail to the owner of the account.
type Notice struct {
	Kind notify.Kind
	Vars map[string]any
}

// Code classifies a Failure for the HTTP layer's status.
type Code int

// The failure codes.
const (
	Invalid     Code = iota + 1 // the input is malformed or missing (400)
	WrongSecret                 // a wrong secret (401)
	Locked                      // a limit holds until Until (429)
	Gone                        // the challenge expired or was used (410)
	Denied                      // the owner refused the login (403)
	Unusable                    // the account has no such factor (409)
	Pending                     // not answered yet (200)
)

// Failure is a user-safe error: a message key and its arguments, shown on
// a form field.
type Failure struct {
	Code  Code
	Field string
	Key   string
	Args  []any     // the message's placeholders, name then value
	Until time.Time // Locked: when the lock ends (the "time" placeholder)
}

func (f *Failure) Error() string { return fmt.Sprintf("authn: %s (%d)", f.Key, f.Code) }

// Grant is a finished login: the session to start.
type Grant struct {
	UserID   string
	Strength Strength
	Factors  string     // as the CAS attribute carries them ("PASSWORD,SMS")
	Event    audit.Kind // LoginSuccess, StepUpSuccess or ReauthSuccess (recorded by the machine)
	Reauth   bool       // a re-authentication: it allows one change of the account's second factors
}

// Outcome is where an input leads.
type Outcome struct {
	Next    Step
	Failure *Failure // the input was refused: show it on Next's page
	Grant   *Grant   // Next is StepDone
	End     bool     // the flow is over (done, or refused by the owner)
}

// Client is the browser an input comes from.
type Client struct {
	IP        string
	UserAgent string
	// Browser is the hash of the browser's known-browser cookie, "" when
	// it has none. A browser where the account completed a login before
	// has a lockout of its own (docs/adr/0012-known-browsers.md).
	Browser string
}

func (c Client) request() audit.Request { return audit.Request{IP: c.IP, UserAgent: c.UserAgent} }

// Accounts is what the machine reads of accounts.
type Accounts interface {
	UserByEmail(ctx context.Context, email string) (*store.User, error)
	UserByID(ctx context.Context, id string) (*store.User, error)
	KnownBrowserUser(ctx context.Context, hash string) (string, error)
}

// Mailer sends the security e-mails of a login (a lockout, a refused push).
type Mailer interface {
	Send(ctx context.Context, to notify.Recipient, kind notify.Kind, vars map[string]any) error
}

// Machine is the login state machine: a flow and an input give an outcome.
// It owns the order every check of a secret follows: the attempt is
// recorded against the login limits before the secret is checked, a wrong
// secret is audited and may lock the account (audited and e-mailed), a
// right one forgets the account's failures. It knows no HTTP.
type Machine struct {
	Accounts  Accounts
	Regulator *regulation.Regulator
	Audit     *audit.Log
	Mailer    Mailer
	Now       func() time.Time // nil: time.Now

	factors []Factor
}

// Register adds factors. The order of second factors is the order of
// preference when the machine picks one (an account that always requires
// multi-factor authentication, a re-authentication).
func (m *Machine) Register(fs ...Factor) { m.factors = append(m.factors, fs...) }

// Factor returns the registered factor id.
func (m *Machine) Factor(id Step) (Factor, bool) {
	i := slices.IndexFunc(m.factors, func(f Factor) bool { return f.ID() == id })
	if i < 0 {
		return nil, false
	}
	return m.factors[i], true
}

func (m *Machine) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

// Identify starts a flow for the address email (already validated), to go
// on to target's Next or application. Known and unknown addresses go on
// alike: only UserID differs, and nothing shows it.
func (m *Machine) Identify(ctx context.Context, email string, target Flow) (*Flow, error) {
	f := target
	f.Email, f.UserID, f.Started = email, "", m.now()
	u, err := m.Accounts.UserByEmail(ctx, email)
	switch {
	case err == nil:
		f.UserID = u.ID
	case !errors.Is(err, store.ErrNotFound):
		return nil, err
	}
	return &f, nil
}

// Choose takes the verification method id of flow f: the password step
// comes next. The state of an earlier choice is forgotten.
func (m *Machine) Choose(f *Flow, id string) Outcome {
	if _, ok := MethodByID(id); !ok {
		return Outcome{Next: StepMethod, Failure: &Failure{Code: Invalid, Field: "method-" + Methods[0].ID, Key: "login_method.choose"}}
	}
	f.Method = id
	f.PasswordOK, f.PhoneID = false, ""
	f.AppRequestID, f.AppQRID, f.AppQRURI, f.AppDeviceID = "", "", "", ""
	return Outcome{Next: MethodPassword}
}

// Expects reports which step flow f is at for factor id: "" when id may be
// checked now, else the step to go to instead. The password comes after a
// method is chosen; a second factor after the password (or in a step-up or
// a re-authentication, of a signed-in session the caller has checked).
func (m *Machine) Expects(f *Flow, id Step) Step {
	switch {
	case id == MethodPassword && f.StepUp:
		return StepMethod
	case id == MethodPassword && f.Method == "":
		return StepMethod
	case id == MethodPassword:
		return ""
	case f.StepUp:
		return ""
	case !f.PasswordOK || f.UserID == "":
		return StepMethod
	}
	return ""
}

// subjects are what one check of a secret of the account of f counts
// against: the account, or the account in this browser when the browser is
// known for it, and the client address.
func (m *Machine) subjects(ctx context.Context, f *Flow, c Client) []regulation.Subject {
	account := regulation.Subject{Limit: regulation.LoginAccount, Of: f.Email}
	if m.knownBrowser(ctx, c, f.UserID) {
		// Ends with the account id, so that deleting the account deletes it.
		account = regulation.Subject{Limit: regulation.LoginBrowser, Of: c.Browser + ":" + f.UserID}
	}
	return []regulation.Subject{account, {Limit: regulation.LoginClient, Of: c.IP}}
}

// knownBrowser reports whether c's browser completed a login of userID.
func (m *Machine) knownBrowser(ctx context.Context, c Client, userID string) bool {
	if c.Browser == "" || userID == "" {
		return false
	}
	id, err := m.Accounts.KnownBrowserUser(ctx, c.Browser)
	return err == nil && id == userID
}

// KnownBrowser reports whether c's browser completed a login of userID
// before (the HTTP layer refreshes or sets its cookie after a login).
func (m *Machine) KnownBrowser(ctx context.Context, c Client, userID string) bool {
	return m.knownBrowser(ctx, c, userID)
}

// locked is the failure of a locked account or client, audited.
func (m *Machine) locked(ctx context.Context, f *Flow, c Client, field string, until time.Time) *Failure {
	m.Audit.Record(ctx, c.request(), f.UserID, audit.LoginRefusedLocked, "")
	return &Failure{Code: Locked, Field: field, Key: "login.locked", Until: until}
}

// Blocked reports, recording nothing, whether the account of f or c's
// address is locked now, as the failure to show on field (audited); nil
// when not. The steps that would send a code ask it first.
func (m *Machine) Blocked(ctx context.Context, f *Flow, c Client, field string) (*Failure, error) {
	_, until, err := m.Regulator.Blocked(ctx, m.subjects(ctx, f, c)...)
	if err != nil || until.IsZero() {
		return nil, err
	}
	return m.locked(ctx, f, c, field, until), nil
}

// Submit checks the secret of factor id for flow f (whose id is flowID).
// It records the attempt before the secret is checked, so that parallel
// guesses cannot pass the limits; see the type's comment for the rest.
func (m *Machine) Submit(ctx context.Context, f *Flow, flowID string, c Client, id Step, secret string) (Outcome, error) {
	factor, ok := m.Factor(id)
	if !ok {
		return Outcome{}, fmt.Errorf("authn: no factor %q", id)
	}
	if back := m.Expects(f, id); back != "" {
		return Outcome{Next: back}, nil
	}
	var u *store.User
	if f.UserID != "" {
		var err error
		u, err = m.Accounts.UserByID(ctx, f.UserID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return Outcome{}, err
		}
		if u != nil && u.Email != f.Email {
			u = nil // the address changed since the flow began
		}
	}
	check := Check{Flow: f, FlowID: flowID, User: u, Client: c, Secret: secret}
	if factor.Field() == "" {
		res, err := factor.Check(ctx, check)
		if err != nil {
			return Outcome{}, err
		}
		if res.Verdict != Right {
			m.record(ctx, f, c, res)
		}
		return m.after(ctx, f, c, factor, u, res), nil
	}
	if secret == "" {
		if fl, err := m.Blocked(ctx, f, c, factor.Field()); err != nil || fl != nil {
			return Outcome{Next: id, Failure: fl}, err
		}
		return Outcome{Next: id, Failure: &Failure{Code: Invalid, Field: factor.Field(), Key: factor.EmptyKey()}}, nil
	}
	// A right password that leads to a second factor does not complete
	// the login: it must not forget the account's failures, or a guesser
	// of codes who knows the password would reset the count with it.
	final := func() bool { return id != MethodPassword || m.secondStep(ctx, f, u) == "" }
	res, lock, err := m.guarded(ctx, factor, check, "", final)
	if err != nil {
		return Outcome{}, err
	}
	if lock != nil {
		return Outcome{Next: id, Failure: lock}, nil
	}
	return m.after(ctx, f, c, factor, u, res), nil
}

// guarded runs one check of a typed secret as an attempt of the login
// limits: recorded before the secret is checked; a wrong secret audited
// (as event, or the factor's event when "") and, when it locks the
// account (in this browser), the lockout audited and e-mailed; a right one
// forgets the account's failures when it completes a login (final), else
// is only taken back; a void one is taken back. lock is the failure of a
// lock that refused the attempt or that this one caused.
func (m *Machine) guarded(ctx context.Context, factor Factor, c Check, event audit.Kind, final func() bool) (res Result, lock *Failure, err error) {
	f, field := c.Flow, factor.Field()
	d, err := m.Regulator.Attempt(ctx, m.subjects(ctx, f, c.Client)...)
	if err != nil {
		return Result{}, nil, err
	}
	if !d.Allowed {
		return Result{}, m.locked(ctx, f, c.Client, field, d.Until), nil
	}
	res, err = factor.Check(ctx, c)
	if err != nil {
		m.Regulator.Cancel(context.WithoutCancel(ctx), d)
		return Result{}, nil, err
	}
	if event != "" && res.Verdict == Wrong {
		res.Event = event
	}
	switch res.Verdict {
	case Right:
		if !final() {
			m.Regulator.Cancel(ctx, d)
			return res, nil, nil
		}
		return res, nil, m.Regulator.Succeeded(ctx, d)
	case Wrong:
		m.record(ctx, f, c.Client, res)
		if d.Fills(regulation.LoginAccount) || d.Fills(regulation.LoginBrowser) {
			m.Audit.Record(ctx, c.Client.request(), f.UserID, audit.AccountLocked, "")
			if c.User != nil {
				m.mail(ctx, c.User, notify.Lockout, map[string]any{"time": d.FilledUntil})
			}
			return res, &Failure{Code: Locked, Field: field, Key: "login.locked", Until: d.FilledUntil}, nil
		}
	default:
		m.Regulator.Cancel(ctx, d)
		m.record(ctx, f, c.Client, res)
	}
	return res, nil, nil
}

// record audits a result other than Right.
func (m *Machine) record(ctx context.Context, f *Flow, c Client, res Result) {
	if res.Event != "" {
		m.Audit.Record(ctx, c.request(), f.UserID, res.Event, res.Detail)
	}
}

func (m *Machine) mail(ctx context.Context, u *store.User, kind notify.Kind, vars map[string]any) {
	to := notify.Recipient{Email: u.Email, Name: u.FirstName + " " + u.LastName, Lang: u.EmailLang}
	// A failure is logged by the mailer; the login goes on.
	_ = m.Mailer.Send(ctx, to, kind, vars)
}

// after turns a checked result into the outcome.
func (m *Machine) after(ctx context.Context, f *Flow, c Client, factor Factor, u *store.User, res Result) Outcome {
	id := factor.ID()
	if res.Notice != nil && u != nil {
		m.mail(ctx, u, res.Notice.Kind, res.Notice.Vars)
	}
	if res.Verdict != Right {
		if res.Failure == nil {
			return Outcome{Next: res.Back}
		}
		return Outcome{Next: id, Failure: res.Failure, End: res.Verdict == Refused}
	}
	if id == MethodPassword {
		if next := m.secondStep(ctx, f, u); next != "" {
			// Only now may the pages show the account's numbers (masked)
			// or devices.
			f.PasswordOK = true
			return Outcome{Next: next}
		}
	}
	g := &Grant{UserID: f.UserID, Strength: factor.Strength(), Event: audit.LoginSuccess}
	g.Factors = Factors(g.Strength)
	switch {
	case f.Reauth:
		g.Event, g.Reauth = audit.ReauthSuccess, true
	case f.StepUp:
		g.Event = audit.StepUpSuccess
	}
	m.Audit.Record(ctx, c.request(), f.UserID, g.Event, string(g.Strength))
	return Outcome{Next: StepDone, Grant: g, End: true}
}

// secondStep returns the second-factor step that follows a right password
// of flow f, or "" when the password is enough: the chosen method's, or,
// for an account that always requires multi-factor authentication, the
// first factor it has (the SMS step when it has none: the page says so).
func (m *Machine) secondStep(ctx context.Context, f *Flow, u *store.User) Step {
	if f.Method != MethodPassword && f.Method != "" {
		return Step(f.Method)
	}
	if !u.RequireMFA {
		return ""
	}
	if step, err := m.pick(ctx, u.ID, "", nil); err == nil && step != "" {
		return step
	}
	return MethodSMS
}

// pick returns the first second factor the account userID has (not
// counting the credential except) and accept takes (nil: any), trying the
// factors first, then the others in the order of registration; "" when
// none.
func (m *Machine) pick(ctx context.Context, userID, except string, accept func(Strength) bool, first ...Step) (Step, error) {
	order := slices.Clone(m.factors)
	slices.SortStableFunc(order, func(a, b Factor) int {
		return rank(first, a.ID()) - rank(first, b.ID())
	})
	for _, f := range order {
		if !second(f) || accept != nil && !accept(f.Strength()) {
			continue
		}
		ok, err := f.Enrolled(ctx, userID, except)
		if err != nil {
			return "", err
		}
		if ok {
			return f.ID(), nil
		}
	}
	return "", nil
}

// rank is the place of id in first, len(first) when absent.
func rank(first []Step, id Step) int {
	if i := slices.Index(first, id); i >= 0 {
		return i
	}
	return len(first)
}

// second reports whether f is a second factor the machine may pick. The
// offline QR code uses the same devices as the push: the push is picked,
// and its page links to the QR code.
func second(f Factor) bool { return f.ID() != MethodPassword && f.ID() != MethodAppQR }

// StepUp is a signed-in session (sessionHash of u) whose strength an
// application (target) does not accept: accept tells which strengths it
// does. It returns the flow that asks only the missing second factor, the
// first the account has among those accepted, the mobile app first (EU
// Login's advice). When the account has none,
// the flow is nil and Addable lists the factors it could add; when no
// second factor would do, both are empty.
func (m *Machine) StepUp(ctx context.Context, u *store.User, sessionHash string, target Flow, accept func(Strength) bool) (f *Flow, addable []Step, err error) {
	step, err := m.pick(ctx, u.ID, "", accept, MethodAppPIN)
	if err != nil {
		return nil, nil, err
	}
	if step == "" {
		for _, fa := range m.factors {
			if second(fa) && accept(fa.Strength()) {
				addable = append(addable, fa.ID())
			}
		}
		return nil, addable, nil
	}
	f = &target
	f.Email, f.UserID, f.Started = u.Email, u.ID, m.now()
	f.StepUp, f.SessionHash, f.Method = true, sessionHash, string(step)
	return f, nil, nil
}

// SecondFactor returns the step of the second factor the account userID
// would be asked for (the first registered it has, not counting the
// credential except), or "" when it has none.
func (m *Machine) SecondFactor(ctx context.Context, userID, except string) (Step, error) {
	return m.pick(ctx, userID, except, nil)
}

// Reauth returns the flow that asks a signed-in user (u, session
// sessionHash) for the second factor st before a change of the account's
// second factors, then goes to next.
func (m *Machine) Reauth(u *store.User, sessionHash, next string, st Step) *Flow {
	return &Flow{
		Email: u.Email, UserID: u.ID, Next: next, Started: m.now(),
		StepUp: true, Reauth: true, SessionHash: sessionHash, Method: string(st),
	}
}

// CheckPassword checks the current password of a signed-in user u before a
// change in My Account, as one guarded attempt of the login limits; field
// is the form field of the password. It returns nil when it is right.
func (m *Machine) CheckPassword(ctx context.Context, u *store.User, c Client, field, secret string) (*Failure, error) {
	factor, ok := m.Factor(MethodPassword)
	if !ok {
		return nil, errors.New("authn: no password factor")
	}
	if secret == "" {
		return &Failure{Code: Invalid, Field: field, Key: "password.current_empty"}, nil
	}
	f := &Flow{Email: u.Email, UserID: u.ID}
	// Not a login: a right password does not forget the failures.
	res, lock, err := m.guarded(ctx, factor, Check{Flow: f, User: u, Client: c, Secret: secret}, audit.PasswordCheckFail, func() bool { return false })
	switch {
	case err != nil:
		return nil, err
	case lock != nil:
		lock.Field = field
		return lock, nil
	case res.Verdict != Right:
		return &Failure{Code: WrongSecret, Field: field, Key: "password.current_wrong"}, nil
	}
	return nil, nil
}

// ForgetFailures clears the failed logins of the account email: its owner
// just proved it by other means (a password reset by e-mail).
func (m *Machine) ForgetFailures(ctx context.Context, email string) error {
	return m.Regulator.Clear(ctx, regulation.Subject{Limit: regulation.LoginAccount, Of: email})
}
