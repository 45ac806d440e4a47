package postgres

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/paramsecrets/paramsecrets/internal/lambdatest"
	"github.com/paramsecrets/paramsecrets/internal/testdb"
	"github.com/paramsecrets/paramsecrets/rotators/rotation"
)

// TestBuiltFunctionsUnderTheRuntimeEmulator runs the real bootstraps as Lambda runs them:
// localaws invokes the emulator for each step of RotateSecret.
func TestBuiltFunctionsUnderTheRuntimeEmulator(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two bootstraps and the runtime emulator")
	}
	cases := []struct {
		name     string
		pkg      string
		pg       func() *testdb.Postgres
		ssl      rotation.SSLMode
		env      []string
		alternat bool
	}{
		{name: "single user, plain", pkg: "postgres-single-user", pg: func() *testdb.Postgres { return plainPG }},
		// A server that refuses plain text: the rotation shows every login used TLS.
		{name: "alternating users, verified TLS", pkg: "postgres-alternating-users", pg: func() *testdb.Postgres { return tlsOnlyPG },
			ssl: rotation.SSLRequired, env: []string{EnvCABundle + "=" + tlsOnlyPG.CAFile, EnvCloneSetRole + "=true"}, alternat: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			root, err := lambdatest.RepoRoot(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			bootstrap := filepath.Join(t.TempDir(), "bootstrap")
			if err := lambdatest.BuildBootstrap(t.Context(), filepath.Join(root, "rotators", tc.pkg), bootstrap); err != nil {
				t.Fatal(err)
			}
			pg := tc.pg()
			f := newFixture(t, pg, "")
			e := newAWS(t)
			fn := lambdatest.StartTest(t, lambdatest.Options{
				Bootstrap: bootstrap,
				Env:       append([]string{rotation.EnvSecretsManagerEndpoint + "=" + e.url}, tc.env...),
			})
			e.srv.RegisterFunction(functionARN, fn.InvokeURL())

			s := f.secret()
			s.SSL = tc.ssl
			m := f.master()
			m.SSL = tc.ssl
			s.MasterARN = e.createSecret(t, "master-"+f.user, m)
			arn := e.createSecret(t, "rie-"+f.user, s)
			passwords := []string{f.password}
			for i := range 2 {
				old, _ := e.value(t, arn, rotation.StageCurrent)
				if err := e.rotate(t.Context(), arn, ""); err != nil {
					t.Fatalf("rotation %d: %v\n%s", i+1, err, fn.Logs())
				}
				cur, _ := e.value(t, arn, rotation.StageCurrent)
				prev, _ := e.value(t, arn, rotation.StagePrevious)
				if prev.Password != old.Password || cur.Password == old.Password {
					t.Fatalf("rotation %d: AWSPREVIOUS/AWSCURRENT not moved", i+1)
				}
				assertLogsIn(t, pg, f.dbname, cur.Username, cur.Password)
				if tc.alternat {
					assertLogsIn(t, pg, f.dbname, prev.Username, prev.Password)
				} else {
					assertCannotLogIn(t, pg, f.dbname, prev.Username, prev.Password)
				}
				passwords = append(passwords, cur.Password)
			}
			logs := fn.Logs()
			if !strings.Contains(logs, "AWSCURRENT moved") {
				t.Errorf("the function did not log its steps:\n%s", logs)
			}
			for _, p := range passwords {
				if strings.Contains(logs, p) {
					t.Error("the function logged a password")
				}
			}
			assertNotInLog(t, pg, passwords...)
		})
	}
}
