package mobileapp

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"strconv"
	"strings"
)

// Version is the protocol version this package speaks ("v" in URIs and JSON
// bodies, "/app/v1/" in paths).
const Version = 1

// URI schemes and hosts of the two QR codes.
const (
	EnrolURIPrefix = "eulogin-app://enrol"
	OTPURIPrefix   = "eulogin-app://otp"
)

// OTPAlphabet is the 32 characters of a one-time password: digits and
// capital letters without 0, 1, I and O, which are easily confused.
const OTPAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

// OTPLength is the number of characters of a one-time password (40 bits).
const OTPLength = 8

// B64 is the encoding of every binary value on the wire: base64url without
// padding (RFC 4648 §5).
var B64 = base64.RawURLEncoding

// EnrolURI returns the URI put into the enrolment QR code.
func EnrolURI(baseURL, code string) string {
	v := url.Values{"v": {strconv.Itoa(Version)}, "s": {baseURL}, "c": {code}}
	return EnrolURIPrefix + "?" + v.Encode()
}

// OTPURI returns the URI put into the offline QR code: the challenge, the
// server's signature of it, and the device it is for.
func OTPURI(challenge string, sig []byte, deviceID string) string {
	v := url.Values{"v": {strconv.Itoa(Version)}, "c": {challenge}, "sig": {B64.EncodeToString(sig)}, "d": {deviceID}}
	return OTPURIPrefix + "?" + v.Encode()
}

// ConfirmMessage is what the device signs to confirm its enrolment.
func ConfirmMessage(deviceID string, timestamp int64) string {
	return fmt.Sprintf("v1|confirm|%s|%d", deviceID, timestamp)
}

// ListMessage is what the device signs to list its pending requests.
func ListMessage(deviceID, nonce string, timestamp int64) string {
	return fmt.Sprintf("v1|requests|%s|%s|%d", deviceID, nonce, timestamp)
}

// AnswerMessage is the canonical string a device signs to answer a push
// request: "v1|request id|challenge|decision|number|timestamp", number 0 for
// a denial without a number.
func AnswerMessage(requestID, challenge, decision string, number int, timestamp int64) string {
	return fmt.Sprintf("v1|%s|%s|%s|%d|%d", requestID, challenge, decision, number, timestamp)
}

// PushMessage is what the device signs to register its Web Push
// subscription.
func PushMessage(deviceID, endpoint string, timestamp int64) string {
	return fmt.Sprintf("v1|push|%s|%s|%d", deviceID, endpoint, timestamp)
}

// RemoveMessage is what the device signs to remove itself from the account.
func RemoveMessage(deviceID string, timestamp int64) string {
	return fmt.Sprintf("v1|remove|%s|%d", deviceID, timestamp)
}

// QRMessage is what the server's QR key signs: the challenge and the device
// hint of an offline QR code.
func QRMessage(challenge, deviceID string) string {
	return "v1|qr|" + challenge + "|" + deviceID
}

// Decisions of an answer.
const (
	DecisionApprove = "approve"
	DecisionDeny    = "deny"
)

// OTP derives the one-time password of an offline QR challenge: the first
// 40 bits of HMAC-SHA256(secret, challenge), big-endian, as 8 characters of
// OTPAlphabet, 5 bits each, most significant first.
func OTP(secret []byte, challenge string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(challenge))
	sum := m.Sum(nil)
	var v uint64
	for _, b := range sum[:5] {
		v = v<<8 | uint64(b)
	}
	out := make([]byte, OTPLength)
	for i := OTPLength - 1; i >= 0; i-- {
		out[i] = OTPAlphabet[v&31]
		v >>= 5
	}
	return string(out)
}

// NormalizeOTP returns a typed one-time password in canonical form (capital
// letters, without spaces or hyphens), or false when it cannot be one.
func NormalizeOTP(s string) (string, bool) {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == ' ' || r == '-':
			continue
		case r < 128 && strings.IndexByte(OTPAlphabet, byte(r)) >= 0:
			b.WriteRune(r)
		default:
			return "", false
		}
	}
	if b.Len() != OTPLength {
		return "", false
	}
	return b.String(), true
}

// FormatOTP shows a one-time password as two groups of four, "ABCD-EFGH".
func FormatOTP(otp string) string {
	if len(otp) != OTPLength {
		return otp
	}
	return otp[:4] + "-" + otp[4:]
}

// FlowHash is how a login flow id is stored and bound into challenges: the
// hex SHA-256 of the id, so the database never holds the flow's secret id.
func FlowHash(flowID string) string {
	sum := sha256.Sum256([]byte("eulogin-app-flow|" + flowID))
	return hex.EncodeToString(sum[:])
}

// flowTag is the part of FlowHash put into a QR challenge (128 bits).
func flowTag(flowHash string) string {
	b, _ := hex.DecodeString(flowHash)
	if len(b) > 16 {
		b = b[:16]
	}
	return B64.EncodeToString(b)
}

// EncodePublicKey returns the wire form of a P-256 public key: the
// uncompressed SEC1 point (65 bytes), base64url.
func EncodePublicKey(k *ecdsa.PublicKey) (string, error) {
	b, err := k.Bytes()
	if err != nil {
		return "", err
	}
	return B64.EncodeToString(b), nil
}

// ParsePublicKey parses an uncompressed SEC1 P-256 point.
func ParsePublicKey(b []byte) (*ecdsa.PublicKey, error) {
	k, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), b)
	if err != nil {
		return nil, fmt.Errorf("mobileapp: public key: %w", err)
	}
	return k, nil
}

// Sign signs msg with SHA-256 and returns the signature as raw r||s, 32
// bytes each (IEEE P1363, the format of WebCrypto).
func Sign(k *ecdsa.PrivateKey, msg string, rand interface{ Read([]byte) (int, error) }) ([]byte, error) {
	sum := sha256.Sum256([]byte(msg))
	r, s, err := ecdsa.Sign(rand, k, sum[:])
	if err != nil {
		return nil, err
	}
	out := make([]byte, 64)
	r.FillBytes(out[:32])
	s.FillBytes(out[32:])
	return out, nil
}

// errSignature is returned by Verify for any bad signature.
var errSignature = errors.New("mobileapp: bad signature")

// Verify checks a raw r||s P-256 signature of msg with SHA-256.
func Verify(k *ecdsa.PublicKey, msg string, sig []byte) error {
	if len(sig) != 64 {
		return errSignature
	}
	sum := sha256.Sum256([]byte(msg))
	r := new(big.Int).SetBytes(sig[:32])
	s := new(big.Int).SetBytes(sig[32:])
	if !ecdsa.Verify(k, sum[:], r, s) {
		return errSignature
	}
	return nil
}

// Wire bodies of the /app/v1 API. Binary values are base64url without
// padding; times are Unix seconds.

// EnrolRequest is the body of POST /app/v1/enrol.
type EnrolRequest struct {
	V          int    `json:"v"`
	Code       string `json:"code"`
	PublicKey  string `json:"public_key"`
	DeviceName string `json:"device_name"`
}

// EnrolResponse answers POST /app/v1/enrol.
type EnrolResponse struct {
	V          int    `json:"v"`
	DeviceID   string `json:"device_id"`
	DeviceName string `json:"device_name"`
	Account    string `json:"account"`
	OTPSecret  string `json:"otp_secret"`
	QRKey      string `json:"qr_key"`
	PINLength  int    `json:"pin_length"`
	VAPIDKey   string `json:"vapid_key,omitempty"` // Web Push application server key; absent when push is off
}

// ConfirmRequest is the body of POST /app/v1/enrol/confirm.
type ConfirmRequest struct {
	V         int    `json:"v"`
	DeviceID  string `json:"device_id"`
	PIN       string `json:"pin"`
	Timestamp int64  `json:"timestamp"`
	Signature string `json:"signature"`
}

// PushSubscribeRequest is the body of POST /app/v1/push: the device's Web Push
// subscription (PushSubscription.toJSON(): endpoint and keys, base64url).
type PushSubscribeRequest struct {
	V         int    `json:"v"`
	DeviceID  string `json:"device_id"`
	Endpoint  string `json:"endpoint"`
	P256DH    string `json:"p256dh"`
	Auth      string `json:"auth"`
	Timestamp int64  `json:"timestamp"`
	Signature string `json:"signature"`
}

// PushKeyResponse answers GET /app/v1/push/key.
type PushKeyResponse struct {
	V        int    `json:"v"`
	VAPIDKey string `json:"vapid_key"`
}

// RemoveRequest is the body of POST /app/v1/remove.
type RemoveRequest struct {
	V         int    `json:"v"`
	DeviceID  string `json:"device_id"`
	Timestamp int64  `json:"timestamp"`
	Signature string `json:"signature"`
}

// NonceResponse answers GET /app/v1/nonce.
type NonceResponse struct {
	V       int    `json:"v"`
	Nonce   string `json:"nonce"`
	Expires int64  `json:"expires"`
}

// WireRequest is a pending push request as the app receives it.
type WireRequest struct {
	ID        string `json:"id"`
	Challenge string `json:"challenge"`
	Service   string `json:"service"`
	Browser   string `json:"browser"`
	IP        string `json:"ip"`
	Time      int64  `json:"time"`
	Expires   int64  `json:"expires"`
	Numbers   []int  `json:"numbers"`
}

// RequestsResponse answers GET /app/v1/requests.
type RequestsResponse struct {
	V        int           `json:"v"`
	Requests []WireRequest `json:"requests"`
}

// AnswerRequest is the body of POST /app/v1/requests/{id}.
type AnswerRequest struct {
	V         int    `json:"v"`
	DeviceID  string `json:"device_id"`
	Decision  string `json:"decision"`
	Number    int    `json:"number"`
	PIN       string `json:"pin"`
	Timestamp int64  `json:"timestamp"`
	Signature string `json:"signature"`
}

// StateResponse answers a successful confirmation or answer.
type StateResponse struct {
	V     int    `json:"v"`
	State string `json:"state"`
}

// ErrorResponse is the body of every refusal.
type ErrorResponse struct {
	V            int    `json:"v"`
	Error        string `json:"error"`
	Message      string `json:"message"`
	AttemptsLeft int    `json:"attempts_left,omitempty"`
}
