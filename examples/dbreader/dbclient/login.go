package dbclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/paramsecrets/paramsecrets/rotators/dbtls"
)

// loginTimeout bounds each login attempt, so an unreachable database fails the
// attempt instead of using up the invoke's time.
const loginTimeout = 5 * time.Second

// loginAttempts is how often a MySQL login is tried when the driver fails it with
// "malformed packet". go-sql-driver/mysql (v1.10.1) strips one trailing zero byte from
// every auth switch request, which breaks MariaDB's ed25519 logins whose random nonce
// ends in 0: one in 256. A new connection gets a new nonce (the rotators do the same).
const loginAttempts = 4

// Session is one logged-in database connection. It is not safe for concurrent
// use, as a database connection is not.
type Session struct {
	// Engine, Host, Username and VersionID say which credential it logged in
	// with (never the password).
	Engine, Host, Username, VersionID string
	// ServerVersion is what the server reports; TLS whether the session is
	// encrypted, as the server sees it.
	ServerVersion string
	TLS           bool

	pg *pgx.Conn
	my *mysqlConn
}

// mysqlConn is one MySQL connection and the pool it was taken from. A *sql.Conn,
// not the pool: a pool would reconnect behind the caller's back, with whatever
// password it was opened with.
type mysqlConn struct {
	db   *sql.DB
	conn *sql.Conn
}

// Open logs in with s and asks the server its version and whether the session
// is encrypted.
//
// TLS follows the secret's "ssl" key exactly as the rotators read it
// (rotators/dbtls): absent, try verified TLS and fall back to plain text, with
// a warning in log; true, verified TLS or nothing; false, plain text.
// Certificates are verified against roots (nil: the system roots; see
// dbtls.RootsFromEnv for DB_CA_BUNDLE) and the secret's host name. Errors name
// the user, never the password.
func Open(ctx context.Context, s Secret, roots *x509.CertPool, log *slog.Logger) (*Session, error) {
	port, err := s.PortNumber()
	if err != nil {
		return nil, err
	}
	target := dbtls.Target{Host: s.Host, Port: port, Mode: dbtls.ParseMode(s.SSL), Roots: roots, Log: log}
	sess := &Session{Engine: s.Engine, Host: s.Host, Username: s.Username, VersionID: s.VersionID}
	switch s.Engine {
	case "postgres", "aurora-postgresql":
		err = sess.openPostgres(ctx, s, target)
	case "mysql", "aurora-mysql", "mariadb":
		err = sess.openMySQL(ctx, s, target)
	default:
		err = fmt.Errorf("unsupported engine %q", s.Engine)
	}
	if err != nil {
		return nil, fmt.Errorf("log in as %s: %w", s.Username, err)
	}
	return sess, nil
}

func (sess *Session) openPostgres(ctx context.Context, s Secret, target dbtls.Target) error {
	// A wrong password is wrong over plain text too: do not send it again unencrypted.
	target.Refused = func(err error) bool {
		var pgErr *pgconn.PgError
		return errors.As(err, &pgErr) && pgErr.Code == "28P01"
	}
	conn, err := dbtls.Connect(ctx, target, func(ctx context.Context, tc *tls.Config) (*pgx.Conn, error) {
		// Fields, not a DSN string, so a password with @ or / needs no escaping.
		cfg, err := pgx.ParseConfig("")
		if err != nil {
			return nil, err
		}
		cfg.Host, cfg.Port, cfg.Database = target.Host, uint16(target.Port), s.DBName
		if cfg.Database == "" {
			cfg.Database = "postgres"
		}
		cfg.User, cfg.Password = s.Username, s.Password
		cfg.TLSConfig, cfg.Fallbacks = tc, nil
		cfg.ConnectTimeout = loginTimeout
		return pgx.ConnectConfig(ctx, cfg)
	})
	if err != nil {
		return err
	}
	err = conn.QueryRow(ctx, "SELECT current_setting('server_version'), ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").
		Scan(&sess.ServerVersion, &sess.TLS)
	if err != nil {
		conn.Close(context.Background())
		return err
	}
	sess.pg = conn
	return nil
}

func (sess *Session) openMySQL(ctx context.Context, s Secret, target dbtls.Target) error {
	// An error the server sent (access denied) would come back over plain text too.
	target.Refused = func(err error) bool {
		var myErr *mysql.MySQLError
		return errors.As(err, &myErr)
	}
	c, err := dbtls.Connect(ctx, target, func(ctx context.Context, tc *tls.Config) (*mysqlConn, error) {
		cfg := mysql.NewConfig()
		cfg.Net, cfg.Addr = "tcp", net.JoinHostPort(target.Host, strconv.Itoa(target.Port))
		cfg.User, cfg.Passwd, cfg.DBName = s.Username, s.Password, s.DBName
		cfg.TLS = tc
		cfg.Timeout = loginTimeout
		cfg.Logger = driverLog{target.Log}
		connector, err := mysql.NewConnector(cfg)
		if err != nil {
			return nil, err
		}
		db := sql.OpenDB(connector)
		var conn *sql.Conn
		for range loginAttempts {
			if conn, err = db.Conn(ctx); !errors.Is(err, mysql.ErrMalformPkt) {
				break
			}
		}
		if err != nil {
			db.Close()
			return nil, err
		}
		return &mysqlConn{db: db, conn: conn}, nil
	})
	if err != nil {
		return err
	}
	sess.my = c
	if err := c.conn.QueryRowContext(ctx, "SELECT VERSION()").Scan(&sess.ServerVersion); err != nil {
		sess.Close()
		return err
	}
	var name, cipher string
	if err := c.conn.QueryRowContext(ctx, "SHOW SESSION STATUS LIKE 'Ssl_cipher'").Scan(&name, &cipher); err != nil {
		sess.Close()
		return err
	}
	sess.TLS = cipher != ""
	return nil
}

// driverLog sends go-sql-driver/mysql's own messages (a broken pipe, say) to
// the function's logger instead of the driver's default, stderr.
type driverLog struct{ log *slog.Logger }

func (d driverLog) Print(v ...any) {
	log := d.log
	if log == nil {
		log = slog.Default()
	}
	log.Warn("mysql driver: " + strings.TrimSpace(fmt.Sprint(v...)))
}

// Ping runs a trivial query on the session: a round trip through the server,
// which fails once the server has dropped the connection.
func (sess *Session) Ping(ctx context.Context) error {
	var one int
	var err error
	if sess.pg != nil {
		err = sess.pg.QueryRow(ctx, "SELECT 1").Scan(&one)
	} else {
		err = sess.my.conn.QueryRowContext(ctx, "SELECT 1").Scan(&one)
	}
	if err != nil {
		return fmt.Errorf("query as %s: %w", sess.Username, err)
	}
	return nil
}

// Close ends the session.
func (sess *Session) Close() error {
	if sess.pg != nil {
		ctx, cancel := context.WithTimeout(context.Background(), loginTimeout)
		defer cancel()
		return sess.pg.Close(ctx)
	}
	if sess.my != nil {
		return errors.Join(sess.my.conn.Close(), sess.my.db.Close())
	}
	return nil
}
