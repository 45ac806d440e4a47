package localaws_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/paramsecrets/paramsecrets/localaws"
)

// scheduledSetup serves localaws on the fixed clock with the test rotator
// registered and "db" configured (without rotating) for rules.
func scheduledSetup(t *testing.T, rules *types.RotationRulesType) (*localaws.Server, *secretsmanager.Client, *rotator, string) {
	t.Helper()
	srv, url := fixedServer(t)
	c := newSMClient(url)
	r := &rotator{c: c}
	srv.RegisterHandler(rotatorARN, r.handle)
	arn, _ := create(t, c, "db", "old")
	if _, err := c.RotateSecret(t.Context(), &secretsmanager.RotateSecretInput{
		SecretId: aws.String("db"), RotationLambdaARN: aws.String(rotatorARN), RotationRules: rules, RotateImmediately: aws.Bool(false),
	}); err != nil {
		t.Fatalf("RotateSecret(RotateImmediately=false): %v", err)
	}
	return srv, c, r, arn
}

func settle(t *testing.T, srv *localaws.Server) {
	t.Helper()
	if err := srv.Settle(t.Context()); err != nil {
		t.Fatalf("Settle: %v", err)
	}
}

func nextRotation(t *testing.T, c *secretsmanager.Client) time.Time {
	t.Helper()
	d := describe(t, c, "db")
	if d.NextRotationDate == nil {
		t.Fatalf("no NextRotationDate: %+v", d)
	}
	return d.NextRotationDate.UTC()
}

// TestRateScheduleRotatesWhenTheClockPassesIt: under rate(30 days) the
// window opens at midnight 30 days after rotation was configured;
// NextRotationDate is the last second of that day. The rotation starts by
// itself once the clock is there, and the next window is counted from it.
func TestRateScheduleRotatesWhenTheClockPassesIt(t *testing.T) {
	t.Parallel()
	srv, c, r, arn := scheduledSetup(t, &types.RotationRulesType{ScheduleExpression: aws.String("rate(30 days)")})
	if got, want := nextRotation(t, c), time.Date(2026, 5, 31, 23, 59, 59, 0, time.UTC); !got.Equal(want) {
		t.Errorf("NextRotationDate = %v, want %v", got, want)
	}
	steps := len(r.steps()) // the configuration test's testSecret
	if started := advance(t, srv, 29*24*time.Hour); len(started) != 0 {
		t.Fatalf("day 29 started rotations %v", started)
	}
	started := advance(t, srv, 2*24*time.Hour)
	if !slices.Equal(started, []string{arn}) {
		t.Fatalf("day 31 started %v, want %s", started, arn)
	}
	settle(t, srv)
	if got := r.steps()[steps:]; !slices.Equal(got, []string{"createSecret", "setSecret", "testSecret", "finishSecret"}) {
		t.Errorf("the scheduled rotation ran %v", got)
	}
	if v := current(t, c, "db"); v == "old" {
		t.Error("AWSCURRENT still holds the old value")
	}
	d := describe(t, c, "db")
	if d.LastRotatedDate == nil || !d.LastRotatedDate.Equal(fixedStart.Add(31*24*time.Hour)) {
		t.Errorf("LastRotatedDate = %v", d.LastRotatedDate)
	}
	if got, want := nextRotation(t, c), time.Date(2026, 7, 1, 23, 59, 59, 0, time.UTC); !got.Equal(want) {
		t.Errorf("NextRotationDate after the rotation = %v, want %v", got, want)
	}
	if started := advance(t, srv, time.Hour); len(started) != 0 {
		t.Errorf("an hour later the schedule started %v again", started)
	}
	var names []string
	for _, e := range srv.Events() {
		var detail struct {
			EventName           string
			AdditionalEventData struct{ SecretId string }
		}
		_ = json.Unmarshal(e.Detail, &detail)
		if e.Source == "aws.secretsmanager" && detail.AdditionalEventData.SecretId == arn {
			names = append(names, detail.EventName)
		}
	}
	if !slices.Equal(names, []string{"RotationStarted", "RotationSucceeded"}) {
		t.Errorf("rotation events %v", names)
	}
}

// TestCronScheduleWithDuration: cron(0 16 ? * SAT *) with Duration 2h
// opens Saturday 16:00 and closes at 18:00.
func TestCronScheduleWithDuration(t *testing.T) {
	t.Parallel()
	srv, c, _, arn := scheduledSetup(t, &types.RotationRulesType{ScheduleExpression: aws.String("cron(0 16 ? * SAT *)"), Duration: aws.String("2h")})
	saturday := time.Date(2026, 5, 2, 16, 0, 0, 0, time.UTC) // the day after fixedStart
	if got, want := nextRotation(t, c), saturday.Add(2*time.Hour-time.Second); !got.Equal(want) {
		t.Errorf("NextRotationDate = %v, want %v", got, want)
	}
	if started := advance(t, srv, saturday.Add(-time.Minute).Sub(fixedStart)); len(started) != 0 {
		t.Fatalf("a minute before the window: %v", started)
	}
	if started := advance(t, srv, time.Minute); !slices.Equal(started, []string{arn}) {
		t.Fatalf("at the window's opening: %v", started)
	}
	settle(t, srv)
	if got, want := nextRotation(t, c), saturday.AddDate(0, 0, 7).Add(2*time.Hour-time.Second); !got.Equal(want) {
		t.Errorf("next window after the rotation = %v, want %v", got, want)
	}
}

// TestFailedScheduledRotationWaitsForTheNextWindow: a rotation that fails
// leaves AWSPENDING where it was, records RotationFailed, and is tried again
// at the next window, not at every tick.
func TestFailedScheduledRotationWaitsForTheNextWindow(t *testing.T) {
	t.Parallel()
	srv, c, r, arn := scheduledSetup(t, &types.RotationRulesType{AutomaticallyAfterDays: aws.Int64(1)})
	r.setFail("setSecret")
	if started := advance(t, srv, 24*time.Hour); !slices.Equal(started, []string{arn}) {
		t.Fatalf("the daily window started %v", started)
	}
	settle(t, srv)
	var pending string
	for id, st := range stages(t, c, "db") {
		if slices.Contains(st, "AWSPENDING") && !slices.Contains(st, "AWSCURRENT") {
			pending = id
		}
	}
	if pending == "" {
		t.Fatalf("no AWSPENDING after a failed rotation: %v", stages(t, c, "db"))
	}
	if started := advance(t, srv, time.Hour); len(started) != 0 {
		t.Errorf("a failed window was retried an hour later: %v", started)
	}
	r.setFail("")
	if started := advance(t, srv, 24*time.Hour); !slices.Equal(started, []string{arn}) {
		t.Fatalf("the next window started %v", started)
	}
	settle(t, srv)
	if st := stages(t, c, "db"); !slices.Contains(st[pending], "AWSCURRENT") {
		t.Errorf("the reattempt did not finish the pending version %s: %v", pending, st)
	}
	failed := 0
	for _, e := range srv.Events() {
		var d struct{ EventName string }
		_ = json.Unmarshal(e.Detail, &d)
		if d.EventName == "RotationFailed" {
			failed++
		}
	}
	if failed != 1 {
		t.Errorf("%d RotationFailed events, want 1", failed)
	}
}

func TestRotationRulesRefused(t *testing.T) {
	t.Parallel()
	c, r, _ := rotationSetup(t)
	cases := []struct {
		name  string
		rules types.RotationRulesType
		code  string
	}{
		{"rate under four hours", types.RotationRulesType{ScheduleExpression: aws.String("rate(2 hours)")}, "InvalidParameterException"},
		{"not an expression", types.RotationRulesType{ScheduleExpression: aws.String("every day")}, "InvalidParameterException"},
		{"cron with minutes", types.RotationRulesType{ScheduleExpression: aws.String("cron(30 16 * * ? *)")}, "InvalidParameterException"},
		{"cron with a year", types.RotationRulesType{ScheduleExpression: aws.String("cron(0 16 * * ? 2027)")}, "InvalidParameterException"},
		{"window into the next day", types.RotationRulesType{ScheduleExpression: aws.String("cron(0 20 * * ? *)"), Duration: aws.String("6h")}, "InvalidParameterException"},
		{"window into the next window", types.RotationRulesType{ScheduleExpression: aws.String("rate(4 hours)"), Duration: aws.String("5h")}, "InvalidParameterException"},
		{"duration pattern", types.RotationRulesType{ScheduleExpression: aws.String("rate(1 day)"), Duration: aws.String("2 hours")}, "ValidationException"},
		{"duration alone", types.RotationRulesType{Duration: aws.String("2h")}, "InvalidParameterException"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.RotateSecret(t.Context(), &secretsmanager.RotateSecretInput{SecretId: aws.String("db"), RotationLambdaARN: aws.String(rotatorARN), RotationRules: &tc.rules})
			if errCode(err) != tc.code {
				t.Errorf("RotateSecret with %+v: %v, want %s", tc.rules, err, tc.code)
			}
		})
	}
	if d := describe(t, c, "db"); d.RotationEnabled != nil || len(r.steps()) != 0 {
		t.Errorf("a refused schedule configured or invoked something: %+v, %v", d.RotationEnabled, r.steps())
	}
}

// TestEventsRoute: GET /_localaws/events answers the recorded events as
// EventBridge's envelope.
func TestEventsRoute(t *testing.T) {
	t.Parallel()
	srv, c, _, arn := scheduledSetup(t, &types.RotationRulesType{AutomaticallyAfterDays: aws.Int64(2)})
	advance(t, srv, 3*24*time.Hour)
	settle(t, srv)
	resp, err := http.Get(aws.ToString(c.Options().BaseEndpoint) + "/_localaws/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var evs []struct {
		Source     string          `json:"source"`
		DetailType string          `json:"detail-type"`
		Resources  []string        `json:"resources"`
		Detail     json.RawMessage `json:"detail"`
		Account    string          `json:"account"`
		Region     string          `json:"region"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&evs); err != nil {
		t.Fatalf("decode events: %v", err)
	}
	if len(evs) != 2 || evs[0].Source != "aws.secretsmanager" || evs[0].DetailType != "AWS Service Event via CloudTrail" ||
		!slices.Equal(evs[1].Resources, []string{arn}) || evs[1].Account != "123456789012" || evs[1].Region != "us-east-1" {
		t.Errorf("events = %+v", evs)
	}
}
