package lifecycle_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paramsecrets/paramsecrets/extension/lifecycle"
	"github.com/paramsecrets/paramsecrets/extension/lifecycle/lifecycletest"
)

// TestShutdownAtTheDeadlineCutsAnOpenRequest: a request that would never end
// does not hold the extension past the SHUTDOWN deadline. With the deadline
// already at hand (inside the margin kept back from it), the metrics are
// flushed, the open request is cut, and RunExtension returns — it waits for
// nothing, so returning at all shows that the deadline, not the request,
// decided.
func TestShutdownAtTheDeadlineCutsAnOpenRequest(t *testing.T) {
	t.Parallel()
	ln := listener(t)
	arrived := make(chan struct{}, 1)
	var flushed atomic.Bool
	api := lifecycletest.NewRuntimeAPI(t, lifecycletest.Options{})
	done := make(chan error, 1)
	go func() {
		done <- lifecycle.RunExtension(context.Background(), lifecycle.NewClient(api.Addr(), "paramsecrets"), []lifecycle.EventType{lifecycle.Invoke, lifecycle.Shutdown}, lifecycle.Options{
			Listener: ln, Handler: handler(arrived, nil), Flush: func() { flushed.Store(true) },
		})
	}()
	waitFor(t, func() bool { return len(api.NextIDs()) >= 1 })
	ended := hold(t, ln.Addr().String(), arrived)
	api.Send(lifecycle.Event{EventType: lifecycle.Shutdown, ShutdownReason: "timeout", DeadlineMs: time.Now().UnixMilli()})
	if err := recv(t, done, "RunExtension to return at the deadline"); err != nil {
		t.Fatalf("RunExtension: %v", err)
	}
	if !flushed.Load() {
		t.Error("metrics were not flushed at SHUTDOWN")
	}
	if body := recv(t, ended, "the open request to be cut"); body == "done" {
		t.Errorf("the open request completed (%q); want it cut at the deadline", body)
	}
}

// TestShutdownLetsAnOpenRequestFinish: before its deadline, SHUTDOWN stops
// taking requests but lets one already open finish with its full answer.
func TestShutdownLetsAnOpenRequestFinish(t *testing.T) {
	t.Parallel()
	ln := listener(t)
	addr := ln.Addr().String()
	arrived, release := make(chan struct{}, 1), make(chan struct{})
	flushing := make(chan struct{})
	api := lifecycletest.NewRuntimeAPI(t, lifecycletest.Options{})
	done := make(chan error, 1)
	go func() {
		done <- lifecycle.RunExtension(context.Background(), lifecycle.NewClient(api.Addr(), "paramsecrets"), []lifecycle.EventType{lifecycle.Invoke, lifecycle.Shutdown}, lifecycle.Options{
			Listener: ln, Handler: handler(arrived, release), Flush: func() { close(flushing) },
		})
	}()
	waitFor(t, func() bool { return len(api.NextIDs()) >= 1 })
	ended := hold(t, addr, arrived)
	api.Send(lifecycle.Event{EventType: lifecycle.Shutdown, ShutdownReason: "spindown", DeadlineMs: time.Now().Add(time.Hour).UnixMilli()})
	recv(t, flushing, "the flush at SHUTDOWN")
	// Once new connections are refused, the graceful stop is under way and
	// waiting for the open request.
	waitFor(t, func() bool { _, err := get(addr, "/ping"); return err != nil })
	close(release)
	if body := recv(t, ended, "the open request to finish"); body != "done" {
		t.Errorf("open request during SHUTDOWN answered %q, want its full answer", body)
	}
	if err := recv(t, done, "RunExtension to return once the request finished"); err != nil {
		t.Fatalf("RunExtension: %v", err)
	}
}
