package mysql

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// TestParseProxyGrants: MariaDB prints PROXY grants with the names pasted raw between
// single quotes. A line is read only when it cannot mean another account than it seems
// to; otherwise the sync fails rather than give the clone a proxy on someone else.
func TestParseProxyGrants(t *testing.T) {
	t.Parallel()
	who := account{user: "app", host: "127.0.0.1"}
	for name, tc := range map[string]struct {
		line   string
		object string // "" when the line must be refused
		option bool
	}{
		"MariaDB raw quotes":  {line: "GRANT PROXY ON 'other'@'%' TO 'app'@'127.0.0.1'", object: "`other`@`%`"},
		"with grant option":   {line: "GRANT PROXY ON ''@'%' TO 'app'@'127.0.0.1' WITH GRANT OPTION", object: "``@`%`", option: true},
		"MySQL 8 backticks":   {line: "GRANT PROXY ON `o``x`@`%` TO `app`@`127.0.0.1`", object: "`o``x`@`%`"},
		"doubled quote":       {line: "GRANT PROXY ON 'a''b'@'%' TO 'app'@'127.0.0.1'"},
		"backslash":           {line: `GRANT PROXY ON 'a\'b'@'%' TO 'app'@'127.0.0.1'`},
		"smuggled grantee":    {line: "GRANT PROXY ON 'v'@'%' TO 'app'@'127.0.0.1' WITH GRANT OPTION ''@'h' TO 'app'@'127.0.0.1'"},
		"name shifts tokens":  {line: "GRANT PROXY ON 'x'@'y'@'z' TO 'app'@'127.0.0.1'"},
		"escaped grantee":     {line: "GRANT PROXY ON 'v'@'%' TO 'ap''p'@'127.0.0.1'"},
		"trailing text":       {line: "GRANT PROXY ON 'v'@'%' TO 'app'@'127.0.0.1' WITH GRANT OPTION x"},
		"account not an obj":  {line: "GRANT SELECT ON `db`@`t` TO `app`@`127.0.0.1`"},
		"account plus object": {line: "GRANT SELECT ON `db`.`t`@`h` TO `app`@`127.0.0.1`"},
	} {
		t.Run(name, func(t *testing.T) {
			g, err := parseGrant(tc.line, who)
			if tc.object == "" {
				if err == nil {
					t.Fatalf("accepted as %q on %q", g.privs, g.object)
				}
				if errors.Is(err, errGrantee) {
					t.Fatalf("skipped as another grantee's line, want an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if g.object != tc.object || g.option != tc.option || !slices.Equal(g.privs, []string{"PROXY"}) {
				t.Fatalf("read %+v, want PROXY on %s (option %v)", g, tc.object, tc.option)
			}
		})
	}
}

// TestPlanGrantsOptionPerPrivilege: MySQL 8 keeps a grant option per dynamic privilege.
// A clone holding one the base user holds without it loses the option, and keeps every
// privilege and the options the base user does have.
func TestPlanGrantsOptionPerPrivilege(t *testing.T) {
	t.Parallel()
	base, clone := account{user: "app", host: "%"}, account{user: "app_clone", host: "%"}
	want := mustParse(t, base,
		"GRANT SELECT ON *.* TO `app`@`%` WITH GRANT OPTION",
		"GRANT BACKUP_ADMIN ON *.* TO `app`@`%`",
	)
	have := mustParse(t, clone,
		"GRANT SELECT ON *.* TO `app_clone`@`%` WITH GRANT OPTION",
		"GRANT BACKUP_ADMIN ON *.* TO `app_clone`@`%` WITH GRANT OPTION",
	)
	to := "`app_clone`@`%`"
	got := planGrants(want, have, clone, false)
	expect := []string{
		"GRANT BACKUP_ADMIN ON *.* TO " + to,
		"GRANT SELECT ON *.* TO " + to + " WITH GRANT OPTION",
		"REVOKE GRANT OPTION ON *.* FROM " + to,
		"GRANT BACKUP_ADMIN ON *.* TO " + to,
		"GRANT SELECT ON *.* TO " + to + " WITH GRANT OPTION",
	}
	if !slices.Equal(got, expect) {
		t.Fatalf("plan:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(expect, "\n"))
	}
	// A proxy takes no REVOKE GRANT OPTION: the proxy is taken and given back.
	want = mustParse(t, base, "GRANT PROXY ON ``@`` TO `app`@`%`")
	have = mustParse(t, clone, "GRANT PROXY ON ``@`` TO `app_clone`@`%` WITH GRANT OPTION")
	got = planGrants(want, have, clone, false)
	expect = []string{
		"GRANT PROXY ON ``@`` TO " + to,
		"REVOKE PROXY ON ``@`` FROM " + to,
		"GRANT PROXY ON ``@`` TO " + to,
	}
	if !slices.Equal(got, expect) {
		t.Fatalf("proxy plan:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(expect, "\n"))
	}
}

// TestGrantExcess: what an existing clone holds beyond the base user, the reasons an
// account of that name is not taken over; what the base user covers is not listed.
func TestGrantExcess(t *testing.T) {
	t.Parallel()
	base, clone := account{user: "app", host: "%"}, account{user: "app_clone", host: "%"}
	cases := []struct {
		name       string
		want, have []string
		excess     []string
	}{
		{"same grants", []string{"GRANT SELECT ON `db`.* TO `app`@`%`"}, []string{"GRANT SELECT ON `db`.* TO `app_clone`@`%`"}, nil},
		{"a subset, as a rotation cut short leaves it",
			[]string{"GRANT SELECT, INSERT ON `db`.* TO `app`@`%` WITH GRANT OPTION", "GRANT `r`@`%` TO `app`@`%`"},
			[]string{"GRANT USAGE ON *.* TO `app_clone`@`%`", "GRANT SELECT ON `db`.* TO `app_clone`@`%`"}, nil},
		{"covered by the table privilege", []string{"GRANT UPDATE ON `db`.`t` TO `app`@`%`"}, []string{"GRANT UPDATE (`id`) ON `db`.`t` TO `app_clone`@`%`"}, nil},
		{"covered by ALL PRIVILEGES", []string{"GRANT ALL PRIVILEGES ON `db`.* TO `app`@`%`"}, []string{"GRANT SELECT, DROP ON `db`.* TO `app_clone`@`%`"}, nil},
		{"global privileges",
			[]string{"GRANT SELECT ON `db`.* TO `app`@`%`"},
			[]string{"GRANT ALL PRIVILEGES ON *.* TO `app_clone`@`%` WITH GRANT OPTION", "GRANT SELECT ON `db`.* TO `app_clone`@`%`"},
			[]string{"ALL PRIVILEGES ON *.*", "GRANT OPTION ON *.*"}},
		{"a column the base user lacks", []string{"GRANT UPDATE (`id`) ON `db`.`t` TO `app`@`%`"}, []string{"GRANT UPDATE (`id`, `pw`) ON `db`.`t` TO `app_clone`@`%`"},
			[]string{"UPDATE (`pw`) ON `db`.`t`"}},
		{"a grant option", []string{"GRANT SELECT ON `db`.* TO `app`@`%`"}, []string{"GRANT SELECT ON `db`.* TO `app_clone`@`%` WITH GRANT OPTION"},
			[]string{"GRANT OPTION ON `db`.*"}},
		{"roles", []string{"GRANT `r`@`%` TO `app`@`%`"}, []string{"GRANT `r`@`%`, `dba`@`%` TO `app_clone`@`%` WITH ADMIN OPTION"},
			[]string{"ADMIN OPTION on role `r`@`%`", "role `dba`@`%`"}},
		{"a proxy", nil, []string{"GRANT PROXY ON `root`@`%` TO `app_clone`@`%`"}, []string{"PROXY ON `root`@`%`"}},
		{"a partial revoke lifted", []string{"GRANT SELECT ON *.* TO `app`@`%`", "REVOKE SELECT ON `mysql`.* FROM `app`@`%`"},
			[]string{"GRANT SELECT ON *.* TO `app_clone`@`%`"}, []string{"SELECT ON `mysql`.*, which is revoked from the base user"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := grantExcess(mustParse(t, base, tc.want...), mustParse(t, clone, tc.have...))
			if !slices.Equal(got, tc.excess) {
				t.Errorf("excess %q, want %q", got, tc.excess)
			}
		})
	}
}
