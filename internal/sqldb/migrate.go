package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Migrate applies the migrations in the folder dir/<dialect> of fsys that
// table does not record yet, in the order of their numbers, each in its own
// transaction with its record. A migration is a file NNN_name.sql; files
// not ending in .sql are ignored. table is created when missing; its rows
// (version, name, applied_at in Unix seconds) are those earlier versions of
// eulogin wrote, so existing databases carry on. On PostgreSQL an advisory
// lock keyed by table makes concurrent callers (replicas starting together)
// take turns; on SQLite each migration's transaction holds the write lock
// while it checks the record, which serialises them the same way.
func (db *DB) Migrate(ctx context.Context, fsys fs.FS, dir, table string) error {
	list, err := readMigrations(fsys, path.Join(dir, string(db.dialect)))
	if err != nil {
		return err
	}
	conn, err := db.pool.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqldb: migrate: %w", err)
	}
	defer conn.Close()
	if db.dialect == Postgres {
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(hashtext($1))", table); err != nil {
			return fmt.Errorf("sqldb: migrate lock: %w", err)
		}
		// Unlock even when ctx has ended: the connection goes back to the
		// pool and must not keep the lock.
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(hashtext($1))", table)
	}
	if _, err := conn.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS "+table+" (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)"); err != nil {
		return fmt.Errorf("sqldb: migrate: %w", err)
	}
	for _, m := range list {
		if err := db.apply(ctx, conn, table, m); err != nil {
			return fmt.Errorf("sqldb: migration %s: %w", m.name, err)
		}
	}
	return nil
}

// migration is one numbered SQL file.
type migration struct {
	version int
	name    string // the file name, recorded with the version
	body    string
}

// readMigrations reads the .sql files of dir, sorted by version. A name
// without a leading number, or two files with the same number, is an error
// before anything is applied.
func readMigrations(fsys fs.FS, dir string) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("sqldb: migrate: %w", err)
	}
	var list []migration
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		version, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("sqldb: migration %s: name must start with a number and '_'", name)
		}
		body, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("sqldb: migration %s: %w", name, err)
		}
		list = append(list, migration{version: version, name: name, body: string(body)})
	}
	slices.SortFunc(list, func(a, b migration) int { return a.version - b.version })
	for i := 1; i < len(list); i++ {
		if list[i].version == list[i-1].version {
			return nil, fmt.Errorf("sqldb: migrations %s and %s have the same number", list[i-1].name, list[i].name)
		}
	}
	return list, nil
}

// apply runs m and records it in table, in one transaction, unless table
// already records its version. The check is inside the transaction so that
// on SQLite (which takes the write lock at BEGIN) a second process waits
// for the first one's migration and then skips it.
func (db *DB) apply(ctx context.Context, conn *sql.Conn, table string, m migration) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, db.Rebind("SELECT COUNT(*) FROM "+table+" WHERE version = ?"), m.version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.body); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, db.Rebind("INSERT INTO "+table+" (version, name, applied_at) VALUES (?, ?, ?)"), m.version, m.name, time.Now().Unix()); err != nil {
		return err
	}
	return tx.Commit()
}
