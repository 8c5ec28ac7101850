package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// ErrNoListen is returned by Listen and Publish on an engine without
// notifications (SQLite: one process, nothing to tell other replicas).
var ErrNoListen = errors.New("store: this database has no notifications")

// Publish sends payload on channel to every Listen of every replica
// (PostgreSQL NOTIFY, delivered when the transaction commits; here at once).
func (db *DB) Publish(ctx context.Context, channel, payload string) error {
	if db.sql.Dialect() != Postgres {
		return ErrNoListen
	}
	if _, err := db.sql.Exec(ctx, `SELECT pg_notify(?, ?)`, channel, payload); err != nil {
		return fmt.Errorf("store: publish on %s: %w", channel, err)
	}
	return nil
}

// Listen holds a connection of its own that LISTENs on channel and calls fn
// with the payload of each notification, in order, until ctx ends (it then
// returns ctx.Err()) or the connection fails (it returns that error; the
// caller listens again). ready, when not nil, is called once the LISTEN is
// in place: notifications published before that are not delivered.
func (db *DB) Listen(ctx context.Context, channel string, ready func(), fn func(payload string)) error {
	if db.sql.Dialect() != Postgres {
		return ErrNoListen
	}
	conn, err := db.sql.SQL().Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: listen on %s: %w", channel, err)
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("store: listen: unexpected driver connection %T", dc)
		}
		c := sc.Conn()
		if _, err := c.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
			return err
		}
		if ready != nil {
			ready()
		}
		for {
			n, err := c.WaitForNotification(ctx)
			if err != nil {
				// The connection is left listening, or broken by the
				// cancellation: never give it back to the pool.
				return errors.Join(driver.ErrBadConn, err)
			}
			fn(n.Payload)
		}
	})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return fmt.Errorf("store: listen on %s: %w", channel, err)
}
