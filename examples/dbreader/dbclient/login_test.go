package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/sync/errgroup"

	"github.com/paramsecrets/paramsecrets/internal/safebuf"
	"github.com/paramsecrets/paramsecrets/internal/testdb"
	"github.com/paramsecrets/paramsecrets/rotators/dbtls"
	"github.com/paramsecrets/paramsecrets/rotators/dbtls/dbtlstest"
)

// The servers the example logs in to: each engine with TLS and without.
var (
	pgPlain, pgTLS *testdb.Postgres
	myPlain, myTLS *testdb.MariaDB
)

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	ctx := context.Background()
	var g errgroup.Group
	g.Go(func() (err error) { pgPlain, err = testdb.StartPostgres(ctx, testdb.PostgresOptions{}); return err })
	g.Go(func() (err error) {
		pgTLS, err = testdb.StartPostgres(ctx, testdb.PostgresOptions{TLS: true})
		return err
	})
	g.Go(func() (err error) { myPlain, err = testdb.StartMariaDB(ctx, testdb.MariaDBOptions{}); return err })
	g.Go(func() (err error) {
		myTLS, err = testdb.StartMariaDB(ctx, testdb.MariaDBOptions{TLS: true})
		return err
	})
	err := g.Wait()
	for _, pg := range []*testdb.Postgres{pgPlain, pgTLS} {
		if pg != nil {
			defer pg.Close()
		}
	}
	for _, my := range []*testdb.MariaDB{myPlain, myTLS} {
		if my != nil {
			defer my.Close()
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// server is one test database as the example's secret names it.
type server struct {
	engine, host, caFile string
	port                 int
	createUser           func(ctx context.Context, name, password string) error
}

func servers() map[string]server {
	pg := func(p *testdb.Postgres) server {
		return server{"postgres", p.Host, p.CAFile, p.Port, p.CreateUser}
	}
	my := func(m *testdb.MariaDB) server {
		return server{"mariadb", m.Host, m.CAFile, m.Port, func(ctx context.Context, name, password string) error {
			return m.CreateUser(ctx, name, "127.0.0.1", password)
		}}
	}
	return map[string]server{"postgres plain": pg(pgPlain), "postgres tls": pg(pgTLS), "mariadb plain": my(myPlain), "mariadb tls": my(myTLS)}
}

// secretJSON is the secret as the extension serves it.
func secretJSON(t *testing.T, srv server, user, password, ssl string) dbSecret {
	t.Helper()
	doc := map[string]any{"engine": srv.engine, "host": srv.host, "port": srv.port, "username": user, "password": password}
	if ssl != "" {
		doc["ssl"] = json.RawMessage(ssl)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var s dbSecret
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestLoginHonoursSSL: the example treats the secret's "ssl" key as the rotators do,
// against each engine with TLS and without: what logs in, whether the session is
// encrypted, and a WARN line (naming the server, never the password) for each fall back
// to plain text.
func TestLoginHonoursSSL(t *testing.T) {
	cases := []struct {
		name     string
		server   string // "tls" or "plain"
		ssl      string // the key's JSON, "" for none
		bundle   bool   // DB_CA_BUNDLE names the test CA
		wantErr  string // "" means the login succeeds
		wantTLS  bool
		wantWarn bool
	}{
		{"required, verified", "tls", "true", true, "", true, false},
		{"required as a string", "tls", `"TRUE"`, true, "", true, false},
		{"required, CA unknown", "tls", "true", false, "certificate", false, false},
		{"required, server without TLS", "plain", "true", true, "TLS", false, false},
		{"preferred, verified", "tls", "", true, "", true, false},
		{"preferred, server without TLS", "plain", "", true, "", false, true},
		{"preferred, certificate not verified", "tls", "", false, "", false, true},
		{"unknown word reads as absent", "plain", `"yes"`, true, "", false, true},
		{"disabled", "tls", "false", true, "", false, false},
	}
	for name, srv := range servers() {
		for _, tc := range cases {
			if !strings.HasSuffix(name, tc.server) {
				continue
			}
			t.Run(name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				user, pw := fmt.Sprintf("reader_%d", seq.Add(1)), "Reader-pw-"+tc.name
				if err := srv.createUser(t.Context(), user, pw); err != nil {
					t.Fatal(err)
				}
				roots, err := dbtls.RootsFromEnv(func(k string) string {
					if k == dbtls.EnvCABundle && tc.bundle && srv.caFile != "" {
						return srv.caFile
					}
					return ""
				})
				if err != nil {
					t.Fatal(err)
				}
				if !tc.bundle {
					roots = x509.NewCertPool() // not even the system roots know the test CA
				}
				var logs safebuf.Buffer
				got, err := login(t.Context(), secretJSON(t, srv, user, pw, tc.ssl), roots, slog.New(slog.NewJSONHandler(&logs, nil)))
				switch {
				case tc.wantErr == "" && err != nil:
					t.Fatalf("login: %v", err)
				case tc.wantErr != "" && err == nil:
					t.Fatal("login succeeded")
				case tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr):
					t.Fatalf("error %q does not mention %q", err, tc.wantErr)
				case tc.wantErr != "" && strings.Contains(err.Error(), pw):
					t.Fatalf("error %q holds the password", err)
				}
				if err == nil && (got.tls != tc.wantTLS || got.serverVersion == "") {
					t.Errorf("session %+v, want TLS %v and a server version", got, tc.wantTLS)
				}
				if err := dbtlstest.CheckFallbackWarning(logs.String(), tc.wantWarn, srv.host, srv.port, pw); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

// seq makes user names unique across the parallel tests sharing a server.
var seq atomic.Int64
