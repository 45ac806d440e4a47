package upstream

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// countingCreds is a credentials provider that counts its retrievals.
type countingCreds struct{ n atomic.Int64 }

func (c *countingCreds) Retrieve(context.Context) (aws.Credentials, error) {
	c.n.Add(1)
	return aws.Credentials{AccessKeyID: "AKIDLOCAL", SecretAccessKey: "s", CanExpire: true, Expires: time.Now().Add(time.Hour)}, nil
}

// TestResetForgetsConnectionsAndCredentials: what the clients hold from
// before a SnapStart snapshot is not used after Reset — the idle upstream
// connection is closed, and the next call retrieves credentials again.
func TestResetForgetsConnectionsAndCredentials(t *testing.T) {
	_, url, conns := startLocal(t)
	creds := &countingCreds{}
	cfg := testConfig(url)
	cfg.Credentials = aws.NewCredentialsCache(creds)
	c := newClient(t, Options{MaxConnections: 1, AWSConfig: cfg})
	read := func() {
		t.Helper()
		if _, err := c.GetSecretValue(t.Context(), &GetSecretValueInput{SecretId: aws.String("app/db")}); err != nil {
			t.Fatal(err)
		}
	}
	read()
	read()
	if n := creds.n.Load(); n != 1 {
		t.Fatalf("credentials retrieved %d times for two calls, want 1 (cached)", n)
	}
	opened := conns.opened()
	c.Reset()
	waitCond(t, "the idle connection to close", func() bool { return conns.current() == 0 })
	read()
	if n := creds.n.Load(); n != 2 {
		t.Errorf("credentials retrieved %d times, want 2 (again after Reset)", n)
	}
	if n := conns.opened(); n != opened+1 {
		t.Errorf("connections opened: %d before Reset, %d after a call; want one new", opened, n)
	}
}

// TestGetParameters reads found and missing names in one call.
func TestGetParameters(t *testing.T) {
	_, url, _ := startLocal(t)
	c := newClient(t, Options{AWSConfig: testConfig(url)})
	out, err := c.GetParameters(t.Context(), []string{"/app/host", "/missing"}, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Parameters) != 1 || aws.ToString(out.Parameters[0].Value) != "h" || len(out.InvalidParameters) != 1 || out.InvalidParameters[0] != "/missing" {
		t.Errorf("GetParameters = %+v / %v", out.Parameters, out.InvalidParameters)
	}
}

// waitCond polls cond until it holds, failing only after a time far beyond
// any machine's slowness.
func waitCond(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(2 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("gave up waiting: %s", what)
}
