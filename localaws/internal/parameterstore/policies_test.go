package parameterstore

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/paramsecrets/paramsecrets/localaws/internal/eventlog"
)

// movingClock is a clock the test moves, safe to read from the server.
type movingClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *movingClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *movingClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// recorder keeps the events a store sends.
type recorder struct {
	mu     sync.Mutex
	events []eventlog.Event
}

func (r *recorder) add(e eventlog.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

// kinds lists the events as "detail-type: what" lines.
func (r *recorder) kinds() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.events {
		var d struct {
			Operation  string `json:"operation"`
			PolicyType string `json:"policy-type"`
			Name       string `json:"name"`
			Param      string `json:"parameter-name"`
			Exception  string `json:"exception"`
		}
		_ = json.Unmarshal(e.Detail, &d)
		what := d.Operation + d.PolicyType
		if d.Exception != "" {
			what += " (" + d.Exception + ")"
		}
		out = append(out, e.DetailType+": "+what+" "+d.Name+d.Param)
	}
	return out
}

var policyStart = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func policyEnv(t *testing.T) (*testEnv, *movingClock, *recorder) {
	t.Helper()
	clk := &movingClock{t: policyStart}
	rec := &recorder{}
	return newEnv(t, Options{Now: clk.now, Events: rec.add}), clk, rec
}

// TestExpirationDeletesAtItsTime: an Expiration policy deletes the parameter
// once the clock passes its Timestamp; ExpirationNotification tells
// EventBridge the given time before; both are recorded as Parameter Store
// Policy Action events, and the deletion as a change.
func TestExpirationDeletesAtItsTime(t *testing.T) {
	t.Parallel()
	e, clk, rec := policyEnv(t)
	ctx := context.Background()
	expires := policyStart.Add(10 * 24 * time.Hour)
	policies := `[{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"` + expires.Format(time.RFC3339) + `"}},` +
		`{"Type":"ExpirationNotification","Version":"1.0","Attributes":{"Before":"2","Unit":"Days"}}]`
	e.put(t, &ssm.PutParameterInput{Name: aws.String("/temp/key"), Value: aws.String("v"), Type: types.ParameterTypeSecureString,
		Tier: types.ParameterTierAdvanced, Policies: aws.String(policies)})
	clk.add(7*24*time.Hour + 23*time.Hour) // just before the notice
	if _, err := e.client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/temp/key")}); err != nil {
		t.Fatalf("GetParameter on day 7: %v", err)
	}
	clk.add(time.Hour) // day 8: two days before
	out, err := e.client.GetParameterHistory(ctx, &ssm.GetParameterHistoryInput{Name: aws.String("/temp/key")})
	if err != nil {
		t.Fatal(err)
	}
	var statuses []string
	for _, p := range out.Parameters[0].Policies {
		statuses = append(statuses, aws.ToString(p.PolicyType)+"="+aws.ToString(p.PolicyStatus))
	}
	if !slices.Equal(statuses, []string{"Expiration=Pending", "ExpirationNotification=Finished"}) {
		t.Errorf("policy statuses on day 8: %v", statuses)
	}
	clk.add(2*24*time.Hour - time.Second)
	if _, err := e.client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/temp/key")}); err != nil {
		t.Fatalf("a second before the Timestamp: %v", err)
	}
	clk.add(time.Second)
	_, err = e.client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/temp/key")})
	wantCode(t, err, "ParameterNotFound")
	want := []string{
		"Parameter Store Change: Create /temp/key",
		"Parameter Store Policy Action: ExpirationNotification /temp/key",
		"Parameter Store Policy Action: Expiration /temp/key",
		"Parameter Store Change: Delete /temp/key",
	}
	if got := rec.kinds(); !slices.Equal(got, want) {
		t.Errorf("events:\n%v\nwant\n%v", got, want)
	}
}

// TestNoChangeNotificationCountsFromTheLastChange: "If you change or edit a
// parameter, the system resets the notification time period."
func TestNoChangeNotificationCountsFromTheLastChange(t *testing.T) {
	t.Parallel()
	e, clk, rec := policyEnv(t)
	policy := `[{"Type":"NoChangeNotification","Version":"1.0","Attributes":{"After":"20","Unit":"Hours"}}]`
	e.put(t, &ssm.PutParameterInput{Name: aws.String("/stale"), Value: aws.String("1"), Type: types.ParameterTypeString,
		Tier: types.ParameterTierAdvanced, Policies: aws.String(policy)})
	clk.add(19 * time.Hour)
	e.put(t, &ssm.PutParameterInput{Name: aws.String("/stale"), Value: aws.String("2"), Overwrite: aws.Bool(true)})
	clk.add(19 * time.Hour)
	e.store.Tick()
	if n := countKind(rec, "NoChangeNotification"); n != 0 {
		t.Errorf("19 hours after the update: %d notifications", n)
	}
	clk.add(time.Hour)
	e.store.Tick()
	e.store.Tick()
	if n := countKind(rec, "NoChangeNotification"); n != 1 {
		t.Errorf("20 hours after the update: %d notifications, want exactly 1", n)
	}
	if _, err := e.client.GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String("/stale")}); err != nil {
		t.Errorf("a NoChangeNotification deleted the parameter: %v", err)
	}
}

func countKind(r *recorder, kind string) int {
	n := 0
	for _, k := range r.kinds() {
		if slices.Contains([]string{"Parameter Store Policy Action: " + kind + " /stale"}, k) {
			n++
		}
	}
	return n
}

// TestPolicyChecksUseTheClock: an Expiration Timestamp must be after the
// store's now; notifications need an Expiration where they count from it.
func TestPolicyChecksUseTheClock(t *testing.T) {
	t.Parallel()
	e, _, _ := policyEnv(t)
	put := func(policies string) error {
		_, err := e.client.PutParameter(context.Background(), &ssm.PutParameterInput{Name: aws.String("/p"), Value: aws.String("v"),
			Type: types.ParameterTypeString, Tier: types.ParameterTierAdvanced, Policies: aws.String(policies), Overwrite: aws.Bool(true)})
		return err
	}
	past := policyStart.Add(-time.Minute).Format(time.RFC3339)
	wantCode(t, put(`[{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"`+past+`"}}]`), "InvalidPolicyAttributeException")
	wantCode(t, put(`[{"Type":"ExpirationNotification","Version":"1.0","Attributes":{"Before":"1","Unit":"Days"}}]`), "IncompatiblePolicyException")
	two := `{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"2030-01-01T00:00:00Z"}}`
	wantCode(t, put("["+two+","+two+"]"), "IncompatiblePolicyException")
	wantCode(t, put(`[{"Type":"Expiration","Version":"2.0","Attributes":{"Timestamp":"2030-01-01T00:00:00Z"}}]`), "InvalidPolicyAttributeException")
	wantCode(t, put(`{"Type":"Expiration"}`), "ValidationException")
	if err := put(`[{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"2030-01-01T22:13:48.87+10:30:00"}}]`); err != nil {
		t.Errorf("ISO_OFFSET_DATE_TIME with seconds in the offset: %v", err)
	}
}

// TestChangeEvents: creates, updates, label moves and deletes are recorded
// as Parameter Store Change events; an aws:ec2:image value that is no AMI id
// is refused and recorded with AWS's exception.
func TestChangeEvents(t *testing.T) {
	t.Parallel()
	e, _, rec := policyEnv(t)
	ctx := context.Background()
	e.put(t, &ssm.PutParameterInput{Name: aws.String("/c"), Value: aws.String("1"), Type: types.ParameterTypeString})
	e.put(t, &ssm.PutParameterInput{Name: aws.String("/c"), Value: aws.String("2"), Overwrite: aws.Bool(true)})
	if _, err := e.client.LabelParameterVersion(ctx, &ssm.LabelParameterVersionInput{Name: aws.String("/c"), Labels: []string{"prod"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.DeleteParameters(ctx, &ssm.DeleteParametersInput{Names: []string{"/c", "/none"}}); err != nil {
		t.Fatal(err)
	}
	_, err := e.client.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/ami"), Value: aws.String("golden"), Type: types.ParameterTypeString, DataType: aws.String("aws:ec2:image")})
	wantCode(t, err, "ValidationException")
	want := []string{
		"Parameter Store Change: Create /c",
		"Parameter Store Change: Update /c",
		"Parameter Store Change: LabelParameterVersion /c",
		"Parameter Store Change: Delete /c",
		"Parameter Store Change: Create (Unable to Describe Resource) /ami",
	}
	if got := rec.kinds(); !slices.Equal(got, want) {
		t.Errorf("events:\n%v\nwant\n%v", got, want)
	}
}
