package localaws_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/paramsecrets/paramsecrets/localaws"
)

// testProbe is a rotation function that records, for each event, what a
// function reading the secret through the SDK sees at that moment. failTest
// makes testSecret fail after looking.
type testProbe struct {
	c        *secretsmanager.Client
	failTest bool

	mu   sync.Mutex
	seen []probeView
}

// probeView is the state one event's function saw.
type probeView struct {
	ev          events.SecretsManagerSecretRotationEvent
	enabled     *bool
	stages      map[string][]string
	tokenValue  string
	tokenErr    error
	putTokenErr error
}

func (p *testProbe) handle(ctx context.Context, ev events.SecretsManagerSecretRotationEvent) error {
	v := probeView{ev: ev}
	d, err := p.c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(ev.SecretID)})
	if err != nil {
		return err
	}
	v.enabled, v.stages = d.RotationEnabled, d.VersionIdsToStages
	got, err := p.c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{
		SecretId: aws.String(ev.SecretID), VersionId: aws.String(ev.ClientRequestToken), VersionStage: aws.String("AWSPENDING"),
	})
	v.tokenErr = err
	if err == nil {
		v.tokenValue = aws.ToString(got.SecretString)
	}
	p.mu.Lock()
	p.seen = append(p.seen, v)
	fail := p.failTest
	p.mu.Unlock()
	if fail {
		return errors.New("pending credential does not log in")
	}
	return nil
}

func (p *testProbe) setFailTest(fail bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.failTest = fail
}

func (p *testProbe) views() []probeView {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.seen)
}

func probeSetup(t *testing.T) (*secretsmanager.Client, *testProbe, string) {
	t.Helper()
	srv, url := startLocal(t, localaws.Options{})
	c := newSMClient(url)
	p := &testProbe{c: c}
	srv.RegisterHandler(rotatorARN, p.handle)
	arn, _ := create(t, c, "db", "old")
	return c, p, arn
}

// allVersions lists every version of id, deprecated ones included.
func allVersions(t *testing.T, c *secretsmanager.Client, id string) []string {
	t.Helper()
	out, err := c.ListSecretVersionIds(t.Context(), &secretsmanager.ListSecretVersionIdsInput{SecretId: aws.String(id), IncludeDeprecated: aws.Bool(true)})
	if err != nil {
		t.Fatalf("ListSecretVersionIds %s: %v", id, err)
	}
	var ids []string
	for _, v := range out.Versions {
		ids = append(ids, aws.ToString(v.VersionId))
	}
	slices.Sort(ids)
	return ids
}

// TestRotateLaterTestsTheConfiguration: RotateImmediately=false runs
// testSecret alone, on an AWSPENDING version that holds the current value
// under the ClientRequestToken, then removes that version; the configuration
// is stored and the next rotation scheduled, and nothing is rotated.
func TestRotateLaterTestsTheConfiguration(t *testing.T) {
	t.Parallel()
	c, p, arn := probeSetup(t)
	before := allVersions(t, c, "db")
	const tok = "11111111-2222-3333-4444-555555555555"
	_, err := c.RotateSecret(t.Context(), &secretsmanager.RotateSecretInput{
		SecretId: aws.String("db"), ClientRequestToken: aws.String(tok), RotationLambdaARN: aws.String(rotatorARN),
		RotateImmediately: aws.Bool(false), RotationRules: &types.RotationRulesType{ScheduleExpression: aws.String("rate(10 days)")},
	})
	if err != nil {
		t.Fatalf("RotateSecret(RotateImmediately=false): %v", err)
	}
	views := p.views()
	if len(views) != 1 || views[0].ev.Step != "testSecret" {
		t.Fatalf("events = %+v, want testSecret alone", views)
	}
	v := views[0]
	if v.ev.SecretID != arn || v.ev.ClientRequestToken != tok || v.ev.RotationToken == "" {
		t.Errorf("event %+v: want SecretId %s, ClientRequestToken %s and a RotationToken", v.ev, arn, tok)
	}
	if !slices.Equal(v.stages[tok], []string{"AWSPENDING"}) || v.tokenErr != nil || v.tokenValue != "old" {
		t.Errorf("during testSecret: stages %v, AWSPENDING value %q (%v); want the token's version AWSPENDING holding the current value",
			v.stages, v.tokenValue, v.tokenErr)
	}
	if !aws.ToBool(v.enabled) {
		t.Errorf("during testSecret RotationEnabled = %v: a function that checks it would refuse the test", v.enabled)
	}
	if got := allVersions(t, c, "db"); !slices.Equal(got, before) {
		t.Errorf("versions after the test = %v, want the ones before %v", got, before)
	}
	for id, st := range stages(t, c, "db") {
		if slices.Contains(st, "AWSPENDING") {
			t.Errorf("AWSPENDING left on version %s", id)
		}
	}
	if cur := current(t, c, "db"); cur != "old" {
		t.Errorf("AWSCURRENT = %q, want old: nothing is rotated", cur)
	}
	d, err := c.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("db")})
	if err != nil {
		t.Fatal(err)
	}
	if !aws.ToBool(d.RotationEnabled) || aws.ToString(d.RotationLambdaARN) != rotatorARN || d.RotationRules == nil ||
		aws.ToString(d.RotationRules.ScheduleExpression) != "rate(10 days)" || d.NextRotationDate == nil || d.LastRotatedDate != nil {
		t.Errorf("configuration not stored: enabled=%v arn=%s rules=%+v next=%v last=%v",
			d.RotationEnabled, aws.ToString(d.RotationLambdaARN), d.RotationRules, d.NextRotationDate, d.LastRotatedDate)
	}
	// The RotationToken was the test's alone and is retired with it.
	_, err = c.PutSecretValue(t.Context(), &secretsmanager.PutSecretValueInput{
		SecretId: aws.String("db"), SecretString: aws.String("x"), RotationToken: aws.String(v.ev.RotationToken),
	})
	if errCode(err) != "AccessDeniedException" {
		t.Errorf("PutSecretValue with the test's RotationToken afterwards: %v, want AccessDeniedException", err)
	}
}

// TestRotateLaterFailingTestChangesNothing: when testSecret fails the call
// fails, and the rotation configuration is what it was: absent on a secret
// never configured, unchanged (and still off) on one whose rotation was
// cancelled.
func TestRotateLaterFailingTestChangesNothing(t *testing.T) {
	t.Parallel()
	c, p, _ := probeSetup(t)
	p.setFailTest(true)
	later := func(id string, days int64) error {
		_, err := c.RotateSecret(t.Context(), &secretsmanager.RotateSecretInput{
			SecretId: aws.String(id), RotationLambdaARN: aws.String(rotatorARN), RotateImmediately: aws.Bool(false),
			RotationRules: &types.RotationRulesType{AutomaticallyAfterDays: aws.Int64(days)},
		})
		return err
	}
	check := func(id string, before []string, want func(d *secretsmanager.DescribeSecretOutput) bool) {
		t.Helper()
		d, err := c.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(id)})
		if err != nil {
			t.Fatal(err)
		}
		if !want(d) {
			t.Errorf("%s after a failed test: enabled=%v arn=%v rules=%+v next=%v", id, d.RotationEnabled,
				aws.ToString(d.RotationLambdaARN), d.RotationRules, d.NextRotationDate)
		}
		if got := allVersions(t, c, id); !slices.Equal(got, before) {
			t.Errorf("%s: versions %v, want %v", id, got, before)
		}
		for v, st := range d.VersionIdsToStages {
			if slices.Contains(st, "AWSPENDING") {
				t.Errorf("%s: AWSPENDING left on %s", id, v)
			}
		}
	}

	before := allVersions(t, c, "db")
	err := later("db", 5)
	if errCode(err) != "InvalidRequestException" || !strings.Contains(err.Error(), "testSecret") {
		t.Errorf("RotateSecret with a failing testSecret: %v, want InvalidRequestException naming testSecret", err)
	}
	check("db", before, func(d *secretsmanager.DescribeSecretOutput) bool {
		return d.RotationEnabled == nil && d.RotationLambdaARN == nil && d.RotationRules == nil && d.NextRotationDate == nil
	})
	_, err = c.RotateSecret(t.Context(), &secretsmanager.RotateSecretInput{SecretId: aws.String("db")})
	if errCode(err) != "InvalidRequestException" || !strings.Contains(err.Error(), "No Lambda rotation function ARN") {
		t.Errorf("RotateSecret after the failed test: %v, want no function ARN stored", err)
	}

	// A secret whose rotation was configured (30 days) and then cancelled.
	create(t, c, "cancelled", "v")
	p.setFailTest(false)
	if err := later("cancelled", 30); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CancelRotateSecret(t.Context(), &secretsmanager.CancelRotateSecretInput{SecretId: aws.String("cancelled")}); err != nil {
		t.Fatal(err)
	}
	p.setFailTest(true)
	before = allVersions(t, c, "cancelled")
	if err := later("cancelled", 5); errCode(err) != "InvalidRequestException" {
		t.Errorf("RotateSecret with a failing testSecret: %v, want InvalidRequestException", err)
	}
	check("cancelled", before, func(d *secretsmanager.DescribeSecretOutput) bool {
		return d.RotationEnabled != nil && !*d.RotationEnabled && d.RotationRules != nil &&
			aws.ToInt64(d.RotationRules.AutomaticallyAfterDays) == 30 && d.NextRotationDate == nil
	})
}

// TestRotateLaterDuringARotation: a test is refused, like any RotateSecret,
// while an earlier rotation is unfinished, and the function is not invoked.
func TestRotateLaterDuringARotation(t *testing.T) {
	t.Parallel()
	c, p, _ := probeSetup(t)
	p.setFailTest(true) // fails the first step of the immediate rotation
	if _, err := c.RotateSecret(t.Context(), &secretsmanager.RotateSecretInput{
		SecretId: aws.String("db"), RotationLambdaARN: aws.String(rotatorARN),
	}); err == nil {
		t.Fatal("RotateSecret with a failing function succeeded")
	}
	n := len(p.views())
	_, err := c.RotateSecret(t.Context(), &secretsmanager.RotateSecretInput{SecretId: aws.String("db"), RotateImmediately: aws.Bool(false)})
	if errCode(err) != "InvalidRequestException" || !strings.Contains(err.Error(), "previous rotation") {
		t.Errorf("RotateSecret(RotateImmediately=false) during a rotation: %v, want InvalidRequestException", err)
	}
	if len(p.views()) != n {
		t.Errorf("the function was invoked for a refused test")
	}
}

// TestRotateLaterAfterARotation: after a rotation AWSPENDING may stay on the
// AWSCURRENT version (the templates' finishSecret moves AWSCURRENT only);
// that is no unfinished rotation, so the test runs, and afterwards no
// version carries AWSPENDING and no version was added.
func TestRotateLaterAfterARotation(t *testing.T) {
	t.Parallel()
	c, r, _ := rotationSetup(t)
	out, err := c.RotateSecret(t.Context(), &secretsmanager.RotateSecretInput{SecretId: aws.String("db"), RotationLambdaARN: aws.String(rotatorARN)})
	if err != nil {
		t.Fatalf("RotateSecret: %v", err)
	}
	if m := stages(t, c, "db"); !hasStage(m, aws.ToString(out.VersionId), "AWSPENDING") {
		t.Fatalf("stages after the rotation: %v, want AWSPENDING with AWSCURRENT", m)
	}
	before, value := allVersions(t, c, "db"), current(t, c, "db")
	if _, err := c.RotateSecret(t.Context(), &secretsmanager.RotateSecretInput{SecretId: aws.String("db"), RotateImmediately: aws.Bool(false)}); err != nil {
		t.Fatalf("RotateSecret(RotateImmediately=false): %v", err)
	}
	if steps := r.steps(); !slices.Equal(steps, []string{"createSecret", "setSecret", "testSecret", "finishSecret", "testSecret"}) {
		t.Errorf("steps = %v, want the rotation's four then testSecret", steps)
	}
	if got := allVersions(t, c, "db"); !slices.Equal(got, before) {
		t.Errorf("versions = %v, want %v", got, before)
	}
	for id, st := range stages(t, c, "db") {
		if slices.Contains(st, "AWSPENDING") {
			t.Errorf("AWSPENDING left on %s", id)
		}
	}
	if v := current(t, c, "db"); v != value {
		t.Errorf("AWSCURRENT value changed")
	}
}
