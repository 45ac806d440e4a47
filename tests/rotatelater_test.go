package tests

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"

	"github.com/paramsecrets/paramsecrets/internal/demo/sandbox"
	"github.com/paramsecrets/paramsecrets/internal/lambdatest"
)

// TestRotateLaterTestsEachRotator configures rotation with
// RotateImmediately=false on every rotator's secret, the built bootstrap
// running under the emulator: Secrets Manager then runs testSecret alone on
// an AWSPENDING copy of the current value, and every rotator must pass it
// without rotating anything. Then a secret whose current credential does not
// log in: the test fails, so the call fails and the configuration stays as
// it was.
func TestRotateLaterTestsEachRotator(t *testing.T) {
	w := newWorld(t, "rl_")
	for _, r := range sandbox.Rotators() {
		t.Run(r.Name, func(t *testing.T) {
			fn := lambdatest.StartTest(t, suite.bin.RotatorOptions(w.cloud, r))
			w.cloud.Register(r, fn)
			sm := w.cloud.SecretsManager()
			id := r.SecretName()

			old, oldVersion := w.secret(t, id, "AWSCURRENT")
			before := w.versions(t, id)
			reads := w.cloud.Server.Stats()["secretsmanager.GetSecretValue"]
			_, err := sm.RotateSecret(t.Context(), &secretsmanager.RotateSecretInput{
				SecretId: aws.String(id), RotateImmediately: aws.Bool(false),
				RotationRules: &types.RotationRulesType{ScheduleExpression: aws.String("rate(30 days)")},
			})
			if err != nil {
				t.Fatalf("RotateSecret(RotateImmediately=false): %v\nrotator log:\n%s", err, fn.Logs())
			}
			// testSecret reads the pending version before it logs in with it.
			if w.cloud.Server.Stats()["secretsmanager.GetSecretValue"] == reads {
				t.Errorf("the function read no secret during RotateSecret: testSecret did not run")
			}
			cur, curVersion := w.secret(t, id, "AWSCURRENT")
			if curVersion != oldVersion || cur != old {
				t.Errorf("AWSCURRENT moved to %s (value changed: %v), want %s unchanged", curVersion, cur != old, oldVersion)
			}
			w.assertTestLeftNothing(t, id, before)
			assertLogsIn(t, old) // the database password did not change
			d := w.describe(t, id)
			if !aws.ToBool(d.RotationEnabled) || d.RotationRules == nil ||
				aws.ToString(d.RotationRules.ScheduleExpression) != "rate(30 days)" || d.NextRotationDate == nil || d.LastRotatedDate != nil {
				t.Errorf("after the test: enabled=%v rules=%+v next=%v last=%v, want the schedule stored and nothing rotated",
					d.RotationEnabled, d.RotationRules, d.NextRotationDate, d.LastRotatedDate)
			}

			// A current credential that does not log in, with rotation off.
			bad := withPassword(t, w, id, "not-"+old.Password)
			badVersion := w.put(t, id, bad)
			if _, err := sm.CancelRotateSecret(t.Context(), &secretsmanager.CancelRotateSecretInput{SecretId: aws.String(id)}); err != nil {
				t.Fatal(err)
			}
			before = w.versions(t, id)
			_, err = sm.RotateSecret(t.Context(), &secretsmanager.RotateSecretInput{
				SecretId: aws.String(id), RotateImmediately: aws.Bool(false),
				RotationRules: &types.RotationRulesType{AutomaticallyAfterDays: aws.Int64(5)},
			})
			if errCode(err) != "InvalidRequestException" || !strings.Contains(err.Error(), "testSecret") {
				t.Errorf("RotateSecret(RotateImmediately=false) with a credential that does not log in: %v, want InvalidRequestException from testSecret", err)
			}
			if err != nil && strings.Contains(err.Error(), "not-"+old.Password) {
				t.Errorf("the error holds the password")
			}
			d = w.describe(t, id)
			if d.RotationEnabled == nil || *d.RotationEnabled || d.RotationRules == nil ||
				aws.ToString(d.RotationRules.ScheduleExpression) != "rate(30 days)" || d.RotationRules.Duration != nil {
				t.Errorf("after a failed test: enabled=%v rules=%+v, want rotation still off under the earlier schedule", d.RotationEnabled, d.RotationRules)
			}
			if _, v := w.secret(t, id, "AWSCURRENT"); v != badVersion {
				t.Errorf("AWSCURRENT is %s, want %s unchanged", v, badVersion)
			}
			w.assertTestLeftNothing(t, id, before)
			assertLogsIn(t, old)
			assertNoSecret(t, fn.Logs(), old, sandbox.Credentials{Username: old.Username, Password: "not-" + old.Password})
		})
	}
}

// versions lists every version id of secretID, deprecated ones included.
func (w *world) versions(t *testing.T, secretID string) []string {
	t.Helper()
	out, err := w.cloud.SecretsManager().ListSecretVersionIds(t.Context(), &secretsmanager.ListSecretVersionIdsInput{
		SecretId: aws.String(secretID), IncludeDeprecated: aws.Bool(true),
	})
	if err != nil {
		t.Fatalf("ListSecretVersionIds %s: %v", secretID, err)
	}
	var ids []string
	for _, v := range out.Versions {
		ids = append(ids, aws.ToString(v.VersionId))
	}
	slices.Sort(ids)
	return ids
}

func (w *world) describe(t *testing.T, secretID string) *secretsmanager.DescribeSecretOutput {
	t.Helper()
	d, err := w.cloud.SecretsManager().DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(secretID)})
	if err != nil {
		t.Fatalf("DescribeSecret %s: %v", secretID, err)
	}
	return d
}

// put stores value as secretID's new AWSCURRENT version and returns its id.
func (w *world) put(t *testing.T, secretID, value string) string {
	t.Helper()
	out, err := w.cloud.SecretsManager().PutSecretValue(t.Context(), &secretsmanager.PutSecretValueInput{
		SecretId: aws.String(secretID), SecretString: aws.String(value),
	})
	if err != nil {
		t.Fatalf("PutSecretValue %s: %v", secretID, err)
	}
	return aws.ToString(out.VersionId)
}

// assertTestLeftNothing fails t unless secretID has exactly the versions it
// had before a configuration test and no AWSPENDING label.
func (w *world) assertTestLeftNothing(t *testing.T, secretID string, before []string) {
	t.Helper()
	if got := w.versions(t, secretID); !slices.Equal(got, before) {
		t.Errorf("%s: versions %v after the test, want %v", secretID, got, before)
	}
	for v, st := range w.stages(t, secretID) {
		if slices.Contains(st, "AWSPENDING") {
			t.Errorf("%s: AWSPENDING left on version %s", secretID, v)
		}
	}
}

// withPassword is secretID's current value with another password, every
// other key kept.
func withPassword(t *testing.T, w *world, secretID, password string) string {
	t.Helper()
	out, err := w.cloud.SecretsManager().GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(secretID)})
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(aws.ToString(out.SecretString)), &v); err != nil {
		t.Fatalf("%s is not a JSON secret", secretID)
	}
	v["password"] = password
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// errCode is the AWS error code of err, "" for none.
func errCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}
