package localaws_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/paramsecrets/paramsecrets/localaws"
)

const rotatorARN = "arn:aws:lambda:us-east-1:123456789012:function:rotate-test"

// rotator is a rotation function written the way AWS's templates are: it
// reads state through the SDK (DescribeSecret, GetSecretValue) and moves
// labels itself. failAt names a step to fail while fail is set.
type rotator struct {
	c *secretsmanager.Client

	mu     sync.Mutex
	events []events.SecretsManagerSecretRotationEvent
	failAt string
}

func (r *rotator) setFail(step string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failAt = step
}

func (r *rotator) steps() []string {
	var out []string
	for _, ev := range r.received() {
		out = append(out, ev.Step)
	}
	return out
}

func (r *rotator) received() []events.SecretsManagerSecretRotationEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}

func (r *rotator) handle(ctx context.Context, ev events.SecretsManagerSecretRotationEvent) error {
	r.mu.Lock()
	r.events = append(r.events, ev)
	fail := r.failAt == ev.Step
	r.mu.Unlock()
	d, err := r.c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(ev.SecretID)})
	if err != nil {
		return err
	}
	st, ok := d.VersionIdsToStages[ev.ClientRequestToken]
	switch {
	case !aws.ToBool(d.RotationEnabled):
		return errors.New("rotation is not enabled")
	case !ok:
		return errors.New("token has no stage")
	case slices.Contains(st, "AWSCURRENT"):
		return nil
	case !slices.Contains(st, "AWSPENDING"):
		return errors.New("token is not AWSPENDING")
	}
	if fail {
		return fmt.Errorf("%s failed on purpose", ev.Step)
	}
	switch ev.Step {
	case "createSecret":
		if _, err := r.c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{
			SecretId: aws.String(ev.SecretID), VersionId: aws.String(ev.ClientRequestToken), VersionStage: aws.String("AWSPENDING"),
		}); err == nil {
			return nil
		}
		pw, err := r.c.GetRandomPassword(ctx, &secretsmanager.GetRandomPasswordInput{})
		if err != nil {
			return err
		}
		_, err = r.c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
			SecretId: aws.String(ev.SecretID), ClientRequestToken: aws.String(ev.ClientRequestToken),
			SecretString: pw.RandomPassword, VersionStages: []string{"AWSPENDING"},
		})
		return err
	case "finishSecret":
		for id, st := range d.VersionIdsToStages {
			if slices.Contains(st, "AWSCURRENT") {
				_, err := r.c.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{
					SecretId: aws.String(ev.SecretID), VersionStage: aws.String("AWSCURRENT"),
					MoveToVersionId: aws.String(ev.ClientRequestToken), RemoveFromVersionId: aws.String(id),
				})
				return err
			}
		}
	}
	return nil
}

// rotationSetup serves localaws with one secret ("db", value "old") and the
// test rotator registered as an in-process handler.
func rotationSetup(t *testing.T) (*secretsmanager.Client, *rotator, string) {
	t.Helper()
	srv, url := startLocal(t, localaws.Options{})
	c := newSMClient(url)
	r := &rotator{c: c}
	srv.RegisterHandler(rotatorARN, r.handle)
	arn, _ := create(t, c, "db", "old")
	return c, r, arn
}

func TestRotateSecretRunsFourSteps(t *testing.T) {
	t.Parallel()
	c, r, arn := rotationSetup(t)
	out, err := c.RotateSecret(t.Context(), &secretsmanager.RotateSecretInput{
		SecretId: aws.String("db"), RotationLambdaARN: aws.String(rotatorARN),
		RotationRules: &types.RotationRulesType{AutomaticallyAfterDays: aws.Int64(30)},
	})
	if err != nil {
		t.Fatalf("RotateSecret: %v", err)
	}
	if got := r.steps(); !slices.Equal(got, []string{"createSecret", "setSecret", "testSecret", "finishSecret"}) {
		t.Errorf("steps = %v", got)
	}
	for _, ev := range r.received() {
		if ev.SecretID != arn || ev.ClientRequestToken != aws.ToString(out.VersionId) || ev.RotationToken == "" {
			t.Errorf("event %+v: want SecretId %s, ClientRequestToken %s and a RotationToken", ev, arn, aws.ToString(out.VersionId))
		}
	}
	if v := current(t, c, "db"); v == "old" || len(v) != 32 {
		t.Errorf("current value after rotation = %q, want a new 32-character password", v)
	}
	m := stages(t, c, "db")
	if !hasStage(m, aws.ToString(out.VersionId), "AWSCURRENT") {
		t.Errorf("new version is not AWSCURRENT: %v", m)
	}
	prev, err := c.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("db"), VersionStage: aws.String("AWSPREVIOUS")})
	if err != nil || aws.ToString(prev.SecretString) != "old" {
		t.Errorf("AWSPREVIOUS = %v, %v; want the old value", prev, err)
	}
	d, err := c.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("db")})
	if err != nil {
		t.Fatal(err)
	}
	if !aws.ToBool(d.RotationEnabled) || aws.ToString(d.RotationLambdaARN) != rotatorARN || d.LastRotatedDate == nil ||
		d.NextRotationDate == nil || aws.ToInt64(d.RotationRules.AutomaticallyAfterDays) != 30 {
		t.Errorf("DescribeSecret after rotation: enabled=%v arn=%v last=%v next=%v rules=%+v",
			aws.ToBool(d.RotationEnabled), aws.ToString(d.RotationLambdaARN), d.LastRotatedDate, d.NextRotationDate, d.RotationRules)
	}
	// A second rotation needs no ARN: it was configured by the first.
	if _, err := c.RotateSecret(t.Context(), &secretsmanager.RotateSecretInput{SecretId: aws.String("db")}); err != nil {
		t.Errorf("second RotateSecret: %v", err)
	}
}

func TestRotateSecretFailedStepResumesWithSameToken(t *testing.T) {
	t.Parallel()
	c, r, _ := rotationSetup(t)
	r.setFail("setSecret")
	tok := "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
	in := &secretsmanager.RotateSecretInput{SecretId: aws.String("db"), RotationLambdaARN: aws.String(rotatorARN), ClientRequestToken: aws.String(tok)}
	_, err := c.RotateSecret(t.Context(), in)
	if code := errCode(err); code != "InvalidRequestException" {
		t.Fatalf("RotateSecret with a failing setSecret: %v, want InvalidRequestException", err)
	}
	if got := r.steps(); !slices.Equal(got, []string{"createSecret", "setSecret"}) {
		t.Errorf("steps = %v, want the rotation to stop at setSecret", got)
	}
	if v := current(t, c, "db"); v != "old" {
		t.Errorf("current value after a failed rotation = %q, want old", v)
	}
	if m := stages(t, c, "db"); !hasStage(m, tok, "AWSPENDING") {
		t.Errorf("AWSPENDING left the token's version: %v", m)
	}
	pending, err := c.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("db"), VersionStage: aws.String("AWSPENDING")})
	if err != nil {
		t.Fatalf("pending value: %v", err)
	}
	_, err = c.RotateSecret(t.Context(), &secretsmanager.RotateSecretInput{SecretId: aws.String("db")})
	if code := errCode(err); code != "InvalidRequestException" {
		t.Errorf("RotateSecret with another token during a rotation: %v, want InvalidRequestException", err)
	}
	r.setFail("")
	out, err := c.RotateSecret(t.Context(), in)
	if err != nil {
		t.Fatalf("RotateSecret with the same token: %v", err)
	}
	if aws.ToString(out.VersionId) != tok {
		t.Errorf("VersionId = %s, want %s", aws.ToString(out.VersionId), tok)
	}
	if v := current(t, c, "db"); v != aws.ToString(pending.SecretString) {
		t.Errorf("current after resume is not the value created by the first attempt")
	}
	// The finished rotation repeated with its token changes nothing.
	if _, err := c.RotateSecret(t.Context(), in); err != nil {
		t.Errorf("repeating a finished rotation: %v", err)
	}
}

func TestRotateSecretErrors(t *testing.T) {
	t.Parallel()
	c, _, _ := rotationSetup(t)
	create(t, c, "plain", "v")
	cases := []struct {
		name string
		in   *secretsmanager.RotateSecretInput
		code string
	}{
		{"no function configured", &secretsmanager.RotateSecretInput{SecretId: aws.String("plain")}, "InvalidRequestException"},
		{"function not registered", &secretsmanager.RotateSecretInput{SecretId: aws.String("plain"),
			RotationLambdaARN: aws.String("arn:aws:lambda:us-east-1:123456789012:function:nobody")}, "AccessDeniedException"},
		{"missing secret", &secretsmanager.RotateSecretInput{SecretId: aws.String("nope"), RotationLambdaARN: aws.String(rotatorARN)}, "ResourceNotFoundException"},
		{"rules out of range", &secretsmanager.RotateSecretInput{SecretId: aws.String("plain"), RotationLambdaARN: aws.String(rotatorARN),
			RotationRules: &types.RotationRulesType{AutomaticallyAfterDays: aws.Int64(1001)}}, "ValidationException"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := c.RotateSecret(t.Context(), tc.in); errCode(err) != tc.code {
				t.Errorf("RotateSecret: %v, want %s", err, tc.code)
			}
		})
	}
	_, err := c.CancelRotateSecret(t.Context(), &secretsmanager.CancelRotateSecretInput{SecretId: aws.String("plain")})
	if errCode(err) != "InvalidRequestException" {
		t.Errorf("CancelRotateSecret without rotation: %v, want InvalidRequestException", err)
	}
}

func TestRotateLaterAndCancel(t *testing.T) {
	t.Parallel()
	c, r, _ := rotationSetup(t)
	out, err := c.RotateSecret(t.Context(), &secretsmanager.RotateSecretInput{
		SecretId: aws.String("db"), RotationLambdaARN: aws.String(rotatorARN), RotateImmediately: aws.Bool(false),
		RotationRules: &types.RotationRulesType{ScheduleExpression: aws.String("rate(10 days)")},
	})
	if err != nil {
		t.Fatalf("RotateSecret(RotateImmediately=false): %v", err)
	}
	// The configuration is tested (testSecret alone) and nothing rotated.
	if !slices.Equal(r.steps(), []string{"testSecret"}) || out.VersionId != nil || len(stages(t, c, "db")) != 1 {
		t.Errorf("RotateImmediately=false ran %v and returned version %v", r.steps(), aws.ToString(out.VersionId))
	}
	d, _ := c.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("db")})
	if !aws.ToBool(d.RotationEnabled) || d.NextRotationDate == nil || d.LastRotatedDate != nil {
		t.Errorf("schedule not stored: enabled=%v next=%v last=%v", aws.ToBool(d.RotationEnabled), d.NextRotationDate, d.LastRotatedDate)
	}
	r.setFail("testSecret")
	tok := "99999999-8888-7777-6666-555555555555"
	_, _ = c.RotateSecret(t.Context(), &secretsmanager.RotateSecretInput{SecretId: aws.String("db"), ClientRequestToken: aws.String(tok)})
	cancel, err := c.CancelRotateSecret(t.Context(), &secretsmanager.CancelRotateSecretInput{SecretId: aws.String("db")})
	if err != nil {
		t.Fatalf("CancelRotateSecret: %v", err)
	}
	if aws.ToString(cancel.VersionId) != tok {
		t.Errorf("CancelRotateSecret VersionId = %q, want the unfinished version %s", aws.ToString(cancel.VersionId), tok)
	}
	d, _ = c.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("db")})
	if aws.ToBool(d.RotationEnabled) || d.NextRotationDate != nil {
		t.Errorf("rotation still enabled after cancel")
	}
}
