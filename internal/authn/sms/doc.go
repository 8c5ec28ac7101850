// Package sms is the logic of the "Mobile phone + SMS" verification method:
// which numbers may be registered, the challenge codes sent by SMS, and the
// caps that stop SMS pumping. Sending is package eulogin/internal/sms; the
// numbers and challenges are stored by package store.
//
// # Adding a number (My Account)
//
//  1. [NormalizeMobile] checks what the user typed ("+371 2000 0012") and
//     returns the E.164 form and the country, or a reason to refuse it:
//     [ErrNotInternational], [ErrMalformed], [ErrNotMobile],
//     [ErrCountryNotAllowed].
//  2. [Challenges.Start] with [PurposeAddPhone] creates a challenge and
//     returns its code; the caller puts the code into a translated text and
//     hands it to an sms.Sender. If delivery fails, [Challenges.Abandon]
//     lets the user retry at once.
//  3. The user types the code and clicks Finalise: [Challenges.Verify]
//     returns [Verified], and the caller stores the number (store.AddPhone)
//     and mails the owner.
//
// # Signing in
//
// After the password, the user picks one of the account's numbers (shown
// masked with sms.Mask); [Challenges.Start] with [PurposeLogin] and the login
// flow's id sends a code; [Challenges.Verify] with the same flow id checks
// it, and the caller touches the number (store.TouchPhone) and signs the user
// in with strength PASSWORD_SMS.
//
// # Codes
//
// A code is nine characters of [CodeAlphabet] (24 characters without
// look-alikes) in three groups, "XXX-XXX-XXX", drawn from crypto/rand: about
// 41.3 bits. [NormalizeCode] accepts it typed with or without hyphens or
// spaces, in any case. Only an HMAC-SHA256 of a per-challenge random salt and
// the code is stored (keyed with an optional pepper), and it is compared in
// constant time. A code lives at most 10 minutes ([MaxTTL]), is single use,
// dies after [MaxAttempts] (5) wrong tries, and dies when a newer code is
// sent to the same user for the same purpose. Another code can be sent only
// after a wait ([DefaultResendAfter], one minute), returned as
// Issued.ResendAt and [TooSoonError] so that the page can show a countdown.
//
// Every outcome of [Challenges.Verify] is distinct ([Verified], [WrongCode]
// with the tries left, [TooManyTries], [Expired], [AlreadyUsed],
// [OtherNumber], [NoChallenge]) so the page can say what happened.
//
// # SMS pumping
//
// [Limiter] counts every SMS in the database (package regulation) per
// number, account, client address and country, and refuses with a
// [CapError] naming the cap and the time it lifts. [Challenges.Start] applies
// it after the resend wait (so an early click costs nothing) and before
// storing the challenge (so a refusal leaves the pending code alive).
//
// Nothing in this package logs; errors never hold a code or a full number.
package sms
