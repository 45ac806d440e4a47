package mysql

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
)

func TestParseVersion(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Flavor{
		"8.0.36":                         {Major: 8, Minor: 0, Patch: 36},
		"8.4.0-commercial":               {Major: 8, Minor: 4},
		"9.1.0":                          {Major: 9, Minor: 1},
		"5.7.44-log":                     {Major: 5, Minor: 7, Patch: 44},
		"10.11.19-MariaDB-0+deb12u1-log": {MariaDB: true, Major: 10, Minor: 11, Patch: 19},
		"11.4.2-MariaDB":                 {MariaDB: true, Major: 11, Minor: 4, Patch: 2},
		"5.5.5-10.6.12-MariaDB":          {MariaDB: true, Major: 10, Minor: 6, Patch: 12},
	} {
		got, err := ParseVersion(in)
		if err != nil || got != want {
			t.Errorf("ParseVersion(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "MariaDB", "x.y"} {
		if _, err := ParseVersion(bad); err == nil {
			t.Errorf("ParseVersion(%q) accepted", bad)
		}
	}
	for v, ok := range map[string]bool{"10.4.30-MariaDB": false, "10.5.0-MariaDB": true, "11.8.1-MariaDB": true,
		"5.6.51": false, "5.7.mysql_aurora.2.11.2": true, "8.0.0": true, "9.3.0": true} {
		f, _ := ParseVersion(v)
		if (f.Supported() == nil) != ok {
			t.Errorf("%s supported = %v, want %v", v, !ok, ok)
		}
	}
}

func TestSelfPasswordSQL(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		version, q string
		args       []any
	}{
		"MariaDB sends the hash":          {"10.11.6-MariaDB", "SET PASSWORD = ?", []any{nativeHash("new")}},
		"MariaDB 11 too":                  {"11.4.2-MariaDB", "SET PASSWORD = ?", []any{nativeHash("new")}},
		"MySQL 8.0.13+ replaces current":  {"8.0.36", "ALTER USER CURRENT_USER() IDENTIFIED BY ? REPLACE ?", []any{"new", "old"}},
		"MySQL 9 likewise":                {"9.1.0", "ALTER USER CURRENT_USER() IDENTIFIED BY ? REPLACE ?", []any{"new", "old"}},
		"MySQL 8.0.12 has no REPLACE":     {"8.0.12", "ALTER USER CURRENT_USER() IDENTIFIED BY ?", []any{"new"}},
		"MySQL 5.7 has no PASSWORD() use": {"5.7.44", "ALTER USER CURRENT_USER() IDENTIFIED BY ?", []any{"new"}},
	} {
		f, _ := ParseVersion(tc.version)
		q, args := selfPasswordSQL(f, "new", "old")
		if q != tc.q || !slices.Equal(args, tc.args) {
			t.Errorf("%s: %q %q, want %q %q", name, q, args, tc.q, tc.args)
		}
	}
}

func TestNativeHash(t *testing.T) {
	t.Parallel()
	// SELECT PASSWORD('pw') on MariaDB.
	if got := nativeHash("pw"); got != "*D821809F681A40A6E379B50D0463EFAE20BDD122" {
		t.Fatalf("nativeHash = %s", got)
	}
}

func TestAccountSQL(t *testing.T) {
	t.Parallel()
	my, _ := ParseVersion("8.0.36")
	maria, _ := ParseVersion("10.11.6-MariaDB")
	if q, _, _ := createAccountSQL(my, "u", "h", "pw", "caching_sha2_password"); q != "CREATE USER ?@? IDENTIFIED WITH caching_sha2_password BY ?" {
		t.Errorf("MySQL create: %q", q)
	}
	if _, _, err := createAccountSQL(my, "u", "h", "pw", "x; DROP"); err == nil {
		t.Error("a bad plugin name was written into a statement")
	}
	if q, args, _ := createAccountSQL(maria, "u", "h", "pw", ""); q != "CREATE USER ?@? IDENTIFIED BY PASSWORD ?" || args[2] != nativeHash("pw") {
		t.Errorf("MariaDB create: %q %q", q, args)
	}
	if q, args := accountPasswordSQL(my, "u", "h", "pw"); q != "ALTER USER ?@? IDENTIFIED BY ?" || args[2] != "pw" {
		t.Errorf("MySQL alter: %q %q", q, args)
	}
	for name, tc := range map[string]struct {
		typ, cipher, issuer, subject, q string
	}{
		"none":      {"", "", "", "", "ALTER USER ?@? REQUIRE NONE"},
		"ssl":       {"ANY", "", "", "", "ALTER USER ?@? REQUIRE SSL"},
		"x509":      {"X509", "", "", "", "ALTER USER ?@? REQUIRE X509"},
		"specified": {"SPECIFIED", "", "/CN=ca'", "/CN=me", "ALTER USER ?@? REQUIRE ISSUER ? AND SUBJECT ?"},
	} {
		if q, _ := requireSQL("u", "h", tc.typ, tc.cipher, tc.issuer, tc.subject); q != tc.q {
			t.Errorf("%s: %q, want %q", name, q, tc.q)
		}
	}
}

func mustParse(t *testing.T, who account, lines ...string) []grantLine {
	t.Helper()
	var out []grantLine
	for _, l := range lines {
		g, err := parseGrant(l, who)
		if err != nil {
			t.Fatalf("parse %q: %v", l, err)
		}
		out = append(out, g)
	}
	return out
}

// TestPlanGrantsMySQL8 checks the SQL for what only MySQL 8 prints: roles with hosts,
// dynamic privileges without spaces, partial revokes, and default roles, which MySQL
// keeps out of SHOW GRANTS.
func TestPlanGrantsMySQL8(t *testing.T) {
	t.Parallel()
	base, clone := account{user: "app", host: "10.0.%"}, account{user: "app_clone", host: "10.0.%"}
	want := mustParse(t, base,
		"GRANT SELECT, INSERT ON *.* TO `app`@`10.0.%`",
		"GRANT BACKUP_ADMIN,SYSTEM_VARIABLES_ADMIN ON *.* TO `app`@`10.0.%` WITH GRANT OPTION",
		"REVOKE INSERT ON `mysql`.* FROM `app`@`10.0.%`",
		"GRANT `reader`@`%`,`writer`@`%` TO `app`@`10.0.%` WITH ADMIN OPTION",
		"GRANT PROXY ON ``@`` TO `app`@`10.0.%`",
	)
	have := mustParse(t, clone,
		"GRANT SELECT, DELETE ON *.* TO `app_clone`@`10.0.%`",
		"GRANT `old`@`%` TO `app_clone`@`10.0.%`",
		"REVOKE SELECT ON `sys`.* FROM `app_clone`@`10.0.%`",
	)
	got := planGrants(want, have, clone, false)
	to := "`app_clone`@`10.0.%`"
	expect := []string{
		"GRANT SELECT, INSERT ON *.* TO " + to,
		"GRANT BACKUP_ADMIN, SYSTEM_VARIABLES_ADMIN ON *.* TO " + to + " WITH GRANT OPTION",
		"GRANT PROXY ON ``@`` TO " + to,
		"GRANT `reader`@`%` TO " + to + " WITH ADMIN OPTION",
		"GRANT `writer`@`%` TO " + to + " WITH ADMIN OPTION",
		"REVOKE DELETE ON *.* FROM " + to,
		"GRANT SELECT, INSERT ON *.* TO " + to,
		"GRANT BACKUP_ADMIN, SYSTEM_VARIABLES_ADMIN ON *.* TO " + to + " WITH GRANT OPTION",
		"REVOKE `old`@`%` FROM " + to,
		"REVOKE INSERT ON `mysql`.* FROM " + to,
		"GRANT SELECT ON `sys`.* TO " + to,
	}
	if !slices.Equal(got, expect) {
		t.Fatalf("plan:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(expect, "\n"))
	}
	roles := defaultRolesMySQL([]account{{user: "reader", host: "%"}}, nil, clone)
	if !slices.Equal(roles, []string{"SET DEFAULT ROLE NONE TO " + to, "SET DEFAULT ROLE `reader`@`%` TO " + to}) {
		t.Fatalf("default roles: %q", roles)
	}
	if defaultRolesMySQL(nil, nil, clone) != nil {
		t.Fatal("equal default roles need no statement")
	}
}

// TestParseGrantNames: names are decoded and re-quoted, so a backtick, quote, or the
// text " TO `x`" inside a name cannot move the grantee or end the statement.
func TestParseGrantNames(t *testing.T) {
	t.Parallel()
	who := account{user: "a`b'c", host: "127.0.0.1"}
	g, err := parseGrant("GRANT SELECT ON `x`` TO ``evil``@``%`.* TO `a``b'c`@`127.0.0.1`", who)
	if err != nil {
		t.Fatal(err)
	}
	if g.object != "`x`` TO ``evil``@``%`.*" || !slices.Equal(g.privs, []string{"SELECT"}) {
		t.Fatalf("read %+v", g)
	}
	if _, err := parseGrant("GRANT SELECT ON *.* TO `someone`@`%`", who); !errors.Is(err, errGrantee) {
		t.Fatalf("another grantee: %v", err)
	}
	for name, line := range map[string]string{
		"unterminated": "GRANT SELECT ON `x.* TO `a`",
		"no TO":        "GRANT SELECT ON *.*",
		"unknown":      "CREATE USER `a`@`b`",
		"bad keyword":  "GRANT SEL;ECT ON *.* TO `a``b'c`@`127.0.0.1`",
	} {
		if _, err := parseGrant(line, who); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestScrub(t *testing.T) {
	t.Parallel()
	err := scrub(&mysql.MySQLError{Number: 1064, SQLState: [5]byte{'4', '2'}, Message: "near 'hunter2' at line 1"}, "hunter2")
	var me *mysql.MySQLError
	if !errors.As(err, &me) || me.Number != 1064 || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("scrub: %v", err)
	}
	plain := errors.New("dial tcp: refused")
	if scrub(plain, "hunter2") != plain {
		t.Fatal("an error without a secret should pass unchanged")
	}
}
