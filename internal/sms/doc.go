// Package sms delivers the identity provider's text messages (the challenge
// codes of the "Mobile phone + SMS" verification method).
//
// Callers render a [Message] (the recipient in E.164 form and the text,
// already in the user's language) and hand it to a [Sender]. [New] builds the
// sender that [Config.Provider] names:
//
//   - "outbox": [Outbox] keeps the message in the dev outbox (a database
//     table shown at /dev/outbox in development mode) instead of sending it.
//   - "http": [HTTPGateway] POSTs a small signed JSON document to an
//     operator's gateway.
//   - "twilio": [Twilio] calls the Twilio Messages API.
//
// # The generic HTTP gateway
//
// Each message is one request; any 2xx answer means sent:
//
//	POST <URL>
//	Content-Type: application/json
//	X-Eulogin-Timestamp: 1767261600
//	X-Eulogin-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>
//	<configured headers>
//
//	{"to":"+37120000012","text":"...","id":"<random message id>"}
//
// The gateway recomputes the signature over the exact bytes of the body,
// compares it in constant time, and refuses timestamps far from its clock.
// [Sign] computes it.
//
// # Twilio
//
//	POST https://api.twilio.com/2010-04-01/Accounts/{AccountSid}/Messages.json
//	Authorization: Basic base64(AccountSid:AuthToken)
//	Content-Type: application/x-www-form-urlencoded
//
//	Body=...&From=%2B15005550006&To=%2B37120000012
//
// (MessagingServiceSid instead of From for a Messaging Service.) Twilio
// answers 201 Created; on failure it answers {"code", "message", "status"}.
//
// # Failures
//
// Every failure to hand a message over is a [*DeliveryError] that matches
// [ErrDelivery] with errors.Is, so the user interface can show one generic,
// translated "the SMS could not be sent, try again or choose another method"
// message. The error carries the HTTP status, the provider's own error code
// when it has one, and whether retrying may help; it never carries the
// message text, the answer of a generic gateway, a URL or a secret.
//
// # What is logged
//
// No function of this package logs. Errors and [Message.LogValue] never hold
// the text (which holds the code) or the full number: [Mask] shows a number
// in logs and pages as "+371 ••• ••• 12".
package sms
