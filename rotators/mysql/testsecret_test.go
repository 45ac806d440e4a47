package mysql

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/paramsecrets/paramsecrets/rotators/rotation"
)

// TestFailedTestSecretLeavesCurrentWorking: between setSecret and testSecret someone
// breaks the clone for real, so testSecret's login fails. The rotation stops there,
// AWSCURRENT is not moved and still logs in, and once the cause is gone a retry with the
// same token completes.
func TestFailedTestSecretLeavesCurrentWorking(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		// sabotage is the root statement run once setSecret has succeeded.
		sabotage func(clone string) string
		// repair undoes it before the last retry; nil when the retry's setSecret repairs
		// the clone by itself.
		repair func(t *testing.T, clone string)
	}{
		{
			name:     "clone account locked",
			sabotage: func(clone string) string { return "ALTER USER " + acct(clone, "127.0.0.1") + " ACCOUNT LOCK" },
			repair: func(t *testing.T, clone string) {
				root(t, tlsServer, "ALTER USER "+acct(clone, "127.0.0.1")+" ACCOUNT UNLOCK")
			},
		},
		{
			name: "clone password changed",
			sabotage: func(clone string) string {
				return "SET PASSWORD FOR " + acct(clone, "127.0.0.1") + " = PASSWORD('someone-else')"
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := newRig(t, rotation.AlternatingUsers())
			id, first := setup(t, g, true)
			clone := first.Username + "_clone"
			// The wrapper runs on the server's goroutines, so what it shares with the
			// test is guarded.
			var (
				mu        sync.Mutex
				sabotaged bool
				steps     []string
			)
			stepsSeen := func() []string {
				mu.Lock()
				defer mu.Unlock()
				return append([]string(nil), steps...)
			}
			g.setWrap(func(ev events.SecretsManagerSecretRotationEvent, next func() error) error {
				mu.Lock()
				steps = append(steps, ev.Step)
				mu.Unlock()
				if err := next(); err != nil {
					return err
				}
				mu.Lock()
				defer mu.Unlock()
				if ev.Step == rotation.StepSet && !sabotaged {
					sabotaged = true
					return tlsServer.Exec(context.Background(), "", tc.sabotage(clone))
				}
				return nil
			})
			resetSteps := func() {
				mu.Lock()
				defer mu.Unlock()
				steps = nil
			}
			const token = "cccccccc-2222-3333-4444-555555555555"
			assertStopsAtTestSecret := func(attempt string) {
				t.Helper()
				resetSteps()
				err := g.rotate(id, token)
				if err == nil || !strings.Contains(err.Error(), "testSecret") {
					t.Fatalf("%s: rotation error = %v, want a testSecret failure", attempt, err)
				}
				if want := []string{rotation.StepCreate, rotation.StepSet, rotation.StepTest}; !slices.Equal(stepsSeen(), want) {
					t.Fatalf("%s: steps %v, want the rotation to stop at testSecret", attempt, stepsSeen())
				}
				cur, version := g.stage(t, id, rotation.StageCurrent)
				if version == token || cur.Username != first.Username || cur.Password != first.Password {
					t.Fatalf("%s: AWSCURRENT moved although testSecret failed", attempt)
				}
				assertLogsIn(t, g.d, cur)
				if g.pendingToken(t, id) != token {
					t.Fatalf("%s: the pending version is gone; nothing to retry", attempt)
				}
			}
			assertStopsAtTestSecret("first attempt")
			pending, _ := g.stage(t, id, rotation.StagePending)
			if pending.Username != clone {
				t.Fatalf("AWSPENDING user %q, want %q", pending.Username, clone)
			}
			if tc.repair != nil {
				// While the cause remains, a retry stops at testSecret again.
				assertStopsAtTestSecret("retry before the repair")
				tc.repair(t, clone)
			}

			resetSteps()
			if err := g.rotate(id, token); err != nil {
				t.Fatalf("retry: %v", err)
			}
			if want := []string{rotation.StepCreate, rotation.StepSet, rotation.StepTest, rotation.StepFinish}; !slices.Equal(stepsSeen(), want) {
				t.Errorf("retry steps %v, want all four", stepsSeen())
			}
			cur, version := g.stage(t, id, rotation.StageCurrent)
			if version != token || cur.Username != clone || cur.Password != pending.Password {
				t.Fatalf("after the retry AWSCURRENT is %s (user %q), want the retried %s for %q", version, cur.Username, token, clone)
			}
			assertLogsIn(t, g.d, cur)
			prev, _ := g.stage(t, id, rotation.StagePrevious)
			if prev.Username != first.Username || prev.Password != first.Password {
				t.Error("AWSPREVIOUS does not hold the credential the rotation replaced")
			}
			assertLogsIn(t, g.d, prev)
			g.assertNoSecretsLogged(t, first.Password, pending.Password)
		})
	}
}
