// Package mobileapp is the server side of the EU Login Mobile App
// (verification methods "Mobile App PIN code" and "Mobile App QR code"),
// following docs/mobile-app-protocol.md. Package store keeps every state;
// [Handler] is the /app/v1 JSON API the apps call; the IdP pages call
// [Service] directly. The app side is eulogin/internal/mobileapp/authenticator.
//
// # Adding a device (My Account)
//
//  1. The page checks the PIN typed twice ([CheckPIN] via
//     [Service.StartEnrolment], which hashes it with argon2id) and shows
//     Enrolment.URI as a QR code, single use, [DefaultEnrolTTL].
//  2. The app posts its P-256 public key with the code ([Service.Enrol]):
//     the device is stored unconfirmed, and the app receives its device id,
//     the OTP secret and the server's QR key.
//  3. The app signs a confirmation and sends the PIN
//     ([Service.ConfirmEnrolment]); the server checks it against the hash.
//  4. The page long-polls [Service.WaitEnrolment] (or polls
//     [Service.EnrolmentStatus]) and moves on when the state is
//     [EnrolConfirmed].
//
// # Signing in with a push (PASSWORD_MOBILE_APP)
//
// After the password, [Service.StartPush] creates a request bound to the
// login flow and returns the two-digit number the page shows; the app
// learns of it through the long poll ([Service.WaitPending], woken by the
// [Notifier]) and answers ([Service.Answer]) with the number picked among
// three, the PIN and a signature over the request's challenge. The page
// long-polls [Service.WaitPush] and continues on
// store.AppRequestApproved; denied, wrong_number, locked and expired fail the
// login (and the IdP mails a security notice for the last three but
// expired). Five wrong PINs in a row lock the device ([MaxPINAttempts]);
// attempts are counted before the PIN is checked, so parallel guesses gain
// nothing.
//
// # Signing in with a QR code (offline)
//
// [Service.StartQR] signs a challenge bound to the flow and one device and
// returns the URI to show as a QR code; the app checks the signature and
// derives an 8-character one-time password ([OTP]); [Service.VerifyQR]
// checks what the user typed: single use, [QRTTL], [MaxOTPAttempts] per
// challenge, and the limit regulation.AppOTP per device.
//
// # Secrets
//
// [Keys] hold the QR signing key (a database setting, [LoadKeys]) and a
// master secret from the configuration that encrypts the OTP secrets
// (AES-256-GCM) and authenticates nonces. Signatures are ECDSA P-256 with
// SHA-256 in raw r||s form (64 bytes, as WebCrypto produces); public keys are
// uncompressed SEC1 points; binary values travel as base64url.
//
// Nothing in this package logs a PIN, a code, a secret or a one-time
// password.
package mobileapp
