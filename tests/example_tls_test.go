package tests

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/paramsecrets/paramsecrets/internal/demo/sandbox"
	"github.com/paramsecrets/paramsecrets/internal/lambdatest"
	"github.com/paramsecrets/paramsecrets/internal/testdb"
	"github.com/paramsecrets/paramsecrets/localaws"
)

// TestExampleFunctionOverTLS runs examples/dbreader under the emulator, through the
// layer, against servers with TLS (PostgreSQL accepting nothing else) and a secret
// that says "ssl": true. With DB_CA_BUNDLE naming their CA the function logs in over
// verified TLS; without it the invoke fails on the certificate instead of falling back
// to plain text. The password never reaches the log.
func TestExampleFunctionOverTLS(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	pg, err := testdb.StartPostgres(ctx, testdb.PostgresOptions{RequireTLS: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Close() })
	my, err := testdb.StartMariaDB(ctx, testdb.MariaDBOptions{TLS: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { my.Close() })
	const user, password = "tls_reader", "Tls-reader-pw-1"
	if err := pg.CreateUser(ctx, user, password); err != nil {
		t.Fatal(err)
	}
	if err := my.CreateUser(ctx, user, "%", password); err != nil {
		t.Fatal(err)
	}
	engines := []struct {
		engine, host, ca string
		port             int
	}{
		{"postgres", pg.Host, pg.CAFile, pg.Port},
		{"mariadb", my.Host, my.CAFile, my.Port},
	}
	for i, db := range engines {
		for _, bundle := range []bool{true, false} {
			name, prefix := db.engine+"/without DB_CA_BUNDLE", fmt.Sprintf("tls%d_", 2*i)
			if bundle {
				name, prefix = db.engine+"/with DB_CA_BUNDLE", fmt.Sprintf("tls%d_", 2*i+1)
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				cloud := tlsCloud(t, prefix, db.engine, db.host, db.port, user, password)
				opts, err := suite.bin.ReaderOptions(cloud, "tls/db")
				if err != nil {
					t.Fatal(err)
				}
				if bundle {
					opts.Env = append(opts.Env, "DB_CA_BUNDLE="+db.ca)
				}
				fn := lambdatest.StartTest(t, opts)
				body, err := fn.Invoke(t.Context(), recordedEvent(t, "dbreader/invoke.json"))
				if bundle {
					var got readResult
					if err != nil || json.Unmarshal(body, &got) != nil {
						t.Fatalf("invoke: %v (%s)", err, body)
					}
					if !got.LoggedIn || !got.TLS {
						t.Errorf("answer %+v, want a login over TLS", got)
					}
				} else {
					var fe *lambdatest.FunctionError
					if !errors.As(err, &fe) || !strings.Contains(fe.Message, "certificate") {
						t.Fatalf("invoke error = %v, want the function failing on the certificate", err)
					}
				}
				if err := fn.Close(); err != nil {
					t.Fatal(err)
				}
				if logs := fn.Logs(); strings.Contains(logs, password) {
					t.Error("the log holds the password")
				}
			})
		}
	}
}

// tlsCloud is a localaws holding the example's secret "tls/db" with "ssl": true, beside
// the demo's secrets and the parameter the example reads. prefix keeps the demo's users
// apart.
func tlsCloud(t *testing.T, prefix, engine, host string, port int, user, password string) *sandbox.Cloud {
	t.Helper()
	w := newWorld(t, prefix)
	b, err := json.Marshal(map[string]any{"engine": engine, "host": host, "port": port, "username": user, "password": password, "ssl": true})
	if err != nil {
		t.Fatal(err)
	}
	value := string(b)
	if err := w.cloud.Server.Seed(localaws.Seed{Secrets: []localaws.SeedSecret{{Name: "tls/db", SecretString: &value}}}); err != nil {
		t.Fatal(err)
	}
	return w.cloud
}
