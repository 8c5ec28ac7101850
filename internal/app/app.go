// Package app is the eulogin command: it parses the command line and the
// environment, opens the database and runs the servers. cmd/eulogin's main
// only calls Run; tests call Run too.
package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
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
	"eulogin/internal/config"
	"eulogin/internal/i18n"
	"eulogin/internal/idp"
	"eulogin/internal/mail"
	"eulogin/internal/notify"
	"eulogin/internal/outbox"
	"eulogin/internal/store"
)

const usage = `eulogin: an EU Login-style identity provider and the ECI organiser portal.

Usage:
  eulogin serve [idp|eci] [flags]   start the servers (default: all of them)
  eulogin migrate [flags]           apply database migrations and exit
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
	fmt.Fprintln(stderr, "migrations applied to", db.Dialect(), "database")
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
	// "serve idp" and "serve eci" start one server; "serve" starts all.
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
	switch which {
	case "all", "idp":
	case "eci":
		// The ECI organiser portal is a separate relying party of the IdP
		// (internal/eci); it joins "serve" and runs alone here.
		return errors.New("the ECI organiser portal is not in this build yet")
	default:
		return fmt.Errorf("unknown server %q: want idp or eci", which)
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	log := newLogger(cfg, stderr)

	db, err := store.Open(ctx, cfg.Database)
	if err != nil {
		return err
	}
	defer db.Close()
	bundle, err := i18n.Load()
	if err != nil {
		return err
	}
	botKey, err := sharedKey(ctx, db, "botcheck_key")
	if err != nil {
		return err
	}
	sender, err := mailSender(cfg, db)
	if err != nil {
		return err
	}
	hasher := password.NewHasher(password.DefaultParams(), cfg.HashWorkers, cfg.HashQueue)
	srv, err := idp.NewServer(cfg, idp.Deps{
		Logger: log, DB: db, Bundle: bundle, Hasher: hasher, BotKey: botKey,
		Mailer: &notify.Mailer{Bundle: bundle, Sender: sender, Product: idp.Product},
	})
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	mode := "production"
	if cfg.IsDev() {
		mode = "development (e-mails in " + strings.TrimSuffix(cfg.BaseURL, "/") + "/dev/outbox)"
	}
	log.Info("identity provider listening", "addr", ln.Addr().String(), "url", cfg.BaseURL, "database", string(db.Dialect()), "mode", mode)
	fmt.Fprintf(stdout, "EU Login identity provider: %s (listening on %s)\n", cfg.BaseURL, ln.Addr())

	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	var wg sync.WaitGroup
	sweepCtx, stopSweep := context.WithCancel(ctx)
	defer stopSweep()
	wg.Go(func() { sweep(sweepCtx, db, log) })

	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		stopSweep()
		wg.Wait()
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = hs.Shutdown(shutdownCtx)
	stopSweep()
	wg.Wait()
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

// sweep deletes expired rows every few minutes.
func sweep(ctx context.Context, db *store.DB, log *slog.Logger) {
	t := time.NewTicker(5 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			n, err := db.Sweep(ctx, time.Now(), 48*time.Hour)
			if err != nil && ctx.Err() == nil {
				log.Error("sweep", "err", err)
			} else if n > 0 {
				log.Debug("sweep", "rows", n)
			}
		}
	}
}
