package upstream

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// The SDK's own clients, the yardstick every test in this file's neighbours
// holds the package to.

// canned is an HTTP client that records each request and answers each with
// the same response, without a network.
type canned struct {
	status int
	header http.Header
	body   []byte

	mu   sync.Mutex
	reqs []*http.Request
	bods [][]byte
}

func (c *canned) Do(r *http.Request) (*http.Response, error) {
	var b []byte
	if r.Body != nil {
		b, _ = io.ReadAll(r.Body)
	}
	c.mu.Lock()
	c.reqs = append(c.reqs, r)
	c.bods = append(c.bods, b)
	c.mu.Unlock()
	h := http.Header{}
	for k, v := range c.header {
		h[k] = v
	}
	status := c.status
	if status == 0 {
		status = http.StatusOK
	}
	return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(bytes.NewReader(c.body)), Request: r}, nil
}

// sdkSecrets and sdkParameters are the SDK's clients for cfg, sending
// through hc, without retries unless cfg has a retryer.
func sdkSecrets(cfg aws.Config, hc aws.HTTPClient) *secretsmanager.Client {
	return secretsmanager.NewFromConfig(cfg, func(o *secretsmanager.Options) {
		o.HTTPClient = hc
		if cfg.Retryer == nil {
			o.Retryer = aws.NopRetryer{}
		}
	})
}

func sdkParameters(cfg aws.Config, hc aws.HTTPClient) *ssm.Client {
	return ssm.NewFromConfig(cfg, func(o *ssm.Options) {
		o.HTTPClient = hc
		if cfg.Retryer == nil {
			o.Retryer = aws.NopRetryer{}
		}
	})
}

func sdkSTS(cfg aws.Config, hc aws.HTTPClient) *sts.Client {
	return sts.NewFromConfig(cfg, func(o *sts.Options) {
		o.HTTPClient = hc
		if cfg.Retryer == nil {
			o.Retryer = aws.NopRetryer{}
		}
	})
}

// assumeRoleAnswer is an AssumeRole answer, as STS's documentation shows one.
const assumeRoleAnswer = `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::222233334444:assumed-role/reader/paramsecrets</Arn>
      <AssumedRoleId>AROA3XFRBF535PLBIFPI4:paramsecrets</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId>
      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>
      <SessionToken>IQoJb3JpZ2luX2VjEXAMPLE</SessionToken>
      <Expiration>2026-12-01T12:00:00.123Z</Expiration>
    </Credentials>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>
</AssumeRoleResponse>`

// moduleDir is where the Go tool keeps the source of module path, at the
// version go.mod requires.
func moduleDir(t testing.TB, path string) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", path).Output()
	if err != nil {
		t.Fatalf("go list -m %s: %v", path, err)
	}
	dir := strings.TrimSpace(string(out))
	if dir == "" {
		t.Fatalf("go list -m %s: no directory (is the module downloaded?)", path)
	}
	return dir
}

// sdkFile reads a file of an SDK module.
func sdkFile(t testing.TB, module string, name ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(append([]string{moduleDir(t, module)}, name...)...))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// render is what the server does with an output: encoding/json.
func render(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "render error: " + err.Error()
	}
	return string(b)
}

// RoundTrip answers as Do does, so that canned also stands in for a transport.
func (c *canned) RoundTrip(r *http.Request) (*http.Response, error) { return c.Do(r) }
