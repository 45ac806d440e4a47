package tests

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/paramsecrets/paramsecrets/internal/demo/sandbox"
	"github.com/paramsecrets/paramsecrets/internal/lambdatest"
)

// world is one test's localaws, seeded with the demo secrets, whose
// database users are the test's own (prefix keeps them apart).
type world struct {
	cloud  *sandbox.Cloud
	prefix string
}

// newWorld starts a localaws for t and seeds it: demo/<rotator> secrets for
// users prefix+"app" and prefix+"reporter", the master secrets and the
// parameter. prefix must be unique among the package's tests; a few random
// characters are added to it, because the databases outlive a test (with
// -count=2 it runs twice against them) and the users must be new each time.
func newWorld(t *testing.T, prefix string) *world {
	t.Helper()
	prefix = runPrefix(prefix)
	c := startCloud(t)
	if err := sandbox.Seed(t.Context(), suite.dbs, c, prefix); err != nil {
		t.Fatal(err)
	}
	return &world{cloud: c, prefix: prefix}
}

// runPrefix is prefix plus a few random characters and "_": the databases outlive a
// test, so the users each run makes must be new.
func runPrefix(prefix string) string {
	run := make([]byte, 4)
	_, _ = rand.Read(run)
	return prefix + hex.EncodeToString(run) + "_"
}

// startCloud starts a localaws for t, closed when t ends.
func startCloud(t *testing.T) *sandbox.Cloud {
	t.Helper()
	c, err := sandbox.StartCloud(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Error(err)
		}
	})
	return c
}

// secret returns the value and version id of secretID at stage.
func (w *world) secret(t *testing.T, secretID, stage string) (sandbox.Credentials, string) {
	t.Helper()
	out, err := w.cloud.SecretsManager().GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{
		SecretId: aws.String(secretID), VersionStage: aws.String(stage),
	})
	if err != nil {
		t.Fatalf("GetSecretValue %s %s: %v", secretID, stage, err)
	}
	c, err := sandbox.ParseCredentials(aws.ToString(out.SecretString))
	if err != nil {
		t.Fatal(err)
	}
	return c, aws.ToString(out.VersionId)
}

// stages returns secretID's staging labels by version id.
func (w *world) stages(t *testing.T, secretID string) map[string][]string {
	t.Helper()
	d, err := w.cloud.SecretsManager().DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(secretID)})
	if err != nil {
		t.Fatalf("DescribeSecret %s: %v", secretID, err)
	}
	return d.VersionIdsToStages
}

// assertStage fails t unless version carries stage.
func (w *world) assertStage(t *testing.T, secretID, version, stage string) {
	t.Helper()
	if st := w.stages(t, secretID); !slices.Contains(st[version], stage) {
		t.Errorf("%s: version %s has stages %v, want %s (all: %v)", secretID, version, st[version], stage, st)
	}
}

// assertLogsIn fails t unless c logs in to its database.
func assertLogsIn(t *testing.T, c sandbox.Credentials) {
	t.Helper()
	if err := suite.dbs.Login(t.Context(), c); err != nil {
		t.Errorf("credentials for %s do not log in: %v", c.Username, err)
	}
}

// assertRefused fails t if c still logs in.
func assertRefused(t *testing.T, c sandbox.Credentials) {
	t.Helper()
	if err := suite.dbs.Login(t.Context(), c); err == nil {
		t.Errorf("old password of %s still logs in", c.Username)
	}
}

// assertNoSecret fails t if a password shows up in a function's output.
func assertNoSecret(t *testing.T, logs string, creds ...sandbox.Credentials) {
	t.Helper()
	for _, c := range creds {
		if c.Password != "" && strings.Contains(logs, c.Password) {
			t.Errorf("the log contains the password of %s", c.Username)
		}
	}
}

// recordedEvent reads a file under events/.
func recordedEvent(t *testing.T, rel string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "events", rel))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// invokeJSON invokes fn with payload and decodes the answer into v.
func invokeJSON(t *testing.T, fn *lambdatest.Function, payload []byte, v any) {
	t.Helper()
	body, err := fn.Invoke(t.Context(), payload)
	if err != nil {
		t.Fatalf("invoke with %s: %v", payload, err)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("answer %q: %v", body, err)
	}
}
