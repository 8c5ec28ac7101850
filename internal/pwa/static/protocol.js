/*
 * protocol.js: the app's side of the EU Login Mobile App protocol, version 1
 * (docs/mobile-app-protocol.md), without any user interface: base64url,
 * the canonical strings a device signs, the two QR code texts, the device
 * keys, signatures and the offline one-time password. It behaves exactly
 * like the Go reference, internal/mobileapp/authenticator.
 *
 * Only WebCrypto (globalThis.crypto.subtle) is used, so this module also
 * runs under Node for development checks.
 */

/** OTP_ALPHABET is the 32 characters of a one-time password. */
export const OTP_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

const ECDSA = { name: "ECDSA", namedCurve: "P-256" };
const SIGN = { name: "ECDSA", hash: "SHA-256" };
const HMAC = { name: "HMAC", hash: "SHA-256" };
const utf8 = new TextEncoder();

/**
 * AppError is a refusal the user can act on: key names the catalogue
 * message, params fill its placeholders.
 */
export class AppError extends Error {
  constructor(key, params) {
    super(key);
    this.name = "AppError";
    this.key = key;
    this.params = params || {};
  }
}

/** b64urlEncode returns bytes as base64url without padding (RFC 4648 §5). */
export function b64urlEncode(bytes) {
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let bin = "";
  for (let i = 0; i < b.length; i++) {
    bin += String.fromCharCode(b[i]);
  }
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/**
 * b64urlDecode returns the bytes of a base64url text without padding; it
 * throws on any other character, like Go's base64.RawURLEncoding.
 */
export function b64urlDecode(text) {
  if (typeof text !== "string" || !/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) {
    throw new AppError("error.malformed");
  }
  const bin = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) {
    out[i] = bin.charCodeAt(i);
  }
  return out;
}

/** unixNow is the current time in Unix seconds. */
export function unixNow() {
  return Math.floor(Date.now() / 1000);
}

/** Canonical strings a device signs (protocol §1.3, §2.2, §2.3, push, removal). */
export const messages = {
  confirm: (deviceId, ts) => `v1|confirm|${deviceId}|${ts}`,
  list: (deviceId, nonce, ts) => `v1|requests|${deviceId}|${nonce}|${ts}`,
  answer: (requestId, challenge, decision, number, ts) =>
    `v1|${requestId}|${challenge}|${decision}|${Math.trunc(number)}|${ts}`,
  push: (deviceId, endpoint, ts) => `v1|push|${deviceId}|${endpoint}|${ts}`,
  remove: (deviceId, ts) => `v1|remove|${deviceId}|${ts}`,
  qr: (challenge, deviceId) => `v1|qr|${challenge}|${deviceId}`,
};

/** isLoopback reports whether a URL host name is a loopback address. */
export function isLoopback(hostname) {
  return hostname === "localhost" || hostname === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

// query returns the query of an "eulogin-app://<host>?..." text, or null.
// The text may have been typed or pasted with line breaks or spaces, which
// a URI cannot contain, so all white space goes.
function query(text, host) {
  const t = String(text || "").replace(/\s+/g, "");
  const m = /^eulogin-app:\/\/([a-z]+)\/?\?(.*)$/i.exec(t);
  if (!m || m[1].toLowerCase() !== host) {
    return null;
  }
  return new URLSearchParams(m[2].replace(/#.*$/, ""));
}

/**
 * parseEnrolURI returns the server (base URL without a final "/"), its
 * origin and the code of an enrolment QR code
 * ("eulogin-app://enrol?v=1&s=...&c="). The server must use HTTPS, except
 * on a loopback address (a development instance). When appOrigin is given,
 * the server must be that origin: this app talks only to the server it was
 * installed from (its Content Security Policy allows nothing else).
 */
export function parseEnrolURI(text, appOrigin) {
  const q = query(text, "enrol");
  if (!q) {
    throw new AppError("enrol.error_not_code");
  }
  if (q.get("v") !== "1") {
    throw new AppError("enrol.error_version");
  }
  const server = (q.get("s") || "").replace(/\/+$/, "");
  const code = q.get("c") || "";
  let u;
  try {
    u = new URL(server);
  } catch {
    throw new AppError("enrol.error_incomplete");
  }
  if (!code || !u.host) {
    throw new AppError("enrol.error_incomplete");
  }
  if (u.protocol !== "https:" && !(u.protocol === "http:" && isLoopback(u.hostname))) {
    throw new AppError("enrol.error_insecure", { server });
  }
  if (appOrigin && u.origin !== appOrigin) {
    throw new AppError("enrol.error_other_server", { server: u.origin, origin: appOrigin });
  }
  return { server, origin: u.origin, code };
}

/**
 * parseOTPURI returns the challenge, signature, device id and expiry (Unix
 * seconds) of an offline QR code ("eulogin-app://otp?v=1&c=...&sig=...&d=...").
 */
export function parseOTPURI(text) {
  const q = query(text, "otp");
  if (!q) {
    throw new AppError("qr.error_not_code");
  }
  if (q.get("v") !== "1") {
    throw new AppError("qr.error_version");
  }
  const challenge = q.get("c") || "";
  const device = q.get("d") || "";
  let sig;
  try {
    sig = b64urlDecode(q.get("sig") || "");
  } catch {
    sig = null;
  }
  if (!sig || sig.length !== 64) {
    throw new AppError("qr.error_signature");
  }
  const parts = challenge.split(".");
  if (parts.length !== 3 || !/^\d+$/.test(parts[2])) {
    throw new AppError("qr.error_malformed");
  }
  return { challenge, sig, device, expires: Number(parts[2]) };
}

/**
 * generateDeviceKeys makes the device's P-256 key pair. The private key is
 * not extractable; WebCrypto always lets the public key be exported, and it
 * is, as the uncompressed point the server expects.
 */
export async function generateDeviceKeys() {
  const keys = await crypto.subtle.generateKey(ECDSA, false, ["sign", "verify"]);
  const raw = await crypto.subtle.exportKey("raw", keys.publicKey);
  return { privateKey: keys.privateKey, publicKey: keys.publicKey, publicKeyB64: b64urlEncode(raw) };
}

/** sign returns the raw r‖s ECDSA P-256 SHA-256 signature of message, base64url. */
export async function sign(privateKey, message) {
  const sig = await crypto.subtle.sign(SIGN, privateKey, utf8.encode(message));
  return b64urlEncode(sig);
}

/**
 * importOTPKey turns the enrolment's OTP secret into a non-extractable
 * HMAC-SHA256 key and wipes the decoded bytes: the app never holds the raw
 * secret again.
 */
export async function importOTPKey(secretB64) {
  const secret = b64urlDecode(secretB64);
  if (secret.length !== 32) {
    throw new AppError("error.malformed");
  }
  try {
    return await crypto.subtle.importKey("raw", secret, HMAC, false, ["sign"]);
  } finally {
    secret.fill(0);
  }
}

/** importQRKey imports the server's QR public key (uncompressed point, base64url). */
export async function importQRKey(pointB64) {
  const point = b64urlDecode(pointB64);
  if (point.length !== 65 || point[0] !== 4) {
    throw new AppError("error.malformed");
  }
  return crypto.subtle.importKey("raw", point, ECDSA, true, ["verify"]);
}

/** verifyQR checks the server's raw r‖s signature of "v1|qr|<c>|<d>". */
export async function verifyQR(qrKey, challenge, deviceId, sig) {
  try {
    return await crypto.subtle.verify(SIGN, qrKey, sig, utf8.encode(messages.qr(challenge, deviceId)));
  } catch {
    return false;
  }
}

/**
 * deriveOTP is the protocol's one-time password: the first 40 bits of
 * HMAC-SHA256(secret, challenge), big-endian, as 8 characters of
 * OTP_ALPHABET, 5 bits each, most significant first. 40 bits fit exactly in
 * a JavaScript number (53-bit integers).
 */
export async function deriveOTP(hmacKey, challenge) {
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", hmacKey, utf8.encode(challenge)));
  let v = 0;
  for (let i = 0; i < 5; i++) {
    v = v * 256 + mac[i];
  }
  const out = new Array(8);
  for (let i = 7; i >= 0; i--) {
    out[i] = OTP_ALPHABET[v % 32];
    v = Math.floor(v / 32);
  }
  return out.join("");
}

/** formatOTP shows a one-time password as two groups of four, "ABCD-EFGH". */
export function formatOTP(otp) {
  return otp.slice(0, 4) + "-" + otp.slice(4);
}

/**
 * otpForQR derives, with no network, the one-time password of an offline QR
 * code text for one of accounts (records with device_id, confirmed, qr_key,
 * otp_key). It finds the account by the device id d, or else the accounts
 * whose server key verifies the signature; it checks the signature and the
 * expiry. It returns { otp: "XXXX-XXXX", account, expires }.
 */
export async function otpForQR(text, accounts, now = unixNow()) {
  const { challenge, sig, device, expires } = parseOTPURI(text);
  const match = [];
  for (const acct of accounts) {
    if (!acct.confirmed || (device !== "" && acct.device_id !== device)) {
      continue;
    }
    if (await verifyQR(acct.qr_key, challenge, device, sig)) {
      match.push(acct);
    }
  }
  if (match.length === 0 && device !== "") {
    throw new AppError("qr.error_other_device");
  }
  if (match.length === 0) {
    throw new AppError("qr.error_no_account");
  }
  if (match.length > 1) {
    throw new AppError("qr.error_several");
  }
  if (now >= expires) {
    throw new AppError("qr.error_expired");
  }
  const otp = await deriveOTP(match[0].otp_key, challenge);
  return { otp: formatOTP(otp), account: match[0], expires };
}
