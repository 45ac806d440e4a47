package cache

import (
	"context"
	"errors"
)

// Loader fetches an answer from the upstream. The context it receives is not
// the requesting client's: a call may be shared by several requests, so it is
// cancelled only when the last of them has gone, or at the flight deadline
// (Options.FlightTimeout). A Loader must return when its context ends.
type Loader func(ctx context.Context) (Answer, error)

// Answer is what one upstream call returned: the body for the key it was made
// for and, in Also, the bodies it holds for other keys (each value of a batch,
// a String parameter under the other decryption flag). The cache stores them
// all as answers asked for when the call started, so an Also entry from a slow
// call never replaces one a later call stored.
type Answer struct {
	Body []byte
	Also []Entry
}

// Entry is one more key's body in an Answer.
type Entry struct {
	Key  Key
	Body []byte
}

// Fetch returns the response for k: from a fresh entry when there is one (and
// refresh is false), otherwise from load, which runs at most once at a time per
// key however many requests miss together. A successful load replaces the entry.
// When load fails with a transient error (see Transient) and an entry is still
// inside its stale-if-error window, that entry is returned with Stale and no
// error — except to a refresh, which always gets the upstream's error.
// Any other failure is a definitive answer (the secret was deleted, access was
// revoked) and drops the entry, so that a later request does not get the old
// value as a hit. refresh skips the fresh-entry check and so always reaches the
// upstream.
//
// A request whose ctx ends stops waiting and gets ctx's error. The call goes on
// for the requests still waiting on it; once none is left it is cancelled, and
// the next request for k makes a new call: an upstream that never answers holds
// a key (and an upstream connection) only while someone waits for it.
func (c *Cache) Fetch(ctx context.Context, k Key, refresh bool, load Loader) ([]byte, Result, error) {
	if !c.enabled(k.Store) {
		// Not shared: the request's own context ends the call, and the
		// flight deadline bounds it all the same.
		lctx, cancel := context.WithTimeout(ctx, c.flightTimeout())
		defer cancel()
		a, err := load(lctx)
		if err != nil {
			return nil, Miss, err
		}
		if c != nil {
			c.store(k, a, c.seq.Add(1)) // k's store is not cached; an Also entry's may be
		}
		return a.Body, Miss, nil
	}
	if !refresh {
		if body, ok := c.Hit(k, func() Loader { return load }); ok {
			return body, Hit, nil
		}
	}
	// A refresh never joins a plain flight: that flight's call may have started
	// before the refresh was asked for (before a rotation, say) and may even be
	// answering from the entry. Refreshes coalesce only with each other.
	fk := k.flightKey()
	if refresh {
		fk += "!refresh"
	}
	for {
		fr, err := c.flights.do(ctx, fk, c.flightTimeout(), func(fctx context.Context) (flightResult, error) {
			// Check again inside the flight, as groupcache's load does: between
			// this request's miss above and its joining the group, another
			// flight for the same key may have finished and stored a fresh
			// entry. Without this check, requests arriving just after a flight
			// ends would each start a new one.
			if !refresh {
				if body, res := c.Get(k); res == Hit {
					return flightResult{body: body, res: Hit}, nil
				}
			}
			return c.load(fctx, k, refresh, load)
		})
		if errors.Is(err, errUnanswered) {
			// The request joined a FetchAll whose answer held nothing for k:
			// it makes a call of its own.
			continue
		}
		if err != nil {
			return nil, Miss, err
		}
		return fr.body, fr.res, nil
	}
}

// load makes the upstream call for k inside a flight and stores its answer.
// The call's place in request order is taken before it starts: an answer
// asked for earlier must not replace one asked for later, even when it
// arrives last. A failure follows the rules in Fetch's comment.
func (c *Cache) load(fctx context.Context, k Key, refresh bool, load Loader) (flightResult, error) {
	seq := c.seq.Add(1)
	a, err := load(fctx)
	if err == nil {
		c.store(k, a, seq)
		return flightResult{body: a.Body, res: Miss}, nil
	}
	if errors.Is(fctx.Err(), context.Canceled) {
		// Every waiter has gone: the failure is the cancellation's, and
		// says nothing about the entry.
		return flightResult{}, err
	}
	if !Transient(err) {
		c.remove(k, seq)
		return flightResult{}, err
	}
	if refresh {
		// A refresh is asked for because the cached value is in doubt (a
		// database just refused the password, say): answering with that
		// value would pass it off as fresh.
		return flightResult{}, err
	}
	// The entry may still be fresh (a refresh-ahead failed) or only stale.
	if old, res := c.Get(k); res != Miss {
		return flightResult{body: old, res: res}, nil
	}
	return flightResult{}, err
}

// Waiting returns how many requests are waiting on the upstream call in
// progress for k (not counting refreshes), 0 when there is none: single flight
// made observable, for diagnostics and tests.
func (c *Cache) Waiting(k Key) int {
	if c == nil {
		return 0
	}
	return c.flights.waiting(k.flightKey())
}

// flightResult carries a body and its provenance out of a single flight.
type flightResult struct {
	body []byte
	res  Result
}

// Transient reports whether err is a passing upstream failure — throttling, a 5xx,
// a timeout, an unreachable endpoint — for which serving an expired entry beats
// failing. Errors say so by implementing Transient() bool (upstream.Error does);
// anything else, such as ResourceNotFound or AccessDenied, is not transient: the
// answer has changed, and a stale value must not hide that.
func Transient(err error) bool {
	var t interface{ Transient() bool }
	return errors.As(err, &t) && t.Transient()
}
