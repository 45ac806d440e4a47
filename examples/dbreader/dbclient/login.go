package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"encoding/json"
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

// loginTimeout bounds each login attempt, so an unreachable database fails the invoke
// instead of using up its time.
const loginTimeout = 5 * time.Second

// session is what a login shows: the server's version and whether the session is
// encrypted, as the server sees it.
type session struct {
	serverVersion string
	tls           bool
}

// login proves the credentials by logging in and asking the server's version.
//
// TLS follows the secret's "ssl" key exactly as the rotators read it (rotators/dbtls):
// absent, try verified TLS and fall back to plain text, with a warning in log; true,
// verified TLS or nothing; false, plain text. Certificates are verified against roots
// (the system roots plus DB_CA_BUNDLE) and the secret's host name.
func login(ctx context.Context, s dbSecret, roots *x509.CertPool, log *slog.Logger) (session, error) {
	port, err := s.port()
	if err != nil {
		return session{}, err
	}
	target := dbtls.Target{Host: s.Host, Port: port, Mode: dbtls.ParseMode(s.SSL), Roots: roots, Log: log}
	switch s.Engine {
	case "postgres", "aurora-postgresql":
		return loginPostgres(ctx, s, target)
	case "mysql", "aurora-mysql", "mariadb":
		return loginMySQL(ctx, s, target)
	default:
		return session{}, fmt.Errorf("unsupported engine %q", s.Engine)
	}
}

func loginPostgres(ctx context.Context, s dbSecret, target dbtls.Target) (session, error) {
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
		return session{}, err
	}
	defer conn.Close(context.Background())
	var out session
	err = conn.QueryRow(ctx, "SELECT current_setting('server_version'), ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").
		Scan(&out.serverVersion, &out.tls)
	return out, err
}

func loginMySQL(ctx context.Context, s dbSecret, target dbtls.Target) (session, error) {
	// An error the server sent (access denied) would come back over plain text too.
	target.Refused = func(err error) bool {
		var myErr *mysql.MySQLError
		return errors.As(err, &myErr)
	}
	db, err := dbtls.Connect(ctx, target, func(ctx context.Context, tc *tls.Config) (*sql.DB, error) {
		cfg := mysql.NewConfig()
		cfg.Net, cfg.Addr = "tcp", net.JoinHostPort(target.Host, strconv.Itoa(target.Port))
		cfg.User, cfg.Passwd, cfg.DBName = s.Username, s.Password, s.DBName
		cfg.TLS = tc
		cfg.Timeout = loginTimeout
		connector, err := mysql.NewConnector(cfg)
		if err != nil {
			return nil, err
		}
		db := sql.OpenDB(connector)
		db.SetMaxOpenConns(1) // one session, so the TLS status below is this login's
		if err := db.PingContext(ctx); err != nil {
			db.Close()
			return nil, err
		}
		return db, nil
	})
	if err != nil {
		return session{}, err
	}
	defer db.Close()
	var out session
	if err := db.QueryRowContext(ctx, "SELECT VERSION()").Scan(&out.serverVersion); err != nil {
		return session{}, err
	}
	var name, cipher string
	err = db.QueryRowContext(ctx, "SHOW SESSION STATUS LIKE 'Ssl_cipher'").Scan(&name, &cipher)
	out.tls = cipher != ""
	return out, err
}

// port reads "port" as a number or a string, with the engine's default.
func (s dbSecret) port() (int, error) {
	raw := strings.Trim(string(s.Port), `"`)
	if raw == "" || raw == "null" {
		if strings.Contains(s.Engine, "postgres") {
			return 5432, nil
		}
		return 3306, nil
	}
	var n json.Number = json.Number(raw)
	p, err := n.Int64()
	if err != nil || p < 1 || p > 65535 {
		return 0, fmt.Errorf("port %q is not a TCP port", raw)
	}
	return int(p), nil
}
