// Package authenticator is the reference implementation of the app side of
// the EU Login Mobile App protocol (docs/mobile-app-protocol.md), in Go. The
// eulogin-authenticator command and the end-to-end tests use it; the
// installable web app follows it step by step. It deliberately shares no
// code with the server package (eulogin/internal/authn/mobileapp), so that
// the tests check the written protocol rather than one implementation
// against itself.
//
// # Flow
//
//  1. [Authenticator.Enrol] takes the URI of the enrolment QR code (read
//     from an image with [DecodeQR] or [ReadPayload]), makes a P-256 key
//     pair, registers the public key (POST /app/v1/enrol), saves the account
//     in the [Keystore], then proves the PIN (POST /app/v1/enrol/confirm,
//     signed). A refused PIN can be retried with [Authenticator.Confirm].
//  2. [Authenticator.Wait] long-polls every account for pending push
//     requests (GET /app/v1/nonce, then GET /app/v1/requests signed over the
//     nonce); [Authenticator.Pending] does not wait.
//  3. [Authenticator.Answer] approves or denies a request with the number
//     picked and the PIN, signing the canonical answer string.
//  4. [Authenticator.OTP] turns an offline QR code into the 8-character
//     one-time password with no network, after checking the server's
//     signature with the key received at enrolment.
//
// # Keys
//
// The [Keystore] is one JSON file, mode 0600, holding every account of the
// device: the server, the device id, the private key, the OTP secret and the
// server's QR key. Several accounts, on one server or several, live side by
// side. Servers must use HTTPS, except on a loopback address.
package authenticator
