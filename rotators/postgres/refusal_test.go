package postgres

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/paramsecrets/paramsecrets/rotators/rotation"
)

// putPending stores s as the AWSPENDING version token of secret id, as a tampered or
// half-made rotation would leave it, with rotation enabled but not run.
func (e *awsEnv) putPending(t *testing.T, id, token string, s rotation.Secret) {
	t.Helper()
	ctx := context.Background()
	// Enabling rotation needs a function Secrets Manager can invoke; nothing runs it.
	e.srv.RegisterHandler(functionARN, func(context.Context, events.SecretsManagerSecretRotationEvent) error { return nil })
	if _, err := e.sm.RotateSecret(ctx, &secretsmanager.RotateSecretInput{
		SecretId: aws.String(id), RotationLambdaARN: aws.String(functionARN), RotateImmediately: aws.Bool(false),
	}); err != nil {
		t.Fatal(err)
	}
	body, err := s.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
		SecretId: aws.String(id), ClientRequestToken: aws.String(token), SecretString: aws.String(string(body)),
		VersionStages: []string{rotation.StagePending},
	}); err != nil {
		t.Fatal(err)
	}
}

func TestSetSecretRefusesARedirectedPendingValue(t *testing.T) {
	const token = "bbbbbbbb-2222-3333-4444-555555555555"
	cases := []struct {
		name     string
		strategy rotation.Strategy
		change   func(s *rotation.Secret)
		wantErr  string
	}{
		{"host", rotation.SingleUser(), func(s *rotation.Secret) { s.Host = "203.0.113.7" }, "host"},
		{"port", rotation.SingleUser(), func(s *rotation.Secret) { s.Port++ }, "port"},
		{"dbname", rotation.SingleUser(), func(s *rotation.Secret) { s.DBName = "postgres" }, "dbname"},
		{"engine", rotation.SingleUser(), func(s *rotation.Secret) { s.Engine = "aurora-postgresql" }, "engine"},
		{"ssl downgraded", rotation.SingleUser(), func(s *rotation.Secret) { s.SSL = rotation.SSLDisabled }, "ssl"},
		{"single user renamed", rotation.SingleUser(), func(s *rotation.Secret) { s.Username = "postgres" }, "username"},
		{"alternating user not the clone", rotation.AlternatingUsers(), func(s *rotation.Secret) { s.Username = "postgres" }, "alternate"},
		{"alternating host", rotation.AlternatingUsers(), func(s *rotation.Secret) {
			s.Username += "_clone"
			s.Host = "203.0.113.7"
		}, "host"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, plainPG, "")
			e := newAWS(t)
			s := f.secret()
			s.MasterARN = e.createSecret(t, "master-"+f.user, f.master())
			arn := e.createSecret(t, "redirect-"+f.user, s)
			pending := s.WithCredentials(s.Username, "Pending-"+randomHex(t, 10))
			tc.change(&pending)
			e.putPending(t, arn, token, pending)

			err := e.rotator(t, tc.strategy, Options{}, nil).Handle(t.Context(), events.SecretsManagerSecretRotationEvent{
				Step: rotation.StepSet, SecretID: arn, ClientRequestToken: token,
			})
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("setSecret error = %v, want a refusal naming %q", err, tc.wantErr)
			}
			if strings.Contains(err.Error(), pending.Password) || strings.Contains(err.Error(), f.password) {
				t.Errorf("error %q holds a password", err)
			}
			assertLogsIn(t, f.pg, f.dbname, f.user, f.password)
		})
	}
}

func TestHandlerRefusals(t *testing.T) {
	cases := []struct {
		name     string
		strategy rotation.Strategy
		// setup returns the event to send; it may change the secret or the servers.
		setup   func(t *testing.T, e *awsEnv, r *rotation.Rotator, f *fixture, arn string) events.SecretsManagerSecretRotationEvent
		env     map[string]string
		wantErr string // "" means the handler must succeed
	}{
		{"rotation disabled", rotation.SingleUser(), func(t *testing.T, e *awsEnv, r *rotation.Rotator, f *fixture, arn string) events.SecretsManagerSecretRotationEvent {
			if err := e.rotate(t.Context(), arn, ""); err != nil {
				t.Fatal(err)
			}
			if _, err := e.sm.CancelRotateSecret(t.Context(), &secretsmanager.CancelRotateSecretInput{SecretId: aws.String(arn)}); err != nil {
				t.Fatal(err)
			}
			return events.SecretsManagerSecretRotationEvent{Step: rotation.StepCreate, SecretID: arn,
				ClientRequestToken: e.versionOf(t, arn, rotation.StageCurrent)}
		}, nil, "rotation is not enabled"},
		{"token unknown", rotation.SingleUser(), func(t *testing.T, e *awsEnv, r *rotation.Rotator, f *fixture, arn string) events.SecretsManagerSecretRotationEvent {
			e.putPending(t, arn, "cccccccc-2222-3333-4444-555555555555", f.secret())
			return events.SecretsManagerSecretRotationEvent{Step: rotation.StepSet, SecretID: arn,
				ClientRequestToken: "dddddddd-2222-3333-4444-555555555555"}
		}, nil, "has no stage"},
		{"token not AWSPENDING", rotation.SingleUser(), func(t *testing.T, e *awsEnv, r *rotation.Rotator, f *fixture, arn string) events.SecretsManagerSecretRotationEvent {
			if err := e.rotate(t.Context(), arn, ""); err != nil {
				t.Fatal(err)
			}
			return events.SecretsManagerSecretRotationEvent{Step: rotation.StepSet, SecretID: arn,
				ClientRequestToken: e.versionOf(t, arn, rotation.StagePrevious)}
		}, nil, "not staged AWSPENDING"},
		{"token already AWSCURRENT does nothing", rotation.SingleUser(), func(t *testing.T, e *awsEnv, r *rotation.Rotator, f *fixture, arn string) events.SecretsManagerSecretRotationEvent {
			if err := e.rotate(t.Context(), arn, ""); err != nil {
				t.Fatal(err)
			}
			return events.SecretsManagerSecretRotationEvent{Step: rotation.StepFinish, SecretID: arn,
				ClientRequestToken: e.versionOf(t, arn, rotation.StageCurrent)}
		}, nil, ""},
		{"unknown step", rotation.SingleUser(), func(t *testing.T, e *awsEnv, r *rotation.Rotator, f *fixture, arn string) events.SecretsManagerSecretRotationEvent {
			return events.SecretsManagerSecretRotationEvent{Step: "dropSecret", SecretID: arn, ClientRequestToken: "x"}
		}, nil, "invalid step"},
		{"impossible password settings", rotation.SingleUser(), func(t *testing.T, e *awsEnv, r *rotation.Rotator, f *fixture, arn string) events.SecretsManagerSecretRotationEvent {
			return startRotation(t, e, r, arn)
		}, map[string]string{rotation.EnvPasswordLength: "2"}, "PASSWORD_LENGTH"},
		{"missing masterarn", rotation.AlternatingUsers(), func(t *testing.T, e *awsEnv, r *rotation.Rotator, f *fixture, arn string) events.SecretsManagerSecretRotationEvent {
			s := f.secret()
			s.MasterARN = ""
			replaceCurrent(t, e, arn, s)
			return startRotation(t, e, r, arn, rotation.StepCreate, rotation.StepSet)
		}, nil, "masterarn"},
		{"master cannot log in", rotation.AlternatingUsers(), func(t *testing.T, e *awsEnv, r *rotation.Rotator, f *fixture, arn string) events.SecretsManagerSecretRotationEvent {
			m := f.master()
			m.Password = "Wrong-" + randomHex(t, 8)
			s := f.secret()
			s.MasterARN = e.createSecret(t, "badmaster-"+f.user, m)
			replaceCurrent(t, e, arn, s)
			return startRotation(t, e, r, arn, rotation.StepCreate, rotation.StepSet)
		}, nil, "as master"},
		{"master on another host", rotation.AlternatingUsers(), func(t *testing.T, e *awsEnv, r *rotation.Rotator, f *fixture, arn string) events.SecretsManagerSecretRotationEvent {
			m := f.master()
			m.Host = "203.0.113.7"
			s := f.secret()
			s.MasterARN = e.createSecret(t, "farmaster-"+f.user, m)
			replaceCurrent(t, e, arn, s)
			return startRotation(t, e, r, arn, rotation.StepCreate, rotation.StepSet)
		}, nil, "not the current host"},
		{"current cannot log in (alternating)", rotation.AlternatingUsers(), func(t *testing.T, e *awsEnv, r *rotation.Rotator, f *fixture, arn string) events.SecretsManagerSecretRotationEvent {
			s := f.secret()
			s.Password = "Wrong-" + randomHex(t, 8)
			s.MasterARN = e.createSecret(t, "master-"+f.user, f.master())
			replaceCurrent(t, e, arn, s)
			return startRotation(t, e, r, arn, rotation.StepCreate, rotation.StepSet)
		}, nil, "current credential"},
		{"secret without host", rotation.SingleUser(), func(t *testing.T, e *awsEnv, r *rotation.Rotator, f *fixture, arn string) events.SecretsManagerSecretRotationEvent {
			s := f.secret()
			s.Host = ""
			replaceCurrent(t, e, arn, s)
			return startRotation(t, e, r, arn)
		}, nil, `"host"`},
		{"other engine", rotation.SingleUser(), func(t *testing.T, e *awsEnv, r *rotation.Rotator, f *fixture, arn string) events.SecretsManagerSecretRotationEvent {
			s := f.secret()
			s.Engine = "mysql"
			replaceCurrent(t, e, arn, s)
			return startRotation(t, e, r, arn)
		}, nil, `engine "mysql"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, plainPG, "")
			e := newAWS(t)
			r := e.rotator(t, tc.strategy, Options{}, tc.env)
			e.srv.RegisterHandler(functionARN, r.Handle)
			arn := e.createSecret(t, "refuse-"+f.user, f.secret())
			ev := tc.setup(t, e, r, f, arn)
			err := r.Handle(t.Context(), ev)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("handler: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("handler error = %v, want one naming %q", err, tc.wantErr)
			}
			// "Wrong-" starts every wrong password the cases store.
			if strings.Contains(err.Error(), f.password) || strings.Contains(err.Error(), f.pg.Password) ||
				strings.Contains(err.Error(), "Wrong-") {
				t.Errorf("error %q holds a password", err)
			}
			t.Logf("refused: %v", err)
		})
	}
}

// replaceCurrent stores s as the new AWSCURRENT value of secret id.
func replaceCurrent(t *testing.T, e *awsEnv, id string, s rotation.Secret) {
	t.Helper()
	body, err := s.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.sm.PutSecretValue(t.Context(), &secretsmanager.PutSecretValueInput{
		SecretId: aws.String(id), SecretString: aws.String(string(body)),
	}); err != nil {
		t.Fatal(err)
	}
}

// startRotation enables rotation, creates the pending version as Secrets Manager does,
// runs the steps before the last one given, and returns the event of the last one
// (createSecret when none are given).
func startRotation(t *testing.T, e *awsEnv, r *rotation.Rotator, id string, steps ...string) events.SecretsManagerSecretRotationEvent {
	t.Helper()
	if len(steps) == 0 {
		steps = []string{rotation.StepCreate}
	}
	const token = "eeeeeeee-2222-3333-4444-555555555555"
	// Let the rotation run only up to the step under test: a handler that refuses later
	// steps makes RotateSecret stop there, leaving the version AWSPENDING.
	stop := steps[len(steps)-1]
	e.srv.RegisterHandler(functionARN, func(ctx context.Context, ev events.SecretsManagerSecretRotationEvent) error {
		if ev.Step == stop {
			return errStop
		}
		return r.Handle(ctx, ev)
	})
	if err := e.rotate(t.Context(), id, token); err == nil || !strings.Contains(err.Error(), errStop.Error()) {
		t.Fatalf("preparing the rotation: %v", err)
	}
	return events.SecretsManagerSecretRotationEvent{Step: stop, SecretID: id, ClientRequestToken: token}
}

type stopError struct{}

func (stopError) Error() string { return "stopped before the step under test" }

var errStop error = stopError{}

// TestAlternatingRefusesABaseRoleItDidNotClone shows the master is not a confused deputy:
// whoever can create a role "x_clone" and write a secret naming it must not get the
// master to set the password of x (the master user itself, say). The rotation may set
// x's password only when x_clone is a member of x, as the first rotation made it.
func TestAlternatingRefusesABaseRoleItDidNotClone(t *testing.T) {
	t.Parallel()
	f := newFixture(t, plainPG, "")
	impostor, impostorPW := f.user+"_clone", "Impostor-"+randomHex(t, 8)
	if err := f.pg.CreateUser(t.Context(), impostor, impostorPW); err != nil {
		t.Fatal(err)
	}
	e := newAWS(t)
	e.srv.RegisterHandler(functionARN, e.rotator(t, rotation.AlternatingUsers(), Options{}, nil).Handle)
	s := f.secret().WithCredentials(impostor, impostorPW)
	s.MasterARN = e.createSecret(t, "master-"+f.user, f.master())
	arn := e.createSecret(t, "impostor-"+f.user, s)

	// The engine refuses first: the secret never held x's credential (AWSPREVIOUS).
	err := e.rotate(t.Context(), arn, "")
	if err == nil || !strings.Contains(err.Error(), "AWSPREVIOUS") {
		t.Fatalf("rotation error = %v, want a setSecret refusal asking for x's credential in AWSPREVIOUS", err)
	}
	assertLogsIn(t, f.pg, f.dbname, f.user, f.password)

	// The adapter refuses on its own too, for a caller that skips the engine.
	pending := f.secret().WithCredentials(f.user, "Stolen-"+randomHex(t, 8))
	err = New(Options{}).SyncClone(t.Context(), f.master(), rotation.Pair{Current: s, Pending: pending})
	if err == nil || !strings.Contains(err.Error(), "not a member") {
		t.Fatalf("SyncClone error = %v, want a refusal naming the missing membership", err)
	}
	assertLogsIn(t, f.pg, f.dbname, f.user, f.password)
}

// TestAlternatingCurrentCloneWithoutBaseUser covers a current user that already ends in
// "_clone" while the user without the suffix does not exist: nothing is created, the
// refusal says why, and the current credential keeps working.
func TestAlternatingCurrentCloneWithoutBaseUser(t *testing.T) {
	t.Parallel()
	f := newFixture(t, plainPG, "solo_"+randomHex(t, 4)+"_clone")
	e := newAWS(t)
	e.srv.RegisterHandler(functionARN, e.rotator(t, rotation.AlternatingUsers(), Options{}, nil).Handle)
	s := f.secret()
	s.MasterARN = e.createSecret(t, "master-"+f.user, f.master())
	arn := e.createSecret(t, "solo-"+f.user, s)

	err := e.rotate(t.Context(), arn, "")
	if err == nil || !strings.Contains(err.Error(), "AWSPREVIOUS") {
		t.Fatalf("rotation error = %v, want a refusal asking for the base user's credential", err)
	}
	base := strings.TrimSuffix(f.user, rotation.CloneSuffix)
	pending := s.WithCredentials(base, "New-"+randomHex(t, 8))
	if err := New(Options{}).SyncClone(t.Context(), f.master(), rotation.Pair{Current: s, Pending: pending}); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("SyncClone error = %v, want a refusal naming the missing base user", err)
	}
	cur, _ := e.value(t, arn, rotation.StageCurrent)
	if cur.Username != f.user {
		t.Errorf("AWSCURRENT moved to %q", cur.Username)
	}
	assertLogsIn(t, f.pg, f.dbname, f.user, f.password)
	conn, err := f.pg.Connect(t.Context(), "postgres")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	var exists bool
	if err := conn.QueryRow(t.Context(), "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", base).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Errorf("role %q was created", base)
	}
}
