package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"eulogin/internal/cas"
	"eulogin/internal/config"
	"eulogin/internal/i18n"
	"eulogin/internal/store"
)

const serviceUsage = `Usage:
  eulogin service add --id ID --name NAME [--name-fr NAME ...] --url PATTERN [--url PATTERN ...]
                      [--strengths A,B] [--attributes a,b] [--slo] [--proxy] [--database DSN]
  eulogin service list [--database DSN]
  eulogin service remove ID [--database DSN]

Manage the applications (CAS services) allowed to log users in through EU Login.
A URL pattern is an exact URL, or a prefix ending in '*' (http://127.0.0.1:8081/*).
--strengths lists the strengths the application accepts (default: any), e.g.
PASSWORD_SMS,PASSWORD_MOBILE_APP; --attributes the user attributes it may receive
(default: all of ` + "%s" + `).
--slo sends it single logout requests; --proxy lets it obtain proxy-granting tickets.
Adding an existing id replaces that service. The database is --database, or
EULOGIN_DATABASE, or read from --database-file (EULOGIN_DATABASE_FILE), as for
"eulogin serve".
`

// urlList is a repeatable flag.
type urlList []string

// String returns the patterns given so far.
func (u *urlList) String() string { return strings.Join(*u, " ") }

// Set adds one pattern.
func (u *urlList) Set(s string) error {
	*u = append(*u, s)
	return nil
}

// serviceCommand runs "eulogin service add|list|remove".
func serviceCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	usage := func() { fmt.Fprintf(stderr, serviceUsage, strings.Join(cas.Attributes, ",")) }
	if len(args) == 0 {
		usage()
		return errors.New("service: give add, list or remove")
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("service "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = usage
	database := config.Default().Database
	config.SecretVar(fs, &database, "database", "SQLite file path, or a postgres:// URL for PostgreSQL")
	var svc cas.Service
	var urls urlList
	var strengths, attributes string
	names := map[string]*string{}
	switch sub {
	case "add":
		fs.StringVar(&svc.ID, "id", "", "short id of the service, e.g. eci")
		fs.StringVar(&svc.Name, "name", "", "name shown to users")
		for _, l := range i18n.EU {
			names[l.Tag] = fs.String("name-"+l.Tag, "", "name shown to users in "+l.English)
		}
		fs.Var(&urls, "url", "URL pattern (repeat for several)")
		fs.StringVar(&strengths, "strengths", "", "comma-separated strengths the service accepts (default: any)")
		fs.StringVar(&attributes, "attributes", "", "comma-separated attributes the service may receive (default: all)")
		fs.BoolVar(&svc.SLO, "slo", false, "send single logout requests to the service")
		fs.BoolVar(&svc.Proxy, "proxy", false, "let the service obtain proxy-granting tickets")
	case "list", "remove":
	case "help", "-h", "--help":
		fmt.Fprintf(stdout, serviceUsage, strings.Join(cas.Attributes, ","))
		return nil
	default:
		usage()
		return fmt.Errorf("service: unknown command %q: want add, list or remove", sub)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if err := config.ApplyEnvTo(fs, getenv, "database", "database-file"); err != nil {
		return err
	}
	rest := fs.Args()
	if sub == "remove" && len(rest) != 1 || sub != "remove" && len(rest) != 0 {
		usage()
		return fmt.Errorf("service %s: unexpected arguments %q", sub, rest)
	}

	db, err := store.Open(ctx, database)
	if err != nil {
		return err
	}
	defer db.Close()

	switch sub {
	case "add":
		svc.Patterns = urls
		svc.Names = map[string]string{}
		for tag, n := range names {
			if *n != "" {
				svc.Names[tag] = *n
			}
		}
		svc.Strengths = cas.ParseStrengths(strengths)
		if strengths != "" && len(svc.Strengths) != len(strings.Split(strengths, ",")) {
			return fmt.Errorf("service add: --strengths %q: use upper-case names such as PASSWORD_SMS, separated by commas", strengths)
		}
		for _, a := range strings.Split(attributes, ",") {
			if a = strings.TrimSpace(a); a != "" {
				svc.Attributes = append(svc.Attributes, a)
			}
		}
		_, err := db.Service(ctx, svc.ID)
		existed := err == nil
		if err := cas.SaveService(ctx, db, &svc, time.Now()); err != nil {
			return err
		}
		verb := "registered"
		if existed {
			verb = "updated"
		}
		fmt.Fprintf(stdout, "%s service %s (%s)\n", verb, svc.ID, strings.Join(svc.Patterns, " "))
	case "list":
		list, err := cas.ListServices(ctx, db)
		if err != nil {
			return err
		}
		if len(list) == 0 {
			fmt.Fprintln(stdout, "no services registered")
			return nil
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tURLS\tSTRENGTHS\tATTRIBUTES\tSLO\tPROXY")
		for _, s := range list {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%v\t%v\n", s.ID, s.Name, strings.Join(s.Patterns, " "),
				orAll(s.Strengths, "any"), orAll(s.Attributes, "all"), s.SLO, s.Proxy)
		}
		return tw.Flush()
	case "remove":
		if err := cas.RemoveService(ctx, db, rest[0]); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "removed service %s\n", rest[0])
	}
	return nil
}

func orAll(list []string, all string) string {
	if len(list) == 0 {
		return all
	}
	return strings.Join(list, ",")
}
