// Package postgres is the PostgreSQL adapter of the rotation engine: it logs in with a
// secret (TLS as the secret's "ssl" key says, through dbtls), changes passwords by sending SCRAM-SHA-256
// verifiers computed here, and creates the alternating user's clone.
package postgres

import (
	"context"
	"crypto/x509"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/paramsecrets/paramsecrets/rotators/dbtls"
	"github.com/paramsecrets/paramsecrets/rotators/rotation"
)

// Environment variables beyond AWS's templates.
const (
	// EnvCABundle names a PEM file of extra CA certificates trusted for TLS (for example
	// the RDS bundle), on top of the system roots.
	EnvCABundle = dbtls.EnvCABundle
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
	// Log gets the warning when a login falls back to plain text; nil is slog.Default().
	Log *slog.Logger
}

// OptionsFromEnv reads DB_CA_BUNDLE and CLONE_SET_ROLE. An unreadable bundle or a bundle
// with no certificate is an error naming the variable: TLS that cannot verify would
// otherwise fail every rotation with a less obvious message.
func OptionsFromEnv(getenv func(string) string) (Options, error) {
	var o Options
	roots, err := dbtls.RootsFromEnv(getenv)
	if err != nil {
		return Options{}, err
	}
	o.RootCAs = roots
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
	log          *slog.Logger
}

var _ rotation.Database = (*DB)(nil)

// New returns the adapter.
func New(o Options) *DB {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return &DB{roots: o.RootCAs, cloneSetRole: o.CloneSetRole, log: o.Log}
}

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

// LoginRefused reports PostgreSQL's invalid_password (28P01), which it answers for a wrong
// password and, with password authentication, for a role it does not have.
func (d *DB) LoginRefused(err error) bool { return wrongPassword(err) }

// SetPassword logs in as login and sets user's password, sending only its SCRAM verifier.
func (d *DB) SetPassword(ctx context.Context, login rotation.Secret, user, password string) error {
	if err := checkName(user); err != nil {
		return err
	}
	lit, err := verifierLiteral(password)
	if err != nil {
		return err
	}
	conn, err := d.connectSCRAM(ctx, login)
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

// connectSCRAM logs in as s to a server that takes SCRAM-SHA-256 verifiers (see
// checkSCRAMServer): the connection every password change is made on.
func (d *DB) connectSCRAM(ctx context.Context, s rotation.Secret) (*pgx.Conn, error) {
	conn, err := d.connect(ctx, s)
	if err != nil {
		return nil, err
	}
	if err := checkSCRAMServer(conn.PgConn().ParameterStatus("server_version")); err != nil {
		conn.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	return conn, nil
}

// checkSCRAMServer refuses a server older than PostgreSQL 10. Those do not know SCRAM
// verifiers and would store the verifier text itself as the new password: the change
// would "succeed" and, in single-user rotation, leave no credential that logs in.
// Every server that old reports server_version at login; a proxy that reports nothing is
// taken to front a newer one.
func checkSCRAMServer(version string) error {
	if version == "" {
		return nil
	}
	// The leading digits: "9.6.24", "15.4 (Debian 15.4-1)", "16beta1", "17devel".
	digits := version
	if i := strings.IndexFunc(version, func(r rune) bool { return r < '0' || r > '9' }); i >= 0 {
		digits = version[:i]
	}
	n, err := strconv.Atoi(digits)
	if err != nil {
		return fmt.Errorf("cannot read the server version %q: refusing to send a SCRAM-SHA-256 verifier", version)
	}
	if n < 10 {
		return fmt.Errorf("PostgreSQL %s does not take SCRAM-SHA-256 verifiers (10 or later needed)", version)
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

// FromEnv is the adapter a rotation function's main builds (see rotation.Main):
// New with OptionsFromEnv.
func FromEnv(getenv func(string) string) (rotation.Database, error) {
	o, err := OptionsFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	return New(o), nil
}
