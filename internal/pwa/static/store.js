/*
 * store.js: the app's IndexedDB database. IndexedDB can hold CryptoKey
 * objects, so the device's keys stay non-extractable WebCrypto keys: the
 * browser stores them, the app can use them, and no script can read their
 * bytes.
 *
 * Database "eulogin-app", version 1 (sw.js opens the same one):
 *   accounts  (key device_id) one record per enrolled account:
 *     device_id, device_name, account (e-mail), server (base URL), origin,
 *     pin_length, private_key and public_key (CryptoKey, ECDSA P-256),
 *     public_key_b64, otp_key (CryptoKey, HMAC-SHA256, not extractable),
 *     qr_key (CryptoKey, ECDSA verify), qr_key_b64, vapid_key (or ""),
 *     confirmed (bool), added (ms since 1970), push_endpoint (or "").
 *   meta      (out-of-line keys) "lang": the language the app shows, read
 *             by the service worker for notifications.
 */

const NAME = "eulogin-app";
const VERSION = 1;

let opening = null;

function open() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const req = indexedDB.open(NAME, VERSION);
      req.onupgradeneeded = () => {
        const db = req.result;
        if (!db.objectStoreNames.contains("accounts")) {
          db.createObjectStore("accounts", { keyPath: "device_id" });
        }
        if (!db.objectStoreNames.contains("meta")) {
          db.createObjectStore("meta");
        }
      };
      req.onsuccess = () => {
        const db = req.result;
        // Another tab with a newer version wants the database: let it.
        db.onversionchange = () => {
          db.close();
          opening = null;
        };
        resolve(db);
      };
      req.onerror = () => {
        opening = null;
        reject(req.error);
      };
      req.onblocked = () => {
        opening = null;
        reject(new Error("IndexedDB blocked"));
      };
    });
  }
  return opening;
}

async function run(storeName, mode, fn) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(storeName, mode);
    const req = fn(tx.objectStore(storeName));
    tx.oncomplete = () => resolve(req ? req.result : undefined);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error("IndexedDB transaction aborted"));
  });
}

/** listAccounts returns every account, oldest first. */
export async function listAccounts() {
  const all = await run("accounts", "readonly", (s) => s.getAll());
  return (all || []).sort((a, b) => (a.added || 0) - (b.added || 0));
}

/** getAccount returns the account of a device id, or undefined. */
export function getAccount(deviceId) {
  return run("accounts", "readonly", (s) => s.get(deviceId));
}

/** putAccount stores (adds or replaces) an account record. */
export function putAccount(acct) {
  return run("accounts", "readwrite", (s) => s.put(acct));
}

/** deleteAccount deletes an account and, with it, its keys. */
export function deleteAccount(deviceId) {
  return run("accounts", "readwrite", (s) => s.delete(deviceId));
}

/** getMeta returns a value of the meta store. */
export function getMeta(key) {
  return run("meta", "readonly", (s) => s.get(key));
}

/** setMeta stores a value in the meta store. */
export function setMeta(key, value) {
  return run("meta", "readwrite", (s) => s.put(value, key));
}

/** storageAvailable reports whether this browser has IndexedDB at all. */
export function storageAvailable() {
  return typeof indexedDB !== "undefined";
}
