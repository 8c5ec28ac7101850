package store_test

import (
	"testing"

	"eulogin/internal/store"
	"eulogin/internal/store/storetest"
)

func TestSQLite(t *testing.T) {
	storetest.Run(t, storetest.OpenSQLite)
}

// TestPostgres runs when EULOGIN_TEST_POSTGRES holds a DSN, for example
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
func TestPostgres(t *testing.T) {
	// Skip (or fail) once here rather than in every subtest.
	storetest.PostgresDSN(t)
	storetest.Run(t, storetest.OpenPostgres)
}

func TestRebind(t *testing.T) {
	for _, tc := range []struct {
		name    string
		dialect store.Dialect
		in      string
		want    string
	}{
		{"sqlite keeps placeholders", store.SQLite, "SELECT * FROM users WHERE id = ? AND email = ?", "SELECT * FROM users WHERE id = ? AND email = ?"},
		{"postgres without placeholders", store.Postgres, "SELECT COUNT(*) FROM users", "SELECT COUNT(*) FROM users"},
		{"postgres one", store.Postgres, "SELECT * FROM users WHERE id = ?", "SELECT * FROM users WHERE id = $1"},
		{"postgres several", store.Postgres, "INSERT INTO t (a, b, c) VALUES (?, ?, ?)", "INSERT INTO t (a, b, c) VALUES ($1, $2, $3)"},
		{"postgres adjacent", store.Postgres, "??", "$1$2"},
		{"postgres ten and more", store.Postgres, "?,?,?,?,?,?,?,?,?,?,?,?", "$1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12"},
		{"postgres keeps other text", store.Postgres, "UPDATE t SET name = 'Ķēniņš Δημήτρης' || ? WHERE key LIKE '%:' || ?", "UPDATE t SET name = 'Ķēniņš Δημήτρης' || $1 WHERE key LIKE '%:' || $2"},
		{"empty", store.Postgres, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := store.Rebind(tc.dialect, tc.in); got != tc.want {
				t.Errorf("Rebind(%q, %q) = %q, want %q", tc.dialect, tc.in, got, tc.want)
			}
		})
	}
}
