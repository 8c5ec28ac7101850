// Package i18n holds the message catalogues of eulogin and picks the
// language of each page and e-mail.
//
// A catalogue is a JSON object, one file per language, mapping a message key
// to its text, or, for a text with a count, to its plural forms by CLDR
// category ({"one": "{n} try", "other": "{n} tries"}; English also names the
// counting argument in "_count" when the text has several placeholders).
// Texts hold named placeholders written {name}, filled by Localizer.T, which
// picks the plural form by the language's CLDR rule (PluralCategory).
// English is the reference: Check reports a catalogue that lacks a key, adds
// one, changes a placeholder, or lacks one of its language's plural forms.
// The login service (locales/ here), the ECI portal and the mobile app each
// ship a complete catalogue in all 24 official EU languages.
//
// The page language is chosen in this order: an explicit choice (the lang
// query parameter or form field), the lang cookie, the browser's
// Accept-Language header, then English.
//
// Dates and times are written as each language writes them (Localizer.Date,
// Clock, DateTime), in the usual zone of its readers (Zone) with the zone's
// name, so that a reader never sees a bare UTC clock (docs/adr/0003).
package i18n
