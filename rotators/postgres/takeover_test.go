package postgres

import (
	"strings"
	"testing"

	"github.com/paramsecrets/paramsecrets/rotators/rotation"
)

// roleState is what a role is allowed to do, read as the superuser: its attributes,
// whether it has a password, and the roles it is a member of.
func roleState(t *testing.T, f *fixture, role string) string {
	t.Helper()
	conn, err := f.pg.Connect(t.Context(), "postgres")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	var state string
	err = conn.QueryRow(t.Context(), `SELECT format('super=%s createrole=%s createdb=%s login=%s replication=%s bypassrls=%s password=%s member of [%s]',
			a.rolsuper, a.rolcreaterole, a.rolcreatedb, a.rolcanlogin, a.rolreplication, a.rolbypassrls,
			a.rolpassword IS NOT NULL,
			(SELECT string_agg(r.rolname || CASE WHEN m.admin_option THEN ' (admin)' ELSE '' END, ', ' ORDER BY r.rolname)
			 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid WHERE m.member = a.oid))
		FROM pg_authid a WHERE a.rolname = $1`, role).Scan(&state)
	if err != nil {
		t.Fatalf("read role %q: %v", role, err)
	}
	return state
}

// TestAlternatingRefusesToTakeOverARoleItDidNotMake: a role named x_clone that the
// rotation did not make — a NOLOGIN SUPERUSER a DBA keeps, say — must not get LOGIN and a
// password that lands in x's secret. The first rotation refuses it, changes nothing and
// says what to do; a role that is provably x's clone (a member of x, nothing more) is
// taken over.
func TestAlternatingRefusesToTakeOverARoleItDidNotMake(t *testing.T) {
	cases := []struct {
		name    string
		setup   []string // run as the superuser; %[1]s is x, %[2]s is x_clone (quoted)
		wantErr string   // "" means the rotation succeeds
	}{
		{"NOLOGIN SUPERUSER, not a member", []string{"CREATE ROLE %[2]s NOLOGIN SUPERUSER"}, "not a member"},
		{"member with SUPERUSER", []string{"CREATE ROLE %[2]s NOLOGIN SUPERUSER IN ROLE %[1]s"}, "SUPERUSER"},
		{"member with CREATEROLE", []string{"CREATE ROLE %[2]s NOLOGIN CREATEROLE IN ROLE %[1]s"}, "CREATEROLE"},
		{"member with CREATEDB", []string{"CREATE ROLE %[2]s NOLOGIN CREATEDB IN ROLE %[1]s"}, "CREATEDB"},
		{"member with REPLICATION", []string{"CREATE ROLE %[2]s NOLOGIN REPLICATION IN ROLE %[1]s"}, "REPLICATION"},
		{"member with BYPASSRLS", []string{"CREATE ROLE %[2]s NOLOGIN BYPASSRLS IN ROLE %[1]s"}, "BYPASSRLS"},
		{"member of a role x is not in", []string{"CREATE ROLE %[2]s NOLOGIN IN ROLE %[1]s, pg_read_server_files"}, "pg_read_server_files"},
		{"member of x with ADMIN OPTION", []string{"CREATE ROLE %[2]s NOLOGIN", "GRANT %[1]s TO %[2]s WITH ADMIN OPTION"}, "ADMIN OPTION"},
		{"provably the clone, disabled", []string{"CREATE ROLE %[2]s NOLOGIN IN ROLE %[1]s"}, ""},
		{"member of a role x is in too", []string{"GRANT pg_read_all_stats TO %[1]s", "CREATE ROLE %[2]s NOLOGIN IN ROLE %[1]s, pg_read_all_stats"}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, plainPG, "")
			clone := f.user + rotation.CloneSuffix
			for _, q := range tc.setup {
				q = strings.NewReplacer("%[1]s", quoteIdent(f.user), "%[2]s", quoteIdent(clone)).Replace(q)
				if err := f.pg.Exec(t.Context(), "postgres", q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			before := roleState(t, f, clone)
			e := newAWS(t)
			e.srv.RegisterHandler(functionARN, e.rotator(t, rotation.AlternatingUsers(), Options{}, nil).Handle)
			s := f.secret()
			s.MasterARN = e.createSecret(t, "master-"+f.user, f.master())
			arn := e.createSecret(t, "takeover-"+f.user, s)

			err := e.rotate(t.Context(), arn, "")
			pending, _ := e.value(t, arn, rotation.StagePending)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("rotation: %v", err)
				}
				cur, _ := e.value(t, arn, rotation.StageCurrent)
				assertLogsIn(t, f.pg, f.dbname, cur.Username, cur.Password)
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "drop or rename") {
				t.Fatalf("rotation error = %v, want a refusal naming %q and saying what to do", err, tc.wantErr)
			}
			t.Logf("refused: %v", err)
			if strings.Contains(err.Error(), pending.Password) || strings.Contains(err.Error(), f.pg.Password) {
				t.Errorf("error %q holds a password", err)
			}
			if after := roleState(t, f, clone); after != before {
				t.Errorf("role %q changed:\nbefore %s\nafter  %s", clone, before, after)
			}
			cur, _ := e.value(t, arn, rotation.StageCurrent)
			if cur.Username != f.user || cur.Password != f.password {
				t.Errorf("AWSCURRENT changed to user %q", cur.Username)
			}
			assertLogsIn(t, f.pg, f.dbname, f.user, f.password)
		})
	}
}

// TestAlternatingNeverTakesOverTheMaster: when x_clone is the master user itself, the
// rotation to the clone would change the master's password and lock its secret out.
func TestAlternatingNeverTakesOverTheMaster(t *testing.T) {
	t.Parallel()
	f := newFixture(t, plainPG, "")
	boss, bossPW := f.user+rotation.CloneSuffix, "Boss-"+randomHex(t, 8)
	if err := f.pg.CreateUser(t.Context(), boss, bossPW); err != nil {
		t.Fatal(err)
	}
	if err := f.pg.Exec(t.Context(), "postgres", "ALTER ROLE "+quoteIdent(boss)+" SUPERUSER"); err != nil {
		t.Fatal(err)
	}
	if err := f.pg.Exec(t.Context(), "postgres", "GRANT "+quoteIdent(f.user)+" TO "+quoteIdent(boss)); err != nil {
		t.Fatal(err)
	}
	e := newAWS(t)
	e.srv.RegisterHandler(functionARN, e.rotator(t, rotation.AlternatingUsers(), Options{}, nil).Handle)
	master := f.master().WithCredentials(boss, bossPW)
	s := f.secret()
	s.MasterARN = e.createSecret(t, "boss-"+f.user, master)
	arn := e.createSecret(t, "bossed-"+f.user, s)

	err := e.rotate(t.Context(), arn, "")
	if err == nil || !strings.Contains(err.Error(), "master") {
		t.Fatalf("rotation error = %v, want a refusal naming the master user", err)
	}
	assertLogsIn(t, f.pg, f.dbname, boss, bossPW)
	assertLogsIn(t, f.pg, f.dbname, f.user, f.password)
}
