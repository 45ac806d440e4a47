package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/paramsecrets/paramsecrets/rotators/rotation"
)

// SyncClone logs in as master and gives p.Pending's user (clone, below) its password.
// base is p.Current's user; p.Previous is not needed here.
//
// When clone is base+"_clone", a missing clone is created with LOGIN
// and made a member of base's role, so it has the base user's privileges (as AWS's
// template does). An existing one is taken over only when it is provably that clone: a
// member of base, with no attribute or membership base lacks, and not the master user
// (see provablyClone); it then gets LOGIN (and, with CLONE_SET_ROLE, the role switch)
// back if someone removed it, so a retried or later rotation repairs a disabled clone.
//
// Otherwise base is the clone (x_clone) and clone the base user (x): x must exist and
// x_clone must be a member of it, or nothing is changed. A secret naming a look-alike
// "x_clone" must not win the password of x, which may be the master user itself.
func (d *DB) SyncClone(ctx context.Context, master rotation.Secret, p rotation.Pair) error {
	base, clone := p.Current, p.Pending
	for _, n := range []string{base.Username, clone.Username} {
		if err := checkName(n); err != nil {
			return err
		}
	}
	lit, err := verifierLiteral(clone.Password)
	if err != nil {
		return err
	}
	conn, err := d.connectSCRAM(ctx, master)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		return d.syncClone(ctx, tx, master.Username, base.Username, clone.Username, lit)
	})
	if err != nil {
		return scrub(err, master.Password, clone.Password, lit)
	}
	return nil
}

func (d *DB) syncClone(ctx context.Context, tx pgx.Tx, master, base, clone, lit string) error {
	baseID, cloneID := pgx.Identifier{base}.Sanitize(), pgx.Identifier{clone}.Sanitize()
	var exists bool
	if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", clone).Scan(&exists); err != nil {
		return fmt.Errorf("look up role %q: %w", clone, err)
	}
	if clone != base+rotation.CloneSuffix {
		// The pending user is x and the current one x_clone. The master acts on x only
		// when x_clone is a member of x, as the first rotation made it: otherwise anyone
		// able to create a role "x_clone" and write this secret could have the master
		// set the password of any x (the master user itself, say) and read it back.
		// For the same reason x is never created here: AWS's template would make it a
		// member of x_clone, a link that anyone owning x_clone could forge, so the
		// rotation after next could not tell it from an impostor.
		if !exists {
			return fmt.Errorf("role %q does not exist: alternating users only creates the %q user of an existing one; start from a user name without the suffix", clone, rotation.CloneSuffix)
		}
		member, err := isMember(ctx, tx, clone, base)
		if err != nil {
			return err
		}
		if !member {
			return fmt.Errorf("refusing to set the password of %q: the current user %q is not a member of it, so it is not its clone", clone, base)
		}
		if _, err := tx.Exec(ctx, "ALTER ROLE "+cloneID+" WITH PASSWORD "+lit); err != nil {
			return fmt.Errorf("alter role %q: %w", clone, err)
		}
		return nil
	}
	if exists {
		if err := provablyClone(ctx, tx, master, base, clone); err != nil {
			return err
		}
		// The clone gets LOGIN back too, in case someone disabled it.
		if _, err := tx.Exec(ctx, "ALTER ROLE "+cloneID+" WITH LOGIN PASSWORD "+lit); err != nil {
			return fmt.Errorf("alter role %q: %w", clone, err)
		}
	} else if _, err := tx.Exec(ctx, "CREATE ROLE "+cloneID+" WITH LOGIN PASSWORD "+lit); err != nil {
		return fmt.Errorf("create role %q: %w", clone, err)
	}

	member, err := isMember(ctx, tx, base, clone)
	if err != nil {
		return err
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

// isMember reports whether member is a direct member of role.
func isMember(ctx context.Context, tx pgx.Tx, role, member string) (bool, error) {
	const q = `SELECT EXISTS (SELECT 1 FROM pg_auth_members m
		JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles u ON u.oid = m.member
		WHERE r.rolname = $1 AND u.rolname = $2)`
	var ok bool
	if err := tx.QueryRow(ctx, q, role, member).Scan(&ok); err != nil {
		return false, fmt.Errorf("look up membership of %q in %q: %w", member, role, err)
	}
	return ok, nil
}

// provablyClone refuses an existing role named base_clone unless it is what a rotation
// makes of that name: a member of base (without ADMIN OPTION), with none of SUPERUSER,
// CREATEROLE, CREATEDB, REPLICATION and BYPASSRLS beyond what base has, a member of no
// role base is not in, and not the master user. Any other role of that name — a NOLOGIN
// SUPERUSER a DBA keeps, say — would get LOGIN and a password that lands in base's
// secret, for whoever reads it. The error lists every reason and says what to do.
func provablyClone(ctx context.Context, tx pgx.Tx, master, base, clone string) error {
	var reasons []string
	if clone == master {
		reasons = append(reasons, "it is the master user")
	}
	var extra [5]bool
	err := tx.QueryRow(ctx, `SELECT c.rolsuper AND NOT b.rolsuper, c.rolcreaterole AND NOT b.rolcreaterole,
		c.rolcreatedb AND NOT b.rolcreatedb, c.rolreplication AND NOT b.rolreplication,
		c.rolbypassrls AND NOT b.rolbypassrls
		FROM pg_roles c, pg_roles b WHERE c.rolname = $1 AND b.rolname = $2`, clone, base).
		Scan(&extra[0], &extra[1], &extra[2], &extra[3], &extra[4])
	if err != nil {
		return fmt.Errorf("read the attributes of %q and %q: %w", clone, base, err)
	}
	for i, attr := range []string{"SUPERUSER", "CREATEROLE", "CREATEDB", "REPLICATION", "BYPASSRLS"} {
		if extra[i] {
			reasons = append(reasons, fmt.Sprintf("it has %s, which %q has not", attr, base))
		}
	}
	member, more, err := memberships(ctx, tx, base, clone)
	if err != nil {
		return err
	}
	if !member {
		reasons = append(reasons, fmt.Sprintf("it is not a member of %q", base))
	}
	reasons = append(reasons, more...)
	if len(reasons) == 0 {
		return nil
	}
	return fmt.Errorf("role %q already exists and is not provably the clone of %q: %s; drop or rename it and the rotation creates the clone, "+
		"or, if it is %q's clone, make it a member of %q with nothing %q lacks",
		clone, base, strings.Join(reasons, "; "), base, base, base)
}

// memberships reports whether clone is a direct member of base, and describes each of
// its memberships that base does not hold itself: a role base is not in, or an ADMIN
// OPTION base lacks (on base itself too: a role cannot grant itself to others).
func memberships(ctx context.Context, tx pgx.Tx, base, clone string) (member bool, extra []string, err error) {
	rows, err := tx.Query(ctx, `SELECT r.rolname, m.admin_option,
		pg_has_role($2, r.oid, CASE WHEN m.admin_option THEN 'MEMBER WITH ADMIN OPTION' ELSE 'MEMBER' END)
		FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles c ON c.oid = m.member
		WHERE c.rolname = $1 ORDER BY r.rolname`, clone, base)
	if err != nil {
		return false, nil, fmt.Errorf("read the memberships of %q: %w", clone, err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			role           string
			admin, baseHas bool
		)
		if err := rows.Scan(&role, &admin, &baseHas); err != nil {
			return false, nil, fmt.Errorf("read the memberships of %q: %w", clone, err)
		}
		member = member || role == base
		switch {
		case baseHas:
		case role == base:
			extra = append(extra, fmt.Sprintf("it holds ADMIN OPTION on %q, so it may grant %q to others", base, base))
		case admin:
			extra = append(extra, fmt.Sprintf("it is a member of %q WITH ADMIN OPTION, which %q is not", role, base))
		default:
			extra = append(extra, fmt.Sprintf("it is a member of %q, which %q is not", role, base))
		}
	}
	if err := rows.Err(); err != nil {
		return false, nil, fmt.Errorf("read the memberships of %q: %w", clone, err)
	}
	return member, extra, nil
}
