package sqldb_test

import (
	"database/sql"
	"errors"
	"fmt"
	"testing"

	"eulogin/internal/sqldb"
)

// TestIsUniqueViolation provokes each kind of refusal on the real engines:
// only a duplicate unique value or primary key counts, whether the error
// is wrapped or not.
func TestIsUniqueViolation(t *testing.T) {
	forEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := t.Context()
		mustExec(t, db, `CREATE TABLE accounts (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, age INTEGER CHECK (age >= 0))`)
		mustExec(t, db, `CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)`)
		mustExec(t, db, `CREATE TABLE phones (account_id INTEGER NOT NULL REFERENCES accounts (id), e164 TEXT NOT NULL, PRIMARY KEY (account_id, e164))`)
		mustExec(t, db, `INSERT INTO accounts (id, email, age) VALUES (?, ?, ?), (?, ?, ?)`, 1, "ada@example.org", 36, 2, "grace@example.org", 85)
		mustExec(t, db, `INSERT INTO settings (key, value) VALUES (?, ?)`, "k", "v")
		mustExec(t, db, `INSERT INTO phones (account_id, e164) VALUES (?, ?)`, 1, "+40712345678")

		for _, tc := range []struct {
			name string
			q    string
			args []any
			want bool
		}{
			{"unique column", `INSERT INTO accounts (id, email) VALUES (?, ?)`, []any{10, "ada@example.org"}, true},
			{"integer primary key", `INSERT INTO accounts (id, email) VALUES (?, ?)`, []any{1, "other@example.org"}, true},
			{"text primary key", `INSERT INTO settings (key, value) VALUES (?, ?)`, []any{"k", "w"}, true},
			{"composite primary key", `INSERT INTO phones (account_id, e164) VALUES (?, ?)`, []any{1, "+40712345678"}, true},
			{"update onto a used value", `UPDATE accounts SET email = ? WHERE id = ?`, []any{"ada@example.org", 2}, true},
			{"not null", `INSERT INTO accounts (id, email) VALUES (?, ?)`, []any{11, nil}, false},
			{"check", `INSERT INTO accounts (id, email, age) VALUES (?, ?, ?)`, []any{12, "young@example.org", -1}, false},
			{"foreign key", `INSERT INTO phones (account_id, e164) VALUES (?, ?)`, []any{99, "+40700000000"}, false},
			{"syntax", `INSERT INTO accounts VALUES (`, nil, false},
			{"no such table", `INSERT INTO nothing (a) VALUES (?)`, []any{1}, false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := db.Exec(ctx, tc.q, tc.args...)
				if err == nil {
					t.Fatalf("Exec(%q, %v) = nil, want the engine to refuse it", tc.q, tc.args)
				}
				if got := sqldb.IsUniqueViolation(err); got != tc.want {
					t.Errorf("IsUniqueViolation(%v) = %t, want %t", err, got, tc.want)
				}
				wrapped := fmt.Errorf("store: add account: %w", err)
				if got := sqldb.IsUniqueViolation(wrapped); got != tc.want {
					t.Errorf("IsUniqueViolation(wrapped %v) = %t, want %t", err, got, tc.want)
				}
			})
		}
	})
	for _, err := range []error{nil, sql.ErrNoRows, errors.New("UNIQUE constraint failed: accounts.email"), errors.New(`duplicate key value violates unique constraint (SQLSTATE 23505)`)} {
		if sqldb.IsUniqueViolation(err) {
			t.Errorf("IsUniqueViolation(%v) = true, want false (not a driver's error)", err)
		}
	}
}
