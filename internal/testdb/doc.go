// Package testdb starts throwaway PostgreSQL and MariaDB servers from the
// installed binaries, for tests that need a real database.
//
// Each server lives in its own temp dir (data, unix socket, certificates,
// log), listens on a free port of a loopback address (127.0.0.1, or the
// options' Listen such as 127.0.0.3) and never touches the system services
// on 5432/3306 or their data. Authentication is real: PostgreSQL demands
// SCRAM-SHA-256 for every connection, replication included
// (password_encryption = scram-sha-256), MariaDB has no anonymous users and
// a root password, so a wrong password fails. The TLS variants get a fresh
// CA and a server certificate for 127.0.0.1, ::1, localhost, the listen
// address and the options' DNSNames; clients verify it with CAFile
// (sslmode=verify-full) or TLSConfig. Servers without TLS really
// have it off, so "TLS required against a plain server fails" is testable.
//
// On Debian the servers come from the postgresql and mariadb-server
// packages (`make deps`). A missing binary is a *MissingBinaryError naming
// the package to install; a failed start-up step names the step and carries
// the server's log tail. Every wait is bounded (60 s).
//
// When the tests run as root, initdb and postgres run as the postgres
// system user (they refuse root); mariadbd runs with --user=root.
//
// # Cleanup
//
// Close stops a server, kills its process group and removes its temp dir.
// A test binary that crashes, times out or is interrupted before Close
// cannot leave a server running: servers start in their own process group
// with Pdeathsig = SIGKILL, so the kernel kills them when the test process
// dies (PostgreSQL's backends exit on their own once the postmaster is
// gone). Only the temp dir (under $TMPDIR, named testdb-*) may then remain;
// the next start removes those whose owner process has gone.
//
// # Usage
//
// Starting a server takes about a second, so start one per test package in
// TestMain and share it; tests isolate themselves with their own databases
// and users (CreateDatabase, CreateUser):
//
//	var pg *testdb.Postgres
//
//	func TestMain(m *testing.M) { os.Exit(run(m)) }
//
//	func run(m *testing.M) int {
//		ctx := context.Background()
//		var err error
//		pg, err = testdb.StartPostgres(ctx, testdb.PostgresOptions{LogStatements: true})
//		if err != nil {
//			fmt.Fprintln(os.Stderr, err)
//			return 1
//		}
//		defer pg.Close() // a deferred call, so use run: os.Exit skips defers
//		return m.Run()
//	}
//
//	func TestRotate(t *testing.T) {
//		ctx := t.Context()
//		if err := pg.CreateUser(ctx, "app", "old-password"); err != nil {
//			t.Fatal(err)
//		}
//		newPassword := rotate(t, pg.Host, pg.Port, "app") // the code under test
//		if _, err := pgx.Connect(ctx, pg.UserDSN("app", newPassword, "")); err != nil {
//			t.Errorf("new password does not log in: %v", err)
//		}
//		if c, err := pgx.Connect(ctx, pg.UserDSN("app", "old-password", "")); err == nil {
//			c.Close(ctx)
//			t.Error("old password still logs in")
//		}
//		if strings.Contains(pg.Log(), newPassword) {
//			t.Error("server log contains the new password")
//		}
//	}
//
// MariaDB works the same way: StartMariaDB, CreateUser(ctx, name, host,
// password), UserDSN. A TLS server's DSN carries tls=<TLSName>, a client
// configuration registered with the driver that trusts only CAFile.
//
// The context passed to StartPostgres and StartMariaDB bounds start-up
// only; a server runs until Close (or until the test process dies).
// Restart stops a server as an operator's restart does and starts it again
// on the same port with the same data: open sessions are dropped, users,
// passwords and data survive (the soak harness restarts a database in the
// middle of a rotation with it).
//
// # Replicas and RDS-style hosts
//
// StartPostgresStandby starts a streaming hot standby of a running
// PostgreSQL (pg_basebackup -R, a SCRAM replication role), and
// StartMariaDBReplica a read-only GTID replica of a MariaDB started with
// MariaDBOptions.Primary (binary log from the first boot). Each is a
// *Postgres or *MariaDB like any other, on its own address and port, with
// the primary's users and passwords. Their replication methods let a test
// control lag instead of sleeping over it: PauseReplication holds the
// primary's changes back, ResumeReplication lets them through, and
// WaitCaughtUp returns once everything the primary committed so far is
// visible on the replica (each bounded at 60 s):
//
//	primary, _ := testdb.StartPostgres(ctx, testdb.PostgresOptions{RequireTLS: true,
//		Listen: "127.0.0.3", DNSNames: []string{"pg1.c9xyz.us-east-1.rds.amazonaws.com"}})
//	defer primary.Close()
//	standby, _ := testdb.StartPostgresStandby(ctx, primary, testdb.PostgresOptions{RequireTLS: true,
//		Listen: "127.0.0.5", DNSNames: []string{"pg1-replica.c9xyz.us-east-1.rds.amazonaws.com"}})
//	defer standby.Close() // runs first: it drops its replication role on the primary
//	_ = standby.PauseReplication(ctx)
//	// ... change a password on the primary: the standby still has the old one
//	_ = standby.ResumeReplication(ctx)
//	_ = standby.WaitCaughtUp(ctx) // now it has the new one
//
// A Lambda under lambdatest reaches those servers by name when
// lambdatest.Options.Hosts maps pg1.c9xyz.us-east-1.rds.amazonaws.com to
// 127.0.0.3 in its private /etc/hosts. In the test process itself, dial
// Host and set the TLS ServerName to the name (TLSConfig).
//
// Passwords handed to CreateUser reach the server as a SCRAM verifier
// (PostgreSQL) or a mysql_native_password hash (MariaDB), so the statement
// log never holds a password the harness put there. Print Log only when a
// test fails; it is long.
package testdb
