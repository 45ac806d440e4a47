package mysql

import (
	"context"
	"crypto/x509"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/paramsecrets/paramsecrets/internal/testdb"
	"github.com/paramsecrets/paramsecrets/rotators/rotation"
)

// The package's servers: one with TLS and the general query log (most tests), one
// without TLS (the fallback of an absent "ssl" key). Tests isolate themselves by user
// and database names.
var (
	tlsServer   *testdb.MariaDB
	plainServer *testdb.MariaDB
)

func TestMain(m *testing.M) {
	ctx := context.Background()
	var err error
	if tlsServer, err = testdb.StartMariaDB(ctx, testdb.MariaDBOptions{TLS: true, GeneralLog: true}); err != nil {
		fmt.Fprintln(os.Stderr, "start MariaDB with TLS:", err)
		os.Exit(1)
	}
	if plainServer, err = testdb.StartMariaDB(ctx, testdb.MariaDBOptions{}); err != nil {
		tlsServer.Close()
		fmt.Fprintln(os.Stderr, "start MariaDB:", err)
		os.Exit(1)
	}
	code := m.Run()
	tlsServer.Close()
	plainServer.Close()
	os.Exit(code)
}

// seq makes names unique across the tests sharing a server.
var seq atomic.Int64

func uniq(prefix string) string { return fmt.Sprintf("%s%d", prefix, seq.Add(1)) }

// adapter trusts the test CA, as DB_CA_BUNDLE would make it.
func adapter(t testing.TB, srv *testdb.MariaDB) *DB {
	t.Helper()
	cfg, err := ConfigFromEnv(func(k string) string {
		if k == EnvCABundle {
			return srv.CAFile
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	if srv.CAFile == "" {
		cfg.Roots = x509.NewCertPool()
	}
	return New(cfg)
}

// secretFor is a secret for user on srv.
func secretFor(srv *testdb.MariaDB, user, password string, ssl rotation.SSLMode) rotation.Secret {
	return rotation.Secret{Engine: "mariadb", Host: srv.Host, Port: srv.Port, Username: user, Password: password, SSL: ssl}
}

// root runs statements as root, failing the test on error.
func root(t testing.TB, srv *testdb.MariaDB, stmts ...string) {
	t.Helper()
	for _, q := range stmts {
		if err := srv.Exec(context.Background(), "", q); err != nil {
			t.Fatalf("%s: %v\n%s", q, err, srv.LogTail(20))
		}
	}
}

// createUser makes user@host with password and drops every entry of it at the end.
func createUser(t testing.TB, srv *testdb.MariaDB, user, host, password string) {
	t.Helper()
	if err := srv.CreateUser(context.Background(), user, host, password); err != nil {
		t.Fatalf("create %q@%q: %v", user, host, err)
	}
	t.Cleanup(func() { dropAll(srv, user) })
}

// createEd25519User makes user@'127.0.0.1' on MariaDB's ed25519 plugin with password and
// drops it at the end; it skips the test where the server lacks the plugin.
func createEd25519User(t testing.TB, srv *testdb.MariaDB, user, password string) {
	t.Helper()
	ctx := context.Background()
	_ = srv.Exec(ctx, "", "INSTALL SONAME 'auth_ed25519'") // fails harmlessly when already loaded
	if err := srv.Exec(ctx, "", "CREATE USER ?@'127.0.0.1' IDENTIFIED VIA ed25519 USING PASSWORD(?)", user, password); err != nil {
		t.Skipf("ed25519 plugin unavailable: %v", err)
	}
	t.Cleanup(func() { dropAll(srv, user) })
}

// dropAll drops every host entry of user, ignoring errors (cleanup).
func dropAll(srv *testdb.MariaDB, user string) {
	db, err := srv.Connect("")
	if err != nil {
		return
	}
	defer db.Close()
	rows, err := db.Query("SELECT Host FROM mysql.user WHERE User = ?", user)
	if err != nil {
		return
	}
	var hosts []string
	for rows.Next() {
		var h string
		if rows.Scan(&h) == nil {
			hosts = append(hosts, h)
		}
	}
	rows.Close()
	for _, h := range hosts {
		db.Exec("DROP USER ?@?", user, h)
	}
}

// assertLogsIn and assertLocked prove a password the way a user would notice it.
func assertLogsIn(t testing.TB, d *DB, s rotation.Secret) {
	t.Helper()
	if err := d.Ping(context.Background(), s); err != nil {
		t.Fatalf("%q should log in: %v", s.Username, err)
	}
}

func assertLocked(t testing.TB, d *DB, s rotation.Secret) {
	t.Helper()
	err := d.Ping(context.Background(), s)
	if err == nil {
		t.Fatalf("%q should not log in with that password", s.Username)
	}
	if s.Password != "" && strings.Contains(err.Error(), s.Password) {
		t.Fatalf("the error holds the password: %v", err)
	}
}

// grantsOf is SHOW GRANTS FOR user@host as root, with the account's own name replaced
// by "?" so two accounts can be compared.
func grantsOf(t testing.TB, srv *testdb.MariaDB, user, host string) []string {
	t.Helper()
	db, err := srv.Connect("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SHOW GRANTS FOR ?@?", user, host)
	if err != nil {
		t.Fatalf("show grants for %q@%q: %v", user, host, err)
	}
	defer rows.Close()
	name := quoteIdent(user) + "@" + quoteIdent(host)
	var out []string
	for rows.Next() {
		var g string
		if err := rows.Scan(&g); err != nil {
			t.Fatal(err)
		}
		if i := strings.Index(g, " IDENTIFIED BY PASSWORD"); i >= 0 {
			j := strings.Index(g[i+25:], "'")
			g = g[:i] + g[i+25+j+1:]
		}
		out = append(out, strings.ReplaceAll(g, name, "?"))
	}
	return out
}

// loggedForms are the ways a password can appear in a statement log: as sent, and as a
// string literal escaped with backslashes or with doubled quotes (NO_BACKSLASH_ESCAPES).
func loggedForms(pw string) []string {
	return []string{
		pw,
		strings.NewReplacer(`\`, `\\`, `'`, `\'`, `"`, `\"`).Replace(pw),
		strings.ReplaceAll(pw, `'`, `''`),
	}
}
