package server

import (
	"net/http"
	"testing"
	"time"

	"github.com/paramsecrets/paramsecrets/extension/metrics"
	"github.com/paramsecrets/paramsecrets/localaws"
)

// TestEveryMissIsCounted: a request that finds no fresh entry is a miss
// whatever the upstream then does — answers, times out, cannot be reached,
// throttles, or says the secret is gone — and a failed one is an error too. A
// request refused before it reaches the cache (bad query, wrong token) is an
// error and not a miss. So CacheHits + CacheMisses + CacheStaleServed counts
// every request that reached the cache.
func TestEveryMissIsCounted(t *testing.T) {
	tests := []struct {
		name   string
		opts   envOptions
		fault  *localaws.Fault
		target string
		status int
		want   metrics.Snapshot // Hits, Misses, Stale, Errors compared
	}{
		{name: "answered", target: secretTarget, status: http.StatusOK,
			want: metrics.Snapshot{Misses: 1}},
		{name: "timeout 504", opts: envOptions{secretsTimeout: 100 * time.Millisecond},
			fault: &localaws.Fault{Operation: opGSV, LatencyMs: 3_600_000}, target: secretTarget, status: http.StatusGatewayTimeout,
			want: metrics.Snapshot{Misses: 1, Errors: 1}},
		{name: "unreachable 502", opts: envOptions{endpoint: unreachable}, target: secretTarget, status: http.StatusBadGateway,
			want: metrics.Snapshot{Misses: 1, Errors: 1}},
		{name: "throttled 429", fault: &localaws.Fault{Operation: opGSV, Code: "ThrottlingException", Count: 3},
			target: secretTarget, status: http.StatusTooManyRequests, want: metrics.Snapshot{Misses: 1, Errors: 1}},
		{name: "not found 400", target: "/secretsmanager/get?secretId=missing", status: http.StatusBadRequest,
			want: metrics.Snapshot{Misses: 1, Errors: 1}},
		{name: "no cache", opts: envOptions{noCache: true}, target: secretTarget, status: http.StatusOK,
			want: metrics.Snapshot{Misses: 1}},
		{name: "bad request is no miss", target: "/secretsmanager/get?bogus=1", status: http.StatusBadRequest,
			want: metrics.Snapshot{Errors: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.opts)
			seedAll(t, e)
			if tt.fault != nil {
				e.aws.InjectFault(*tt.fault)
			}
			if r := e.get(t, tt.target); r.status != tt.status {
				t.Fatalf("GET %s: %d %s, want %d", tt.target, r.status, r.body, tt.status)
			}
			s := e.metrics.Snapshot()
			got := metrics.Snapshot{Hits: s.Hits, Misses: s.Misses, Stale: s.Stale, Errors: s.Errors}
			if got != tt.want {
				t.Errorf("counters %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestStaleAndHitCountedApart: a hit and a stale answer are each counted once,
// under their own names, and neither is a miss.
func TestStaleAndHitCountedApart(t *testing.T) {
	e := newEnv(t, envOptions{secretsTTL: time.Minute, staleIfError: time.Minute})
	seedAll(t, e)
	wantCache(t, e.get(t, secretTarget), "miss")
	wantCache(t, e.get(t, secretTarget), "hit")
	e.clock.Advance(90 * time.Second)
	e.aws.InjectFault(localaws.Fault{Operation: opGSV, Code: "ThrottlingException", Count: 3})
	wantCache(t, e.get(t, secretTarget), "stale")
	s := e.metrics.Snapshot()
	if s.Hits != 1 || s.Misses != 1 || s.Stale != 1 || s.Errors != 0 {
		t.Errorf("counters %+v, want 1 hit, 1 miss, 1 stale, no error", s)
	}
}
