package testdb

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// pgLogin connects to pg as user/password with the given sslmode (plus
// sslrootcert=CAFile when withCA) and runs a query, returning any error.
func pgLogin(ctx context.Context, pg *Postgres, user, password, sslmode string, withCA bool) error {
	u, err := url.Parse(pg.UserDSN(user, password, ""))
	if err != nil {
		return err
	}
	q := url.Values{"sslmode": {sslmode}}
	if withCA {
		q.Set("sslrootcert", pg.CAFile)
	}
	u.RawQuery = q.Encode()
	c, err := pgx.Connect(ctx, u.String())
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	var one int
	return c.QueryRow(ctx, "SELECT 1").Scan(&one)
}

// sqlState returns the SQLSTATE of a server error, "" for other errors.
func sqlState(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

func TestPostgresPasswordAuthentication(t *testing.T) {
	ctx := t.Context()
	// Characters that need escaping in a URL and quoting in SQL.
	const userPassword = `p@ss/w:rd'"?%`
	for _, srv := range []struct {
		name    string
		pg      *Postgres
		sslmode string
	}{
		{"plain", pgPlain, "disable"},
		{"tls", pgTLS, "verify-full"},
	} {
		t.Run(srv.name, func(t *testing.T) {
			pg := srv.pg
			logOnFailure(t, "postgres "+srv.name, pg.LogTail)
			createPostgresUser(t, pg, "auth user", userPassword)
			tests := []struct {
				name, user, password string
				wantState            string // "" means the login succeeds
			}{
				{"superuser right password", pg.User, pg.Password, ""},
				{"created user right password", "auth user", userPassword, ""},
				{"created user wrong password", "auth user", "wrong", "28P01"},
				{"superuser wrong password", pg.User, pg.Password + "x", "28P01"},
				{"superuser empty password", pg.User, "", "28P01"},
				{"unknown user", "nobody", "whatever", "28P01"},
			}
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					err := pgLogin(ctx, pg, tc.user, tc.password, srv.sslmode, true)
					switch {
					case tc.wantState == "" && err != nil:
						t.Fatalf("login failed: %v", err)
					case tc.wantState != "" && sqlState(err) != tc.wantState:
						t.Fatalf("login error = %v (SQLSTATE %q), want SQLSTATE %s", err, sqlState(err), tc.wantState)
					}
				})
			}
		})
	}
}

func TestPostgresTLS(t *testing.T) {
	ctx := t.Context()
	logOnFailure(t, "postgres tls", pgTLS.LogTail)
	tests := []struct {
		name    string
		pg      *Postgres
		sslmode string
		withCA  bool
		wantOK  bool
	}{
		{"verify-full with the CA", pgTLS, "verify-full", true, true},
		{"verify-full with the system roots", pgTLS, "verify-full", false, false},
		{"no TLS against a TLS-only server", pgTLS, "disable", false, false},
		{"TLS required against a plain server", pgPlain, "require", false, false},
		{"plain server without TLS", pgPlain, "disable", false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := pgLogin(ctx, tc.pg, tc.pg.User, tc.pg.Password, tc.sslmode, tc.withCA)
			if tc.wantOK && err != nil {
				t.Fatalf("login failed: %v", err)
			}
			if !tc.wantOK && err == nil {
				t.Fatal("login succeeded, want failure")
			}
		})
	}

	t.Run("session is encrypted", func(t *testing.T) {
		c, err := pgTLS.Connect(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(ctx)
		var ssl bool
		if err := c.QueryRow(ctx, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").Scan(&ssl); err != nil {
			t.Fatal(err)
		}
		if !ssl {
			t.Error("pg_stat_ssl.ssl = false on a verify-full connection")
		}
	})

	t.Run("TLSConfig verifies the host name", func(t *testing.T) {
		for _, tc := range []struct {
			name       string
			serverName string
			wantOK     bool
		}{
			{"localhost", "localhost", true},
			{"name not in the certificate", "db.example.com", false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				cfg, err := pgx.ParseConfig(pgTLS.DSN(""))
				if err != nil {
					t.Fatal(err)
				}
				tlsCfg := pgTLS.TLSConfig()
				tlsCfg.ServerName = tc.serverName
				cfg.TLSConfig, cfg.Fallbacks = tlsCfg, nil
				c, err := pgx.ConnectConfig(ctx, cfg)
				if err == nil {
					c.Close(ctx)
				}
				if (err == nil) != tc.wantOK {
					t.Fatalf("connect error = %v, want success %t", err, tc.wantOK)
				}
			})
		}
	})
	if pgPlain.TLSConfig() != nil || pgPlain.CAFile != "" {
		t.Error("plain server reports TLS material")
	}
}

func TestPostgresStatementLog(t *testing.T) {
	ctx := t.Context()
	const marker = "statement-log-marker-5c1f"
	const password = "never-logged-9d2e"
	for _, pg := range []*Postgres{pgPlain, pgTLS} {
		if err := pg.Exec(ctx, "postgres", "SELECT '"+marker+"'"); err != nil {
			t.Fatal(err)
		}
	}
	createPostgresUser(t, pgTLS, "log user", password)
	if !strings.Contains(pgTLS.Log(), marker) {
		t.Errorf("log_statement = 'all' server log lacks the statement; tail:\n%s", pgTLS.LogTail(20))
	}
	if strings.Contains(pgPlain.Log(), marker) {
		t.Error("server without LogStatements logged a statement")
	}
	assertNoSecret(t, "statement log after CreateUser", pgTLS.Log(), password)
	assertNoSecret(t, "statement log", pgTLS.Log(), pgTLS.Password)
}

func TestPostgresCreateDatabase(t *testing.T) {
	ctx := t.Context()
	const db = `odd "db"/name`
	createPostgresDatabase(t, pgPlain, db)
	c, err := pgPlain.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var got string
	if err := c.QueryRow(ctx, "SELECT current_database()").Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != db {
		t.Errorf("current_database() = %q, want %q", got, db)
	}
	err = pgPlain.CreateDatabase(ctx, db)
	if sqlState(err) != "42P04" {
		t.Errorf("creating it again: error = %v, want duplicate_database", err)
	}
}

func TestPostgresErrorsHideThePassword(t *testing.T) {
	ctx := t.Context()
	errs := map[string]error{
		"exec in a missing database": pgPlain.Exec(ctx, "no such db", "SELECT 1"),
		"bad statement":              pgPlain.Exec(ctx, "postgres", "SELEC 1"),
	}
	for name, err := range errs {
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		assertNoSecret(t, name+" error", err.Error(), pgPlain.Password)
	}
	assertNoSecret(t, "String()", pgPlain.String(), pgPlain.Password)
}

// TestPostgresTLSOptional covers the TLS variant that still accepts plain
// connections, as a server does for clients that try TLS and fall back.
func TestPostgresTLSOptional(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	pg, err := StartPostgres(ctx, PostgresOptions{TLS: true})
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	logOnFailure(t, "postgres optional tls", pg.LogTail)
	tests := []struct {
		name    string
		sslmode string
		withCA  bool
	}{
		{"verify-full with the CA", "verify-full", true},
		{"plain", "disable", false},
		{"prefer", "prefer", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := pgLogin(ctx, pg, pg.User, pg.Password, tc.sslmode, tc.withCA); err != nil {
				t.Fatalf("login failed: %v", err)
			}
			if err := pgLogin(ctx, pg, pg.User, "wrong", tc.sslmode, tc.withCA); sqlState(err) != "28P01" {
				t.Fatalf("wrong password: error = %v, want SQLSTATE 28P01", err)
			}
		})
	}
}

// TestPostgresDemandsSCRAM checks the server itself, not only a failed login:
// every TCP rule in pg_hba.conf demands scram-sha-256 and new passwords are
// stored as SCRAM verifiers, so a role holding an MD5 hash cannot log in and
// a test that passes here would pass against RDS's defaults too.
func TestPostgresDemandsSCRAM(t *testing.T) {
	for name, pg := range map[string]*Postgres{"plain": pgPlain, "tls": pgTLS} {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			c, err := pg.Connect(ctx, "postgres")
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close(ctx)
			var enc string
			if err := c.QueryRow(ctx, "SHOW password_encryption").Scan(&enc); err != nil {
				t.Fatal(err)
			}
			if enc != "scram-sha-256" {
				t.Errorf("password_encryption = %q, want scram-sha-256", enc)
			}
			rows, err := c.Query(ctx, "SELECT type, auth_method FROM pg_hba_file_rules WHERE type LIKE 'host%'")
			if err != nil {
				t.Fatal(err)
			}
			var n int
			for rows.Next() {
				var typ, method string
				if err := rows.Scan(&typ, &method); err != nil {
					t.Fatal(err)
				}
				n++
				if method != "scram-sha-256" {
					t.Errorf("pg_hba.conf %s rule uses %s, want scram-sha-256", typ, method)
				}
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				t.Error("pg_hba.conf has no TCP rule")
			}
		})
	}
}
