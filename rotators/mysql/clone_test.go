package mysql

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/paramsecrets/paramsecrets/rotators/rotation"
)

// lit is a string literal for a root statement in a test (the server's default mode).
func lit(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

func acct(user, host string) string { return lit(user) + "@" + lit(host) }

// asUser runs q as s over TLS and reports the error.
func asUser(t testing.TB, s rotation.Secret, dbname, q string) error {
	t.Helper()
	cfg := mysql.NewConfig()
	cfg.Net, cfg.Addr, cfg.User, cfg.Passwd, cfg.DBName = "tcp", tlsServer.Config("").Addr, s.Username, s.Password, dbname
	cfg.TLS = tlsServer.TLSConfig()
	cfg.InterpolateParams = true
	c, err := mysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	defer db.Close()
	_, err = db.Exec(q)
	return err
}

// TestSyncCloneCopiesEverything: a base user at 127.0.0.1 and 10.9.% with the secret's
// password, with a grant option, a column privilege, a role as default role, a routine,
// database names holding wildcards and REQUIRE SSL. The clone gets all of it and can do
// what the base user can; a second sync changes nothing. The base user's localhost
// entry has a password of its own: it is not the secret's, so it is neither copied nor
// changed.
func TestSyncCloneCopiesEverything(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := adapter(t, tlsServer)
	for name, base := range map[string]string{
		"plain name":   uniq("app"),
		"awkward name": uniq(`o'b\`) + "%_`x",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			db, role, other := uniq("db"), uniq("role"), uniq("other")
			clone := base + "_clone"
			createUser(t, tlsServer, base, "127.0.0.1", "base-pw")
			createUser(t, tlsServer, base, "10.9.%", "base-pw")
			createUser(t, tlsServer, base, "localhost", "localhost-pw")
			createUser(t, tlsServer, other, "127.0.0.1", "other-pw")
			t.Cleanup(func() {
				dropAll(tlsServer, clone)
				root(t, tlsServer, "DROP ROLE "+lit(role), "DROP DATABASE `"+db+"`", "DROP DATABASE `"+db+"%x_y`")
			})
			b := acct(base, "127.0.0.1")
			root(t, tlsServer,
				"CREATE DATABASE `"+db+"`", "CREATE DATABASE `"+db+"%x_y`",
				"CREATE TABLE `"+db+"`.t (id INT, secret TEXT)", "INSERT INTO `"+db+"`.t VALUES (1, 's')",
				"CREATE PROCEDURE `"+db+"`.p() SELECT 1", "GRANT EXECUTE ON PROCEDURE `"+db+"`.p TO "+b,
				"CREATE ROLE "+lit(role), "GRANT INSERT ON `"+db+"`.* TO "+lit(role),
				"GRANT SELECT ON `"+db+"`.* TO "+b+" WITH GRANT OPTION",
				"GRANT UPDATE (id) ON `"+db+"`.t TO "+b,
				"GRANT ALL ON `"+db+"%x\\_y`.* TO "+b,
				"GRANT "+lit(role)+" TO "+b,
				"SET DEFAULT ROLE "+lit(role)+" FOR "+b,
				"GRANT DELETE ON `"+db+"`.* TO "+acct(base, "10.9.%"),
				"ALTER USER "+b+" REQUIRE SSL",
			)
			master := secretFor(tlsServer, tlsServer.User, tlsServer.Password, rotation.SSLRequired)
			cur := secretFor(tlsServer, base, "base-pw", rotation.SSLRequired)
			pending := cur.WithCredentials(clone, "clone-pw'\\%")
			for range 2 {
				if err := d.SyncClone(ctx, master, rotation.Pair{Current: cur, Pending: pending}); err != nil {
					t.Fatal(err)
				}
				if got, want := hostsOf(t, clone), []string{"10.9.%", "127.0.0.1"}; !slices.Equal(got, want) {
					t.Fatalf("clone hosts %q, want %q", got, want)
				}
				if storedHash(t, base, "localhost") != nativeHash("localhost-pw") {
					t.Fatal("the password of the base user's localhost entry changed")
				}
				for _, h := range []string{"127.0.0.1", "10.9.%"} {
					if got, want := grantsOf(t, tlsServer, clone, h), grantsOf(t, tlsServer, base, h); !slices.Equal(got, want) {
						t.Fatalf("grants at %s:\n got %q\nwant %q", h, got, want)
					}
				}
			}
			assertLogsIn(t, d, pending)
			// REQUIRE SSL came along: without TLS the clone is refused.
			assertLocked(t, d, withSSL(pending, rotation.SSLDisabled))
			for q, ok := range map[string]bool{
				"SELECT id FROM t":                                              true,
				"INSERT INTO t VALUES (2, 'via role')":                          true,
				"UPDATE t SET id = 3 WHERE id = 2":                              true,
				"UPDATE t SET secret = 'x'":                                     false,
				"GRANT SELECT ON `" + db + "`.* TO " + acct(other, "127.0.0.1"): true,
				"DROP TABLE t":                                                  false,
			} {
				if err := asUser(t, pending, db, q); (err == nil) != ok {
					t.Errorf("%s as the clone: err = %v, want success %v", q, err, ok)
				}
			}
		})
	}
}

// withSSL returns s with another ssl mode.
func withSSL(s rotation.Secret, m rotation.SSLMode) rotation.Secret {
	s.SSL = m
	return s
}

// TestSyncCloneFollowsTheBase: what the base user lost (a privilege, a grant option, a
// role, a host) the clone loses at the next sync, whichever of the two is pending; the
// base user is never given back what the clone still had.
func TestSyncCloneFollowsTheBase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := adapter(t, tlsServer)
	base, db, role := uniq("follow"), uniq("fdb"), uniq("frole")
	clone := base + "_clone"
	createUser(t, tlsServer, base, "127.0.0.1", "base-pw")
	createUser(t, tlsServer, base, "10.1.%", "base-pw")
	t.Cleanup(func() {
		dropAll(tlsServer, clone)
		root(t, tlsServer, "DROP ROLE "+lit(role), "DROP DATABASE `"+db+"`")
	})
	b := acct(base, "127.0.0.1")
	root(t, tlsServer, "CREATE DATABASE `"+db+"`", "CREATE ROLE "+lit(role),
		"GRANT SELECT, INSERT ON `"+db+"`.* TO "+b+" WITH GRANT OPTION", "GRANT "+lit(role)+" TO "+b)
	master := secretFor(tlsServer, tlsServer.User, tlsServer.Password, rotation.SSLRequired)
	cur := secretFor(tlsServer, base, "base-pw", rotation.SSLRequired)
	pending := cur.WithCredentials(clone, "clone-1")
	if err := d.SyncClone(ctx, master, rotation.Pair{Current: cur, Pending: pending}); err != nil {
		t.Fatal(err)
	}
	root(t, tlsServer, "REVOKE INSERT ON `"+db+"`.* FROM "+b, "REVOKE GRANT OPTION ON `"+db+"`.* FROM "+b,
		"REVOKE "+lit(role)+" FROM "+b, "DROP USER "+acct(base, "10.1.%"))
	// Next rotation: the clone is current, the base user pending.
	next := cur.WithCredentials(base, "base-2")
	if err := d.SyncClone(ctx, master, rotation.Pair{Current: pending, Pending: next, Previous: cur}); err != nil {
		t.Fatal(err)
	}
	assertLogsIn(t, d, next)
	assertLogsIn(t, d, pending) // the current user keeps its password
	want := grantsOf(t, tlsServer, base, "127.0.0.1")
	if got := grantsOf(t, tlsServer, clone, "127.0.0.1"); !slices.Equal(got, want) {
		t.Fatalf("clone grants\n got %q\nwant %q", got, want)
	}
	if slices.ContainsFunc(want, func(g string) bool { return strings.Contains(g, "INSERT") || strings.Contains(g, role) }) {
		t.Fatalf("the base user got a revoked grant back: %q", want)
	}
	if hosts := hostsOf(t, clone); !slices.Equal(hosts, []string{"127.0.0.1"}) {
		t.Fatalf("clone hosts %q, want only 127.0.0.1", hosts)
	}
}

func TestSyncCloneRefuses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := adapter(t, tlsServer)
	master := secretFor(tlsServer, tlsServer.User, tlsServer.Password, rotation.SSLRequired)
	cur := secretFor(tlsServer, uniq("absent"), "pw", rotation.SSLRequired)
	for name, tc := range map[string]struct{ master, cur, pending rotation.Secret }{
		"base user missing":     {master, cur, cur.WithCredentials(cur.Username+"_clone", "x")},
		"not the alternate":     {master, cur, cur.WithCredentials("root", "x")},
		"master cannot log in":  {master.WithCredentials(master.Username, "not-the-master-pw"), cur, cur.WithCredentials(cur.Username+"_clone", "x")},
		"pending is the master": {master, cur.WithCredentials(master.Username+"_clone", "x"), cur.WithCredentials(master.Username, "not-the-master-pw")},
	} {
		t.Run(name, func(t *testing.T) {
			err := d.SyncClone(ctx, tc.master, rotation.Pair{Current: tc.cur, Pending: tc.pending})
			if err == nil {
				t.Fatal("accepted")
			}
			assertLogsIn(t, d, master)
			if strings.Contains(err.Error(), "not-the-master-pw") {
				t.Fatalf("the error holds a password: %v", err)
			}
		})
	}
}

// hostsOf lists user's host entries as root.
func hostsOf(t testing.TB, user string) []string {
	t.Helper()
	db, err := tlsServer.Connect("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT Host FROM mysql.user WHERE User = ? ORDER BY Host", user)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var hosts []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			t.Fatal(err)
		}
		hosts = append(hosts, h)
	}
	return hosts
}

// TestSyncCloneNoWildcardSurprise: "w_1" and "wx1" both match LIKE 'w_1'; syncing the
// first must not read, copy or touch the second.
func TestSyncCloneNoWildcardSurprise(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := adapter(t, tlsServer)
	n := uniq("")
	base, decoy := "w_"+n, "wx"+n
	createUser(t, tlsServer, base, "127.0.0.1", "base-pw")
	createUser(t, tlsServer, decoy, "127.0.0.1", "decoy-pw")
	createUser(t, tlsServer, decoy, "10.7.%", "decoy-pw")
	t.Cleanup(func() { dropAll(tlsServer, base+"_clone"); dropAll(tlsServer, decoy+"_clone") })
	root(t, tlsServer, "GRANT SELECT ON mysql.db TO "+acct(decoy, "127.0.0.1"))
	master := secretFor(tlsServer, tlsServer.User, tlsServer.Password, rotation.SSLRequired)
	cur := secretFor(tlsServer, base, "base-pw", rotation.SSLRequired)
	if err := d.SyncClone(ctx, master, rotation.Pair{Current: cur, Pending: cur.WithCredentials(base+"_clone", "clone-pw")}); err != nil {
		t.Fatal(err)
	}
	if hosts := hostsOf(t, base+"_clone"); !slices.Equal(hosts, []string{"127.0.0.1"}) {
		t.Fatalf("clone hosts %q, want only the base user's 127.0.0.1", hosts)
	}
	if got := grantsOf(t, tlsServer, base+"_clone", "127.0.0.1"); slices.ContainsFunc(got, func(g string) bool { return strings.Contains(g, "mysql") }) {
		t.Fatalf("the clone got the decoy's grant: %q", got)
	}
	if hosts := hostsOf(t, decoy+"_clone"); len(hosts) != 0 {
		t.Fatalf("a clone of the decoy appeared at %q", hosts)
	}
	assertLogsIn(t, d, secretFor(tlsServer, decoy, "decoy-pw", rotation.SSLRequired))
}

// TestSyncCloneFinishesHalfMadeClone: a run stopped after CREATE USER left a clone with
// no grants and an unknown password; the retry completes it.
func TestSyncCloneFinishesHalfMadeClone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := adapter(t, tlsServer)
	base := uniq("half")
	clone := base + "_clone"
	createUser(t, tlsServer, base, "127.0.0.1", "base-pw")
	createUser(t, tlsServer, clone, "127.0.0.1", "left-over")
	root(t, tlsServer, "GRANT SELECT ON mysql.db TO "+acct(base, "127.0.0.1")+" WITH GRANT OPTION")
	master := secretFor(tlsServer, tlsServer.User, tlsServer.Password, rotation.SSLRequired)
	cur := secretFor(tlsServer, base, "base-pw", rotation.SSLRequired)
	pending := cur.WithCredentials(clone, "clone-pw")
	assertLocked(t, d, pending)
	if err := d.SyncClone(ctx, master, rotation.Pair{Current: cur, Pending: pending}); err != nil {
		t.Fatal(err)
	}
	assertLogsIn(t, d, pending)
	if got, want := grantsOf(t, tlsServer, clone, "127.0.0.1"), grantsOf(t, tlsServer, base, "127.0.0.1"); !slices.Equal(got, want) {
		t.Fatalf("grants\n got %q\nwant %q", got, want)
	}
}
