package webpush

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
)

// RecordSize is the aes128gcm record size Encrypt writes in the header: the
// 4096 bytes a push service must accept (RFC 8030 §7.2).
const RecordSize = 4096

// MaxPayload is the longest plaintext Encrypt accepts: 4096 bytes less the
// 86-byte header, the padding delimiter and the 16-byte AES-GCM tag
// (RFC 8291 §4).
const MaxPayload = RecordSize - headerLen - 1 - tagLen

const (
	saltLen   = 16
	keyLen    = 65 // an uncompressed P-256 point
	headerLen = saltLen + 4 + 1 + keyLen
	tagLen    = 16
	delimiter = 0x02 // the padding delimiter of the last (here the only) record
)

// ErrPayloadTooLarge is returned by Encrypt and Send when the payload is
// longer than MaxPayload.
var ErrPayloadTooLarge = fmt.Errorf("webpush: payload longer than %d bytes", MaxPayload)

// Encrypt makes the RFC 8291 message body for sub: the RFC 8188 aes128gcm
// header (a random 16-byte salt, record size 4096, and a fresh ephemeral
// P-256 public key as keyid) followed by one record, the plaintext with the
// 0x02 delimiter and no padding, sealed with AES-128-GCM. The endpoint is not
// looked at.
func Encrypt(sub Subscription, plaintext []byte) ([]byte, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return nil, fmt.Errorf("webpush: salt: %w", err)
	}
	ephemeral, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("webpush: ephemeral key: %w", err)
	}
	return encrypt(sub, plaintext, salt, ephemeral)
}

// encrypt is Encrypt with a given salt and application server key, so that
// the RFC 8291 example can be reproduced. Both must be fresh for every
// message: reusing them reuses the AES-GCM key and nonce.
func encrypt(sub Subscription, plaintext, salt []byte, as *ecdh.PrivateKey) ([]byte, error) {
	if len(plaintext) > MaxPayload {
		return nil, ErrPayloadTooLarge
	}
	uaPublic, auth, err := sub.keys()
	if err != nil {
		return nil, err
	}
	secret, err := as.ECDH(uaPublic)
	if err != nil {
		return nil, fmt.Errorf("webpush: ECDH: %w", err)
	}
	asPublic := as.PublicKey().Bytes()
	aead, nonce, err := contentKeys(secret, auth, uaPublic.Bytes(), asPublic, salt)
	if err != nil {
		return nil, err
	}

	body := make([]byte, headerLen, headerLen+len(plaintext)+1+tagLen)
	copy(body, salt)
	binary.BigEndian.PutUint32(body[saltLen:], RecordSize)
	body[saltLen+4] = keyLen
	copy(body[saltLen+5:], asPublic)

	record := make([]byte, 0, len(plaintext)+1+tagLen)
	record = append(append(record, plaintext...), delimiter)
	// The record is sealed in place; the nonce needs no XOR with the
	// sequence number, which is zero for the only record.
	return aead.Seal(body, nonce, record, nil), nil
}

// contentKeys derives the AES-128-GCM key and nonce of a message
// (RFC 8291 §3.4 and RFC 8188 §2.2-2.3).
func contentKeys(ecdhSecret, auth, uaPublic, asPublic, salt []byte) (cipher.AEAD, []byte, error) {
	ikm, err := combine(ecdhSecret, auth, uaPublic, asPublic)
	if err != nil {
		return nil, nil, err
	}
	cek, nonce, err := deriveCEK(ikm, salt)
	if err != nil {
		return nil, nil, err
	}
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, nil, fmt.Errorf("webpush: AES: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, nil, fmt.Errorf("webpush: GCM: %w", err)
	}
	return aead, nonce, nil
}

// combine mixes the ECDH secret with the auth secret into the input keying
// material of RFC 8188 (RFC 8291 §3.3).
func combine(ecdhSecret, auth, uaPublic, asPublic []byte) ([]byte, error) {
	ikm, err := hkdf.Key(sha256.New, ecdhSecret, auth, "WebPush: info\x00"+string(uaPublic)+string(asPublic), 32)
	if err != nil {
		return nil, fmt.Errorf("webpush: HKDF: %w", err)
	}
	return ikm, nil
}

// deriveCEK is RFC 8188 §2.2 and §2.3: the content encryption key and the
// nonce from the input keying material and the salt.
func deriveCEK(ikm, salt []byte) (cek, nonce []byte, err error) {
	prk, err := hkdf.Extract(sha256.New, ikm, salt)
	if err == nil {
		cek, err = hkdf.Expand(sha256.New, prk, "Content-Encoding: aes128gcm\x00", 16)
	}
	if err == nil {
		nonce, err = hkdf.Expand(sha256.New, prk, "Content-Encoding: nonce\x00", 12)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("webpush: HKDF: %w", err)
	}
	return cek, nonce, nil
}

// ErrDecrypt is wrapped by every Decrypt error.
var ErrDecrypt = errors.New("webpush: cannot decrypt")

// Decrypt is the user agent's side of Encrypt: it parses the aes128gcm
// header (RFC 8188 §2.1), takes the application server's public key from
// keyid, derives the keys with the user agent's private key and
// authentication secret (RFC 8291 §3.4), opens the single record and strips
// the padding down to the 0x02 delimiter. Package webpushtest uses it to play
// the browser.
func Decrypt(body []byte, ua *ecdh.PrivateKey, auth []byte) ([]byte, error) {
	if len(auth) != AuthSecretLen {
		return nil, fmt.Errorf("%w: auth secret must be %d bytes", ErrDecrypt, AuthSecretLen)
	}
	if len(body) < saltLen+5 {
		return nil, fmt.Errorf("%w: body shorter than the header", ErrDecrypt)
	}
	salt := body[:saltLen]
	rs := binary.BigEndian.Uint32(body[saltLen:])
	idlen := int(body[saltLen+4])
	if rs < 18 {
		return nil, fmt.Errorf("%w: record size %d below 18", ErrDecrypt, rs)
	}
	if idlen != keyLen {
		return nil, fmt.Errorf("%w: keyid must be a 65-byte P-256 point, got %d bytes", ErrDecrypt, idlen)
	}
	if len(body) < headerLen {
		return nil, fmt.Errorf("%w: body shorter than the header", ErrDecrypt)
	}
	asPublic, err := ecdh.P256().NewPublicKey(body[saltLen+5 : headerLen])
	if err != nil {
		return nil, fmt.Errorf("%w: keyid is not a P-256 point", ErrDecrypt)
	}
	record := body[headerLen:]
	if len(record) < tagLen+1 {
		return nil, fmt.Errorf("%w: record too short", ErrDecrypt)
	}
	if uint64(len(record)) > uint64(rs) {
		return nil, fmt.Errorf("%w: more than one record (push messages have one)", ErrDecrypt)
	}
	secret, err := ua.ECDH(asPublic)
	if err != nil {
		return nil, fmt.Errorf("%w: ECDH: %v", ErrDecrypt, err)
	}
	aead, nonce, err := contentKeys(secret, auth, ua.PublicKey().Bytes(), asPublic.Bytes(), salt)
	if err != nil {
		return nil, err
	}
	plain, err := aead.Open(nil, nonce, record, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: authentication failed", ErrDecrypt)
	}
	// Padding is zeros after the delimiter (RFC 8188 §2); the last record's
	// delimiter is 0x02 and any other value must be refused (RFC 8291 §4).
	i := len(plain) - 1
	for i >= 0 && plain[i] == 0 {
		i--
	}
	if i < 0 || plain[i] != delimiter {
		return nil, fmt.Errorf("%w: no 0x02 padding delimiter", ErrDecrypt)
	}
	return plain[:i], nil
}
