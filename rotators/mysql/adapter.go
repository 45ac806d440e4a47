package mysql

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/go-sql-driver/mysql"

	"github.com/paramsecrets/paramsecrets/rotators/dbtls"
	"github.com/paramsecrets/paramsecrets/rotators/rotation"
)

// The environment variables the adapter reads (AWS's names where AWS has one).
const (
	// EnvUsernameLimit bounds the clone's username, as in AWS's MultiUser template.
	EnvUsernameLimit = "USERNAME_CHARACTER_LIMIT"
	// EnvCABundle names a PEM file of extra CA certificates trusted for TLS to the
	// database, on top of the system roots (for RDS: the global-bundle.pem).
	EnvCABundle = dbtls.EnvCABundle
)

// DefaultUsernameLimit is MySQL's user name length (32 since 5.7.8).
const DefaultUsernameLimit = 32

// DefaultPort is MySQL's and MariaDB's.
const DefaultPort = 3306

// Config is what the adapter needs beyond each secret: how long a clone's name may be
// and which CAs to trust.
type Config struct {
	UsernameLimit int            // MaxUsernameLength; DefaultUsernameLimit when 0
	Roots         *x509.CertPool // verify-full roots; the system pool when nil
	// Log gets the warning when a login falls back to plain text; nil is slog.Default().
	Log *slog.Logger
}

// ConfigFromEnv reads USERNAME_CHARACTER_LIMIT and DB_CA_BUNDLE. A bad value is an
// error naming the variable, never a silent default.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{UsernameLimit: DefaultUsernameLimit}
	if v := getenv(EnvUsernameLimit); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return Config{}, fmt.Errorf("%s=%q: want a positive number", EnvUsernameLimit, v)
		}
		c.UsernameLimit = n
	}
	roots, err := dbtls.RootsFromEnv(getenv)
	if err != nil {
		return Config{}, err
	}
	c.Roots = roots
	return c, nil
}

// DB implements rotation.Database for MySQL and MariaDB. It holds configuration only:
// every method opens its own connection and closes it before returning.
type DB struct {
	cfg Config
}

var _ rotation.Database = (*DB)(nil)

// New returns the adapter.
func New(cfg Config) *DB {
	if cfg.UsernameLimit == 0 {
		cfg.UsernameLimit = DefaultUsernameLimit
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	return &DB{cfg: cfg}
}

// Engines are the "engine" values of AWS's MySQL secrets, plus MariaDB's.
func (d *DB) Engines() []string { return []string{"mysql", "aurora-mysql", "mariadb"} }

// DefaultPort is 3306.
func (d *DB) DefaultPort() int { return DefaultPort }

// MaxUsernameLength is USERNAME_CHARACTER_LIMIT (32 by default).
func (d *DB) MaxUsernameLength() int { return d.cfg.UsernameLimit }

// Ping logs in as s and runs SELECT 1.
func (d *DB) Ping(ctx context.Context, s rotation.Secret) error {
	c, err := d.login(ctx, s)
	if err != nil {
		return err
	}
	defer c.close()
	var one int
	if err := c.conn.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("run SELECT 1 as %q: %w", s.Username, scrub(err, s.Password))
	}
	return nil
}

// LoginRefused reports the server refusing a login: ER_ACCESS_DENIED_ERROR (1045, a
// wrong password or an account it does not have) or ER_DBACCESS_DENIED_ERROR (1044, an
// account not yet granted the secret's database).
func (d *DB) LoginRefused(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && (me.Number == 1045 || me.Number == 1044)
}

// SetPassword logs in as login and changes that account's own password: the account the
// server matched at login (CURRENT_USER()), so a user that exists for several hosts
// changes only the entry it logs in through, as with AWS's template.
func (d *DB) SetPassword(ctx context.Context, login rotation.Secret, user, password string) error {
	if user != login.Username {
		return fmt.Errorf("set the password of %q: only the logged-in user %q can be changed this way", user, login.Username)
	}
	c, err := d.login(ctx, login)
	if err != nil {
		return err
	}
	defer c.close()
	q, args := selfPasswordSQL(c.flavor, password, login.Password)
	if _, err := c.conn.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("change the password of %q on %s: %w", user, c.flavor, scrub(err, password, login.Password, nativeHash(password)))
	}
	return nil
}

// SyncClone logs in as master and brings the pair in step, then gives p.Pending's user
// its password. The pair is the user without "_clone" (the source of truth) and the one
// with it, whichever of the two is current: the engine passes the current user, which
// alternates, and copying from a clone would bring back grants an administrator
// revoked from the base user.
//
// Only the base user's host entries whose password the secret holds belong to the
// rotation (see ownedHosts): the clone mirrors those, and only those get the base
// user's new password. An entry such as x@localhost with a password of its own is
// neither copied nor changed.
//
// There is no transaction to roll back: CREATE USER, GRANT, REVOKE and ALTER USER
// commit implicitly on both flavours. Instead every step reads the server's state and
// converges on the base user's (run twice, it changes nothing), grants come before
// revokes, and the password is set last — on the entry the function logs in through
// last of all — so that a run stopped half-way is redone in full: the engine skips
// setSecret only once the pending credential logs in.
func (d *DB) SyncClone(ctx context.Context, master rotation.Secret, p rotation.Pair) error {
	src, dst, err := pair(p.Current.Username, p.Pending.Username)
	if err != nil {
		return err
	}
	// The master's own account is never rewritten or given a new password here: that
	// would leave the master secret unable to log in.
	if p.Pending.Username == master.Username || dst == master.Username {
		return fmt.Errorf("the master user %q is one of the pair %q/%q: refusing to change it", master.Username, src, dst)
	}
	// held is a credential of the base user that the secret holds: the current one, or
	// on the turn back to the base user the AWSPREVIOUS one the engine has proved.
	held := p.Current
	if held.Username != src {
		held = p.Previous
		if held.Username != src {
			return fmt.Errorf("setting the password of %q needs its credential from AWSPREVIOUS, to tell which of its host entries the secret holds", src)
		}
	}
	c, err := d.login(ctx, master)
	if err != nil {
		return err
	}
	defer c.close()
	owned, err := d.ownedHosts(ctx, c, held)
	if err != nil {
		return err
	}
	if dst == p.Pending.Username {
		if err := d.refuseForeignClone(ctx, c, src, dst, owned.hosts, p.Previous); err != nil {
			return err
		}
	}
	// A host entry the clone gains gets a password nobody holds, unless the clone is the
	// current user: clients hold its current password, and a throwaway one would lock
	// them out of the new entry until finishSecret (for good, should the rotation fail).
	newEntryPassword := throwawayPassword()
	if dst == p.Current.Username {
		newEntryPassword = p.Current.Password
	}
	if err := c.syncClone(ctx, src, dst, owned.hosts, newEntryPassword); err != nil {
		return fmt.Errorf("copy %q to %q on %s: %w", src, dst, c.flavor, scrub(err, p.Current.Password, nativeHash(p.Current.Password)))
	}
	if err := c.setAccountPasswords(ctx, p.Pending.Username, owned, p.Pending.Password); err != nil {
		return fmt.Errorf("set the password of %q on %s: %w", p.Pending.Username, c.flavor, err)
	}
	return nil
}

// pair names the source and the copy of an alternating pair from the current and
// pending usernames.
func pair(current, pending string) (src, dst string, err error) {
	switch {
	case pending == current+rotation.CloneSuffix:
		return current, pending, nil
	case current == pending+rotation.CloneSuffix:
		return pending, current, nil
	}
	return "", "", errors.New("the pending user is not the alternate of the current user")
}

// DefaultExcludeCharacters is EXCLUDE_CHARACTERS' default in AWS's MySQL templates.
const DefaultExcludeCharacters = `/@"'\`

// FromEnv is the adapter a rotation function's main builds (see rotation.Main):
// New with ConfigFromEnv.
func FromEnv(getenv func(string) string) (rotation.Database, error) {
	cfg, err := ConfigFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	return New(cfg), nil
}
