package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/paramsecrets/paramsecrets/extension/lifecycle"
	"github.com/paramsecrets/paramsecrets/extension/lifecycle/lifecycletest"
	"github.com/paramsecrets/paramsecrets/localaws"
)

// rotate puts a new current value into localaws, as a rotation would.
func rotate(t *testing.T, endpoint, id, value string) {
	t.Helper()
	sm := secretsmanager.NewFromConfig(aws.Config{
		Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local", ""),
	})
	if _, err := sm.PutSecretValue(t.Context(), &secretsmanager.PutSecretValueInput{SecretId: aws.String(id), SecretString: aws.String(value)}); err != nil {
		t.Fatal(err)
	}
}

// firstNext is a Runtime API whose first /event/next signals first and
// records, at that moment, the upstream calls localaws has seen.
func firstNext(t *testing.T, la *localaws.Server, seen *map[string]int) func(chan<- struct{}) *lifecycletest.RuntimeAPI {
	return func(first chan<- struct{}) *lifecycletest.RuntimeAPI {
		return lifecycletest.NewRuntimeAPI(t, lifecycletest.Options{OnNext: func(call int) {
			if call == 1 {
				*seen = la.Stats()
				first <- struct{}{}
			}
		}})
	}
}

// TestSnapStartNeverServesInitEntries runs the layer (front and extension)
// with AWS_LAMBDA_INITIALIZATION_TYPE=snap-start against the test Runtime API,
// which, like Lambda, tells an extension nothing of a restore: its pending
// /event/next returns the first INVOKE. The prefetch is deferred to that
// INVOKE; reads during init are answered but not kept; and after the secret
// is rotated between the snapshot and the first INVOKE, every read after
// that INVOKE has the new value — nothing fetched during init is served.
//
// As under SnapStart, no credentials are in the environment: they come from
// the container credentials endpoint, whose token is also the one callers
// present, and the cached ones are forgotten at the first INVOKE.
func TestSnapStartNeverServesInitEntries(t *testing.T) {
	t.Parallel()
	la, endpoint := startLocalaws(t, demoSeed())
	creds := newCredentialsEndpoint(t, testToken)
	var atFirstNext map[string]int
	p, api := startExtensionOf(t, front, firstNext(t, la, &atFirstNext), func(api *lifecycletest.RuntimeAPI) map[string]string {
		env := extensionEnv(api, endpoint, map[string]string{
			"AWS_LAMBDA_INITIALIZATION_TYPE":                "snap-start",
			"PARAMETERS_SECRETS_EXTENSION_PREFETCH_SECRETS": "demo/db",
			"AWS_CONTAINER_CREDENTIALS_FULL_URI":            creds.url,
			"AWS_CONTAINER_AUTHORIZATION_TOKEN":             testToken,
		})
		for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"} {
			delete(env, k)
		}
		return env
	})
	if n := atFirstNext["secretsmanager.BatchGetSecretValue"] + atFirstNext["secretsmanager.GetSecretValue"]; n != 0 {
		t.Errorf("upstream calls before the snapshot = %d, want 0 (prefetch deferred)", n)
	}
	// The function's init reads: served, not kept.
	for range 2 {
		code, body, hdr := p.get(t, "/secretsmanager/get?secretId=demo/db", testToken)
		if code != http.StatusOK || !strings.Contains(body, "pw-SECRET-9c1d") || hdr.Get("X-Cache") != "miss" {
			t.Fatalf("init read: %d X-Cache=%s %s", code, hdr.Get("X-Cache"), body)
		}
	}
	if n := creds.calls.Load(); n != 1 {
		t.Errorf("container credentials fetched %d times during init, want 1", n)
	}
	// Snapshot, time passes, the secret is rotated, a restore, the first INVOKE.
	rotate(t, endpoint, "demo/db", `{"username":"app","password":"pw-ROTATED-77"}`)
	api.Send(lifecycle.Event{EventType: lifecycle.Invoke, RequestID: "r1", DeadlineMs: time.Now().Add(time.Minute).UnixMilli()})
	waitUntil(t, "the INVOKE to be handled", func() bool { return len(api.NextIDs()) == 2 })
	if n := la.Stats()["secretsmanager.BatchGetSecretValue"]; n != 1 {
		t.Errorf("BatchGetSecretValue calls after the first INVOKE = %d, want 1 (the deferred prefetch)", n)
	}
	for i := range 3 {
		code, body, hdr := p.get(t, "/secretsmanager/get?secretId=demo/db", testToken)
		if code != http.StatusOK || !strings.Contains(body, "pw-ROTATED-77") {
			t.Fatalf("read %d after the first INVOKE: %d %s, want the rotated value", i, code, body)
		}
		if hdr.Get("X-Cache") != "hit" {
			t.Errorf("read %d after the first INVOKE: X-Cache=%s, want hit (prefetched)", i, hdr.Get("X-Cache"))
		}
	}
	if n := creds.calls.Load(); n != 2 {
		t.Errorf("container credentials fetched %d times, want 2: again after the restore", n)
	}
	if bad := creds.badAuth.Load(); bad != 0 {
		t.Errorf("%d credential requests without the authorization token", bad)
	}
	api.Send(lifecycle.Event{EventType: lifecycle.Shutdown, DeadlineMs: time.Now().Add(time.Hour).UnixMilli()})
	if code := p.wait(t); code != 0 {
		t.Fatalf("exit code %d", code)
	}
}

// credentialsEndpoint is a container credentials endpoint (what Lambda
// serves at AWS_CONTAINER_CREDENTIALS_FULL_URI under SnapStart).
type credentialsEndpoint struct {
	url            string
	calls, badAuth atomic.Int64
}

func newCredentialsEndpoint(t *testing.T, token string) *credentialsEndpoint {
	t.Helper()
	c := &credentialsEndpoint{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.calls.Add(1)
		if r.Header.Get("Authorization") != token {
			c.badAuth.Add(1)
			w.WriteHeader(http.StatusForbidden)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"AccessKeyId":"ASIACONTAINER","SecretAccessKey":"container-secret","Token":"container-token","Expiration":%q}`,
			time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
	}))
	t.Cleanup(srv.Close)
	c.url = srv.URL + "/credentials"
	return c
}

// TestPrefetchThroughTheBinary: 25 prefetched secrets are two
// BatchGetSecretValue calls and no GetSecretValue; a prefetched path is one
// GetParametersByPath; everything is a hit at the first invoke.
func TestPrefetchThroughTheBinary(t *testing.T) {
	t.Parallel()
	seed := demoSeed()
	var ids []string
	for i := range 25 {
		id := fmt.Sprintf("many/%02d", i)
		ids = append(ids, id)
		seed.Secrets = append(seed.Secrets, localaws.SeedSecret{Name: id, SecretString: strPtr("v-" + id)})
	}
	seed.Parameters = append(seed.Parameters, localaws.SeedParameter{Name: "/demo/deep/key", Type: "SecureString", Value: "deep-SECRET"})
	la, endpoint := startLocalaws(t, seed)
	var atFirstNext map[string]int
	p, _ := startExtensionOf(t, front, firstNext(t, la, &atFirstNext), func(api *lifecycletest.RuntimeAPI) map[string]string {
		return extensionEnv(api, endpoint, map[string]string{
			"PARAMETERS_SECRETS_EXTENSION_PREFETCH_SECRETS":         strings.Join(ids, ","),
			"PARAMETERS_SECRETS_EXTENSION_PREFETCH_PARAMETER_PATHS": "/demo",
		})
	})
	want := map[string]int{"secretsmanager.BatchGetSecretValue": 2, "secretsmanager.GetSecretValue": 0, "AmazonSSM.GetParametersByPath": 1, "AmazonSSM.GetParameter": 0}
	for op, n := range want {
		if atFirstNext[op] != n {
			t.Errorf("%s calls before the first /event/next = %d, want %d", op, atFirstNext[op], n)
		}
	}
	for _, path := range []string{
		"/secretsmanager/get?secretId=many/00", "/secretsmanager/get?secretId=many/24", "/v1/many/13",
		"/systemsmanager/parameters/get?name=/demo/host",
		"/systemsmanager/parameters/get?name=/demo/deep/key&withDecryption=true",
		"/systemsmanager/parameters/get-by-path?path=/demo&recursive=true&withDecryption=true",
	} {
		if code, body, hdr := p.get(t, path, testToken); code != http.StatusOK || hdr.Get("X-Cache") != "hit" {
			t.Errorf("GET %s: %d X-Cache=%s %s", path, code, hdr.Get("X-Cache"), body)
		}
	}
}

// TestRefreshAheadThroughTheBinary reads a secret every 10 ms for five TTLs
// of one second. Counts, not durations: every read is answered, none stale,
// and the upstream sees at most one call per TTL (plus the first). That no
// read waits on an expiry is TestRefreshAheadSteadyReader's, on a clock the
// test controls.
func TestRefreshAheadThroughTheBinary(t *testing.T) {
	t.Parallel()
	la, endpoint := startLocalaws(t, demoSeed())
	p := startStandalone(t, map[string]string{"AWS_ENDPOINT_URL": endpoint, "AWS_SESSION_TOKEN": testToken, "SECRETS_MANAGER_TTL": "1"})
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	start := time.Now()
	reads := 0
	for time.Since(start) < 5*time.Second {
		<-tick.C
		code, body, hdr := p.get(t, "/secretsmanager/get?secretId=demo/db", testToken)
		if code != http.StatusOK || hdr.Get("X-Cache") == "stale" {
			t.Fatalf("read %d: %d X-Cache=%s %s", reads, code, hdr.Get("X-Cache"), body)
		}
		reads++
	}
	elapsed := time.Since(start)
	calls := la.Stats()["secretsmanager.GetSecretValue"]
	// An entry is refreshed no sooner than nine tenths of a TTL after it was
	// stored, so over the time the reads took there is at most one call per
	// such span after the first: 6 over 5 TTLs.
	if limit := 1 + int(elapsed/(900*time.Millisecond)); calls > limit {
		t.Errorf("%d reads over %v made %d GetSecretValue calls, want at most %d", reads, elapsed, calls, limit)
	}
	if code := p.stop(t); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	emf := emfLine(t, p.stdout.String())
	t.Logf("%d reads: %v hits, %v misses, %d upstream calls", reads, emf["CacheHits"], emf["CacheMisses"], calls)
	if calls < 2 {
		t.Errorf("GetSecretValue calls = %d over five TTLs: no entry was ever refreshed", calls)
	}
}

// waitUntil polls cond until it holds, failing only after a time far beyond
// any machine's slowness.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(2 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("gave up waiting: %s", what)
}
