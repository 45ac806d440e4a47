package postgres

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/paramsecrets/paramsecrets/localaws"
	"github.com/paramsecrets/paramsecrets/rotators/rotation"
)

// stepHook wraps a handler so a test can act around single steps.
func stepHook(h localaws.RotationHandler, hook func(ctx context.Context, ev events.SecretsManagerSecretRotationEvent, next localaws.RotationHandler) error) localaws.RotationHandler {
	return func(ctx context.Context, ev events.SecretsManagerSecretRotationEvent) error {
		return hook(ctx, ev, h)
	}
}

func TestEachStepTwiceGivesTheSameEndState(t *testing.T) {
	for _, tc := range []struct {
		name     string
		strategy rotation.Strategy
	}{{"single user", rotation.SingleUser()}, {"alternating users", rotation.AlternatingUsers()}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, plainPG, "")
			e := newAWS(t)
			h := e.rotator(t, tc.strategy, Options{}, nil).Handle
			var pendingAfterFirstCreate string
			e.srv.RegisterHandler(functionARN, stepHook(h, func(ctx context.Context, ev events.SecretsManagerSecretRotationEvent, next localaws.RotationHandler) error {
				if err := next(ctx, ev); err != nil {
					return err
				}
				if ev.Step == rotation.StepCreate {
					// This runs on localaws's goroutine: report, do not t.Fatal.
					out, err := e.sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{
						SecretId: aws.String(ev.SecretID), VersionStage: aws.String(rotation.StagePending),
					})
					if err != nil {
						return err
					}
					p, err := rotation.ParseSecret([]byte(aws.ToString(out.SecretString)))
					if err != nil {
						return err
					}
					pendingAfterFirstCreate = p.Password
				}
				return next(ctx, ev)
			}))
			s := f.secret()
			s.MasterARN = e.createSecret(t, "master-"+f.user, f.master())
			arn := e.createSecret(t, "twice-"+f.user, s)
			for i := range 2 {
				if err := e.rotate(t.Context(), arn, ""); err != nil {
					t.Fatalf("rotation %d: %v", i+1, err)
				}
				cur, _ := e.value(t, arn, rotation.StageCurrent)
				prev, _ := e.value(t, arn, rotation.StagePrevious)
				if cur.Password != pendingAfterFirstCreate {
					t.Errorf("rotation %d: a second createSecret replaced the pending password", i+1)
				}
				assertLogsIn(t, f.pg, f.dbname, cur.Username, cur.Password)
				if tc.name == "single user" {
					assertCannotLogIn(t, f.pg, f.dbname, prev.Username, prev.Password)
				} else {
					assertLogsIn(t, f.pg, f.dbname, prev.Username, prev.Password)
				}
			}
		})
	}
}

func TestRotationStoppedAfterSetSecretCompletesOnRetry(t *testing.T) {
	for _, tc := range []struct {
		name     string
		strategy rotation.Strategy
	}{{"single user", rotation.SingleUser()}, {"alternating users", rotation.AlternatingUsers()}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, plainPG, "")
			e := newAWS(t)
			h := e.rotator(t, tc.strategy, Options{}, nil).Handle
			killed := false
			// The function dies right after setSecret: testSecret never runs the first time.
			e.srv.RegisterHandler(functionARN, stepHook(h, func(ctx context.Context, ev events.SecretsManagerSecretRotationEvent, next localaws.RotationHandler) error {
				if ev.Step == rotation.StepTest && !killed {
					killed = true
					return fmt.Errorf("Runtime.ExitError: the function was killed")
				}
				return next(ctx, ev)
			}))
			s := f.secret()
			s.MasterARN = e.createSecret(t, "master-"+f.user, f.master())
			arn := e.createSecret(t, "killed-"+f.user, s)
			const token = "11111111-2222-3333-4444-555555555555"
			if err := e.rotate(t.Context(), arn, token); err == nil {
				t.Fatal("the interrupted rotation reported success")
			}
			old, _ := e.value(t, arn, rotation.StageCurrent)
			pending, _ := e.value(t, arn, rotation.StagePending)
			// Not locked out: the password the database now holds is in AWSPENDING.
			assertLogsIn(t, f.pg, f.dbname, pending.Username, pending.Password)
			if tc.name == "alternating users" {
				assertLogsIn(t, f.pg, f.dbname, old.Username, old.Password)
			}
			if err := e.rotate(t.Context(), arn, token); err != nil {
				t.Fatalf("retry: %v", err)
			}
			cur, _ := e.value(t, arn, rotation.StageCurrent)
			if cur.Password != pending.Password || e.versionOf(t, arn, rotation.StageCurrent) != token {
				t.Errorf("the retry did not finish the interrupted rotation")
			}
			assertLogsIn(t, f.pg, f.dbname, cur.Username, cur.Password)
		})
	}
}

func TestFailedTestSecretLeavesCurrentWorking(t *testing.T) {
	t.Parallel()
	f := newFixture(t, plainPG, "")
	e := newAWS(t)
	h := e.rotator(t, rotation.AlternatingUsers(), Options{}, nil).Handle
	sabotaged := false
	// Between setSecret and testSecret someone disables the clone, so testSecret fails
	// for real.
	e.srv.RegisterHandler(functionARN, stepHook(h, func(ctx context.Context, ev events.SecretsManagerSecretRotationEvent, next localaws.RotationHandler) error {
		if err := next(ctx, ev); err != nil {
			return err
		}
		if ev.Step == rotation.StepSet && !sabotaged {
			sabotaged = true
			return f.pg.Exec(ctx, "postgres", "ALTER ROLE "+quoteIdent(f.user+"_clone")+" NOLOGIN")
		}
		return nil
	}))
	s := f.secret()
	s.MasterARN = e.createSecret(t, "master-"+f.user, f.master())
	arn := e.createSecret(t, "testfail-"+f.user, s)
	const token = "aaaaaaaa-2222-3333-4444-555555555555"
	err := e.rotate(t.Context(), arn, token)
	if err == nil || !strings.Contains(err.Error(), "testSecret") {
		t.Fatalf("rotation error = %v, want a testSecret failure", err)
	}
	cur, _ := e.value(t, arn, rotation.StageCurrent)
	if cur.Username != f.user || cur.Password != f.password {
		t.Fatal("AWSCURRENT moved although testSecret failed")
	}
	assertLogsIn(t, f.pg, f.dbname, cur.Username, cur.Password)

	// The retry's setSecret repairs the clone.
	if err := e.rotate(t.Context(), arn, token); err != nil {
		t.Fatalf("retry: %v", err)
	}
	cur, _ = e.value(t, arn, rotation.StageCurrent)
	assertLogsIn(t, f.pg, f.dbname, cur.Username, cur.Password)
}

func TestSingleUserFallsBackToPreviousCredential(t *testing.T) {
	t.Parallel()
	f := newFixture(t, plainPG, "")
	e := newAWS(t)
	e.srv.RegisterHandler(functionARN, e.rotator(t, rotation.SingleUser(), Options{}, nil).Handle)
	arn := e.createSecret(t, "prev-"+f.user, f.secret())
	if err := e.rotate(t.Context(), arn, ""); err != nil {
		t.Fatal(err)
	}
	// The database goes back to the previous password (a restored snapshot, say):
	// AWSCURRENT no longer logs in, AWSPREVIOUS does.
	prev, _ := e.value(t, arn, rotation.StagePrevious)
	if err := New(Options{}).SetPassword(t.Context(), f.master(), f.user, prev.Password); err != nil {
		t.Fatal(err)
	}
	if err := e.rotate(t.Context(), arn, ""); err != nil {
		t.Fatalf("rotation with only AWSPREVIOUS working: %v", err)
	}
	cur, _ := e.value(t, arn, rotation.StageCurrent)
	assertLogsIn(t, f.pg, f.dbname, f.user, cur.Password)
	assertCannotLogIn(t, f.pg, f.dbname, f.user, prev.Password)
}
