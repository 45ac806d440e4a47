package server

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paramsecrets/paramsecrets/extension/cache"
	"github.com/paramsecrets/paramsecrets/extension/upstream"
	"github.com/paramsecrets/paramsecrets/localaws"
)

// TestStuckCallsEndWhenTheirCallersLeave: an upstream that never answers (an
// hour of injected latency, through localaws's admin route) on three keys at
// once holds every one of the three upstream connections. Once the callers
// give up, those calls must end with them: the same keys, and a fourth, are
// then served by fresh calls as soon as the upstream answers again, instead of
// joining calls that would hang for the rest of the sandbox's life.
func TestStuckCallsEndWhenTheirCallersLeave(t *testing.T) {
	e := newEnv(t, envOptions{})
	seedAll(t, e)
	fault := `{"operation": "secretsmanager.GetSecretValue", "latencyMs": 3600000, "count": 3}`
	resp, err := http.Post(e.awsURL+"/_localaws/faults", "application/json", strings.NewReader(fault))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("POST /_localaws/faults: %s", resp.Status)
	}

	stuck := []string{
		"/secretsmanager/get?secretId=app/db",
		"/secretsmanager/get?secretId=bin",
		"/secretsmanager/get?secretId=app/db&versionStage=AWSPREVIOUS",
	}
	keys := []cache.Key{
		{Store: cache.Secrets, Op: opSecret, ID: "app/db"},
		{Store: cache.Secrets, Op: opSecret, ID: "bin"},
		{Store: cache.Secrets, Op: opSecret, ID: "app/db", Selector: "versionStage=AWSPREVIOUS"},
	}
	ctx, giveUp := context.WithCancel(context.Background())
	var callers sync.WaitGroup
	for _, target := range stuck {
		callers.Go(func() {
			if r, err := e.getCtx(ctx, target); !errors.Is(err, context.Canceled) {
				t.Errorf("GET %s under an hour of latency: %d %s %v, want the client to give up", target, r.status, r.body, err)
			}
		})
	}
	waitFor(t, "three GetSecretValue calls held by the upstream", func() bool { return e.calls(opGSV) == 3 })
	giveUp()
	callers.Wait()
	// A client returns as soon as it gives up; the server notices a moment
	// later. A request arriving in between would rightly join the stuck call.
	waitFor(t, "the server to see every caller leave", func() bool {
		for _, k := range keys {
			if e.cache.Waiting(k) != 0 {
				return false
			}
		}
		return true
	})

	// The upstream has recovered (the fault is spent). A bound far beyond any
	// upstream answer only turns a hang into a failure.
	later := append(stuck, "/secretsmanager/get?secretId=app/db&versionStage=AWSCURRENT")
	var wg sync.WaitGroup
	for _, target := range later {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			r, err := e.getCtx(ctx, target)
			if err != nil || r.status != http.StatusOK || r.header.Get("X-Cache") != "miss" {
				t.Errorf("GET %s after the upstream recovered: %d %q %s %v, want a 200 miss", target, r.status, r.header.Get("X-Cache"), r.body, err)
			}
		})
	}
	wg.Wait()
}

// TestStuckCallEndsAtTheFlightDeadline: a client that never gives up does not
// keep a call the upstream never answers alive either. At the flight deadline
// it gets a 504, and the next request, the upstream having recovered, makes a
// call of its own and is answered. (The deadline is short enough for a quick
// test and still far beyond the milliseconds an answering call takes.)
func TestStuckCallEndsAtTheFlightDeadline(t *testing.T) {
	e := newEnv(t, envOptions{flightTimeout: time.Second})
	seedAll(t, e)
	e.aws.InjectFault(localaws.Fault{Operation: opGSV, LatencyMs: 3_600_000})
	wantStatus(t, e.get(t, secretTarget), http.StatusGatewayTimeout, upstream.CodeTimeout)
	r := e.get(t, secretTarget)
	wantStatus(t, r, http.StatusOK, "")
	wantCache(t, r, "miss")
	if n := e.calls(opGSV); n != 2 {
		t.Errorf("GetSecretValue calls = %d, want 2 (the stuck one and a fresh one)", n)
	}
}
