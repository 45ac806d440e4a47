package testdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// replicaOf ties a replica to its primary: the replication user it connects
// as, dropped again when the replica closes.
type replicaOf struct {
	primary *MariaDB
	user    string
	dropped bool // guarded by the replica's mu
}

// dropUser drops the replication user on the primary, unless the primary
// has been closed already.
func (r *replicaOf) dropUser() error {
	if !r.primary.running() {
		return nil
	}
	return r.primary.Exec(context.Background(), "", "DROP USER IF EXISTS ?@'%'", r.user)
}

// running reports whether the server has been started and not closed.
func (m *MariaDB) running() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.srv != nil
}

// issuer is the CA a TLS server's certificate is signed by: a replica's
// primary's, if it has one, else nil for a fresh CA.
func (m *MariaDB) issuer() *certFiles {
	if m.replica == nil {
		return nil
	}
	return m.replica.primary.certs
}

// errNotReplica is returned by the replication methods of a server that is
// not a replica.
var errNotReplica = errors.New("not a replica (see StartMariaDBReplica)")

// StartMariaDBReplica starts a read-only replica of primary, as an RDS read
// replica is one: a fresh server on a free port of opts.Listen with its own
// server_id and read_only = 1, replicating by GTID (MASTER_USE_GTID =
// slave_pos) as a replication user with a password, from the primary's
// first binary log event. The primary must have been started with
// MariaDBOptions.Primary, so that its binary log holds everything since its
// first boot. It returns once the slave's IO and SQL threads both run
// (bounded at 60 s).
//
// Users, passwords and grants made on the primary reach the replica
// (WaitCaughtUp waits for them); root has the primary's password but not
// READ_ONLY ADMIN, so read_only refuses its writes too, as an RDS read
// replica refuses the master user's. A TLS
// primary is replicated over TLS, verifying its certificate. A TLS
// replica's certificate is signed by a TLS primary's CA (as RDS signs an
// instance and its replicas with one CA), so the primary's CAFile verifies
// both. opts.TLS,
// GeneralLog, Listen and DNSNames apply to the replica itself, and
// opts.Primary is ignored. Close stops it, removes its files and drops the
// replication user on the primary.
func StartMariaDBReplica(ctx context.Context, primary *MariaDB, opts MariaDBOptions) (_ *MariaDB, err error) {
	if primary == nil || !primary.running() {
		return nil, errors.New("testdb: mariadb replica: the primary is not running")
	}
	if !primary.binlog {
		return nil, errors.New("testdb: mariadb replica: the primary has no binary log from its first boot: start it with MariaDBOptions{Primary: true}")
	}
	replPassword, err := randomSecret()
	if err != nil {
		return nil, err
	}
	suffix, err := randomSecret()
	if err != nil {
		return nil, err
	}
	r := &replicaOf{primary: primary, user: "testdb_repl_" + suffix[:12]}
	opts.Primary = false
	m, err := startMariaDB(ctx, opts, primary.Password, r)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			m.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	// The user is made on the primary with binary logging on, so the replica
	// gets it too, as it gets every other user.
	if err := primary.Exec(ctx, "", "CREATE USER ?@'%' IDENTIFIED BY PASSWORD ?", r.user, nativePasswordHash(replPassword)); err != nil {
		return nil, fmt.Errorf("testdb: mariadb replica: create the replication user: %w", err)
	}
	if err := primary.Exec(ctx, "", "GRANT REPLICATION SLAVE ON *.* TO ?@'%'", r.user); err != nil {
		return nil, fmt.Errorf("testdb: mariadb replica: grant the replication user: %w", err)
	}
	if err := m.changeMaster(ctx, replPassword); err != nil {
		return nil, m.srv.failure("point the replica at the primary", err)
	}
	if err := poll(ctx, m.srv.exited, m.replicating); err != nil {
		return nil, m.srv.failure("wait for the replica's IO and SQL threads", err)
	}
	return m, nil
}

// changeMaster points the replica at the primary and starts the slave. The
// session is kept out of the general log (sql_log_off), which would
// otherwise hold the replication password.
func (m *MariaDB) changeMaster(ctx context.Context, password string) error {
	primary := m.replica.primary
	stmt := "CHANGE MASTER TO MASTER_HOST = ?, MASTER_PORT = ?, MASTER_USER = ?, MASTER_PASSWORD = ?, " +
		"MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1"
	args := []any{primary.Host, primary.Port, m.replica.user, password}
	if primary.certs != nil {
		stmt += ", MASTER_SSL = 1, MASTER_SSL_CA = ?, MASTER_SSL_VERIFY_SERVER_CERT = 1"
		args = append(args, primary.CAFile)
	}
	cfg := m.Config("")
	cfg.TLSConfig, cfg.TLS = "", m.TLSConfig()
	cfg.InterpolateParams = true
	cfg.Params = map[string]string{"sql_log_off": "1"}
	db, err := openMySQL(cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, stmt, args...); err != nil {
		return fmt.Errorf("change master: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "START SLAVE"); err != nil {
		return fmt.Errorf("start slave: %w", err)
	}
	return nil
}

// slaveStatus returns SHOW SLAVE STATUS as column name → value.
func (m *MariaDB) slaveStatus(ctx context.Context) (map[string]string, error) {
	db, err := m.Connect("")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, "SHOW SLAVE STATUS")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	if !rows.Next() {
		return nil, errors.Join(rows.Err(), errors.New("SHOW SLAVE STATUS: no slave configured"))
	}
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return nil, err
	}
	status := make(map[string]string, len(cols))
	for i, c := range cols {
		status[c] = vals[i].String
	}
	return status, rows.Err()
}

// replicating succeeds once both slave threads run; otherwise it says why
// not, with the threads' last errors.
func (m *MariaDB) replicating(ctx context.Context) error {
	return m.threadsRunning(ctx, "Slave_IO_Running", "Slave_SQL_Running")
}

// threadsRunning succeeds once each named SHOW SLAVE STATUS column is Yes.
func (m *MariaDB) threadsRunning(ctx context.Context, columns ...string) error {
	st, err := m.slaveStatus(ctx)
	if err != nil {
		return err
	}
	var notYet []string
	for _, c := range columns {
		if st[c] != "Yes" {
			notYet = append(notYet, c+"="+st[c])
		}
	}
	if len(notYet) == 0 {
		return nil
	}
	return fmt.Errorf("%s (Last_IO_Error %q, Last_SQL_Error %q)",
		strings.Join(notYet, ", "), st["Last_IO_Error"], st["Last_SQL_Error"])
}

// PauseReplication stops the replica's SQL thread (STOP SLAVE SQL_THREAD):
// the primary's changes are still received but not applied until
// ResumeReplication, so a test can hold replication lag for as long as it
// needs it.
func (m *MariaDB) PauseReplication(ctx context.Context) error {
	if m.replica == nil {
		return fmt.Errorf("testdb: pause replication: %w", errNotReplica)
	}
	if err := m.Exec(ctx, "", "STOP SLAVE SQL_THREAD"); err != nil {
		return fmt.Errorf("testdb: pause replication: %w", err)
	}
	return nil
}

// ResumeReplication starts the SQL thread again after PauseReplication and
// returns once it runs.
func (m *MariaDB) ResumeReplication(ctx context.Context) error {
	if m.replica == nil {
		return fmt.Errorf("testdb: resume replication: %w", errNotReplica)
	}
	if err := m.Exec(ctx, "", "START SLAVE SQL_THREAD"); err != nil {
		return fmt.Errorf("testdb: resume replication: %w", err)
	}
	if err := poll(ctx, nil, func(ctx context.Context) error { return m.threadsRunning(ctx, "Slave_SQL_Running") }); err != nil {
		return fmt.Errorf("testdb: resume replication: %w", err)
	}
	return nil
}

// WaitCaughtUp returns once the replica has applied everything in the
// primary's binary log when it was called (its gtid_slave_pos covers the
// primary's gtid_binlog_pos), so what a test did on the primary is visible
// on the replica. Bounded at 60 s; while replication is paused it times out.
func (m *MariaDB) WaitCaughtUp(ctx context.Context) error {
	if m.replica == nil {
		return fmt.Errorf("testdb: wait for the replica to catch up: %w", errNotReplica)
	}
	var target string
	if err := m.replica.primary.queryRow(ctx, []any{&target}, "SELECT @@GLOBAL.gtid_binlog_pos"); err != nil {
		return fmt.Errorf("testdb: wait for the replica to catch up: read the primary's position: %w", err)
	}
	err := poll(ctx, nil, func(ctx context.Context) error {
		// MASTER_GTID_WAIT returns 0 once the position is reached, -1 when
		// its one-second timeout passes first.
		var reached int
		var applied string
		if err := m.queryRow(ctx, []any{&reached, &applied},
			"SELECT MASTER_GTID_WAIT(?, 1), @@GLOBAL.gtid_slave_pos", target); err != nil {
			return err
		}
		if reached != 0 {
			return fmt.Errorf("replica at %q, primary at %q", applied, target)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("testdb: wait for the replica to catch up: %w", err)
	}
	return nil
}

// queryRow runs a one-row query as root and scans the row into dest.
func (m *MariaDB) queryRow(ctx context.Context, dest []any, query string, args ...any) error {
	db, err := m.Connect("")
	if err != nil {
		return err
	}
	defer db.Close()
	return db.QueryRowContext(ctx, query, args...).Scan(dest...)
}
