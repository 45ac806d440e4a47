package secretsmanager

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/smithy-go"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newTestStore() (*Store, *clock) {
	clk := &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	return New(Options{Region: "us-east-1", AccountID: "123456789012", Now: clk.now}), clk
}

// call runs op with a JSON body built from in and decodes the answer. Like
// the SDKs, it fills in a ClientRequestToken where the operation takes one.
func call(t *testing.T, s *Store, op string, in any) (map[string]any, error) {
	t.Helper()
	body, _ := json.Marshal(withToken(op, in))
	out, err := s.Call(context.Background(), s.Home(), op, body)
	if err != nil {
		return nil, err
	}
	raw, _ := json.Marshal(out)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return m, nil
}

// withToken adds a ClientRequestToken to a map request of an operation that
// takes one, as the SDKs' idempotency-token middleware does.
func withToken(op string, in any) any {
	m, ok := in.(map[string]any)
	if !ok {
		return in
	}
	switch op {
	case "CreateSecret", "PutSecretValue", "UpdateSecret", "RotateSecret":
		if _, has := m["ClientRequestToken"]; !has {
			out := map[string]any{"ClientRequestToken": newToken()}
			for k, v := range m {
				out[k] = v
			}
			return out
		}
	}
	return in
}

func mustCall(t *testing.T, s *Store, op string, in any) map[string]any {
	t.Helper()
	m, err := call(t, s, op, in)
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
	return m
}

func code(err error) string {
	if ae, ok := err.(*smithy.GenericAPIError); ok {
		return ae.Code
	}
	return fmt.Sprint(err)
}

func versionCount(t *testing.T, s *Store, id string) int {
	t.Helper()
	return len(allVersions(t, s, id))
}

// allVersions lists every version id, following NextToken.
func allVersions(t *testing.T, s *Store, id string) []string {
	t.Helper()
	var ids []string
	in := map[string]any{"SecretId": id, "IncludeDeprecated": true}
	for {
		m := mustCall(t, s, "ListSecretVersionIds", in)
		for _, v := range m["Versions"].([]any) {
			ids = append(ids, v.(map[string]any)["VersionId"].(string))
		}
		tok, ok := m["NextToken"]
		if !ok {
			return ids
		}
		in["NextToken"] = tok
	}
}

// TestPruneKeepsRecentVersions checks the retention rule: past 100 versions,
// deprecated versions older than a day go, oldest first; younger ones stay.
func TestPruneKeepsRecentVersions(t *testing.T) {
	s, clk := newTestStore()
	mustCall(t, s, "CreateSecret", map[string]any{"Name": "p", "SecretString": "0"})
	for i := 1; i <= 110; i++ {
		mustCall(t, s, "PutSecretValue", map[string]any{"SecretId": "p", "SecretString": fmt.Sprint(i)})
	}
	if n := versionCount(t, s, "p"); n != 111 {
		t.Fatalf("versions within a day = %d, want all 111 kept", n)
	}
	clk.add(25 * time.Hour)
	mustCall(t, s, "PutSecretValue", map[string]any{"SecretId": "p", "SecretString": "new"})
	if n := versionCount(t, s, "p"); n != 100 {
		t.Errorf("versions after a day = %d, want 100", n)
	}
	// The labelled versions survive pruning.
	m := mustCall(t, s, "GetSecretValue", map[string]any{"SecretId": "p", "VersionStage": "AWSPREVIOUS"})
	if m["SecretString"] != "110" {
		t.Errorf("AWSPREVIOUS = %v, want 110", m["SecretString"])
	}
	// The oldest deprecated versions went first.
	for _, id := range allVersions(t, s, "p") {
		got := mustCall(t, s, "GetSecretValue", map[string]any{"SecretId": "p", "VersionId": id})
		if got["SecretString"] == "0" {
			t.Errorf("the oldest version survived pruning")
		}
	}
}

func TestDeletedSecretExpires(t *testing.T) {
	s, clk := newTestStore()
	mustCall(t, s, "CreateSecret", map[string]any{"Name": "d", "SecretString": "v"})
	mustCall(t, s, "DeleteSecret", map[string]any{"SecretId": "d", "RecoveryWindowInDays": 7})
	clk.add(7*24*time.Hour - time.Second)
	if _, err := call(t, s, "DescribeSecret", map[string]any{"SecretId": "d"}); err != nil {
		t.Fatalf("secret gone before its recovery window ended: %v", err)
	}
	clk.add(time.Second)
	if _, err := call(t, s, "DescribeSecret", map[string]any{"SecretId": "d"}); code(err) != "ResourceNotFoundException" {
		t.Errorf("DescribeSecret after the window: %v, want ResourceNotFoundException", err)
	}
	if _, err := call(t, s, "CreateSecret", map[string]any{"Name": "d", "SecretString": "again"}); err != nil {
		t.Errorf("name not free after the window: %v", err)
	}
}

func TestCreateSecretRetryIsIdempotent(t *testing.T) {
	s, _ := newTestStore()
	in := map[string]any{"Name": "c", "SecretString": "v", "ClientRequestToken": "00000000-0000-0000-0000-000000000001"}
	first := mustCall(t, s, "CreateSecret", in)
	again, err := call(t, s, "CreateSecret", in)
	if err != nil || again["ARN"] != first["ARN"] || again["VersionId"] != first["VersionId"] {
		t.Errorf("CreateSecret retry: %v %v", again, err)
	}
	in["SecretString"] = "other"
	if _, err := call(t, s, "CreateSecret", in); code(err) != "ResourceExistsException" {
		t.Errorf("CreateSecret retry with another value: %v", err)
	}
}

func TestTimestampsAreEpochSeconds(t *testing.T) {
	s, _ := newTestStore()
	mustCall(t, s, "CreateSecret", map[string]any{"Name": "t", "SecretString": "v"})
	m := mustCall(t, s, "DescribeSecret", map[string]any{"SecretId": "t"})
	if got, want := m["CreatedDate"], float64(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).Unix()); got != want {
		t.Errorf("CreatedDate = %v, want %v", got, want)
	}
}

func TestListSecretsFilters(t *testing.T) {
	s, _ := newTestStore()
	for _, n := range []struct{ name, desc string }{{"app/db", "Primary Database"}, {"app/cache", "redis"}, {"other", "database copy"}} {
		mustCall(t, s, "CreateSecret", map[string]any{"Name": n.name, "Description": n.desc, "SecretString": "v",
			"Tags": []map[string]string{{"Key": "team", "Value": n.name}}})
	}
	cases := []struct {
		name    string
		filters []map[string]any
		want    int
	}{
		{"name prefix", []map[string]any{{"Key": "name", "Values": []string{"app/"}}}, 2},
		{"name is case-sensitive", []map[string]any{{"Key": "name", "Values": []string{"APP/"}}}, 0},
		{"negated name", []map[string]any{{"Key": "name", "Values": []string{"!app/"}}}, 1},
		{"description ignores case", []map[string]any{{"Key": "description", "Values": []string{"primary"}}}, 1},
		{"all words", []map[string]any{{"Key": "all", "Values": []string{"DATABASE"}}}, 2},
		{"tag value", []map[string]any{{"Key": "tag-value", "Values": []string{"app/c"}}}, 1},
		{"filters combine", []map[string]any{{"Key": "name", "Values": []string{"app/"}}, {"Key": "description", "Values": []string{"redis"}}}, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := mustCall(t, s, "ListSecrets", map[string]any{"Filters": tc.filters})
			if got := len(m["SecretList"].([]any)); got != tc.want {
				t.Errorf("matched %d, want %d", got, tc.want)
			}
		})
	}
}
