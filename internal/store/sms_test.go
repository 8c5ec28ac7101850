package store_test

import (
	"testing"

	"eulogin/internal/store/storetest"
)

func TestSMSSQLite(t *testing.T) {
	storetest.RunSMS(t, storetest.OpenSQLite)
}

// TestSMSPostgres runs when EULOGIN_TEST_POSTGRES holds a DSN, for example
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
func TestSMSPostgres(t *testing.T) {
	// Skip (or fail) once here rather than in every subtest.
	storetest.PostgresDSN(t)
	storetest.RunSMS(t, storetest.OpenPostgres)
}
