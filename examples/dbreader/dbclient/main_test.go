package dbclient

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"golang.org/x/sync/errgroup"

	"github.com/paramsecrets/paramsecrets/internal/lambdatest"
	"github.com/paramsecrets/paramsecrets/internal/testdb"
)

// The servers the example logs in to: each engine with TLS and without; and
// the extension binary it reads through.
var (
	pgPlain, pgTLS  *testdb.Postgres
	myPlain, myTLS  *testdb.MariaDB
	extensionBinary string
)

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "dbclient-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	extensionBinary = filepath.Join(dir, "paramsecrets")
	var g errgroup.Group
	g.Go(func() error {
		return lambdatest.BuildBootstrap(ctx, "github.com/paramsecrets/paramsecrets/extension", extensionBinary)
	})
	g.Go(func() (err error) { pgPlain, err = testdb.StartPostgres(ctx, testdb.PostgresOptions{}); return err })
	g.Go(func() (err error) {
		pgTLS, err = testdb.StartPostgres(ctx, testdb.PostgresOptions{TLS: true})
		return err
	})
	g.Go(func() (err error) { myPlain, err = testdb.StartMariaDB(ctx, testdb.MariaDBOptions{}); return err })
	g.Go(func() (err error) {
		myTLS, err = testdb.StartMariaDB(ctx, testdb.MariaDBOptions{TLS: true})
		return err
	})
	err = g.Wait()
	for _, pg := range []*testdb.Postgres{pgPlain, pgTLS} {
		if pg != nil {
			defer pg.Close()
		}
	}
	for _, my := range []*testdb.MariaDB{myPlain, myTLS} {
		if my != nil {
			defer my.Close()
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// server is one test database as the example's secret names it.
type server struct {
	engine, host, caFile string
	port                 int
	createUser           func(ctx context.Context, name, password string) error
	// setPassword changes a user's password, as a rotation's setSecret does.
	setPassword func(ctx context.Context, name, password string) error
}

func servers() map[string]server {
	pg := func(p *testdb.Postgres) server {
		return server{"postgres", p.Host, p.CAFile, p.Port, p.CreateUser, func(ctx context.Context, name, password string) error {
			conn, err := p.Connect(ctx, "postgres")
			if err != nil {
				return err
			}
			defer conn.Close(context.Background())
			// The servers log no statements; a rotator would send a SCRAM verifier.
			_, err = conn.Exec(ctx, "ALTER ROLE "+pgx.Identifier{name}.Sanitize()+" PASSWORD "+pgQuote(password))
			return err
		}}
	}
	my := func(m *testdb.MariaDB) server {
		return server{"mariadb", m.Host, m.CAFile, m.Port, func(ctx context.Context, name, password string) error {
			return m.CreateUser(ctx, name, "127.0.0.1", password)
		}, func(ctx context.Context, name, password string) error {
			return m.Exec(ctx, "", "ALTER USER ?@'127.0.0.1' IDENTIFIED BY ?", name, password)
		}}
	}
	return map[string]server{"postgres plain": pg(pgPlain), "postgres tls": pg(pgTLS), "mariadb plain": my(myPlain), "mariadb tls": my(myTLS)}
}

// pgQuote is a PostgreSQL string literal.
func pgQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
