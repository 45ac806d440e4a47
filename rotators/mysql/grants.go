package mysql

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// SHOW GRANTS prints statements, not data. This file reads them into a small model so
// the clone's statements are rebuilt from parts: every identifier is decoded and
// re-quoted with backticks (quoteIdent), keywords are checked against a strict pattern,
// and nothing of the server's text is pasted into a statement as it came.

// account is user@host, quoted. A role on MariaDB has no host: host is then "".
type account struct {
	user, host string
	role       bool
}

func (a account) sql() string {
	if a.role {
		return quoteIdent(a.user)
	}
	return quoteIdent(a.user) + "@" + quoteIdent(a.host)
}

// grantLine is one line of SHOW GRANTS, read.
type grantLine struct {
	kind   byte     // 'g' privilege grant, 'r' role grant, 'x' partial revoke (MySQL), 'd' default role (MariaDB), 'u' usage only
	privs  []string // privilege atoms: "SELECT", "INSERT (`id`)", "ALL PRIVILEGES"
	object string   // re-quoted: "`app`.*", "PROCEDURE `db`.`p`", "`user`@`host`" (PROXY)
	roles  []string // re-quoted role names (role grants, default roles)
	option bool     // WITH GRANT OPTION / WITH ADMIN OPTION
}

// keyword is what a privilege or object keyword may be; anything else is refused.
var keyword = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)

// clauseWord reports whether w starts a clause of GRANT, REVOKE or SET DEFAULT ROLE: no
// privilege name holds one, and letting it through would move the grantee.
func clauseWord(w string) bool {
	switch w {
	case "ON", "TO", "FROM", "FOR", "WITH", "IDENTIFIED", "REQUIRE", "AS":
		return true
	}
	return false
}

// objectKeyword reports whether w may precede an object name in a grant.
func objectKeyword(w string) bool {
	switch w {
	case "TABLE", "FUNCTION", "PROCEDURE", "PACKAGE", "BODY":
		return true
	}
	return false
}

// errGrantee is returned when a line is not about the account asked for.
var errGrantee = errors.New("grant line names another grantee")

// parseGrant reads one line of SHOW GRANTS FOR who. Errors never quote the line: the
// USAGE line of MariaDB holds the account's password hash.
func parseGrant(line string, who account) (grantLine, error) {
	toks, err := tokenize(line)
	if err != nil {
		return grantLine{}, err
	}
	if len(toks) == 0 || toks[0].kind != 'w' {
		return grantLine{}, errors.New("not a GRANT statement")
	}
	switch toks[0].text {
	case "GRANT":
		return parsePrivileges(toks[1:], who, "TO", 'g')
	case "REVOKE":
		return parsePrivileges(toks[1:], who, "FROM", 'x')
	case "SET":
		return parseDefaultRole(toks[1:], who)
	}
	return grantLine{}, fmt.Errorf("unknown statement %s", toks[0].text)
}

// parsePrivileges reads "privs ON object TO grantee [tail]" or "roles TO grantee [tail]".
func parsePrivileges(toks []token, who account, sep string, kind byte) (grantLine, error) {
	depth, at, on := 0, -1, -1
	for i, t := range toks {
		switch {
		case t.kind == 'p' && t.text == "(":
			depth++
		case t.kind == 'p' && t.text == ")":
			depth--
		case depth == 0 && t.kind == 'w' && t.text == "ON" && on < 0 && at < 0:
			on = i
		case depth == 0 && t.kind == 'w' && t.text == sep && at < 0:
			at = i
		}
	}
	if at < 0 {
		return grantLine{}, fmt.Errorf("no %s clause", sep)
	}
	g := grantLine{kind: kind}
	grantee, rest, err := readAccount(toks[at+1:])
	if err != nil {
		return grantLine{}, fmt.Errorf("grantee: %w", err)
	}
	if grantee != who {
		return grantLine{}, errGrantee
	}
	g.option = hasOption(rest)
	if on < 0 {
		if kind != 'g' {
			return grantLine{}, errors.New("a revoke without ON")
		}
		g.kind = 'r'
		g.roles, err = readRoles(toks[:at])
		return g, err
	}
	if g.privs, err = readPrivileges(toks[:on]); err != nil {
		return grantLine{}, err
	}
	if g.object, err = renderObject(toks[on+1 : at]); err != nil {
		return grantLine{}, err
	}
	if isProxyObject(toks[on+1 : at]) {
		// A raw-printed name can smuggle tokens into the line: a PROXY grant is read
		// only when nothing but an optional WITH GRANT OPTION follows the grantee.
		if !slices.Equal(g.privs, []string{"PROXY"}) || !proxyTail(rest) {
			return grantLine{}, errors.New("proxy grant: unexpected privilege or text after the grantee")
		}
	}
	if kind == 'g' && len(g.privs) == 0 && !g.option {
		g.kind = 'u'
	}
	return g, nil
}

// readAccount reads `user`@`host` (or a role's bare `name`) and returns what follows.
func readAccount(toks []token) (account, []token, error) {
	name := func(t token) bool { return t.kind == 'i' || t.kind == 's' }
	if len(toks) == 0 || !name(toks[0]) {
		return account{}, nil, errors.New("missing name")
	}
	if len(toks) >= 3 && toks[1].kind == 'p' && toks[1].text == "@" && name(toks[2]) {
		if toks[0].escaped || toks[2].escaped {
			return account{}, nil, errAmbiguousName
		}
		return account{user: toks[0].text, host: toks[2].text}, toks[3:], nil
	}
	if toks[0].escaped {
		return account{}, nil, errAmbiguousName
	}
	return account{user: toks[0].text, role: true}, toks[1:], nil
}

// errAmbiguousName refuses a name in single quotes holding a quote or a backslash.
// MariaDB 10.5+ and MySQL 8 print account names in backticks, escaped; older servers
// printed PROXY grants with the names pasted raw between single quotes, where a name
// holding a quote can shift or merge the tokens, and copying what was read could give
// the clone a proxy on another account than the base user's.
var errAmbiguousName = errors.New("a quoted account name holds a quote or a backslash; it cannot be read unambiguously")

// hasOption finds WITH GRANT OPTION or WITH ADMIN OPTION in what follows the grantee;
// the rest of it (IDENTIFIED ..., REQUIRE ..., resource limits) is the account's, not
// the grant's, and is copied separately or not at all.
func hasOption(tail []token) bool {
	with := false
	for i, t := range tail {
		if t.kind != 'w' {
			continue
		}
		if t.text == "WITH" {
			with = true
		}
		if with && (t.text == "GRANT" || t.text == "ADMIN") && i+1 < len(tail) && tail[i+1].kind == 'w' && tail[i+1].text == "OPTION" {
			return true
		}
	}
	return false
}

// readRoles reads "`r1`, `r2`@`%`" into re-quoted role names.
func readRoles(toks []token) ([]string, error) {
	var roles []string
	for len(toks) > 0 {
		a, rest, err := readAccount(toks)
		if err != nil {
			return nil, fmt.Errorf("role: %w", err)
		}
		roles = append(roles, a.sql())
		toks = rest
		if len(toks) > 0 {
			if toks[0].kind != 'p' || toks[0].text != "," {
				return nil, errors.New("role list: expected a comma")
			}
			toks = toks[1:]
		}
	}
	if len(roles) == 0 {
		return nil, errors.New("no role granted")
	}
	return roles, nil
}

// readPrivileges splits "SELECT, INSERT (`a`, `b`), ALL PRIVILEGES" into atoms, one per
// privilege and column: "SELECT", "INSERT (`a`)", "INSERT (`b`)", "ALL PRIVILEGES".
// USAGE means no privilege and is dropped.
func readPrivileges(toks []token) ([]string, error) {
	var atoms []string
	for len(toks) > 0 {
		var words []string
		for len(toks) > 0 && toks[0].kind == 'w' {
			if !keyword.MatchString(toks[0].text) || clauseWord(toks[0].text) {
				return nil, errors.New("privilege: not a keyword")
			}
			words = append(words, toks[0].text)
			toks = toks[1:]
		}
		if len(words) == 0 {
			return nil, errors.New("privilege: expected a name")
		}
		priv := strings.Join(words, " ")
		if priv == "ALL" {
			priv = "ALL PRIVILEGES"
		}
		var cols []string
		if len(toks) > 0 && toks[0].kind == 'p' && toks[0].text == "(" {
			toks = toks[1:]
			for len(toks) > 0 && !(toks[0].kind == 'p' && toks[0].text == ")") {
				switch {
				case toks[0].kind == 'i':
					cols = append(cols, toks[0].text)
				case toks[0].kind != 'p' || toks[0].text != ",":
					return nil, errors.New("column list: expected a column name")
				}
				toks = toks[1:]
			}
			if len(toks) == 0 {
				return nil, errors.New("column list: unterminated")
			}
			toks = toks[1:]
			if len(cols) == 0 {
				return nil, errors.New("column list: empty")
			}
		}
		switch {
		case len(cols) > 0:
			for _, c := range cols {
				atoms = append(atoms, priv+" ("+quoteIdent(c)+")")
			}
		case priv != "USAGE":
			atoms = append(atoms, priv)
		}
		if len(toks) > 0 {
			if toks[0].kind != 'p' || toks[0].text != "," {
				return nil, errors.New("privilege list: expected a comma")
			}
			toks = toks[1:]
		}
	}
	return atoms, nil
}

// renderObject re-quotes the object of a grant: "*.*", "`db`.*", "`db`.`t`",
// "PROCEDURE `db`.`p`", "PACKAGE BODY `db`.`p`", or a proxied account "`u`@`h`".
// Names keep their exact bytes, so a database-level grant on `we\_ird` or `a%b` means
// the same pattern for the clone as for the base user.
func renderObject(toks []token) (string, error) {
	if len(toks) == 0 {
		return "", errors.New("object: missing")
	}
	if slices.ContainsFunc(toks, func(t token) bool { return t.kind == 'p' && t.text == "@" }) && !isProxyObject(toks) {
		return "", errors.New("object: an account must be name@host")
	}
	var b strings.Builder
	for i, t := range toks {
		switch t.kind {
		case 'w':
			// Only the object-type keywords: a bare (unquoted) name would have been
			// upper-cased by the tokenizer, and database names are case-sensitive.
			if !objectKeyword(t.text) {
				return "", errors.New("object: unquoted name or unknown keyword")
			}
			b.WriteString(t.text)
			if i+1 < len(toks) {
				b.WriteByte(' ')
			}
		case 'i', 's':
			if t.escaped {
				return "", errAmbiguousName
			}
			b.WriteString(quoteIdent(t.text))
		case 'p':
			if t.text != "." && t.text != "*" && t.text != "@" {
				return "", fmt.Errorf("object: unexpected %q", t.text)
			}
			b.WriteString(t.text)
		}
	}
	return b.String(), nil
}

// isProxyObject reports whether toks are exactly an account, name@host: the object of a
// PROXY grant.
func isProxyObject(toks []token) bool {
	name := func(t token) bool { return t.kind == 'i' || t.kind == 's' }
	return len(toks) == 3 && name(toks[0]) && toks[1].kind == 'p' && toks[1].text == "@" && name(toks[2])
}

// proxyTail reports whether what follows a PROXY grant's grantee is nothing or
// WITH GRANT OPTION, the only forms the servers print.
func proxyTail(tail []token) bool {
	if len(tail) == 0 {
		return true
	}
	if len(tail) != 3 {
		return false
	}
	for i, w := range []string{"WITH", "GRANT", "OPTION"} {
		if tail[i].kind != 'w' || tail[i].text != w {
			return false
		}
	}
	return true
}

// parseDefaultRole reads MariaDB's "SET DEFAULT ROLE `r` FOR `u`@`h`".
func parseDefaultRole(toks []token, who account) (grantLine, error) {
	if len(toks) < 4 || toks[0].text != "DEFAULT" || toks[1].text != "ROLE" {
		return grantLine{}, errors.New("unknown SET statement")
	}
	toks = toks[2:]
	var roles []string
	for len(toks) > 0 && !(toks[0].kind == 'w' && toks[0].text == "FOR") {
		if toks[0].kind == 'i' {
			roles = append(roles, quoteIdent(toks[0].text))
		} else if toks[0].kind != 'p' || toks[0].text != "," {
			return grantLine{}, errors.New("default role: expected a role name")
		}
		toks = toks[1:]
	}
	if len(toks) == 0 {
		return grantLine{}, errors.New("default role: no FOR clause")
	}
	grantee, _, err := readAccount(toks[1:])
	if err != nil {
		return grantLine{}, fmt.Errorf("default role grantee: %w", err)
	}
	if grantee != who {
		return grantLine{}, errGrantee
	}
	return grantLine{kind: 'd', roles: roles}, nil
}
