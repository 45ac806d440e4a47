package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/paramsecrets/paramsecrets/rotators/rotation"
)

// TestAlternatingRefusesToTakeOverAnAccountItDidNotMake: an account named x_clone that
// holds more than x — a DBA's, say — must not be stripped to x's grants, given a new
// password and handed to whoever reads x's secret. The first rotation refuses it, says
// what to do, and leaves the account as it was: same hosts, same grants, its own
// password still working.
func TestAlternatingRefusesToTakeOverAnAccountItDidNotMake(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		host    string   // the existing clone's one entry
		grants  []string // %[1]s is the clone's account, %[2]s a role x does not have
		wantErr string
	}{
		{"ALL PRIVILEGES ON *.*", "127.0.0.1", []string{"GRANT ALL PRIVILEGES ON *.* TO %[1]s WITH GRANT OPTION"}, "ALL PRIVILEGES ON *.*"},
		{"a privilege x lacks", "127.0.0.1", []string{"GRANT SELECT ON mysql.user TO %[1]s"}, "SELECT ON `mysql`.`user`"},
		{"a role x lacks", "127.0.0.1", []string{"GRANT %[2]s TO %[1]s"}, "role "},
		{"an entry at a host x's secret does not open", "%", nil, `host "%"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := newRig(t, rotation.AlternatingUsers())
			id, cur := setup(t, g, true)
			clone, clonePW := cur.Username+rotation.CloneSuffix, "dba-pw-"+uniq("")
			role := uniq("dbarole")
			createUser(t, tlsServer, clone, tc.host, clonePW)
			root(t, tlsServer, "CREATE ROLE "+lit(role))
			t.Cleanup(func() { root(t, tlsServer, "DROP ROLE "+lit(role)) })
			for _, q := range tc.grants {
				root(t, tlsServer, fmt.Sprintf(q, acct(clone, tc.host), lit(role)))
			}
			grantsBefore, hostsBefore := grantsOf(t, tlsServer, clone, tc.host), hostsOf(t, clone)

			err := g.rotate(id, "")
			if err == nil || !strings.Contains(err.Error(), "already exists") || !strings.Contains(err.Error(), tc.wantErr) ||
				!strings.Contains(err.Error(), "drop or rename") {
				t.Fatalf("rotation error = %v, want a refusal naming %q and saying what to do", err, tc.wantErr)
			}
			t.Logf("refused: %v", err)
			pending, _ := g.stage(t, id, rotation.StagePending)
			if strings.Contains(err.Error(), pending.Password) || strings.Contains(err.Error(), clonePW) {
				t.Errorf("error %q holds a password", err)
			}
			if hosts := hostsOf(t, clone); !slices.Equal(hosts, hostsBefore) {
				t.Errorf("the account's hosts changed from %q to %q", hostsBefore, hosts)
			}
			if grants := grantsOf(t, tlsServer, clone, tc.host); !slices.Equal(grants, grantsBefore) {
				t.Errorf("the account's grants changed:\nbefore %q\nafter  %q", grantsBefore, grants)
			}
			assertLogsIn(t, g.d, secretFor(tlsServer, clone, clonePW, rotation.SSLRequired))
			assertLocked(t, g.d, pending)
			if now, _ := g.stage(t, id, rotation.StageCurrent); now.Username != cur.Username || now.Password != cur.Password {
				t.Errorf("AWSCURRENT changed to user %q", now.Username)
			}
			assertLogsIn(t, g.d, cur)
		})
	}
}

// TestAlternatingFollowsARevokeWhileTheBaseIsCurrent: x loses a privilege while it is
// current, so the clone has more than x at the next rotation to it. That clone is the
// secret's own — AWSPREVIOUS holds its working password — so the rotation brings it in
// step instead of refusing it.
func TestAlternatingFollowsARevokeWhileTheBaseIsCurrent(t *testing.T) {
	t.Parallel()
	g := newRig(t, rotation.AlternatingUsers())
	id, cur := setup(t, g, true)
	b := acct(cur.Username, "127.0.0.1")
	root(t, tlsServer, "GRANT SELECT ON mysql.user TO "+b)
	for i := range 2 {
		if err := g.rotate(id, ""); err != nil {
			t.Fatalf("rotation %d: %v", i+1, err)
		}
	}
	root(t, tlsServer, "REVOKE SELECT ON mysql.user FROM "+b)
	if err := g.rotate(id, ""); err != nil {
		t.Fatalf("rotation to the clone after the revoke: %v", err)
	}
	clone, _ := g.stage(t, id, rotation.StageCurrent)
	if got, want := grantsOf(t, tlsServer, clone.Username, "127.0.0.1"), grantsOf(t, tlsServer, cur.Username, "127.0.0.1"); !slices.Equal(got, want) {
		t.Fatalf("clone grants\n got %q\nwant %q", got, want)
	}
	assertLogsIn(t, g.d, clone)
}

// loginFrom logs in as user over TLS from the local address src (127.0.0.2, say), so
// the server matches the user's entry for that host: how a client elsewhere would.
func loginFrom(t testing.TB, src, user, password string) error {
	t.Helper()
	cfg := mysql.NewConfig()
	cfg.Net, cfg.Addr, cfg.User, cfg.Passwd = "tcp", tlsServer.Config("").Addr, user, password
	cfg.TLS = tlsServer.TLSConfig()
	cfg.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
		return d.DialContext(ctx, network, addr)
	}
	c, err := mysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	defer db.Close()
	return db.PingContext(context.Background())
}

// storedHash is the password hash mysql.user holds for user@host.
func storedHash(t testing.TB, user, host string) string {
	t.Helper()
	db, err := tlsServer.Connect("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var h string
	if err := db.QueryRow("SELECT authentication_string FROM mysql.user WHERE User = ? AND Host = ?", user, host).Scan(&h); err != nil {
		t.Fatalf("read the hash of %q@%q: %v", user, host, err)
	}
	return h
}

// TestAlternatingChangesOnlyTheEntriesItOwns: x has an entry for 127.0.0.1 (the
// secret's), one for 127.0.0.2 and one for localhost, each with its own password. A
// rotation to the clone and back changes only the entry whose password the secret
// holds: the others still open with theirs, and the clone copies only the secret's
// entry (a copy of another would open a login that x's secret never had).
func TestAlternatingChangesOnlyTheEntriesItOwns(t *testing.T) {
	t.Parallel()
	g := newRig(t, rotation.AlternatingUsers())
	id, cur := setup(t, g, true)
	other, local := "other-host-pw-"+uniq(""), "localhost-pw-"+uniq("")
	createUser(t, tlsServer, cur.Username, "127.0.0.2", other)
	createUser(t, tlsServer, cur.Username, "localhost", local)
	for _, h := range []string{"127.0.0.2", "localhost"} {
		root(t, tlsServer, "GRANT SELECT ON mysql.db TO "+acct(cur.Username, h)+" WITH GRANT OPTION")
	}
	if err := loginFrom(t, "127.0.0.2", cur.Username, other); err != nil {
		t.Fatalf("the 127.0.0.2 entry does not open before the rotation: %v", err)
	}
	for i := range 2 {
		if err := g.rotate(id, ""); err != nil {
			t.Fatalf("rotation %d: %v", i+1, err)
		}
		now, _ := g.stage(t, id, rotation.StageCurrent)
		assertLogsIn(t, g.d, now)
		if err := loginFrom(t, "127.0.0.2", cur.Username, other); err != nil {
			t.Errorf("rotation %d: %q@127.0.0.2 no longer opens with its own password: %v", i+1, cur.Username, err)
		}
		if h := storedHash(t, cur.Username, "localhost"); h != nativeHash(local) {
			t.Errorf("rotation %d: the password of %q@localhost changed", i+1, cur.Username)
		}
		if hosts := hostsOf(t, cur.Username+rotation.CloneSuffix); !slices.Equal(hosts, []string{"127.0.0.1"}) {
			t.Errorf("rotation %d: the clone has entries %q, want only the secret's 127.0.0.1", i+1, hosts)
		}
	}
}
