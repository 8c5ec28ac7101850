package ecistore_test

import (
	"path/filepath"
	"testing"

	"eulogin/internal/eci/ecistore/ecistoretest"
	"eulogin/internal/sqldb/sqldbtest"
)

func TestSQLite(t *testing.T) {
	ecistoretest.Run(t, ecistoretest.OpenSQLite)
	t.Run("Reopen", func(t *testing.T) {
		ecistoretest.Reopen(t, filepath.Join(t.TempDir(), "eci.db"))
	})
}

// TestPostgres runs when EULOGIN_TEST_POSTGRES holds a DSN, for example
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
func TestPostgres(t *testing.T) {
	// Skip (or fail) once here rather than in every subtest.
	dsn := sqldbtest.PostgresDSN(t)
	ecistoretest.Run(t, ecistoretest.OpenPostgres)
	t.Run("Reopen", func(t *testing.T) { ecistoretest.Reopen(t, dsn) })
}
