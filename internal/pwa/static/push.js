/*
 * push.js: Web Push. One subscription of this browser serves every account
 * (they all live on this app's own server); it is registered for every
 * account's device at /app/v1/push, signed by that device's key. Without a
 * VAPID key from the server, without permission or without a reachable push
 * service, the app carries on with the long poll while it is open.
 */

import * as api from "./api.js";
import { b64urlDecode } from "./protocol.js";
import * as store from "./store.js";

// SUBSCRIBE_LIMIT is how long the app waits for the push service.
const SUBSCRIBE_LIMIT = 10000;

/** pushSupported reports whether this browser has Web Push at all. */
export function pushSupported() {
  return "serviceWorker" in navigator && "PushManager" in globalThis && "Notification" in globalThis;
}

/** permission returns "granted", "denied" or "default" ("denied" without push). */
export function permission() {
  return pushSupported() ? Notification.permission : "denied";
}

/**
 * vapidKey returns the server's VAPID key for these accounts: the one given
 * at enrolment, or GET /app/v1/push/key; "" when push is not available.
 */
export async function vapidKey(accounts) {
  const confirmed = accounts.filter((a) => a.confirmed);
  for (const a of confirmed) {
    if (a.vapid_key) {
      return a.vapid_key;
    }
  }
  if (confirmed.length === 0) {
    return "";
  }
  try {
    const key = await api.pushKey(confirmed[0].server);
    if (key) {
      for (const a of confirmed) {
        a.vapid_key = key;
        await store.putAccount(a);
      }
    }
    return key;
  } catch {
    return "";
  }
}

function sameKey(buf, key) {
  if (!buf) {
    return false;
  }
  const a = new Uint8Array(buf);
  if (a.length !== key.length) {
    return false;
  }
  return a.every((x, i) => x === key[i]);
}

async function subscription(key) {
  const reg = await navigator.serviceWorker.ready;
  const appKey = b64urlDecode(key);
  let sub = await reg.pushManager.getSubscription();
  if (sub && !sameKey(sub.options && sub.options.applicationServerKey, appKey)) {
    // The server changed its key: the old subscription cannot carry its
    // messages any more.
    await sub.unsubscribe().catch(() => {});
    sub = null;
  }
  if (!sub) {
    sub = await withTimeout(reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: appKey }));
  }
  return sub;
}

// withTimeout gives up on a subscription the browser's push service does
// not answer (no network, no push service at all): some browsers wait for
// ever.
function withTimeout(promise) {
  return Promise.race([
    promise,
    new Promise((_, reject) => setTimeout(() => reject(new Error("push service timeout")), SUBSCRIBE_LIMIT)),
  ]);
}

// register posts the subscription for every confirmed account whose device
// does not have it yet (force: all of them). It returns how many succeeded.
async function register(accounts, sub, force) {
  let ok = 0;
  for (const a of accounts) {
    if (!a.confirmed) {
      continue;
    }
    if (!force && a.push_endpoint === sub.endpoint) {
      ok++;
      continue;
    }
    try {
      await api.registerPush(a, sub);
      a.push_endpoint = sub.endpoint;
      await store.putAccount(a);
      ok++;
    } catch {
      // This device stays on the long poll; the next start tries again.
    }
  }
  return ok;
}

/**
 * enablePush asks for the permission (call it straight from the click of
 * "Allow notifications": browsers want a user gesture), subscribes and
 * registers the subscription for every account. It returns true when at
 * least one device will be notified.
 */
export async function enablePush(accounts, key) {
  if (!pushSupported() || !key) {
    return false;
  }
  try {
    const granted = await Notification.requestPermission();
    if (granted !== "granted") {
      return false;
    }
    const sub = await subscription(key);
    return (await register(accounts, sub, true)) > 0;
  } catch {
    return false;
  }
}

/**
 * syncPush, at start and after a new account, registers the existing
 * subscription for devices that do not have it yet. It never prompts. It
 * returns true when this browser is subscribed.
 */
export async function syncPush(accounts, key) {
  if (!pushSupported() || !key || Notification.permission !== "granted") {
    return false;
  }
  try {
    const sub = await subscription(key);
    return (await register(accounts, sub, false)) > 0;
  } catch {
    return false;
  }
}
