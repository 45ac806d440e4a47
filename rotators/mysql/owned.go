package mysql

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/paramsecrets/paramsecrets/rotators/rotation"
)

// ownedEntries are the host entries of the base user that belong to the rotation, and
// the one among them that the function's own login goes through.
type ownedEntries struct {
	hosts []string
	login string
}

// ownedHosts finds the entries of held's user whose password is held.Password: the one a
// login as held goes through (CURRENT_USER()), and every other whose stored
// mysql_native_password hash is that password's — that hash is unsalted, so the same
// password has the same hash on every entry. An entry on a salted plugin
// (caching_sha2_password) cannot be compared that way and counts only when the login
// goes through it. The rest — x@localhost with a password a DBA keeps, say — were never
// the secret's: the rotation neither copies nor changes them.
func (d *DB) ownedHosts(ctx context.Context, master *session, held rotation.Secret) (ownedEntries, error) {
	hc, err := d.login(ctx, held)
	if err != nil {
		return ownedEntries{}, fmt.Errorf("log in as %q to find its entries that the secret holds: %w", held.Username, err)
	}
	var who string
	err = hc.conn.QueryRowContext(ctx, "SELECT CURRENT_USER()").Scan(&who)
	hc.close()
	if err != nil {
		return ownedEntries{}, fmt.Errorf("read CURRENT_USER() as %q: %w", held.Username, err)
	}
	login, ok := strings.CutPrefix(who, held.Username+"@")
	if !ok {
		return ownedEntries{}, fmt.Errorf("the server logged %q in as %q", held.Username, who)
	}
	q := "SELECT Host, authentication_string FROM mysql.user WHERE User = ? ORDER BY Host"
	if master.flavor.MariaDB {
		q = "SELECT Host, authentication_string FROM mysql.user WHERE User = ? AND is_role = 'N' ORDER BY Host"
	}
	rows, err := master.conn.QueryContext(ctx, q, held.Username)
	if err != nil {
		return ownedEntries{}, fmt.Errorf("read the entries of %q from mysql.user: %w", held.Username, err)
	}
	defer rows.Close()
	hash := nativeHash(held.Password)
	owned := ownedEntries{login: login}
	for rows.Next() {
		var host, stored string
		if err := rows.Scan(&host, &stored); err != nil {
			return ownedEntries{}, fmt.Errorf("read the entries of %q: %w", held.Username, err)
		}
		if host == login || stored == hash {
			owned.hosts = append(owned.hosts, host)
		}
	}
	if err := rows.Err(); err != nil {
		return ownedEntries{}, fmt.Errorf("read the entries of %q: %w", held.Username, err)
	}
	if !slices.Contains(owned.hosts, login) {
		return ownedEntries{}, fmt.Errorf("mysql.user has no entry %q@%q, which the login as %q went through", held.Username, login, held.Username)
	}
	return owned, nil
}

// refuseForeignClone refuses an existing dst (the clone's name) that has more than src
// at the hosts the rotation owns: an entry at another host, or a privilege, grant
// option, role or lifted partial revoke src lacks there. Such an account — a DBA's, say
// — would otherwise be stripped to src's grants, given a new password and handed to
// whoever reads src's secret. It is still the secret's own clone when previous (the
// secret's AWSPREVIOUS) names it and logs in: then src lost something while it was
// current, and the clone follows now. A clone with no more than src is what a rotation
// makes, or one cut short: it is completed.
func (d *DB) refuseForeignClone(ctx context.Context, c *session, src, dst string, hosts []string, previous rotation.Secret) error {
	dstHosts, err := c.hosts(ctx, dst)
	if err != nil || len(dstHosts) == 0 {
		return err
	}
	var excess []string
	for _, h := range dstHosts {
		if !slices.Contains(hosts, h) {
			excess = append(excess, fmt.Sprintf("an entry at host %q, where %q has none whose password the secret holds", h, src))
			continue
		}
		want, err := c.showGrants(ctx, account{user: src, host: h})
		if err != nil {
			return err
		}
		have, err := c.showGrants(ctx, account{user: dst, host: h})
		if err != nil {
			return err
		}
		for _, e := range grantExcess(want, have) {
			excess = append(excess, fmt.Sprintf("%s at host %q", e, h))
		}
	}
	if len(excess) == 0 {
		return nil
	}
	if previous.Username == dst && d.Ping(ctx, previous) == nil {
		return nil
	}
	return fmt.Errorf("account %q already exists and has more than %q: %s; drop or rename it and the rotation creates the clone, "+
		"or revoke from it what %q lacks (an existing clone is taken over only when it has no more than %q, or when AWSPREVIOUS holds its working password)",
		dst, src, strings.Join(excess, "; "), src, src)
}
