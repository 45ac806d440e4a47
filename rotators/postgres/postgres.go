// Package postgres is the PostgreSQL adapter of the rotation engine: it logs in with a
// secret (TLS as the secret's "ssl" key says), changes passwords by sending SCRAM-SHA-256
// verifiers computed here, and creates the alternating user's clone.
package postgres

import (
	"context"
	"crypto/x509"
	"fmt"
	"os"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/paramsecrets/paramsecrets/rotators/rotation"
)

// Environment variables beyond AWS's templates.
const (
	// EnvCABundle names a PEM file of extra CA certificates trusted for TLS (for example
	// the RDS bundle), on top of the system roots.
	EnvCABundle = "DB_CA_BUNDLE"
	// EnvCloneSetRole, when true, makes a newly created clone switch to the base user's
	// role at login (ALTER ROLE clone SET role = base), so the objects it creates belong
	// to the base user.
	EnvCloneSetRole = "CLONE_SET_ROLE"
)

// DefaultExcludeCharacters is the PostgreSQL templates' EXCLUDE_CHARACTERS default.
const DefaultExcludeCharacters = ":/@\"'\\"

// maxNameLen is NAMEDATALEN-1: PostgreSQL truncates longer identifiers.
const maxNameLen = 63

// Options configure the adapter.
type Options struct {
	// RootCAs verifies server certificates; nil means the system roots.
	RootCAs *x509.CertPool
	// CloneSetRole: see EnvCloneSetRole.
	CloneSetRole bool
}

// OptionsFromEnv reads DB_CA_BUNDLE and CLONE_SET_ROLE. An unreadable bundle or a bundle
// with no certificate is an error naming the variable: TLS that cannot verify would
// otherwise fail every rotation with a less obvious message.
func OptionsFromEnv(getenv func(string) string) (Options, error) {
	var o Options
	if path := getenv(EnvCABundle); path != "" {
		pem, err := os.ReadFile(path)
		if err != nil {
			return Options{}, fmt.Errorf("%s: %w", EnvCABundle, err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return Options{}, fmt.Errorf("%s: %s holds no PEM certificate", EnvCABundle, path)
		}
		o.RootCAs = pool
	}
	switch v := strings.ToLower(strings.TrimSpace(getenv(EnvCloneSetRole))); v {
	case "", "false", "0", "n", "no":
	case "true", "1", "y", "yes":
		o.CloneSetRole = true
	default:
		return Options{}, fmt.Errorf("%s: %q is not true or false", EnvCloneSetRole, v)
	}
	return o, nil
}

// DB implements rotation.Database for PostgreSQL and Aurora PostgreSQL. It holds no
// connection: every method logs in, works and closes.
type DB struct {
	roots        *x509.CertPool
	cloneSetRole bool
}

var _ rotation.Database = (*DB)(nil)

// New returns the adapter.
func New(o Options) *DB { return &DB{roots: o.RootCAs, cloneSetRole: o.CloneSetRole} }

// Engines are the templates' accepted engine values.
func (d *DB) Engines() []string { return []string{"postgres", "aurora-postgresql"} }

// DefaultPort is PostgreSQL's.
func (d *DB) DefaultPort() int { return 5432 }

// MaxUsernameLength is NAMEDATALEN-1.
func (d *DB) MaxUsernameLength() int { return maxNameLen }

func (d *DB) port(s rotation.Secret) int {
	if s.Port == 0 {
		return d.DefaultPort()
	}
	return s.Port
}

// Ping logs in as s and runs a trivial query.
func (d *DB) Ping(ctx context.Context, s rotation.Secret) error {
	conn, err := d.connect(ctx, s)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var one int
	if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("query as %q: %w", s.Username, scrub(err, s.Password))
	}
	return nil
}

// SetPassword logs in as login and sets user's password, sending only its SCRAM verifier.
func (d *DB) SetPassword(ctx context.Context, login rotation.Secret, user, password string) error {
	if err := checkName(user); err != nil {
		return err
	}
	lit, err := verifierLiteral(password)
	if err != nil {
		return err
	}
	conn, err := d.connect(ctx, login)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "ALTER ROLE "+pgx.Identifier{user}.Sanitize()+" WITH PASSWORD "+lit)
		return err
	})
	if err != nil {
		return fmt.Errorf("alter role %q: %w", user, scrub(err, login.Password, password, lit))
	}
	return nil
}

// SyncClone logs in as master and gives clone.Username the password clone.Password. A
// missing user is created with LOGIN and made a member of base.Username's role, so it has
// the base user's privileges (as AWS's template does). When the user is base's "_clone",
// the membership (and, with CLONE_SET_ROLE, the role switch) is restored if someone
// removed it, so a retried or later rotation repairs a half-made clone.
func (d *DB) SyncClone(ctx context.Context, master, base, clone rotation.Secret) error {
	for _, n := range []string{base.Username, clone.Username} {
		if err := checkName(n); err != nil {
			return err
		}
	}
	lit, err := verifierLiteral(clone.Password)
	if err != nil {
		return err
	}
	conn, err := d.connect(ctx, master)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		return d.syncClone(ctx, tx, base.Username, clone.Username, lit)
	})
	if err != nil {
		return scrub(err, master.Password, clone.Password, lit)
	}
	return nil
}

func (d *DB) syncClone(ctx context.Context, tx pgx.Tx, base, clone, lit string) error {
	baseID, cloneID := pgx.Identifier{base}.Sanitize(), pgx.Identifier{clone}.Sanitize()
	var exists bool
	if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", clone).Scan(&exists); err != nil {
		return fmt.Errorf("look up role %q: %w", clone, err)
	}
	isClone := clone == base+rotation.CloneSuffix
	if exists {
		// The clone gets LOGIN back too, in case someone disabled it; the base user's
		// attributes are left as its owner set them.
		attrs := " WITH PASSWORD "
		if isClone {
			attrs = " WITH LOGIN PASSWORD "
		}
		if _, err := tx.Exec(ctx, "ALTER ROLE "+cloneID+attrs+lit); err != nil {
			return fmt.Errorf("alter role %q: %w", clone, err)
		}
		if !isClone {
			return nil
		}
	} else if _, err := tx.Exec(ctx, "CREATE ROLE "+cloneID+" WITH LOGIN PASSWORD "+lit); err != nil {
		return fmt.Errorf("create role %q: %w", clone, err)
	}

	var member bool
	const isMember = `SELECT EXISTS (SELECT 1 FROM pg_auth_members m
		JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles u ON u.oid = m.member
		WHERE r.rolname = $1 AND u.rolname = $2)`
	if err := tx.QueryRow(ctx, isMember, base, clone).Scan(&member); err != nil {
		return fmt.Errorf("look up membership of %q in %q: %w", clone, base, err)
	}
	if !member {
		if _, err := tx.Exec(ctx, "GRANT "+baseID+" TO "+cloneID); err != nil {
			return fmt.Errorf("grant %q to %q: %w", base, clone, err)
		}
	}
	if d.cloneSetRole {
		// role is a setting like any other: at each login the clone becomes the base
		// user, so tables it creates are owned by the base user, not by the clone.
		if _, err := tx.Exec(ctx, "ALTER ROLE "+cloneID+" SET role TO "+baseID); err != nil {
			return fmt.Errorf("set role of %q to %q: %w", clone, base, err)
		}
	}
	return nil
}

// verifierLiteral hashes password and quotes the verifier for a PASSWORD clause.
func verifierLiteral(password string) (string, error) {
	v, err := scramVerifier(password)
	if err != nil {
		return "", err
	}
	return quoteVerifier(v)
}
