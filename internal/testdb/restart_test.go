package testdb

import (
	"context"
	"database/sql"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestPostgresRestart: a restart drops the open session, and afterwards the
// server listens on the same port, over TLS still, with its users, their
// passwords and its data.
func TestPostgresRestart(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	pg, err := StartPostgres(ctx, PostgresOptions{RequireTLS: true})
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	logOnFailure(t, "postgres", pg.LogTail)
	const user, password = "restarted", "Restart-pw-1"
	if err := pg.CreateUser(ctx, user, password); err != nil {
		t.Fatal(err)
	}
	if err := pg.Exec(ctx, "postgres", "CREATE TABLE kept (v int); INSERT INTO kept VALUES (42); GRANT SELECT ON kept TO "+user); err != nil {
		t.Fatal(err)
	}
	held, err := pgx.Connect(ctx, pg.UserDSN(user, password, "postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close(context.Background())
	port := pg.Port

	if err := pg.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	if err := held.Ping(ctx); err == nil {
		t.Error("a session opened before the restart still answers")
	}
	if pg.Port != port {
		t.Errorf("port %d after the restart, want %d", pg.Port, port)
	}
	c, err := pgx.Connect(ctx, pg.UserDSN(user, password, "postgres"))
	if err != nil {
		t.Fatalf("log in after the restart: %v", err)
	}
	defer c.Close(context.Background())
	var v int
	if err := c.QueryRow(ctx, "SELECT v FROM kept").Scan(&v); err != nil || v != 42 {
		t.Errorf("data after the restart: %d, %v; want 42", v, err)
	}
	if err := pg.Close(); err != nil {
		t.Errorf("close after a restart: %v", err)
	}
	if err := pg.Restart(ctx); err == nil {
		t.Error("Restart of a closed server succeeded")
	}
}

// TestMariaDBRestart is TestPostgresRestart for MariaDB.
func TestMariaDBRestart(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	m, err := StartMariaDB(ctx, MariaDBOptions{TLS: true})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	logOnFailure(t, "mariadb", m.LogTail)
	const user, password = "restarted", "Restart-pw-1"
	if err := m.CreateUser(ctx, user, "%", password); err != nil {
		t.Fatal(err)
	}
	if err := m.CreateDatabase(ctx, "keep"); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{"CREATE TABLE keep.kept (v int)", "INSERT INTO keep.kept VALUES (42)", "GRANT SELECT ON keep.* TO ?@'%'"} {
		var args []any
		if stmt[0] == 'G' {
			args = []any{user}
		}
		if err := m.Exec(ctx, "", stmt, args...); err != nil {
			t.Fatal(err)
		}
	}
	open := func() (*sql.Conn, error) {
		db, err := openMySQL(m.UserConfig(user, password, "keep"))
		if err != nil {
			return nil, err
		}
		t.Cleanup(func() { db.Close() })
		return db.Conn(ctx) // one session: database/sql must not reconnect behind the test's back
	}
	held, err := open()
	if err != nil {
		t.Fatal(err)
	}
	port := m.Port

	if err := m.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	if err := held.PingContext(ctx); err == nil {
		t.Error("a session opened before the restart still answers")
	}
	if m.Port != port {
		t.Errorf("port %d after the restart, want %d", m.Port, port)
	}
	c, err := open()
	if err != nil {
		t.Fatalf("log in after the restart: %v", err)
	}
	var v int
	if err := c.QueryRowContext(ctx, "SELECT v FROM kept").Scan(&v); err != nil || v != 42 {
		t.Errorf("data after the restart: %d, %v; want 42", v, err)
	}
	if err := m.Close(); err != nil {
		t.Errorf("close after a restart: %v", err)
	}
	if err := m.Restart(ctx); err == nil {
		t.Error("Restart of a closed server succeeded")
	}
}
