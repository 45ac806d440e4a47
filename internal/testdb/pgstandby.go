package testdb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5"
)

// standbyOf ties a standby to its primary: the replication role it streams
// as, dropped again when the standby closes.
type standbyOf struct {
	primary *Postgres
	role    string
	dropped bool // guarded by the standby's mu
}

// dropRole drops the replication role on the primary, unless the primary has
// been closed already (its data went with it).
func (s *standbyOf) dropRole() error {
	if !s.primary.running() {
		return nil
	}
	return s.primary.Exec(context.Background(), "postgres", "DROP ROLE IF EXISTS "+pgx.Identifier{s.role}.Sanitize())
}

// StartPostgresStandby starts a streaming hot standby of primary, as an RDS
// read replica is one: a replication role with a SCRAM password is created
// on the primary, pg_basebackup -R copies the primary into a new data dir
// (as the postgres system user, like the primary), and the standby starts on
// a free port of opts.Listen with hot_standby on. It returns once the
// standby accepts connections and its WAL receiver is streaming (bounded at
// 60 s, with the log on failure).
//
// The standby has the primary's users and passwords, its superuser
// included (they are replicated), and is read-only. opts.TLS, RequireTLS,
// LogStatements, Listen and DNSNames apply to the standby itself; BinDir is
// the primary's. A TLS primary is streamed from over TLS with verify-full
// against its CAFile. A TLS standby's certificate is signed by a TLS
// primary's CA (as RDS signs an instance and its replicas with one CA), so
// the primary's CAFile verifies both. Close stops it, removes its files and drops its
// replication role on the primary; like a primary it dies with the test
// process.
func StartPostgresStandby(ctx context.Context, primary *Postgres, opts PostgresOptions) (_ *Postgres, err error) {
	if primary == nil || !primary.running() {
		return nil, errors.New("testdb: postgres standby: the primary is not running")
	}
	if primary.standby != nil {
		return nil, errors.New("testdb: postgres standby: the primary is itself a standby (cascading is not supported)")
	}
	if opts.RequireTLS {
		opts.TLS = true
	}
	listen, err := listenAddress(opts.Listen, opts.DNSNames)
	if err != nil {
		return nil, err
	}
	basebackup, err := findBinary("pg_basebackup", "postgresql", primary.binDir)
	if err != nil {
		return nil, err
	}
	postgres, err := findBinary("postgres", "postgresql", primary.binDir)
	if err != nil {
		return nil, err
	}
	acct, err := serverAccount("postgres")
	if err != nil {
		return nil, err
	}
	root, err := makeRoot("testdb-pg-")
	if err != nil {
		return nil, err
	}
	pg := &Postgres{Host: listen, User: primary.User, Password: primary.Password,
		Version: primary.Version, root: root, binDir: primary.binDir}
	defer func() {
		if err != nil {
			pg.Close()
		}
	}()
	// The role name is unique per standby, so several standbys of one
	// primary each drop only their own.
	pg.standby = &standbyOf{primary: primary, role: "testdb_replication_" + strings.TrimPrefix(filepath.Base(root), "testdb-pg-")}
	replPassword, err := randomSecret()
	if err != nil {
		return nil, err
	}
	v, err := scramVerifier(replPassword)
	if err != nil {
		return nil, err
	}
	if err := primary.Exec(ctx, "postgres", "CREATE ROLE "+pgx.Identifier{pg.standby.role}.Sanitize()+
		" REPLICATION LOGIN PASSWORD "+pgString(v)); err != nil {
		return nil, fmt.Errorf("testdb: postgres standby: create the replication role: %w", err)
	}

	data, run, err := pgDirs(root, acct)
	if err != nil {
		return nil, err
	}
	if err := pg.baseBackup(ctx, basebackup, data, replPassword, acct); err != nil {
		return nil, err
	}
	if err := pg.configureAndLaunch(ctx, postgres, data, run, opts, acct); err != nil {
		return nil, err
	}
	if err := poll(ctx, pg.srv.exited, pg.streaming); err != nil {
		return nil, pg.srv.failure("wait for the standby to stream from the primary", err)
	}
	return pg, nil
}

// baseBackup copies the primary into data with pg_basebackup -R, which
// also writes standby.signal and primary_conninfo. The replication
// password travels in a passfile that primary_conninfo names, never on a
// command line; the file stays (0600, the postgres user's) for the
// standby's reconnects.
func (pg *Postgres) baseBackup(ctx context.Context, basebackup, data, password string, acct *account) error {
	primary := pg.standby.primary
	passfile := filepath.Join(pg.root, "replication.pgpass")
	line := fmt.Sprintf("%s:%d:*:%s:%s\n", primary.Host, primary.Port, pg.standby.role, password)
	if err := writeOwned(passfile, []byte(line), 0o600, acct); err != nil {
		return err
	}
	conninfo := []string{
		"host=" + primary.Host,
		"port=" + strconv.Itoa(primary.Port),
		"user=" + pg.standby.role,
		"passfile=" + passfile,
		"application_name=" + pg.standby.role,
	}
	if primary.CAFile != "" {
		// No client certificate: without sslcert libpq looks in the HOME of
		// the test (root's), which the postgres user may not read.
		conninfo = append(conninfo, "sslmode=verify-full", "sslrootcert="+primary.CAFile,
			"sslcert="+filepath.Join(pg.root, "no-client-certificate"))
	} else {
		conninfo = append(conninfo, "sslmode=disable")
	}
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	// --checkpoint=fast: the default spread checkpoint could take minutes.
	cmd := exec.CommandContext(ctx, basebackup, "-D", data, "-R", "-X", "stream",
		"--checkpoint=fast", "--no-sync", "-d", strings.Join(conninfo, " "))
	cmd.Dir = pg.root
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: acct.credential()}
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	out, err := runTool(cmd)
	if err != nil {
		return fmt.Errorf("testdb: postgres standby: pg_basebackup: %w\n%s", err, logExcerpt("pg_basebackup output", string(out)))
	}
	return nil
}

// streaming succeeds once the standby's WAL receiver streams.
func (pg *Postgres) streaming(ctx context.Context) error {
	var status string
	if err := pg.queryRow(ctx, []any{&status}, "SELECT coalesce((SELECT status FROM pg_stat_wal_receiver), 'no WAL receiver')"); err != nil {
		return err
	}
	if status != "streaming" {
		return fmt.Errorf("WAL receiver status %q", status)
	}
	return nil
}

// queryRow runs a one-row query in the postgres database as the superuser
// and scans the row into dest.
func (pg *Postgres) queryRow(ctx context.Context, dest []any, sql string, args ...any) error {
	c, err := pg.Connect(ctx, "postgres")
	if err != nil {
		return err
	}
	defer c.Close(context.WithoutCancel(ctx))
	return c.QueryRow(ctx, sql, args...).Scan(dest...)
}

// errNotStandby is returned by the replication methods of a primary.
var errNotStandby = errors.New("not a standby (see StartPostgresStandby)")

// PauseReplication pauses WAL replay on the standby (pg_wal_replay_pause)
// and returns once replay has stopped: changes made on the primary from
// then on are received but not visible on the standby until
// ResumeReplication, so a test can hold replication lag for as long as it
// needs it.
func (pg *Postgres) PauseReplication(ctx context.Context) error {
	return pg.setReplay(ctx, "pause", "SELECT pg_wal_replay_pause()", "paused")
}

// ResumeReplication resumes WAL replay after PauseReplication and returns
// once it runs again.
func (pg *Postgres) ResumeReplication(ctx context.Context) error {
	return pg.setReplay(ctx, "resume", "SELECT pg_wal_replay_resume()", "not paused")
}

// setReplay asks for a replay state and waits until the standby reports it.
func (pg *Postgres) setReplay(ctx context.Context, verb, sql, want string) error {
	if pg.standby == nil {
		return fmt.Errorf("testdb: %s replication: %w", verb, errNotStandby)
	}
	if err := pg.Exec(ctx, "postgres", sql); err != nil {
		return fmt.Errorf("testdb: %s replication: %w", verb, err)
	}
	err := poll(ctx, nil, func(ctx context.Context) error {
		var state string
		if err := pg.queryRow(ctx, []any{&state}, "SELECT pg_get_wal_replay_pause_state()"); err != nil {
			return err
		}
		if state != want {
			return fmt.Errorf("replay pause state %q, want %q", state, want)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("testdb: %s replication: %w", verb, err)
	}
	return nil
}

// WaitCaughtUp returns once the standby has replayed everything the primary
// had committed when it was called (its replay LSN reaches the primary's
// WAL position), so what a test did on the primary is visible on the
// standby. Bounded at 60 s; while replication is paused it times out.
func (pg *Postgres) WaitCaughtUp(ctx context.Context) error {
	if pg.standby == nil {
		return fmt.Errorf("testdb: wait for the standby to catch up: %w", errNotStandby)
	}
	target, err := pg.standby.primary.flushedLSN(ctx)
	if err != nil {
		return fmt.Errorf("testdb: wait for the standby to catch up: %w", err)
	}
	err = poll(ctx, nil, func(ctx context.Context) error {
		var replayed, state string
		var done bool
		if err := pg.queryRow(ctx, []any{&replayed, &done, &state},
			"SELECT coalesce(pg_last_wal_replay_lsn()::text, 'none'), "+
				"coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false), pg_get_wal_replay_pause_state()",
			target); err != nil {
			return err
		}
		if !done {
			return fmt.Errorf("replayed up to %s, primary at %s, replay %s", replayed, target, state)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("testdb: wait for the standby to catch up: %w", err)
	}
	return nil
}

// flushedLSN returns a WAL position at or after the end of every
// transaction committed so far. The server runs with synchronous_commit =
// off, so a commit may not even be written when it returns, and what the
// WAL sender ships is what has been flushed: a transaction that writes WAL
// (a logical message, the smallest record at hand; one that only takes an
// xid is not flushed) committed with synchronous_commit = on flushes
// everything up to itself.
func (pg *Postgres) flushedLSN(ctx context.Context) (string, error) {
	c, err := pg.Connect(ctx, "postgres")
	if err != nil {
		return "", err
	}
	defer c.Close(context.WithoutCancel(ctx))
	tx, err := c.Begin(ctx)
	if err != nil {
		return "", err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, "SET LOCAL synchronous_commit = on"); err != nil {
		return "", err
	}
	if _, err := tx.Exec(ctx, "SELECT pg_logical_emit_message(true, 'testdb', 'flush')"); err != nil {
		return "", err
	}
	if err := tx.Commit(ctx); err != nil {
		return "", err
	}
	var lsn string
	if err := c.QueryRow(ctx, "SELECT pg_current_wal_flush_lsn()::text").Scan(&lsn); err != nil {
		return "", err
	}
	return lsn, nil
}
