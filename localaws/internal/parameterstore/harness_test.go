package parameterstore

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/smithy-go"
)

// jsonHandler is the least of an AWS JSON 1.1 server: enough to put a Store
// behind the real SDK client, as localaws's server does.
func jsonHandler(s *Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		op, _ := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "AmazonSSM.")
		out, err := s.Call(r.Context(), op, body)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if err != nil {
			status := http.StatusBadRequest
			var apiErr smithy.APIError
			if !errors.As(err, &apiErr) {
				apiErr = &smithy.GenericAPIError{Code: "InternalFailure", Message: err.Error()}
			}
			if apiErr.ErrorFault() == smithy.FaultServer {
				status = http.StatusInternalServerError
			}
			w.WriteHeader(status)
			_ = json.NewEncoder(w).Encode(map[string]string{"__type": apiErr.ErrorCode(), "message": apiErr.ErrorMessage()})
			return
		}
		_ = json.NewEncoder(w).Encode(out)
	})
}

// fixedClock is a settable clock so dates can be asserted exactly.
type fixedClock struct{ t time.Time }

func (c *fixedClock) now() time.Time { return c.t }

// testEnv is a Store behind an HTTP server, and an ssm client aimed at it.
type testEnv struct {
	store  *Store
	client *ssm.Client
	clock  *fixedClock
	url    string
}

func newEnv(t *testing.T, opts Options) *testEnv {
	t.Helper()
	clock := &fixedClock{t: time.Date(2026, 3, 1, 12, 0, 0, 250_000_000, time.UTC)}
	if opts.Now == nil {
		opts.Now = clock.now
	}
	s := New(opts)
	srv := httptest.NewServer(jsonHandler(s))
	t.Cleanup(srv.Close)
	region := opts.Region
	if region == "" {
		region = "us-east-1"
	}
	client := ssm.New(ssm.Options{
		Region:           region,
		BaseEndpoint:     aws.String(srv.URL),
		Credentials:      aws.AnonymousCredentials{},
		RetryMaxAttempts: 1,
	})
	return &testEnv{store: s, client: client, clock: clock, url: srv.URL}
}

// put creates or overwrites a parameter and fails the test on error.
func (e *testEnv) put(t *testing.T, in *ssm.PutParameterInput) *ssm.PutParameterOutput {
	t.Helper()
	out, err := e.client.PutParameter(context.Background(), in)
	if err != nil {
		t.Fatalf("PutParameter %s: %v", aws.ToString(in.Name), err)
	}
	return out
}

// wantCode asserts err is an API error with the code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error = %v, want API error %s", err, code)
	}
	if apiErr.ErrorCode() != code {
		t.Fatalf("error code = %s (%s), want %s", apiErr.ErrorCode(), apiErr.ErrorMessage(), code)
	}
}
