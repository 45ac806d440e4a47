package server

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/paramsecrets/paramsecrets/extension/cache"
)

// TestRefreshAheadSteadyReader reads a secret every 10 ms over 5 TTLs of the
// injected clock. Each background refresh is let finish before the clock
// moves on, so the order of events is the test's, not the scheduler's: after
// the first read no read misses, every answer says hit, and the upstream is
// called at most once per TTL.
func TestRefreshAheadSteadyReader(t *testing.T) {
	const ttl = time.Second
	e := newEnv(t, envOptions{secretsTTL: ttl})
	seedAll(t, e)
	k := cache.Key{Store: cache.Secrets, Op: opSecret, ID: "app/db"}
	wantCache(t, e.get(t, secretTarget), "miss")
	before := e.metrics.Snapshot()
	reads := 0
	for elapsed := time.Duration(0); elapsed < 5*ttl; elapsed += 10 * time.Millisecond {
		e.clock.Advance(10 * time.Millisecond)
		r := e.get(t, secretTarget)
		wantStatus(t, r, http.StatusOK, "")
		if got := r.header.Get("X-Cache"); got != "hit" {
			t.Fatalf("read at %v: X-Cache = %s, want hit", elapsed, got)
		}
		reads++
		waitFor(t, "the background refresh to end", func() bool { return e.cache.Waiting(k) == 0 })
	}
	after := e.metrics.Snapshot()
	if m := after.Misses - before.Misses; m != 0 {
		t.Errorf("misses after the first read = %d, want 0", m)
	}
	if h := after.Hits - before.Hits; h != int64(reads) {
		t.Errorf("hits = %d, want %d", h, reads)
	}
	if n := e.calls(opGSV); n < 2 || n > 1+5 {
		t.Errorf("GetSecretValue calls = %d over 5 TTLs, want 2 to 6 (the first, then at most one per TTL)", n)
	}
}

// TestRefreshAheadDoesNotPileUp: while the background refresh is held, reads
// in the window stay hits and start no other call; once it answers, the new
// value is served.
func TestRefreshAheadDoesNotPileUp(t *testing.T) {
	g := newGate(opGSV, 1)
	e := newEnv(t, envOptions{secretsTTL: 100 * time.Second, gate: g})
	seedAll(t, e)
	k := cache.Key{Store: cache.Secrets, Op: opSecret, ID: "app/db"}
	e.cache.Put(k, []byte(`{"Name":"app/db","SecretString":"cached"}`)) // the gate holds the first upstream call: the refresh
	e.clock.Advance(95 * time.Second)
	for range 20 {
		wantCache(t, e.get(t, secretTarget), "hit")
	}
	recv(t, g.held, "the refresh-ahead call to be held")
	if n := e.calls(opGSV); n != 1 {
		t.Errorf("GetSecretValue calls = %d, want 1 (one refresh for twenty reads)", n)
	}
	close(g.release)
	waitFor(t, "the refresh to end", func() bool { return e.cache.Waiting(k) == 0 })
	// The refresh's answer is the new entry, fresh for a full TTL: past the
	// old entry's expiry, a read is still a hit with no further call.
	e.clock.Advance(50 * time.Second)
	r := e.get(t, secretTarget)
	wantCache(t, r, "hit")
	if !strings.Contains(string(r.body), "n3w-db-pw") {
		t.Errorf("read after the refresh: %s, want the upstream's value", r.body)
	}
	if n := e.calls(opGSV); n != 1 {
		t.Errorf("GetSecretValue calls = %d, want 1", n)
	}
}
