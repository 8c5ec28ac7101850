// Package pwa serves the installable web app that plays the phone's part of
// the EU Login Mobile App protocol (docs/mobile-app-protocol.md) at /app/.
//
// The app is plain HTML, CSS and ES modules embedded from static/, with no
// build step and nothing from other origins, so the IdP's Content Security
// Policy (script, style and connect 'self') holds. It is served by the IdP
// itself: the app talks only to its own origin's /app/v1/ API, which is why
// it refuses an enrolment code naming another server.
//
// Flow, on the phone:
//
//   - Initialise: the enrolment QR code (camera with BarcodeDetector, or its
//     text typed) gives the server and a one-time code; the app makes a
//     P-256 key pair in WebCrypto with a non-extractable private key, posts
//     the public key to /app/v1/enrol, keeps the answer in IndexedDB (the
//     keys as CryptoKey objects, the OTP secret imported as a non-extractable
//     HMAC key), then proves the PIN at /app/v1/enrol/confirm.
//   - Push login: while the app is open, each account long-polls
//     /app/v1/requests with a signed server nonce; Web Push (when the server
//     offers a VAPID key and the user allows notifications) wakes the service
//     worker, which shows a notification and tells open windows to poll at
//     once. The user picks the number shown by the browser, types the PIN
//     and approves or denies.
//   - QR code (offline): the app checks the server's signature of an offline
//     challenge with the stored QR key and derives the one-time password with
//     the stored HMAC key, with no network.
//   - Accounts: several per phone; removal is signed and sent to
//     /app/v1/remove, then the keys are deleted.
//
// Handler serves the files. Every answer is revalidated (Cache-Control:
// no-cache with a strong ETag): offline use comes from the service worker's
// versioned cache, whose version is a hash of the embedded files written
// into sw.js when it is served, so any change to the app installs a new
// worker and a fresh cache. index.html is served in the language negotiated
// as on the login service's pages (lang parameter, cookie, Accept-Language),
// its data-i18n texts filled from the app's catalogues, so that the page
// and its noscript message read right before the script runs; the script
// then follows the user's choice in the app. Nothing under /app/v1/ is
// served here: that is the JSON API, mounted separately with a more
// specific pattern.
package pwa
