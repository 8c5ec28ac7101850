package sms_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"

	"eulogin/internal/authn/sms"
)

func TestNormalizeMobile(t *testing.T) {
	eu := sms.DefaultRegions()
	for _, tc := range []struct {
		name       string
		in         string
		allowed    []string
		wantE164   string
		wantRegion string
		wantErr    error
	}{
		{"plus and spaces", "+371 2000 0012", eu, "+37120000012", "LV", nil},
		{"double zero and dots", "00371 20.00.00.12", eu, "+37120000012", "LV", nil},
		{"dashes", "+371-2000-0012", eu, "+37120000012", "LV", nil},
		{"parentheses", "+371 (20) 00-00.12", eu, "+37120000012", "LV", nil},
		{"typographic dashes", "+371–2000—0012", eu, "+37120000012", "LV", nil},
		{"no-break spaces", "+371\u00a02000\u202f0012", eu, "+37120000012", "LV", nil},
		{"surrounding space", " \t+37120000012\n", eu, "+37120000012", "LV", nil},
		{"national prefix in parentheses", "+33 (0)6 12 34 56 78", eu, "+33612345678", "FR", nil},
		{"Germany", "+49 1512 3456789", eu, "+4915123456789", "DE", nil},
		{"Romania", "+40 712 345 678", eu, "+40712345678", "RO", nil},
		{"Switzerland", "+41 79 123 45 67", eu, "+41791234567", "CH", nil},
		{"United Kingdom", "+44 7400 123456", eu, "+447400123456", "GB", nil},
		{"Norway", "+47 406 12 345", eu, "+4740612345", "NO", nil},
		{"Réunion", "+262 692 12 34 56", eu, "+262692123456", "RE", nil},
		{"Åland mobile is Finnish", "+358 41 2345678", eu, "+358412345678", "FI", nil},
		{"fixed line or mobile (Denmark)", "+45 32 12 34 56", eu, "+4532123456", "DK", nil},
		{"fixed line or mobile (US), every country", "+1 202 555 0147", nil, "+12025550147", "US", nil},
		{"allowed list in lower case", "+371 2000 0012", []string{"lv"}, "+37120000012", "LV", nil},

		{"empty", "", eu, "", "", sms.ErrNotInternational},
		{"national form", "20000012", eu, "", "", sms.ErrNotInternational},
		{"country code without plus", "371 2000 0012", eu, "", "", sms.ErrNotInternational},
		{"single zero", "0 371 2000 0012", eu, "", "", sms.ErrNotInternational},
		{"French national form", "06 12 34 56 78", eu, "", "", sms.ErrNotInternational},

		{"plus alone", "+", eu, "", "", sms.ErrMalformed},
		{"letters", "+371 2000 OO12", eu, "", "", sms.ErrMalformed},
		{"vanity letters", "+1 800 FLOWERS", nil, "", "", sms.ErrMalformed},
		{"extension", "+371 2000 0012 ext. 5", eu, "", "", sms.ErrMalformed},
		{"RFC 3966 extension", "+371 2000 0012;ext=5", eu, "", "", sms.ErrMalformed},
		{"slash", "+371 2000/0012", eu, "", "", sms.ErrMalformed},
		{"two plus signs", "++371 2000 0012", eu, "", "", sms.ErrMalformed},
		{"plus after 00", "00+371 2000 0012", eu, "", "", sms.ErrMalformed},
		{"too short", "+371 2000 001", eu, "", "", sms.ErrMalformed},
		{"too long", "+371 2000 0012 3456", eu, "", "", sms.ErrMalformed},
		{"unknown country code", "+999 1234 5678", nil, "", "", sms.ErrMalformed},
		{"very long input", "+371 " + strings.Repeat("0", 100), eu, "", "", sms.ErrMalformed},
		{"Arabic-Indic digits", "+٣٧١ ٢٠٠٠ ٠٠١٢", eu, "", "", sms.ErrMalformed},

		{"Latvian landline", "+371 6312 3456", eu, "", "", sms.ErrNotMobile},
		{"London landline", "+44 20 7946 0018", eu, "", "", sms.ErrNotMobile},
		{"Paris landline", "+33 1 23 45 67 89", eu, "", "", sms.ErrNotMobile},
		{"UK personal number", "+44 70 1234 5678", eu, "", "", sms.ErrNotMobile},
		{"toll free", "+33 800 12 34 56", eu, "", "", sms.ErrNotMobile},
		{"international freephone, every country", "+800 1234 5678", nil, "", "", sms.ErrNotMobile},

		{"US not in the default list", "+1 202 555 0147", eu, "", "", sms.ErrCountryNotAllowed},
		{"Jersey (+44) not in the default list", "+44 7797 123456", eu, "", "", sms.ErrCountryNotAllowed},
		{"international freephone", "+800 1234 5678", eu, "", "", sms.ErrCountryNotAllowed},
		{"not in a short list", "+371 2000 0012", []string{"FR", "DE"}, "", "", sms.ErrCountryNotAllowed},
		{"country is checked before the type", "+371 6312 3456", []string{"FR"}, "", "", sms.ErrCountryNotAllowed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e164, region, err := sms.NormalizeMobile(tc.in, tc.allowed)
			if e164 != tc.wantE164 || region != tc.wantRegion || !errors.Is(err, tc.wantErr) {
				t.Errorf("NormalizeMobile(%q) = %q, %q, %v; want %q, %q, %v", tc.in, e164, region, err, tc.wantE164, tc.wantRegion, tc.wantErr)
			}
		})
	}
}

// TestNormalizeMobileDefaultRegions runs the example numbers of the
// numbering metadata of every default country: the mobile one is accepted
// (written with spaces, as phonenumbers formats it), the fixed one refused
// unless the country cannot tell fixed from mobile numbers.
func TestNormalizeMobileDefaultRegions(t *testing.T) {
	regions := sms.DefaultRegions()
	for _, region := range regions {
		mobile := phonenumbers.GetExampleNumberForType(region, phonenumbers.MOBILE)
		if mobile == nil {
			t.Errorf("region %s has no example mobile number", region)
			continue
		}
		in := phonenumbers.Format(mobile, phonenumbers.INTERNATIONAL)
		want := phonenumbers.Format(mobile, phonenumbers.E164)
		if got, _, err := sms.NormalizeMobile(in, regions); got != want || err != nil {
			t.Errorf("NormalizeMobile(%q) (mobile, %s) = %q, %v; want %q, nil", in, region, got, err, want)
		}
		fixed := phonenumbers.GetExampleNumberForType(region, phonenumbers.FIXED_LINE)
		if fixed == nil || !slices.Contains(regions, phonenumbers.GetRegionCodeForNumber(fixed)) {
			// MF's example landline is in a range of Saint-Barthélemy (BL),
			// which shares +590 and is not in the EU.
			continue
		}
		in = phonenumbers.Format(fixed, phonenumbers.INTERNATIONAL)
		_, _, err := sms.NormalizeMobile(in, regions)
		if phonenumbers.GetNumberType(fixed) == phonenumbers.FIXED_LINE_OR_MOBILE {
			if err != nil {
				t.Errorf("NormalizeMobile(%q) (fixed or mobile, %s) = %v, want nil", in, region, err)
			}
		} else if !errors.Is(err, sms.ErrNotMobile) {
			t.Errorf("NormalizeMobile(%q) (fixed, %s) = %v, want %v", in, region, err, sms.ErrNotMobile)
		}
	}
}

func TestDefaultRegions(t *testing.T) {
	got := sms.DefaultRegions()
	eu := []string{"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"}
	if len(eu) != 27 {
		t.Fatalf("the test lists %d EU countries, want 27", len(eu))
	}
	for _, r := range append(eu, "IS", "LI", "NO", "CH", "GB", "AX", "GF", "GP", "MQ", "RE", "YT", "MF") {
		if !slices.Contains(got, r) {
			t.Errorf("DefaultRegions() lacks %s", r)
		}
	}
	if want := 27 + 5 + 7; len(got) != want {
		t.Errorf("len(DefaultRegions()) = %d, want %d", len(got), want)
	}
	if !slices.IsSorted(got) {
		t.Errorf("DefaultRegions() = %v, want sorted", got)
	}
	for _, r := range got {
		if phonenumbers.GetCountryCodeForRegion(r) == 0 {
			t.Errorf("DefaultRegions() holds %s, unknown to the numbering metadata", r)
		}
	}
	got[0] = "XX"
	if again := sms.DefaultRegions(); again[0] == "XX" {
		t.Error("DefaultRegions() returned a shared slice")
	}
}
