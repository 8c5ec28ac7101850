package sqldb

import (
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// pgUniqueViolation is PostgreSQL's SQLSTATE for a duplicate unique value.
const pgUniqueViolation = "23505"

// IsUniqueViolation reports whether err (or an error it wraps) is a
// driver's refusal of a duplicate unique value: PostgreSQL's SQLSTATE 23505,
// or SQLite's extended codes for a unique or primary key constraint. It
// goes by the driver's error code, never by the message text, which a
// driver may translate or reword from one version to the next. Other
// constraints (not null, foreign key, check) are not unique violations.
func IsUniqueViolation(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == pgUniqueViolation
	}
	var lite *sqlite.Error
	if errors.As(err, &lite) {
		return lite.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || lite.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}
