package upstream

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go"

	"github.com/paramsecrets/paramsecrets/localaws"
)

// connCounter serves a localaws and records the most connections it held open
// at once.
type connCounter struct {
	mu               sync.Mutex
	open, max, total int
}

func (c *connCounter) track(_ net.Conn, s http.ConnState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch s {
	case http.StateNew:
		c.open++
		c.total++
		c.max = max(c.max, c.open)
	case http.StateClosed, http.StateHijacked:
		c.open--
	}
}

// opened is how many connections were ever opened.
func (c *connCounter) opened() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.total
}

// current is how many connections are open now.
func (c *connCounter) current() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.open
}

func (c *connCounter) peak() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.max
}

// startLocal serves a seeded localaws; the counter sees its connections.
func startLocal(t *testing.T) (*localaws.Server, string, *connCounter) {
	t.Helper()
	la := localaws.NewServer(localaws.Options{})
	s := "sv"
	if err := la.Seed(localaws.Seed{
		Secrets:    []localaws.SeedSecret{{Name: "app/db", SecretString: &s}},
		Parameters: []localaws.SeedParameter{{Name: "/app/host", Value: "h"}},
	}); err != nil {
		t.Fatal(err)
	}
	cc := &connCounter{}
	ts := httptest.NewUnstartedServer(la)
	ts.Config.ConnState = cc.track
	ts.Start()
	t.Cleanup(ts.Close)
	return la, ts.URL, cc
}

// testConfig is a static-credential config for endpoint, with the standard
// retryer's backoff shortened.
func testConfig(endpoint string) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local-secret-key", ""),
		BaseEndpoint: aws.String(endpoint),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxBackoff = time.Millisecond })
		},
	}
}

func newClient(t *testing.T, opts Options) *Client {
	t.Helper()
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestEndpointsFollowEnvironment proves that a config from LoadDefaultConfig
// sends each service where AWS_ENDPOINT_URL and its per-service variants say.
// Not parallel: it sets process environment variables.
func TestEndpointsFollowEnvironment(t *testing.T) {
	general, generalURL, _ := startLocal(t)
	sm, smURL, _ := startLocal(t)
	ps, psURL, _ := startLocal(t)
	tests := []struct {
		name            string
		env             map[string]string
		wantSM, wantSSM *localaws.Server
	}{
		{"AWS_ENDPOINT_URL for both", map[string]string{"AWS_ENDPOINT_URL": generalURL}, general, general},
		{"per-service variables win", map[string]string{
			"AWS_ENDPOINT_URL": generalURL, "AWS_ENDPOINT_URL_SECRETS_MANAGER": smURL, "AWS_ENDPOINT_URL_SSM": psURL,
		}, sm, ps},
		{"SSM only", map[string]string{"AWS_ENDPOINT_URL": generalURL, "AWS_ENDPOINT_URL_SSM": psURL}, general, ps},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for k, v := range map[string]string{
				"AWS_CONFIG_FILE": filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
				"AWS_ACCESS_KEY_ID": "AKIDLOCAL", "AWS_SECRET_ACCESS_KEY": "local", "AWS_REGION": "us-east-1",
				"AWS_ENDPOINT_URL": "", "AWS_ENDPOINT_URL_SECRETS_MANAGER": "", "AWS_ENDPOINT_URL_SSM": "",
			} {
				t.Setenv(k, v) // restored after the test
				if v == "" {
					os.Unsetenv(k)
				}
			}
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			cfg, err := config.LoadDefaultConfig(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			c := newClient(t, Options{AWSConfig: cfg})
			for _, la := range []*localaws.Server{general, sm, ps} {
				la.Reset()
				s := "v"
				if err := la.Seed(localaws.Seed{Secrets: []localaws.SeedSecret{{Name: "x", SecretString: &s}}, Parameters: []localaws.SeedParameter{{Name: "/x", Value: "v"}}}); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := c.GetSecretValue(t.Context(), &GetSecretValueInput{SecretId: aws.String("x")}); err != nil {
				t.Fatal(err)
			}
			if _, err := c.GetParameter(t.Context(), "/x", false); err != nil {
				t.Fatal(err)
			}
			if n := tt.wantSM.Stats()["secretsmanager.GetSecretValue"]; n != 1 {
				t.Errorf("GetSecretValue reached the expected endpoint %d times, want 1", n)
			}
			if n := tt.wantSSM.Stats()["AmazonSSM.GetParameter"]; n != 1 {
				t.Errorf("GetParameter reached the expected endpoint %d times, want 1", n)
			}
		})
	}
}

func TestErrorTranslation(t *testing.T) {
	la, url, _ := startLocal(t)
	// Linux refuses a connection to port 0 at once: unlike a port found free
	// and closed again, nothing can be listening there.
	const closedURL = "http://127.0.0.1:0"
	tests := []struct {
		name      string
		endpoint  string
		fault     *localaws.Fault
		timeout   time.Duration
		id        string
		code      string
		status    int
		transient bool
	}{
		{name: "not found", id: "missing", code: "ResourceNotFoundException", status: 400},
		{name: "access denied", fault: &localaws.Fault{Code: "AccessDeniedException"}, code: "AccessDeniedException", status: 400},
		{name: "throttling is 429", fault: &localaws.Fault{Code: "ThrottlingException", Count: 3}, code: "ThrottlingException", status: 429, transient: true},
		{name: "server error kept", fault: &localaws.Fault{Code: "InternalServiceError", Status: 500, Count: 3}, code: "InternalServiceError", status: 500, transient: true},
		{name: "unavailable kept", fault: &localaws.Fault{Code: "ServiceUnavailable", Status: 503, Count: 3}, code: "ServiceUnavailable", status: 503, transient: true},
		{name: "timeout", fault: &localaws.Fault{LatencyMs: 10_000}, timeout: 20 * time.Millisecond, code: CodeTimeout, status: 504, transient: true},
		{name: "unreachable", endpoint: closedURL, code: CodeConnection, status: 502, transient: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			la.Reset()
			if tt.endpoint == "" {
				tt.endpoint = url
			}
			if tt.id == "" {
				tt.id = "app/db"
			}
			if tt.fault != nil {
				tt.fault.Operation = "secretsmanager.GetSecretValue"
				la.InjectFault(*tt.fault)
			}
			c := newClient(t, Options{SecretsTimeout: tt.timeout, AWSConfig: testConfig(tt.endpoint)})
			_, err := c.GetSecretValue(t.Context(), &GetSecretValueInput{SecretId: &tt.id})
			var ue *Error
			if !errors.As(err, &ue) {
				t.Fatalf("error %v is not an *upstream.Error", err)
			}
			if ue.Code != tt.code || ue.Status != tt.status || ue.Transient() != tt.transient || ue.Message == "" {
				t.Errorf("got code %q status %d transient %v message %q; want %q %d %v", ue.Code, ue.Status, ue.Transient(), ue.Message, tt.code, tt.status, tt.transient)
			}
			var api smithy.APIError
			if isAPI := errors.As(err, &api); isAPI != (tt.status < 502 || tt.status == 503) {
				t.Errorf("errors.As(APIError) = %v for %v", isAPI, err)
			}
		})
	}
}

func TestCredentialFailureIsInternal(t *testing.T) {
	_, url, _ := startLocal(t)
	cfg := testConfig(url)
	cfg.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{}, errors.New("no credentials configured")
	})
	c := newClient(t, Options{AWSConfig: cfg})
	_, err := c.GetParameter(t.Context(), "/app/host", false)
	var ue *Error
	if !errors.As(err, &ue) || ue.Code != CodeInternal || ue.Status != 500 || !strings.Contains(ue.Message, "no credentials configured") {
		t.Fatalf("got %#v, want InternalFailure 500 naming the cause", err)
	}
	if ue.Op != "GetParameter" {
		t.Errorf("Op = %q, want GetParameter", ue.Op)
	}
}

func TestTimeoutZeroMeansNone(t *testing.T) {
	la, url, _ := startLocal(t)
	la.InjectFault(localaws.Fault{Operation: "AmazonSSM.GetParameter", LatencyMs: 100})
	c := newClient(t, Options{AWSConfig: testConfig(url)})
	if _, err := c.GetParameter(t.Context(), "/app/host", false); err != nil {
		t.Fatalf("slow call without a timeout: %v", err)
	}
}

// TestMaxConnectionsPerService checks that each service's transport opens at
// most MaxConnections connections, and that the two services have their own.
func TestMaxConnectionsPerService(t *testing.T) {
	la, url, cc := startLocal(t)
	la.InjectFault(localaws.Fault{Operation: "secretsmanager.GetSecretValue", LatencyMs: 100, Count: 8})
	la.InjectFault(localaws.Fault{Operation: "AmazonSSM.GetParameter", LatencyMs: 100, Count: 8})
	c := newClient(t, Options{MaxConnections: 2, AWSConfig: testConfig(url)})
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 8 {
		wg.Go(func() {
			_, err := c.GetSecretValue(t.Context(), &GetSecretValueInput{SecretId: aws.String("app/db")})
			errs <- err
		})
		wg.Go(func() {
			_, err := c.GetParameter(t.Context(), "/app/host", false)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if p := cc.peak(); p > 4 {
		t.Errorf("peak connections = %d, want at most 2 per service (4)", p)
	}
}

func TestPaginationCollectsEveryPage(t *testing.T) {
	la, url, _ := startLocal(t)
	var sd localaws.Seed
	var ids []string
	for i := range 25 {
		sd.Parameters = append(sd.Parameters, localaws.SeedParameter{Name: fmt.Sprintf("/many/p%02d", i), Value: "v"})
	}
	for i := range 15 {
		s := "v"
		sd.Secrets = append(sd.Secrets, localaws.SeedSecret{Name: fmt.Sprintf("s%02d", i), SecretString: &s})
		ids = append(ids, fmt.Sprintf("s%02d", i))
	}
	if err := la.Seed(sd); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, Options{AWSConfig: testConfig(url)})
	params, err := c.GetParametersByPath(t.Context(), "/many", true, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(params) != 25 {
		t.Errorf("GetParametersByPath returned %d parameters, want 25", len(params))
	}
	if n := la.Stats()["AmazonSSM.GetParametersByPath"]; n < 3 {
		t.Errorf("GetParametersByPath made %d calls, want one per page of at most 10", n)
	}
	out, err := c.BatchGetSecretValue(t.Context(), append(ids, "missing"))
	if err != nil {
		t.Fatal(err)
	}
	if len(out.SecretValues) != 15 || len(out.Errors) != 1 {
		t.Errorf("BatchGetSecretValue: %d values, %d errors; want 15 and 1", len(out.SecretValues), len(out.Errors))
	}
}
