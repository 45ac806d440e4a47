package tests

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/paramsecrets/paramsecrets/internal/demo/sandbox"
	"github.com/paramsecrets/paramsecrets/internal/lambdatest"
)

// TestRotateSecretRunsEachRotator drives every rotator binary under the
// emulator the way Secrets Manager does: RotateSecret on the secret and
// with the token the recorded events carry, localaws invoking the function
// for the four steps. A second rotation (a fresh token) shows the scheme:
// single user keeps the user, alternating users switches back.
func TestRotateSecretRunsEachRotator(t *testing.T) {
	w := newWorld(t, "rs_")
	for _, r := range sandbox.Rotators() {
		t.Run(r.Name, func(t *testing.T) {
			evs := loadEvents(t, r)
			fn := lambdatest.StartTest(t, suite.bin.RotatorOptions(w.cloud, r))
			w.cloud.Register(r, fn)
			sm := w.cloud.SecretsManager()

			// The first rotation uses the recorded event's SecretId (a
			// partial ARN) and token; the second a token the SDK makes up.
			rotations := []struct {
				name     string
				token    *string
				wantUser string
			}{
				{"recorded token", aws.String(evs[0].ClientRequestToken), alternate(r, sandbox.Username(w.prefix, r))},
				{"fresh token", nil, sandbox.Username(w.prefix, r)},
			}
			var seen []sandbox.Credentials
			for _, rot := range rotations {
				old, oldVersion := w.secret(t, r.SecretName(), "AWSCURRENT")
				seen = append(seen, old)
				out, err := sm.RotateSecret(t.Context(), &secretsmanager.RotateSecretInput{
					SecretId: aws.String(evs[0].SecretID), ClientRequestToken: rot.token,
				})
				if err != nil {
					t.Fatalf("%s: RotateSecret: %v\nrotator log:\n%s", rot.name, err, fn.Logs())
				}
				if rot.token != nil && aws.ToString(out.VersionId) != *rot.token {
					t.Errorf("%s: RotateSecret answered version %s, want the token %s", rot.name, aws.ToString(out.VersionId), *rot.token)
				}
				cur, curVersion := w.secret(t, r.SecretName(), "AWSCURRENT")
				seen = append(seen, cur)
				if curVersion != aws.ToString(out.VersionId) {
					t.Errorf("%s: AWSCURRENT is %s, want the rotated version %s", rot.name, curVersion, aws.ToString(out.VersionId))
				}
				w.assertStage(t, r.SecretName(), oldVersion, "AWSPREVIOUS")
				if cur.Username != rot.wantUser || cur.Password == old.Password {
					t.Errorf("%s: AWSCURRENT user %s (password changed: %v), want %s with a new password",
						rot.name, cur.Username, cur.Password != old.Password, rot.wantUser)
				}
				assertLogsIn(t, cur)
				if r.Alternating {
					assertLogsIn(t, old) // clients still holding AWSPREVIOUS keep working
				} else {
					assertRefused(t, old)
				}
			}
			assertNoSecret(t, fn.Logs(), seen...)
		})
	}
}

// TestRecordedEventsStepByStep replays events/<rotator>/*.json one by one,
// as `sam local invoke -e` does: the secret is left where Secrets Manager
// leaves it before createSecret (a value-less AWSPENDING version under the
// events' token), then each recorded step is invoked through the emulator.
func TestRecordedEventsStepByStep(t *testing.T) {
	w := newWorld(t, "ev_")
	for _, r := range sandbox.Rotators() {
		t.Run(r.Name, func(t *testing.T) {
			evs := loadEvents(t, r)
			old, _ := w.secret(t, r.SecretName(), "AWSCURRENT")
			startPending(t, w, r, evs[0])
			fn := lambdatest.StartTest(t, suite.bin.RotatorOptions(w.cloud, r))
			for _, step := range []string{"createSecret", "setSecret", "testSecret", "finishSecret"} {
				if _, err := fn.Invoke(t.Context(), recordedEvent(t, r.Name+"/"+step+".json")); err != nil {
					t.Fatalf("%s/%s.json: %v", r.Name, step, err)
				}
			}
			cur, version := w.secret(t, r.SecretName(), "AWSCURRENT")
			if version != evs[0].ClientRequestToken {
				t.Errorf("AWSCURRENT is %s, want the events' token %s", version, evs[0].ClientRequestToken)
			}
			assertLogsIn(t, cur)
			if !r.Alternating {
				assertRefused(t, old)
			}
			// Secrets Manager retries; a replayed step after the rotation
			// finished must change nothing.
			if _, err := fn.Invoke(t.Context(), recordedEvent(t, r.Name+"/finishSecret.json")); err != nil {
				t.Errorf("replayed finishSecret.json: %v", err)
			}
			assertLogsIn(t, cur)
			assertNoSecret(t, fn.Logs(), old, cur)
		})
	}
}

// startPending puts secret r into the state RotateSecret creates before it
// invokes createSecret: AWSPENDING on a value-less version with ev's token.
// It asks localaws for exactly that, a RotateSecret whose function refuses
// the first step, which (as on AWS) leaves the pending version in place.
func startPending(t *testing.T, w *world, r sandbox.Rotator, ev events.SecretsManagerSecretRotationEvent) {
	t.Helper()
	errStop := errors.New("stopped before createSecret: the steps are invoked one by one")
	w.cloud.Server.RegisterHandler(r.FunctionARN(), func(context.Context, events.SecretsManagerSecretRotationEvent) error {
		return errStop
	})
	_, err := w.cloud.SecretsManager().RotateSecret(t.Context(), &secretsmanager.RotateSecretInput{
		SecretId: aws.String(ev.SecretID), ClientRequestToken: aws.String(ev.ClientRequestToken),
	})
	if err == nil {
		t.Fatal("RotateSecret succeeded with a function that refuses every step")
	}
	w.assertStage(t, r.SecretName(), ev.ClientRequestToken, "AWSPENDING")
}

// loadEvents reads r's recorded events and checks they are what Secrets
// Manager sends for one rotation of r's demo secret.
func loadEvents(t *testing.T, r sandbox.Rotator) []events.SecretsManagerSecretRotationEvent {
	t.Helper()
	evs, err := sandbox.LoadRotationEvents(repoRoot(t), r)
	if err != nil {
		t.Fatal(err)
	}
	for i, step := range sandbox.Steps() {
		ev := evs[i]
		where := fmt.Sprintf("events/%s/%s.json", r.Name, step)
		if ev.Step != step {
			t.Errorf("%s: Step %q", where, ev.Step)
		}
		if ev.SecretID != r.SecretPartialARN() {
			t.Errorf("%s: SecretId %q, want %q", where, ev.SecretID, r.SecretPartialARN())
		}
		if ev.ClientRequestToken == "" || ev.ClientRequestToken != evs[0].ClientRequestToken ||
			ev.RotationToken == "" || ev.RotationToken != evs[0].RotationToken {
			t.Errorf("%s: tokens differ from createSecret.json's or are empty", where)
		}
	}
	return evs
}

// alternate is the user an alternating-users rotation switches to from
// user; single user keeps it.
func alternate(r sandbox.Rotator, user string) string {
	if r.Alternating {
		return user + "_clone"
	}
	return user
}
