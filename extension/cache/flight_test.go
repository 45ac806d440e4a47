package cache

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestConcurrentMissesMakeOneCall holds the one upstream call until every
// caller is waiting on it, so that no caller can be served by an entry the
// call stored: each of them must have joined the call, or the count is wrong.
func TestConcurrentMissesMakeOneCall(t *testing.T) {
	const callers = 100
	c := New(Options{Size: 10, SecretsTTL: time.Minute})
	release := make(chan struct{})
	var calls atomic.Int64
	load := func(context.Context) (Answer, error) {
		calls.Add(1)
		<-release
		return Answer{Body: []byte("v")}, nil
	}
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for range callers {
		wg.Go(func() {
			body, res, err := c.Fetch(context.Background(), key("s"), false, load)
			if err == nil && (string(body) != "v" || res != Miss) {
				err = fmt.Errorf("got %q %v, want v from the shared call", body, res)
			}
			errs <- err
		})
	}
	waitFor(t, "every caller waiting on one call", func() bool { return c.Waiting(key("s")) == callers })
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("upstream calls = %d, want 1", n)
	}
}

// blockingLoad is an upstream that never answers: it returns only when its
// context ends, and reports that context's error on ended.
func blockingLoad(started chan<- struct{}, ended chan<- error) Loader {
	return func(ctx context.Context) (Answer, error) {
		close(started)
		<-ctx.Done()
		ended <- ctx.Err()
		return Answer{}, transientErr{true}
	}
}

// TestLastWaiterLeavingEndsTheCall: a call the upstream never answers is
// cancelled once its only waiter gives up, and the key is free: the next
// request makes a new call and gets its answer, and the abandoned call leaves
// the entry alone.
func TestLastWaiterLeavingEndsTheCall(t *testing.T) {
	c := New(Options{Size: 10, SecretsTTL: time.Minute})
	started, ended := make(chan struct{}), make(chan error, 1)
	ctx, giveUp := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, _, err := c.Fetch(ctx, key("s"), false, blockingLoad(started, ended))
		done <- err
	}()
	recv(t, started, "the call to start")
	giveUp()
	if err := recv(t, done, "the caller to return"); !errors.Is(err, context.Canceled) {
		t.Errorf("caller that gave up: %v, want context.Canceled", err)
	}
	if err := recv(t, ended, "the abandoned call to end"); !errors.Is(err, context.Canceled) {
		t.Errorf("abandoned call's context: %v, want cancelled", err)
	}
	l := &counter{body: []byte("v")}
	if body, res, err := fetch(t, c, key("s"), false, l); err != nil || res != Miss || string(body) != "v" || l.calls.Load() != 1 {
		t.Errorf("next request: %q %v %v calls=%d, want its own call's answer", body, res, err, l.calls.Load())
	}
}

// TestCallOutlivesAWaiterWhileAnotherWaits: a waiter leaving does not end a
// call someone else still waits for; that one gets the answer, which is cached.
func TestCallOutlivesAWaiterWhileAnotherWaits(t *testing.T) {
	c := New(Options{Size: 10, SecretsTTL: time.Minute})
	release := make(chan struct{})
	cancelled := make(chan bool, 1)
	load := func(ctx context.Context) (Answer, error) {
		<-release
		cancelled <- ctx.Err() != nil
		return Answer{Body: []byte("v")}, nil
	}
	ctx, giveUp := context.WithCancel(context.Background())
	first, second := make(chan error, 1), make(chan []byte, 1)
	go func() { _, _, err := c.Fetch(ctx, key("s"), false, load); first <- err }()
	waitFor(t, "the first caller waiting", func() bool { return c.Waiting(key("s")) == 1 })
	go func() { body, _, _ := c.Fetch(context.Background(), key("s"), false, load); second <- body }()
	waitFor(t, "both callers waiting", func() bool { return c.Waiting(key("s")) == 2 })
	giveUp()
	if err := recv(t, first, "the first caller to return"); !errors.Is(err, context.Canceled) {
		t.Errorf("first caller: %v, want context.Canceled", err)
	}
	close(release)
	if recv(t, cancelled, "the call to finish") {
		t.Error("the call was cancelled while a caller still waited on it")
	}
	if body := recv(t, second, "the second caller's answer"); string(body) != "v" {
		t.Errorf("second caller: %q, want v", body)
	}
	if body, res := c.Get(key("s")); res != Hit || string(body) != "v" {
		t.Errorf("entry after the call: %q %v, want v hit", body, res)
	}
}

// TestCallEndsAtItsDeadline: a waiter that never gives up does not keep a call
// alive past the flight deadline, cached or not; the call ends with the
// upstream's timeout, and the next request makes a new call.
func TestCallEndsAtItsDeadline(t *testing.T) {
	tests := []struct {
		name string
		c    *Cache
	}{
		{"cached", New(Options{Size: 10, SecretsTTL: time.Minute, FlightTimeout: time.Millisecond})},
		{"not cached", New(Options{Size: 0, FlightTimeout: time.Millisecond})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			started, ended := make(chan struct{}), make(chan error, 1)
			if _, _, err := tt.c.Fetch(context.Background(), key("s"), false, blockingLoad(started, ended)); !Transient(err) {
				t.Errorf("call past its deadline: %v, want the upstream's transient failure", err)
			}
			if err := <-ended; !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("call's context: %v, want its deadline exceeded", err)
			}
			if body, _, err := fetch(t, tt.c, key("s"), false, &counter{body: []byte("v")}); err != nil || string(body) != "v" {
				t.Errorf("next request: %q %v", body, err)
			}
		})
	}
}

// TestEveryCallHasADeadline: without a FlightTimeout, and without a cache at
// all, a call still runs under DefaultFlightTimeout.
func TestEveryCallHasADeadline(t *testing.T) {
	for name, c := range map[string]*Cache{"default options": New(Options{Size: 10, SecretsTTL: time.Minute}), "nil cache": nil} {
		t.Run(name, func(t *testing.T) {
			_, _, err := c.Fetch(context.Background(), key("s"), false, func(ctx context.Context) (Answer, error) {
				deadline, ok := ctx.Deadline()
				if !ok || time.Until(deadline) > DefaultFlightTimeout {
					return Answer{}, fmt.Errorf("call deadline %v (set %v), want at most %v away", deadline, ok, DefaultFlightTimeout)
				}
				return Answer{Body: []byte("v")}, nil
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
}

// waitFor polls cond until it holds; it fails only if cond never holds in a
// time far beyond any machine's slowness.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("gave up waiting: %s", what)
}

// recv takes one value from ch, failing the test if none ever comes.
func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(30 * time.Second):
		t.Fatalf("gave up waiting: %s", what)
		var zero T
		return zero
	}
}
