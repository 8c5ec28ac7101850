package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// invocation is a command line once read: the command and everything it was
// given.
type invocation struct {
	cmd     *command
	keys    string        // the key file
	operand string        // the one operand of enroll, approve, deny, otp and remove
	name    string        // enroll --name
	timeout time.Duration // wait --timeout
	force   bool          // remove --force
}

// command describes one subcommand: the table below is both the parser's
// grammar and the usage text, so the two cannot drift apart.
type command struct {
	name    string
	alias   string // another spelling accepted
	operand string // the synopsis of its one operand; empty when it takes none
	flags   string // the synopsis of its own flags
	summary string
	missing string // the error when the operand is missing
	define  func(fs *flag.FlagSet, inv *invocation)
}

var commands = []*command{
	{
		name: "enroll", alias: "enrol", operand: "<qr.png|uri>", flags: "[--name NAME]",
		summary: "add this device to an account (asks the PIN)",
		missing: "enroll needs the QR code image or its URI",
		define: func(fs *flag.FlagSet, inv *invocation) {
			host, _ := os.Hostname()
			fs.StringVar(&inv.name, "name", "eulogin-authenticator on "+host, "the device name the app proposes")
		},
	},
	{name: "accounts", summary: "list the accounts on this device"},
	{
		name: "wait", flags: "[--timeout 60s]",
		summary: "wait for pending login requests and show them",
		define: func(fs *flag.FlagSet, inv *invocation) {
			fs.DurationVar(&inv.timeout, "timeout", 60*time.Second, "how long to wait")
		},
	},
	{
		name: "approve", operand: "<request id>",
		summary: "approve a request (asks the number and the PIN)",
		missing: "approve needs a request id (see wait)",
	},
	{
		name: "deny", operand: "<request id>",
		summary: "deny a request",
		missing: "deny needs a request id (see wait)",
	},
	{
		name: "otp", operand: "<qr.png|payload>",
		summary: "show the one-time password of a QR code (no network)",
		missing: "otp needs the QR code image or its payload",
	},
	{
		name: "remove", operand: "<device id>", flags: "[--force]",
		summary: "remove an account from this device and from the server",
		missing: "remove needs the device id (see accounts)",
		define: func(fs *flag.FlagSet, inv *invocation) {
			fs.BoolVar(&inv.force, "force", false, "forget the keys even when the server cannot be told")
		},
	},
}

// synopsis is the command's line in the usage text, without the program's
// name.
func (c *command) synopsis() string {
	return strings.Join(strings.Fields(c.name+" "+c.operand+" "+c.flags), " ")
}

// writeUsage writes the usage of the whole program.
func writeUsage(w io.Writer) {
	fmt.Fprint(w, "usage: eulogin-authenticator [--keys FILE] COMMAND [ARGUMENTS]\n\ncommands:\n")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-34s %s\n", c.synopsis(), c.summary)
	}
	fmt.Fprint(w, "\nFlags may stand before or after the arguments; -- ends them.\n"+
		"--keys FILE is the key file (mode 0600); it defaults to $EULOGIN_AUTHENTICATOR_KEYS,\n"+
		"else eulogin-authenticator/keys.json in the user's configuration folder.\n")
}

// writeCommandUsage writes the usage line of one command and, when full,
// what it does and its flags.
func writeCommandUsage(w io.Writer, c *command, fs *flag.FlagSet, full bool) {
	fmt.Fprintf(w, "usage: eulogin-authenticator [--keys FILE] %s\n", c.synopsis())
	if !full {
		fmt.Fprintf(w, "(eulogin-authenticator %s --help lists its flags)\n", c.name)
		return
	}
	fmt.Fprintf(w, "  %s\n\nflags (before or after the arguments; -- ends them):\n", c.summary)
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

// usageError is a command line that cannot be run: run shows the usage of
// the command (or of the program when cmd is nil) with it. Its error is
// flag.ErrHelp when the user asked for the usage.
type usageError struct {
	cmd *command
	fs  *flag.FlagSet
	err error
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// parseArgs reads a command line. The flags before the command are the
// program's own (--keys); after it, the command's flags and --keys may stand
// before, after or between its operands, since Go's flag package alone
// would stop at the first operand and refuse "enroll uri --name NAME" as
// the README writes it. "--" ends the flags in both places.
func parseArgs(args []string, getenv func(string) string) (*invocation, error) {
	inv := &invocation{keys: defaultKeys(getenv)}
	global := newFlagSet("eulogin-authenticator", inv)
	rest, err := parseFlags(global, args, false)
	if err != nil {
		return nil, &usageError{err: err}
	}
	if len(rest) == 0 {
		return nil, &usageError{err: errors.New("no command")}
	}
	for _, c := range commands {
		if rest[0] == c.name || rest[0] == c.alias && c.alias != "" {
			inv.cmd = c
		}
	}
	if inv.cmd == nil {
		return nil, &usageError{err: fmt.Errorf("unknown command %q", rest[0])}
	}
	c := inv.cmd
	fs := newFlagSet(c.name, inv)
	if c.define != nil {
		c.define(fs, inv)
	}
	operands, err := parseFlags(fs, rest[1:], true)
	if err != nil {
		return nil, &usageError{cmd: c, fs: fs, err: fmt.Errorf("%s: %w", c.name, err)}
	}
	want := 0
	if c.operand != "" {
		want = 1
	}
	switch {
	case len(operands) < want:
		return nil, &usageError{cmd: c, fs: fs, err: errors.New(c.missing)}
	case len(operands) > want:
		return nil, &usageError{cmd: c, fs: fs, err: fmt.Errorf("%s: unexpected argument %q", c.name, operands[want])}
	case want == 1:
		inv.operand = operands[0]
	}
	return inv, nil
}

// newFlagSet makes a silent flag set holding --keys, which keeps the value
// inv has so far: parseArgs reports errors itself, once.
func newFlagSet(name string, inv *invocation) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&inv.keys, "keys", inv.keys, "the key file (mode 0600)")
	return fs
}

// parseFlags sets the flags of fs found in args and returns the other
// arguments, in order. With interspersed, flags may follow operands;
// without, the first operand and everything after it are returned as they
// are. "--" ends the flags, and a lone "-" is an operand. An unknown flag
// and a flag without its value are errors, as is -h or --help (flag.ErrHelp)
// unless fs defines it.
func parseFlags(fs *flag.FlagSet, args []string, interspersed bool) ([]string, error) {
	var flags, operands []string
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "--" {
			operands = append(operands, args[i+1:]...)
			break
		}
		if len(arg) < 2 || arg[0] != '-' {
			if !interspersed {
				operands = append(operands, args[i:]...)
				break
			}
			operands = append(operands, arg)
			continue
		}
		spelled, _, hasValue := strings.Cut(arg, "=")
		name := strings.TrimPrefix(spelled[1:], "-")
		f := fs.Lookup(name)
		switch {
		case f == nil && (name == "h" || name == "help"):
			return nil, flag.ErrHelp
		case f == nil:
			return nil, fmt.Errorf("unknown flag %s", spelled)
		}
		flags = append(flags, arg)
		if hasValue || isBoolFlag(f) {
			continue
		}
		if i+1 == len(args) {
			return nil, fmt.Errorf("flag %s needs a value", spelled)
		}
		i++
		flags = append(flags, args[i])
	}
	// The flag package checks the values: the flags alone cannot stop it
	// early.
	if err := fs.Parse(flags); err != nil {
		return nil, err
	}
	return operands, nil
}

// isBoolFlag reports whether f is a flag that takes no value, as the flag
// package decides it.
func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}
