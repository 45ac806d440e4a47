package testdb

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"
)

// pgScan runs a one-row query on pg as the superuser.
func pgScan(t *testing.T, pg *Postgres, sql string, dest ...any) {
	t.Helper()
	if err := pg.queryRow(t.Context(), dest, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func TestPostgresStandbyStreams(t *testing.T) {
	logOnFailure(t, "postgres pg1", pgPrimary.LogTail)
	logOnFailure(t, "postgres pg1 standby", pgStandby.LogTail)
	var inRecovery bool
	pgScan(t, pgStandby, "SELECT pg_is_in_recovery()", &inRecovery)
	if !inRecovery {
		t.Error("the standby is not in recovery")
	}
	pgScan(t, pgPrimary, "SELECT pg_is_in_recovery()", &inRecovery)
	if inRecovery {
		t.Error("the primary is in recovery")
	}
	var state string
	pgScan(t, pgPrimary, "SELECT coalesce((SELECT state FROM pg_stat_replication WHERE application_name = '"+
		pgStandby.standby.role+"'), 'absent')", &state)
	if state != "streaming" {
		t.Errorf("pg_stat_replication on the primary: state %q, want streaming", state)
	}
	if pgStandby.Host != pgStandbyIP || pgStandby.Port == pgPrimary.Port && pgStandby.Host == pgPrimary.Host {
		t.Errorf("standby at %s:%d, want its own address %s", pgStandby.Host, pgStandby.Port, pgStandbyIP)
	}
	if pgStandby.User != pgPrimary.User || pgStandby.Password != pgPrimary.Password {
		t.Error("the standby reports other superuser credentials than the primary's")
	}

	err := pgStandby.Exec(t.Context(), "postgres", "CREATE TABLE standby_write (i int)")
	if sqlState(err) != "25006" {
		t.Errorf("write on the standby: %v, want SQLSTATE 25006 (read-only transaction)", err)
	}
}

func TestPostgresStandbyReplicatesUsers(t *testing.T) {
	ctx := t.Context()
	logOnFailure(t, "postgres pg1", pgPrimary.LogTail)
	logOnFailure(t, "postgres pg1 standby", pgStandby.LogTail)
	const password = `standby p@ss/w:rd'"`
	createPostgresUser(t, pgPrimary, "standby user", password)
	if err := pgStandby.WaitCaughtUp(ctx); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, serverName, password string
		wantState                  string // "" means the login succeeds
	}{
		{"right password, verify-full as the replica's name", pgStandbyName, password, ""},
		{"right password, verify-full as the listen address", pgStandbyIP, password, ""},
		{"wrong password", pgStandbyName, "wrong", "28P01"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := pgLoginAs(ctx, pgStandby, "standby user", tc.password, tc.serverName)
			switch {
			case tc.wantState == "" && err != nil:
				t.Fatalf("login on the standby failed: %v", err)
			case tc.wantState != "" && sqlState(err) != tc.wantState:
				t.Fatalf("login error = %v (SQLSTATE %q), want SQLSTATE %s", err, sqlState(err), tc.wantState)
			}
		})
	}
	t.Run("the primary's name is not the standby's", func(t *testing.T) {
		if err := pgLoginAs(ctx, pgStandby, "standby user", password, pgPrimaryName); err == nil {
			t.Fatal("verify-full as the primary's name succeeded against the standby")
		}
	})
	assertNoSecret(t, "primary log", pgPrimary.Log(), password)
	assertNoSecret(t, "standby log", pgStandby.Log(), password)
}

func TestPostgresStandbyPause(t *testing.T) {
	ctx := t.Context()
	logOnFailure(t, "postgres pg1 standby", pgStandby.LogTail)
	if err := pgStandby.PauseReplication(ctx); err != nil {
		t.Fatal(err)
	}
	paused := true
	t.Cleanup(func() {
		if paused {
			if err := pgStandby.ResumeReplication(context.Background()); err != nil {
				t.Error(err)
			}
		}
	})
	const password = "held back"
	createPostgresUser(t, pgPrimary, "lagging user", password)
	// Replay is paused: the role is on the primary but not yet on the
	// standby, as on a lagging read replica.
	if err := pgLoginAs(ctx, pgPrimary, "lagging user", password, pgPrimaryName); err != nil {
		t.Fatalf("login on the primary: %v", err)
	}
	if err := pgLoginAs(ctx, pgStandby, "lagging user", password, pgStandbyName); sqlState(err) != "28P01" {
		t.Fatalf("login on the paused standby: %v, want SQLSTATE 28P01 (the role has not arrived)", err)
	}
	if err := pgStandby.ResumeReplication(ctx); err != nil {
		t.Fatal(err)
	}
	paused = false
	if err := pgStandby.WaitCaughtUp(ctx); err != nil {
		t.Fatal(err)
	}
	if err := pgLoginAs(ctx, pgStandby, "lagging user", password, pgStandbyName); err != nil {
		t.Fatalf("login on the standby after resuming: %v", err)
	}
}

func TestPostgresStandbyOfPlainPrimary(t *testing.T) {
	ctx := t.Context()
	standby, err := StartPostgresStandby(ctx, pgPlain, PostgresOptions{})
	if err != nil {
		t.Fatal(err)
	}
	logOnFailure(t, "postgres plain standby", standby.LogTail)
	role := standby.standby.role
	createPostgresUser(t, pgPlain, "plain standby user", "pw")
	if err := standby.WaitCaughtUp(ctx); err != nil {
		t.Fatal(err)
	}
	if err := pgLogin(ctx, standby, "plain standby user", "pw", "disable", false); err != nil {
		t.Fatalf("login on the standby: %v", err)
	}
	t.Run("replication connections demand the password", func(t *testing.T) {
		cfg, err := pgx.ParseConfig(pgPlain.UserDSN(role, "wrong", ""))
		if err != nil {
			t.Fatal(err)
		}
		cfg.RuntimeParams["replication"] = "database"
		c, err := pgx.ConnectConfig(ctx, cfg)
		if err == nil {
			c.Close(ctx)
		}
		if sqlState(err) != "28P01" {
			t.Fatalf("replication login with a wrong password: %v, want SQLSTATE 28P01", err)
		}
	})
	// A restarted standby resumes streaming by itself.
	if err := standby.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	createPostgresUser(t, pgPlain, "after restart user", "pw")
	if err := standby.WaitCaughtUp(ctx); err != nil {
		t.Fatal(err)
	}
	if err := pgLogin(ctx, standby, "after restart user", "pw", "disable", false); err != nil {
		t.Fatalf("login on the restarted standby: %v", err)
	}
	if err := standby.Close(); err != nil {
		t.Fatal(err)
	}
	var left int
	pgScan(t, pgPlain, "SELECT count(*) FROM pg_roles WHERE rolname = '"+role+"'", &left)
	if left != 0 {
		t.Errorf("Close left the replication role %s on the primary", role)
	}
}

func TestPostgresStandbyMisuse(t *testing.T) {
	ctx := t.Context()
	if _, err := StartPostgresStandby(ctx, nil, PostgresOptions{}); err == nil {
		t.Error("a standby of no primary started")
	}
	closed := &Postgres{}
	if _, err := StartPostgresStandby(ctx, closed, PostgresOptions{}); err == nil {
		t.Error("a standby of a closed primary started")
	}
	if _, err := StartPostgresStandby(ctx, pgStandby, PostgresOptions{}); err == nil {
		t.Error("a standby of a standby started")
	}
	for name, call := range map[string]func(context.Context) error{
		"PauseReplication":  pgPrimary.PauseReplication,
		"ResumeReplication": pgPrimary.ResumeReplication,
		"WaitCaughtUp":      pgPrimary.WaitCaughtUp,
	} {
		if err := call(ctx); !errors.Is(err, errNotStandby) {
			t.Errorf("%s on a primary: %v, want %v", name, err, errNotStandby)
		}
	}
}
