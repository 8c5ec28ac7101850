// Package config holds the settings of eulogin: one Config struct with
// defaults, filled from command-line flags and EULOGIN_* environment
// variables (a flag wins over the variable), and checked by Validate.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	netmail "net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	smsauth "eulogin/internal/authn/sms"
	"eulogin/internal/mail"
	"eulogin/internal/regulation"
	"eulogin/internal/sms"
)

// Config is every setting of the eulogin servers.
type Config struct {
	// Identity provider.
	Listen  string // address the IdP listens on
	BaseURL string // public URL of the IdP, as users and applications reach it

	// ECI organiser portal: a separate relying party of the IdP.
	ECIListen          string
	ECIBaseURL         string
	ECIDatabase        string // the portal's own database: SQLite path or postgres:// URL
	ECIIdPURL          string // base URL of the IdP as the portal reaches it (default: --base-url)
	ECIAcceptStrengths string // strengths the portal accepts (acceptStrengths); default depends on mode
	ECIReviewers       string // comma-separated e-mail addresses given the Commission reviewer role
	ECIInvitationTTL   time.Duration

	Database string // SQLite path or postgres:// URL
	Dev      string // "auto", "true" or "false"

	SMTP mail.SMTPConfig

	// SMS: the gateway codes are sent through, the countries whose numbers
	// are accepted, and the caps against SMS pumping (see docs/sms.md).
	SMS          sms.Config
	SMSCountries string       // comma-separated ISO 3166-1 alpha-2 codes; empty accepts every country
	SMSCaps      smsauth.Caps // a negative cap is switched off

	// AppSecret is the master secret of the EU Login Mobile App: it
	// encrypts the devices' offline OTP secrets and authenticates the API's
	// nonces (at least 32 bytes). Empty in development mode: one is
	// generated and kept in the database.
	AppSecret string

	// TLSCert and TLSKey, PEM files, make both servers speak HTTPS
	// themselves (a phone trying the installable app needs HTTPS; in
	// production a reverse proxy usually terminates TLS instead).
	TLSCert, TLSKey string

	// Web Push to the installable app (docs/mobile-app-web.md): the push
	// services the server posts to (comma-separated hosts, "*.domain"
	// patterns; "off" disables push), and the contact given to them.
	PushHosts   string
	PushSubject string // "mailto:…" or "https://…"; empty: mailto: the --smtp-from address

	Services     string        // JSON file of CAS services registered (upserted) at start
	CASTicketTTL time.Duration // lifetime of CAS service and proxy tickets

	LinkTTL        time.Duration // e-mailed password links
	SessionIdle    time.Duration // SSO session idle timeout
	SessionMax     time.Duration // SSO session absolute lifetime
	BotDifficulty  int           // proof-of-work bits on the registration form; 0 = question only
	BotCheck       bool          // false switches the bot check off (tests only)
	HashWorkers    int           // password hashes computed at once
	HashQueue      int           // password hashes waiting at most
	LoginFailures  int           // failed logins per account in LoginWindow before a lockout
	LoginWindow    time.Duration
	IPFailures     int    // failed logins per client address in LoginWindow
	MailPerAddress int    // e-mails (registration, reset) per address per hour
	MailPerIP      int    // such e-mails per client address per hour
	TrustedProxies string // comma-separated CIDRs whose X-Forwarded-For/-Proto are believed
	LogLevel       string
	LogFormat      string // "text" or "json"
}

// MinAppSecretLen is the shortest --app-secret accepted.
const MinAppSecretLen = 32

// Default returns the settings for a developer's machine.
func Default() Config {
	return Config{
		Listen:         "localhost:8080",
		BaseURL:        "http://localhost:8080",
		ECIListen:      "127.0.0.1:8081",
		ECIBaseURL:     "http://127.0.0.1:8081",
		ECIDatabase:    "./var/eci.db",
		Database:       "./var/eulogin.db",
		Dev:            "auto",
		SMTP:           mail.SMTPConfig{TLS: mail.TLSStartTLS, From: "EU Login <no-reply@localhost>"},
		PushHosts:      "fcm.googleapis.com,updates.push.services.mozilla.com,*.push.apple.com,*.notify.windows.com",
		SMS:            sms.Config{Provider: sms.ProviderOutbox},
		SMSCountries:   strings.Join(smsauth.DefaultRegions(), ","),
		SMSCaps:        smsauth.DefaultCaps(),
		CASTicketTTL:   10 * time.Second,
		LinkTTL:        24 * time.Hour,
		SessionIdle:    30 * time.Minute,
		SessionMax:     12 * time.Hour,
		BotDifficulty:  16,
		BotCheck:       true,
		HashWorkers:    2,
		HashQueue:      64,
		LoginFailures:  5,
		LoginWindow:    15 * time.Minute,
		IPFailures:     50,
		MailPerAddress: 5,
		MailPerIP:      30,
		LogLevel:       "info",
		LogFormat:      "text",
	}
}

// IsDev reports whether development mode is on: the dev outbox is served
// and mail may go there. "auto" means on exactly when the IdP's base URL is a
// loopback address, so a deployment on a real host name cannot expose the
// outbox by forgetting a flag.
func (c Config) IsDev() bool {
	switch c.Dev {
	case "true":
		return true
	case "false":
		return false
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// IdPURLForECI returns the IdP base URL the portal uses.
func (c Config) IdPURLForECI() string {
	if c.ECIIdPURL != "" {
		return c.ECIIdPURL
	}
	return c.BaseURL
}

// StrongStrengths are the strengths with a second factor, which the ECI
// portal requires in production.
const StrongStrengths = "PASSWORD_SMS,PASSWORD_MOBILE_APP,MOBILE_APP,PASSWORD_SOFTWARE_TOKEN,PASSWORD_WEBAUTHN"

// ECIStrengths returns the strengths the portal accepts: the setting, or the
// second-factor strengths, plus PASSWORD in development mode (so the portal
// can be used before a second factor exists; the portal says so on its page).
func (c Config) ECIStrengths() string {
	if c.ECIAcceptStrengths != "" {
		return c.ECIAcceptStrengths
	}
	if c.IsDev() {
		return "PASSWORD," + StrongStrengths
	}
	return StrongStrengths
}

// SMTPEnabled reports whether an SMTP server is configured.
func (c Config) SMTPEnabled() bool { return c.SMTP.Host != "" }

// Validate checks the settings and says what to fix.
func (c Config) Validate() error {
	var errs []error
	for name, v := range map[string]string{"base-url": c.BaseURL, "eci-base-url": c.ECIBaseURL} {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			errs = append(errs, fmt.Errorf("--%s must be an absolute http(s) URL without a path, got %q", name, v))
		}
	}
	if c.Dev != "auto" && c.Dev != "true" && c.Dev != "false" {
		errs = append(errs, fmt.Errorf("--dev must be auto, true or false, got %q", c.Dev))
	}
	if !c.IsDev() {
		if !strings.HasPrefix(c.BaseURL, "https://") {
			errs = append(errs, errors.New("outside development mode --base-url must use https"))
		}
		if !c.SMTPEnabled() {
			errs = append(errs, errors.New("outside development mode an SMTP server is required (--smtp-host)"))
		}
	}
	if c.SMTPEnabled() {
		if err := c.SMTP.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	if err := c.SMS.Validate(); err != nil {
		errs = append(errs, err)
	}
	if c.SMS.Provider == sms.ProviderOutbox && !c.IsDev() {
		errs = append(errs, errors.New("outside development mode SMS need a gateway: --sms-provider http or twilio (the outbox only keeps them)"))
	}
	if _, err := c.SMSRegions(); err != nil {
		errs = append(errs, err)
	}
	switch {
	case c.AppSecret == "" && !c.IsDev():
		errs = append(errs, errors.New("outside development mode --app-secret or --app-secret-file is required: at least 32 random bytes"))
	case c.AppSecret != "" && len(c.AppSecret) < MinAppSecretLen:
		errs = append(errs, fmt.Errorf("--app-secret must have at least %d bytes", MinAppSecretLen))
	}
	if _, err := c.PushSubjectURI(); err != nil {
		errs = append(errs, err)
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, errors.New("--tls-cert and --tls-key go together"))
	}
	if c.ECIDatabase == "" {
		errs = append(errs, errors.New("--eci-database must not be empty"))
	}
	if c.ECIIdPURL != "" {
		if u, err := url.Parse(c.ECIIdPURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("--eci-idp-url must be an absolute http(s) URL, got %q", c.ECIIdPURL))
		}
	}
	if c.Database == "" {
		errs = append(errs, errors.New("--database must not be empty"))
	}
	if c.CASTicketTTL < time.Second || c.CASTicketTTL > 5*time.Minute {
		errs = append(errs, errors.New("--cas-ticket-ttl must be between 1s and 5m"))
	}
	if c.LinkTTL < time.Minute {
		errs = append(errs, errors.New("--link-ttl must be at least 1m"))
	}
	if c.SessionIdle < time.Minute || c.SessionMax < c.SessionIdle {
		errs = append(errs, errors.New("--session-idle must be at least 1m and --session-max at least --session-idle"))
	}
	if c.BotDifficulty < 0 || c.BotDifficulty > 24 {
		errs = append(errs, errors.New("--bot-difficulty must be between 0 and 24"))
	}
	if c.HashWorkers < 1 || c.HashQueue < 0 {
		errs = append(errs, errors.New("--hash-workers must be at least 1 and --hash-queue at least 0"))
	}
	if c.LoginFailures < 1 || c.LoginFailures > 100 || c.IPFailures < 1 || c.LoginWindow < time.Minute {
		errs = append(errs, errors.New("--login-failures must be 1..100, --ip-failures at least 1, --login-window at least 1m"))
	}
	if c.MailPerAddress < 1 || c.MailPerIP < 1 {
		errs = append(errs, errors.New("--mail-per-address and --mail-per-ip must be at least 1"))
	}
	if _, err := c.Proxies(); err != nil {
		errs = append(errs, err)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("--log-level must be debug, info, warn or error, got %q", c.LogLevel))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("--log-format must be text or json, got %q", c.LogFormat))
	}
	return errors.Join(errs...)
}

// PushHostList returns the allowed push service hosts, or nil when Web Push
// is off.
func (c Config) PushHostList() []string {
	if strings.TrimSpace(c.PushHosts) == "off" {
		return nil
	}
	var out []string
	for _, h := range strings.Split(c.PushHosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			out = append(out, h)
		}
	}
	return out
}

// PushSubjectURI is the contact given to push services: PushSubject, or
// mailto: the address of the e-mails' sender.
func (c Config) PushSubjectURI() (string, error) {
	if c.PushSubject != "" {
		if !strings.HasPrefix(c.PushSubject, "mailto:") && !strings.HasPrefix(c.PushSubject, "https://") {
			return "", fmt.Errorf("--push-subject must be a mailto: or https: URI, got %q", c.PushSubject)
		}
		return c.PushSubject, nil
	}
	a, err := netmail.ParseAddress(c.SMTP.From)
	if err != nil {
		return "", fmt.Errorf("--push-subject is empty and --smtp-from %q has no address: %v", c.SMTP.From, err)
	}
	return "mailto:" + a.Address, nil
}

// SMSRegions parses SMSCountries into upper-case region codes. An empty
// list accepts numbers of every country.
func (c Config) SMSRegions() ([]string, error) {
	var out []string
	for _, s := range strings.Split(c.SMSCountries, ",") {
		s = strings.ToUpper(strings.TrimSpace(s))
		if s == "" {
			continue
		}
		if len(s) != 2 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z' {
			return nil, fmt.Errorf("--sms-countries: %q is not a two-letter country code", s)
		}
		out = append(out, s)
	}
	return out, nil
}

// Proxies parses TrustedProxies.
func (c Config) Proxies() ([]*net.IPNet, error) {
	var out []*net.IPNet
	for _, s := range strings.Split(c.TrustedProxies, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		_, n, err := net.ParseCIDR(s)
		if err != nil {
			return nil, fmt.Errorf("--trusted-proxies: %q is not a CIDR", s)
		}
		out = append(out, n)
	}
	return out, nil
}

// FlagSet returns the flags of "eulogin serve", bound to c. Each flag's
// environment variable is EULOGIN_ followed by its name in upper case with
// '-' as '_'; ApplyEnv reads them. Each secret setting also has a --NAME-file
// flag (SecretVar), which ApplyEnv reads too.
func (c *Config) FlagSet(name string, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&c.Listen, "listen", c.Listen, "address the identity provider listens on")
	fs.StringVar(&c.BaseURL, "base-url", c.BaseURL, "public URL of the identity provider (https outside development mode)")
	fs.StringVar(&c.ECIListen, "eci-listen", c.ECIListen, "address the ECI organiser portal listens on")
	fs.StringVar(&c.ECIBaseURL, "eci-base-url", c.ECIBaseURL, "public URL of the ECI organiser portal")
	SecretVar(fs, &c.ECIDatabase, "eci-database", "the portal's own database: SQLite file path, or a postgres:// URL (use its own database or search_path schema)")
	fs.StringVar(&c.ECIIdPURL, "eci-idp-url", c.ECIIdPURL, "base URL of EU Login as the portal reaches it (default: --base-url)")
	fs.StringVar(&c.ECIReviewers, "eci-reviewers", c.ECIReviewers, "comma-separated e-mail addresses of the Commission reviewers of the ECI portal (also: eulogin eci reviewer add)")
	fs.DurationVar(&c.ECIInvitationTTL, "eci-invitation-ttl", c.ECIInvitationTTL, "how long an invitation to a group of organisers stays valid (0: 14 days)")
	fs.StringVar(&c.ECIAcceptStrengths, "eci-accept-strengths", c.ECIAcceptStrengths, "comma-separated strengths the portal accepts (default: the second-factor strengths; in development mode PASSWORD too)")
	SecretVar(fs, &c.Database, "database", "SQLite file path, or a postgres:// URL for PostgreSQL")
	fs.StringVar(&c.Dev, "dev", c.Dev, "development mode (dev outbox at /dev/outbox): auto (on for a loopback base URL), true or false")
	fs.StringVar(&c.SMTP.Host, "smtp-host", c.SMTP.Host, "SMTP server host; empty sends mail to the dev outbox (development mode only)")
	fs.IntVar(&c.SMTP.Port, "smtp-port", c.SMTP.Port, "SMTP server port (default 587 for starttls, 465 for tls, 25 for none)")
	fs.Func("smtp-tls", "SMTP transport security: starttls, tls (implicit) or none (default starttls)", func(s string) error {
		c.SMTP.TLS = mail.TLSMode(s)
		return nil
	})
	fs.StringVar(&c.SMTP.Username, "smtp-username", c.SMTP.Username, "SMTP user name (empty: no authentication)")
	SecretVar(fs, &c.SMTP.Password, "smtp-password", "SMTP password")
	fs.StringVar(&c.SMTP.From, "smtp-from", c.SMTP.From, "sender of the e-mails, \"Name <address>\"")
	fs.StringVar(&c.SMS.Provider, "sms-provider", c.SMS.Provider, "where SMS codes go: outbox (the dev outbox, development mode only), http (a generic gateway) or twilio; see docs/sms.md")
	fs.StringVar(&c.SMS.URL, "sms-url", c.SMS.URL, "http: the gateway's URL; twilio: an optional base URL (regional edge); https, or http to a loopback address")
	SecretVar(fs, &c.SMS.Headers, "sms-headers", "http: extra request headers, \"Name: value; Name2: value\" (an Authorization header is a secret)")
	SecretVar(fs, &c.SMS.Secret, "sms-secret", "http: HMAC-SHA256 key signing each request, at least 32 bytes")
	fs.StringVar(&c.SMS.TwilioSID, "twilio-sid", c.SMS.TwilioSID, "twilio: account SID (AC...)")
	SecretVar(fs, &c.SMS.TwilioToken, "twilio-token", "twilio: auth token")
	fs.StringVar(&c.SMS.TwilioFrom, "twilio-from", c.SMS.TwilioFrom, "twilio: sender, an E.164 number, an alphanumeric sender id or a Messaging Service SID (MG...)")
	fs.StringVar(&c.SMSCountries, "sms-countries", c.SMSCountries, "comma-separated country codes whose mobile numbers may be registered (empty: every country)")
	fs.IntVar(&c.SMSCaps.PerNumberHour, "sms-per-number-hour", c.SMSCaps.PerNumberHour, "SMS codes to one number per hour (negative: no cap)")
	fs.IntVar(&c.SMSCaps.PerNumberDay, "sms-per-number-day", c.SMSCaps.PerNumberDay, "SMS codes to one number per 24 hours (negative: no cap)")
	fs.IntVar(&c.SMSCaps.PerAccountDay, "sms-per-account-day", c.SMSCaps.PerAccountDay, "SMS codes for one account per 24 hours (negative: no cap)")
	fs.IntVar(&c.SMSCaps.PerIPHour, "sms-per-ip-hour", c.SMSCaps.PerIPHour, "SMS codes requested from one client address per hour (negative: no cap)")
	fs.IntVar(&c.SMSCaps.PerCountryHour, "sms-per-country-hour", c.SMSCaps.PerCountryHour, "SMS codes to the numbers of one country per hour (negative: no cap)")
	SecretVar(fs, &c.AppSecret, "app-secret", "master secret of the EU Login Mobile App, at least 32 random bytes; required outside development mode, where changing it voids the devices' offline QR codes")
	fs.StringVar(&c.TLSCert, "tls-cert", c.TLSCert, "PEM certificate (chain) file: serve HTTPS directly, with --tls-key")
	fs.StringVar(&c.TLSKey, "tls-key", c.TLSKey, "PEM private key file of --tls-cert")
	fs.StringVar(&c.PushHosts, "push-hosts", c.PushHosts, "push services the mobile web app's notifications may go to (comma-separated hosts, *.domain patterns), or \"off\"")
	fs.StringVar(&c.PushSubject, "push-subject", c.PushSubject, "contact given to push services (mailto: or https: URI); empty: mailto: the --smtp-from address")
	fs.StringVar(&c.Services, "services", c.Services, "JSON file listing CAS services (applications) to register at start; see docs/cas.md")
	fs.DurationVar(&c.CASTicketTTL, "cas-ticket-ttl", c.CASTicketTTL, "lifetime of CAS service and proxy tickets (at most 5m)")
	fs.DurationVar(&c.LinkTTL, "link-ttl", c.LinkTTL, "how long an e-mailed password link stays valid")
	fs.DurationVar(&c.SessionIdle, "session-idle", c.SessionIdle, "SSO session idle timeout")
	fs.DurationVar(&c.SessionMax, "session-max", c.SessionMax, "SSO session absolute lifetime")
	fs.IntVar(&c.BotDifficulty, "bot-difficulty", c.BotDifficulty, "proof-of-work bits of the registration bot check (0: the question only)")
	fs.BoolVar(&c.BotCheck, "bot-check", c.BotCheck, "require the bot check on registration (switch off only for tests)")
	fs.IntVar(&c.HashWorkers, "hash-workers", c.HashWorkers, "password hashes computed at once (each takes about 19 MiB)")
	fs.IntVar(&c.HashQueue, "hash-queue", c.HashQueue, "password hashes that may wait; more get 503 Retry-After")
	fs.IntVar(&c.LoginFailures, "login-failures", c.LoginFailures, "failed logins per account within --login-window before it is locked")
	fs.DurationVar(&c.LoginWindow, "login-window", c.LoginWindow, "sliding window of the login throttles")
	fs.IntVar(&c.IPFailures, "ip-failures", c.IPFailures, "failed logins per client address within --login-window")
	fs.IntVar(&c.MailPerAddress, "mail-per-address", c.MailPerAddress, "registration and reset e-mails per address per hour")
	fs.IntVar(&c.MailPerIP, "mail-per-ip", c.MailPerIP, "registration and reset e-mails per client address per hour")
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", c.TrustedProxies, "comma-separated CIDRs of reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are trusted")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "text or json")
	fs.Usage = func() {
		fmt.Fprintf(out, "Usage: eulogin %s [flags]\n\nEvery flag can also be set by an environment variable: EULOGIN_ and the flag name\nin upper case with '-' as '_' (e.g. EULOGIN_SMTP_HOST). A flag wins over its variable.\nA secret setting (a password, a key, a database URL) can instead be read from a\nfile, so it appears in no process listing: --NAME-file PATH (EULOGIN_NAME_FILE).\n\nFlags:\n", name)
		fs.PrintDefaults()
	}
	return fs
}

// EnvName returns the environment variable of a flag.
func EnvName(flagName string) string {
	return "EULOGIN_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// ApplyEnv sets every flag of fs that was not given on the command line from
// its environment variable, when set, then reads the secret files given
// (ReadSecretFiles).
func ApplyEnv(fs *flag.FlagSet, getenv func(string) string) error {
	return applyEnv(fs, getenv, func(string) bool { return true })
}

// ApplyEnvTo is ApplyEnv for the named flags only, for a command whose
// other flags are its own and have no variables.
func ApplyEnvTo(fs *flag.FlagSet, getenv func(string) string, names ...string) error {
	return applyEnv(fs, getenv, func(name string) bool { return slices.Contains(names, name) })
}

func applyEnv(fs *flag.FlagSet, getenv func(string) string, named func(string) bool) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] || !named(f.Name) {
			return
		}
		if v := getenv(EnvName(f.Name)); v != "" {
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", EnvName(f.Name), err))
			}
		}
	})
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	return ReadSecretFiles(fs)
}

// ParseBool is strconv.ParseBool, for callers that read EULOGIN_* switches.
func ParseBool(s string) bool {
	b, _ := strconv.ParseBool(s)
	return b
}

// Policy returns every limit of the service (package regulation) as these
// settings configure them: the one place where limits are set.
func (c Config) Policy() regulation.Policy {
	p := regulation.DefaultPolicy()
	set := func(name regulation.Name, max int, window time.Duration) {
		l := p[name]
		l.Max, l.Window = max, window
		p[name] = l
	}
	set(regulation.LoginAccount, c.LoginFailures, c.LoginWindow)
	set(regulation.LoginBrowser, c.LoginFailures, c.LoginWindow)
	set(regulation.LoginClient, c.IPFailures, c.LoginWindow)
	set(regulation.MailAddress, c.MailPerAddress, time.Hour)
	set(regulation.MailClient, c.MailPerIP, time.Hour)
	return c.SMSCaps.Apply(p)
}
