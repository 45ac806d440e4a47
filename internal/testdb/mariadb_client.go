package testdb

import (
	"context"
	"crypto/tls"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/go-sql-driver/mysql"
)

// openMySQL opens a pool for cfg without going through a DSN string.
func openMySQL(cfg *mysql.Config) (*sql.DB, error) {
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(conn), nil
}

// Config returns the driver configuration for root and dbname over TCP,
// with TLS verified against CAFile when the server has TLS.
func (m *MariaDB) Config(dbname string) *mysql.Config {
	return m.UserConfig(m.User, m.Password, dbname)
}

// UserConfig is Config for another user.
func (m *MariaDB) UserConfig(user, password, dbname string) *mysql.Config {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd = user, password
	cfg.Net, cfg.Addr = "tcp", net.JoinHostPort(m.Host, strconv.Itoa(m.Port))
	cfg.DBName = dbname
	cfg.TLSConfig = m.TLSName
	return cfg
}

// DSN returns a go-sql-driver/mysql DSN for root and dbname ("" for none).
// TLS servers get tls=<TLSName>, which verifies the certificate against
// CAFile and the name 127.0.0.1.
func (m *MariaDB) DSN(dbname string) string { return m.Config(dbname).FormatDSN() }

// UserDSN is DSN for another user, e.g. to prove a rotated password logs in
// and the old one does not.
func (m *MariaDB) UserDSN(user, password, dbname string) string {
	return m.UserConfig(user, password, dbname).FormatDSN()
}

// TLSConfig returns a client TLS configuration that verifies the server
// against CAFile and the name "127.0.0.1"; nil when the server has no TLS.
func (m *MariaDB) TLSConfig() *tls.Config {
	if m.certs == nil {
		return nil
	}
	return m.certs.clientTLS(m.Host)
}

// Connect opens a connection pool to dbname as root. Placeholders are
// interpolated client-side, so they also work in statements MariaDB cannot
// prepare (CREATE USER ?@?).
func (m *MariaDB) Connect(dbname string) (*sql.DB, error) {
	cfg := m.Config(dbname)
	cfg.TLSConfig, cfg.TLS = "", m.TLSConfig()
	cfg.InterpolateParams = true
	db, err := openMySQL(cfg)
	if err != nil {
		return nil, fmt.Errorf("testdb: connect to mariadb database %q: %w", dbname, err)
	}
	return db, nil
}

// Exec runs one statement in dbname ("" for none) as root; see Connect for
// how placeholders work.
func (m *MariaDB) Exec(ctx context.Context, dbname, query string, args ...any) error {
	db, err := m.Connect(dbname)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, query, args...); err != nil {
		return fmt.Errorf("testdb: mariadb exec in %q: %w", dbname, err)
	}
	return nil
}

// CreateDatabase creates database name.
func (m *MariaDB) CreateDatabase(ctx context.Context, name string) error {
	return m.Exec(ctx, "", "CREATE DATABASE "+quoteMySQLIdent(name))
}

// CreateUser creates name@host with password (mysql_native_password). The
// server receives the password hash, so the general log does not contain
// the password.
func (m *MariaDB) CreateUser(ctx context.Context, name, host, password string) error {
	return m.Exec(ctx, "", "CREATE USER ?@? IDENTIFIED BY PASSWORD ?", name, host, nativePasswordHash(password))
}

// quoteMySQLIdent quotes an identifier with backticks.
func quoteMySQLIdent(s string) string {
	return "`" + strings.ReplaceAll(s, "`", "``") + "`"
}

// ErrorLog returns the server's error log (its stderr).
func (m *MariaDB) ErrorLog() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.errorLog()
}

func (m *MariaDB) errorLog() string {
	if m.srv == nil {
		return ""
	}
	return m.srv.log()
}

// GeneralLog returns the general query log; "" unless GeneralLog was set.
func (m *MariaDB) GeneralLog() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.queryLog()
}

func (m *MariaDB) queryLog() string {
	if m.generalLog == "" || m.srv == nil {
		return ""
	}
	b, _ := os.ReadFile(m.generalLog)
	return string(b)
}

// Log returns the error log followed by the general query log (when on), so
// a search for a leaked password covers both. After Close it returns the
// log as it was then.
func (m *MariaDB) Log() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.log()
}

func (m *MariaDB) log() string {
	if m.srv == nil {
		return m.finalLog
	}
	l := m.errorLog()
	if m.generalLog != "" {
		l += "\n--- general query log ---\n" + m.queryLog()
	}
	return l
}

// LogTail returns the last n lines of Log.
func (m *MariaDB) LogTail(n int) string { return tailLines(m.Log(), n) }

// Close kills the server's process group (the data is thrown away, so a
// clean InnoDB shutdown would only cost time), forgets its TLS registration
// and removes its temp dir. Safe to call more than once, and on a nil
// *MariaDB.
func (m *MariaDB) Close() error {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var errs []error
	if m.srv != nil {
		errs = append(errs, m.srv.stop(syscall.SIGKILL))
		m.finalLog = m.log()
		m.srv = nil
	}
	if m.TLSName != "" {
		mysql.DeregisterTLSConfig(m.TLSName)
	}
	if m.root != "" {
		if err := os.RemoveAll(m.root); err != nil {
			errs = append(errs, fmt.Errorf("testdb: remove %s: %w", m.root, err))
		}
		m.root = ""
	}
	if m.replica != nil && !m.replica.dropped {
		errs = append(errs, m.replica.dropUser())
		m.replica.dropped = true
	}
	return errors.Join(errs...)
}

// String describes the server without its password.
func (m *MariaDB) String() string {
	return fmt.Sprintf("mariadb at %s:%d (user %s, tls %t)", m.Host, m.Port, m.User, m.CAFile != "")
}
