// Package webpush sends Web Push messages from an application server to a
// browser or an app through its push service, with the standard library
// only.
//
// # The flow
//
//  1. Once, the server makes its VAPID key pair ([GenerateVAPID]) and keeps
//     it ([VAPID.MarshalPrivate], [ParseVAPID]). Pages pass
//     [VAPID.PublicKey] to pushManager.subscribe as applicationServerKey,
//     which restricts the subscription to this server (RFC 8292 §4).
//  2. The browser gives the page a PushSubscription; its toJSON() decodes
//     into a [Subscription] (endpoint, p256dh, auth), which the server
//     checks ([Subscription.Validate]) and stores.
//  3. To notify, [Sender.Send] encrypts the payload for the subscription
//     ([Encrypt]) and POSTs it to the endpoint. A 201 means the push service
//     took it; [ErrGone] means the subscription is dead and should be deleted.
//
// # What is implemented
//
// Message encryption is RFC 8291: ECDH on P-256 between a fresh ephemeral
// key and the subscription's p256dh (§3.1), combined with the 16-byte auth
// secret by HKDF-SHA-256 with the info "WebPush: info" 0x00 ua_public
// as_public (§3.3, §3.4), then the aes128gcm content coding of RFC 8188:
// HKDF with a random 16-byte salt gives the AES-128-GCM key and nonce
// (§2.2, §2.3), and the body is the header (salt, record size 4096, keyid =
// the ephemeral public key, §2.1) and one record, the plaintext followed by
// the 0x02 delimiter without padding. So a payload holds at most
// [MaxPayload] = 3993 bytes (RFC 8291 §4). [Decrypt] is the receiving side,
// which package webpushtest uses to play the browser.
//
// Delivery is RFC 8030 §5: a POST with the TTL header (§5.2), optionally
// Urgency (§5.3) and Topic (§5.4); Content-Encoding: aes128gcm. 404 and 410
// answers mean the subscription is gone (§7.3).
//
// Identification is RFC 8292: the Authorization header "vapid t=<JWT>,
// k=<public key>" (§3), the JWT signed with ES256 (ECDSA P-256 SHA-256, the
// signature as raw r‖s) with the claims aud (the origin of the endpoint), exp
// ([TokenLifetime] ahead, below the 24 hours of §2) and sub (the contact URI).
//
// # Secrets
//
// The VAPID private key and the subscriptions' auth secrets are secrets.
// Nothing in this package logs, and no error contains a payload, a key or an
// endpoint's path.
package webpush
