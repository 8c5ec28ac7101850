package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"
)

// run parses the subcommand and its flags and runs it.
func run(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: eulogin-load timing|fairness --base URL [flags]")
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	base := fs.String("base", "http://localhost:8080", "base URL of the identity provider")
	pairs := fs.Int("pairs", 30, "timing: interleaved pairs per answer")
	flood := fs.Int("flood", 100, "fairness: concurrent clients of the flooding address")
	others := fs.Int("others", 4, "fairness: clients of other addresses, one address each")
	duration := fs.Duration("duration", 10*time.Second, "fairness: length of each phase")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	c := &client{base: *base}
	switch args[0] {
	case "timing":
		return timing(ctx, c, *pairs, out)
	case "fairness":
		return fairness(ctx, c, *flood, *others, *duration, out)
	}
	return fmt.Errorf("unknown command %q", args[0])
}
