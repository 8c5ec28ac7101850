package sms

import (
	"errors"
	"slices"
	"strings"
	"unicode"

	"github.com/nyaruka/phonenumbers"
)

// Reasons NormalizeMobile refuses a number. Each has its own message in the
// page.
var (
	// ErrNotInternational: the number does not start with "+" or "00" and
	// the country code.
	ErrNotInternational = errors.New("sms: the number is not in international form")
	// ErrMalformed: characters other than digits, spaces, dots, dashes and
	// parentheses, or a number that does not exist in its country's plan.
	ErrMalformed = errors.New("sms: the number is not a valid phone number")
	// ErrNotMobile: a valid number that cannot receive SMS (landline, toll
	// free, premium rate, VoIP, pager, personal number...).
	ErrNotMobile = errors.New("sms: the number is not a mobile number")
	// ErrCountryNotAllowed: the number's country is not in the operator's
	// list.
	ErrCountryNotAllowed = errors.New("sms: numbers of this country are not accepted")
)

// maxInputLen bounds what NormalizeMobile parses, in bytes.
const maxInputLen = 64

// defaultRegions are the countries whose numbers are accepted unless the
// operator says otherwise: the EU member states, the other EEA states (IS,
// LI, NO), Switzerland and the United Kingdom; plus the parts of member states
// that have region codes of their own in the numbering metadata: Åland (AX,
// Finland) and the French outermost regions (GF, GP, MQ, RE, YT, MF).
var defaultRegions = []string{
	"AT", "AX", "BE", "BG", "CH", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GB",
	"GF", "GP", "GR", "HR", "HU", "IE", "IS", "IT", "LI", "LT", "LU", "LV", "MF", "MQ",
	"MT", "NL", "NO", "PL", "PT", "RE", "RO", "SE", "SI", "SK", "YT",
}

// DefaultRegions returns, sorted, the ISO 3166-1 alpha-2 codes of the
// countries accepted by default: the 27 EU member states, Iceland,
// Liechtenstein, Norway, Switzerland and the United Kingdom, plus Åland (AX)
// and the French outermost regions (GF, GP, MQ, RE, YT, MF), which have region
// codes of their own in the numbering plan. The Crown Dependencies (GG, JE,
// IM, sharing +44) and other territories are not in it. Each call returns a
// new slice.
func DefaultRegions() []string { return slices.Clone(defaultRegions) }

// NormalizeMobile checks a mobile number typed by a user and returns it in
// E.164 form with the ISO 3166-1 alpha-2 code of its country ("LV", or "001"
// for non-geographic numbers).
//
// The number must be in international form: "+" or "00", then the country
// code. Spaces (any Unicode space), dots, dashes and parentheses are ignored,
// so "+371 2000-0012", "00371 20.00.00.12" and "+33 (0)6 12 34 56 78" are
// accepted; letters, extensions and other characters are not. It fails with:
//
//   - ErrNotInternational when the input does not start with "+" or "00";
//   - ErrMalformed when it holds other characters or is not a valid number
//     of its country's numbering plan;
//   - ErrCountryNotAllowed when allowedRegions is not empty and does not
//     hold the number's region (compared case-insensitively); an empty list
//     accepts every country, so callers pass the operator's list, by default
//     DefaultRegions();
//   - ErrNotMobile when the number's type is neither MOBILE nor
//     FIXED_LINE_OR_MOBILE.
//
// FIXED_LINE_OR_MOBILE is accepted: in some numbering plans (the NANP
// countries, and some Danish, Norwegian and Swedish ranges among others)
// mobile and fixed numbers share ranges and cannot be told apart, and
// refusing them would shut out real mobile users. A number is only ever
// stored after the user typed the code it received, so an ambiguous landline
// never gets past verification.
func NormalizeMobile(input string, allowedRegions []string) (e164, region string, err error) {
	s := strings.TrimSpace(input)
	var rest string
	switch {
	case strings.HasPrefix(s, "+"):
		rest = s[1:]
	case strings.HasPrefix(s, "00"):
		rest = s[2:]
	default:
		return "", "", ErrNotInternational
	}
	if len(s) > maxInputLen {
		return "", "", ErrMalformed
	}
	var b strings.Builder
	b.WriteByte('+')
	digits := 0
	for _, r := range rest {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
			digits++
		case r == '(' || r == ')':
			// Kept: phonenumbers reads "+33 (0)6..." as a national prefix
			// to drop.
			b.WriteRune(r)
		case r == '.' || isDash(r) || unicode.IsSpace(r):
			b.WriteByte(' ')
		default:
			return "", "", ErrMalformed
		}
	}
	if digits == 0 {
		return "", "", ErrMalformed
	}
	n, err := phonenumbers.Parse(b.String(), "")
	if err != nil || !phonenumbers.IsValidNumber(n) || n.GetExtension() != "" {
		return "", "", ErrMalformed
	}
	region = phonenumbers.GetRegionCodeForNumber(n)
	if len(allowedRegions) > 0 && !slices.ContainsFunc(allowedRegions, func(a string) bool { return strings.EqualFold(a, region) }) {
		return "", "", ErrCountryNotAllowed
	}
	switch phonenumbers.GetNumberType(n) {
	case phonenumbers.MOBILE, phonenumbers.FIXED_LINE_OR_MOBILE:
	default:
		return "", "", ErrNotMobile
	}
	return phonenumbers.Format(n, phonenumbers.E164), region, nil
}

// regionOf returns the region of a number in E.164 form, or "" when it does
// not parse.
func regionOf(e164 string) string {
	n, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return ""
	}
	return phonenumbers.GetRegionCodeForNumber(n)
}

// isDash reports whether r is a hyphen or dash (ASCII or typographic, as
// pasted from documents).
func isDash(r rune) bool {
	return r == '-' || (r >= 0x2010 && r <= 0x2015) || r == 0x2212 || r == 0xFE63 || r == 0xFF0D
}
