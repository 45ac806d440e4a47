package mysql

import (
	"context"
	"crypto/tls"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/paramsecrets/paramsecrets/rotators/dbtls"
	"github.com/paramsecrets/paramsecrets/rotators/rotation"
)

// dialTimeout is AWS's connect_timeout=5: a database that does not answer fails the step
// quickly, and Secrets Manager retries it.
const dialTimeout = 5 * time.Second

// ioTimeout bounds each read and write once connected, so a stuck server cannot hold the
// function until Lambda kills it.
const ioTimeout = 30 * time.Second

// loginAttempts is how often open dials when the driver fails a login with "malformed
// packet". go-sql-driver/mysql (v1.10.1, the newest release) strips one trailing zero
// byte from the data of every auth switch request (readAuthResult in its packets.go):
// right for the NUL-terminated scrambles of mysql_native_password and
// caching_sha2_password, wrong for MariaDB's client_ed25519, whose 32-byte nonce is raw
// random bytes. When the nonce ends in 0, 1 login in 256, the driver holds 31 bytes and
// gives up with ErrMalformPkt. A new connection gets a new nonce, so four attempts leave
// one login in 4 billion failing; a server that does send malformed packets still fails,
// after three more quick dials.
const loginAttempts = 4

// session is one logged-in connection and the flavour of the server behind it.
type session struct {
	db     *sql.DB
	conn   *sql.Conn
	flavor Flavor
}

func (s *session) close() {
	s.conn.Close()
	s.db.Close()
}

// login connects as sec per its "ssl" key (dbtls) and reads the server's flavour. With
// the key absent it tries verified TLS first and falls back to plain text, with a
// warning, when TLS cannot be set up, as AWS's templates do; a server that answered
// over TLS and refused the login is not asked again in plain text.
func (d *DB) login(ctx context.Context, sec rotation.Secret) (*session, error) {
	port := sec.Port
	if port == 0 {
		port = DefaultPort
	}
	t := dbtls.Target{Host: sec.Host, Port: port, Mode: sec.SSL, Roots: d.cfg.Roots, Log: d.cfg.Log, Refused: serverAnswered}
	s, err := dbtls.Connect(ctx, t, func(ctx context.Context, tc *tls.Config) (*session, error) {
		return d.open(ctx, sec, tc)
	})
	if err != nil {
		return nil, fmt.Errorf("log in as %q (ssl %s): %w", sec.Username, sec.SSL, err)
	}
	var version string
	if err := s.conn.QueryRowContext(ctx, "SELECT VERSION()").Scan(&version); err != nil {
		s.close()
		return nil, fmt.Errorf("read the server version as %q: %w", sec.Username, scrub(err, sec.Password))
	}
	if s.flavor, err = ParseVersion(version); err == nil {
		err = s.flavor.Supported()
	}
	if err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// serverAnswered reports an error the server sent (a refused login, say): it would send
// it over plain text too.
func serverAnswered(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me)
}

// open makes one connection, over TLS with tc or in plain text when tc is nil. The
// driver's Config is built field by field (no DSN string), so a password holding '@',
// '/' or '?' needs no escaping, and TLS goes in its TLS field rather than the driver's
// global registry.
func (d *DB) open(ctx context.Context, sec rotation.Secret, tc *tls.Config) (*session, error) {
	port := sec.Port
	if port == 0 {
		port = DefaultPort
	}
	cfg := mysql.NewConfig()
	cfg.Net = "tcp"
	cfg.Addr = net.JoinHostPort(sec.Host, strconv.Itoa(port))
	cfg.User = sec.Username
	cfg.Passwd = sec.Password
	cfg.DBName = sec.DBName
	cfg.Timeout = dialTimeout
	cfg.ReadTimeout = ioTimeout
	cfg.WriteTimeout = ioTimeout
	// Client-side interpolation is how account statements get their string literals:
	// ALTER USER and CREATE USER take no placeholders in a prepared statement. The
	// driver escapes per the session's NO_BACKSLASH_ESCAPES flag, and the collation is
	// pinned to one it allows (it refuses multi-byte sets where escaping is unsafe).
	cfg.InterpolateParams = true
	cfg.Collation = "utf8mb4_general_ci"
	// SHOW GRANTS must quote every identifier for the grant parser.
	cfg.Params = map[string]string{"sql_quote_show_create": "1"}
	cfg.TLS = tc
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("configure the driver: %w", scrub(err, sec.Password))
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(1)
	var conn *sql.Conn
	for range loginAttempts {
		if conn, err = dial(ctx, db); !errors.Is(err, mysql.ErrMalformPkt) {
			break
		}
	}
	if err != nil {
		db.Close()
		return nil, scrub(err, sec.Password)
	}
	return &session{db: db, conn: conn, flavor: Flavor{}}, nil
}

// dial opens one connection of db and pings it, within dialTimeout.
func dial(ctx context.Context, db *sql.DB) (*sql.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	if err := conn.PingContext(ctx); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// scrub removes every non-empty secret from err's text. Server errors keep their number
// and SQLSTATE (so errors.As still finds a *mysql.MySQLError), but a syntax error quotes
// the statement near the fault, which may hold a password or its hash.
func scrub(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	clean := func(s string) string {
		for _, sec := range secrets {
			if sec != "" {
				s = strings.ReplaceAll(s, sec, "[redacted]")
			}
		}
		return s
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return &mysql.MySQLError{Number: me.Number, SQLState: me.SQLState, Message: clean(me.Message)}
	}
	if msg := clean(err.Error()); msg != err.Error() {
		return errors.New(msg)
	}
	return err
}
