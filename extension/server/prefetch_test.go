package server

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/paramsecrets/paramsecrets/extension/cache"
	"github.com/paramsecrets/paramsecrets/localaws"
)

const (
	opBGSV = "secretsmanager.BatchGetSecretValue"
	opGPs  = "AmazonSSM.GetParameters"
	opGPBP = "AmazonSSM.GetParametersByPath"
)

func TestPrefetchWarmsTheCache(t *testing.T) {
	e := newEnv(t, envOptions{})
	seedAll(t, e)
	if err := e.srv.Prefetch(t.Context(), Prefetch{Secrets: []string{"app/db", "bin"}, Parameters: []string{"/app/pass", "/app/host"}}); err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{
		"/secretsmanager/get?secretId=app/db", "/v1/bin",
		"/systemsmanager/parameters/get?name=/app/pass&withDecryption=true",
		"/systemsmanager/parameters/get?name=/app/host", // a String serves both decryption flags
		"/systemsmanager/parameters/get?name=/app/host&withDecryption=true",
	} {
		wantCache(t, e.get(t, target), "hit")
	}
	got := map[string]int{opBGSV: e.calls(opBGSV), opGPs: e.calls(opGPs), opGSV: e.calls(opGSV), opGP: e.calls(opGP)}
	if want := map[string]int{opBGSV: 1, opGPs: 1, opGSV: 0, opGP: 0}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("upstream calls %v, want %v (one batch call per store)", got, want)
	}
}

// TestPrefetchOf25SecretsIsTwoBatchCalls: BatchGetSecretValue takes 20 ids a
// call, so 25 secrets take two, and no GetSecretValue.
func TestPrefetchOf25SecretsIsTwoBatchCalls(t *testing.T) {
	e := newEnv(t, envOptions{})
	var ids []string
	var sd localaws.Seed
	for i := range 25 {
		id := fmt.Sprintf("many/%02d", i)
		ids = append(ids, id)
		sd.Secrets = append(sd.Secrets, localaws.SeedSecret{Name: id, SecretString: secretString("v" + id)})
	}
	e.seed(t, sd)
	if err := e.srv.Prefetch(t.Context(), Prefetch{Secrets: ids}); err != nil {
		t.Fatal(err)
	}
	if b, g := e.calls(opBGSV), e.calls(opGSV); b != 2 || g != 0 {
		t.Errorf("BatchGetSecretValue %d, GetSecretValue %d; want 2 and 0", b, g)
	}
	for _, id := range ids {
		wantCache(t, e.get(t, "/secretsmanager/get?secretId="+id), "hit")
	}
}

// TestPrefetchFallsBackToSingleReads: a role that may not call the batch
// operations still gets everything prefetched, one call per id.
func TestPrefetchFallsBackToSingleReads(t *testing.T) {
	e := newEnv(t, envOptions{})
	seedAll(t, e)
	for _, op := range []string{opBGSV, opGPs} {
		e.aws.InjectFault(localaws.Fault{Operation: op, Code: "AccessDeniedException", Message: "not authorized to perform " + op})
	}
	if err := e.srv.Prefetch(t.Context(), Prefetch{Secrets: []string{"app/db", "bin"}, Parameters: []string{"/app/pass", "/app/host"}}); err != nil {
		t.Fatalf("prefetch with the batch operations denied: %v", err)
	}
	for _, target := range []string{"/secretsmanager/get?secretId=app/db", "/v1/bin", "/systemsmanager/parameters/get?name=/app/pass&withDecryption=true", "/systemsmanager/parameters/get?name=/app/host"} {
		wantCache(t, e.get(t, target), "hit")
	}
	if g, p := e.calls(opGSV), e.calls(opGP); g != 2 || p != 2 {
		t.Errorf("GetSecretValue %d, GetParameter %d; want 2 and 2 (one per id)", g, p)
	}
}

func TestPrefetchErrorsNameEachID(t *testing.T) {
	e := newEnv(t, envOptions{})
	seedAll(t, e)
	err := e.srv.Prefetch(t.Context(), Prefetch{Secrets: []string{"app/db", "gone"}, Parameters: []string{"/app/pass", "/nope"}, ParameterPaths: []string{"/app"}})
	if err == nil {
		t.Fatal("prefetch of missing ids succeeded")
	}
	msg := err.Error()
	for _, want := range []string{"secret gone", "ResourceNotFoundException", "parameter /nope", "ParameterNotFound"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
	for _, value := range []string{"n3w-db-pw", passValue, hostValue} {
		if strings.Contains(msg, value) {
			t.Errorf("error carries a value: %q", msg)
		}
	}
	wantCache(t, e.get(t, "/secretsmanager/get?secretId=app/db"), "hit") // the rest were still warmed
	wantCache(t, e.get(t, "/systemsmanager/parameters/get?name=/app/pass&withDecryption=true"), "hit")
	if g := e.calls(opGSV); g != 0 {
		t.Errorf("GetSecretValue calls = %d, want 0: a not-found in the batch is the answer", g)
	}
}

// TestPrefetchPaths: a prefetched path serves its by-path read and each
// parameter's single read, from one GetParametersByPath.
func TestPrefetchPaths(t *testing.T) {
	e := newEnv(t, envOptions{})
	seedAll(t, e)
	if err := e.srv.Prefetch(t.Context(), Prefetch{ParameterPaths: []string{"/app"}}); err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{
		"/systemsmanager/parameters/get-by-path?path=/app&recursive=true&withDecryption=true",
		"/systemsmanager/parameters/get?name=/app/pass&withDecryption=true",
		"/systemsmanager/parameters/get?name=/app/sub/deep",
		"/systemsmanager/parameters/get?name=/app/host&withDecryption=true",
		"/systemsmanager/parameters/get?name=/app/list",
	} {
		wantCache(t, e.get(t, target), "hit")
	}
	if n := e.calls(opGPBP); n != 1 || e.calls(opGP) != 0 {
		t.Errorf("GetParametersByPath %d, GetParameter %d; want 1 and 0", n, e.calls(opGP))
	}
	// The single reads it cached are GetParameter's own answers, byte for byte.
	for _, target := range []string{"/systemsmanager/parameters/get?name=/app/host", "/systemsmanager/parameters/get?name=/app/pass&withDecryption=true"} {
		cached := e.get(t, target)
		direct := e.get(t, target+"&refreshNow=true")
		wantCache(t, direct, "miss")
		if string(cached.body) != string(direct.body) {
			t.Errorf("%s from the path\n got %s\nwant %s", target, cached.body, direct.body)
		}
	}
}

// TestInitReadJoinsThePrefetch: a read of a secret the prefetch's batch call
// is fetching waits for that call instead of making its own.
func TestInitReadJoinsThePrefetch(t *testing.T) {
	g := newGate(opBGSV, 1)
	e := newEnv(t, envOptions{gate: g})
	seedAll(t, e)
	done := make(chan error, 1)
	go func() { done <- e.srv.Prefetch(context.Background(), Prefetch{Secrets: []string{"app/db", "bin"}}) }()
	recv(t, g.held, "the batch call to be held")
	read := make(chan response, 1)
	go func() {
		r, _ := e.getCtx(context.Background(), "/secretsmanager/get?secretId=app/db")
		read <- r
	}()
	waitFor(t, "the read to wait on the prefetch", func() bool { return e.cache.Waiting(cache.Key{Store: cache.Secrets, Op: opSecret, ID: "app/db"}) == 1 })
	close(g.release)
	if err := recv(t, done, "the prefetch"); err != nil {
		t.Fatal(err)
	}
	r := recv(t, read, "the read")
	if r.status != 200 || !strings.Contains(string(r.body), "n3w-db-pw") {
		t.Errorf("read during the prefetch: %d %s", r.status, r.body)
	}
	if n := e.calls(opGSV); n != 0 {
		t.Errorf("GetSecretValue calls = %d, want 0 (the read joined the batch)", n)
	}
}

// TestPrefetchByPartialARN: an id given as a partial ARN is cached under it.
func TestPrefetchByPartialARN(t *testing.T) {
	e := newEnv(t, envOptions{})
	seedAll(t, e)
	arn := e.get(t, "/secretsmanager/get?secretId=bin").json(t)["ARN"].(string)
	partial := arn[:len(arn)-7]
	if err := e.srv.Prefetch(t.Context(), Prefetch{Secrets: []string{partial, "app/db"}}); err != nil {
		t.Fatal(err)
	}
	before := e.calls(opGSV)
	wantCache(t, e.get(t, "/secretsmanager/get?secretId="+partial), "hit")
	if n := e.calls(opGSV); n != before {
		t.Errorf("GetSecretValue calls %d -> %d, want none", before, n)
	}
}

func TestPrefetchWithoutCacheCallsNothing(t *testing.T) {
	e := newEnv(t, envOptions{noCache: true})
	seedAll(t, e)
	if err := e.srv.Prefetch(t.Context(), Prefetch{Secrets: []string{"app/db"}, Parameters: []string{"/app/host"}, ParameterPaths: []string{"/app"}}); err != nil {
		t.Fatal(err)
	}
	for _, op := range []string{opGSV, opBGSV, opGP, opGPs, opGPBP} {
		if n := e.calls(op); n != 0 {
			t.Errorf("%s called %d times, want 0", op, n)
		}
	}
}
