package testdb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"golang.org/x/sync/errgroup"
)

// Servers shared by the package's tests, started once in TestMain as the
// package doc recommends.
var (
	pgPlain *Postgres // ssl off, statements not logged
	pgTLS   *Postgres // hostssl only, log_statement = 'all'
	myPlain *MariaDB  // --skip-ssl, no general log
	myTLS   *MariaDB  // ssl-ca/cert/key, general log on

	// Servers standing for RDS hosts: their own loopback addresses and
	// certificates that name RDS-style endpoints.
	pgPrimary *Postgres // hostssl only, on 127.0.0.3 as pg1
	pgStandby *Postgres // its streaming standby, hostssl only, on 127.0.0.5 as pg1-replica
	myPrimary *MariaDB  // TLS, general log, binary log, on 127.0.0.4 as my1
	myReplica *MariaDB  // its replica, TLS, general log, on 127.0.0.6 as my1-replica
)

// RDS-style endpoint names of the servers above, and their addresses.
const (
	pgPrimaryName = "pg1.c9xyz.us-east-1.rds.amazonaws.com"
	pgPrimaryIP   = "127.0.0.3"
	myPrimaryName = "my1.c9xyz.us-east-1.rds.amazonaws.com"
	myPrimaryIP   = "127.0.0.4"
	pgStandbyName = "pg1-replica.c9xyz.us-east-1.rds.amazonaws.com"
	pgStandbyIP   = "127.0.0.5"
	myReplicaName = "my1-replica.c9xyz.us-east-1.rds.amazonaws.com"
	myReplicaIP   = "127.0.0.6"
)

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	if os.Getenv(orphanChildEnv) != "" {
		// The child process of TestCrashedTestLeavesNoServer starts its own.
		return m.Run()
	}
	ctx := context.Background()
	var g errgroup.Group
	g.Go(func() (err error) { pgPlain, err = StartPostgres(ctx, PostgresOptions{}); return err })
	g.Go(func() (err error) {
		pgTLS, err = StartPostgres(ctx, PostgresOptions{RequireTLS: true, LogStatements: true})
		return err
	})
	g.Go(func() (err error) { myPlain, err = StartMariaDB(ctx, MariaDBOptions{}); return err })
	g.Go(func() (err error) {
		myTLS, err = StartMariaDB(ctx, MariaDBOptions{TLS: true, GeneralLog: true})
		return err
	})
	g.Go(func() (err error) {
		pgPrimary, err = StartPostgres(ctx, PostgresOptions{RequireTLS: true, LogStatements: true,
			Listen: pgPrimaryIP, DNSNames: []string{pgPrimaryName}})
		if err != nil {
			return err
		}
		pgStandby, err = StartPostgresStandby(ctx, pgPrimary, PostgresOptions{RequireTLS: true, LogStatements: true,
			Listen: pgStandbyIP, DNSNames: []string{pgStandbyName}})
		return err
	})
	g.Go(func() (err error) {
		myPrimary, err = StartMariaDB(ctx, MariaDBOptions{TLS: true, GeneralLog: true, Primary: true,
			Listen: myPrimaryIP, DNSNames: []string{myPrimaryName}})
		if err != nil {
			return err
		}
		myReplica, err = StartMariaDBReplica(ctx, myPrimary, MariaDBOptions{TLS: true, GeneralLog: true,
			Listen: myReplicaIP, DNSNames: []string{myReplicaName}})
		return err
	})
	err := g.Wait()
	defer closeAll()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// closeAll stops the shared servers; Close on a nil server (a start that
// failed) is a no-op.
func closeAll() {
	err := errors.Join(pgPlain.Close(), pgTLS.Close(), myPlain.Close(), myTLS.Close(),
		pgStandby.Close(), pgPrimary.Close(), myReplica.Close(), myPrimary.Close())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
}

// logOnFailure prints a server's log tail if the test fails, the only time
// it is worth reading.
func logOnFailure(t *testing.T, name string, tail func(int) string) {
	t.Helper()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("--- %s log tail ---\n%s", name, tail(40))
		}
	})
}

// assertNoSecret fails if text contains secret.
func assertNoSecret(t *testing.T, what, text, secret string) {
	t.Helper()
	if secret != "" && strings.Contains(text, secret) {
		t.Errorf("%s contains a password", what)
	}
}
