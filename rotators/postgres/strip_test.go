package postgres

import (
	"log/slog"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/paramsecrets/paramsecrets/internal/safebuf"
	"github.com/paramsecrets/paramsecrets/internal/testdb"
	"github.com/paramsecrets/paramsecrets/rotators/dbtls/dbtlstest"
	"github.com/paramsecrets/paramsecrets/rotators/rotation"
)

// TestMasterLoginRequiresTLSWhenTheSecretDoes: the rotated secret says ssl true and the
// master secret has no ssl key. The master's connection carries the new password (as a
// SCRAM verifier) to the server, so when someone on the path strips TLS from it the
// rotation must fail rather than send it in plain text.
func TestMasterLoginRequiresTLSWhenTheSecretDoes(t *testing.T) {
	t.Parallel()
	f := newFixture(t, tlsPG, "")
	strip := dbtlstest.StripPostgres(t, net.JoinHostPort(tlsPG.Host, strconv.Itoa(tlsPG.Port)))
	opts := trustTestCA(t)
	e := newAWS(t)
	pw, _ := rotation.PasswordConfigFromEnv(func(string) string { return "" }, DefaultExcludeCharacters)
	db := dbtlstest.ArmAtSync(New(opts), strip)
	e.srv.RegisterHandler(functionARN, rotation.New(rotation.AlternatingUsers(), db, e.sm, pw, nil).Handle)

	master := f.master()
	master.Port = strip.Port // no ssl key: the master secret alone would prefer TLS
	s := f.secret()
	s.Port, s.SSL = strip.Port, rotation.SSLRequired
	s.MasterARN = e.createSecret(t, "master-"+f.user, master)
	arn := e.createSecret(t, "strip-"+f.user, s)

	err := e.rotate(t.Context(), arn, "")
	if n := strip.PlainLogins(); n != 0 {
		t.Fatalf("%d login(s) went on in plain text after TLS was stripped", n)
	}
	if err == nil || !strings.Contains(err.Error(), "TLS") {
		t.Fatalf("rotation error = %v, want the master's TLS failure", err)
	}
	pending, _ := e.value(t, arn, rotation.StagePending)
	assertCannotLogIn(t, f.pg, f.dbname, pending.Username, pending.Password)
	cur, _ := e.value(t, arn, rotation.StageCurrent)
	if cur.Username != f.user {
		t.Errorf("AWSCURRENT moved to %q", cur.Username)
	}
}

// TestFallbackToPlainTextIsLoggedAtWarn: with ssl absent, a login that falls back to
// plain text says so at WARN, naming the server and never a password; one that gets
// TLS, or one that requires it, logs nothing.
func TestFallbackToPlainTextIsLoggedAtWarn(t *testing.T) {
	bundle := trustTestCA(t)
	cases := []struct {
		name     string
		pg       *testdb.Postgres
		opts     Options
		ssl      rotation.SSLMode
		wantWarn bool
	}{
		{"preferred, server without TLS", plainPG, bundle, rotation.SSLPreferred, true},
		{"preferred, certificate not verified", tlsPG, Options{}, rotation.SSLPreferred, true},
		{"preferred, verified", tlsPG, bundle, rotation.SSLPreferred, false},
		{"required", tlsPG, bundle, rotation.SSLRequired, false},
		{"disabled", plainPG, bundle, rotation.SSLDisabled, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, tc.pg, "")
			var logs safebuf.Buffer
			tc.opts.Log = slog.New(slog.NewJSONHandler(&logs, nil))
			s := f.secret()
			s.SSL = tc.ssl
			if err := New(tc.opts).Ping(t.Context(), s); err != nil {
				t.Fatal(err)
			}
			if err := dbtlstest.CheckFallbackWarning(logs.String(), tc.wantWarn, tc.pg.Host, tc.pg.Port, f.password); err != nil {
				t.Fatal(err)
			}
		})
	}
}
