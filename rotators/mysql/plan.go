package mysql

import (
	"slices"
	"strings"
)

// grantSet is what SHOW GRANTS says one account holds, as sets of atoms, so two accounts
// can be compared privilege by privilege (a line-by-line comparison would revoke SELECT
// from "SELECT, INSERT" to remove INSERT).
type grantSet struct {
	objects  []string                   // objects in the order SHOW GRANTS listed them
	privs    map[string][]string        // object -> privilege atoms
	option   map[string]bool            // object -> some line on it has WITH GRANT OPTION
	optAtom  map[string]map[string]bool // object -> atom -> granted WITH GRANT OPTION
	roles    []string                   // granted roles
	admin    map[string]bool            // role -> WITH ADMIN OPTION
	revoked  map[string][]string        // object -> partial revokes (MySQL 8 partial_revokes)
	revObjs  []string                   // objects of partial revokes, in order
	defaults []string                   // MariaDB's SET DEFAULT ROLE
	seen     map[string]map[string]bool // object -> atom -> present
}

func newGrantSet(lines []grantLine) grantSet {
	g := grantSet{privs: map[string][]string{}, option: map[string]bool{}, optAtom: map[string]map[string]bool{}, admin: map[string]bool{},
		revoked: map[string][]string{}, seen: map[string]map[string]bool{}}
	for _, l := range lines {
		switch l.kind {
		case 'g':
			if _, ok := g.privs[l.object]; !ok {
				g.objects = append(g.objects, l.object)
				g.privs[l.object] = nil
				g.seen[l.object] = map[string]bool{}
				g.optAtom[l.object] = map[string]bool{}
			}
			for _, p := range l.privs {
				if !g.seen[l.object][p] {
					g.seen[l.object][p] = true
					g.privs[l.object] = append(g.privs[l.object], p)
				}
				g.optAtom[l.object][p] = g.optAtom[l.object][p] || l.option
			}
			g.option[l.object] = g.option[l.object] || l.option
		case 'r':
			for _, r := range l.roles {
				if !slices.Contains(g.roles, r) {
					g.roles = append(g.roles, r)
				}
				g.admin[r] = g.admin[r] || l.option
			}
		case 'x':
			if _, ok := g.revoked[l.object]; !ok {
				g.revObjs = append(g.revObjs, l.object)
			}
			g.revoked[l.object] = append(g.revoked[l.object], l.privs...)
		case 'd':
			g.defaults = append(g.defaults, l.roles...)
		}
	}
	return g
}

// planGrants returns the statements that give to (the clone, as an account) exactly the
// privileges in want (the base user's) when it now holds have. Grants come first and
// revokes after, so the clone never lacks a privilege both hold; an object that lost an
// atom is granted again at the end, since revoking ALL PRIVILEGES takes every privilege
// on it.
func planGrants(want, have []grantLine, to account, mariaDB bool) []string {
	w, h := newGrantSet(want), newGrantSet(have)
	acct := to.sql()
	var out []string
	// MySQL 8 keeps a grant option per dynamic privilege, so the atoms granted with the
	// option and those without go in separate statements: one statement WITH GRANT
	// OPTION would hand the option to every privilege in it.
	grant := func(obj string) {
		var plain, opt []string
		for _, p := range w.privs[obj] {
			if w.optAtom[obj][p] {
				opt = append(opt, p)
			} else {
				plain = append(plain, p)
			}
		}
		if len(opt) == 0 && len(plain) == 0 && w.option[obj] {
			opt = []string{"USAGE"}
		}
		if len(plain) > 0 {
			out = append(out, "GRANT "+strings.Join(plain, ", ")+" ON "+obj+" TO "+acct)
		}
		if len(opt) > 0 {
			out = append(out, "GRANT "+strings.Join(opt, ", ")+" ON "+obj+" TO "+acct+" WITH GRANT OPTION")
		}
	}
	for _, obj := range w.objects {
		grant(obj)
	}
	for _, r := range w.roles {
		stmt := "GRANT " + r + " TO " + acct
		if w.admin[r] {
			stmt += " WITH ADMIN OPTION"
		}
		out = append(out, stmt)
	}
	var regrant []string
	for _, obj := range h.objects {
		var extra []string
		for _, p := range h.privs[obj] {
			if !w.seen[obj][p] {
				extra = append(extra, p)
			}
		}
		if len(extra) > 0 {
			out = append(out, "REVOKE "+strings.Join(extra, ", ")+" ON "+obj+" FROM "+acct)
			regrant = append(regrant, obj)
		}
		if optionLost(w, h, obj) {
			if slices.Equal(h.privs[obj], []string{"PROXY"}) {
				// A proxied account takes no REVOKE GRANT OPTION: take the proxy.
				out = append(out, "REVOKE PROXY ON "+obj+" FROM "+acct)
			} else {
				out = append(out, "REVOKE GRANT OPTION ON "+obj+" FROM "+acct)
			}
			if !slices.Contains(regrant, obj) {
				regrant = append(regrant, obj)
			}
		}
	}
	for _, obj := range regrant {
		grant(obj)
	}
	for _, r := range h.roles {
		switch {
		case !slices.Contains(w.roles, r):
			out = append(out, "REVOKE "+r+" FROM "+acct)
		case h.admin[r] && !w.admin[r]:
			// MySQL has no REVOKE ADMIN OPTION FOR: take the role and give it back.
			out = append(out, "REVOKE "+r+" FROM "+acct, "GRANT "+r+" TO "+acct)
		}
	}
	for _, obj := range w.revObjs {
		out = append(out, "REVOKE "+strings.Join(w.revoked[obj], ", ")+" ON "+obj+" FROM "+acct)
	}
	for _, obj := range h.revObjs {
		var lift []string
		for _, p := range h.revoked[obj] {
			if !slices.Contains(w.revoked[obj], p) {
				lift = append(lift, p)
			}
		}
		if len(lift) > 0 {
			out = append(out, "GRANT "+strings.Join(lift, ", ")+" ON "+obj+" TO "+acct)
		}
	}
	if mariaDB {
		switch {
		case len(w.defaults) > 0:
			out = append(out, "SET DEFAULT ROLE "+w.defaults[0]+" FOR "+acct)
		case len(h.defaults) > 0:
			out = append(out, "SET DEFAULT ROLE NONE FOR "+acct)
		}
	}
	return out
}

// optionLost reports whether the clone (h) holds a grant option on obj that the base
// user (w) lacks: on the object as a whole, or on one of MySQL 8's dynamic privileges,
// which carry the option each. The caller revokes the option and grants w's again.
func optionLost(w, h grantSet, obj string) bool {
	if h.option[obj] && !w.option[obj] {
		return true
	}
	for _, p := range h.privs[obj] {
		if h.optAtom[obj][p] && w.seen[obj][p] && !w.optAtom[obj][p] {
			return true
		}
	}
	return false
}

// defaultRolesMySQL returns the statements that give to the default roles want, read
// from mysql.default_roles (MySQL 8 keeps them out of SHOW GRANTS).
func defaultRolesMySQL(want, have []account, to account) []string {
	if slices.Equal(want, have) {
		return nil
	}
	out := []string{"SET DEFAULT ROLE NONE TO " + to.sql()}
	if len(want) > 0 {
		names := make([]string, len(want))
		for i, r := range want {
			names[i] = r.sql()
		}
		out = append(out, "SET DEFAULT ROLE "+strings.Join(names, ", ")+" TO "+to.sql())
	}
	return out
}

// requireSQL copies an account's TLS requirement (mysql.user's ssl_type and friends)
// to user@host; the values are string literals the driver escapes.
func requireSQL(user, host, sslType, cipher, issuer, subject string) (string, []any) {
	q, args := "ALTER USER ?@? REQUIRE ", []any{user, host}
	switch strings.ToUpper(sslType) {
	case "":
		return q + "NONE", args
	case "ANY":
		return q + "SSL", args
	case "X509":
		return q + "X509", args
	}
	var parts []string
	for _, p := range []struct{ kw, val string }{{"CIPHER", cipher}, {"ISSUER", issuer}, {"SUBJECT", subject}} {
		if p.val != "" {
			parts = append(parts, p.kw+" ?")
			args = append(args, p.val)
		}
	}
	if len(parts) == 0 {
		return q + "SSL", args
	}
	return q + strings.Join(parts, " AND "), args
}

// grantExcess describes what have (an existing clone's grants) holds beyond want (the
// base user's), atom by atom: a privilege want lacks on the object (a column privilege
// counts as held when want has the privilege on the whole table, and anything when
// want has ALL PRIVILEGES there), a grant option, a role or its ADMIN OPTION, and a
// partial revoke of want's that have lacks. Objects compare as written: SELECT ON *.*
// does not cover SELECT ON `db`.*, so such a clone reads as having more.
func grantExcess(want, have []grantLine) []string {
	w, h := newGrantSet(want), newGrantSet(have)
	var out []string
	for _, obj := range h.objects {
		for _, p := range h.privs[obj] {
			if !covers(w, obj, p) {
				out = append(out, p+" ON "+obj)
			}
		}
		if optionLost(w, h, obj) {
			out = append(out, "GRANT OPTION ON "+obj)
		}
	}
	for _, r := range h.roles {
		switch {
		case !slices.Contains(w.roles, r):
			out = append(out, "role "+r)
		case h.admin[r] && !w.admin[r]:
			out = append(out, "ADMIN OPTION on role "+r)
		}
	}
	for _, obj := range w.revObjs {
		for _, p := range w.revoked[obj] {
			if !slices.Contains(h.revoked[obj], p) {
				out = append(out, p+" ON "+obj+", which is revoked from the base user")
			}
		}
	}
	return out
}

// covers reports whether the grants w include the privilege atom on obj.
func covers(w grantSet, obj, atom string) bool {
	if w.seen[obj][atom] || w.seen[obj]["ALL PRIVILEGES"] {
		return true
	}
	priv, _, column := strings.Cut(atom, " (")
	return column && w.seen[obj][priv]
}
