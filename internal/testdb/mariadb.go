package testdb

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"syscall"

	"github.com/go-sql-driver/mysql"
)

// MariaDBOptions configures StartMariaDB.
type MariaDBOptions struct {
	// TLS configures ssl-ca, ssl-cert and ssl-key with a fresh CA and server
	// certificate; the CA is in MariaDB.CAFile. Without it the server runs
	// with --skip-ssl.
	TLS bool
	// GeneralLog turns on the general query log; Log and GeneralLog show it.
	GeneralLog bool
	// BinDir overrides where mariadb-install-db and mariadbd are looked for.
	// Empty means /usr/sbin, /usr/bin, then PATH.
	BinDir string
	// Listen is the IPv4 loopback address the server listens on, e.g.
	// "127.0.0.4"; empty means 127.0.0.1. root may also log in from it.
	Listen string
	// DNSNames are extra names the TLS server certificate is valid for,
	// besides 127.0.0.1, ::1, localhost and Listen (an RDS-style endpoint
	// name that resolves to Listen).
	DNSNames []string
	// Primary turns the binary log on from the first boot and gives the
	// server a random server_id (as each replica gets one), so that
	// StartMariaDBReplica can replicate the server from its first event. Off by default: without a replica the
	// binary log only costs time.
	Primary bool
}

// MariaDB is a running throwaway MariaDB server. Users connecting over TCP
// authenticate by password; there are no anonymous users.
type MariaDB struct {
	Host     string // the listen address, MariaDBOptions.Listen or "127.0.0.1"
	Port     int
	User     string // "root", which may connect from 127.0.0.1, ::1, localhost and Host
	Password string // root's password, random per server
	CAFile   string // PEM of the CA that signed the server certificate; "" when not TLS
	// TLSName is the name the TLS client configuration is registered under
	// with mysql.RegisterTLSConfig (the DSN's tls= parameter); "" when not TLS.
	TLSName string

	socket     string
	generalLog string // path, "" when the general log is off
	certs      *certFiles
	command    func() *exec.Cmd // the mariadbd command line for Port, built at start
	secured    bool             // root has its password (secure ran)
	serverID   uint32           // random, for a primary or a replica
	binlog     bool             // MariaDBOptions.Primary
	replica    *replicaOf       // nil unless StartMariaDBReplica started it

	mu       sync.Mutex // guards the fields below, so Log may race with Close
	root     string
	srv      *server
	finalLog string // the log as it was at Close
}

// mariadbDirs are where to look for the binaries: Debian's mariadb-server
// puts mariadbd in /usr/sbin, which is not on every PATH.
func mariadbDirs() []string {
	dirs := []string{"/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"}
	return append(dirs, filepath.SplitList(os.Getenv("PATH"))...)
}

// StartMariaDB creates a new data directory in a temp dir and starts mariadbd
// on a free port of opts.Listen (127.0.0.1 by default) with its socket in the
// temp dir. It never touches the system server. Call Close to stop it and
// remove its files.
func StartMariaDB(ctx context.Context, opts MariaDBOptions) (*MariaDB, error) {
	password, err := randomSecret()
	if err != nil {
		return nil, err
	}
	return startMariaDB(ctx, opts, password, nil)
}

// startMariaDB starts a server whose root password is password; a replica
// (replica not nil) is read-only.
func startMariaDB(ctx context.Context, opts MariaDBOptions, password string, replica *replicaOf) (_ *MariaDB, err error) {
	listen, err := listenAddress(opts.Listen, opts.DNSNames)
	if err != nil {
		return nil, err
	}
	dirs := mariadbDirs()
	if opts.BinDir != "" {
		dirs = []string{opts.BinDir}
	}
	installDB, err := findBinary("mariadb-install-db", "mariadb-server", dirs...)
	if err != nil {
		return nil, err
	}
	mariadbd, err := findBinary("mariadbd", "mariadb-server", dirs...)
	if err != nil {
		return nil, err
	}
	serverID, err := randomServerID()
	if err != nil {
		return nil, err
	}
	root, err := makeRoot("testdb-mariadb-")
	if err != nil {
		return nil, err
	}
	m := &MariaDB{Host: listen, User: "root", Password: password, root: root,
		socket: filepath.Join(root, "mysqld.sock"), serverID: serverID, binlog: opts.Primary, replica: replica}
	// Every failure below returns nil and this cleans up what was made.
	defer func() {
		if err != nil {
			m.Close()
		}
	}()
	data, tmp := filepath.Join(root, "data"), filepath.Join(root, "tmp")
	// A private tmpdir: concurrent servers sharing /tmp delete each other's
	// temporary tables during bootstrap.
	if err := mkdirOwned(tmp, nil); err != nil {
		return nil, err
	}
	if err := m.installDB(ctx, installDB, data, tmp); err != nil {
		return nil, err
	}
	if opts.TLS {
		if m.certs, err = writeCerts(root, m.Host, opts.DNSNames, m.issuer()); err != nil {
			return nil, err
		}
		m.CAFile = m.certs.CA
	}
	if opts.GeneralLog {
		m.generalLog = filepath.Join(root, "general.log")
	}

	m.command = func() *exec.Cmd {
		cmd := exec.Command(mariadbd, m.serverArgs(data, tmp, opts)...)
		cmd.Dir = root
		return cmd
	}
	for attempt := 1; ; attempt++ {
		if m.Port, err = freePort(m.Host); err != nil {
			return nil, err
		}
		err = m.launch(ctx)
		if err == nil {
			break
		}
		if errors.Is(err, errPortTaken) && attempt < 3 {
			continue
		}
		return nil, err
	}
	// The server is up; what is left is a few statements, bounded like every
	// other start-up wait.
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	if err := m.secure(ctx); err != nil {
		return nil, m.srv.failure("set root password and remove anonymous users", err)
	}
	m.secured = true
	if opts.TLS {
		m.TLSName = filepath.Base(root) // unique per server: the temp dir name
		if err := mysql.RegisterTLSConfig(m.TLSName, m.TLSConfig()); err != nil {
			return nil, fmt.Errorf("testdb: register mariadb tls config: %w", err)
		}
	}
	if err := m.Exec(ctx, "", "SELECT 1"); err != nil {
		return nil, m.srv.failure("log in as root over TCP", err)
	}
	return m, nil
}

// launch starts mariadbd on m.Port and waits until it answers on its socket.
// A port someone else holds is errPortTaken, with nothing left running.
func (m *MariaDB) launch(ctx context.Context) error {
	var err error
	if m.srv, err = startServer("mariadbd", m.command(), filepath.Join(m.root, "error.log")); err != nil {
		return err
	}
	err = m.srv.waitReady(ctx, m.pingSocket)
	if err == nil {
		return nil
	}
	if errors.Is(err, errExited) && addrInUse(m.srv.log()) {
		_ = m.srv.stop(syscall.SIGKILL)
		return errPortTaken
	}
	return m.srv.failure("wait for server to accept connections", err)
}

// installDB creates the system tables. root@localhost starts without a
// password and is secured by secure once the server runs.
func (m *MariaDB) installDB(ctx context.Context, installDB, data, tmp string) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, installDB,
		append([]string{"--no-defaults", "--datadir=" + data, "--tmpdir=" + tmp, "--user=root",
			"--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve"},
			innodbThrowaway()...)...)
	cmd.Dir = m.root
	out, err := runTool(cmd)
	if err != nil {
		return fmt.Errorf("testdb: mariadbd: mariadb-install-db: %w\n%s",
			err, logExcerpt("mariadb-install-db output", string(out)))
	}
	return nil
}

// innodbThrowaway are InnoDB settings for data nobody keeps: a small redo
// log and buffer pool, and no syncing. mariadb-install-db passes them on to
// its bootstrap server too, so the files it makes match what mariadbd
// expects; together they halve start-up time and use a quarter of the disk.
func innodbThrowaway() []string {
	return []string{
		"--innodb-buffer-pool-size=32M",
		"--innodb-log-file-size=8M",
		"--innodb-temp-data-file-path=ibtmp1:1M:autoextend",
		"--innodb-flush-log-at-trx-commit=0",
		"--innodb-doublewrite=0",
		"--innodb-flush-method=nosync",
	}
}

// serverArgs are the mariadbd options. --no-defaults keeps the system's
// my.cnf (port 3306, /var/lib/mysql) out of it entirely.
func (m *MariaDB) serverArgs(data, tmp string, opts MariaDBOptions) []string {
	args := []string{
		"--no-defaults",
		"--datadir=" + data,
		"--tmpdir=" + tmp,
		"--user=root",
		"--bind-address=" + m.Host,
		"--port=" + strconv.Itoa(m.Port),
		"--socket=" + m.socket,
		"--pid-file=" + filepath.Join(m.root, "mariadbd.pid"),
		"--skip-name-resolve",
	}
	// Replication needs the primary's and each replica's server_id to
	// differ; other servers keep the default, as before replicas existed.
	if m.binlog || m.replica != nil {
		args = append(args, "--server-id="+strconv.FormatUint(uint64(m.serverID), 10))
	}
	if m.binlog {
		args = append(args, "--log-bin="+filepath.Join(data, "binlog"), "--binlog-format=ROW")
	} else {
		args = append(args, "--skip-log-bin")
	}
	if m.replica != nil {
		args = append(args, "--read-only", "--relay-log="+filepath.Join(data, "relay"))
	}
	args = append(args, innodbThrowaway()...)
	if opts.TLS {
		args = append(args, "--ssl-ca="+m.certs.CA, "--ssl-cert="+m.certs.Cert, "--ssl-key="+m.certs.Key)
	} else {
		args = append(args, "--skip-ssl")
	}
	if m.generalLog != "" {
		args = append(args, "--general-log=1", "--general-log-file="+m.generalLog)
	}
	return args
}

// pingSocket logs in as root over the unix socket: without a password
// before secure has set one, with it afterwards (a restart).
func (m *MariaDB) pingSocket(ctx context.Context) error {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Net, cfg.Addr = "root", "unix", m.socket
	if m.secured {
		cfg.Passwd = m.Password
	}
	db, err := openMySQL(cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	return db.PingContext(ctx)
}

// rootHosts are the hosts root may log in from: the loopback addresses,
// localhost, and the listen address (a client of 127.0.0.4 may be given that
// as its source address).
func (m *MariaDB) rootHosts() []string {
	hosts := []string{"127.0.0.1", "::1", "localhost"}
	if !slices.Contains(hosts, m.Host) {
		hosts = append(hosts, m.Host)
	}
	return hosts
}

// secure deletes the anonymous users and root accounts for the machine's
// host name that mariadb-install-db creates (an anonymous user at localhost
// shadows a '%' user of the same name), then gives root a password on
// rootHosts. The server receives password hashes, never the password.
// None of it goes to the binary log: a replica makes the same changes to its
// own fresh tables, and replays only what happened on the primary after.
func (m *MariaDB) secure(ctx context.Context) error {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Net, cfg.Addr = "root", "unix", m.socket
	cfg.InterpolateParams = true
	cfg.Params = map[string]string{"sql_log_bin": "0"}
	db, err := openMySQL(cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	hosts := m.rootHosts()
	rows, err := db.QueryContext(ctx, "SELECT User, Host FROM mysql.user WHERE User = '' OR "+
		"(User = 'root' AND Host NOT IN (?, ?, ?))", hosts[0], hosts[1], hosts[2])
	if err != nil {
		return fmt.Errorf("list users: %w", err)
	}
	var drop [][2]string
	for rows.Next() {
		var u, h string
		if err := rows.Scan(&u, &h); err != nil {
			rows.Close()
			return fmt.Errorf("list users: %w", err)
		}
		drop = append(drop, [2]string{u, h})
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fmt.Errorf("list users: %w", err)
	}
	for _, uh := range drop {
		if _, err := db.ExecContext(ctx, "DROP USER ?@?", uh[0], uh[1]); err != nil {
			return fmt.Errorf("drop user %q@%q: %w", uh[0], uh[1], err)
		}
	}
	hash := nativePasswordHash(m.Password)
	for _, host := range hosts {
		for _, stmt := range []string{
			"CREATE USER IF NOT EXISTS 'root'@? IDENTIFIED BY PASSWORD ?",
			"ALTER USER 'root'@? IDENTIFIED BY PASSWORD ?",
		} {
			if _, err := db.ExecContext(ctx, stmt, host, hash); err != nil {
				return fmt.Errorf("set password of root@%s: %w", host, err)
			}
		}
		if _, err := db.ExecContext(ctx, "GRANT ALL PRIVILEGES ON *.* TO 'root'@? WITH GRANT OPTION", host); err != nil {
			return fmt.Errorf("grant root@%s: %w", host, err)
		}
		// read_only binds root too on a replica, as it binds the master user
		// of an RDS read replica: a change meant for the primary fails there.
		if m.replica == nil {
			continue
		}
		if _, err := db.ExecContext(ctx, "REVOKE READ_ONLY ADMIN ON *.* FROM 'root'@?", host); err != nil {
			return fmt.Errorf("revoke READ_ONLY ADMIN from root@%s: %w", host, err)
		}
	}
	if _, err := db.ExecContext(ctx, "FLUSH PRIVILEGES"); err != nil {
		return fmt.Errorf("flush privileges: %w", err)
	}
	return nil
}

// randomServerID returns a server_id for a new server: replication needs the
// primary's and each replica's to differ.
func randomServerID() (uint32, error) {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		return 0, fmt.Errorf("testdb: generate server_id: %w", err)
	}
	return binary.BigEndian.Uint32(b)%(1<<31-2) + 2, nil
}
