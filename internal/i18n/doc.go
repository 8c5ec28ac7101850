// Package i18n holds the message catalogues of eulogin and picks the
// language of each page and e-mail.
//
// Catalogues are flat JSON objects, one file per language under locales/,
// mapping a message key to its text. Texts may hold named placeholders
// written {name}, filled by Localizer.T. English is the reference catalogue:
// every other shipped catalogue must have exactly its keys and, for each key,
// the same placeholders (TestCataloguesComplete fails otherwise).
//
// The page language is chosen in this order: an explicit choice (the lang
// query parameter or form field), the lang cookie, the browser's
// Accept-Language header, then English. Only languages with a shipped
// catalogue are offered for pages; the e-mail language of an account can be
// any of the 24 official EU languages, and e-mails in a language whose
// catalogue is not shipped yet use English (see docs/adr/0003).
package i18n
