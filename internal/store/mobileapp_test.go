package store_test

import (
	"testing"

	"eulogin/internal/store/storetest"
)

func TestMobileAppSQLite(t *testing.T) {
	storetest.RunMobileApp(t, storetest.OpenSQLite)
}

// TestMobileAppPostgres runs when EULOGIN_TEST_POSTGRES holds a DSN, for
// example postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
func TestMobileAppPostgres(t *testing.T) {
	storetest.PostgresDSN(t)
	storetest.RunMobileApp(t, storetest.OpenPostgres)
}
