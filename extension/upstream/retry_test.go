package upstream

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"
)

// recorder is a standard retryer (its backoff shortened) that logs what it
// is asked, so that a call's retries can be compared with the SDK's.
type recorder struct {
	aws.RetryerV2
	mu  sync.Mutex
	log []string
}

func newRecorder() *recorder {
	return &recorder{RetryerV2: retry.NewStandard(func(o *retry.StandardOptions) { o.MaxBackoff = time.Millisecond })}
}

func (r *recorder) note(format string, v ...any) {
	r.mu.Lock()
	r.log = append(r.log, fmt.Sprintf(format, v...))
	r.mu.Unlock()
}

// describe names a failure by what the retryer decides on: its code and status.
func describe(err error) string {
	var api smithy.APIError
	var status interface{ HTTPStatusCode() int }
	code, st := "-", 0
	if errors.As(err, &api) {
		code = api.ErrorCode()
	}
	if errors.As(err, &status) {
		st = status.HTTPStatusCode()
	}
	return fmt.Sprintf("%s/%d", code, st)
}

func (r *recorder) IsErrorRetryable(err error) bool {
	ok := r.RetryerV2.IsErrorRetryable(err)
	r.note("IsErrorRetryable(%s) = %v", describe(err), ok)
	return ok
}

func (r *recorder) GetAttemptToken(ctx context.Context) (func(error) error, error) {
	r.note("GetAttemptToken")
	return r.RetryerV2.GetAttemptToken(ctx)
}

func (r *recorder) GetRetryToken(ctx context.Context, err error) (func(error) error, error) {
	r.note("GetRetryToken(%s)", describe(err))
	return r.RetryerV2.GetRetryToken(ctx, err)
}

func (r *recorder) RetryDelay(attempt int, err error) (time.Duration, error) {
	r.note("RetryDelay(%d, %s)", attempt, describe(err))
	return r.RetryerV2.RetryDelay(attempt, err)
}

// script is an upstream that answers attempt n with step n (the last step
// for any beyond), and records each attempt's retry header and date.
type script struct {
	steps []func(w http.ResponseWriter, r *http.Request)
	mu    sync.Mutex
	seen  []string
	dates []time.Time
}

func (s *script) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	n := len(s.seen)
	s.seen = append(s.seen, r.Header.Get("Amz-Sdk-Request"))
	d, _ := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	s.dates = append(s.dates, d)
	s.mu.Unlock()
	s.steps[min(n, len(s.steps)-1)](w, r)
}

func answer(status int, body string, header ...string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(status)
		w.Write([]byte(body))
	}
}

// hangUp closes the connection without an answer.
func hangUp(w http.ResponseWriter, _ *http.Request) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

// TestRetriesAreTheSDKs: for each sequence of answers, a call asks the
// config's retryer the same questions in the same order as the SDK's client
// does, makes the same attempts (Amz-Sdk-Request), and fails or succeeds
// alike — same attempts and backoff as the SDK's.
func TestRetriesAreTheSDKs(t *testing.T) {
	const ok = `{"Name":"app/db","SecretString":"v"}`
	throttled := answer(400, `{"__type":"ThrottlingException","message":"Rate exceeded"}`)
	future := time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)
	tests := []struct {
		name  string
		steps []func(http.ResponseWriter, *http.Request)
	}{
		{"success", []func(http.ResponseWriter, *http.Request){answer(200, ok)}},
		{"not found", []func(http.ResponseWriter, *http.Request){answer(400, `{"__type":"ResourceNotFoundException","message":"m"}`)}},
		{"throttled twice", []func(http.ResponseWriter, *http.Request){throttled, throttled, answer(200, ok)}},
		{"throttled throughout", []func(http.ResponseWriter, *http.Request){throttled}},
		{"server errors", []func(http.ResponseWriter, *http.Request){answer(500, `{"__type":"InternalServiceError"}`), answer(503, ``), answer(200, ok)}},
		{"a proxy's page", []func(http.ResponseWriter, *http.Request){answer(502, `<html>Bad Gateway</html>`)}},
		{"hung up on", []func(http.ResponseWriter, *http.Request){hangUp, answer(200, ok)}},
		{"retry-after", []func(http.ResponseWriter, *http.Request){answer(503, ``, "X-Amz-Retry-After", "1"), answer(200, ok)}},
		{"a skewed clock", []func(http.ResponseWriter, *http.Request){answer(400, `{"__type":"InvalidSignatureException","message":"Signature expired"}`, "Date", future), answer(200, ok, "Date", future)}},
		{"a bad answer", []func(http.ResponseWriter, *http.Request){answer(200, `{"Name":1}`)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := func(call func(aws.Config) error) (*recorder, *script, error) {
				sc := &script{steps: tt.steps}
				srv := httptest.NewServer(sc)
				defer srv.Close()
				rec := newRecorder()
				cfg := testConfig(srv.URL)
				cfg.Retryer = func() aws.Retryer { return rec }
				return rec, sc, call(cfg)
			}
			sdkRec, sdkScript, sdkErr := run(func(cfg aws.Config) error {
				sm := secretsmanager.NewFromConfig(cfg)
				_, err := sm.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("app/db")})
				return err
			})
			ourRec, ourScript, ourErr := run(func(cfg aws.Config) error {
				_, err := newClient(t, Options{AWSConfig: cfg}).GetSecretValue(t.Context(), &GetSecretValueInput{SecretId: aws.String("app/db")})
				return err
			})
			if !slices.Equal(ourRec.log, sdkRec.log) {
				t.Errorf("the retryer was asked\n%s\nthe SDK's\n%s", strings.Join(ourRec.log, "\n"), strings.Join(sdkRec.log, "\n"))
			}
			if !slices.Equal(ourScript.seen, sdkScript.seen) {
				t.Errorf("attempts %q, the SDK's %q", ourScript.seen, sdkScript.seen)
			}
			if (ourErr != nil) != (sdkErr != nil) {
				t.Fatalf("error %v, the SDK's %v", ourErr, sdkErr)
			}
			if ourErr != nil {
				got, want := ourErr.(*Error), translate(opGetSecretValue, sdkErr)
				if got.Code != want.Code || got.Status != want.Status {
					t.Errorf("%s %d (%s), the SDK's %s %d (%s)", got.Code, got.Status, got.Message, want.Code, want.Status, want.Message)
				}
			}
			// Each attempt is signed at the same (corrected) time as the SDK's.
			for i := range min(len(ourScript.dates), len(sdkScript.dates)) {
				if d := ourScript.dates[i].Sub(sdkScript.dates[i]); d > time.Minute || d < -time.Minute {
					t.Errorf("attempt %d signed at %v, the SDK's at %v", i+1, ourScript.dates[i], sdkScript.dates[i])
				}
			}
		})
	}
}
