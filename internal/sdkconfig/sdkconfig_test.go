package sdkconfig_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/paramsecrets/paramsecrets/internal/sdkconfig"
	"github.com/paramsecrets/paramsecrets/internal/version"
)

// recorder is a Secrets Manager endpoint that remembers the User-Agent it was sent
// and answers ResourceNotFoundException.
type recorder struct {
	mu        sync.Mutex
	userAgent string
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.userAgent = req.Header.Get("User-Agent")
	r.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(http.StatusBadRequest)
	w.Write([]byte(`{"__type":"ResourceNotFoundException","message":"not here"}`))
}

// isolate clears every credential source the default chain reads and points the
// EC2 instance metadata service at a server that knows no role, so the lookup ends
// where it ends on a laptop with nothing configured.
func isolate(t *testing.T) {
	t.Helper()
	imds := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(imds.Close)
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "",
		"AWS_PROFILE": "", "AWS_DEFAULT_PROFILE": "", "AWS_WEB_IDENTITY_TOKEN_FILE": "",
		"AWS_ROLE_ARN": "", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "", "AWS_CONTAINER_CREDENTIALS_FULL_URI": "",
		"AWS_CONFIG_FILE": filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_SERVICE_ENDPOINT": imds.URL, "AWS_EC2_METADATA_DISABLED": "",
		"AWS_REGION": "us-east-1",
	} {
		t.Setenv(k, v)
	}
}

func client(t *testing.T, cfg aws.Config, endpoint string) *secretsmanager.Client {
	t.Helper()
	return secretsmanager.NewFromConfig(cfg, func(o *secretsmanager.Options) { o.BaseEndpoint = aws.String(endpoint) })
}

func TestMissingCredentialsAreSaidInWords(t *testing.T) {
	isolate(t)
	srv := httptest.NewServer(&recorder{})
	defer srv.Close()
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	sdkconfig.Apply(&cfg)
	_, err = client(t, cfg, srv.URL).GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("x")})
	var nc *sdkconfig.NoCredentialsError
	if !errors.As(err, &nc) {
		t.Fatalf("GetSecretValue error = %v, want a *NoCredentialsError", err)
	}
	// What a user reads is the innermost message (the extension shows that part).
	inner := err
	for errors.Unwrap(inner) != nil {
		inner = errors.Unwrap(inner)
	}
	msg := inner.Error()
	if !strings.HasPrefix(msg, "no AWS credentials found (") || !strings.Contains(msg, "AWS_ACCESS_KEY_ID") {
		t.Errorf("innermost message = %q, want it to start %q and say what to set", msg, "no AWS credentials found (")
	}
	if strings.Contains(strings.ToLower(msg), "imds") {
		t.Errorf("innermost message = %q, still the metadata service's failure", msg)
	}
	if nc.Cause() == nil {
		t.Error("Cause() = nil, want the metadata service's error kept")
	}
}

func TestConfiguredCredentialsAreUntouched(t *testing.T) {
	isolate(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDLOCAL")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "local")
	rec := &recorder{}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	sdkconfig.Apply(&cfg)
	_, err = client(t, cfg, srv.URL).GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("x")})
	var nc *sdkconfig.NoCredentialsError
	if errors.As(err, &nc) || !strings.Contains(err.Error(), "ResourceNotFoundException") {
		t.Fatalf("GetSecretValue error = %v, want the service's ResourceNotFoundException", err)
	}
}

func TestUserAgentNamesTheSuiteVersion(t *testing.T) {
	rec := &recorder{}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("a", "b", "")}
	sdkconfig.Apply(&cfg)
	client(t, cfg, srv.URL).GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("x")})
	rec.mu.Lock()
	ua := rec.userAgent
	rec.mu.Unlock()
	want := "paramsecrets/" + version.Number()
	if !strings.Contains(" "+ua+" ", " "+want+" ") {
		t.Errorf("User-Agent = %q, want the token %q", ua, want)
	}
	if !strings.Contains(ua, "aws-sdk-go-v2/") {
		t.Errorf("User-Agent = %q lost the SDK's own token", ua)
	}
}
