package dbclient

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/paramsecrets/paramsecrets/internal/safebuf"
	"github.com/paramsecrets/paramsecrets/rotators/dbtls"
	"github.com/paramsecrets/paramsecrets/rotators/dbtls/dbtlstest"
)

// secretJSON is the secret as the extension serves it.
func secretJSON(t *testing.T, srv server, user, password, ssl string) Secret {
	t.Helper()
	doc := map[string]any{"engine": srv.engine, "host": srv.host, "port": srv.port, "username": user, "password": password}
	if ssl != "" {
		doc["ssl"] = json.RawMessage(ssl)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ParseSecret(string(b))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestOpenHonoursSSL: the example treats the secret's "ssl" key as the rotators do,
// against each engine with TLS and without: what logs in, whether the session is
// encrypted, and a WARN line (naming the server, never the password) for each fall back
// to plain text.
func TestOpenHonoursSSL(t *testing.T) {
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
				got, err := Open(t.Context(), secretJSON(t, srv, user, pw, tc.ssl), roots, slog.New(slog.NewJSONHandler(&logs, nil)))
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
				if err == nil {
					if got.TLS != tc.wantTLS || got.ServerVersion == "" || got.Username != user {
						t.Errorf("session %+v, want TLS %v, a server version and user %s", got, tc.wantTLS, user)
					}
					if err := got.Ping(t.Context()); err != nil {
						t.Errorf("query on the session: %v", err)
					}
					if err := got.Close(); err != nil {
						t.Errorf("close: %v", err)
					}
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

// TestEd25519LoginsSucceed: a MariaDB account on the ed25519 plugin logs in every time.
// The driver drops one login in 256 of these as a malformed packet, so 1000 logins
// without the retry fail with near certainty (1 - (255/256)^1000 > 98%).
func TestEd25519LoginsSucceed(t *testing.T) {
	ctx := t.Context()
	_ = myPlain.Exec(ctx, "", "INSTALL SONAME 'auth_ed25519'") // fails harmlessly when already loaded
	const user, password = "ed_reader", "Ed-reader-pw-1"
	if err := myPlain.Exec(ctx, "", "CREATE USER ?@'127.0.0.1' IDENTIFIED VIA ed25519 USING PASSWORD(?)", user, password); err != nil {
		t.Skipf("ed25519 plugin unavailable: %v", err)
	}
	t.Cleanup(func() { _ = myPlain.Exec(context.Background(), "", "DROP USER IF EXISTS ?@'127.0.0.1'", user) })
	srv := servers()["mariadb plain"]
	s := secretJSON(t, srv, user, password, "false")
	log := slog.New(slog.DiscardHandler)
	for i := range 1000 {
		sess, err := Open(ctx, s, nil, log)
		if err != nil {
			t.Fatalf("login %d as an ed25519 account: %v", i+1, err)
		}
		sess.Close()
	}
}
