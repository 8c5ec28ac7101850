// Command eulogin runs the EU Login-style identity provider and the ECI
// organiser portal. See "eulogin --help".
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"eulogin/internal/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := app.Run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "eulogin:", err)
		os.Exit(1)
	}
}
