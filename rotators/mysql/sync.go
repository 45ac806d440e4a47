package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
)

// hosts lists the host entries of user in mysql.user, matched with "=" (never LIKE), so
// '%' and '_' in a name are plain characters. Roles (MariaDB) are left out.
func (s *session) hosts(ctx context.Context, user string) ([]string, error) {
	q := "SELECT Host FROM mysql.user WHERE User = ? ORDER BY Host"
	if s.flavor.MariaDB {
		q = "SELECT Host FROM mysql.user WHERE User = ? AND is_role = 'N' ORDER BY Host"
	}
	rows, err := s.conn.QueryContext(ctx, q, user)
	if err != nil {
		return nil, fmt.Errorf("read the hosts of %q from mysql.user: %w", user, err)
	}
	defer rows.Close()
	var hosts []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, fmt.Errorf("read the hosts of %q: %w", user, err)
		}
		hosts = append(hosts, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read the hosts of %q: %w", user, err)
	}
	return hosts, nil
}

// syncClone makes dst exist for exactly srcHosts (the entries of src the rotation owns),
// each entry with src's TLS requirement, resource limits, privileges, roles and default
// roles. A new entry gets newEntryPassword; the caller sets the pending user's password
// afterwards.
func (s *session) syncClone(ctx context.Context, src, dst string, srcHosts []string, newEntryPassword string) error {
	if len(srcHosts) == 0 {
		return fmt.Errorf("user %q has no host entry to copy", src)
	}
	dstHosts, err := s.hosts(ctx, dst)
	if err != nil {
		return err
	}
	for _, h := range srcHosts {
		from, to := account{user: src, host: h}, account{user: dst, host: h}
		if !slices.Contains(dstHosts, h) {
			if err := s.create(ctx, from, to, newEntryPassword); err != nil {
				return err
			}
		}
		if err := s.copyAccountOptions(ctx, from, to); err != nil {
			return err
		}
		if err := s.copyGrants(ctx, from, to); err != nil {
			return err
		}
	}
	// An entry the base user no longer has (or whose password the secret no longer
	// holds) would keep a login open from a host the base user lost: remove it.
	for _, h := range dstHosts {
		if !slices.Contains(srcHosts, h) {
			if _, err := s.conn.ExecContext(ctx, "DROP USER ?@?", dst, h); err != nil {
				return fmt.Errorf("drop %q@%q (a host of %q the rotation does not own): %w", dst, h, src, err)
			}
		}
	}
	return nil
}

// create adds to with password pw, on MySQL with from's authentication plugin.
func (s *session) create(ctx context.Context, from, to account, pw string) error {
	var plugin string
	if !s.flavor.MariaDB {
		err := s.conn.QueryRowContext(ctx, "SELECT plugin FROM mysql.user WHERE User = ? AND Host = ?", from.user, from.host).Scan(&plugin)
		if err != nil {
			return fmt.Errorf("read the plugin of %q@%q: %w", from.user, from.host, err)
		}
	}
	q, args, err := createAccountSQL(s.flavor, to.user, to.host, pw, plugin)
	if err != nil {
		return err
	}
	if _, err := s.conn.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("create user %q@%q: %w", to.user, to.host, scrub(err, pw, nativeHash(pw)))
	}
	return nil
}

// copyAccountOptions copies what mysql.user holds outside SHOW GRANTS' privileges: the
// TLS requirement (REQUIRE SSL/X509/CIPHER/ISSUER/SUBJECT) and the resource limits.
func (s *session) copyAccountOptions(ctx context.Context, from, to account) error {
	var (
		sslType, cipher, issuer, subject sql.NullString
		limits                           [4]int64
	)
	err := s.conn.QueryRowContext(ctx, `SELECT ssl_type, ssl_cipher, x509_issuer, x509_subject,
		max_questions, max_updates, max_connections, max_user_connections
		FROM mysql.user WHERE User = ? AND Host = ?`, from.user, from.host).
		Scan(&sslType, &cipher, &issuer, &subject, &limits[0], &limits[1], &limits[2], &limits[3])
	if err != nil {
		return fmt.Errorf("read the TLS requirement of %q@%q: %w", from.user, from.host, err)
	}
	q, args := requireSQL(to.user, to.host, sslType.String, cipher.String, issuer.String, subject.String)
	if _, err := s.conn.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("copy the TLS requirement to %q@%q: %w", to.user, to.host, err)
	}
	for _, l := range limits {
		if l < 0 {
			return nil // MariaDB's -1 (no connections at all) has no WITH form; keep the clone's
		}
	}
	_, err = s.conn.ExecContext(ctx, `ALTER USER ?@? WITH MAX_QUERIES_PER_HOUR ? MAX_UPDATES_PER_HOUR ?
		MAX_CONNECTIONS_PER_HOUR ? MAX_USER_CONNECTIONS ?`, to.user, to.host, limits[0], limits[1], limits[2], limits[3])
	if err != nil {
		return fmt.Errorf("copy the resource limits to %q@%q: %w", to.user, to.host, err)
	}
	return nil
}

// showGrants reads and parses SHOW GRANTS FOR who.
func (s *session) showGrants(ctx context.Context, who account) ([]grantLine, error) {
	rows, err := s.conn.QueryContext(ctx, "SHOW GRANTS FOR ?@?", who.user, who.host)
	if err != nil {
		return nil, fmt.Errorf("show grants for %q@%q: %w", who.user, who.host, err)
	}
	defer rows.Close()
	var lines []grantLine
	for n := 1; rows.Next(); n++ {
		var text string
		if err := rows.Scan(&text); err != nil {
			return nil, fmt.Errorf("show grants for %q@%q: %w", who.user, who.host, err)
		}
		g, err := parseGrant(text, who)
		if errors.Is(err, errGrantee) {
			// Not the account's own grant (a server showing a role's privileges
			// alongside): the clone gets the role, not a copy of what it holds.
			continue
		}
		if err != nil {
			// Never quote the line: MariaDB's USAGE line carries the password hash.
			return nil, fmt.Errorf("show grants for %q@%q: line %d: %w", who.user, who.host, n, err)
		}
		lines = append(lines, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("show grants for %q@%q: %w", who.user, who.host, err)
	}
	return lines, nil
}

// copyGrants gives to exactly from's privileges and roles.
func (s *session) copyGrants(ctx context.Context, from, to account) error {
	want, err := s.showGrants(ctx, from)
	if err != nil {
		return err
	}
	have, err := s.showGrants(ctx, to)
	if err != nil {
		return err
	}
	stmts := planGrants(want, have, to, s.flavor.MariaDB)
	if !s.flavor.MariaDB && s.flavor.roles() {
		wantRoles, err := s.defaultRoles(ctx, from)
		if err != nil {
			return err
		}
		haveRoles, err := s.defaultRoles(ctx, to)
		if err != nil {
			return err
		}
		stmts = append(stmts, defaultRolesMySQL(wantRoles, haveRoles, to)...)
	}
	for _, q := range stmts {
		if _, err := s.conn.ExecContext(ctx, q); err != nil {
			// The statement holds names and privileges only, never a password.
			return fmt.Errorf("copy the grants of %q@%q: %s: %w", from.user, from.host, q, err)
		}
	}
	return nil
}

// defaultRoles reads MySQL 8's mysql.default_roles for who.
func (s *session) defaultRoles(ctx context.Context, who account) ([]account, error) {
	rows, err := s.conn.QueryContext(ctx, `SELECT DEFAULT_ROLE_USER, DEFAULT_ROLE_HOST FROM mysql.default_roles
		WHERE USER = ? AND HOST = ? ORDER BY DEFAULT_ROLE_USER, DEFAULT_ROLE_HOST`, who.user, who.host)
	if err != nil {
		return nil, fmt.Errorf("read the default roles of %q@%q: %w", who.user, who.host, err)
	}
	defer rows.Close()
	var roles []account
	for rows.Next() {
		var r account
		if err := rows.Scan(&r.user, &r.host); err != nil {
			return nil, fmt.Errorf("read the default roles of %q@%q: %w", who.user, who.host, err)
		}
		roles = append(roles, r)
	}
	return roles, rows.Err()
}
