package mobileapp

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Keys are the server's secrets for the mobile app: the QR key that signs
// offline challenges, and keys derived from a master secret that encrypt the
// OTP secrets at rest and authenticate the nonces of the API.
type Keys struct {
	qr       *ecdsa.PrivateKey
	aead     cipher.AEAD
	nonceKey []byte
	hashKey  []byte
}

// MinSecretLen is the shortest master secret NewKeys accepts.
const MinSecretLen = 32

// NewKeys returns the keys made of the QR signing key qr (P-256) and the
// master secret (at least MinSecretLen random bytes). The secret should come
// from the configuration, not from the database, so that a copy of the
// database alone does not reveal the OTP secrets. Changing it voids every
// enrolled device's offline mode (push keeps working).
func NewKeys(qr *ecdsa.PrivateKey, secret []byte) (*Keys, error) {
	if qr == nil || qr.Curve != elliptic.P256() {
		return nil, errors.New("mobileapp: the QR key must be a P-256 key")
	}
	if len(secret) < MinSecretLen {
		return nil, fmt.Errorf("mobileapp: the master secret must have at least %d bytes", MinSecretLen)
	}
	encKey, err := hkdf.Key(sha256.New, secret, nil, "eulogin mobileapp otp-secret v1", 32)
	if err != nil {
		return nil, err
	}
	nonceKey, err := hkdf.Key(sha256.New, secret, nil, "eulogin mobileapp nonce v1", 32)
	if err != nil {
		return nil, err
	}
	hashKey, err := hkdf.Key(sha256.New, secret, nil, "eulogin keyed hashes v1", 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(encKey)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Keys{qr: qr, aead: aead, nonceKey: nonceKey, hashKey: hashKey}, nil
}

// SettingStore keeps named settings shared by the replicas. store.DB
// implements it.
type SettingStore interface {
	SettingOrInit(ctx context.Context, name, value string) (string, error)
}

// QRKeySetting is the name of the setting that holds the QR signing key.
const QRKeySetting = "mobileapp.qr_key"

// LoadKeys returns the keys with the QR signing key of the setting
// QRKeySetting, generated at first start (all replicas get the one that won),
// and the master secret. The QR key may live in the database: whoever reads
// it can only make apps show one-time passwords for challenges the server
// would refuse or that an attacker could relay anyway.
func LoadKeys(ctx context.Context, settings SettingStore, secret []byte) (*Keys, error) {
	fresh, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	raw, err := fresh.Bytes()
	if err != nil {
		return nil, err
	}
	v, err := settings.SettingOrInit(ctx, QRKeySetting, B64.EncodeToString(raw))
	if err != nil {
		return nil, fmt.Errorf("mobileapp: load QR key: %w", err)
	}
	b, err := B64.DecodeString(v)
	if err != nil {
		return nil, fmt.Errorf("mobileapp: QR key setting: %w", err)
	}
	qr, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), b)
	if err != nil {
		return nil, fmt.Errorf("mobileapp: QR key setting: %w", err)
	}
	return NewKeys(qr, secret)
}

// QRPublicKey returns the public half of the QR key, which apps receive at
// enrolment.
func (k *Keys) QRPublicKey() *ecdsa.PublicKey { return &k.qr.PublicKey }

const sealPrefix = "v1:"

// seal encrypts an OTP secret with AES-256-GCM, the device id as associated
// data so that a sealed secret cannot be moved to another row.
func (k *Keys) seal(deviceID string, secret []byte) string {
	nonce := make([]byte, k.aead.NonceSize())
	rand.Read(nonce)
	return sealPrefix + B64.EncodeToString(k.aead.Seal(nonce, nonce, secret, []byte(deviceID)))
}

// open decrypts what seal returned for deviceID.
func (k *Keys) open(deviceID, sealed string) ([]byte, error) {
	rest, ok := strings.CutPrefix(sealed, sealPrefix)
	if !ok {
		return nil, errors.New("mobileapp: unknown OTP secret format")
	}
	b, err := B64.DecodeString(rest)
	if err != nil || len(b) < k.aead.NonceSize() {
		return nil, errors.New("mobileapp: malformed OTP secret")
	}
	out, err := k.aead.Open(nil, b[:k.aead.NonceSize()], b[k.aead.NonceSize():], []byte(deviceID))
	if err != nil {
		return nil, errors.New("mobileapp: OTP secret does not decrypt (wrong master secret?)")
	}
	return out, nil
}

// Seal encrypts another secret of the service kept at rest (an
// authenticator app's TOTP secret) with the same key; label binds it to its
// row and kind ("totp:" and the row's id), and must never be a device id.
func (k *Keys) Seal(label string, secret []byte) string { return k.seal(label, secret) }

// Hash is a keyed hash (HMAC-SHA-256, hex) of data under label, for
// secrets kept only as hashes whose entropy alone would not resist a
// search (recovery codes): without the master secret, a copy of the
// database does not allow one.
func (k *Keys) Hash(label string, data []byte) string {
	m := hmac.New(sha256.New, k.hashKey)
	m.Write([]byte(label))
	m.Write([]byte{0})
	m.Write(data)
	return hex.EncodeToString(m.Sum(nil))
}

// Open decrypts what Seal returned for label.
func (k *Keys) Open(label, sealed string) ([]byte, error) { return k.open(label, sealed) }

// nonceLen is the length of a decoded nonce: expiry (8), random (16), MAC (16).
const nonceLen = 8 + 16 + 16

// newNonce returns a server nonce valid until expires. It is stateless (an
// HMAC under the nonce key), so any replica can check it.
func (k *Keys) newNonce(expires time.Time) string {
	b := make([]byte, 24, nonceLen)
	binary.BigEndian.PutUint64(b, uint64(expires.Unix()))
	rand.Read(b[8:24])
	m := hmac.New(sha256.New, k.nonceKey)
	m.Write(b)
	return B64.EncodeToString(m.Sum(b)[:nonceLen])
}

// checkNonce reports whether nonce was made by newNonce and is unexpired at
// now.
func (k *Keys) checkNonce(nonce string, now time.Time) bool {
	b, err := B64.DecodeString(nonce)
	if err != nil || len(b) != nonceLen {
		return false
	}
	m := hmac.New(sha256.New, k.nonceKey)
	m.Write(b[:24])
	if !hmac.Equal(m.Sum(nil)[:16], b[24:]) {
		return false
	}
	return now.Unix() < int64(binary.BigEndian.Uint64(b[:8]))
}
