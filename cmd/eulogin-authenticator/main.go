// Command eulogin-authenticator is the reference EU Login Mobile App: it
// plays the phone's part of docs/mobile-app-protocol.md from a terminal.
//
//	eulogin-authenticator [--keys FILE] enroll <qr.png|uri> [--name NAME]
//	eulogin-authenticator [--keys FILE] accounts
//	eulogin-authenticator [--keys FILE] wait [--timeout 60s]
//	eulogin-authenticator [--keys FILE] approve <request id>
//	eulogin-authenticator [--keys FILE] deny <request id>
//	eulogin-authenticator [--keys FILE] otp <qr.png|payload>
//	eulogin-authenticator [--keys FILE] remove <device id> [--force]
//
// A command's flags, and --keys, may also stand before its arguments or
// between them; "--" ends the flags. The PIN and the number are read from
// standard input, one per line. The key file defaults to
// eulogin-authenticator/keys.json in the user's configuration folder, or
// $EULOGIN_AUTHENTICATOR_KEYS.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "eulogin-authenticator:", err)
		os.Exit(1)
	}
}
