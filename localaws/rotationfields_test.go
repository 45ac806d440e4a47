package localaws_test

import (
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/paramsecrets/paramsecrets/localaws"
)

// tickingClock moves one second every time it is read, so that any two
// changes get different times and a date that moves is seen to move.
type tickingClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *tickingClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

// fieldsSetup serves localaws on a ticking clock with the test rotator
// registered and one secret, "db", whose version it returns.
func fieldsSetup(t *testing.T) (*secretsmanager.Client, *rotator, string) {
	t.Helper()
	clock := &tickingClock{t: time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)}
	srv, url := startLocal(t, localaws.Options{Now: clock.now})
	c := newSMClient(url)
	r := &rotator{c: c}
	srv.RegisterHandler(rotatorARN, r.handle)
	_, v := create(t, c, "db", "old")
	return c, r, v
}

func describe(t *testing.T, c *secretsmanager.Client, id string) *secretsmanager.DescribeSecretOutput {
	t.Helper()
	d, err := c.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(id)})
	if err != nil {
		t.Fatalf("DescribeSecret %s: %v", id, err)
	}
	return d
}

// TestRotationFieldsFollowTheReference checks DescribeSecret's rotation
// fields against the DescribeSecret reference: RotationEnabled is null on a
// secret never configured for rotation; LastRotatedDate is null once
// rotation is turned off (ListSecrets, whose reference only says null when
// never rotated, keeps it); a rate(N days) schedule is shown with the
// AutomaticallyAfterDays AWS derives from it.
func TestRotationFieldsFollowTheReference(t *testing.T) {
	t.Parallel()
	c, _, _ := fieldsSetup(t)
	if d := describe(t, c, "db"); d.RotationEnabled != nil || d.LastRotatedDate != nil || d.RotationRules != nil {
		t.Errorf("never configured: RotationEnabled=%v LastRotatedDate=%v RotationRules=%+v, want all null",
			d.RotationEnabled, d.LastRotatedDate, d.RotationRules)
	}
	if e := listEntry(t, c, "db"); e == nil || e.RotationEnabled != nil {
		t.Errorf("ListSecrets entry of a never-configured secret: %+v, want RotationEnabled null", e)
	}
	if _, err := c.RotateSecret(t.Context(), &secretsmanager.RotateSecretInput{
		SecretId: aws.String("db"), RotationLambdaARN: aws.String(rotatorARN),
		RotationRules: &types.RotationRulesType{ScheduleExpression: aws.String("rate(10 days)")},
	}); err != nil {
		t.Fatalf("RotateSecret: %v", err)
	}
	d := describe(t, c, "db")
	if d.RotationRules == nil || aws.ToString(d.RotationRules.ScheduleExpression) != "rate(10 days)" ||
		aws.ToInt64(d.RotationRules.AutomaticallyAfterDays) != 10 {
		t.Errorf("RotationRules after a rotation under rate(10 days) = %+v, want the schedule and AutomaticallyAfterDays 10", d.RotationRules)
	}
	// "If you use a rate() expression, the rotation window starts at
	// midnight ... For a rate in days, the default rotation window closes at
	// the end of the day", and NextRotationDate is "the latest date that
	// rotation will occur": the last second of the tenth day after.
	if d.LastRotatedDate == nil || d.NextRotationDate == nil ||
		!d.NextRotationDate.Equal(d.LastRotatedDate.UTC().Truncate(24*time.Hour).AddDate(0, 0, 11).Add(-time.Second)) {
		t.Errorf("after rotating: LastRotatedDate=%v NextRotationDate=%v, want the end of the tenth day after the last", d.LastRotatedDate, d.NextRotationDate)
	}
	rotated := *d.LastRotatedDate
	if _, err := c.CancelRotateSecret(t.Context(), &secretsmanager.CancelRotateSecretInput{SecretId: aws.String("db")}); err != nil {
		t.Fatal(err)
	}
	d = describe(t, c, "db")
	if d.RotationEnabled == nil || *d.RotationEnabled || d.LastRotatedDate != nil || d.NextRotationDate != nil {
		t.Errorf("after CancelRotateSecret: RotationEnabled=%v LastRotatedDate=%v NextRotationDate=%v, want false, null, null",
			d.RotationEnabled, d.LastRotatedDate, d.NextRotationDate)
	}
	if d.RotationRules == nil || aws.ToString(d.RotationRules.ScheduleExpression) != "rate(10 days)" {
		t.Errorf("after CancelRotateSecret RotationRules = %+v, want the previous schedule", d.RotationRules)
	}
	if e := listEntry(t, c, "db"); e == nil || e.LastRotatedDate == nil || !e.LastRotatedDate.Equal(rotated) {
		t.Errorf("ListSecrets after CancelRotateSecret: %+v, want the last rotation %v", e, rotated)
	}
}

// TestRotationScheduleBothWaysRefused: AutomaticallyAfterDays and
// ScheduleExpression together are InvalidParameterException, and nothing is
// stored or invoked.
func TestRotationScheduleBothWaysRefused(t *testing.T) {
	t.Parallel()
	c, r, _ := fieldsSetup(t)
	for _, now := range []bool{true, false} {
		_, err := c.RotateSecret(t.Context(), &secretsmanager.RotateSecretInput{
			SecretId: aws.String("db"), RotationLambdaARN: aws.String(rotatorARN), RotateImmediately: aws.Bool(now),
			RotationRules: &types.RotationRulesType{AutomaticallyAfterDays: aws.Int64(7), ScheduleExpression: aws.String("rate(7 days)")},
		})
		if errCode(err) != "InvalidParameterException" {
			t.Errorf("RotateImmediately=%v with both schedules: %v, want InvalidParameterException", now, err)
		}
	}
	if d := describe(t, c, "db"); d.RotationEnabled != nil || d.RotationRules != nil || d.RotationLambdaARN != nil {
		t.Errorf("configuration stored by a refused call: %+v", d)
	}
	if len(r.steps()) != 0 {
		t.Errorf("function invoked: %v", r.steps())
	}
}

// TestLastChangedDateMovesOnEveryChange: "the last date and time that this
// secret was modified in any way" moves with label moves and with rotation
// configuration, and stays put on reads.
func TestLastChangedDateMovesOnEveryChange(t *testing.T) {
	t.Parallel()
	c, _, v1 := fieldsSetup(t)
	last := *describe(t, c, "db").LastChangedDate
	step := func(what string, changes bool, do func() error) {
		t.Helper()
		if err := do(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		got := *describe(t, c, "db").LastChangedDate
		switch {
		case changes && !got.After(last):
			t.Errorf("%s: LastChangedDate stayed at %v", what, got)
		case !changes && !got.Equal(last):
			t.Errorf("%s (a read): LastChangedDate moved from %v to %v", what, last, got)
		}
		last = got
	}
	ctx := t.Context()
	var v2 string
	step("PutSecretValue", true, func() error {
		v2 = put(t, c, "db", "new", "STAGED")
		return nil
	})
	step("GetSecretValue", false, func() error {
		_, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("db")})
		return err
	})
	step("UpdateSecretVersionStage moving AWSCURRENT", true, func() error {
		_, err := c.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{SecretId: aws.String("db"),
			VersionStage: aws.String("AWSCURRENT"), MoveToVersionId: aws.String(v2), RemoveFromVersionId: aws.String(v1)})
		return err
	})
	step("UpdateSecretVersionStage removing a label", true, func() error {
		_, err := c.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{SecretId: aws.String("db"),
			VersionStage: aws.String("STAGED"), RemoveFromVersionId: aws.String(v2)})
		return err
	})
	step("RotateSecret(RotateImmediately=false) storing a schedule", true, func() error {
		_, err := c.RotateSecret(ctx, &secretsmanager.RotateSecretInput{SecretId: aws.String("db"), RotationLambdaARN: aws.String(rotatorARN),
			RotateImmediately: aws.Bool(false), RotationRules: &types.RotationRulesType{AutomaticallyAfterDays: aws.Int64(3)}})
		return err
	})
	step("CancelRotateSecret", true, func() error {
		_, err := c.CancelRotateSecret(ctx, &secretsmanager.CancelRotateSecretInput{SecretId: aws.String("db")})
		return err
	})
	step("RotateSecret", true, func() error {
		_, err := c.RotateSecret(ctx, &secretsmanager.RotateSecretInput{SecretId: aws.String("db")})
		return err
	})
	step("DescribeSecret and ListSecrets", false, func() error {
		_, err := c.ListSecrets(ctx, &secretsmanager.ListSecretsInput{})
		return err
	})
	step("DeleteSecret", true, func() error {
		_, err := c.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("db"), RecoveryWindowInDays: aws.Int64(7)})
		return err
	})
	step("RestoreSecret", true, func() error {
		_, err := c.RestoreSecret(ctx, &secretsmanager.RestoreSecretInput{SecretId: aws.String("db")})
		return err
	})
}

// listEntry is name's ListSecrets entry, or nil.
func listEntry(t *testing.T, c *secretsmanager.Client, name string) *types.SecretListEntry {
	t.Helper()
	out, err := c.ListSecrets(t.Context(), &secretsmanager.ListSecretsInput{})
	if err != nil {
		t.Fatalf("ListSecrets: %v", err)
	}
	for i := range out.SecretList {
		if aws.ToString(out.SecretList[i].Name) == name {
			return &out.SecretList[i]
		}
	}
	return nil
}
