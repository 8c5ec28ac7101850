// Command eulogin-load measures a running eulogin from outside, as a client
// would, with the standard library only. It drives the real flows (the
// registration with its e-mailed link, the three login steps) and prints
// figures for docs/performance.md:
//
//	eulogin-load timing   --base URL [--pairs 30]
//	eulogin-load fairness --base URL [--flood 100] [--others 4] [--duration 10s]
//
// timing compares the answers for a known and an unknown address of
// registration, lost password and each login step: medians of interleaved
// pairs. fairness floods the login with the right password from one client
// address and measures the logins of other addresses meanwhile (the server
// must trust the tool's X-Forwarded-For: --trusted-proxies 127.0.0.1/32; the
// addresses in it are documentation addresses, never contacted).
//
// The server must run in development mode (the tool reads the e-mailed
// links in the dev outbox) with limits that the measurement does not hit:
// see docs/performance.md for the exact command.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "eulogin-load:", err)
		os.Exit(1)
	}
}
