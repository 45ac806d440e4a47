package mysql

import (
	"context"
	"crypto/x509"
	"slices"
	"strings"
	"testing"

	"github.com/paramsecrets/paramsecrets/internal/testdb"
	"github.com/paramsecrets/paramsecrets/rotators/rotation"
)

// awkward are passwords and names that break string pasting or LIKE matching.
var awkward = map[string]string{
	"quotes":       `it's "quoted"`,
	"backslashes":  `back\slash\\ and \' and \`,
	"wildcards":    `100%_sure_%`,
	"injection":    `x'; DROP USER root@localhost; -- `,
	"placeholders": `what? where?@`,
	"backticks":    "tick`tock``",
	"unicode":      "pässwörd-密码",
}

func TestPingTLS(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for name, tc := range map[string]struct {
		srv     *testdb.MariaDB
		ssl     rotation.SSLMode
		roots   bool // trust the test CA
		wantTLS bool
		wantErr bool
	}{
		"required, verified":            {srv: tlsServer, ssl: rotation.SSLRequired, roots: true, wantTLS: true},
		"required, unknown CA refused":  {srv: tlsServer, ssl: rotation.SSLRequired, wantErr: true},
		"required, server without TLS":  {srv: plainServer, ssl: rotation.SSLRequired, roots: true, wantErr: true},
		"preferred uses TLS":            {srv: tlsServer, ssl: rotation.SSLPreferred, roots: true, wantTLS: true},
		"preferred falls back":          {srv: plainServer, ssl: rotation.SSLPreferred, roots: true},
		"preferred, unverifiable falls": {srv: tlsServer, ssl: rotation.SSLPreferred},
		"disabled":                      {srv: tlsServer, ssl: rotation.SSLDisabled, roots: true},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			user, pw := uniq("tls"), "pw-"+uniq("")
			createUser(t, tc.srv, user, "127.0.0.1", pw)
			d := New(Config{Roots: x509.NewCertPool()})
			if tc.roots {
				d = adapter(t, tlsServer)
			}
			s, err := d.login(ctx, secretFor(tc.srv, user, pw, tc.ssl))
			if tc.wantErr {
				if err == nil {
					s.close()
					t.Fatal("login succeeded")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer s.close()
			var name, cipher string
			if err := s.conn.QueryRowContext(ctx, "SHOW SESSION STATUS LIKE 'Ssl_cipher'").Scan(&name, &cipher); err != nil {
				t.Fatal(err)
			}
			if got := cipher != ""; got != tc.wantTLS {
				t.Fatalf("TLS in use = %v (cipher %q), want %v", got, cipher, tc.wantTLS)
			}
		})
	}
}

func TestPingWrongPasswordKeepsItOut(t *testing.T) {
	t.Parallel()
	user := uniq("wrong")
	createUser(t, tlsServer, user, "127.0.0.1", "right")
	assertLocked(t, adapter(t, tlsServer), secretFor(tlsServer, user, "wrong-secret-value", rotation.SSLRequired))
}

func TestSetPassword(t *testing.T) {
	t.Parallel()
	d := adapter(t, tlsServer)
	for name, pw := range awkward {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			// The user's host is 127.0.0.1, not '%': the change must apply to the entry
			// the login matched.
			user := uniq("sp") + "'\\%_?"
			createUser(t, tlsServer, user, "127.0.0.1", "old-pw")
			old := secretFor(tlsServer, user, "old-pw", rotation.SSLRequired)
			if err := d.SetPassword(context.Background(), old, user, pw); err != nil {
				t.Fatal(err)
			}
			assertLogsIn(t, d, old.WithCredentials(user, pw))
			assertLocked(t, d, old)
		})
	}
}

func TestSetPasswordRefusesOtherUser(t *testing.T) {
	t.Parallel()
	d := adapter(t, tlsServer)
	user := uniq("self")
	createUser(t, tlsServer, user, "127.0.0.1", "pw")
	err := d.SetPassword(context.Background(), secretFor(tlsServer, user, "pw", rotation.SSLRequired), "root", "new")
	if err == nil {
		t.Fatal("changing another user's password was accepted")
	}
}

// TestPasswordsStayOutOfTheLog documents what MariaDB's general log shows: the
// mysql_native_password hash, never the password.
func TestPasswordsStayOutOfTheLog(t *testing.T) {
	t.Parallel()
	d := adapter(t, tlsServer)
	ctx := context.Background()
	base, pw1, pw2 := uniq("log"), "Plain-Text-One-"+uniq(""), "Plain-Text-Two-"+uniq("")
	createUser(t, tlsServer, base, "127.0.0.1", "start")
	t.Cleanup(func() { dropAll(tlsServer, base+"_clone") })
	cur := secretFor(tlsServer, base, "start", rotation.SSLRequired)
	if err := d.SetPassword(ctx, cur, base, pw1); err != nil {
		t.Fatal(err)
	}
	master := secretFor(tlsServer, tlsServer.User, tlsServer.Password, rotation.SSLRequired)
	cur.Password = pw1
	if err := d.SyncClone(ctx, master, rotation.Pair{Current: cur, Pending: cur.WithCredentials(base+"_clone", pw2)}); err != nil {
		t.Fatal(err)
	}
	log := tlsServer.GeneralLog()
	for _, pw := range []string{pw1, pw2} {
		if strings.Contains(log, pw) {
			t.Errorf("the general log holds a password")
		}
		if !strings.Contains(log, nativeHash(pw)) {
			t.Errorf("the general log should show the hash %s", nativeHash(pw))
		}
	}
}

// TestNoBackslashEscapes proves the driver's escaping follows the session: with
// NO_BACKSLASH_ESCAPES a backslash is an ordinary character and a quote is doubled.
func TestNoBackslashEscapes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, err := testdb.StartMariaDB(ctx, testdb.MariaDBOptions{GeneralLog: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	root(t, srv, "SET GLOBAL sql_mode = CONCAT(@@GLOBAL.sql_mode, ',NO_BACKSLASH_ESCAPES')")
	d := adapter(t, srv)
	user := `nbe'\` + uniq("")
	createUser(t, srv, user, "127.0.0.1", "old")
	pw := awkward["backslashes"] + awkward["quotes"]
	cur := secretFor(srv, user, "old", rotation.SSLDisabled)
	if err := d.SetPassword(ctx, cur, user, pw); err != nil {
		t.Fatal(err)
	}
	assertLogsIn(t, d, cur.WithCredentials(user, pw))
	master := secretFor(srv, srv.User, srv.Password, rotation.SSLDisabled)
	root(t, srv, "CREATE DATABASE `nbe\\db`", "GRANT SELECT ON `nbe\\db`.* TO '"+strings.ReplaceAll(user, "'", "''")+"'@'127.0.0.1'")
	clone := cur.WithCredentials(user+"_clone", pw)
	if err := d.SyncClone(ctx, master, rotation.Pair{Current: cur.WithCredentials(user, pw), Pending: clone}); err != nil {
		t.Fatal(err)
	}
	assertLogsIn(t, d, clone)
	if got, want := grantsOf(t, srv, clone.Username, "127.0.0.1"), grantsOf(t, srv, user, "127.0.0.1"); !slices.Equal(got, want) {
		t.Fatalf("clone grants %q, want %q", got, want)
	}
	// A REQUIRE SUBJECT with backslashes and a quote sits in the line SHOW GRANTS prints
	// as a string literal. MariaDB escapes it with backslashes whatever the session's
	// mode (measured on 10.11), which is what the tokenizer reads. The requirement is on
	// a second entry with the same password, since the rotation logs in through the
	// first and holds no client certificate.
	other := uniq("nbe")
	createUser(t, srv, other, "127.0.0.1", "other-pw")
	createUser(t, srv, other, "10.8.%", "other-pw")
	t.Cleanup(func() { dropAll(srv, other+"_clone") })
	root(t, srv, `ALTER USER '`+other+`'@'10.8.%' REQUIRE SUBJECT '/CN=a\''b\'`)
	otherCur := secretFor(srv, other, "other-pw", rotation.SSLDisabled)
	if err := d.SyncClone(ctx, master, rotation.Pair{Current: otherCur, Pending: otherCur.WithCredentials(other+"_clone", "pw")}); err != nil {
		t.Fatal(err)
	}
	if got, want := grantsOf(t, srv, other+"_clone", "10.8.%"), grantsOf(t, srv, other, "10.8.%"); !slices.Equal(got, want) || !strings.Contains(strings.Join(got, " "), "SUBJECT") {
		t.Fatalf("clone grants %q, want %q", got, want)
	}
}

// TestSetPasswordKeepsThePlugin: MariaDB refuses a native hash for an ed25519 account,
// so the account is never silently moved to mysql_native_password; the error says why,
// the old password still works and the new one does not. Its logins as the ed25519
// account rely on loginAttempts (TestEd25519LoginsSucceed).
func TestSetPasswordKeepsThePlugin(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := adapter(t, tlsServer)
	user := uniq("ed")
	createEd25519User(t, tlsServer, user, "ed-pw")
	cur := secretFor(tlsServer, user, "ed-pw", rotation.SSLRequired)
	err := d.SetPassword(ctx, cur, user, "new-ed-pw")
	if err == nil || !strings.Contains(err.Error(), "1372") || strings.Contains(err.Error(), "new-ed-pw") || strings.Contains(err.Error(), nativeHash("new-ed-pw")) {
		t.Fatalf("SetPassword on an ed25519 account: %v", err)
	}
	assertLogsIn(t, d, cur)
	assertLocked(t, d, cur.WithCredentials(user, "new-ed-pw"))
	db, err := tlsServer.Connect("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var plugin string
	if err := db.QueryRowContext(ctx, "SELECT plugin FROM mysql.user WHERE User = ? AND Host = '127.0.0.1'", user).Scan(&plugin); err != nil {
		t.Fatal(err)
	}
	if plugin != "ed25519" {
		t.Fatalf("the account's plugin is %q, want ed25519", plugin)
	}
}
