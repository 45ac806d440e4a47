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

// heldLoader is an upstream whose answers the test releases: each call
// signals started, then waits for release (or its context) and answers body.
type heldLoader struct {
	calls   atomic.Int64
	started chan struct{} // one value per call
	release chan struct{}
	body    string
	err     error
	ctxErr  chan error // the call's context error when it ended that way
}

func newHeld(body string) *heldLoader {
	return &heldLoader{started: make(chan struct{}, 100), release: make(chan struct{}), body: body, ctxErr: make(chan error, 100)}
}

func (l *heldLoader) load(ctx context.Context) (Answer, error) {
	l.calls.Add(1)
	l.started <- struct{}{}
	select {
	case <-l.release:
		return Answer{Body: []byte(l.body)}, l.err
	case <-ctx.Done():
		l.ctxErr <- ctx.Err()
		return Answer{}, ctx.Err()
	}
}

func loaderOf(l func(context.Context) (Answer, error)) func() Loader {
	return func() Loader { return l }
}

// waitIdle waits until no call is in progress for k.
func waitIdle(t *testing.T, c *Cache, k Key) {
	t.Helper()
	waitFor(t, "the call for "+k.ID+" to end", func() bool {
		c.flights.mu.Lock()
		defer c.flights.mu.Unlock()
		return c.flights.calls[k.flightKey()] == nil
	})
}

// TestRefreshAheadInTheLastTenth: before the last tenth of the TTL a read is
// a plain hit; the first read inside it is answered from the entry at once
// and starts one background call, whose answer replaces the entry.
func TestRefreshAheadInTheLastTenth(t *testing.T) {
	clock := newClock()
	c := New(Options{Size: 10, SecretsTTL: 100 * time.Second, Now: clock.Now})
	c.Put(key("s"), []byte("old"))
	l := newHeld("new")

	clock.Advance(89 * time.Second)
	if body, ok := c.Hit(key("s"), loaderOf(l.load)); !ok || string(body) != "old" {
		t.Fatalf("read at 89%% of the TTL: %q %v", body, ok)
	}
	if n := l.calls.Load(); n != 0 {
		t.Fatalf("a read before the last tenth made %d calls", n)
	}
	clock.Advance(time.Second)
	if body, ok := c.Hit(key("s"), loaderOf(l.load)); !ok || string(body) != "old" {
		t.Fatalf("read at 90%% of the TTL: %q %v, want the entry at once", body, ok)
	}
	recv(t, l.started, "the refresh-ahead call to start")
	// More reads while it runs: answered from the entry, no second call.
	for range 50 {
		if body, ok := c.Hit(key("s"), loaderOf(l.load)); !ok || string(body) != "old" {
			t.Fatalf("read during the refresh: %q %v", body, ok)
		}
	}
	close(l.release)
	waitIdle(t, c, key("s"))
	if n := l.calls.Load(); n != 1 {
		t.Errorf("upstream calls = %d, want 1", n)
	}
	if body, res := c.Get(key("s")); res != Hit || string(body) != "new" {
		t.Errorf("entry after the refresh: %q %v, want new", body, res)
	}
	// The new entry is fresh for a full TTL from when it was stored.
	clock.Advance(89 * time.Second)
	if _, ok := c.Hit(key("s"), loaderOf(l.load)); !ok || l.calls.Load() != 1 {
		t.Errorf("read early in the new entry's life: hit %v, calls %d", ok, l.calls.Load())
	}
}

// TestRefreshAheadOutlivesItsReaders: the request that started it is not a
// waiter, and a request that joined it (its entry having expired meanwhile)
// leaving does not cancel it either: it ends with the upstream's answer.
func TestRefreshAheadOutlivesItsReaders(t *testing.T) {
	clock := newClock()
	c := New(Options{Size: 10, SecretsTTL: 100 * time.Second, Now: clock.Now})
	c.Put(key("s"), []byte("old"))
	l := newHeld("new")
	clock.Advance(95 * time.Second)
	c.Hit(key("s"), loaderOf(l.load))
	recv(t, l.started, "the refresh-ahead call to start")

	clock.Advance(10 * time.Second) // the entry expires while the call runs
	ctx, giveUp := context.WithCancel(context.Background())
	joined := make(chan error, 1)
	other := &counter{body: []byte("other")}
	go func() {
		_, _, err := c.Fetch(ctx, key("s"), false, other.load)
		joined <- err
	}()
	waitFor(t, "the expired read to join the refresh", func() bool { return c.Waiting(key("s")) == 2 })
	giveUp()
	if err := recv(t, joined, "the reader to give up"); !errors.Is(err, context.Canceled) {
		t.Fatalf("reader that gave up: %v", err)
	}
	close(l.release)
	waitIdle(t, c, key("s"))
	select {
	case err := <-l.ctxErr:
		t.Fatalf("the refresh-ahead was cancelled: %v", err)
	default:
	}
	if body, res := c.Get(key("s")); res != Hit || string(body) != "new" {
		t.Errorf("entry: %q %v, want the refresh's answer", body, res)
	}
	if n := other.calls.Load(); n != 0 {
		t.Errorf("the joined reader made %d calls of its own", n)
	}
}

// TestRefreshAheadFailures: a transient failure leaves the entry to expire,
// with no retry on the next reads (no pile-up behind a failing upstream); a
// definitive one drops the entry.
func TestRefreshAheadFailures(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		wantEntry bool
	}{
		{"transient", transientErr{true}, true},
		{"definitive", transientErr{false}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newClock()
			c := New(Options{Size: 10, SecretsTTL: 100 * time.Second, StaleIfError: time.Minute, Now: clock.Now})
			c.Put(key("s"), []byte("old"))
			l := &counter{err: tt.err}
			clock.Advance(91 * time.Second)
			c.Hit(key("s"), loaderOf(l.load))
			waitIdle(t, c, key("s"))
			for range 20 {
				clock.Advance(100 * time.Millisecond)
				c.Hit(key("s"), loaderOf(l.load))
			}
			waitIdle(t, c, key("s"))
			if n := l.calls.Load(); n != 1 {
				t.Errorf("upstream calls = %d, want 1", n)
			}
			_, res := c.Get(key("s"))
			if got := res == Hit; got != tt.wantEntry {
				t.Errorf("entry kept = %v, want %v", got, tt.wantEntry)
			}
		})
	}
}

// TestRefreshAheadKeepsRequestOrder: a refresh-ahead that started before a
// refreshNow and answers after it does not replace the refreshed entry.
func TestRefreshAheadKeepsRequestOrder(t *testing.T) {
	clock := newClock()
	c := New(Options{Size: 10, SecretsTTL: 100 * time.Second, Now: clock.Now})
	c.Put(key("s"), []byte("old"))
	l := newHeld("before rotation")
	clock.Advance(95 * time.Second)
	c.Hit(key("s"), loaderOf(l.load))
	recv(t, l.started, "the refresh-ahead call to start")
	if body, _, err := fetch(t, c, key("s"), true, &counter{body: []byte("after rotation")}); err != nil || string(body) != "after rotation" {
		t.Fatalf("refreshNow: %q %v", body, err)
	}
	close(l.release)
	waitIdle(t, c, key("s"))
	if body, _ := c.Get(key("s")); string(body) != "after rotation" {
		t.Errorf("entry: %q, want the refreshNow's answer", body)
	}
}

// TestSteadyReaderNeverWaits reads every 10 ms of a fake clock for 5 TTLs,
// letting each background refresh finish before the clock moves on (so the
// test decides the order, not the scheduler): after the first read there is
// no miss, and at most one upstream call per TTL.
func TestSteadyReaderNeverWaits(t *testing.T) {
	const ttl = time.Second
	clock := newClock()
	c := New(Options{Size: 10, SecretsTTL: ttl, Now: clock.Now})
	var calls atomic.Int64
	load := func(context.Context) (Answer, error) {
		n := calls.Add(1)
		return Answer{Body: fmt.Appendf(nil, "v%d", n)}, nil
	}
	if _, res, err := c.Fetch(context.Background(), key("s"), false, load); err != nil || res != Miss {
		t.Fatalf("first read: %v %v", res, err)
	}
	misses := 0
	for elapsed := time.Duration(0); elapsed < 5*ttl; elapsed += 10 * time.Millisecond {
		clock.Advance(10 * time.Millisecond)
		if _, ok := c.Hit(key("s"), loaderOf(load)); !ok {
			misses++
			c.Fetch(context.Background(), key("s"), false, load)
		}
		waitIdle(t, c, key("s"))
	}
	if misses != 0 {
		t.Errorf("misses after the first read = %d, want 0", misses)
	}
	if n := calls.Load(); n > 1+5 {
		t.Errorf("upstream calls = %d over 5 TTLs, want at most 1 + 5", n)
	}
}

// TestFetchAllIsJoined: a Fetch of a key that a FetchAll is loading waits
// for it and takes its answer; a key the answer lacks is fetched on its own.
func TestFetchAllIsJoined(t *testing.T) {
	c := New(Options{Size: 10, SecretsTTL: time.Minute})
	c.Put(key("fresh"), []byte("F"))
	started, release := make(chan struct{}), make(chan struct{})
	var batchCalls atomic.Int64
	batch := func(context.Context) (Answer, error) {
		batchCalls.Add(1)
		close(started)
		<-release
		return Answer{Also: []Entry{{Key: key("a"), Body: []byte("A")}, {Key: key("b"), Body: []byte("B")}}}, nil
	}
	missing := make(chan []Key, 1)
	go func() {
		m, _ := c.FetchAll(context.Background(), []Key{key("a"), key("b"), key("gone"), key("fresh")}, batch)
		missing <- m
	}()
	<-started
	var wg sync.WaitGroup
	single := &counter{body: []byte("single")}
	got := make([]string, 3)
	for i, id := range []string{"a", "b", "gone"} {
		wg.Go(func() {
			body, _, _ := c.Fetch(context.Background(), key(id), false, single.load)
			got[i] = string(body)
		})
	}
	waitFor(t, "the reads to wait on the batch", func() bool {
		return c.Waiting(key("a")) == 1 && c.Waiting(key("b")) == 1 && c.Waiting(key("gone")) == 1
	})
	close(release)
	wg.Wait()
	if got[0] != "A" || got[1] != "B" || got[2] != "single" {
		t.Errorf("reads = %q, want A, B from the batch and single for the key it lacked", got)
	}
	if n := single.calls.Load(); n != 1 || batchCalls.Load() != 1 {
		t.Errorf("calls: batch %d, single %d; want 1 and 1", batchCalls.Load(), n)
	}
	if m := recv(t, missing, "FetchAll to return"); len(m) != 1 || m[0] != key("gone") {
		t.Errorf("missing = %v, want only gone", m)
	}
}

// TestPausedKeepsNothingUntilResume: a paused cache answers and coalesces
// but stores nothing; Resume keeps later answers, never one asked for before
// it, and a request after Resume does not join a call from before.
func TestPausedKeepsNothingUntilResume(t *testing.T) {
	c := New(Options{Size: 10, SecretsTTL: time.Minute, Paused: true})
	l := &counter{body: []byte("init")}
	if body, res, err := fetch(t, c, key("s"), false, l); err != nil || res != Miss || string(body) != "init" {
		t.Fatalf("read while paused: %q %v %v", body, res, err)
	}
	c.Put(key("p"), []byte("x"))
	if c.Len() != 0 {
		t.Fatalf("paused cache holds %d entries", c.Len())
	}

	before := newHeld("asked before resume")
	early := make(chan []byte, 1)
	go func() {
		body, _, _ := c.Fetch(context.Background(), key("s"), false, before.load)
		early <- body
	}()
	recv(t, before.started, "the call from before Resume to start")
	c.Resume()
	after := &counter{body: []byte("after resume")}
	if body, res, _ := fetch(t, c, key("s"), false, after); string(body) != "after resume" || res != Miss {
		t.Errorf("read after Resume: %q %v, want its own call", body, res)
	}
	close(before.release)
	if got := recv(t, early, "the early read"); string(got) != "asked before resume" {
		t.Errorf("early read: %q", got)
	}
	waitIdle(t, c, key("s"))
	if body, res := c.Get(key("s")); res != Hit || string(body) != "after resume" {
		t.Errorf("entry: %q %v, want only the answer asked for after Resume", body, res)
	}
}
