package mysql

import (
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// nativeHash is the mysql_native_password hash of pw: "*" and the upper-case hex of
// SHA1(SHA1(pw)), the form MariaDB stores and accepts in SET PASSWORD = '...' and
// IDENTIFIED BY PASSWORD '...'. Sending it instead of the password keeps the plain text
// out of MariaDB's general query log, which (unlike MySQL's) is not rewritten.
func nativeHash(pw string) string {
	first := sha1.Sum([]byte(pw))
	second := sha1.Sum(first[:])
	return "*" + strings.ToUpper(hex.EncodeToString(second[:]))
}

// selfPasswordSQL changes the logged-in account's own password. Both forms need no
// privilege beyond the login itself.
//
//   - MariaDB: SET PASSWORD = '<hash>'. ALTER USER CURRENT_USER() needs the CREATE USER
//     privilege there. An account on another plugin (ed25519, parsec) refuses the hash
//     (error 1372) rather than being silently switched to mysql_native_password.
//   - MySQL 8.0.13+: ALTER USER CURRENT_USER() IDENTIFIED BY '<pw>' REPLACE '<current>',
//     which also satisfies PASSWORD REQUIRE CURRENT (the server accepts REPLACE for
//     the account's own password whether or not it is required); MySQL writes the
//     statement to its general log with the passwords replaced.
//   - MySQL 5.7 to 8.0.12: the same without REPLACE.
func selfPasswordSQL(f Flavor, password, current string) (string, []any) {
	switch {
	case f.MariaDB:
		return "SET PASSWORD = ?", []any{nativeHash(password)}
	case f.AtLeast(8, 0, 13):
		return "ALTER USER CURRENT_USER() IDENTIFIED BY ? REPLACE ?", []any{password, current}
	default:
		return "ALTER USER CURRENT_USER() IDENTIFIED BY ?", []any{password}
	}
}

// accountPasswordSQL sets the password of user@host as the master.
func accountPasswordSQL(f Flavor, user, host, password string) (string, []any) {
	if f.MariaDB {
		return "ALTER USER ?@? IDENTIFIED BY PASSWORD ?", []any{user, host, nativeHash(password)}
	}
	return "ALTER USER ?@? IDENTIFIED BY ?", []any{user, host, password}
}

// pluginName is what an authentication plugin name may look like; anything else is not
// written into a statement.
var pluginName = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)

// createAccountSQL creates user@host with a password. On MySQL the account gets the
// base user's plugin (caching_sha2_password, mysql_native_password, ...), validated
// against pluginName because a plugin name is an identifier, not a literal. MariaDB
// accounts get mysql_native_password, the plugin the hash is for.
func createAccountSQL(f Flavor, user, host, password, plugin string) (string, []any, error) {
	if f.MariaDB {
		return "CREATE USER ?@? IDENTIFIED BY PASSWORD ?", []any{user, host, nativeHash(password)}, nil
	}
	if plugin == "" {
		return "CREATE USER ?@? IDENTIFIED BY ?", []any{user, host, password}, nil
	}
	if !pluginName.MatchString(plugin) {
		return "", nil, fmt.Errorf("authentication plugin %q: not a plugin name", plugin)
	}
	return "CREATE USER ?@? IDENTIFIED WITH " + plugin + " BY ?", []any{user, host, password}, nil
}

// throwawayPassword is the password a new clone is created with: random and never
// stored, so nobody can log in as the clone until its real password is set, last.
func throwawayPassword() string {
	return rand.Text() + "aA1!"
}

// setAccountPasswords gives user's entries at the owned hosts the password, the entry
// the function logs in through last: once that one takes the password, every other has
// it too, so a run cut short in between is not mistaken for a finished one.
func (s *session) setAccountPasswords(ctx context.Context, user string, owned ownedEntries, password string) error {
	hosts := slices.DeleteFunc(slices.Clone(owned.hosts), func(h string) bool { return h == owned.login })
	for _, h := range append(hosts, owned.login) {
		q, args := accountPasswordSQL(s.flavor, user, h, password)
		if _, err := s.conn.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("alter user %q@%q: %w", user, h, scrub(err, password, nativeHash(password)))
		}
	}
	return nil
}
