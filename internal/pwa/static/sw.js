/*
 * sw.js: the service worker of the EU Login Mobile App, scope /app/.
 *
 * Offline: the app shell is precached in a versioned cache; the version is
 * written in by the server (a hash of the app's files), so any change to
 * the app installs a new worker, which fetches the new files and deletes the
 * old caches. The shell is served cache first; /app/v1/ (the API) is never
 * cached: network only, always.
 *
 * Web Push: a push message ({"v":1,"type":"request","device_id","request_id",
 * "service","expires"}: nothing secret) shows a notification in the app's
 * language and tells the open app windows to list requests at once; a click
 * on it focuses the app or opens /app/#request=<id>&device=<id>.
 *
 * A classic script (not a module), so that every browser with service
 * workers runs it; the few protocol helpers it needs are repeated here from
 * protocol.js, api.js and store.js and must stay in step with them.
 */
"use strict";

const VERSION = "__EULOGIN_APP_VERSION__";
const CACHE = "eulogin-app-" + VERSION;
const SHELL = [
  "/app/",
  "/app/app.js",
  "/app/api.js",
  "/app/i18n.js",
  "/app/poll.js",
  "/app/protocol.js",
  "/app/push.js",
  "/app/scan.js",
  "/app/store.js",
  "/app/app.css",
  "/app/manifest.webmanifest",
  "/app/i18n/bg.json",
  "/app/i18n/cs.json",
  "/app/i18n/da.json",
  "/app/i18n/de.json",
  "/app/i18n/el.json",
  "/app/i18n/en.json",
  "/app/i18n/es.json",
  "/app/i18n/et.json",
  "/app/i18n/fi.json",
  "/app/i18n/fr.json",
  "/app/i18n/ga.json",
  "/app/i18n/hr.json",
  "/app/i18n/hu.json",
  "/app/i18n/it.json",
  "/app/i18n/lt.json",
  "/app/i18n/lv.json",
  "/app/i18n/mt.json",
  "/app/i18n/nl.json",
  "/app/i18n/pl.json",
  "/app/i18n/pt.json",
  "/app/i18n/ro.json",
  "/app/i18n/sk.json",
  "/app/i18n/sl.json",
  "/app/i18n/sv.json",
  "/app/icons/icon-192.png",
  "/app/icons/icon-512.png",
  "/app/icons/icon-maskable-512.png",
  "/static/css/eulogin.css",
];
const CATALOGUES = ["bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr", "hu", "it", "lt", "lv", "mt", "nl", "pl", "pt", "ro", "sk", "sl", "sv"];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL.map((url) => new Request(url, { cache: "reload" }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(names.filter((n) => n.startsWith("eulogin-app-") && n !== CACHE).map((n) => caches.delete(n))),
      )
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  if (req.method !== "GET") {
    return;
  }
  const url = new URL(req.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith("/app/v1/")) {
    return; // the network, untouched: API answers are never cached
  }
  let path = url.pathname;
  if (path === "/app/index.html" || (req.mode === "navigate" && path === "/app/")) {
    path = "/app/";
  }
  if (!SHELL.includes(path)) {
    return;
  }
  event.respondWith(
    caches.open(CACHE).then((cache) =>
      cache.match(path).then((hit) => hit || fetch(req)),
    ),
  );
});

// ---------------------------------------------------------------------------
// Web Push.

function openDB() {
  return new Promise((resolve, reject) => {
    const r = indexedDB.open("eulogin-app", 1);
    r.onupgradeneeded = () => {
      const db = r.result;
      if (!db.objectStoreNames.contains("accounts")) {
        db.createObjectStore("accounts", { keyPath: "device_id" });
      }
      if (!db.objectStoreNames.contains("meta")) {
        db.createObjectStore("meta");
      }
    };
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

function dbGet(db, storeName, fn) {
  return new Promise((resolve, reject) => {
    const tx = db.transaction(storeName, "readonly");
    const r = fn(tx.objectStore(storeName));
    tx.oncomplete = () => resolve(r.result);
    tx.onerror = () => reject(tx.error);
  });
}

function dbPut(db, value) {
  return new Promise((resolve, reject) => {
    const tx = db.transaction("accounts", "readwrite");
    tx.objectStore("accounts").put(value);
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
  });
}

// catalogue returns the messages of the language the app shows.
async function catalogue() {
  let lang = "en";
  try {
    const db = await openDB();
    lang = (await dbGet(db, "meta", (s) => s.get("lang"))) || "en";
    db.close();
  } catch {
    // English, then.
  }
  if (!CATALOGUES.includes(lang)) {
    lang = "en";
  }
  const url = "/app/i18n/" + lang + ".json";
  try {
    const resp = (await caches.match(url)) || (await fetch(url));
    return await resp.json();
  } catch {
    return {};
  }
}

function fill(text, params) {
  return String(text).replace(/\{([a-z_]+)\}/g, (m, k) => (k in params ? String(params[k]) : m));
}

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = {};
  }
  if (!data || typeof data !== "object") {
    data = {};
  }
  event.waitUntil(
    (async () => {
      const msgs = await catalogue();
      const service = typeof data.service === "string" ? data.service.slice(0, 200) : "";
      const requestId = typeof data.request_id === "string" ? data.request_id : "";
      const deviceId = typeof data.device_id === "string" ? data.device_id : "";
      const title = msgs["push.notification_title"] || "EU Login";
      const body = service
        ? fill(msgs["push.notification_body"] || "Login request for {service}. Open the app to approve or deny it.", { service })
        : msgs["push.notification_body_generic"] || "Login request. Open the app to approve or deny it.";
      // Open windows first: they list the request at once, whatever becomes
      // of the notification.
      const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      for (const w of windows) {
        w.postMessage({ ...data, type: "push" });
      }
      await self.registration
        .showNotification(title, {
          body,
          tag: requestId || "eulogin-request",
          requireInteraction: true,
          icon: "/app/icons/icon-192.png",
          badge: "/app/icons/icon-192.png",
          data: { request_id: requestId, device_id: deviceId },
        })
        .catch(() => {
          // No permission (any more): the open windows were told anyway.
        });
    })(),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const d = event.notification.data || {};
  const requestId = d.request_id || "";
  const deviceId = d.device_id || "";
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      const app = windows.find((w) => new URL(w.url).pathname.startsWith("/app/"));
      if (app) {
        app.postMessage({ type: "open", request_id: requestId, device_id: deviceId });
        return app.focus();
      }
      const hash = "#request=" + encodeURIComponent(requestId) + "&device=" + encodeURIComponent(deviceId);
      return self.clients.openWindow("/app/" + hash);
    })(),
  );
});

// The push service replaced or dropped the subscription: subscribe again
// with the same server key and register it for every device, signing with
// the keys in IndexedDB (best effort: the app does the same at its next
// start).
function b64url(bytes) {
  const b = new Uint8Array(bytes);
  let s = "";
  for (let i = 0; i < b.length; i++) {
    s += String.fromCharCode(b[i]);
  }
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function unb64url(text) {
  const s = atob(String(text).replace(/-/g, "+").replace(/_/g, "/"));
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    out[i] = s.charCodeAt(i);
  }
  return out;
}

async function registerEverywhere(sub) {
  const db = await openDB();
  const accounts = (await dbGet(db, "accounts", (s) => s.getAll())) || [];
  const j = sub.toJSON();
  const keys = j.keys || {};
  const clean = (s) => String(s || "").replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  for (const a of accounts) {
    if (!a.confirmed) {
      continue;
    }
    const ts = Math.floor(Date.now() / 1000);
    const msg = "v1|push|" + a.device_id + "|" + j.endpoint + "|" + ts;
    const sig = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, a.private_key, new TextEncoder().encode(msg));
    const resp = await fetch(a.server + "/app/v1/push", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      credentials: "omit",
      cache: "no-store",
      body: JSON.stringify({
        v: 1,
        device_id: a.device_id,
        endpoint: j.endpoint,
        p256dh: clean(keys.p256dh),
        auth: clean(keys.auth),
        timestamp: ts,
        signature: b64url(sig),
      }),
    }).catch(() => null);
    if (resp && resp.ok) {
      a.push_endpoint = j.endpoint;
      await dbPut(db, a);
    }
  }
  db.close();
}

self.addEventListener("pushsubscriptionchange", (event) => {
  event.waitUntil(
    (async () => {
      let sub = event.newSubscription || null;
      if (!sub) {
        let key = event.oldSubscription && event.oldSubscription.options && event.oldSubscription.options.applicationServerKey;
        if (!key) {
          const db = await openDB();
          const accounts = (await dbGet(db, "accounts", (s) => s.getAll())) || [];
          db.close();
          const withKey = accounts.find((a) => a.vapid_key);
          key = withKey ? unb64url(withKey.vapid_key) : null;
        }
        if (!key) {
          return;
        }
        sub = await self.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
      }
      await registerEverywhere(sub);
    })().catch(() => {}),
  );
});
