package authenticator

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Account is one enrolment of this device: an account on one EU Login
// server. The private key and the OTP secret never leave the key file.
type Account struct {
	Server     string    `json:"server"`      // the IdP's base URL
	DeviceID   string    `json:"device_id"`   // the id the server gave this enrolment
	DeviceName string    `json:"device_name"` // as the server recorded it
	Account    string    `json:"account"`     // the account's name (e-mail) as the server tells it; may be empty
	PrivateKey string    `json:"private_key"` // P-256 private scalar, base64url
	OTPSecret  string    `json:"otp_secret"`  // 32 bytes, base64url
	QRKey      string    `json:"qr_key"`      // the server's QR public key, uncompressed point, base64url
	PINLength  int       `json:"pin_length"`
	VAPIDKey   string    `json:"vapid_key,omitempty"` // the server's Web Push key, when it has push
	Confirmed  bool      `json:"confirmed"`           // the server accepted the PIN
	EnrolledAt time.Time `json:"enrolled_at"`
}

// Label names the account for people: its e-mail and server, or its device
// id.
func (a *Account) Label() string {
	name := a.Account
	if name == "" {
		name = a.DeviceID
	}
	return name + " @ " + a.Server
}

// Keystore is the key file: every account of this device. It is a JSON file
// readable and writable by its owner only (0600); Load refuses a file that
// others can read.
type Keystore struct {
	Path     string    `json:"-"`
	Version  int       `json:"version"`
	Accounts []Account `json:"accounts"`
}

// LoadKeystore reads the key file at path; a missing file is an empty
// keystore.
func LoadKeystore(path string) (*Keystore, error) {
	k := &Keystore{Path: path, Version: 1}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return k, nil
	}
	if err != nil {
		return nil, fmt.Errorf("authenticator: read key file: %w", err)
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("authenticator: key file %s is accessible to others (mode %v); run chmod 600 on it", path, fi.Mode().Perm())
	}
	if err := json.Unmarshal(b, k); err != nil {
		return nil, fmt.Errorf("authenticator: key file %s: %w", path, err)
	}
	k.Path = path
	return k, nil
}

// Save writes the key file atomically with mode 0600 (its folder 0700).
func (k *Keystore) Save() error {
	if err := os.MkdirAll(filepath.Dir(k.Path), 0o700); err != nil {
		return fmt.Errorf("authenticator: key folder: %w", err)
	}
	b, err := json.MarshalIndent(k, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(k.Path), ".keys-*")
	if err != nil {
		return fmt.Errorf("authenticator: save keys: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("authenticator: save keys: %w", err)
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("authenticator: save keys: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("authenticator: save keys: %w", err)
	}
	if err := os.Rename(tmp.Name(), k.Path); err != nil {
		return fmt.Errorf("authenticator: save keys: %w", err)
	}
	return nil
}

// put adds or replaces the account with the same device id.
func (k *Keystore) put(a Account) {
	for i := range k.Accounts {
		if k.Accounts[i].DeviceID == a.DeviceID {
			k.Accounts[i] = a
			return
		}
	}
	k.Accounts = append(k.Accounts, a)
}

// Remove forgets the account of device id (after the server removed it).
func (k *Keystore) Remove(deviceID string) bool {
	for i := range k.Accounts {
		if k.Accounts[i].DeviceID == deviceID {
			k.Accounts = append(k.Accounts[:i], k.Accounts[i+1:]...)
			return true
		}
	}
	return false
}
