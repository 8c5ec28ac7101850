/*
 * i18n.js: the app's language. The user's choice in the language picker
 * (kept in localStorage), else the first of navigator.languages the app has
 * a catalogue for, else English. The picker lists the 24 official EU
 * languages in their own names; those without a catalogue show English,
 * and say so.
 *
 * Catalogues are i18n/<tag>.json, {"key": "text with {placeholders}"} or,
 * for a text with a count, {"key": {"one": "…", "few": "…", "other": "…"}}
 * with the language's CLDR plural categories; every catalogue has the keys
 * and forms it needs (a Go test checks it).
 */

/** LANGUAGES are the 24 official languages of the EU, in their own names. */
export const LANGUAGES = [
  { tag: "bg", name: "Български" },
  { tag: "cs", name: "Čeština" },
  { tag: "da", name: "Dansk" },
  { tag: "de", name: "Deutsch" },
  { tag: "el", name: "Ελληνικά" },
  { tag: "en", name: "English" },
  { tag: "es", name: "Español" },
  { tag: "et", name: "Eesti" },
  { tag: "fi", name: "Suomi" },
  { tag: "fr", name: "Français" },
  { tag: "ga", name: "Gaeilge" },
  { tag: "hr", name: "Hrvatski" },
  { tag: "hu", name: "Magyar" },
  { tag: "it", name: "Italiano" },
  { tag: "lt", name: "Lietuvių" },
  { tag: "lv", name: "Latviešu" },
  { tag: "mt", name: "Malti" },
  { tag: "nl", name: "Nederlands" },
  { tag: "pl", name: "Polski" },
  { tag: "pt", name: "Português" },
  { tag: "ro", name: "Română" },
  { tag: "sk", name: "Slovenčina" },
  { tag: "sl", name: "Slovenščina" },
  { tag: "sv", name: "Svenska" },
];

/** CATALOGUES are the languages the app is translated into. */
export const CATALOGUES = ["bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr", "hu", "it", "lt", "lv", "mt", "nl", "pl", "pt", "ro", "sk", "sl", "sv"];

const STORAGE_KEY = "eulogin.lang";

let messages = {};
let english = {};
let shown = "en";
let chosen = "en";

function isEU(tag) {
  return LANGUAGES.some((l) => l.tag === tag);
}

/** storedChoice returns the language picked in the app, or "". */
function storedChoice() {
  try {
    const v = localStorage.getItem(STORAGE_KEY) || "";
    return isEU(v) ? v : "";
  } catch {
    return "";
  }
}

/** preferred returns the language to use before the user picks one. */
export function preferred() {
  const stored = storedChoice();
  if (stored) {
    return stored;
  }
  for (const l of navigator.languages || [navigator.language || ""]) {
    const tag = String(l).toLowerCase().split("-")[0];
    if (CATALOGUES.includes(tag)) {
      return tag;
    }
  }
  return "en";
}

async function fetchCatalogue(tag) {
  const resp = await fetch("i18n/" + tag + ".json");
  if (!resp.ok) {
    throw new Error("catalogue " + tag + ": " + resp.status);
  }
  return resp.json();
}

/**
 * use loads the catalogue of tag (English when there is none) and makes it
 * current. remember stores tag as the user's choice.
 */
export async function use(tag, remember) {
  chosen = isEU(tag) ? tag : "en";
  if (remember) {
    try {
      localStorage.setItem(STORAGE_KEY, chosen);
    } catch {
      // Private mode: the choice lasts as long as the page.
    }
  }
  if (!english["frame.app_name"]) {
    english = await fetchCatalogue("en");
  }
  shown = CATALOGUES.includes(chosen) ? chosen : "en";
  messages = shown === "en" ? english : await fetchCatalogue(shown).catch(() => english);
  if (messages === english) {
    shown = "en";
  }
  return shown;
}

/** lang returns the language the app shows (a catalogue's tag). */
export function lang() {
  return shown;
}

/** choice returns the language picked, which may have no catalogue. */
export function choice() {
  return chosen;
}

/** languageName returns a language's own name. */
export function languageName(tag) {
  const l = LANGUAGES.find((x) => x.tag === tag);
  return l ? l.name : tag;
}

/**
 * t returns the message key in the current language with {name}
 * placeholders filled from params; English when the catalogue lacks it. A
 * plural message ({"one": …, "other": …}) takes the form that
 * Intl.PluralRules gives for its count: the parameter English names in
 * "_count", else the one placeholder of its text.
 */
export function t(key, params) {
  let s = pick(key, messages[key], params, shown);
  if (typeof s !== "string") {
    s = pick(key, english[key], params, "en");
  }
  if (typeof s !== "string") {
    return key;
  }
  return s.replace(/\{([a-z_]+)\}/g, (m, name) =>
    params && Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : m,
  );
}

// pick returns the text of a message: itself when it is a string, the
// plural form for params in language tag when it is an object.
function pick(key, msg, params, tag) {
  if (typeof msg === "string" || msg === null || typeof msg !== "object") {
    return msg;
  }
  const en = english[key] || {};
  let name = en._count;
  if (!name) {
    const m = /\{([a-z_]+)\}/.exec(en.other || msg.other || "");
    name = m ? m[1] : "";
  }
  const n = params ? Number(params[name]) : NaN;
  let category = "other";
  if (Number.isInteger(n)) {
    try {
      category = new Intl.PluralRules(intlLocale(tag)).select(n);
    } catch {
      category = "other";
    }
  }
  return typeof msg[category] === "string" ? msg[category] : msg.other;
}

// args returns the placeholders of an element's message (data-i18n-args,
// JSON), so that a language change can translate dynamic texts again.
function args(el) {
  try {
    return JSON.parse(el.getAttribute("data-i18n-args") || "{}");
  } catch {
    return {};
  }
}

/**
 * translate sets, under root, the text of every [data-i18n] element, the
 * aria-label of every [data-i18n-label] element and the content attribute
 * of every [data-i18n-content] element (the page's description), with the
 * placeholders of their data-i18n-args. Text is set with textContent only.
 * The server writes index.html in the negotiated language the same way
 * (pwa.go), for the moment before this script runs.
 */
export function translate(root) {
  // A message missing from every catalogue leaves the text as it is (the
  // English of index.html) rather than showing its key.
  for (const el of root.querySelectorAll("[data-i18n]")) {
    const key = el.getAttribute("data-i18n");
    const s = t(key, args(el));
    if (s !== key) {
      el.textContent = s;
    }
  }
  for (const [attr, name] of [["data-i18n-label", "aria-label"], ["data-i18n-content", "content"]]) {
    for (const el of root.querySelectorAll("[" + attr + "]")) {
      const key = el.getAttribute(attr);
      const s = t(key, args(el));
      if (s !== key) {
        el.setAttribute(name, s);
      }
    }
  }
}

// intlLocale is the Intl locale of a catalogue's language: the Union's
// English is British, its Portuguese Portugal's.
function intlLocale(tag) {
  return { en: "en-GB", pt: "pt-PT" }[tag] || tag;
}

// locale is the Intl locale of the language the app shows.
function locale() {
  return intlLocale(shown);
}

/** formatDateTime shows Unix seconds as a date and time in the app's language. */
export function formatDateTime(unix) {
  try {
    return new Intl.DateTimeFormat(locale(), { dateStyle: "medium", timeStyle: "short" }).format(new Date(unix * 1000));
  } catch {
    return new Date(unix * 1000).toLocaleString();
  }
}

/** formatDate shows milliseconds since 1970 as a date in the app's language. */
export function formatDate(ms) {
  try {
    return new Intl.DateTimeFormat(locale(), { dateStyle: "long" }).format(new Date(ms));
  } catch {
    return new Date(ms).toLocaleDateString();
  }
}

/** formatLeft shows a number of seconds as m:ss. */
export function formatLeft(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
}
