/*
 * api.js: the calls of the /app/v1/ JSON API (docs/mobile-app-protocol.md).
 * Every body carries "v": 1 and every signed value is made by protocol.js.
 * A refusal becomes an ApiError with the protocol's error code; a network
 * failure is the code "network", an answer that is not the protocol's is
 * "http".
 */

import { messages, sign, unixNow } from "./protocol.js";

/** ApiError is a refusal of the server, or a failure to reach it. */
export class ApiError extends Error {
  constructor(status, code, message, attemptsLeft) {
    super(message || code);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.attemptsLeft = attemptsLeft;
  }
}

// LIMIT is how long a call that does not long-poll may take.
const LIMIT = 20000;

// call sends one request; wait is the long poll's seconds, which extend the
// time allowed.
async function call(server, method, path, { body, headers, signal, wait = 0 } = {}) {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), LIMIT + wait * 1000);
  const stop = () => ctl.abort();
  if (signal) {
    if (signal.aborted) {
      ctl.abort();
    }
    signal.addEventListener("abort", stop, { once: true });
  }
  const h = { Accept: "application/json", ...(headers || {}) };
  if (body !== undefined) {
    h["Content-Type"] = "application/json";
  }
  let resp;
  let text;
  try {
    resp = await fetch(server + path, {
      method,
      headers: h,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
      credentials: "omit",
      redirect: "error",
      signal: ctl.signal,
    });
    text = await resp.text();
  } catch (e) {
    if (signal && signal.aborted) {
      throw new DOMException("aborted", "AbortError");
    }
    throw new ApiError(0, "network", String(e && e.message));
  } finally {
    clearTimeout(timer);
    if (signal) {
      signal.removeEventListener("abort", stop);
    }
  }
  let data = null;
  try {
    data = JSON.parse(text);
  } catch {
    data = null;
  }
  if (!resp.ok) {
    if (data && typeof data.error === "string" && data.error) {
      throw new ApiError(resp.status, data.error, data.message, data.attempts_left);
    }
    throw new ApiError(resp.status, "http", "server answered " + resp.status);
  }
  if (!data || typeof data !== "object") {
    throw new ApiError(resp.status, "http", "malformed answer");
  }
  return data;
}

/**
 * enrol registers the device's public key with an enrolment code (§1.2) and
 * returns the server's answer: device_id, device_name, account, otp_secret,
 * qr_key, pin_length, and vapid_key when the server offers Web Push.
 */
export async function enrol(server, code, publicKeyB64, deviceName) {
  const r = await call(server, "POST", "/app/v1/enrol", {
    body: { v: 1, code, public_key: publicKeyB64, device_name: deviceName },
  });
  if (!r.device_id || typeof r.otp_secret !== "string" || typeof r.qr_key !== "string") {
    throw new ApiError(200, "http", "malformed enrolment answer");
  }
  return r;
}

/** confirm proves the PIN of a new device (§1.3). */
export async function confirm(acct, pin) {
  const ts = unixNow();
  const signature = await sign(acct.private_key, messages.confirm(acct.device_id, ts));
  return call(acct.server, "POST", "/app/v1/enrol/confirm", {
    body: { v: 1, device_id: acct.device_id, pin, timestamp: ts, signature },
  });
}

/**
 * listRequests returns the pending requests of a device (§2.2), waiting up
 * to wait seconds (0: at once) for one to appear.
 */
export async function listRequests(acct, wait, signal) {
  const n = await call(acct.server, "GET", "/app/v1/nonce", { signal });
  if (typeof n.nonce !== "string") {
    throw new ApiError(200, "http", "malformed nonce");
  }
  const ts = unixNow();
  const signature = await sign(acct.private_key, messages.list(acct.device_id, n.nonce, ts));
  const q = new URLSearchParams({ device: acct.device_id });
  if (wait > 0) {
    q.set("wait", String(wait));
  }
  const r = await call(acct.server, "GET", "/app/v1/requests?" + q.toString(), {
    signal,
    wait,
    headers: {
      "X-EULogin-Nonce": n.nonce,
      "X-EULogin-Timestamp": String(ts),
      "X-EULogin-Signature": signature,
    },
  });
  return Array.isArray(r.requests) ? r.requests.filter(validRequest) : [];
}

function validRequest(r) {
  return r && typeof r.id === "string" && typeof r.challenge === "string" && Array.isArray(r.numbers);
}

/**
 * answer approves or denies a request (§2.3); number is 0 for a denial
 * without one, pin is left out of a denial. It returns the new state.
 */
export async function answer(acct, req, decision, number, pin) {
  const ts = unixNow();
  const n = Number.isInteger(number) ? number : 0;
  const signature = await sign(acct.private_key, messages.answer(req.id, req.challenge, decision, n, ts));
  const body = { v: 1, device_id: acct.device_id, decision, number: n, timestamp: ts, signature };
  if (decision === "approve") {
    body.pin = pin;
  }
  const r = await call(acct.server, "POST", "/app/v1/requests/" + encodeURIComponent(req.id), { body });
  return r.state;
}

/**
 * pushKey returns the server's VAPID public key (base64url point), or ""
 * when the server does not offer Web Push (404, or no key).
 */
export async function pushKey(server) {
  try {
    const r = await call(server, "GET", "/app/v1/push/key");
    return typeof r.vapid_key === "string" ? r.vapid_key : "";
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.code === "not_found")) {
      return "";
    }
    throw e;
  }
}

/**
 * registerPush tells the server the Web Push subscription of this browser
 * for one device: the endpoint and the keys (base64url without padding)
 * from subscription.toJSON().
 */
export async function registerPush(acct, sub) {
  const j = sub.toJSON();
  const keys = j.keys || {};
  const strip = (s) => String(s || "").replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  const ts = unixNow();
  const signature = await sign(acct.private_key, messages.push(acct.device_id, j.endpoint, ts));
  return call(acct.server, "POST", "/app/v1/push", {
    body: {
      v: 1,
      device_id: acct.device_id,
      endpoint: j.endpoint,
      p256dh: strip(keys.p256dh),
      auth: strip(keys.auth),
      timestamp: ts,
      signature,
    },
  });
}

/** remove asks the server to remove the device (it e-mails a security notice). */
export async function remove(acct) {
  const ts = unixNow();
  const signature = await sign(acct.private_key, messages.remove(acct.device_id, ts));
  return call(acct.server, "POST", "/app/v1/remove", {
    body: { v: 1, device_id: acct.device_id, timestamp: ts, signature },
  });
}
