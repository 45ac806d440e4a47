package sandbox

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/paramsecrets/paramsecrets/internal/testdb"
	"github.com/paramsecrets/paramsecrets/localaws"
)

// Databases are the throwaway servers the demo secrets point at.
type Databases struct {
	Postgres *testdb.Postgres
	MariaDB  *testdb.MariaDB
}

// StartDatabases starts PostgreSQL and MariaDB (password authentication
// enforced, see internal/testdb) and creates Database in each. ctx bounds
// start-up only.
func StartDatabases(ctx context.Context) (*Databases, error) { return StartDatabasesWith(ctx, false) }

// StartDatabasesWith is StartDatabases, with TLS on both servers when tls is
// set (each with its own CA: testdb's CAFile).
func StartDatabasesWith(ctx context.Context, tls bool) (_ *Databases, err error) {
	d := &Databases{}
	defer func() {
		if err != nil {
			_ = d.Close()
		}
	}()
	if d.Postgres, err = testdb.StartPostgres(ctx, testdb.PostgresOptions{TLS: tls}); err != nil {
		return nil, fmt.Errorf("start postgresql: %w", err)
	}
	if d.MariaDB, err = testdb.StartMariaDB(ctx, testdb.MariaDBOptions{TLS: tls}); err != nil {
		return nil, fmt.Errorf("start mariadb: %w", err)
	}
	if err := d.Postgres.CreateDatabase(ctx, Database); err != nil {
		return nil, fmt.Errorf("postgresql: create database %s: %w", Database, err)
	}
	if err := d.MariaDB.CreateDatabase(ctx, Database); err != nil {
		return nil, fmt.Errorf("mariadb: create database %s: %w", Database, err)
	}
	return d, nil
}

// Close stops both servers and removes their files.
func (d *Databases) Close() error {
	var errs []error
	if d.Postgres != nil {
		errs = append(errs, d.Postgres.Close())
	}
	errs = append(errs, d.MariaDB.Close()) // nil-safe
	return errors.Join(errs...)
}

// Username is the database user the demo secret of r starts with, for a
// seed made with prefix.
func Username(prefix string, r Rotator) string { return prefix + r.BaseUser }

// Seed creates, for every rotator, its database user with a random password
// and the demo secret naming it (rotation enabled, pointing at the
// rotator's FunctionARN); the two master secrets; ParameterName; and the RDS
// chapter (rdsSeed): the PostgreSQL server declared as an RDS instance, its
// RDS-managed master secret and RDSSecretName. prefix
// keeps users apart when several seeds share the databases ("" for the demo:
// users app and reporter). Passwords exist only in the databases and in
// localaws.
func Seed(ctx context.Context, d *Databases, c *Cloud, prefix string) error {
	return SeedWith(ctx, d, c, SeedOptions{Prefix: prefix})
}

// SeedOptions vary SeedWith.
type SeedOptions struct {
	// Prefix keeps users apart, as for Seed.
	Prefix string
	// Postgres and MariaDB, when set, are the host:port the secrets name
	// instead of the servers' own: a proxy in front of them, say.
	Postgres, MariaDB string
	// SSL, when set, is written as every secret's "ssl" key (true: TLS
	// required).
	SSL *bool
}

// SeedWith is Seed with options.
func SeedWith(ctx context.Context, d *Databases, c *Cloud, o SeedOptions) error {
	pgHost, pgPort, err := endpoint(o.Postgres, d.Postgres.Host, d.Postgres.Port)
	if err != nil {
		return err
	}
	myHost, myPort, err := endpoint(o.MariaDB, d.MariaDB.Host, d.MariaDB.Port)
	if err != nil {
		return err
	}
	secretJSON := func(engine, host string, port int, user, password, dbname, masterARN string) *string {
		return secretValue(engine, host, port, user, password, dbname, masterARN, o.SSL)
	}
	prefix := o.Prefix
	sd := localaws.Seed{
		Secrets: []localaws.SeedSecret{
			{Name: MasterSecretName(EnginePostgres), Description: "PostgreSQL superuser (the RDS master user)",
				SecretString: secretJSON(EnginePostgres, pgHost, pgPort, d.Postgres.User, d.Postgres.Password, "postgres", "")},
			{Name: MasterSecretName(EngineMySQL), Description: "MariaDB root (the RDS master user)",
				SecretString: secretJSON("mariadb", myHost, myPort, d.MariaDB.User, d.MariaDB.Password, "", "")},
		},
		Parameters: []localaws.SeedParameter{{Name: ParameterName, Value: "127.0.0.1", Description: "database host"}},
	}
	for _, r := range Rotators() {
		user, password := Username(prefix, r), rand.Text()
		master := ""
		if r.Alternating {
			master = PartialSecretARN(MasterSecretName(r.Engine))
		}
		var value *string
		switch r.Engine {
		case EnginePostgres:
			if err := d.Postgres.CreateUser(ctx, user, password); err != nil {
				return fmt.Errorf("seed %s: postgresql user %s: %w", r.SecretName(), user, err)
			}
			value = secretJSON(EnginePostgres, pgHost, pgPort, user, password, Database, master)
		case EngineMySQL:
			if err := d.MariaDB.CreateUser(ctx, user, "%", password); err != nil {
				return fmt.Errorf("seed %s: mariadb user %s: %w", r.SecretName(), user, err)
			}
			// The grant is what an alternating-users rotation must copy to
			// the clone.
			if err := d.MariaDB.Exec(ctx, "", "GRANT SELECT, INSERT, UPDATE, DELETE ON "+Database+".* TO ?@'%'", user); err != nil {
				return fmt.Errorf("seed %s: grant %s: %w", r.SecretName(), user, err)
			}
			value = secretJSON("mariadb", myHost, myPort, user, password, Database, master)
		}
		sd.Secrets = append(sd.Secrets, localaws.SeedSecret{
			Name: r.SecretName(), SecretString: value, RotationLambdaARN: r.FunctionARN(),
			Description: "demo credentials rotated by " + r.Name,
		})
	}
	analyst, password := prefix+RDSBaseUser, rand.Text()
	if err := d.Postgres.CreateUser(ctx, analyst, password); err != nil {
		return fmt.Errorf("seed %s: postgresql user %s: %w", RDSSecretName, analyst, err)
	}
	rdsSeed(&sd, pgPort, d.Postgres.User, d.Postgres.Password, analyst, password, o.SSL)
	if err := c.Server.Seed(sd); err != nil {
		return fmt.Errorf("seed localaws: %w", err)
	}
	return nil
}

// endpoint splits addr, or returns the server's own host and port when it is
// empty.
func endpoint(addr, host string, port int) (string, int, error) {
	if addr == "" {
		return host, port, nil
	}
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("seed: endpoint %q: %w", addr, err)
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		return "", 0, fmt.Errorf("seed: endpoint %q: port: %w", addr, err)
	}
	return h, n, nil
}

// secretValue renders a database secret with AWS's keys; dbname and
// masterarn are left out when empty, as RDS leaves them out, and ssl when
// nil.
func secretValue(engine, host string, port int, user, password, dbname, masterARN string, ssl *bool) *string {
	v := map[string]any{"engine": engine, "host": host, "port": port, "username": user, "password": password}
	if dbname != "" {
		v["dbname"] = dbname
	}
	if masterARN != "" {
		v["masterarn"] = masterARN
	}
	if ssl != nil {
		v["ssl"] = *ssl
	}
	b, _ := json.Marshal(v) // a map of strings and ints always marshals
	s := string(b)
	return &s
}
