package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"strings"
	"text/tabwriter"
	"time"

	"eulogin/internal/config"
	"eulogin/internal/eci/ecistore"
)

const eciUsage = `Usage:
  eulogin eci reviewer add EMAIL [--eci-database DSN]
  eulogin eci reviewer remove EMAIL [--eci-database DSN]
  eulogin eci reviewer list [--eci-database DSN]

Grant or withdraw the reviewer role of the ECI organiser portal: reviewers see
the initiatives submitted for registration and record the Commission's
decisions. A reviewer is known by the e-mail address of their EU Login
account. The database is --eci-database, or EULOGIN_ECI_DATABASE, or read
from --eci-database-file (EULOGIN_ECI_DATABASE_FILE), as for "eulogin serve".
`

// eciCommand runs "eulogin eci reviewer add|remove|list" on the portal's
// database.
func eciCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 && (args[0] == "help" || args[0] == "-h" || args[0] == "--help") {
		fmt.Fprint(stdout, eciUsage)
		return nil
	}
	if len(args) < 2 || args[0] != "reviewer" {
		fmt.Fprint(stderr, eciUsage)
		return errors.New("eci: give reviewer add, remove or list")
	}
	sub := args[1]
	cfg := config.Default()
	fs := cfg.FlagSet("eci reviewer "+sub, stderr)
	fs.Usage = func() { fmt.Fprint(stderr, eciUsage) }
	// Flags may come before or after the address.
	var rest []string
	for list := args[2:]; ; {
		if err := fs.Parse(list); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		rest = append(rest, fs.Arg(0))
		list = fs.Args()[1:]
	}
	if err := config.ApplyEnv(fs, getenv); err != nil {
		return err
	}
	var email string
	switch sub {
	case "add", "remove":
		if len(rest) != 1 {
			fmt.Fprint(stderr, eciUsage)
			return fmt.Errorf("eci reviewer %s: give one e-mail address", sub)
		}
		email = strings.ToLower(strings.TrimSpace(rest[0]))
		if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
			return fmt.Errorf("eci reviewer %s: %q is not an e-mail address", sub, rest[0])
		}
	case "list":
		if len(rest) != 0 {
			fmt.Fprint(stderr, eciUsage)
			return errors.New("eci reviewer list: takes no argument")
		}
	default:
		fmt.Fprint(stderr, eciUsage)
		return fmt.Errorf("eci reviewer: unknown subcommand %q", sub)
	}
	db, err := ecistore.Open(ctx, cfg.ECIDatabase)
	if err != nil {
		return err
	}
	defer db.Close()
	switch sub {
	case "add":
		if err := db.AddReviewer(ctx, email, time.Now()); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s is a reviewer of the ECI organiser portal\n", email)
	case "remove":
		if err := db.RemoveReviewer(ctx, email); errors.Is(err, ecistore.ErrNotFound) {
			return fmt.Errorf("eci reviewer remove: %s is not a reviewer", email)
		} else if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s is no longer a reviewer\n", email)
	case "list":
		rs, err := db.Reviewers(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "EMAIL\tADDED")
		for _, r := range rs {
			fmt.Fprintf(tw, "%s\t%s\n", r.Email, r.AddedAt.Format(time.RFC3339))
		}
		tw.Flush()
	}
	return nil
}
