package testdb

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// errReadOnly is ER_OPTION_PREVENTS_STATEMENT, what read_only answers.
const errReadOnly = 1290

// myScan runs a one-row query on m as root.
func myScan(t *testing.T, m *MariaDB, query string, dest ...any) {
	t.Helper()
	if err := m.queryRow(t.Context(), dest, query); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func TestMariaDBReplicaReplicates(t *testing.T) {
	logOnFailure(t, "mariadb my1", myPrimary.LogTail)
	logOnFailure(t, "mariadb my1 replica", myReplica.LogTail)
	if err := myReplica.replicating(t.Context()); err != nil {
		t.Errorf("replica threads: %v", err)
	}
	var readOnly, replicaID, primaryID int
	myScan(t, myReplica, "SELECT @@read_only, @@server_id", &readOnly, &replicaID)
	myScan(t, myPrimary, "SELECT @@server_id", &primaryID)
	if readOnly != 1 {
		t.Error("the replica is not read_only")
	}
	if err := myReplica.Exec(t.Context(), "", "CREATE DATABASE replica_root_write"); mysqlErrno(err) != errReadOnly {
		t.Errorf("root's write on the replica: %v, want error %d (read_only)", err, errReadOnly)
	}
	if replicaID == primaryID {
		t.Errorf("replica and primary share server_id %d", primaryID)
	}
	st, err := myReplica.slaveStatus(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if st["Master_SSL_Allowed"] != "Yes" || st["Master_SSL_Verify_Server_Cert"] != "Yes" || st["Using_Gtid"] != "Slave_Pos" {
		t.Errorf("replication channel: Master_SSL_Allowed %s, Master_SSL_Verify_Server_Cert %s, Using_Gtid %s; want Yes, Yes, Slave_Pos",
			st["Master_SSL_Allowed"], st["Master_SSL_Verify_Server_Cert"], st["Using_Gtid"])
	}
	if strings.Contains(myReplica.GeneralLog(), "CHANGE MASTER") {
		t.Error("the replica's general log holds the CHANGE MASTER statement and its password")
	}
	if myReplica.Host != myReplicaIP || myReplica.Password != myPrimary.Password {
		t.Errorf("replica at %s with root password equal to the primary's %t, want %s and true",
			myReplica.Host, myReplica.Password == myPrimary.Password, myReplicaIP)
	}
}

func TestMariaDBReplicaReplicatesUsers(t *testing.T) {
	ctx := t.Context()
	logOnFailure(t, "mariadb my1", myPrimary.LogTail)
	logOnFailure(t, "mariadb my1 replica", myReplica.LogTail)
	const (
		user        = "replica user"
		password    = `replica p@ss/w:rd'"`
		newPassword = `rotated p@ss`
	)
	createMariaDBUser(t, myPrimary, user, "%", password)
	createMariaDBDatabase(t, myPrimary, "replica_db")
	if err := myPrimary.Exec(ctx, "", "GRANT ALL ON replica_db.* TO ?@'%'", user); err != nil {
		t.Fatal(err)
	}
	if err := myReplica.WaitCaughtUp(ctx); err != nil {
		t.Fatal(err)
	}
	login := func(serverName, password string) error {
		return myLogin(ctx, myReplica, user, password, "", myTLSAs(myReplica, serverName))
	}
	tests := []struct {
		name, serverName, password string
		wantErrno                  uint16 // 0 means the login succeeds
	}{
		{"right password, verify-full as the replica's name", myReplicaName, password, 0},
		{"right password, verify-full as the listen address", myReplicaIP, password, 0},
		{"wrong password", myReplicaName, "wrong", errAccessDenied},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := login(tc.serverName, tc.password)
			switch {
			case tc.wantErrno == 0 && err != nil:
				t.Fatalf("login on the replica failed: %v", err)
			case tc.wantErrno != 0 && mysqlErrno(err) != tc.wantErrno:
				t.Fatalf("login error = %v, want error %d", err, tc.wantErrno)
			}
		})
	}
	t.Run("the primary's name is not the replica's", func(t *testing.T) {
		if err := login(myPrimaryName, password); err == nil {
			t.Fatal("verify-full as the primary's name succeeded against the replica")
		}
	})
	t.Run("the replica refuses writes", func(t *testing.T) {
		cfg := myReplica.UserConfig(user, password, "replica_db")
		db, err := openMySQL(cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.ExecContext(ctx, "CREATE TABLE t (i int)"); mysqlErrno(err) != errReadOnly {
			t.Fatalf("write on the replica: %v, want error %d (read_only)", err, errReadOnly)
		}
	})
	t.Run("a password changed on the primary changes on the replica", func(t *testing.T) {
		if err := myPrimary.Exec(ctx, "", "ALTER USER ?@'%' IDENTIFIED BY PASSWORD ?", user, nativePasswordHash(newPassword)); err != nil {
			t.Fatal(err)
		}
		if err := myReplica.WaitCaughtUp(ctx); err != nil {
			t.Fatal(err)
		}
		if err := login(myReplicaName, newPassword); err != nil {
			t.Fatalf("new password on the replica: %v", err)
		}
		if err := login(myReplicaName, password); mysqlErrno(err) != errAccessDenied {
			t.Fatalf("old password on the replica: %v, want error %d", err, errAccessDenied)
		}
	})
	for _, pw := range []string{password, newPassword} {
		assertNoSecret(t, "primary log", myPrimary.Log(), pw)
		assertNoSecret(t, "replica log", myReplica.Log(), pw)
	}
}

func TestMariaDBReplicaPause(t *testing.T) {
	ctx := t.Context()
	logOnFailure(t, "mariadb my1 replica", myReplica.LogTail)
	if err := myReplica.PauseReplication(ctx); err != nil {
		t.Fatal(err)
	}
	paused := true
	t.Cleanup(func() {
		if paused {
			if err := myReplica.ResumeReplication(context.Background()); err != nil {
				t.Error(err)
			}
		}
	})
	const user, password = "lagging user", "held back"
	createMariaDBUser(t, myPrimary, user, "%", password)
	if err := myLogin(ctx, myPrimary, user, password, myPrimary.TLSName, nil); err != nil {
		t.Fatalf("login on the primary: %v", err)
	}
	if err := myLogin(ctx, myReplica, user, password, myReplica.TLSName, nil); mysqlErrno(err) != errAccessDenied {
		t.Fatalf("login on the paused replica: %v, want error %d (the user has not arrived)", err, errAccessDenied)
	}
	if err := myReplica.ResumeReplication(ctx); err != nil {
		t.Fatal(err)
	}
	paused = false
	if err := myReplica.WaitCaughtUp(ctx); err != nil {
		t.Fatal(err)
	}
	if err := myLogin(ctx, myReplica, user, password, myReplica.TLSName, nil); err != nil {
		t.Fatalf("login on the replica after resuming: %v", err)
	}
}

func TestMariaDBPlainReplicaCloseDropsUser(t *testing.T) {
	ctx := t.Context()
	replica, err := StartMariaDBReplica(ctx, myPrimary, MariaDBOptions{})
	if err != nil {
		t.Fatal(err)
	}
	logOnFailure(t, "mariadb plain replica", replica.LogTail)
	createMariaDBUser(t, myPrimary, "second replica user", "%", "pw")
	if err := replica.WaitCaughtUp(ctx); err != nil {
		t.Fatal(err)
	}
	if err := myLogin(ctx, replica, "second replica user", "pw", "", nil); err != nil {
		t.Fatalf("login on the second replica: %v", err)
	}
	// A restarted replica resumes replicating by itself.
	if err := replica.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	createMariaDBUser(t, myPrimary, "after restart user", "%", "pw")
	if err := replica.WaitCaughtUp(ctx); err != nil {
		t.Fatal(err)
	}
	if err := myLogin(ctx, replica, "after restart user", "pw", "", nil); err != nil {
		t.Fatalf("login on the restarted replica: %v", err)
	}
	user := replica.replica.user
	if err := replica.Close(); err != nil {
		t.Fatal(err)
	}
	var left int
	if err := myPrimary.queryRow(ctx, []any{&left}, "SELECT count(*) FROM mysql.user WHERE User = ?", user); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("Close left the replication user %s on the primary", user)
	}
}

func TestMariaDBReplicaMisuse(t *testing.T) {
	ctx := t.Context()
	if _, err := StartMariaDBReplica(ctx, nil, MariaDBOptions{}); err == nil {
		t.Error("a replica of no primary started")
	}
	if _, err := StartMariaDBReplica(ctx, myPlain, MariaDBOptions{}); err == nil {
		t.Error("a replica of a server without a binary log started")
	}
	for name, call := range map[string]func(context.Context) error{
		"PauseReplication":  myPrimary.PauseReplication,
		"ResumeReplication": myPrimary.ResumeReplication,
		"WaitCaughtUp":      myPrimary.WaitCaughtUp,
	} {
		if err := call(ctx); !errors.Is(err, errNotReplica) {
			t.Errorf("%s on a primary: %v, want %v", name, err, errNotReplica)
		}
	}
}
