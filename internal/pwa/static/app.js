/*
 * app.js: the screens of the EU Login Mobile App (the installable web app).
 *
 *   enrol    Initialise / Add an account: the enrolment QR code (camera or
 *            its text), then a key pair and POST /app/v1/enrol.
 *   pin      The PIN chosen on the computer: POST /app/v1/enrol/confirm.
 *   done     "Your device has been initialised", and notifications.
 *   home     Pending login requests (long poll, Web Push), "Scan a QR code",
 *            the accounts with "Forgotten PIN code" and "Remove this account".
 *   qr       The offline QR code: the one-time code, with no network.
 *   pinhelp  How to choose a new PIN code (also for a locked device).
 *   remove   Remove an account: POST /app/v1/remove, then delete its keys.
 *
 * Text from the network is only ever set with textContent, never parsed as
 * HTML. Every visible text comes from the catalogues (i18n/<lang>.json); an
 * element's data-i18n names its message so a language change re-translates
 * the whole page.
 */

import * as api from "./api.js";
import * as i18n from "./i18n.js";
import { t } from "./i18n.js";
import { Poller } from "./poll.js";
import * as proto from "./protocol.js";
import * as push from "./push.js";
import { cameraScanAvailable, startScan } from "./scan.js";
import * as store from "./store.js";

const $ = (id) => document.getElementById(id);

const state = {
  screen: "loading",
  accounts: [], // records of store.js
  pollers: new Map(), // device_id → Poller
  status: new Map(), // device_id → "connecting" | "ok" | "offline" | "clock" | "locked" | "unknown_device" | "not_confirmed"
  requests: new Map(), // device_id + " " + request id → card entry
  enrolling: null, // the account whose PIN is being confirmed
  target: null, // the account of the forgotten-PIN and remove screens
  vapid: "",
  pushOn: false,
  focusRequest: "",
  stopCamera: null,
  qrExpires: 0,
  statusKey: "",
  cards: 0,
};

// ---------------------------------------------------------------------------
// DOM helpers: elements are made with createElement and textContent only.

/**
 * el makes an element. attrs: t (message key) and args (its placeholders)
 * set the translated text; label sets a translated aria-label; text sets
 * plain text (data from the network); on<event> adds a listener; anything
 * else is an attribute. Children are nodes or strings (text nodes).
 */
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) {
      continue;
    }
    if (k === "t" || k === "args" || k === "label") {
      continue;
    } else if (k === "text") {
      e.textContent = String(v);
    } else if (k.startsWith("on") && typeof v === "function") {
      e.addEventListener(k.slice(2), v);
    } else {
      e.setAttribute(k, v === true ? "" : String(v));
    }
  }
  if (attrs && (attrs.t || attrs.label)) {
    setText(e, attrs.t, attrs.args, attrs.label);
  }
  for (const c of children) {
    if (c !== null && c !== undefined && c !== false) {
      e.append(c);
    }
  }
  return e;
}

/** setText gives e a translated text (key) and/or aria-label (labelKey). */
function setText(e, key, params, labelKey) {
  if (params) {
    e.setAttribute("data-i18n-args", JSON.stringify(params));
  } else {
    e.removeAttribute("data-i18n-args");
  }
  if (key) {
    e.setAttribute("data-i18n", key);
    e.textContent = t(key, params);
  }
  if (labelKey) {
    e.setAttribute("data-i18n-label", labelKey);
    e.setAttribute("aria-label", t(labelKey, params));
  }
  return e;
}

function row(key, value, attrs) {
  return el(
    "div",
    { class: "summary-list__row" },
    el("dt", { class: "summary-list__key", t: key }),
    el("dd", { class: "summary-list__value", ...(attrs || {}) }, value),
  );
}

function nowSeconds() {
  return Math.floor(Date.now() / 1000);
}

// ---------------------------------------------------------------------------
// Screens.

const TITLES = {
  loading: "frame.loading",
  unsupported: "unsupported.title",
  pin: "pin.title",
  done: "done.title",
  home: "home.title",
  qr: "qr.title",
  pinhelp: "pinhelp.title",
  remove: "remove.title",
};

function titleKey() {
  if (state.screen === "enrol") {
    return $("enrol-title").getAttribute("data-i18n");
  }
  return TITLES[state.screen] || "home.title";
}

function setTitle() {
  document.title = t(titleKey()) + " - " + t("frame.app_name");
}

/** show displays one screen, titles the document and moves focus to its h1. */
function show(name, focus = true) {
  if (state.screen !== name) {
    stopCamera();
  }
  for (const s of document.querySelectorAll("[data-screen]")) {
    s.hidden = s.id !== "screen-" + name;
  }
  state.screen = name;
  setTitle();
  window.scrollTo(0, 0);
  if (focus) {
    const h = document.querySelector("#screen-" + name + " h1");
    if (h) {
      h.focus();
    }
  }
}

// ---------------------------------------------------------------------------
// Form errors (GOV.UK pattern): a summary with a link, the field's own
// message above it, aria-invalid, focus on the summary.

function formParts(prefix, field) {
  return {
    summary: $(prefix + "-errors"),
    link: $(prefix + "-errors-link"),
    field: $(field + "-field"),
    error: $(field + "-error"),
    input: $(field),
    hint: field + "-hint",
  };
}

function errorText(p, key, params) {
  p.replaceChildren(
    el("span", { class: "visually-hidden" }, el("span", { t: "frame.error_prefix" }), ": "),
    el("span", { t: key, args: params }),
  );
}

function setError(parts, key, params) {
  setText(parts.link, key, params);
  errorText(parts.error, key, params);
  parts.error.hidden = false;
  parts.summary.hidden = false;
  parts.field.classList.add("field--error");
  parts.input.setAttribute("aria-invalid", "true");
  parts.input.setAttribute("aria-describedby", parts.hint + " " + parts.error.id);
  parts.summary.focus();
}

function clearError(parts) {
  parts.summary.hidden = true;
  parts.error.hidden = true;
  parts.error.replaceChildren();
  parts.field.classList.remove("field--error");
  parts.input.removeAttribute("aria-invalid");
  parts.input.setAttribute("aria-describedby", parts.hint);
}

/** errorKey returns the message of a failure of an API call. */
function errorKey(e) {
  if (e instanceof proto.AppError) {
    return e.key;
  }
  if (e instanceof api.ApiError) {
    switch (e.code) {
      case "network":
        return "error.network";
      case "stale":
        return "error.clock";
      case "invalid_signature":
        return "error.invalid_signature";
      case "unknown_device":
        return "error.unknown_device";
      case "locked":
        return "error.locked";
      case "bad_request":
      case "unsupported_version":
        return "error.bad_request";
    }
  }
  return "error.unexpected";
}

// ---------------------------------------------------------------------------
// Camera scanning, shared by the enrolment and QR code screens.

function stopCamera() {
  if (state.stopCamera) {
    state.stopCamera();
    state.stopCamera = null;
  }
  for (const id of ["enrol", "qr"]) {
    $(id + "-camera-view").hidden = true;
    $(id + "-scan").hidden = false;
  }
}

function setupCamera(id, prefix, onCode) {
  if (!cameraScanAvailable()) {
    return;
  }
  $(id + "-camera").hidden = false;
  setText($(id + "-video"), null, null, "scan.video_label");
  const status = $(id + "-scan-status");
  $(id + "-scan").addEventListener("click", async () => {
    stopCamera();
    setText(status, "scan.starting");
    $(id + "-scan").hidden = true;
    $(id + "-camera-view").hidden = false;
    try {
      state.stopCamera = await startScan($(id + "-video"), prefix, (text) => {
        state.stopCamera = null;
        stopCamera();
        setText(status, "scan.read");
        onCode(text);
      });
      setText(status, "scan.looking");
    } catch {
      stopCamera();
      setText(status, "scan.error");
    }
  });
  $(id + "-scan-stop").addEventListener("click", () => {
    stopCamera();
    setText(status, "scan.stopped");
    $(id + "-scan").focus();
  });
}

// ---------------------------------------------------------------------------
// Initialise: enrolment (§1.2).

const enrolForm = () => formParts("enrol", "enrol-code");

/** deviceName proposes a name for this device, e.g. "Chrome (Android)". */
function deviceName() {
  const ua = navigator.userAgent || "";
  const uad = navigator.userAgentData;
  let os = (uad && uad.platform) || "";
  let browser = "";
  if (uad && Array.isArray(uad.brands)) {
    const real = uad.brands.find((b) => !/not.?a.?brand|chromium/i.test(b.brand));
    browser = real ? real.brand.replace(/^Google /, "") : "";
  }
  if (!os) {
    os = /Android/.test(ua)
      ? "Android"
      : /iPhone|iPad|iPod/.test(ua)
        ? "iOS"
        : /Windows/.test(ua)
          ? "Windows"
          : /Mac OS X/.test(ua)
            ? "macOS"
            : /Linux/.test(ua)
              ? "Linux"
              : "";
  }
  if (!browser) {
    browser = /Edg\//.test(ua)
      ? "Edge"
      : /Firefox\//.test(ua)
        ? "Firefox"
        : /Chrome\//.test(ua)
          ? "Chrome"
          : /Safari\//.test(ua)
            ? "Safari"
            : "";
  }
  const name = browser && os ? browser + " (" + os + ")" : browser || os || "EU Login Mobile App";
  return name.slice(0, 60);
}

function showEnrol() {
  const first = state.accounts.length === 0;
  setText($("enrol-title"), first ? "enrol.title_first" : "enrol.title_add");
  setText($("enrol-step"), "frame.step", { n: 1, m: 2 });
  setText($("enrol-origin"), "enrol.origin", { origin: location.origin });
  $("enrol-cancel").hidden = first;
  $("enrol-busy").textContent = "";
  clearError(enrolForm());
  show("enrol", !first || state.screen !== "loading");
}

async function submitEnrol(ev) {
  ev.preventDefault();
  const parts = enrolForm();
  clearError(parts);
  const text = $("enrol-code").value;
  if (!text.trim()) {
    setError(parts, "enrol.error_empty");
    return;
  }
  let parsed;
  try {
    parsed = proto.parseEnrolURI(text, location.origin);
  } catch (e) {
    setError(parts, errorKey(e), e.params);
    return;
  }
  const button = $("enrol-submit");
  button.disabled = true;
  setText($("enrol-busy"), "enrol.busy");
  try {
    const keys = await proto.generateDeviceKeys();
    const r = await api.enrol(parsed.server, parsed.code, keys.publicKeyB64, deviceName());
    const otpKey = await proto.importOTPKey(r.otp_secret);
    r.otp_secret = ""; // the secret now lives only inside the non-extractable key
    const qrKey = await proto.importQRKey(r.qr_key);
    const pinLength = Number.isInteger(r.pin_length) && r.pin_length >= 4 && r.pin_length <= 8 ? r.pin_length : 0;
    const acct = {
      device_id: String(r.device_id),
      device_name: String(r.device_name || ""),
      account: String(r.account || ""),
      server: parsed.server,
      origin: parsed.origin,
      pin_length: pinLength,
      private_key: keys.privateKey,
      public_key: keys.publicKey,
      public_key_b64: keys.publicKeyB64,
      otp_key: otpKey,
      qr_key: qrKey,
      qr_key_b64: r.qr_key,
      vapid_key: typeof r.vapid_key === "string" ? r.vapid_key : "",
      confirmed: false,
      added: Date.now(),
      push_endpoint: "",
    };
    await store.putAccount(acct);
    if (navigator.storage && navigator.storage.persist) {
      // Ask the browser not to evict the keys under storage pressure.
      navigator.storage.persist().catch(() => {});
    }
    state.accounts = await store.listAccounts();
    $("enrol-code").value = "";
    $("enrol-busy").textContent = "";
    startPin(state.accounts.find((a) => a.device_id === acct.device_id));
  } catch (e) {
    $("enrol-busy").textContent = "";
    if (e instanceof api.ApiError && e.code === "invalid_code") {
      setError(parts, "enrol.error_invalid_code");
    } else {
      setError(parts, errorKey(e), e.params);
    }
  } finally {
    button.disabled = false;
  }
}

// ---------------------------------------------------------------------------
// Initialise: the PIN (§1.3).

const pinForm = () => formParts("pin", "pin-input");

function pinHint(acct) {
  return acct.pin_length ? ["pin.hint", { n: acct.pin_length }] : ["pin.hint_any", null];
}

function startPin(acct) {
  state.enrolling = acct;
  setText($("pin-step"), "frame.step", { n: 2, m: 2 });
  setText($("pin-lead"), "pin.lead", { account: acct.account, device: acct.device_name });
  setText($("pin-input-hint"), ...pinHint(acct));
  const input = $("pin-input");
  input.value = "";
  if (acct.pin_length) {
    input.setAttribute("maxlength", String(acct.pin_length));
  } else {
    input.removeAttribute("maxlength");
  }
  $("pin-busy").textContent = "";
  clearError(pinForm());
  show("pin");
}

/** pinProblem returns the message for a PIN that cannot be right, or null. */
function pinProblem(acct, pin) {
  if (pin === "") {
    return ["pin.error_empty", null];
  }
  if (!/^[0-9]+$/.test(pin) || (acct.pin_length && pin.length !== acct.pin_length) || pin.length < 4 || pin.length > 8) {
    return acct.pin_length ? ["pin.error_format", { n: acct.pin_length }] : ["pin.error_format_any", null];
  }
  return null;
}

async function submitPin(ev) {
  ev.preventDefault();
  const acct = state.enrolling;
  const parts = pinForm();
  clearError(parts);
  const pin = $("pin-input").value.trim();
  const bad = pinProblem(acct, pin);
  if (bad) {
    setError(parts, bad[0], bad[1]);
    return;
  }
  const button = $("pin-submit");
  button.disabled = true;
  setText($("pin-busy"), "pin.busy");
  try {
    try {
      await api.confirm(acct, pin);
    } catch (e) {
      // "answered": the device was confirmed already (an earlier try whose
      // answer was lost).
      if (!(e instanceof api.ApiError && e.code === "answered")) {
        throw e;
      }
    }
    acct.confirmed = true;
    await store.putAccount(acct);
    state.accounts = await store.listAccounts();
    $("pin-input").value = "";
    startPolling();
    await showDone(acct);
  } catch (e) {
    $("pin-input").value = "";
    if (e instanceof api.ApiError && e.code === "wrong_pin") {
      setError(parts, "pin.error_wrong", { n: e.attemptsLeft ?? 0 });
    } else if (e instanceof api.ApiError && e.code === "locked") {
      setError(parts, "pin.error_locked");
    } else if (e instanceof api.ApiError && e.code === "unknown_device") {
      setError(parts, "pin.error_unknown");
    } else {
      setError(parts, errorKey(e));
    }
  } finally {
    $("pin-busy").textContent = "";
    button.disabled = false;
  }
}

async function showDone(acct) {
  setText($("done-body"), "done.body", { account: acct.account, device: acct.device_name });
  show("done");
  await refreshPush();
}

// ---------------------------------------------------------------------------
// Notifications (Web Push).

async function refreshPush() {
  state.vapid = await push.vapidKey(state.accounts);
  renderPush();
  const on = await push.syncPush(state.accounts, state.vapid);
  if (on !== state.pushOn) {
    state.pushOn = on;
    renderPush();
  }
}

function renderPush() {
  for (const id of ["done-push", "home-push"]) {
    const box = $(id);
    box.replaceChildren();
    const confirmed = state.accounts.some((a) => a.confirmed);
    if (!confirmed) {
      box.hidden = true;
      continue;
    }
    box.hidden = false;
    if (state.pushOn) {
      if (id === "done-push") {
        box.append(el("p", { class: "notice notice--success", t: "push.on" }));
      } else {
        box.hidden = true;
      }
      continue;
    }
    const possible = push.pushSupported() && state.vapid && push.permission() !== "denied";
    if (!possible) {
      box.append(el("p", { class: "notice", t: "push.unavailable" }));
      continue;
    }
    const status = el("p", { class: "hint", role: "status" });
    const button = el("button", {
      type: "button",
      class: "button button--secondary",
      t: "push.allow",
      onclick: () => allowPush(button, status),
    });
    box.append(el("h2", { t: "push.title" }), el("p", { t: "push.lead" }), button, status);
  }
}

async function allowPush(button, status) {
  button.disabled = true;
  // enablePush asks for the permission first thing, inside this click.
  const ok = await push.enablePush(state.accounts, state.vapid);
  state.pushOn = ok;
  // The status line is already in the page, so its change is announced.
  button.hidden = true;
  button.disabled = false;
  setText(status, ok ? "push.on" : "push.unavailable");
}

// ---------------------------------------------------------------------------
// Long poll of every confirmed account (§2.2).

function startPolling() {
  for (const acct of state.accounts) {
    if (!acct.confirmed || state.pollers.has(acct.device_id)) {
      continue;
    }
    const p = new Poller(acct, onRequests, onPollState);
    state.pollers.set(acct.device_id, p);
    state.status.set(acct.device_id, "connecting");
    p.start();
  }
  renderStatus();
}

function stopPolling(deviceId) {
  const p = state.pollers.get(deviceId);
  if (p) {
    p.stop();
  }
  state.pollers.delete(deviceId);
  state.status.delete(deviceId);
}

/** pollNow asks a device's (or, unknown, every) poller to list at once. */
function pollNow(deviceId) {
  const p = deviceId && state.pollers.get(deviceId);
  if (p) {
    p.now();
    return;
  }
  for (const q of state.pollers.values()) {
    q.now();
  }
}

function onPollState(acct, s) {
  const before = state.status.get(acct.device_id);
  state.status.set(acct.device_id, s);
  const problem = (x) => x === "locked" || x === "unknown_device" || x === "not_confirmed";
  if (problem(before) !== problem(s)) {
    renderAccounts();
  }
  renderStatus();
}

function renderStatus() {
  const confirmed = state.accounts.filter((a) => a.confirmed);
  const states = confirmed.map((a) => state.status.get(a.device_id));
  const pending = [...state.requests.values()].some((r) => !r.done);
  let key;
  if (confirmed.length === 0) {
    key = "home.status_no_account";
  } else if (states.includes("clock")) {
    key = "error.clock";
  } else if (states.includes("offline")) {
    key = "home.status_offline";
  } else if (pending) {
    key = "home.status_pending";
  } else if (states.includes("connecting")) {
    key = "home.status_connecting";
  } else if (states.includes("ok")) {
    key = "home.status_ok";
  } else {
    key = "home.status_stopped";
  }
  $("home-retry").hidden = !(key === "home.status_offline" || key === "error.clock");
  if (key !== state.statusKey) {
    // Only a change is written, so the live region speaks only then.
    state.statusKey = key;
    setText($("home-status"), key);
  }
}

// ---------------------------------------------------------------------------
// Pending requests (§2.3).

const OUTCOMES = {
  approved: ["outcome.approved_title", "outcome.approved", "notice--success"],
  denied: ["outcome.denied_title", "outcome.denied", ""],
  locked: ["outcome.locked_title", "outcome.locked", "notice--warning"],
  wrong_number: ["outcome.wrong_number_title", "outcome.wrong_number", "notice--warning"],
  expired: ["outcome.expired_title", "outcome.expired", ""],
  answered: ["outcome.answered_title", "outcome.answered", ""],
  not_found: ["outcome.not_found_title", "outcome.not_found", ""],
  unknown_device: ["outcome.unknown_device_title", "outcome.unknown_device", "notice--warning"],
  gone: ["outcome.gone_title", "outcome.gone", ""],
};

function onRequests(acct, list) {
  const seen = new Set();
  for (const r of list) {
    const key = acct.device_id + " " + r.id;
    seen.add(key);
    if (!state.requests.has(key)) {
      addCard(acct, r, key);
    }
  }
  for (const [key, entry] of state.requests) {
    if (entry.account.device_id === acct.device_id && !seen.has(key) && !entry.done && !entry.sending) {
      // Answered elsewhere, replaced by a newer request, or expired. A card
      // the user is working on says so; an untouched one just goes.
      const touched = entry.card.contains(document.activeElement) || entry.pin.value !== "" || entry.picked();
      if (touched) {
        outcome(entry, "gone");
      } else {
        removeCard(entry);
      }
    }
  }
  renderStatus();
}

function addCard(acct, r, key) {
  const n = ++state.cards;
  const titleId = "req-" + n + "-title";
  const numbers = [...new Set(r.numbers.map(Number).filter(Number.isInteger))].sort((a, b) => a - b);
  const entry = { key, account: acct, req: r, done: false, sending: false, n };

  const left = el("dd", { class: "summary-list__value app-left" });
  const facts = el(
    "dl",
    { class: "summary-list app-facts" },
    row("request.account", acct.account),
    row("request.service", r.service || "—"),
    row("request.browser", r.browser || "—"),
    row("request.ip", r.ip || "—"),
    row("request.time", formatDateTime(r.time), { "data-datetime": String(r.time) }),
    el("div", { class: "summary-list__row" }, el("dt", { class: "summary-list__key", t: "request.time_left" }), left),
  );

  const errors = el("div", {
    class: "error-summary",
    role: "alert",
    tabindex: "-1",
    hidden: true,
    "aria-labelledby": "req-" + n + "-errors-title",
  });

  // The three numbers: large buttons with radio group semantics (WAI-ARIA
  // radio group: one tab stop, arrow keys move and pick, Space picks).
  const numberError = el("p", { class: "field__error", id: "req-" + n + "-number-error", hidden: true });
  const legendId = "req-" + n + "-number-legend";
  const radios = el("div", {
    class: "app-choices",
    role: "radiogroup",
    "aria-labelledby": legendId,
    "aria-describedby": numberError.id,
    "aria-required": "true",
  });
  const choices = numbers.map((num, i) =>
    el("button", {
      type: "button",
      class: "app-choice",
      role: "radio",
      "aria-checked": "false",
      tabindex: i === 0 ? "0" : "-1",
      "data-number": String(num),
      text: String(num),
    }),
  );
  const pick = (b) => {
    for (const c of choices) {
      c.setAttribute("aria-checked", c === b ? "true" : "false");
      c.setAttribute("tabindex", c === b ? "0" : "-1");
    }
  };
  choices.forEach((b, i) => {
    b.addEventListener("click", () => pick(b));
    b.addEventListener("keydown", (ev) => {
      const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[ev.key];
      if (!step) {
        return;
      }
      ev.preventDefault();
      const next = choices[(i + step + choices.length) % choices.length];
      pick(next);
      next.focus();
    });
    radios.append(b);
  });
  const numberSet = el(
    "div",
    { class: "app-numbers", id: "req-" + n + "-number-field" },
    el("p", { class: "fieldset__legend app-numbers__legend", id: legendId, t: "request.pick" }),
    numberError,
    radios,
  );

  const pinId = "req-" + n + "-pin";
  const pinError = el("p", { class: "field__error", id: pinId + "-error", hidden: true });
  const pin = el("input", {
    class: "input input--10",
    id: pinId,
    name: "pin",
    type: "password",
    inputmode: "numeric",
    pattern: "[0-9]*",
    autocomplete: "off",
    "aria-describedby": pinId + "-hint",
  });
  if (acct.pin_length) {
    pin.setAttribute("maxlength", String(acct.pin_length));
  }
  const [hintKey, hintArgs] = pinHint(acct);
  const pinField = el(
    "div",
    { class: "field", id: pinId + "-field" },
    el("label", { class: "field__label", for: pinId, t: "pin.label" }),
    el("p", { class: "field__hint", id: pinId + "-hint", t: hintKey, args: hintArgs }),
    pinError,
    pin,
  );

  const busy = el("p", { class: "hint", role: "status" });
  const approve = el("button", { type: "submit", class: "button", t: "request.approve" });
  const deny = el("button", {
    type: "button",
    class: "button button--secondary",
    t: "request.deny",
    onclick: () => answer(entry, "deny"),
  });
  const form = el(
    "form",
    { novalidate: true, onsubmit: (ev) => (ev.preventDefault(), answer(entry, "approve")) },
    numberSet,
    pinField,
    el("div", { class: "button-group" }, approve, deny),
    busy,
  );

  const card = el(
    "article",
    { class: "app-request", id: "req-" + n, "aria-labelledby": titleId, "data-request": r.id },
    errors,
    el("h2", { id: titleId, tabindex: "-1", t: "request.title", args: { service: r.service || "" } }),
    facts,
    form,
  );
  Object.assign(entry, {
    card,
    form,
    errors,
    left,
    pin,
    pinField,
    pinError,
    numberSet,
    numberError,
    busy,
    buttons: [approve, deny],
    picked: () => radios.querySelector('[aria-checked="true"]'),
  });
  state.requests.set(key, entry);

  // Oldest first.
  const list = $("home-requests");
  const after = [...state.requests.values()].find((x) => x !== entry && x.card.isConnected && x.req.time > r.time);
  list.insertBefore(card, after ? after.card : null);
  tickCard(entry, nowSeconds());

  if (state.focusRequest && state.focusRequest === r.id) {
    state.focusRequest = "";
    if (state.screen !== "home") {
      showHome(false);
    }
    card.querySelector("h2").focus();
    card.scrollIntoView({ block: "start" });
  }
}

function removeCard(entry) {
  entry.card.remove();
  state.requests.delete(entry.key);
  renderStatus();
}

function cardErrors(entry, problems) {
  const list = el("ul", { class: "error-summary__list" });
  for (const p of problems) {
    const link = el("a", { href: "#" + p.target.id, t: p.key, args: p.args });
    link.addEventListener("click", (ev) => {
      ev.preventDefault();
      p.focus.focus();
    });
    list.append(el("li", {}, link));
    errorText(p.message, p.key, p.args);
    p.message.hidden = false;
    p.target.classList.add("field--error");
  }
  entry.errors.replaceChildren(
    el("h3", { class: "error-summary__title", id: "req-" + entry.n + "-errors-title", t: "frame.error_summary" }),
    list,
  );
  entry.errors.hidden = false;
  entry.errors.focus();
}

function clearCardErrors(entry) {
  entry.errors.hidden = true;
  entry.errors.replaceChildren();
  for (const [m, f] of [
    [entry.pinError, entry.pinField],
    [entry.numberError, entry.numberSet],
  ]) {
    m.hidden = true;
    m.replaceChildren();
    f.classList.remove("field--error");
  }
  entry.pin.removeAttribute("aria-invalid");
  entry.pin.setAttribute("aria-describedby", entry.pin.id + "-hint");
}

function pinProblemFor(entry, key, args) {
  entry.pin.setAttribute("aria-invalid", "true");
  entry.pin.setAttribute("aria-describedby", entry.pin.id + "-hint " + entry.pinError.id);
  return { target: entry.pinField, message: entry.pinError, focus: entry.pin, key, args };
}

async function answer(entry, decision) {
  if (entry.done || entry.sending) {
    return;
  }
  clearCardErrors(entry);
  const picked = entry.picked();
  const number = picked ? Number(picked.getAttribute("data-number")) : 0;
  const pin = entry.pin.value.trim();
  if (decision === "approve") {
    const problems = [];
    if (!picked) {
      const first = entry.numberSet.querySelector('[role="radio"]');
      problems.push({ target: entry.numberSet, message: entry.numberError, focus: first, key: "request.error_number" });
    }
    const bad = pinProblem(entry.account, pin);
    if (bad) {
      problems.push(pinProblemFor(entry, bad[0], bad[1]));
    }
    if (problems.length) {
      cardErrors(entry, problems);
      return;
    }
  }
  entry.sending = true;
  entry.buttons.forEach((b) => (b.disabled = true));
  setText(entry.busy, "request.busy");
  try {
    const st = await api.answer(entry.account, entry.req, decision, number, decision === "approve" ? pin : "");
    outcome(entry, st === "approved" ? "approved" : "denied");
  } catch (e) {
    const code = e instanceof api.ApiError ? e.code : "";
    if (code === "wrong_pin") {
      entry.pin.value = "";
      cardErrors(entry, [pinProblemFor(entry, "request.error_wrong_pin", { n: e.attemptsLeft ?? 0 })]);
    } else if (code === "locked" || code === "unknown_device") {
      outcome(entry, code);
      stopPolling(entry.account.device_id);
      state.status.set(entry.account.device_id, code);
      renderAccounts();
    } else if (OUTCOMES[code]) {
      outcome(entry, code);
    } else {
      cardErrors(entry, [
        { target: entry.pinField, message: entry.pinError, focus: entry.pin, key: errorKey(e) },
      ]);
    }
  } finally {
    entry.sending = false;
    entry.busy.textContent = "";
    entry.buttons.forEach((b) => (b.disabled = false));
    renderStatus();
    if (entry.done) {
      // Back to waiting for the next request without the pause.
      pollNow(entry.account.device_id);
    }
  }
}

function outcome(entry, kind) {
  if (entry.done) {
    return;
  }
  entry.done = true;
  const [titleKey, bodyKey, cls] = OUTCOMES[kind];
  const alert = kind !== "approved" && kind !== "denied";
  const close = el("button", {
    type: "button",
    class: "button button--secondary",
    t: "frame.close",
    onclick: () => {
      removeCard(entry);
      const next = document.querySelector(".app-request h2");
      (next || $("home-title")).focus();
    },
  });
  const box = el(
    "div",
    { class: "notice app-outcome " + cls, role: alert ? "alert" : "status", tabindex: "-1" },
    el("p", { class: "notice__title", t: titleKey }),
    el("p", { t: bodyKey }),
  );
  const actions = el("div", { class: "button-group" });
  if (kind === "locked") {
    actions.append(
      el("button", {
        type: "button",
        class: "button button--secondary",
        t: "accounts.forgot",
        onclick: () => showPinHelp(entry.account, true),
      }),
    );
  }
  actions.append(close);
  const focusWasInCard = entry.card.contains(document.activeElement);
  entry.errors.hidden = true;
  entry.left.textContent = "—";
  entry.form.replaceWith(box, actions);
  if (focusWasInCard && state.screen === "home") {
    box.focus();
  }
  renderStatus();
}

function tickCard(entry, now) {
  if (entry.done) {
    return;
  }
  const left = Number(entry.req.expires) - now;
  if (left <= 0) {
    outcome(entry, "expired");
    return;
  }
  entry.left.textContent = i18n.formatLeft(left);
}

// ---------------------------------------------------------------------------
// Home and accounts.

function showHome(focus = true) {
  renderAccounts();
  renderStatus();
  renderPush();
  show("home", focus);
}

function flash(key, params) {
  const f = $("home-flash");
  f.replaceChildren(el("p", { t: key, args: params }));
  f.hidden = false;
}

function renderAccounts() {
  const list = $("home-accounts");
  list.replaceChildren();
  state.accounts.forEach((acct, i) => {
    const titleId = "acct-" + i + "-title";
    const s = state.status.get(acct.device_id);
    const item = el(
      "li",
      { class: "app-account" },
      el("h3", { id: titleId, text: acct.account }),
      el(
        "dl",
        { class: "summary-list app-facts" },
        row("accounts.device", acct.device_name),
        row("accounts.server", hostOf(acct.server)),
        row("accounts.added", formatDate(acct.added), { "data-date": String(acct.added) }),
      ),
    );
    let note = null;
    if (!acct.confirmed || s === "not_confirmed") {
      note = "accounts.state_unconfirmed";
    } else if (s === "locked") {
      note = "accounts.state_locked";
    } else if (s === "unknown_device") {
      note = "accounts.state_unknown";
    }
    if (note) {
      item.append(el("p", { class: "notice notice--warning", t: note }));
    }
    const actions = el("div", { class: "button-group" });
    const button = (key, onclick, cls) =>
      el("button", {
        type: "button",
        class: cls || "button button--secondary",
        t: key,
        "aria-describedby": titleId,
        onclick,
      });
    if (!acct.confirmed) {
      actions.append(button("accounts.enter_pin", () => startPin(acct), "button"));
    }
    if (acct.confirmed && (s === "locked" || s === "unknown_device" || s === "not_confirmed")) {
      actions.append(
        button("accounts.check", () => {
          stopPolling(acct.device_id);
          startPolling();
          renderAccounts();
        }),
      );
    }
    actions.append(button("accounts.forgot", () => showPinHelp(acct, s === "locked")));
    actions.append(button("accounts.remove", () => showRemove(acct)));
    item.append(actions);
    list.append(item);
  });
}

function hostOf(server) {
  try {
    return new URL(server).host;
  } catch {
    return server;
  }
}

function formatDateTime(unix) {
  return i18n.formatDateTime(Number(unix));
}

function formatDate(ms) {
  return i18n.formatDate(Number(ms));
}

// ---------------------------------------------------------------------------
// QR code mode (§3), offline.

const qrForm = () => formParts("qr", "qr-code");

function showQR() {
  $("qr-input").hidden = false;
  $("qr-result").hidden = true;
  $("qr-code").value = "";
  $("qr-scan-status").textContent = "";
  state.qrExpires = 0;
  clearError(qrForm());
  show("qr");
}

async function submitQR(ev) {
  ev.preventDefault();
  const parts = qrForm();
  clearError(parts);
  const text = $("qr-code").value;
  if (!text.trim()) {
    setError(parts, "qr.error_empty");
    return;
  }
  try {
    const r = await proto.otpForQR(text, state.accounts);
    stopCamera();
    const code = $("qr-otp");
    code.textContent = r.otp;
    setText(code, null, { code: r.otp.replace("-", "").split("").join(" ") }, "qr.otp_label");
    $("qr-account").textContent = r.account.account + " (" + r.account.device_name + ")";
    state.qrExpires = r.expires;
    $("qr-otp").parentElement.hidden = false;
    $("qr-expired").hidden = true;
    $("qr-input").hidden = true;
    $("qr-result").hidden = false;
    tickQR(nowSeconds());
    $("qr-result-title").focus();
  } catch (e) {
    setError(parts, errorKey(e), e.params);
  }
}

function tickQR(now) {
  if (!state.qrExpires) {
    return;
  }
  const left = state.qrExpires - now;
  if (left <= 0) {
    state.qrExpires = 0;
    $("qr-left").textContent = "0:00";
    $("qr-otp").textContent = "";
    $("qr-otp").parentElement.hidden = true;
    $("qr-expired").hidden = false;
    return;
  }
  $("qr-left").textContent = i18n.formatLeft(left);
}

// ---------------------------------------------------------------------------
// Forgotten PIN code, removal.

function showPinHelp(acct, locked) {
  state.target = acct;
  $("pinhelp-locked").hidden = !locked;
  setText($("pinhelp-account"), "pinhelp.account", { account: acct.account, device: acct.device_name });
  setText($("pinhelp-step2"), "pinhelp.step2", { device: acct.device_name });
  $("pinhelp-link").setAttribute("href", acct.server + "/account/devices");
  show("pinhelp");
}

function showRemove(acct) {
  state.target = acct;
  setText($("remove-lead"), "remove.lead", { account: acct.account, device: acct.device_name });
  $("remove-failed").hidden = true;
  $("remove-confirm").hidden = false;
  $("remove-confirm").disabled = false;
  $("remove-local").hidden = true;
  show("remove");
}

async function confirmRemove() {
  const acct = state.target;
  const button = $("remove-confirm");
  button.disabled = true;
  try {
    await api.remove(acct);
  } catch (e) {
    // unknown_device: the server no longer has it; nothing left to undo.
    if (!(e instanceof api.ApiError && e.code === "unknown_device")) {
      setText($("remove-failed-reason"), e instanceof api.ApiError && e.code === "network" ? "remove.failed_network" : "remove.failed_refused");
      $("remove-failed").hidden = false;
      button.hidden = true;
      $("remove-local").hidden = false;
      $("remove-failed").focus();
      return;
    }
  } finally {
    button.disabled = false;
  }
  await removeLocal(acct);
}

async function removeLocal(acct) {
  stopPolling(acct.device_id);
  for (const entry of [...state.requests.values()]) {
    if (entry.account.device_id === acct.device_id) {
      removeCard(entry);
    }
  }
  await store.deleteAccount(acct.device_id);
  state.accounts = await store.listAccounts();
  state.target = null;
  if (state.accounts.length === 0) {
    showEnrol();
    return;
  }
  flash("home.removed", { account: acct.account });
  showHome();
}

// ---------------------------------------------------------------------------
// Language.

function fillLanguages() {
  const select = $("lang");
  for (const l of i18n.LANGUAGES) {
    select.append(el("option", { value: l.tag, lang: l.tag, text: l.name }));
  }
  select.addEventListener("change", async () => {
    await i18n.use(select.value, true);
    applyLanguage();
  });
}

function applyLanguage() {
  document.documentElement.lang = i18n.lang();
  $("lang").value = i18n.choice();
  i18n.translate(document);
  for (const e of document.querySelectorAll("[data-datetime]")) {
    e.textContent = formatDateTime(e.getAttribute("data-datetime"));
  }
  for (const e of document.querySelectorAll("[data-date]")) {
    e.textContent = formatDate(e.getAttribute("data-date"));
  }
  const note = $("lang-note");
  if (i18n.choice() !== i18n.lang()) {
    setText(note, "frame.lang_fallback", { language: i18n.languageName(i18n.choice()) });
    note.hidden = false;
  } else {
    note.hidden = true;
  }
  setTitle();
  store.setMeta("lang", i18n.lang()).catch(() => {});
}

// ---------------------------------------------------------------------------
// Messages of the service worker, and links from notifications.

function openRequest(requestId, deviceId) {
  if (requestId) {
    const open = [...state.requests.values()].find((x) => x.req.id === requestId && x.card.isConnected);
    if (open) {
      if (state.screen !== "home") {
        showHome(false);
      }
      open.card.querySelector("h2").focus();
      return;
    }
    state.focusRequest = requestId;
  }
  if (state.screen !== "home" && state.screen !== "enrol" && state.screen !== "pin" && state.accounts.length) {
    showHome();
  }
  pollNow(deviceId);
}

function onHash() {
  const h = location.hash.replace(/^#/, "");
  if (!h.startsWith("request=")) {
    return;
  }
  const q = new URLSearchParams(h);
  history.replaceState(null, "", location.pathname + location.search);
  openRequest(q.get("request") || "", q.get("device") || "");
}

function onWorkerMessage(ev) {
  const m = ev.data || {};
  if (m.type === "push") {
    pollNow(m.device_id);
  } else if (m.type === "open") {
    openRequest(m.request_id, m.device_id);
  }
}

// ---------------------------------------------------------------------------
// Start.

function wire() {
  $("enrol-form").addEventListener("submit", submitEnrol);
  $("enrol-cancel").addEventListener("click", () => showHome());
  $("pin-form").addEventListener("submit", submitPin);
  $("pin-later").addEventListener("click", () => showHome());
  $("done-continue").addEventListener("click", () => showHome());
  $("home-scan").addEventListener("click", showQR);
  $("home-add").addEventListener("click", showEnrol);
  $("home-retry").addEventListener("click", () => pollNow(""));
  $("qr-form").addEventListener("submit", submitQR);
  $("qr-back").addEventListener("click", () => showHome());
  $("qr-done").addEventListener("click", () => {
    state.qrExpires = 0;
    showHome();
  });
  $("qr-again").addEventListener("click", showQR);
  $("pinhelp-back").addEventListener("click", () => showHome());
  $("remove-confirm").addEventListener("click", confirmRemove);
  $("remove-local").addEventListener("click", () => removeLocal(state.target));
  $("remove-cancel").addEventListener("click", () => showHome());
  for (const prefix of ["enrol", "pin", "qr"]) {
    $(prefix + "-errors-link").addEventListener("click", (ev) => {
      ev.preventDefault();
      const target = $(ev.currentTarget.getAttribute("href").slice(1));
      if (target) {
        target.focus();
      }
    });
  }
  setupCamera("enrol", "eulogin-app://enrol", (text) => {
    $("enrol-code").value = text;
    $("enrol-form").requestSubmit();
  });
  setupCamera("qr", "eulogin-app://otp", (text) => {
    $("qr-code").value = text;
    $("qr-form").requestSubmit();
  });
  window.addEventListener("hashchange", onHash);
  window.addEventListener("online", () => pollNow(""));
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") {
      pollNow("");
    }
  });
  setInterval(() => {
    const now = nowSeconds();
    for (const entry of state.requests.values()) {
      tickCard(entry, now);
    }
    tickQR(now);
  }, 1000);
}

async function main() {
  fillLanguages();
  await i18n.use(i18n.preferred(), false).catch(() => "en");
  applyLanguage();
  const capable =
    window.isSecureContext && globalThis.crypto && crypto.subtle && store.storageAvailable() && "TextEncoder" in window;
  if (!capable) {
    show("unsupported", false);
    return;
  }
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.addEventListener("message", onWorkerMessage);
    navigator.serviceWorker.register("sw.js", { scope: "./" }).catch(() => {
      // No offline mode and no notifications; the rest works.
    });
  }
  try {
    state.accounts = await store.listAccounts();
  } catch {
    show("unsupported", false);
    return;
  }
  wire();
  if (state.accounts.length === 0) {
    showEnrol();
  } else {
    showHome(false);
  }
  startPolling();
  onHash();
  refreshPush().catch(() => {});
}

main();
