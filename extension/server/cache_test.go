package server

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/paramsecrets/paramsecrets/extension/cache"
	"github.com/paramsecrets/paramsecrets/localaws"
)

const (
	opGSV = "secretsmanager.GetSecretValue"
	opGP  = "AmazonSSM.GetParameter"
)

func TestCacheHitMakesNoUpstreamCall(t *testing.T) {
	e := newEnv(t, envOptions{})
	seedAll(t, e)
	tests := []struct {
		name, target, op string
	}{
		{"secret", "/secretsmanager/get?secretId=app/db", opGSV},
		{"agent path", "/v1/bin", opGSV},
		{"parameter", "/systemsmanager/parameters/get?name=/app/pass&withDecryption=true", opGP},
		{"by path", "/systemsmanager/parameters/get-by-path?path=/app&recursive=true", "AmazonSSM.GetParametersByPath"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.calls(tt.op)
			first := e.get(t, tt.target)
			wantCache(t, first, "miss")
			second := e.get(t, tt.target)
			wantCache(t, second, "hit")
			if string(first.body) != string(second.body) {
				t.Errorf("hit body differs from miss body")
			}
			if n := e.calls(tt.op) - before; n != 1 {
				t.Errorf("%s calls = %d, want 1", tt.op, n)
			}
		})
	}
	if s := e.metrics.Snapshot(); s.Hits != 4 || s.Misses != 4 || s.UpstreamCalls != 4 {
		t.Errorf("metrics %+v, want 4 hits, 4 misses, 4 upstream calls", s)
	}
}

func TestStringParameterServesBothDecryptionFlags(t *testing.T) {
	e := newEnv(t, envOptions{})
	seedAll(t, e)
	wantCache(t, e.get(t, "/systemsmanager/parameters/get?name=/app/host&withDecryption=true"), "miss")
	wantCache(t, e.get(t, "/systemsmanager/parameters/get?name=/app/host"), "hit")
	// A SecureString's answer depends on the flag: no sharing.
	wantCache(t, e.get(t, "/systemsmanager/parameters/get?name=/app/pass&withDecryption=true"), "miss")
	wantCache(t, e.get(t, "/systemsmanager/parameters/get?name=/app/pass"), "miss")
}

func TestTTLExpiryRefetches(t *testing.T) {
	e := newEnv(t, envOptions{secretsTTL: time.Minute, parametersTTL: time.Hour})
	seedAll(t, e)
	secret, param := "/secretsmanager/get?secretId=app/db", "/systemsmanager/parameters/get?name=/app/host"
	wantCache(t, e.get(t, secret), "miss")
	wantCache(t, e.get(t, param), "miss")
	// Read before the last tenth of the TTL: a read inside it would refresh
	// the entry ahead of its expiry (TestRefreshAhead...).
	e.clock.Advance(53 * time.Second)
	wantCache(t, e.get(t, secret), "hit")
	e.clock.Advance(7 * time.Second)
	wantCache(t, e.get(t, secret), "miss")
	wantCache(t, e.get(t, param), "hit") // the parameter store's own, longer TTL
	if n := e.calls(opGSV); n != 2 {
		t.Errorf("GetSecretValue calls = %d, want 2", n)
	}
}

func TestLRUEviction(t *testing.T) {
	e := newEnv(t, envOptions{size: 2})
	seedAll(t, e)
	a, b, c := "/secretsmanager/get?secretId=app/db", "/secretsmanager/get?secretId=bin", "/v1/app/db?versionStage=AWSPREVIOUS"
	e.get(t, a)
	e.get(t, b)
	wantCache(t, e.get(t, a), "hit") // b is now least recently used
	e.get(t, c)                      // evicts b
	wantCache(t, e.get(t, a), "hit")
	wantCache(t, e.get(t, c), "hit")
	wantCache(t, e.get(t, b), "miss")
	if n := e.calls(opGSV); n != 4 {
		t.Errorf("GetSecretValue calls = %d, want 4", n)
	}
}

func TestCacheDisabledBypasses(t *testing.T) {
	tests := []struct {
		name           string
		opts           envOptions
		secretCalls    int
		parameterCalls int
	}{
		{"no cache", envOptions{noCache: true}, 3, 3},
		{"size 0", envOptions{size: -1}, 3, 3},
		{"secrets TTL 0", envOptions{secretsTTL: -1}, 3, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.opts)
			seedAll(t, e)
			for range 3 {
				wantCache(t, e.get(t, "/secretsmanager/get?secretId=app/db"), "miss")
				e.get(t, "/systemsmanager/parameters/get?name=/app/host")
			}
			if n := e.calls(opGSV); n != tt.secretCalls {
				t.Errorf("GetSecretValue calls = %d, want %d", n, tt.secretCalls)
			}
			if n := e.calls(opGP); n != tt.parameterCalls {
				t.Errorf("GetParameter calls = %d, want %d", n, tt.parameterCalls)
			}
		})
	}
}

// TestConcurrentMissesMakeOneUpstreamCall holds the upstream's answer until
// every request is waiting on the one call, so that none of them can be served
// by the entry it stores: each must have joined the call.
func TestConcurrentMissesMakeOneUpstreamCall(t *testing.T) {
	const requests = 100
	g := newGate(opGSV, 1)
	e := newEnv(t, envOptions{gate: g})
	seedAll(t, e)
	var wg sync.WaitGroup
	results := make([]response, requests)
	errs := make([]error, requests)
	for i := range results {
		wg.Go(func() { results[i], errs[i] = e.getCtx(t.Context(), "/secretsmanager/get?secretId=app/db") })
	}
	k := cache.Key{Store: cache.Secrets, Op: opSecret, ID: "app/db"}
	waitFor(t, "every request waiting on one call", func() bool { return e.cache.Waiting(k) == requests })
	close(g.release)
	wg.Wait()
	for i, r := range results {
		if errs[i] != nil || r.status != http.StatusOK || r.header.Get("X-Cache") != "miss" || !strings.Contains(string(r.body), "n3w-db-pw") {
			t.Fatalf("concurrent request: %d %q %s %v, want the shared call's answer", r.status, r.header.Get("X-Cache"), r.body, errs[i])
		}
	}
	if n := e.calls(opGSV); n != 1 {
		t.Errorf("GetSecretValue calls = %d, want 1", n)
	}
}

func TestRefreshNowReplacesEntry(t *testing.T) {
	e := newEnv(t, envOptions{})
	seedAll(t, e)
	target := "/secretsmanager/get?secretId=app/db"
	wantCache(t, e.get(t, target), "miss")
	if _, err := e.sm.PutSecretValue(t.Context(), &secretsmanager.PutSecretValueInput{
		SecretId: aws.String("app/db"), SecretString: aws.String(`{"password":"rotated"}`),
	}); err != nil {
		t.Fatal(err)
	}
	if r := e.get(t, target); !strings.Contains(string(r.body), "n3w-db-pw") {
		t.Errorf("cached read before refresh: %s", r.body)
	}
	r := e.get(t, target+"&refreshNow=true")
	wantCache(t, r, "miss")
	if !strings.Contains(string(r.body), "rotated") {
		t.Errorf("refreshNow read: %s, want the new value", r.body)
	}
	r = e.get(t, target)
	wantCache(t, r, "hit")
	if !strings.Contains(string(r.body), "rotated") {
		t.Errorf("read after refresh: %s, want the new value from the cache", r.body)
	}
}

// TestEscapedAndPlainNamesShareEntry checks that "%2F" decodes to the "/" that
// secret and parameter names may contain: both spellings name one entry.
func TestEscapedAndPlainNamesShareEntry(t *testing.T) {
	e := newEnv(t, envOptions{})
	seedAll(t, e)
	// The agent route and the query route answer alike, so they share too.
	wantCache(t, e.get(t, "/v1/app%2Fdb"), "miss")
	for _, hit := range []string{"/v1/app/db", "/secretsmanager/get?secretId=app%2Fdb", "/secretsmanager/get?secretId=app/db"} {
		wantCache(t, e.get(t, hit), "hit")
	}
	wantCache(t, e.get(t, "/systemsmanager/parameters/get?name=%2Fapp%2Fhost"), "miss")
	wantCache(t, e.get(t, "/systemsmanager/parameters/get?name=/app/host"), "hit")
}

// TestRefreshNowNotFoundForgetsTheValue: once the upstream says a secret is
// gone, the cached value must not keep being served as a hit.
func TestRefreshNowNotFoundForgetsTheValue(t *testing.T) {
	e := newEnv(t, envOptions{})
	seedAll(t, e)
	target := "/secretsmanager/get?secretId=app/db"
	wantCache(t, e.get(t, target), "miss")
	e.aws.InjectFault(localaws.Fault{Operation: opGSV, Code: "ResourceNotFoundException", Count: 1})
	wantStatus(t, e.get(t, target+"&refreshNow=true"), http.StatusBadRequest, "ResourceNotFoundException")
	r := e.get(t, target)
	wantStatus(t, r, http.StatusOK, "")
	wantCache(t, r, "miss")
}
