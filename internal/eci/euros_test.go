package eci

import "testing"

func TestParseEuros(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"1500", 150000, true},
		{"1500.50", 150050, true},
		{"1500,5", 150050, true},
		{"1 500,50", 150050, true},
		{"1\u00a0500", 150000, true},
		{"EUR 2 000", 200000, true},
		{"2000 €", 200000, true},
		{"0.01", 1, true},
		{"999999999999.99", 99999999999999, true},
		// Refused rather than guessed at.
		{"+33 1 23 45 67 89", 0, false}, // a phone number once read as EUR 33,123,456,789.00
		{"1 23 45", 0, false},
		{"-5", 0, false},
		{"1.500", 0, false},
		{"1,500.00", 0, false},
		{"12abc", 0, false},
		{"0", 0, false},
		{"", 0, false},
		{"1e6", 0, false},
		{"1000000000000", 0, false},
	} {
		got, ok := parseEuros(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseEuros(%q) = %d, %v, want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
