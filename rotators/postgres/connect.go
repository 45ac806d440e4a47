package postgres

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/paramsecrets/paramsecrets/rotators/dbtls"
	"github.com/paramsecrets/paramsecrets/rotators/rotation"
)

// connectTimeout bounds one login attempt, as the templates' connect_timeout=5 does, so an
// unreachable host fails the step instead of using up the Lambda's time.
const connectTimeout = 5 * time.Second

// defaultDBName is the templates' default when the secret has no dbname.
const defaultDBName = "postgres"

// connect logs in as s, with TLS as the secret's ssl key says (dbtls): required means
// TLS verified against the host name (verify-full); disabled means plain; preferred (no
// key) tries verified TLS and falls back to plain, with a warning, but not after a wrong
// password.
func (d *DB) connect(ctx context.Context, s rotation.Secret) (*pgx.Conn, error) {
	if err := checkName(s.Username); err != nil {
		return nil, err
	}
	t := dbtls.Target{Host: s.Host, Port: d.port(s), Mode: s.SSL, Roots: d.roots, Log: d.log, Refused: wrongPassword}
	return dbtls.Connect(ctx, t, func(ctx context.Context, tc *tls.Config) (*pgx.Conn, error) {
		return d.connectOnce(ctx, s, tc)
	})
}

// wrongPassword reports PostgreSQL's invalid_password (28P01): wrong over either
// transport, so not worth sending again in plain text.
func wrongPassword(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "28P01"
}

// connectOnce makes one login attempt, over TLS with tc or in plain text when tc is nil.
// The configuration is built field by field on top of pgx.ParseConfig(""), never from a
// formatted DSN, so any character in a password or a user name is passed as is.
func (d *DB) connectOnce(ctx context.Context, s rotation.Secret, tc *tls.Config) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig("")
	if err != nil {
		return nil, fmt.Errorf("connection defaults (check the PG* environment variables): %w", err)
	}
	cfg.Host = s.Host
	cfg.Port = uint16(d.port(s))
	cfg.User = s.Username
	cfg.Password = s.Password
	cfg.Database = s.DBName
	if cfg.Database == "" {
		cfg.Database = defaultDBName
	}
	cfg.ConnectTimeout = connectTimeout
	cfg.Fallbacks = nil
	cfg.TLSConfig = tc
	// Utility statements (ALTER ROLE) take no parameters, and a rotation runs each query
	// once, so prepared-statement caching would only add round trips.
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	cfg.RuntimeParams["application_name"] = "paramsecrets-rotator"

	ctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		mode := "plain text"
		if tc != nil {
			mode = "TLS (verify-full)"
		}
		return nil, fmt.Errorf("log in as %q to %s:%d over %s: %w", s.Username, s.Host, d.port(s), mode, scrub(err, s.Password))
	}
	return conn, nil
}

// checkName refuses names PostgreSQL would not take literally: a NUL byte cannot be in a
// name (pgx's Sanitize would drop it, naming another role), and a name over 63 bytes is
// silently truncated by the server, which would again act on another role.
func checkName(name string) error {
	switch {
	case name == "":
		return errors.New("empty user name")
	case strings.IndexByte(name, 0) >= 0:
		return fmt.Errorf("user name %q holds a NUL byte", name)
	case len(name) > maxNameLen:
		return fmt.Errorf("user name %q is %d bytes; PostgreSQL names hold at most %d", name, len(name), maxNameLen)
	}
	return nil
}

// scrubbedError keeps an error's kind for errors.As/Is while its text has secrets masked.
type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

// scrub masks any of secrets in err's text. Driver errors do not quote passwords today,
// but a message such as a connection string echo must never carry one into a log
// (HashiCorp Vault's database plugins sanitize every error the same way).
func scrub(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	masked := msg
	for _, s := range secrets {
		if s != "" {
			masked = strings.ReplaceAll(masked, s, "[redacted]")
		}
	}
	if masked == msg {
		return err
	}
	return &scrubbedError{msg: masked, err: err}
}
