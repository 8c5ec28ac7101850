// Package app is the eulogin command: it parses the command line and the
// environment, opens the database and runs the servers. cmd/eulogin's main
// only calls Run; tests call Run too.
package app

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"eulogin/internal/authn/mobileapp"
	"eulogin/internal/regulation"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"eulogin/internal/authn/password"
	"eulogin/internal/cas"
	"eulogin/internal/config"
	"eulogin/internal/eci"
	"eulogin/internal/eci/ecistore"
	"eulogin/internal/i18n"
	"eulogin/internal/idp"
	"eulogin/internal/mail"
	"eulogin/internal/notify"
	"eulogin/internal/outbox"
	"eulogin/internal/sms"
	"eulogin/internal/store"
)

const usage = `eulogin: an EU Login-style identity provider and the ECI organiser portal.

Usage:
  eulogin serve [idp|eci] [flags]   start the servers (default: all of them)
  eulogin migrate [flags]           apply database migrations and exit
  eulogin service add|list|remove   manage the applications (CAS services) allowed to use EU Login
  eulogin eci reviewer add|remove|list EMAIL   manage the Commission reviewers of the ECI portal
  eulogin version                   print the version

Run "eulogin serve --help" for every setting.
`

// Run runs the eulogin command with args (without the program name).
// getenv reads the environment. It returns when the command is done or ctx is
// cancelled (the servers then shut down gracefully).
func Run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], getenv, stdout, stderr)
	case "migrate":
		return migrate(ctx, args[1:], getenv, stderr)
	case "service":
		return serviceCommand(ctx, args[1:], getenv, stdout, stderr)
	case "eci":
		return eciCommand(ctx, args[1:], getenv, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "eulogin", Version())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

// Version returns the module version and VCS revision of the build.
func Version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += " " + s.Value[:12]
		}
	}
	return v
}

// parse reads the flags of a command, then the environment.
func parse(name string, args []string, getenv func(string) string, stderr io.Writer) (config.Config, []string, error) {
	cfg := config.Default()
	fs := cfg.FlagSet(name, stderr)
	if err := fs.Parse(args); err != nil {
		return cfg, nil, err
	}
	if err := config.ApplyEnv(fs, getenv); err != nil {
		return cfg, nil, err
	}
	return cfg, fs.Args(), nil
}

func migrate(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	cfg, _, err := parse("migrate", args, getenv, stderr)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, cfg.Database)
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintln(stderr, "identity provider: migrations applied to the", db.Dialect(), "database")
	edb, err := ecistore.Open(ctx, cfg.ECIDatabase)
	if err != nil {
		return err
	}
	defer edb.Close()
	fmt.Fprintln(stderr, "ECI organiser portal: migrations applied to its database")
	return nil
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	// "serve idp" and "serve eci" start one server; "serve" starts both.
	which := "all"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		which, args = args[0], args[1:]
	}
	cfg, rest, err := parse("serve", args, getenv, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("unexpected arguments %q", rest)
	}
	runIdP, runECI := which == "all" || which == "idp", which == "all" || which == "eci"
	if !runIdP && !runECI {
		return fmt.Errorf("unknown server %q: want idp or eci", which)
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	log := newLogger(cfg, stderr)

	var servers []*server
	var wg sync.WaitGroup
	sweepCtx, stopSweep := context.WithCancel(ctx)
	defer func() {
		stopSweep()
		wg.Wait()
	}()
	var idpDB *store.DB
	if runIdP {
		db, err := store.Open(ctx, cfg.Database)
		if err != nil {
			return err
		}
		defer db.Close()
		idpDB = db
		srv, jobs, err := newIdP(ctx, cfg, db, log)
		if err != nil {
			return err
		}
		for _, job := range jobs {
			wg.Go(func() { job(sweepCtx) })
		}
		if runECI && cfg.IsDev() {
			if err := registerPortal(ctx, cfg, db, log); err != nil {
				return err
			}
		}
		servers = append(servers, &server{name: "EU Login identity provider", addr: cfg.Listen, url: cfg.BaseURL, handler: srv})
		wg.Go(func() {
			sweep(sweepCtx, log, "idp", func(now time.Time) (int64, error) { return db.Sweep(sweepCtx, now, 48*time.Hour) })
		})
		wg.Go(func() {
			sweep(sweepCtx, log, "sms", func(now time.Time) (int64, error) { return db.SweepSMS(sweepCtx, now) })
		})
		wg.Go(func() {
			sweep(sweepCtx, log, "mobileapp", func(now time.Time) (int64, error) { return db.SweepMobileApp(sweepCtx, now) })
		})
		mode := "production"
		if cfg.IsDev() {
			mode = "development (e-mails in " + strings.TrimSuffix(cfg.BaseURL, "/") + "/dev/outbox)"
		}
		log.Info("identity provider ready", "url", cfg.BaseURL, "database", string(db.Dialect()), "mode", mode)
	}
	if runECI {
		edb, err := ecistore.Open(ctx, cfg.ECIDatabase)
		if err != nil {
			return err
		}
		defer edb.Close()
		// The portal's e-mails (invitations, submission, decisions) go out
		// through the same sender as EU Login's: SMTP, or the dev outbox when
		// EU Login runs in this process. Alone without SMTP, the portal only
		// shows invitation links for the representative to pass on.
		var portalMail mail.Sender
		if idpDB != nil {
			if portalMail, err = mailSender(cfg, idpDB); err != nil {
				return err
			}
		} else if cfg.SMTPEnabled() {
			if portalMail, err = mail.NewSMTP(cfg.SMTP); err != nil {
				return err
			}
		}
		deps := eci.Deps{Logger: log.With("server", "eci"), DB: edb}
		if portalMail != nil {
			deps.Mailer = eciMailer(portalMail, "European Citizens' Initiative")
		}
		var reviewers []string
		for _, r := range strings.Split(cfg.ECIReviewers, ",") {
			if r = strings.TrimSpace(r); r != "" {
				reviewers = append(reviewers, r)
			}
		}
		portal, err := eci.NewServer(eci.Config{
			BaseURL: cfg.ECIBaseURL, IdPURL: cfg.IdPURLForECI(), AcceptStrengths: strings.Split(cfg.ECIStrengths(), ","),
			Dev: cfg.IsDev(), SessionIdle: cfg.SessionIdle, SessionMax: cfg.SessionMax,
			Reviewers: reviewers, InvitationTTL: cfg.ECIInvitationTTL,
		}, deps)
		if err != nil {
			return err
		}
		servers = append(servers, &server{name: "ECI organiser portal", addr: cfg.ECIListen, url: cfg.ECIBaseURL, handler: portal})
		wg.Go(func() {
			sweep(sweepCtx, log, "eci", func(now time.Time) (int64, error) {
				return edb.DeleteExpiredSessions(sweepCtx, now, cfg.SessionIdle)
			})
		})
		log.Info("ECI organiser portal ready", "url", cfg.ECIBaseURL, "idp", cfg.IdPURLForECI(), "strengths", cfg.ECIStrengths())
	}
	if cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			return fmt.Errorf("--tls-cert/--tls-key: %w", err)
		}
		for _, s := range servers {
			s.tls = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		}
	}
	return runServers(ctx, servers, log, stdout)
}

// newIdP builds the identity provider on db, and the jobs it needs running
// in the background while it serves.
func newIdP(ctx context.Context, cfg config.Config, db *store.DB, log *slog.Logger) (*idp.Server, []func(context.Context), error) {
	if cfg.Services != "" {
		n, err := cas.LoadServicesFile(ctx, db, cfg.Services, time.Now())
		if err != nil {
			return nil, nil, err
		}
		log.Info("services registered", "file", cfg.Services, "count", n)
	}
	bundle, err := i18n.Load()
	if err != nil {
		return nil, nil, err
	}
	botKey, err := sharedKey(ctx, db, "botcheck_key")
	if err != nil {
		return nil, nil, err
	}
	sender, err := mailSender(cfg, db)
	if err != nil {
		return nil, nil, err
	}
	texts, err := sms.New(cfg.SMS, db)
	if err != nil {
		return nil, nil, err
	}
	hasher := password.NewHasher(password.DefaultParams(), cfg.HashWorkers, cfg.HashQueue)
	app, jobs, err := newMobileApp(ctx, cfg, db, hasher, log)
	if err != nil {
		return nil, nil, err
	}
	srv, err := idp.NewServer(cfg, idp.Deps{
		Logger: log, DB: db, Bundle: bundle, Hasher: hasher, BotKey: botKey,
		Mailer: &notify.Mailer{Bundle: bundle, Sender: sender, Product: idp.Product},
		SMS:    texts,
		App:    app,
	})
	return srv, jobs, err
}

// appDevSecretSetting keeps the mobile app's master secret of a development
// instance started without --app-secret.
const appDevSecretSetting = "mobileapp.dev_secret"

// newMobileApp builds the server side of the EU Login Mobile App: its keys
// (the QR key in the database, the master secret from --app-secret), the
// IdP's password hasher for PINs, throttling in the database, and the
// notifier that wakes waiting pages and apps: LISTEN/NOTIFY between the
// replicas on PostgreSQL (its listener is the returned job), in-process on
// SQLite.
func newMobileApp(ctx context.Context, cfg config.Config, db *store.DB, hasher *password.Hasher, log *slog.Logger) (*mobileapp.Service, []func(context.Context), error) {
	secret := []byte(cfg.AppSecret)
	if len(secret) == 0 {
		// Validate allows this in development mode only.
		key, err := sharedKey(ctx, db, appDevSecretSetting)
		if err != nil {
			return nil, nil, err
		}
		secret = key
		log.Warn("no --app-secret: using a generated mobile app secret kept in the database (development only; a copy of the database then reveals the devices' offline secrets)")
	}
	keys, err := mobileapp.LoadKeys(ctx, db, secret)
	if err != nil {
		return nil, nil, err
	}
	var notifier mobileapp.Notifier = &mobileapp.PollNotifier{}
	var jobs []func(context.Context)
	var pusher mobileapp.Pusher
	if hosts := cfg.PushHostList(); hosts != nil {
		subject, err := cfg.PushSubjectURI()
		if err != nil {
			return nil, nil, err
		}
		vapid, err := mobileapp.LoadVAPID(ctx, db, subject)
		if err != nil {
			return nil, nil, err
		}
		wp := &mobileapp.WebPusher{VAPID: vapid, Store: db, Hosts: hosts, Logger: log}
		pusher = wp
		// Let deliveries under way finish when the server stops.
		jobs = append(jobs, func(ctx context.Context) { <-ctx.Done(); wp.Wait() })
	}
	if db.Dialect() == store.Postgres {
		bus := &mobileapp.BusNotifier{Bus: db, Logger: log}
		notifier = bus
		jobs = append(jobs, func(ctx context.Context) { bus.Run(ctx) })
	}
	return &mobileapp.Service{
		Store: db, Keys: keys, Hasher: hasher,
		Regulator: &regulation.Regulator{Store: db, Now: time.Now, Policy: cfg.Policy()},
		Notifier:  notifier,
		Pusher:    pusher,
		BaseURL:   strings.TrimSuffix(cfg.BaseURL, "/"),
		Account: func(ctx context.Context, userID string) (string, error) {
			u, err := db.UserByID(ctx, userID)
			if err != nil {
				return "", err
			}
			return u.Email, nil
		},
	}, jobs, nil
}

// portalServiceID is the registry id of the ECI portal.
const portalServiceID = "eci-portal"

// registerPortal adds the ECI portal to the service registry when it is not
// there yet (development mode: in production an operator registers it with
// "eulogin service add" or --services, and may have changed it since).
func registerPortal(ctx context.Context, cfg config.Config, db *store.DB, log *slog.Logger) error {
	if _, err := db.Service(ctx, portalServiceID); err == nil {
		return nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	// The application's name in every language is the portal's own title.
	bundle, err := eci.LoadBundle()
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, l := range bundle.Available() {
		if l.Tag != i18n.Default {
			names[l.Tag] = bundle.Localizer(l.Tag).T("landing.title")
		}
	}
	svc := &cas.Service{
		ID: portalServiceID, Name: bundle.Localizer(i18n.Default).T("landing.title"),
		Names:      names,
		Patterns:   []string{eci.ServiceURLPattern(cfg.ECIBaseURL)},
		Strengths:  strings.Split(cfg.ECIStrengths(), ","),
		Attributes: eci.ServiceAttributes(),
		SLO:        true,
	}
	if err := cas.SaveService(ctx, db, svc, time.Now()); err != nil {
		return fmt.Errorf("register the ECI portal: %w", err)
	}
	log.Info("ECI portal registered as a CAS service", "id", svc.ID, "pattern", svc.Patterns[0])
	return nil
}

// server is one HTTP server of the process.
type server struct {
	name, addr, url string
	handler         http.Handler
	hs              *http.Server
	tls             *tls.Config // nil serves plain HTTP
}

// runServers listens on every server's address, serves until ctx ends or one
// fails, then shuts all of them down gracefully.
func runServers(ctx context.Context, servers []*server, log *slog.Logger, stdout io.Writer) error {
	var lns []net.Listener
	for _, s := range servers {
		ln, err := net.Listen("tcp", s.addr)
		if err != nil {
			for _, l := range lns {
				l.Close()
			}
			return fmt.Errorf("%s: listen on %s: %w", s.name, s.addr, err)
		}
		lns = append(lns, ln)
		s.hs = &http.Server{
			TLSConfig:         s.tls,
			Handler:           s.handler,
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       30 * time.Second,
			WriteTimeout:      60 * time.Second,
			IdleTimeout:       120 * time.Second,
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		}
		log.Info("listening", "server", s.name, "addr", ln.Addr().String(), "url", s.url)
		fmt.Fprintf(stdout, "%s: %s (listening on %s)\n", s.name, s.url, ln.Addr())
	}
	errc := make(chan error, len(servers))
	for i, s := range servers {
		go func() {
			if s.tls != nil {
				errc <- s.hs.ServeTLS(lns[i], "", "")
				return
			}
			errc <- s.hs.Serve(lns[i])
		}()
	}
	var err error
	select {
	case err = <-errc:
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, s := range servers {
		if e := s.hs.Shutdown(shutdownCtx); e != nil && err == nil {
			err = e
		}
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	log.Info("stopped")
	return err
}

// sharedKey returns a random key kept in the database, made at the first
// start, so every replica uses the same one.
func sharedKey(ctx context.Context, db *store.DB, name string) ([]byte, error) {
	b := make([]byte, 32)
	rand.Read(b)
	v, err := db.SettingOrInit(ctx, name, hex.EncodeToString(b))
	if err != nil {
		return nil, err
	}
	key, err := hex.DecodeString(v)
	if err != nil || len(key) < 32 {
		return nil, fmt.Errorf("setting %s is corrupt", name)
	}
	return key, nil
}

// mailSender returns where e-mails go: SMTP when configured (and, in
// development, the outbox as well), else the dev outbox.
func mailSender(cfg config.Config, db *store.DB) (mail.Sender, error) {
	box := &outbox.Mail{Store: db, Now: time.Now}
	if !cfg.SMTPEnabled() {
		return box, nil
	}
	smtp, err := mail.NewSMTP(cfg.SMTP)
	if err != nil {
		return nil, err
	}
	if cfg.IsDev() {
		return outbox.Tee{box, smtp}, nil
	}
	return smtp, nil
}

// sweep runs clean every few minutes until ctx ends.
func sweep(ctx context.Context, log *slog.Logger, what string, clean func(now time.Time) (int64, error)) {
	t := time.NewTicker(5 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			n, err := clean(time.Now())
			if err != nil && ctx.Err() == nil {
				log.Error("sweep", "what", what, "err", err)
			} else if n > 0 {
				log.Debug("sweep", "what", what, "rows", n)
			}
		}
	}
}
