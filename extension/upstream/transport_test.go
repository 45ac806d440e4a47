package upstream

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/paramsecrets/paramsecrets/localaws"
)

// TestTransportsBoundTheWaitForHeaders: whatever the timeouts, neither
// service's transport waits forever for an answer to start; a service with a
// longer timeout of its own waits that long instead.
func TestTransportsBoundTheWaitForHeaders(t *testing.T) {
	tests := []struct {
		name            string
		opts            Options
		secrets, params time.Duration
	}{
		{"defaults", Options{}, DefaultResponseHeaderTimeout, DefaultResponseHeaderTimeout},
		{"a longer secrets timeout", Options{SecretsTimeout: 2 * time.Minute}, 2 * time.Minute, DefaultResponseHeaderTimeout},
		{"a shorter parameters timeout", Options{ParametersTimeout: time.Second}, DefaultResponseHeaderTimeout, DefaultResponseHeaderTimeout},
		{"chosen", Options{ResponseHeaderTimeout: time.Second}, time.Second, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.AWSConfig = testConfig("http://127.0.0.1:0")
			c := newClient(t, tt.opts)
			got := map[string]time.Duration{
				"secretsmanager": c.secrets.http.tr.ResponseHeaderTimeout,
				"ssm":            c.parameters.http.tr.ResponseHeaderTimeout,
			}
			if got["secretsmanager"] != tt.secrets || got["ssm"] != tt.params {
				t.Errorf("response-header timeouts %v, want secretsmanager %v, ssm %v", got, tt.secrets, tt.params)
			}
		})
	}
}

// TestSilentUpstreamTimesOut: with no timeout configured, an endpoint that
// takes a request and never answers (an hour of injected latency) ends in a
// timeout once every attempt has waited out the response-header timeout.
// (That a later request succeeds once the upstream answers again is the
// server's TestStuckCalls… tests'.)
func TestSilentUpstreamTimesOut(t *testing.T) {
	la, url, _ := startLocal(t)
	la.InjectFault(localaws.Fault{Operation: "secretsmanager.GetSecretValue", LatencyMs: 3_600_000, Count: 3})
	c := newClient(t, Options{ResponseHeaderTimeout: 50 * time.Millisecond, AWSConfig: testConfig(url)})
	_, err := c.GetSecretValue(t.Context(), &GetSecretValueInput{SecretId: aws.String("app/db")})
	var ue *Error
	if !errors.As(err, &ue) || ue.Code != CodeTimeout || ue.Status != http.StatusGatewayTimeout || !ue.Transient() {
		t.Fatalf("call to a silent endpoint: %v, want a transient %s 504", err, CodeTimeout)
	}
	if n := la.Stats()["secretsmanager.GetSecretValue"]; n != 3 {
		t.Errorf("GetSecretValue attempts = %d, want 3 (each silent attempt retried)", n)
	}
}
