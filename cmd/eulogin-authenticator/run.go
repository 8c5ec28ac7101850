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

// run is the whole program; main only wires the process to it.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	inv, err := parseArgs(args, getenv)
	if ue, ok := errors.AsType[*usageError](err); ok {
		// Asked for, the usage goes to stdout and is no failure.
		help := errors.Is(err, flag.ErrHelp)
		w := stderr
		if help {
			w = stdout
		}
		if ue.cmd != nil {
			writeCommandUsage(w, ue.cmd, ue.fs, help)
		} else {
			writeUsage(w)
		}
		if help {
			return nil
		}
	}
	if err != nil {
		return err
	}
	ks, err := authenticator.LoadKeystore(inv.keys)
	if err != nil {
		return err
	}
	app := &authenticator.Authenticator{Keys: ks}
	in := bufio.NewReader(stdin)
	switch inv.cmd.name {
	case "enroll":
		return enroll(ctx, app, inv, in, stdout)
	case "accounts":
		return accounts(ks, stdout)
	case "wait":
		return wait(ctx, app, inv.timeout, stdout)
	case "approve", "deny":
		return answer(ctx, app, inv.operand, inv.cmd.name == "approve", in, stdout)
	case "otp":
		return otp(app, inv.operand, stdout)
	case "remove":
		return remove(ctx, app, inv.operand, inv.force, stdout)
	}
	return fmt.Errorf("command %q is not implemented", inv.cmd.name)
}

func enroll(ctx context.Context, app *authenticator.Authenticator, inv *invocation, in *bufio.Reader, stdout io.Writer) error {
	uri, err := authenticator.ReadPayload(inv.operand)
	if err != nil {
		return err
	}
	pin, err := ask(in, stdout, "PIN: ")
	if err != nil {
		return err
	}
	acct, err := app.Enrol(ctx, uri, inv.name, pin)
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
}

func accounts(ks *authenticator.Keystore, stdout io.Writer) error {
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
}

func wait(ctx context.Context, app *authenticator.Authenticator, timeout time.Duration, stdout io.Writer) error {
	rs, err := app.Wait(ctx, timeout)
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
}

func answer(ctx context.Context, app *authenticator.Authenticator, id string, approve bool, in *bufio.Reader, stdout io.Writer) error {
	number, pin := 0, ""
	if approve {
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
	st, err := app.Answer(ctx, id, approve, number, pin)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Request %s: %s.\n", id, st)
	return nil
}

func otp(app *authenticator.Authenticator, source string, stdout io.Writer) error {
	payload, err := authenticator.ReadPayload(source)
	if err != nil {
		return err
	}
	otp, acct, err := app.OTP(payload)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s\t(%s)\n", otp, acct.Label())
	return nil
}

func remove(ctx context.Context, app *authenticator.Authenticator, deviceID string, force bool, stdout io.Writer) error {
	err := app.Remove(ctx, deviceID, force)
	if isCode(err, "unknown_device") {
		fmt.Fprintln(stdout, "The server no longer knew this device; its keys are deleted from this one.")
		return nil
	}
	if err != nil {
		if force {
			fmt.Fprintln(stdout, "The keys are deleted from this device, but the server could not be told: remove the device in My Account too.")
		}
		return err
	}
	fmt.Fprintln(stdout, "The account is removed from this device, and the device from the account.")
	return nil
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
