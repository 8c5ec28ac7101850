package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
)

// A secret setting (a password, a key, a database URL that may carry a
// password) can be given in a file instead of on the command line or in the
// environment, so that it never appears in a process listing: --NAME-file
// PATH, or EULOGIN_NAME_FILE (docs/adr/0015-secrets-from-files.md).

// maxSecretFile is the size of the largest secret file read.
const maxSecretFile = 64 << 10

// secretFile is the value of a --NAME-file flag: the path of the file that
// holds the secret setting --NAME.
type secretFile struct {
	target string // the flag the file's content sets
	path   string
}

// String returns the path.
func (s *secretFile) String() string {
	if s == nil {
		return ""
	}
	return s.path
}

// Set records the path; ReadSecretFiles reads it.
func (s *secretFile) Set(path string) error {
	s.path = path
	return nil
}

// SecretVar defines the string flag name, which holds a secret, with
// default *p, and its companion name+"-file", the path of a file to read the
// secret from instead.
func SecretVar(fs *flag.FlagSet, p *string, name, usage string) {
	fs.StringVar(p, name, *p, usage+" (or --"+name+"-file)")
	fs.Var(&secretFile{target: name}, name+"-file",
		"`file` holding --"+name+", not readable by group or others; one trailing newline is ignored")
}

// ReadSecretFiles sets each secret flag of fs (SecretVar) whose file was
// given, on the command line or through the environment, from that file.
// Giving a secret both ways is an error. Errors name the flag and its
// variable, never the secret.
func ReadSecretFiles(fs *flag.FlagSet) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var errs []error
	fs.Visit(func(f *flag.Flag) {
		sf, ok := f.Value.(*secretFile)
		if !ok {
			return
		}
		if given[sf.target] {
			errs = append(errs, fmt.Errorf("--%s (%s) and --%s (%s) are both set: give the secret one way",
				sf.target, EnvName(sf.target), f.Name, EnvName(f.Name)))
			return
		}
		v, err := readSecretFile(sf.path)
		if err == nil {
			err = fs.Set(sf.target, v)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("--%s (%s): %w", f.Name, EnvName(f.Name), err))
		}
	})
	return errors.Join(errs...)
}

// readSecretFile returns the content of the file at path without one
// trailing newline ("\n" or "\r\n"). The file must not be empty, nor
// readable by group or others (see secretFileMode).
func readSecretFile(path string) (string, error) {
	if path == "" {
		return "", errors.New("empty path")
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return "", err
	}
	if info.IsDir() {
		return "", fmt.Errorf("%s is a directory", path)
	}
	if err := checkSecretFile(path, info); err != nil {
		return "", err
	}
	b, err := io.ReadAll(io.LimitReader(f, maxSecretFile+1))
	if err != nil {
		return "", err
	}
	if len(b) > maxSecretFile {
		return "", fmt.Errorf("%s is larger than %d KiB", path, maxSecretFile>>10)
	}
	s := string(b)
	if t, ok := strings.CutSuffix(s, "\n"); ok {
		s = strings.TrimSuffix(t, "\r")
	}
	if s == "" {
		return "", fmt.Errorf("%s is empty", path)
	}
	return s, nil
}

// secretFileMode says whether a secret file of this mode may be read: not
// by others, nor by its group, as ssh requires of a private key, except that
// a file owned by root may be readable by its group, as PostgreSQL allows
// of its key file: the way Kubernetes mounts a secret for a pod's fsGroup
// (0440), or an operator shares one with the service's group (0640).
func secretFileMode(path string, mode fs.FileMode, rootOwned bool) error {
	perm := mode.Perm()
	if perm&0o077 == 0 || rootOwned && perm&0o037 == 0 {
		return nil
	}
	return fmt.Errorf("%s is readable by group or others (mode %04o): chmod 600 it, or 640 if root owns it", path, perm)
}
