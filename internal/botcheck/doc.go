// Package botcheck protects the registration form against bots without a
// third-party service and without shutting out people who run no
// JavaScript.
//
// # Flow
//
//  1. The handler that renders the form calls Checker.Issue and puts the
//     Challenge into the page: Token in a hidden input named FieldToken,
//     Salt and Difficulty in data attributes of the form, and A and B in a
//     translated question "What is A + B?" answered in the input FieldAnswer.
//  2. With JavaScript, static/js/botcheck.js starts static/js/botcheck-worker.js
//     as a Web Worker. The worker finds a nonce (the proof of work), and
//     botcheck.js writes it into the hidden input FieldNonce and hides the
//     question. If the user submits early, the submit waits for the nonce.
//     Without JavaScript, or when the worker fails, the question stays (or
//     comes back) and the user answers it.
//  3. The handler that receives the form calls Checker.Verify with the
//     three fields. Verify checks the token's signature and age, spends it
//     through the Spender (single use, recorded in the database so every
//     replica sees it), and then accepts either a nonce that solves the
//     proof of work or the right answer.
//
// Nothing lives in memory: the token carries everything Verify needs,
// signed with Checker.Key, which all replicas share. Only the spend records
// are stored, and they can be dropped once expired.
//
// # Token
//
// The token is base64url without padding (RFC 4648 §5) of 74 bytes:
//
//	version (1 byte, = 1)
//	id (16 random bytes from crypto/rand)
//	issued (Unix seconds, 8 bytes big endian)
//	difficulty (1 byte)
//	answer MAC (16 bytes): HMAC-SHA256(answer key, id || ":" || decimal(A+B)), truncated
//	signature (32 bytes): HMAC-SHA256(token key, all the bytes above)
//
// The token key and the answer key are derived from Checker.Key as
// HMAC-SHA256(Key, "eulogin botcheck v1 token") and
// HMAC-SHA256(Key, "eulogin botcheck v1 answer"). The answer cannot be read
// from the token, and trying the 17 possible sums needs the key. Verify
// compares the signature and the answer MAC in constant time. It refuses a
// token that does not decode canonically or whose signature is wrong
// (ErrInvalid), one issued more than a minute in the future (ErrInvalid),
// and one older than the TTL (ErrExpired). Only then does it spend the
// token, under the key "botcheck:" + salt with expiry issued + TTL + 1 min,
// so that a wrong guess uses the token up and another attempt needs a new
// form (ErrReused). When neither a nonce nor an answer is sent, Verify
// returns ErrMissing without spending the token.
//
// # Proof of work: the exact hashing input
//
// Both Solve (Go) and botcheck-worker.js (JavaScript) compute
//
//	SHA-256( UTF-8( salt + ":" + nonce ) )
//
// where salt is Challenge.Salt, the base64url (no padding) encoding of the
// token's 16-byte id, so 22 ASCII characters from [A-Za-z0-9_-]; ":" is a
// single colon (0x3A); and nonce is a counter written in decimal ASCII
// digits without sign or leading zeros ("0", "1", …, "10", …). There is no
// trailing newline. The digest satisfies the difficulty d when its first d
// bits are zero, counting from the most significant bit of the first byte:
// for d = 16 the first two bytes are 0x00. The worker and Solve both try
// nonces 0, 1, 2, … in order and return the first that satisfies d, so they
// return the same nonce. Verify accepts any nonce of 1 to 20 ASCII digits
// that satisfies the token's difficulty.
//
// A difficulty of 0 (the zero value of Checker.Difficulty) disables the
// proof of work: the page then keeps the question visible and Verify
// requires the answer. New returns a Checker with DefaultDifficulty (16),
// about 65 000 hashes on average: well under a second in the worker on a
// current phone.
//
// # HTML the scripts expect
//
//	<form method="post" data-botcheck data-salt="{{.Salt}}"
//	      data-difficulty="{{.Difficulty}}" data-worker="/static/js/botcheck-worker.js">
//	  <input type="hidden" name="botcheck_token" value="{{.Token}}">
//	  <input type="hidden" name="botcheck_nonce" value="">
//	  <div data-botcheck-question>
//	    <label for="botcheck_answer">What is {{.A}} + {{.B}}?</label>
//	    <input id="botcheck_answer" name="botcheck_answer" inputmode="numeric" autocomplete="off">
//	  </div>
//	  <p data-botcheck-status role="status"
//	     data-text-working="Checking that you are not a robot…"
//	     data-text-done="Check complete."></p>
//	  …
//	</form>
//	<script src="/static/js/botcheck.js" defer></script>
//
// The status element stays in the page, empty, from the start: a live
// region is announced reliably only when it exists before its text changes.
// The question is visible without JavaScript; botcheck.js hides it (the
// hidden attribute) while the worker runs and lifts any required attribute
// inside it, and shows it again if the worker is unavailable, fails or takes
// longer than data-timeout seconds (optional, default 60).
package botcheck
