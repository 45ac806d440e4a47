package localaws_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/paramsecrets/paramsecrets/localaws"
)

// postJSON sends an admin request and returns status and body.
func postJSON(t *testing.T, url, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestStatsCountsCallsPerTarget(t *testing.T) {
	t.Parallel()
	srv, url := startLocal(t, localaws.Options{})
	c := newSMClient(url)
	create(t, c, "s", "v")
	for range 3 {
		current(t, c, "s")
	}
	_, _ = c.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("missing")})
	resp, err := http.Get(url + "/_localaws/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var stats map[string]int
	if err := json.NewDecoder(resp.Body).Decode(&stats); err != nil {
		t.Fatalf("decode stats: %v", err)
	}
	if stats["secretsmanager.GetSecretValue"] != 4 || stats["secretsmanager.CreateSecret"] != 1 {
		t.Errorf("stats = %v, want 4 GetSecretValue (errors count too) and 1 CreateSecret", stats)
	}
	if got := srv.Stats(); got["secretsmanager.GetSecretValue"] != 4 {
		t.Errorf("Stats() = %v", got)
	}
}

func TestFaultFailsNextCalls(t *testing.T) {
	t.Parallel()
	_, url := startLocal(t, localaws.Options{})
	c := newSMClient(url, func(o *secretsmanager.Options) { o.RetryMaxAttempts = 1 })
	create(t, c, "s", "v")
	status, body := postJSON(t, url+"/_localaws/faults",
		`{"operation": "secretsmanager.GetSecretValue", "code": "ThrottlingException", "status": 400, "count": 2}`)
	if status != http.StatusOK {
		t.Fatalf("POST faults: %d %s", status, body)
	}
	for i := range 2 {
		_, err := c.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("s")})
		if errCode(err) != "ThrottlingException" {
			t.Errorf("call %d: %v, want ThrottlingException", i, err)
		}
	}
	if v := current(t, c, "s"); v != "v" {
		t.Errorf("third call = %q, want the fault used up", v)
	}
	// Other operations are untouched.
	if _, err := c.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("s")}); err != nil {
		t.Errorf("DescribeSecret during a GetSecretValue fault: %v", err)
	}
}

func TestFaultStatusAndSDKRetry(t *testing.T) {
	t.Parallel()
	srv, url := startLocal(t, localaws.Options{})
	c := newSMClient(url) // default retryer: 3 attempts
	create(t, c, "s", "v")
	srv.InjectFault(localaws.Fault{Operation: "secretsmanager.GetSecretValue", Code: "InternalServiceError", Status: 500, Count: 2})
	if v := current(t, c, "s"); v != "v" {
		t.Errorf("value after two retried 500s = %q", v)
	}
	if n := srv.Stats()["secretsmanager.GetSecretValue"]; n != 3 {
		t.Errorf("GetSecretValue calls = %d, want 3 (two faults, one success)", n)
	}
}

func TestFaultLatencyEndsWithClientTimeout(t *testing.T) {
	t.Parallel()
	srv, url := startLocal(t, localaws.Options{})
	c := newSMClient(url, func(o *secretsmanager.Options) { o.RetryMaxAttempts = 1 })
	create(t, c, "s", "v")
	// An hour of latency: only the client's deadline can end this call.
	srv.InjectFault(localaws.Fault{Operation: "secretsmanager.GetSecretValue", LatencyMs: 3_600_000})
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("s")})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("GetSecretValue under latency: %v, want the client's deadline", err)
	}
	// Latency without a code only delays: the fault is spent, the next call answers.
	if v := current(t, c, "s"); v != "v" {
		t.Errorf("next call = %q", v)
	}
}

func TestAdminRouteErrors(t *testing.T) {
	t.Parallel()
	_, url := startLocal(t, localaws.Options{})
	cases := []struct {
		name, method, path, body string
		status                   int
	}{
		{"unknown route", "GET", "/_localaws/nope", "", 404},
		{"stats is GET", "POST", "/_localaws/stats", "", 405},
		{"fault without operation", "POST", "/_localaws/faults", `{"code": "X"}`, 400},
		{"fault with neither code nor latency", "POST", "/_localaws/faults", `{"operation": "secretsmanager.GetSecretValue"}`, 400},
		{"fault with unknown field", "POST", "/_localaws/faults", `{"operation": "secretsmanager.GetSecretValue", "code": "X", "latency": 5}`, 400},
		{"function with bad url", "POST", "/_localaws/functions", `{"arn": "arn:aws:lambda:us-east-1:1:function:f", "url": "nope"}`, 400},
		{"malformed json", "POST", "/_localaws/faults", `{`, 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, url+tc.path, strings.NewReader(tc.body))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body map[string]string
			if resp.StatusCode != tc.status || json.NewDecoder(resp.Body).Decode(&body) != nil || body["error"] == "" {
				t.Errorf("status %d body %v, want %d with a JSON error", resp.StatusCode, body, tc.status)
			}
		})
	}
}

func TestResetForgetsEverything(t *testing.T) {
	t.Parallel()
	_, url := startLocal(t, localaws.Options{})
	c := newSMClient(url)
	create(t, c, "s", "v")
	const fn = "arn:aws:lambda:us-east-1:123456789012:function:forgotten"
	for route, body := range map[string]string{
		"faults":    `{"operation": "secretsmanager.GetSecretValue", "code": "ThrottlingException", "status": 400, "count": 5}`,
		"functions": `{"arn": "` + fn + `", "url": "http://127.0.0.1:9/2015-03-31/functions/function/invocations"}`,
	} {
		if status, _ := postJSON(t, url+"/_localaws/"+route, body); status != 200 {
			t.Fatalf("%s: %d", route, status)
		}
	}
	if status, _ := postJSON(t, url+"/_localaws/reset", ""); status != 200 {
		t.Fatalf("reset: %d", status)
	}
	// Not ThrottlingException: the queued faults are gone too.
	_, err := c.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("s")})
	if errCode(err) != "ResourceNotFoundException" {
		t.Errorf("secret after reset: %v", err)
	}
	// The registered function is forgotten: rotation cannot invoke it.
	create(t, c, "r", "v")
	_, err = c.RotateSecret(t.Context(), &secretsmanager.RotateSecretInput{SecretId: aws.String("r"), RotationLambdaARN: aws.String(fn)})
	if errCode(err) != "AccessDeniedException" {
		t.Errorf("rotation through a function registered before reset: %v, want AccessDeniedException", err)
	}
	resp, err := http.Get(url + "/_localaws/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var stats map[string]int
	_ = json.NewDecoder(resp.Body).Decode(&stats)
	if stats["secretsmanager.GetSecretValue"] != 1 || stats["secretsmanager.RotateSecret"] != 1 { // only the calls after the reset
		t.Errorf("stats after reset = %v", stats)
	}
}

// fakeRIE answers like the Runtime Interface Emulator's invoke endpoint:
// 200 with the handler's result, or 200 with errorMessage/errorType.
func fakeRIE(t *testing.T, failStep string) (string, func() []events.SecretsManagerSecretRotationEvent) {
	t.Helper()
	var (
		mu  sync.Mutex
		got []events.SecretsManagerSecretRotationEvent
	)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev events.SecretsManagerSecretRotationEvent
		_ = json.NewDecoder(r.Body).Decode(&ev)
		mu.Lock()
		got = append(got, ev)
		mu.Unlock()
		if ev.Step == failStep {
			_, _ = io.Copy(w, bytes.NewBufferString(`{"errorMessage": "cannot reach database", "errorType": "Runtime.Error"}`))
			return
		}
		_, _ = w.Write([]byte("null"))
	}))
	t.Cleanup(hs.Close)
	return hs.URL + "/2015-03-31/functions/function/invocations", func() []events.SecretsManagerSecretRotationEvent {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(got)
	}
}

func TestRotationThroughInvokeURL(t *testing.T) {
	t.Parallel()
	_, url := startLocal(t, localaws.Options{})
	c := newSMClient(url)
	create(t, c, "s", "v")
	fnURL, got := fakeRIE(t, "testSecret")
	body, _ := json.Marshal(map[string]string{"arn": rotatorARN, "url": fnURL})
	if status, resp := postJSON(t, url+"/_localaws/functions", string(body)); status != 200 {
		t.Fatalf("register function: %d %s", status, resp)
	}
	_, err := c.RotateSecret(t.Context(), &secretsmanager.RotateSecretInput{SecretId: aws.String("s"), RotationLambdaARN: aws.String(rotatorARN + ":$LATEST")})
	if errCode(err) != "InvalidRequestException" || !strings.Contains(err.Error(), "testSecret") || !strings.Contains(err.Error(), "cannot reach database") {
		t.Errorf("RotateSecret with a function error at testSecret: %v", err)
	}
	if evs := got(); len(evs) != 3 || evs[0].Step != "createSecret" || evs[2].Step != "testSecret" {
		t.Errorf("invocations = %+v", evs)
	}
}
