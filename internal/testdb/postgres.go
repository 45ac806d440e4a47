package testdb

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"

	"github.com/jackc/pgx/v5"
)

// PostgresOptions configures StartPostgres.
type PostgresOptions struct {
	// TLS turns on ssl with a fresh CA and server certificate; the CA is in
	// Postgres.CAFile. Without it the server runs with ssl = off.
	TLS bool
	// RequireTLS (implies TLS) makes pg_hba.conf accept TCP connections over
	// TLS only (hostssl), so a client that does not use TLS is refused.
	RequireTLS bool
	// LogStatements sets log_statement = 'all', so Log shows every statement.
	LogStatements bool
	// BinDir overrides where initdb and postgres are looked for. Empty means
	// the newest /usr/lib/postgresql/<version>/bin.
	BinDir string
	// Listen is the IPv4 loopback address the server listens on, e.g.
	// "127.0.0.3", so that several servers can stand for several hosts (a
	// primary and its standby under RDS-style names). Empty means 127.0.0.1.
	Listen string
	// DNSNames are extra names the TLS server certificate is valid for,
	// besides 127.0.0.1, ::1, localhost and Listen: a client verifying
	// verify-full against pg1.c9xyz.us-east-1.rds.amazonaws.com succeeds when
	// that name resolves to Listen (see lambdatest.Options.Hosts).
	DNSNames []string
}

// Postgres is a running throwaway PostgreSQL server. Every TCP connection
// must authenticate with SCRAM-SHA-256.
type Postgres struct {
	Host     string // the listen address, PostgresOptions.Listen or "127.0.0.1"
	Port     int
	User     string // the superuser, "postgres"
	Password string // the superuser's password, random per server
	CAFile   string // PEM of the CA that signed the server certificate; "" when not TLS
	Version  string // major version directory the binaries came from, e.g. "15"; "" with BinDir

	certs   *certFiles
	command func() *exec.Cmd // the postgres command line for Port, built at start
	binDir  string           // where initdb, postgres and pg_basebackup are
	standby *standbyOf       // nil for a primary

	mu   sync.Mutex // guards the fields below, so Log may race with Close
	root string     // temp dir holding data, socket, certificates and log
	srv  *server
	// finalLog keeps the server log after Close removed the temp dir.
	finalLog string
}

// pgRoot is where Debian installs one directory per PostgreSQL major version.
const pgRoot = "/usr/lib/postgresql"

// pgBinDir returns the bin directory of the newest installed PostgreSQL.
func pgBinDir() (dir, version string, err error) {
	entries, _ := os.ReadDir(pgRoot)
	best := -1
	for _, e := range entries {
		v, err := strconv.Atoi(e.Name())
		if err != nil || v <= best {
			continue
		}
		if _, err := os.Stat(filepath.Join(pgRoot, e.Name(), "bin", "postgres")); err == nil {
			best, version = v, e.Name()
		}
	}
	if best < 0 {
		return "", "", &MissingBinaryError{Binary: "postgres", Where: pgRoot + "/*/bin", Package: "postgresql"}
	}
	return filepath.Join(pgRoot, version, "bin"), version, nil
}

// StartPostgres initialises a new cluster in a temp dir and starts postgres
// on a free port of opts.Listen (127.0.0.1 by default), with its unix socket
// in the temp dir. It never touches a system cluster. Call Close to stop it
// and remove its files.
func StartPostgres(ctx context.Context, opts PostgresOptions) (_ *Postgres, err error) {
	if opts.RequireTLS {
		opts.TLS = true
	}
	listen, err := listenAddress(opts.Listen, opts.DNSNames)
	if err != nil {
		return nil, err
	}
	binDir, version := opts.BinDir, ""
	if binDir == "" {
		if binDir, version, err = pgBinDir(); err != nil {
			return nil, err
		}
	}
	initdb, err := findBinary("initdb", "postgresql", binDir)
	if err != nil {
		return nil, err
	}
	postgres, err := findBinary("postgres", "postgresql", binDir)
	if err != nil {
		return nil, err
	}
	acct, err := serverAccount("postgres")
	if err != nil {
		return nil, err
	}
	password, err := randomSecret()
	if err != nil {
		return nil, err
	}
	root, err := makeRoot("testdb-pg-")
	if err != nil {
		return nil, err
	}
	pg := &Postgres{Host: listen, User: "postgres", Password: password, Version: version, root: root, binDir: binDir}
	// Every failure below returns nil and this cleans up what was made.
	defer func() {
		if err != nil {
			pg.Close()
		}
	}()

	data, run, err := pgDirs(root, acct)
	if err != nil {
		return nil, err
	}
	if err := pg.initdb(ctx, initdb, data, acct); err != nil {
		return nil, err
	}
	if err := pg.configureAndLaunch(ctx, postgres, data, run, opts, acct); err != nil {
		return nil, err
	}
	return pg, nil
}

// pgDirs creates the data dir and the socket dir in root, owned by acct.
func pgDirs(root string, acct *account) (data, run string, err error) {
	data, run = filepath.Join(root, "data"), filepath.Join(root, "run")
	if err := mkdirOwned(data, acct); err != nil {
		return "", "", err
	}
	if err := mkdirOwned(run, acct); err != nil {
		return "", "", err
	}
	return data, run, nil
}

// configureAndLaunch writes pg_hba.conf (over the primary's, in a standby's
// copy: the server's own options say whether it demands TLS) and the TLS
// variant's certificates, then starts the server.
func (pg *Postgres) configureAndLaunch(ctx context.Context, postgres, data, run string, opts PostgresOptions, acct *account) error {
	if err := writeOwned(filepath.Join(data, "pg_hba.conf"), []byte(pgHBA(opts.RequireTLS)), 0o600, acct); err != nil {
		return err
	}
	if opts.TLS {
		if err := pg.makeCerts(opts, acct); err != nil {
			return err
		}
	}
	return pg.launchFirst(ctx, postgres, data, run, opts, acct)
}

// makeCerts writes the TLS variant's CA and server certificate into the
// temp dir; a standby's is signed by its primary's CA, if it has one.
func (pg *Postgres) makeCerts(opts PostgresOptions, acct *account) error {
	var issuer *certFiles
	if pg.standby != nil {
		issuer = pg.standby.primary.certs
	}
	var err error
	if pg.certs, err = writeCerts(pg.root, pg.Host, opts.DNSNames, issuer); err != nil {
		return err
	}
	// postgres insists that its key is owned by itself (or root) and private.
	if err := acct.chown(pg.certs.Key); err != nil {
		return err
	}
	pg.CAFile = pg.certs.CA
	return nil
}

// launchFirst builds the postgres command line for data and starts it on a
// free port. A free port can be taken by another process before postgres
// binds it, so it tries a few ports before giving up.
func (pg *Postgres) launchFirst(ctx context.Context, postgres, data, run string, opts PostgresOptions, acct *account) error {
	pg.command = func() *exec.Cmd {
		cmd := exec.Command(postgres, append([]string{"-D", data}, pgSettings(pg.Host, pg.Port, run, pg.certs, opts)...)...)
		cmd.Dir = pg.root
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: acct.credential()}
		return cmd
	}
	for attempt := 1; ; attempt++ {
		var err error
		if pg.Port, err = freePort(pg.Host); err != nil {
			return err
		}
		err = pg.launch(ctx)
		if err == nil {
			return nil
		}
		if errors.Is(err, errPortTaken) && attempt < 3 {
			continue
		}
		return err
	}
}

// launch starts postgres on pg.Port and waits until it accepts connections.
// A port someone else holds is errPortTaken, with nothing left running.
func (pg *Postgres) launch(ctx context.Context) error {
	var err error
	if pg.srv, err = startServer("postgres", pg.command(), filepath.Join(pg.root, "postgres.log")); err != nil {
		return err
	}
	err = pg.srv.waitReady(ctx, func(ctx context.Context) error {
		c, err := pgx.Connect(ctx, pg.DSN("postgres"))
		if err != nil {
			return err
		}
		return c.Close(ctx)
	})
	if err == nil {
		return nil
	}
	if errors.Is(err, errExited) && addrInUse(pg.srv.log()) {
		_ = pg.srv.stop(syscall.SIGKILL) // reap whatever is left before retrying
		return errPortTaken
	}
	return pg.srv.failure("wait for server to accept connections", err)
}

// initdb creates the cluster with the superuser's password set from a file,
// so it never appears on a command line.
func (pg *Postgres) initdb(ctx context.Context, initdb, data string, acct *account) error {
	pwfile := filepath.Join(pg.root, "pwfile")
	if err := writeOwned(pwfile, []byte(pg.Password+"\n"), 0o600, acct); err != nil {
		return err
	}
	defer os.Remove(pwfile)
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, initdb,
		"-D", data, "-U", pg.User, "--pwfile", pwfile,
		"--auth=scram-sha-256", "--encoding=UTF8", "--locale=C", "--no-sync")
	cmd.Dir = pg.root
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: acct.credential()}
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	out, err := runTool(cmd)
	if err != nil {
		return fmt.Errorf("testdb: postgres: initdb: %w\n%s", err, logExcerpt("initdb output", string(out)))
	}
	return nil
}

// pgHBA demands SCRAM-SHA-256 from every connection, replication ones (a
// standby's) included; with requireTLS, TCP connections must also use TLS.
// All of 127/8 is accepted: a server may listen on 127.0.0.3, and which
// loopback source address a client gets is the kernel's choice.
func pgHBA(requireTLS bool) string {
	host := "host"
	if requireTLS {
		host = "hostssl"
	}
	return "# written by internal/testdb\n" +
		"local all all scram-sha-256\n" +
		host + " all all 127.0.0.0/8 scram-sha-256\n" +
		host + " all all ::1/128 scram-sha-256\n" +
		host + " replication all 127.0.0.0/8 scram-sha-256\n" +
		host + " replication all ::1/128 scram-sha-256\n"
}

// pgSettings are the postgres command-line settings. Durability is off (the
// data is thrown away) so start-up and tests are fast.
func pgSettings(listen string, port int, socketDir string, certs *certFiles, opts PostgresOptions) []string {
	set := map[string]string{
		"listen_addresses":           listen,
		"port":                       strconv.Itoa(port),
		"unix_socket_directories":    socketDir,
		"password_encryption":        "scram-sha-256",
		"ssl":                        "off",
		"logging_collector":          "off",
		"log_statement":              "none",
		"log_connections":            "on",
		"fsync":                      "off",
		"synchronous_commit":         "off",
		"full_page_writes":           "off",
		"shared_buffers":             "16MB",
		"max_connections":            "50",
		"dynamic_shared_memory_type": "mmap", // in the data dir, not /dev/shm: nothing leaks on a kill
		"hot_standby":                "on",   // a standby (StartPostgresStandby) answers queries
	}
	if certs != nil {
		set["ssl"] = "on"
		set["ssl_cert_file"] = certs.Cert
		set["ssl_key_file"] = certs.Key
	}
	if opts.LogStatements {
		set["log_statement"] = "all"
	}
	var args []string
	for k, v := range set {
		args = append(args, "-c", k+"="+v)
	}
	return args
}

// DSN returns a URL connection string for the superuser and dbname ("" means
// "postgres"). TLS servers get sslmode=verify-full against CAFile; others
// sslmode=disable.
func (pg *Postgres) DSN(dbname string) string { return pg.UserDSN(pg.User, pg.Password, dbname) }

// UserDSN is DSN for another user, e.g. to prove a rotated password logs in
// and the old one does not.
func (pg *Postgres) UserDSN(user, password, dbname string) string {
	if dbname == "" {
		dbname = "postgres"
	}
	q := url.Values{}
	if pg.CAFile != "" {
		q.Set("sslmode", "verify-full")
		q.Set("sslrootcert", pg.CAFile)
	} else {
		q.Set("sslmode", "disable")
	}
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(user, password),
		Host:     net.JoinHostPort(pg.Host, strconv.Itoa(pg.Port)),
		Path:     "/" + dbname,
		RawQuery: q.Encode(),
	}
	return u.String()
}

// TLSConfig returns a client TLS configuration that verifies the server
// against CAFile and the name "localhost"; nil when the server has no TLS.
// Set ServerName to one of PostgresOptions.DNSNames to check that name.
func (pg *Postgres) TLSConfig() *tls.Config {
	if pg.certs == nil {
		return nil
	}
	return pg.certs.clientTLS("localhost")
}

// Connect opens a connection to dbname as the superuser.
func (pg *Postgres) Connect(ctx context.Context, dbname string) (*pgx.Conn, error) {
	c, err := pgx.Connect(ctx, pg.DSN(dbname))
	if err != nil {
		return nil, fmt.Errorf("testdb: connect to postgres database %q: %w", dbname, err)
	}
	return c, nil
}

// Exec runs one statement in dbname as the superuser.
func (pg *Postgres) Exec(ctx context.Context, dbname, sql string, args ...any) error {
	c, err := pg.Connect(ctx, dbname)
	if err != nil {
		return err
	}
	defer c.Close(context.WithoutCancel(ctx))
	if _, err := c.Exec(ctx, sql, args...); err != nil {
		return fmt.Errorf("testdb: postgres exec in %q: %w", dbname, err)
	}
	return nil
}

// CreateDatabase creates database name.
func (pg *Postgres) CreateDatabase(ctx context.Context, name string) error {
	return pg.Exec(ctx, "postgres", "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
}

// CreateUser creates a LOGIN role with password. The server receives a SCRAM
// verifier, never the password, so the statement log does not contain it.
func (pg *Postgres) CreateUser(ctx context.Context, name, password string) error {
	v, err := scramVerifier(password)
	if err != nil {
		return err
	}
	return pg.Exec(ctx, "postgres", "CREATE ROLE "+pgx.Identifier{name}.Sanitize()+" LOGIN PASSWORD "+pgString(v))
}

// Log returns the server log so far (after Close, the log as it was then).
func (pg *Postgres) Log() string {
	pg.mu.Lock()
	defer pg.mu.Unlock()
	if pg.srv == nil {
		return pg.finalLog
	}
	return pg.srv.log()
}

// LogTail returns the last n lines of the server log.
func (pg *Postgres) LogTail(n int) string { return tailLines(pg.Log(), n) }

// Close stops the server (fast shutdown, then SIGKILL of its process group
// if needed) and removes its temp dir. Safe to call more than once, and
// on a nil *Postgres.
func (pg *Postgres) Close() error {
	if pg == nil {
		return nil
	}
	pg.mu.Lock()
	defer pg.mu.Unlock()
	var errs []error
	if pg.srv != nil {
		errs = append(errs, pg.srv.stop(syscall.SIGINT))
		pg.finalLog = pg.srv.log()
		pg.srv = nil
	}
	if pg.root != "" {
		if err := os.RemoveAll(pg.root); err != nil {
			errs = append(errs, fmt.Errorf("testdb: remove %s: %w", pg.root, err))
		}
		pg.root = ""
	}
	if pg.standby != nil && !pg.standby.dropped {
		errs = append(errs, pg.standby.dropRole())
		pg.standby.dropped = true
	}
	return errors.Join(errs...)
}

// running reports whether the server has been started and not closed.
func (pg *Postgres) running() bool {
	pg.mu.Lock()
	defer pg.mu.Unlock()
	return pg.srv != nil
}

// String describes the server without its password.
func (pg *Postgres) String() string {
	return fmt.Sprintf("postgres %s at %s:%d (user %s, tls %t)",
		pg.Version, pg.Host, pg.Port, pg.User, pg.CAFile != "")
}
