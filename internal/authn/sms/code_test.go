package sms_test

import (
	"testing"

	"eulogin/internal/authn/sms"
)

func TestNormalizeCode(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{"ACD-EFH-JKM", "ACD-EFH-JKM"},
		{"acd-efh-jkm", "ACD-EFH-JKM"},
		{"ACDEFHJKM", "ACD-EFH-JKM"},
		{"acdEFHjkm", "ACD-EFH-JKM"},
		{"  acd efh jkm  ", "ACD-EFH-JKM"},
		{"A C D - E F H - J K M", "ACD-EFH-JKM"},
		{"ACD–EFH—JKM", "ACD-EFH-JKM"},
		{"ACD\u00a0EFH\tJKM\n", "ACD-EFH-JKM"},
		{"34-679-ACDE", "346-79A-CDE"},
		{"", ""},
		{"ACD-EFH-JK", ""},
		{"ACD-EFH-JKMN", ""},
		{"ACD-EFH-JK0", ""}, // zero is not in the alphabet
		{"ACD-EFH-JKO", ""}, // nor O
		{"BCD-EFH-JKM", ""},
		{"ACD_EFH_JKM", ""},
		{"ÄCD-EFH-JKM", ""},
		{"ACD-EFH-JKM!", ""},
	} {
		if got := sms.NormalizeCode(tc.in); got != tc.want {
			t.Errorf("NormalizeCode(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
