package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
)

// login proves the credentials by logging in and asking the server's version.
func login(ctx context.Context, s dbSecret) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	port, err := s.port()
	if err != nil {
		return "", err
	}
	switch s.Engine {
	case "postgres", "aurora-postgresql":
		db := s.DBName
		if db == "" {
			db = "postgres"
		}
		// url.URL escapes the credentials, so a password with @ or / works;
		// sslmode=prefer matches the secret's "ssl" key being absent.
		u := url.URL{Scheme: "postgres", User: url.UserPassword(s.Username, s.Password),
			Host: net.JoinHostPort(s.Host, strconv.Itoa(port)), Path: "/" + db, RawQuery: "sslmode=prefer&connect_timeout=5"}
		cfg, err := pgx.ParseConfig(u.String())
		if err != nil {
			return "", fmt.Errorf("connection settings: %w", errors.New("invalid host, port or database"))
		}
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			return "", err
		}
		defer conn.Close(context.Background())
		var v string
		err = conn.QueryRow(ctx, "SHOW server_version").Scan(&v)
		return v, err
	case "mysql", "aurora-mysql", "mariadb":
		cfg := mysql.NewConfig()
		cfg.Net, cfg.Addr = "tcp", net.JoinHostPort(s.Host, strconv.Itoa(port))
		cfg.User, cfg.Passwd, cfg.DBName = s.Username, s.Password, s.DBName
		cfg.Timeout = 5 * time.Second
		connector, err := mysql.NewConnector(cfg)
		if err != nil {
			return "", err
		}
		db := sql.OpenDB(connector)
		defer db.Close()
		var v string
		err = db.QueryRowContext(ctx, "SELECT VERSION()").Scan(&v)
		return v, err
	default:
		return "", fmt.Errorf("unsupported engine %q", s.Engine)
	}
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
