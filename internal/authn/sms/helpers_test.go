package sms_test

import (
	"testing"
	"time"

	"eulogin/internal/store"
	"eulogin/internal/store/storetest"
)

// engines are the stores the tests run on: SQLite always, PostgreSQL when
// EULOGIN_TEST_POSTGRES is set (the subtest skips otherwise).
var engines = storetest.Engines

// clock is a settable time source.
type clock struct{ t time.Time }

func newClock() *clock { return &clock{t: time.Date(2026, time.March, 2, 9, 30, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time { return c.t }

func (c *clock) Advance(d time.Duration) { c.t = c.t.Add(d) }

// mustUser creates an account.
func mustUser(t *testing.T, db *store.DB, id string) {
	t.Helper()
	u := &store.User{ID: id, Email: id + "@example.org", FirstName: "Ana", LastName: "Popescu", EmailLang: "ro", AssuranceLevel: 10, CreatedAt: time.Unix(0, 0), UpdatedAt: time.Unix(0, 0)}
	if err := db.CreateUser(t.Context(), u); err != nil {
		t.Fatalf("CreateUser(%q) = %v", id, err)
	}
}
