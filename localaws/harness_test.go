package localaws_test

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"

	"github.com/paramsecrets/paramsecrets/localaws"
)

// target is one Secrets Manager implementation the conformance suite runs
// against: localaws, or moto where it is installed.
type target struct {
	name string
	// newClient returns an SDK client talking to the implementation.
	newClient func(t *testing.T) *secretsmanager.Client
	// deviations are known differences from AWS's documented behaviour,
	// keyed by check id; a failing check listed here is logged, not failed.
	deviations map[string]string
	// rotation reports whether RotateSecret invokes functions registered
	// through localaws's API (only localaws can).
	rotation bool
	// parallel runs the cases at the same time. Not against moto: under
	// concurrent calls its development server answers an HTML 500 now and
	// then (11 of 900 CreateSecret and ListSecrets calls from six
	// goroutines), and the SDK's retry of a 500 can repeat a write.
	parallel bool
}

// check fails the test unless ok, or unless the target is known to deviate
// from AWS on this check.
func (tg target) check(t *testing.T, id string, ok bool, format string, args ...any) {
	t.Helper()
	if ok {
		return
	}
	if why, known := tg.deviations[id]; known {
		t.Logf("known %s deviation [%s]: %s", tg.name, id, why)
		return
	}
	t.Errorf("[%s] "+format, append([]any{id}, args...)...)
}

// checkCode checks that err is an AWS error with the given code.
func (tg target) checkCode(t *testing.T, id string, err error, code string) {
	t.Helper()
	got := errCode(err)
	tg.check(t, id, got == code, "error code = %q (%v), want %s", got, err, code)
}

func errCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	if err == nil {
		return ""
	}
	return "non-API error"
}

// newSMClient returns a Secrets Manager client for endpoint with static
// credentials and the SDK's ordinary signing and retries.
func newSMClient(endpoint string, opts ...func(*secretsmanager.Options)) *secretsmanager.Client {
	cfg := aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local-secret-key", ""),
	}
	return secretsmanager.NewFromConfig(cfg, append([]func(*secretsmanager.Options){func(o *secretsmanager.Options) {
		o.BaseEndpoint = aws.String(endpoint)
	}}, opts...)...)
}

// inRegion signs a client's requests for another Region, which is the
// Region localaws serves them from.
func inRegion(region string) func(*secretsmanager.Options) {
	return func(o *secretsmanager.Options) { o.Region = region }
}

// startLocal serves a fresh localaws for one test.
func startLocal(t testing.TB, opts localaws.Options) (*localaws.Server, string) {
	t.Helper()
	srv := localaws.NewServer(opts)
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return srv, hs.URL
}

func localTarget() target {
	return target{
		name: "localaws",
		newClient: func(t *testing.T) *secretsmanager.Client {
			_, url := startLocal(t, localaws.Options{})
			return newSMClient(url)
		},
		rotation: true,
		parallel: true,
	}
}

// uniqueName returns a secret name no other test uses, so suites can share
// one moto server.
func uniqueName(t *testing.T) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	n := strings.NewReplacer(" ", "_", "#", "_").Replace(t.Name())
	return "test/" + n + "/" + hex.EncodeToString(b)
}

// jsonString quotes s as a JSON string.
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
