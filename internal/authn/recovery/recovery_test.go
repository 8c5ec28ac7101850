package recovery_test

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"eulogin/internal/authn"
	"eulogin/internal/authn/recovery"
	"eulogin/internal/notify"
	"eulogin/internal/store"
	"eulogin/internal/store/storetest"
)

// keyedHash stands in for mobileapp.Keys.Hash.
type keyedHash struct{}

func (keyedHash) Hash(label string, data []byte) string {
	sum := sha256.Sum256([]byte("test-key\x00" + label + "\x00" + string(data)))
	return hex.EncodeToString(sum[:])
}

func TestCodes(t *testing.T) {
	for _, en := range storetest.Engines {
		t.Run(en.Name, func(t *testing.T) {
			db := en.Open(t)
			now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
			users := map[string]*store.User{}
			for _, id := range []string{"u1", "u2"} {
				u := &store.User{ID: id, Email: id + "@example.eu", FirstName: "A", LastName: "B", EmailLang: "en", CreatedAt: now, UpdatedAt: now}
				if err := db.CreateUser(t.Context(), u); err != nil {
					t.Fatal(err)
				}
				users[id] = u
			}
			c := &recovery.Codes{Store: db, Hasher: keyedHash{}, Now: func() time.Time { return now }}
			codes, err := c.New(t.Context(), "u1")
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			for _, code := range codes {
				if len(code) != 11 || code[5] != '-' || recovery.Normalize(code) == "" || seen[code] {
					t.Errorf("code %q: malformed or repeated", code)
				}
				seen[code] = true
			}
			if len(codes) != recovery.Count {
				t.Fatalf("%d codes, want %d", len(codes), recovery.Count)
			}
			f := recovery.Factor{Codes: c}
			check := func(userID, secret string) authn.Result {
				t.Helper()
				res, err := f.Check(t.Context(), authn.Check{Flow: &authn.Flow{UserID: userID}, User: users[userID], Secret: secret})
				if err != nil {
					t.Fatal(err)
				}
				return res
			}
			// Typed in capitals with spaces: accepted once, and the owner is
			// told how many are left.
			res := check("u1", strings.ToUpper(strings.Replace(codes[0], "-", " ", 1)))
			if res.Verdict != authn.Right || res.Notice == nil || res.Notice.Kind != notify.RecoveryCodeUsed || res.Notice.Vars["left"] != recovery.Count-1 {
				t.Errorf("first use = %+v", res)
			}
			if res := check("u1", codes[0]); res.Verdict != authn.Wrong {
				t.Errorf("second use = %+v, want Wrong", res)
			}
			// Another account's code, or no account: wrong.
			if res := check("u2", codes[1]); res.Verdict != authn.Wrong {
				t.Errorf("another account's code = %+v, want Wrong", res)
			}
			if res, _ := f.Check(t.Context(), authn.Check{Flow: &authn.Flow{}, Secret: codes[1]}); res.Verdict != authn.Wrong {
				t.Errorf("unknown address = %+v, want Wrong", res)
			}
			// A new set voids the old.
			if _, err := c.New(t.Context(), "u1"); err != nil {
				t.Fatal(err)
			}
			if res := check("u1", codes[1]); res.Verdict != authn.Wrong {
				t.Errorf("a code of the old set = %+v, want Wrong", res)
			}
			if n, _ := c.Left(t.Context(), "u1"); n != recovery.Count {
				t.Errorf("Left = %d, want %d", n, recovery.Count)
			}
			if ok, _ := f.Enrolled(t.Context(), "u1", ""); ok {
				t.Error("recovery codes count as a factor the machine may pick")
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{"abcde-23456": "abcde23456", "ABCDE 23456": "abcde23456", "abcde23456": "abcde23456", "abcde-2345": "", "abcd0-23456": "", "abcde-234567": ""} {
		if got := recovery.Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}
