package postgres

import (
	"strings"
	"testing"

	"github.com/paramsecrets/paramsecrets/rotators/rotation"
)

func TestSingleUserTenRotations(t *testing.T) {
	t.Parallel()
	f := newFixture(t, plainPG, "")
	e := newAWS(t)
	e.srv.RegisterHandler(functionARN, e.rotator(t, rotation.SingleUser(), Options{}, nil).Handle)
	arn := e.createSecret(t, "single-"+f.user, f.secret())

	passwords := []string{f.password}
	for i := range 10 {
		old, _ := e.value(t, arn, rotation.StageCurrent)
		if err := e.rotate(t.Context(), arn, ""); err != nil {
			t.Fatalf("rotation %d: %v", i+1, err)
		}
		cur, raw := e.value(t, arn, rotation.StageCurrent)
		prev, _ := e.value(t, arn, rotation.StagePrevious)
		if cur.Username != f.user || cur.Password == old.Password || len(cur.Password) != 32 {
			t.Fatalf("rotation %d: AWSCURRENT is not a new 32-character password for %q", i+1, f.user)
		}
		if prev.Password != old.Password {
			t.Errorf("rotation %d: AWSPREVIOUS does not hold the old value", i+1)
		}
		if raw["team"] != "payments" || cur.DBName != f.dbname || cur.Port != f.pg.Port {
			t.Errorf("rotation %d: other keys changed: %v", i+1, raw)
		}
		assertLogsIn(t, f.pg, f.dbname, f.user, cur.Password)
		assertCannotLogIn(t, f.pg, f.dbname, f.user, old.Password)
		passwords = append(passwords, cur.Password)
	}
	e.assertNoPasswordLogged(t, f.pg, passwords)
}

func TestAlternatingUsersTenRotations(t *testing.T) {
	t.Parallel()
	f := newFixture(t, plainPG, "")
	e := newAWS(t)
	e.srv.RegisterHandler(functionARN, e.rotator(t, rotation.AlternatingUsers(), Options{}, nil).Handle)
	s := f.secret()
	s.MasterARN = e.createSecret(t, "master-"+f.user, f.master())
	arn := e.createSecret(t, "alt-"+f.user, s)

	passwords := []string{f.password}
	clone := f.user + "_clone"
	for i := range 10 {
		old, _ := e.value(t, arn, rotation.StageCurrent)
		if err := e.rotate(t.Context(), arn, ""); err != nil {
			t.Fatalf("rotation %d: %v", i+1, err)
		}
		cur, raw := e.value(t, arn, rotation.StageCurrent)
		prev, _ := e.value(t, arn, rotation.StagePrevious)
		want := clone
		if i%2 == 1 {
			want = f.user
		}
		if cur.Username != want {
			t.Fatalf("rotation %d: AWSCURRENT user is %q, want %q", i+1, cur.Username, want)
		}
		if prev.Username != old.Username || prev.Password != old.Password {
			t.Errorf("rotation %d: AWSPREVIOUS does not hold the old value", i+1)
		}
		if raw["team"] != "payments" || cur.MasterARN != s.MasterARN {
			t.Errorf("rotation %d: other keys changed: %v", i+1, raw)
		}
		// Both users log in and read what the base user can read.
		assertLogsIn(t, f.pg, f.dbname, cur.Username, cur.Password)
		assertLogsIn(t, f.pg, f.dbname, prev.Username, prev.Password)
		passwords = append(passwords, cur.Password)
	}
	e.assertNoPasswordLogged(t, f.pg, passwords)
}

func TestCloneSetRoleMakesBaseUserOwnNewObjects(t *testing.T) {
	t.Parallel()
	f := newFixture(t, plainPG, "")
	ctx := t.Context()
	if err := f.pg.Exec(ctx, f.dbname, "GRANT CREATE ON SCHEMA public TO "+quoteIdent(f.user)); err != nil {
		t.Fatal(err)
	}
	e := newAWS(t)
	e.srv.RegisterHandler(functionARN, e.rotator(t, rotation.AlternatingUsers(), Options{CloneSetRole: true}, nil).Handle)
	s := f.secret()
	s.MasterARN = e.createSecret(t, "master-"+f.user, f.master())
	arn := e.createSecret(t, "alt-"+f.user, s)
	if err := e.rotate(ctx, arn, ""); err != nil {
		t.Fatal(err)
	}
	cur, _ := e.value(t, arn, rotation.StageCurrent)
	conn, err := (&DB{}).connect(ctx, cur)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE TABLE made_by_clone (id int)"); err != nil {
		t.Fatal(err)
	}
	var owner string
	if err := conn.QueryRow(ctx, "SELECT tableowner FROM pg_tables WHERE tablename = 'made_by_clone'").Scan(&owner); err != nil {
		t.Fatal(err)
	}
	if owner != f.user {
		t.Errorf("table made by %q is owned by %q, want the base user %q", cur.Username, owner, f.user)
	}
}

// TestHostileUsernamesRotateWithoutInjection: user names that would end the quoted
// identifier and run statements of their own, were they pasted into SQL, rotate like any
// other name. VICTIM in a name stands for a role the test creates and the payload drops;
// the user running the statements (the master, or in single-user mode the user itself,
// given CREATEROLE) could drop it, so the role surviving shows nothing ran. DECOY is an
// existing role, so that the pasted statement before the payload (ALTER ROLE "DECOY")
// would succeed rather than abort the payload with it.
func TestHostileUsernamesRotateWithoutInjection(t *testing.T) {
	cases := []struct {
		name        string
		user        string
		alternating bool
		// cloneExists starts from a clone an earlier rotation made, so setSecret alters
		// it instead of creating it.
		cloneExists bool
	}{
		{"single user, SQL in name", `DECOY"; DROP ROLE VICTIM; --`, false, false},
		{"alternating, SQL in name, new clone", `DECOY"; DROP ROLE VICTIM; --`, true, false},
		{"alternating, SQL in name, existing clone", `DECOY"; DROP ROLE VICTIM; --`, true, true},
		{"single user, SQL after a quote", `o'; DROP ROLE VICTIM; --`, false, false},
		{"single user, quotes and semicolons", `o'brien;"x"` + "\\", false, false},
		{"alternating, unicode", "ünïcødé_用户", true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			victim := "victim_" + randomHex(t, 3)
			decoy := victim + "_decoy"
			user := strings.NewReplacer("VICTIM", victim, "DECOY", decoy).Replace(tc.user) + "_" + randomHex(t, 3)
			f := newFixture(t, plainPG, user)
			if err := f.pg.CreateUser(ctx, victim, "Victim-"+randomHex(t, 8)); err != nil {
				t.Fatal(err)
			}
			setup := []string{"CREATE ROLE " + quoteIdent(decoy)}
			strategy := rotation.SingleUser()
			if tc.alternating {
				strategy = rotation.AlternatingUsers()
			} else {
				setup = append(setup, "ALTER ROLE "+quoteIdent(user)+" CREATEROLE")
			}
			if tc.cloneExists {
				clone := user + rotation.CloneSuffix
				if err := f.pg.CreateUser(ctx, clone, "Clone-"+randomHex(t, 8)); err != nil {
					t.Fatal(err)
				}
				setup = append(setup, "GRANT "+quoteIdent(user)+" TO "+quoteIdent(clone))
			}
			for _, q := range setup {
				if err := f.pg.Exec(ctx, "postgres", q); err != nil {
					t.Fatal(err)
				}
			}
			e := newAWS(t)
			e.srv.RegisterHandler(functionARN, e.rotator(t, strategy, Options{}, nil).Handle)
			s := f.secret()
			s.MasterARN = e.createSecret(t, "master-"+randomHex(t, 4), f.master())
			arn := e.createSecret(t, "hostile-"+randomHex(t, 4), s)
			for i := range 2 {
				if err := e.rotate(ctx, arn, ""); err != nil {
					// The victim is checked below all the same: a failed rotation may
					// still have run the payload.
					t.Errorf("rotation %d: %v", i+1, err)
					break
				}
				cur, _ := e.value(t, arn, rotation.StageCurrent)
				assertLogsIn(t, f.pg, f.dbname, cur.Username, cur.Password)
			}
			conn, err := f.pg.Connect(ctx, "postgres")
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			var exists bool
			if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", victim).Scan(&exists); err != nil {
				t.Fatal(err)
			}
			if !exists {
				t.Errorf("role %q was dropped by a statement inside the user name %q", victim, user)
			}
		})
	}
}

// TestRotationOverVerifiedTLS: ssl true in both secrets, against a server that refuses
// plain text, so the rotation succeeding shows that every login used verified TLS.
func TestRotationOverVerifiedTLS(t *testing.T) {
	t.Parallel()
	f := newFixture(t, tlsOnlyPG, "")
	e := newAWS(t)
	e.srv.RegisterHandler(functionARN, e.rotator(t, rotation.AlternatingUsers(), trustTestCA(t), nil).Handle)
	s := f.secret()
	s.SSL = rotation.SSLRequired
	m := f.master()
	m.SSL = rotation.SSLRequired
	s.MasterARN = e.createSecret(t, "master-"+f.user, m)
	arn := e.createSecret(t, "tls-"+f.user, s)
	if err := e.rotate(t.Context(), arn, ""); err != nil {
		t.Fatal(err)
	}
	cur, raw := e.value(t, arn, rotation.StageCurrent)
	if raw["ssl"] != true {
		t.Errorf("ssl key changed: %v", raw["ssl"])
	}
	if err := New(trustTestCA(t)).Ping(t.Context(), cur); err != nil {
		t.Errorf("AWSCURRENT does not log in over TLS: %v", err)
	}
}
