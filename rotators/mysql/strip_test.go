package mysql

import (
	"context"
	"crypto/x509"
	"log/slog"
	"strings"
	"testing"

	"github.com/paramsecrets/paramsecrets/internal/safebuf"
	"github.com/paramsecrets/paramsecrets/internal/testdb"
	"github.com/paramsecrets/paramsecrets/rotators/dbtls/dbtlstest"
	"github.com/paramsecrets/paramsecrets/rotators/rotation"
)

// TestMasterLoginRequiresTLSWhenTheSecretDoes: the rotated secret says ssl true and the
// master secret has no ssl key. The master's connection carries the new password (as a
// native hash on MariaDB, the password itself on MySQL), so when someone on the path
// strips TLS from it the rotation must fail rather than send it in plain text.
func TestMasterLoginRequiresTLSWhenTheSecretDoes(t *testing.T) {
	t.Parallel()
	g := newRig(t, rotation.AlternatingUsers())
	strip := dbtlstest.StripMySQL(t, tlsServer.Config("").Addr)
	pw, err := rotation.PasswordConfigFromEnv(func(string) string { return "" }, DefaultExcludeCharacters)
	if err != nil {
		t.Fatal(err)
	}
	db := dbtlstest.ArmAtSync(g.d, strip)
	g.r = rotation.New(rotation.AlternatingUsers(), db, g.sm, pw, slog.New(slog.NewTextHandler(g.logs, nil)))

	user, userPW := uniq("strip"), "strip-pw-"+uniq("")
	createUser(t, tlsServer, user, "127.0.0.1", userPW)
	t.Cleanup(func() { dropAll(tlsServer, user+"_clone") })
	master := secretFor(tlsServer, tlsServer.User, tlsServer.Password, rotation.SSLPreferred)
	master.Port = strip.Port
	s := secretFor(tlsServer, user, userPW, rotation.SSLRequired)
	s.Port = strip.Port
	s.MasterARN = g.create(t, master)
	id := g.create(t, s)

	err = g.rotate(id, "")
	if n := strip.PlainLogins(); n != 0 {
		t.Fatalf("%d login(s) went on in plain text after TLS was stripped", n)
	}
	if err == nil || !strings.Contains(err.Error(), "TLS") {
		t.Fatalf("rotation error = %v, want the master's TLS failure", err)
	}
	pending, _ := g.stage(t, id, rotation.StagePending)
	if hosts := hostsOf(t, pending.Username); len(hosts) != 0 {
		t.Errorf("the clone %q was created at %q", pending.Username, hosts)
	}
	if cur, _ := g.stage(t, id, rotation.StageCurrent); cur.Username != user {
		t.Errorf("AWSCURRENT moved to %q", cur.Username)
	}
}

// TestFallbackToPlainTextIsLoggedAtWarn: with ssl absent, a login that falls back to
// plain text says so at WARN, naming the server and never a password; one that gets
// TLS, or one that requires it, logs nothing.
func TestFallbackToPlainTextIsLoggedAtWarn(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		srv      *testdb.MariaDB
		roots    bool // trust the test CA
		ssl      rotation.SSLMode
		wantWarn bool
	}{
		"preferred, server without TLS":       {plainServer, true, rotation.SSLPreferred, true},
		"preferred, certificate not verified": {tlsServer, false, rotation.SSLPreferred, true},
		"preferred, verified":                 {tlsServer, true, rotation.SSLPreferred, false},
		"required":                            {tlsServer, true, rotation.SSLRequired, false},
		"disabled":                            {plainServer, true, rotation.SSLDisabled, false},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			user, pw := uniq("warn"), "warn-pw-"+uniq("")
			createUser(t, tc.srv, user, "127.0.0.1", pw)
			cfg := Config{Roots: x509.NewCertPool()}
			if tc.roots {
				cfg = adapter(t, tlsServer).cfg
			}
			var logs safebuf.Buffer
			cfg.Log = slog.New(slog.NewJSONHandler(&logs, nil))
			if err := New(cfg).Ping(context.Background(), secretFor(tc.srv, user, pw, tc.ssl)); err != nil {
				t.Fatal(err)
			}
			if err := dbtlstest.CheckFallbackWarning(logs.String(), tc.wantWarn, tc.srv.Host, tc.srv.Port, pw); err != nil {
				t.Fatal(err)
			}
		})
	}
}
