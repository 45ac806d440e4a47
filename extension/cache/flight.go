package cache

import (
	"context"
	"sync"
	"time"
)

// DefaultFlightTimeout bounds an upstream call when Options.FlightTimeout is 0.
// An answer from Secrets Manager or SSM takes milliseconds and the SDK gives up
// on a silent attempt long before this; the bound is there for an upstream
// that sends its headers and then stalls, waited on by a client that never
// gives up. It is also the bound when SECRETS_MANAGER_TIMEOUT_MILLIS and
// SSM_PARAMETER_STORE_TIMEOUT_MILLIS are 0 ("no timeout").
const DefaultFlightTimeout = 60 * time.Second

// flights coalesces concurrent loads of one key, as golang.org/x/sync's
// singleflight does, and adds what singleflight cannot: a call belongs to the
// requests waiting on it, and ends when the last of them has gone. With
// singleflight a call runs to completion under whatever context it captured,
// so a call the upstream never answers pins its key — every later request
// joins it — and holds one of the few upstream connections, for the life of
// the sandbox. Here, a waiter that gives up leaves; when none is left the
// call's context is cancelled and the key is free for a fresh call at once.
// Each call also has a deadline, for waiters that never give up.
type flights struct {
	mu    sync.Mutex
	calls map[string]*call // the call in progress per flight key
}

// call is one load in progress and, once done is closed, its result.
type call struct {
	done    chan struct{}
	val     flightResult
	err     error
	waiters int                // requests waiting on the call; guarded by flights.mu
	cancel  context.CancelFunc // ends the call's context
}

// do returns the result of fn for key, starting fn unless a call for key is
// already in progress, in which case it waits for that one. fn runs in its own
// goroutine under a context that carries ctx's values but not its
// cancellation — the call is every waiter's, not the first one's — and that
// ends after timeout or when no request waits any more. do returns ctx.Err()
// if ctx ends first.
func (g *flights) do(ctx context.Context, key string, timeout time.Duration, fn func(context.Context) (flightResult, error)) (flightResult, error) {
	g.mu.Lock()
	c := g.calls[key]
	if c == nil {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
		c = &call{done: make(chan struct{}), cancel: cancel}
		if g.calls == nil {
			g.calls = make(map[string]*call)
		}
		g.calls[key] = c
		go g.run(cctx, key, c, fn)
	}
	c.waiters++
	g.mu.Unlock()

	select {
	case <-c.done:
	case <-ctx.Done():
		// The call may have finished just as ctx ended; if not, this waiter
		// gives up — checked before leaving, because the last waiter's leaving
		// cancels the call, and that call's failure is not an answer to give.
		select {
		case <-c.done:
		default:
			g.leave(key, c)
			return flightResult{}, ctx.Err()
		}
	}
	g.leave(key, c)
	return c.val, c.err
}

// run executes fn and publishes its result. The key is forgotten before done
// is closed: a request arriving in between starts a new call, whose fn finds
// the entry this one stored (see Fetch).
func (g *flights) run(ctx context.Context, key string, c *call, fn func(context.Context) (flightResult, error)) {
	defer c.cancel()
	c.val, c.err = fn(ctx)
	g.mu.Lock()
	g.forget(key, c)
	g.mu.Unlock()
	close(c.done)
}

// leave records that one waiter has stopped waiting on c. The last one to
// leave an unfinished call cancels it, and forgets it so that the next request
// starts afresh instead of joining a call that is being torn down.
func (g *flights) leave(key string, c *call) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if c.waiters--; c.waiters > 0 {
		return
	}
	g.forget(key, c)
	c.cancel()
}

// forget drops key's call if it is still c; mu must be held.
func (g *flights) forget(key string, c *call) {
	if g.calls[key] == c {
		delete(g.calls, key)
	}
}

// waiting returns the number of requests waiting on key's call in progress.
func (g *flights) waiting(key string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	if c := g.calls[key]; c != nil {
		return c.waiters
	}
	return 0
}

// forgetAll detaches every call in progress: each goes on for the requests
// already waiting on it, and a new request starts a new call.
func (g *flights) forgetAll() {
	g.mu.Lock()
	defer g.mu.Unlock()
	clear(g.calls)
}

// detached starts fn as a call for key unless one is in progress, with a
// waiter of its own that leaves only when the call is done: no request's
// leaving ends it, only fn's return or the timeout. It reports whether it
// started one.
func (g *flights) detached(key string, timeout time.Duration, fn func(context.Context) (flightResult, error)) bool {
	g.mu.Lock()
	if g.calls[key] != nil {
		g.mu.Unlock()
		return false
	}
	cctx, cancel := context.WithTimeout(context.Background(), timeout)
	c := &call{done: make(chan struct{}), cancel: cancel, waiters: 1}
	if g.calls == nil {
		g.calls = make(map[string]*call)
	}
	g.calls[key] = c
	g.mu.Unlock()
	go func() {
		g.run(cctx, key, c, fn)
		g.leave(key, c)
	}()
	return true
}

// claim installs, for each key with no call in progress, a call that the
// caller makes itself and publishes with settle; it returns the calls, nil
// where a call was in progress already. Requests join a claimed call as any
// other; one that is left without waiters is forgotten, as any other, but
// nothing is cancelled: the caller's own context bounds its work.
func (g *flights) claim(keys []string) []*call {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.calls == nil {
		g.calls = make(map[string]*call)
	}
	out := make([]*call, len(keys))
	for i, key := range keys {
		if g.calls[key] != nil {
			continue
		}
		c := &call{done: make(chan struct{}), cancel: func() {}}
		g.calls[key] = c
		out[i] = c
	}
	return out
}

// settle publishes the result of a call from claim.
func (g *flights) settle(key string, c *call, val flightResult, err error) {
	c.val, c.err = val, err
	g.mu.Lock()
	g.forget(key, c)
	g.mu.Unlock()
	close(c.done)
}
