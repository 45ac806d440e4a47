package cache

import "context"

// Refresh-ahead: a steady reader of an entry never waits for its expiry. A
// read in the last tenth of a fresh entry's time to live is answered from the
// entry at once, and starts one background call that replaces it.
//
// The background call is a flight like any other, under the entry's plain
// flight key: a request that finds the entry expired while the call runs
// joins it rather than making a second one. It has one waiter of its own that
// stays until the call is done, so it ends only when the upstream answers or
// at the flight deadline — not when the request that started it, or any
// request that joined it, goes away (a flight otherwise ends with its last
// waiter). It stores through the same ordered path as every call (load), and
// its failures follow the same rules: a definitive answer (the secret was
// deleted) drops the entry; a transient one leaves the entry to expire, after
// which the stale-if-error window applies as usual. Each entry starts at most
// one, and none while a call for its key is in progress, so refreshes never
// pile up: not behind a hung upstream, not when many requests read in the
// window at once, not after a failure.

// aheadFraction is the share of the time to live, at its end, in which a read
// starts a refresh-ahead: the last tenth.
const aheadFraction = 10

// Hit returns the body of k's fresh entry, and whether there was one. When
// the entry has entered the last tenth of its time to live, the first such
// read starts a background refresh with the loader mk returns (mk is called
// only then, so a hit builds nothing).
func (c *Cache) Hit(k Key, mk func() Loader) ([]byte, bool) {
	if !c.enabled(k.Store) {
		return nil, false
	}
	now := c.now()
	ttl := c.ttl(k.Store)
	c.mu.Lock()
	e, ok := c.lru.Get(k)
	if !ok {
		c.mu.Unlock()
		return nil, false
	}
	age := now.Sub(e.fetched)
	if age >= ttl {
		c.mu.Unlock()
		return nil, false
	}
	due := mk != nil && !e.ahead && age >= ttl-ttl/aheadFraction
	if due {
		e.ahead = true
	}
	body := e.body
	c.mu.Unlock()
	if due {
		c.refreshAhead(k, mk())
	}
	return body, true
}

// refreshAhead starts the background call for k unless one is in progress.
func (c *Cache) refreshAhead(k Key, load Loader) {
	c.flights.detached(k.flightKey(), c.flightTimeout(), func(ctx context.Context) (flightResult, error) {
		return c.load(ctx, k, false, load)
	})
}
