package eci_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestInputRefusedNotAltered: what the portal cannot store as typed is
// refused with a clear message on the field, never silently altered: a line
// break in a name, an over-long name or sponsor, an amount that is not one
// (a phone number was once stored as EUR 33,123,456,789.00), and a website
// that is not an https address of a host.
func TestInputRefusedNotAltered(t *testing.T) {
	e := newEnv(t, options{})
	rep, path, _ := group(t, e, six()[:1], false)
	long := strings.Repeat("é", 201)
	for _, tt := range []struct {
		name, action string
		form         url.Values
		want         string
	}{
		{"line break in an invited name", "/members", url.Values{"name": {"Jānis\nBērziņš"}, "email": {"janis@example.lv"}}, "Write this on one line, without line breaks"},
		{"bidirectional override in a name", "/members", url.Values{"name": {"Jānis \u202eBērziņš"}, "email": {"janis@example.lv"}}, "Write this on one line, without line breaks"},
		{"over-long invited name", "/members", url.Values{"name": {long}, "email": {"janis@example.lv"}}, "Enter at most 200 characters"},
		{"over-long sponsor", "/funding", url.Values{"sponsor": {long}, "amount": {"1500"}, "received": {"2026-03-01"}}, "Enter at most 200 characters"},
		{"phone number as amount", "/funding", url.Values{"sponsor": {"Fondation Eau"}, "amount": {"+33 1 23 45 67 89"}, "received": {"2026-03-01"}}, "Enter an amount in euro"},
		{"sponsor on two lines", "/funding", url.Values{"sponsor": {"Fondation\r\nEau"}, "amount": {"1500"}, "received": {"2026-03-01"}}, "Write this on one line, without line breaks"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := rep.post(path+tt.action, tt.form)
			if p.Status != http.StatusUnprocessableEntity || !strings.Contains(errorSummary(p), tt.want) {
				t.Errorf("%s = %d %q, want 422 with %q", tt.action, p.Status, errorSummary(p), tt.want)
			}
		})
	}
	if fs, _ := e.db.Funding(t.Context(), mustID(t, path)); len(fs) != 0 {
		t.Errorf("refused sources were stored: %+v", fs)
	}
}
