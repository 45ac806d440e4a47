package parameterstore

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// rawCall posts a body as the SDK would and returns status and decoded JSON.
func rawCall(t *testing.T, e *testEnv, op, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Target", "AmazonSSM."+op)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("response %q is not a JSON object: %v", raw, err)
	}
	return resp.StatusCode, out
}

func TestCallRejectsBadRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	cases := []struct {
		name, op, body, code string
	}{
		{"malformed JSON", "GetParameter", `{"Name":`, "SerializationException"},
		{"wrong field type", "GetParameter", `{"Name": 42}`, "SerializationException"},
		{"array body", "PutParameter", `[]`, "SerializationException"},
		{"trailing garbage", "GetParameter", `{"Name":"/x"} {}`, "SerializationException"},
		{"unknown operation", "SendCommand", `{}`, "UnknownOperationException"},
		{"empty operation", "", `{}`, "UnknownOperationException"},
		{"GetParameter without Name", "GetParameter", `{}`, "ValidationException"},
		{"empty body is an empty object", "GetParameter", ``, "ValidationException"},
		{"GetParameter with empty Name", "GetParameter", `{"Name":""}`, "ValidationException"},
		{"PutParameter without Value", "PutParameter", `{"Name":"/x","Type":"String"}`, "ValidationException"},
		{"PutParameter without Name", "PutParameter", `{"Value":"v","Type":"String"}`, "ValidationException"},
		{"GetParameters without Names", "GetParameters", `{}`, "ValidationException"},
		{"GetParameters with no names", "GetParameters", `{"Names":[]}`, "ValidationException"},
		{"GetParametersByPath without Path", "GetParametersByPath", `{}`, "ValidationException"},
		{"GetParameterHistory without Name", "GetParameterHistory", `{}`, "ValidationException"},
		{"LabelParameterVersion without Labels", "LabelParameterVersion", `{"Name":"/x"}`, "ValidationException"},
		{"DeleteParameter without Name", "DeleteParameter", `{}`, "ValidationException"},
		{"filter without key", "GetParametersByPath", `{"Path":"/","ParameterFilters":[{"Values":["String"]}]}`, "ValidationException"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, out := rawCall(t, e, tc.op, tc.body)
			if status != http.StatusBadRequest || out["__type"] != tc.code {
				t.Fatalf("got %d %v, want 400 %s", status, out, tc.code)
			}
			if msg, _ := out["message"].(string); msg == "" {
				t.Fatalf("error without a message: %v", out)
			}
		})
	}
}

func TestWireShapes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	status, out := rawCall(t, e, "PutParameter", `{"Name":"/w","Value":"v","Type":"String"}`)
	if status != http.StatusOK || out["Version"] != 1.0 || out["Tier"] != "Standard" {
		t.Fatalf("PutParameter = %d %v", status, out)
	}
	_, out = rawCall(t, e, "GetParameter", `{"Name":"/w"}`)
	p, _ := out["Parameter"].(map[string]any)
	if date, ok := p["LastModifiedDate"].(float64); !ok || date != 1772366400.25 {
		t.Fatalf("LastModifiedDate = %#v, want epoch seconds 1772366400.25", p["LastModifiedDate"])
	}
	if _, has := p["Selector"]; has {
		t.Fatalf("Selector present without a selector: %v", p)
	}
}

func TestSeedAndReset(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	ctx := context.Background()
	err := e.store.Seed([]SeedParameter{
		{Name: "/seed/host", Value: "127.0.0.1"},
		{Name: "/seed/pw", Type: "SecureString", Value: "pw", Description: "password"},
		{Name: "/seed/host", Value: "127.0.0.2"},
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/seed/host")})
	if err != nil || aws.ToString(out.Parameter.Value) != "127.0.0.2" || out.Parameter.Type != types.ParameterTypeString || out.Parameter.Version != 2 {
		t.Fatalf("seeded host = %+v, %v", out, err)
	}
	if err := e.store.Seed([]SeedParameter{{Name: "aws-bad", Value: "x"}}); err == nil || !strings.Contains(err.Error(), "aws-bad") {
		t.Fatalf("Seed of a bad name: %v, want an error naming it", err)
	}
	if err := e.store.Seed([]SeedParameter{{Name: "/seed/leak", Type: "SecureString", Value: "top-secret{{x}}"}}); err == nil || strings.Contains(err.Error(), "top-secret") {
		t.Fatalf("Seed error %v: want an error without the value", err)
	}
	e.store.Reset()
	_, err = e.client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/seed/host")})
	wantCode(t, err, "ParameterNotFound")
}

func TestConcurrentWritersGetDistinctVersions(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	ctx := context.Background()
	e.put(t, &ssm.PutParameterInput{Name: aws.String("/c"), Value: aws.String("0"), Type: types.ParameterTypeString})
	const writers = 20
	versions := make(chan int64, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := e.client.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/c"), Value: aws.String(fmt.Sprint(i)), Overwrite: aws.Bool(true)})
			if err != nil {
				t.Error(err)
				return
			}
			versions <- out.Version
			if _, err := e.client.GetParametersByPath(ctx, &ssm.GetParametersByPathInput{Path: aws.String("/")}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	close(versions)
	seen := map[int64]bool{}
	for v := range versions {
		if seen[v] {
			t.Fatalf("version %d handed out twice", v)
		}
		seen[v] = true
	}
	if len(seen) != writers {
		t.Fatalf("%d distinct versions, want %d", len(seen), writers)
	}
}
