package totp_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	otplib "github.com/pquerna/otp/totp"

	"eulogin/internal/audit"
	"eulogin/internal/authn"
	"eulogin/internal/authn/totp"
	"eulogin/internal/store"
	"eulogin/internal/store/storetest"
)

// labelSealer "seals" by prefixing the label, so that a secret opened with
// another label fails as real encryption would.
type labelSealer struct{}

func (labelSealer) Seal(label string, b []byte) string { return label + "|" + string(b) }
func (labelSealer) Open(label, s string) ([]byte, error) {
	rest, ok := strings.CutPrefix(s, label+"|")
	if !ok {
		return nil, errors.New("wrong label")
	}
	return []byte(rest), nil
}

type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

func setup(t *testing.T, open func(*testing.T) *store.DB) (*totp.Authenticators, *clock, *store.User) {
	db := open(t)
	ck := &clock{t: time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)}
	u := &store.User{ID: "u1", Email: "ana@example.eu", FirstName: "Ana", LastName: "I", EmailLang: "en", CreatedAt: ck.t, UpdatedAt: ck.t}
	if err := db.CreateUser(t.Context(), u); err != nil {
		t.Fatal(err)
	}
	return &totp.Authenticators{Store: db, Sealer: labelSealer{}, Issuer: "EU Login", Now: ck.Now}, ck, u
}

func code(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := otplib.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestEnrolAndLogin(t *testing.T) {
	for _, en := range storetest.Engines {
		t.Run(en.Name, func(t *testing.T) {
			apps, ck, u := setup(t, en.Open)
			ctx := t.Context()
			e, err := apps.Begin(ctx, u.ID, u.Email, "My phone")
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(e.URI, "otpauth://totp/EU%20Login:ana@example.eu?") || !strings.Contains(e.URI, "secret="+e.Secret) || len(e.Secret) < 32 {
				t.Errorf("enrolment URI %q, secret %q", e.URI, e.Secret)
			}
			again, err := apps.Pending(ctx, u.ID, u.Email, e.ID)
			if err != nil || again.Secret != e.Secret || again.URI != e.URI {
				t.Errorf("Pending = %+v, %v, want the same enrolment", again, err)
			}
			f := totp.Factor{Apps: apps}
			if ok, _ := f.Enrolled(ctx, u.ID, ""); ok {
				t.Error("an unconfirmed app counts as enrolled")
			}
			if _, err := apps.Confirm(ctx, u.ID, e.ID, "000000"); !errors.Is(err, totp.ErrWrongCode) {
				t.Errorf("Confirm(wrong) = %v, want ErrWrongCode", err)
			}
			first := code(t, e.Secret, ck.t)
			if _, err := apps.Confirm(ctx, u.ID, e.ID, first[:3]+" "+first[3:]); err != nil {
				t.Fatalf("Confirm(first code, typed with a space) = %v", err)
			}
			if _, err := apps.Confirm(ctx, u.ID, e.ID, first); !errors.Is(err, totp.ErrNotFound) {
				t.Errorf("Confirm twice = %v, want ErrNotFound", err)
			}
			if ok, _ := f.Enrolled(ctx, u.ID, ""); !ok {
				t.Error("a confirmed app does not count as enrolled")
			}
			if ok, _ := f.Enrolled(ctx, u.ID, e.ID); ok {
				t.Error("the app excepted still counts")
			}

			check := func(secret string) authn.Result {
				t.Helper()
				res, err := f.Check(ctx, authn.Check{Flow: &authn.Flow{UserID: u.ID}, User: u, Secret: secret})
				if err != nil {
					t.Fatal(err)
				}
				return res
			}
			// The code used to confirm is spent.
			if res := check(first); res.Verdict != authn.Wrong || res.Failure.Key != "login_totp.wrong" || res.Event != audit.TOTPRefused || !strings.HasPrefix(res.Detail, "replayed") {
				t.Errorf("the confirmation's code at login = %+v, want refused as used", res)
			}
			// One step later: accepted once.
			ck.t = ck.t.Add(30 * time.Second)
			c2 := code(t, e.Secret, ck.t)
			if res := check(c2); res.Verdict != authn.Right {
				t.Errorf("a fresh code = %+v, want Right", res)
			}
			if res := check(c2); res.Verdict != authn.Wrong || !strings.HasPrefix(res.Detail, "replayed") {
				t.Errorf("the same code again = %+v, want refused as used", res)
			}
			// One step of tolerance either side, not two.
			ck.t = ck.t.Add(5 * time.Minute)
			if res := check(code(t, e.Secret, ck.t.Add(-30*time.Second))); res.Verdict != authn.Right {
				t.Errorf("a code one step old = %+v, want Right", res)
			}
			if res := check(code(t, e.Secret, ck.t.Add(30*time.Second))); res.Verdict != authn.Right {
				t.Errorf("a code one step ahead = %+v, want Right", res)
			}
			// After a later step, an earlier one is void even if unused.
			if res := check(code(t, e.Secret, ck.t)); res.Verdict != authn.Wrong {
				t.Errorf("a code older than the last accepted = %+v, want Wrong", res)
			}
			ck.t = ck.t.Add(5 * time.Minute)
			for _, tc := range []struct {
				name, code string
			}{
				{"two steps old", code(t, e.Secret, ck.t.Add(-60*time.Second))},
				{"two steps ahead", code(t, e.Secret, ck.t.Add(60*time.Second))},
				{"letters", "abcdef"},
				{"five digits", "12345"},
				{"empty", ""},
			} {
				if res := check(tc.code); res.Verdict != authn.Wrong || res.Failure.Key != "login_totp.wrong" || res.Detail != "wrong" {
					t.Errorf("%s: %+v, want Wrong", tc.name, res)
				}
			}
			// An unknown address fails like a wrong code.
			if res, _ := f.Check(ctx, authn.Check{Flow: &authn.Flow{}, Secret: code(t, e.Secret, ck.t)}); res.Verdict != authn.Wrong {
				t.Errorf("unknown address = %+v, want Wrong", res)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{"123456": "123456", "123 456": "123456", "123-456": "123456", " 123456 ": "123456", "12345": "", "1234567": "", "12345a": "", "١٢٣٤٥٦": ""} {
		if got := totp.Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}
