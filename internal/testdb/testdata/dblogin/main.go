// Command dblogin is a Lambda function for the testdb tests: it logs in to a
// database by host name with TLS verify-full against a given CA, as a
// rotator does, and answers with the address the server saw it connect to.
// Run under lambdatest with Options.Hosts, it proves that an RDS-style name
// resolves inside the function and matches the server's certificate.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"errors"
	"net"
	"net/url"
	"os"
	"strconv"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
)

type event struct {
	Engine   string `json:"engine"` // "postgres" or "mysql"
	Host     string `json:"host"`
	Port     int    `json:"port"`
	User     string `json:"user"`
	Password string `json:"password"`
	CAFile   string `json:"caFile"`
}

type response struct {
	// ServerAddr is the address the server listens on, as it reports it.
	ServerAddr string `json:"serverAddr"`
}

func handle(ctx context.Context, ev event) (response, error) {
	switch ev.Engine {
	case "postgres":
		q := url.Values{"sslmode": {"verify-full"}, "sslrootcert": {ev.CAFile}}
		u := url.URL{Scheme: "postgres", User: url.UserPassword(ev.User, ev.Password),
			Host: net.JoinHostPort(ev.Host, strconv.Itoa(ev.Port)), Path: "/postgres", RawQuery: q.Encode()}
		c, err := pgx.Connect(ctx, u.String())
		if err != nil {
			return response{}, err
		}
		defer c.Close(ctx)
		var addr string
		err = c.QueryRow(ctx, "SELECT host(inet_server_addr())").Scan(&addr)
		return response{ServerAddr: addr}, err
	case "mysql":
		pem, err := os.ReadFile(ev.CAFile)
		if err != nil {
			return response{}, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return response{}, errors.New("no certificate in the CA file")
		}
		cfg := mysql.NewConfig()
		cfg.User, cfg.Passwd = ev.User, ev.Password
		cfg.Net, cfg.Addr = "tcp", net.JoinHostPort(ev.Host, strconv.Itoa(ev.Port))
		cfg.TLS = &tls.Config{RootCAs: pool, ServerName: ev.Host, MinVersion: tls.VersionTLS12}
		conn, err := mysql.NewConnector(cfg)
		if err != nil {
			return response{}, err
		}
		db := sql.OpenDB(conn)
		defer db.Close()
		var addr string
		err = db.QueryRowContext(ctx, "SELECT @@bind_address").Scan(&addr)
		return response{ServerAddr: addr}, err
	}
	return response{}, errors.New("unknown engine " + ev.Engine)
}

func main() { lambda.Start(handle) }
