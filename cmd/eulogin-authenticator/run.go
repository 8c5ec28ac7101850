package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"eulogin/internal/mobileapp/authenticator"
)

const usage = `usage: eulogin-authenticator [--keys FILE] COMMAND

commands:
  enroll <qr.png|uri> [--name NAME]  add this device to an account (asks the PIN)
  accounts                           list the accounts on this device
  wait [--timeout 60s]               wait for pending login requests and show them
  approve <request id>               approve a request (asks the number and the PIN)
  deny <request id>                  deny a request
  otp <qr.png|payload>               show the one-time password of a QR code (no network)
  remove <device id> [--force]       remove an account from this device and from the server
`

// run is the whole program; main only wires the process to it.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eulogin-authenticator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	keys := fs.String("keys", defaultKeys(getenv), "the key file (mode 0600)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errors.New("no command")
	}
	ks, err := authenticator.LoadKeystore(*keys)
	if err != nil {
		return err
	}
	app := &authenticator.Authenticator{Keys: ks}
	in := bufio.NewReader(stdin)
	cmd, rest := fs.Arg(0), fs.Args()[1:]
	switch cmd {
	case "enroll", "enrol":
		sub := flag.NewFlagSet("enroll", flag.ContinueOnError)
		sub.SetOutput(stderr)
		host, _ := os.Hostname()
		name := sub.String("name", "eulogin-authenticator on "+host, "the device name the app proposes")
		if err := sub.Parse(rest); err != nil {
			return err
		}
		if sub.NArg() != 1 {
			return errors.New("enroll needs the QR code image or its URI")
		}
		uri, err := authenticator.ReadPayload(sub.Arg(0))
		if err != nil {
			return err
		}
		pin, err := ask(in, stdout, "PIN: ")
		if err != nil {
			return err
		}
		acct, err := app.Enrol(ctx, uri, *name, pin)
		for tries := 1; err != nil && acct != nil && isCode(err, "wrong_pin") && tries < 3; tries++ {
			fmt.Fprintln(stdout, err)
			if pin, err = ask(in, stdout, "PIN: "); err != nil {
				return err
			}
			acct, err = app.Confirm(ctx, acct.DeviceID, pin)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Device %q added to %s.\n", acct.DeviceName, acct.Label())
		return nil
	case "accounts":
		if len(ks.Accounts) == 0 {
			fmt.Fprintln(stdout, "No account on this device.")
		}
		for _, a := range ks.Accounts {
			state := "ready"
			if !a.Confirmed {
				state = "PIN not confirmed"
			}
			fmt.Fprintf(stdout, "%s\t%s\tdevice %s (%s)\tenrolled %s\t%s\n", a.Account, a.Server, a.DeviceID, a.DeviceName, a.EnrolledAt.Format(time.DateOnly), state)
		}
		return nil
	case "wait":
		sub := flag.NewFlagSet("wait", flag.ContinueOnError)
		sub.SetOutput(stderr)
		timeout := sub.Duration("timeout", 60*time.Second, "how long to wait")
		if err := sub.Parse(rest); err != nil {
			return err
		}
		rs, err := app.Wait(ctx, *timeout)
		if err != nil {
			return err
		}
		if len(rs) == 0 {
			fmt.Fprintln(stdout, "No pending request.")
		}
		for _, r := range rs {
			nums := make([]string, len(r.Numbers))
			for i, n := range r.Numbers {
				nums[i] = strconv.Itoa(n)
			}
			fmt.Fprintf(stdout, "Request %s for %s\n  service: %s\n  browser: %s\n  address: %s\n  time:    %s (expires %s)\n  numbers: %s\n",
				r.ID, r.Account.Label(), r.Service, r.Browser, r.IP, r.Time.Local().Format(time.DateTime), r.Expires.Local().Format(time.TimeOnly), strings.Join(nums, " "))
		}
		return nil
	case "approve", "deny":
		if len(rest) != 1 {
			return fmt.Errorf("%s needs a request id (see wait)", cmd)
		}
		number, pin := 0, ""
		if cmd == "approve" {
			s, err := ask(in, stdout, "Number shown in the browser: ")
			if err != nil {
				return err
			}
			if number, err = strconv.Atoi(s); err != nil {
				return fmt.Errorf("%q is not a number", s)
			}
			if pin, err = ask(in, stdout, "PIN: "); err != nil {
				return err
			}
		}
		st, err := app.Answer(ctx, rest[0], cmd == "approve", number, pin)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Request %s: %s.\n", rest[0], st)
		return nil
	case "otp":
		if len(rest) != 1 {
			return errors.New("otp needs the QR code image or its payload")
		}
		payload, err := authenticator.ReadPayload(rest[0])
		if err != nil {
			return err
		}
		otp, acct, err := app.OTP(payload)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s\t(%s)\n", otp, acct.Label())
		return nil
	case "remove":
		sub := flag.NewFlagSet("remove", flag.ContinueOnError)
		sub.SetOutput(stderr)
		force := sub.Bool("force", false, "forget the keys even when the server cannot be told")
		if err := sub.Parse(rest); err != nil {
			return err
		}
		if sub.NArg() != 1 {
			return errors.New("remove needs the device id (see accounts)")
		}
		err := app.Remove(ctx, sub.Arg(0), *force)
		if isCode(err, "unknown_device") {
			fmt.Fprintln(stdout, "The server no longer knew this device; its keys are deleted from this one.")
			return nil
		}
		if err != nil {
			if *force {
				fmt.Fprintln(stdout, "The keys are deleted from this device, but the server could not be told: remove the device in My Account too.")
			}
			return err
		}
		fmt.Fprintln(stdout, "The account is removed from this device, and the device from the account.")
		return nil
	}
	fs.Usage()
	return fmt.Errorf("unknown command %q", cmd)
}

// defaultKeys is $EULOGIN_AUTHENTICATOR_KEYS, or keys.json under the user's
// configuration folder.
func defaultKeys(getenv func(string) string) string {
	if p := getenv("EULOGIN_AUTHENTICATOR_KEYS"); p != "" {
		return p
	}
	dir := getenv("XDG_CONFIG_HOME")
	if dir == "" {
		if d, err := os.UserConfigDir(); err == nil {
			dir = d
		} else {
			dir = "."
		}
	}
	return filepath.Join(dir, "eulogin-authenticator", "keys.json")
}

func ask(in *bufio.Reader, out io.Writer, prompt string) (string, error) {
	fmt.Fprint(out, prompt)
	line, err := in.ReadString('\n')
	if err != nil && (err != io.EOF || line == "") {
		return "", fmt.Errorf("read answer: %w", err)
	}
	return strings.TrimSpace(line), nil
}

func isCode(err error, code string) bool {
	e, ok := errors.AsType[*authenticator.APIError](err)
	return ok && e.Code == code
}
