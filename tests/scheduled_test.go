package tests

import (
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/paramsecrets/paramsecrets/internal/demo/sandbox"
	"github.com/paramsecrets/paramsecrets/internal/lambdatest"
)

// TestScheduleRotatesEachRotatorByItself: every rotator's secret gets a
// rate(30 days) schedule (RotateImmediately=false, so nothing rotates yet);
// when localaws's clock is moved 31 days, localaws starts each rotation as
// Secrets Manager would, the built rotator runs under the emulator against
// the real database, and the new credential logs in.
func TestScheduleRotatesEachRotatorByItself(t *testing.T) {
	w := newWorld(t, "sc_")
	type started struct {
		r       sandbox.Rotator
		fn      *lambdatest.Function
		old     sandbox.Credentials
		version string
		arn     string
	}
	var all []started
	sm := w.cloud.SecretsManager()
	for _, r := range sandbox.Rotators() {
		fn := lambdatest.StartTest(t, suite.bin.RotatorOptions(w.cloud, r))
		w.cloud.Register(r, fn)
		old, version := w.secret(t, r.SecretName(), "AWSCURRENT")
		if _, err := sm.RotateSecret(t.Context(), &secretsmanager.RotateSecretInput{
			SecretId: aws.String(r.SecretName()), RotateImmediately: aws.Bool(false),
			RotationRules: &types.RotationRulesType{ScheduleExpression: aws.String("rate(30 days)")},
		}); err != nil {
			t.Fatalf("%s: RotateSecret(RotateImmediately=false): %v\nrotator log:\n%s", r.Name, err, fn.Logs())
		}
		all = append(all, started{r: r, fn: fn, old: old, version: version, arn: aws.ToString(w.describe(t, r.SecretName()).ARN)})
	}
	_, early, err := w.cloud.Server.AdvanceClock(29 * 24 * time.Hour)
	if err != nil || len(early) != 0 {
		t.Fatalf("29 days on: started %v, %v", early, err)
	}
	_, due, err := w.cloud.Server.AdvanceClock(2 * 24 * time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.cloud.Server.Settle(t.Context()); err != nil {
		t.Fatalf("Settle: %v", err)
	}
	for _, s := range all {
		t.Run(s.r.Name, func(t *testing.T) {
			if !slices.Contains(due, s.arn) {
				t.Fatalf("31 days on, the schedule did not start %s (started %v)", s.arn, due)
			}
			cur, version := w.secret(t, s.r.SecretName(), "AWSCURRENT")
			if version == s.version || cur.Password == s.old.Password {
				t.Fatalf("AWSCURRENT did not move (version %s)\nrotator log:\n%s", version, s.fn.Logs())
			}
			w.assertStage(t, s.r.SecretName(), s.version, "AWSPREVIOUS")
			assertLogsIn(t, cur)
			if !s.r.Alternating {
				assertRefused(t, s.old)
			}
			d := w.describe(t, s.r.SecretName())
			if d.LastRotatedDate == nil || d.NextRotationDate == nil || !d.NextRotationDate.After(*d.LastRotatedDate) {
				t.Errorf("after the scheduled rotation: last %v, next %v", d.LastRotatedDate, d.NextRotationDate)
			}
			assertNoSecret(t, s.fn.Logs(), s.old, cur)
		})
	}
}
