package mysql

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paramsecrets/paramsecrets/internal/lambdatest"
	"github.com/paramsecrets/paramsecrets/rotators/rotation"
)

// TestBuiltFunctionUnderRIE builds each rotator as Lambda runs it (a static bootstrap
// under the Runtime Interface Emulator) and lets localaws drive ten rotations in a row
// through RotateSecret, with TLS verified against DB_CA_BUNDLE.
func TestBuiltFunctionUnderRIE(t *testing.T) {
	if testing.Short() {
		t.Skip("builds binaries")
	}
	t.Parallel()
	for name, pkg := range map[string]string{
		"single user":       "github.com/paramsecrets/paramsecrets/rotators/mysql-single-user",
		"alternating users": "github.com/paramsecrets/paramsecrets/rotators/mysql-alternating-users",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			bootstrap := filepath.Join(t.TempDir(), "bootstrap")
			if err := lambdatest.BuildBootstrap(ctx, pkg, bootstrap); err != nil {
				t.Fatal(err)
			}
			strategy := rotation.SingleUser()
			if name == "alternating users" {
				strategy = rotation.AlternatingUsers()
			}
			g := newRig(t, strategy) // its in-process function is replaced below
			id, first := setup(t, g, name == "alternating users")
			fn := lambdatest.StartTest(t, lambdatest.Options{
				Bootstrap: bootstrap,
				Env: []string{
					"SECRETS_MANAGER_ENDPOINT=" + g.url,
					"DB_CA_BUNDLE=" + tlsServer.CAFile,
				},
			})
			g.aws.RegisterFunction(fnARN, fn.InvokeURL())
			seen := []string{first.Password}
			prev := first
			for i := range 10 {
				if err := g.rotate(id, ""); err != nil {
					t.Fatalf("rotation %d: %v\n%s", i+1, err, fn.Logs())
				}
				cur, _ := g.stage(t, id, rotation.StageCurrent)
				if cur.Password == prev.Password {
					t.Fatalf("rotation %d did not change the password", i+1)
				}
				if alternating := name == "alternating users"; alternating == (cur.Username == prev.Username) {
					t.Fatalf("rotation %d: user %q after %q (alternating %v)", i+1, cur.Username, prev.Username, alternating)
				}
				assertLogsIn(t, g.d, cur)
				seen = append(seen, cur.Password)
				prev = cur
			}
			logs := fn.Logs()
			for _, pw := range seen {
				if strings.Contains(logs, pw) {
					t.Fatal("a password reached the function's log")
				}
			}
			if !strings.Contains(logs, "AWSCURRENT moved") {
				t.Fatalf("the function's log does not show the steps:\n%s", logs)
			}
		})
	}
}
