package mysql

import (
	"testing"
)

// FuzzParseGrant: any line either fails to parse or yields an object that reads back to
// itself, and every statement planned from it, granting or revoking, names the clone
// and nobody else as its grantee: a name in the line can never move the grantee, add
// one or end the statement.
func FuzzParseGrant(f *testing.F) {
	who := account{user: "a`b'c", host: "%"}
	clone := account{user: "a`b'c_clone", host: "%"}
	for _, seed := range []string{
		"GRANT SELECT, INSERT (`id`, `x``y`) ON `db`.`t` TO `a``b'c`@`%` WITH GRANT OPTION",
		"GRANT `r`@`%`,`s` TO `a``b'c`@`%` WITH ADMIN OPTION",
		"GRANT USAGE ON *.* TO `a``b'c`@`%` IDENTIFIED BY PASSWORD '*AB' REQUIRE ISSUER 'x\\'y'",
		"REVOKE SELECT ON `mysql`.* FROM `a``b'c`@`%`",
		"SET DEFAULT ROLE `r` FOR `a``b'c`@`%`",
		"GRANT EXECUTE ON PROCEDURE `db`.`p` TO `a``b'c`@`%`",
		"GRANT PROXY ON ''@'' TO `a``b'c`@`%`",
		"GRANT SELECT ON `x`` TO ``evil``@``%`.* TO `a``b'c`@`%`",
		"GRANT ALL PRIVILEGES ON `we\\_ird%`.* TO `a``b'c`@`%` WITH GRANT OPTION",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, line string) {
		g, err := parseGrant(line, who)
		if err != nil {
			return
		}
		if g.object != "" {
			toks, err := tokenize(g.object)
			if err != nil {
				t.Fatalf("object %q does not tokenize: %v", g.object, err)
			}
			again, err := renderObject(toks)
			if err != nil || again != g.object {
				t.Fatalf("object %q renders as %q (%v)", g.object, again, err)
			}
		}
		for _, mariaDB := range []bool{false, true} {
			plans := [][]string{
				planGrants([]grantLine{g}, nil, clone, mariaDB),
				planGrants(nil, []grantLine{g}, clone, mariaDB),
			}
			for _, plan := range plans {
				for _, stmt := range plan {
					checkGrantee(t, stmt, clone)
				}
			}
		}
	})
}

// checkGrantee fails unless stmt has exactly one TO, FROM or FOR outside parentheses,
// followed by to and at most WITH GRANT OPTION or WITH ADMIN OPTION.
func checkGrantee(t *testing.T, stmt string, to account) {
	t.Helper()
	toks, err := tokenize(stmt)
	if err != nil {
		t.Fatalf("%q does not tokenize: %v", stmt, err)
	}
	depth, at := 0, -1
	for i, tk := range toks {
		switch {
		case tk.kind == 'p' && tk.text == "(":
			depth++
		case tk.kind == 'p' && tk.text == ")":
			depth--
		case depth == 0 && tk.kind == 'w' && (tk.text == "TO" || tk.text == "FROM" || tk.text == "FOR"):
			if at >= 0 {
				t.Fatalf("%q names a grantee twice", stmt)
			}
			at = i
		}
	}
	if at < 0 {
		t.Fatalf("%q names no grantee", stmt)
	}
	got, rest, err := readAccount(toks[at+1:])
	if err != nil || got != to {
		t.Fatalf("%q: grantee %+v (%v), want the clone", stmt, got, err)
	}
	if len(rest) == 0 {
		return
	}
	if len(rest) != 3 || rest[0].text != "WITH" || (rest[1].text != "GRANT" && rest[1].text != "ADMIN") || rest[2].text != "OPTION" {
		t.Fatalf("%q: unexpected text after the grantee", stmt)
	}
}
