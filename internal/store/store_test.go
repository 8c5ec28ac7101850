package store_test

import (
	"testing"

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
