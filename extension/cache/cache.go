// Package cache is the extension's response cache: a size-bounded LRU of rendered
// response bodies with a time to live per store, a stale-if-error window, and a
// single-flight group so that concurrent misses on one key make one upstream call.
//
// Eviction order comes from a well-kept library, github.com/hashicorp/golang-lru/v2
// (simplelru), and this package keeps the policy: which entries are fresh, which
// may still be served when the upstream fails, and what the key is. The shape
// follows golang/groupcache: an LRU that is not safe for concurrent use, one mutex
// around it, and a flight group beside it. The flight group is this package's own
// (flight.go) rather than golang.org/x/sync/singleflight, because a call must end
// when no request waits for it any more, which singleflight cannot do.
//
// A *Cache stores response bytes exactly as the HTTP server writes them, so a hit
// costs one map lookup under a mutex and no rendering.
package cache

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// Options configure a Cache.
type Options struct {
	// Size is the maximum number of entries; 0 (or less) disables the cache.
	Size int
	// SecretsTTL and ParametersTTL are how long an entry of each store is fresh;
	// 0 disables caching for that store.
	SecretsTTL, ParametersTTL time.Duration
	// StaleIfError is how long after expiry an entry may still be served when the
	// upstream fails with a transient error.
	StaleIfError time.Duration
	// MaxBytes bounds the total size of the cached bodies; 0 means
	// DefaultMaxBytes. Size alone does not bound memory: one get-by-path or
	// batch-get body can be megabytes.
	MaxBytes int64
	// FlightTimeout bounds every upstream call the cache makes, shared or not;
	// 0 means DefaultFlightTimeout. A call also ends as soon as no request
	// waits for it.
	FlightTimeout time.Duration
	// Now is the clock; nil means time.Now. Tests inject a fake one.
	Now func() time.Time
}

// DefaultMaxBytes is the body budget when Options.MaxBytes is 0: room for the
// default 1000 entries at 32 KiB each, while a function with Lambda's smallest
// memory setting (128 MB) keeps most of its memory. When the budget is full the
// least recently used entries go first; a body larger than the whole budget is
// served but not cached.
const DefaultMaxBytes = 32 << 20

// entry is one cached response and when it was fetched.
type entry struct {
	body    []byte
	fetched time.Time
	seq     uint64 // when the answer was asked for; see Cache.seq
}

// Cache is a concurrency-safe LRU of response bodies. A nil *Cache is valid and
// caches nothing, which is what the server is given when caching is disabled.
type Cache struct {
	opts Options
	now  func() time.Time

	// mu guards lru. simplelru documents itself as not safe for concurrent use, and
	// even a Get mutates it (it moves the entry to the front), so a plain Mutex —
	// not an RWMutex — is the right lock. Keeping the lock here instead of using
	// golang-lru's locked Cache lets one critical section both read an entry and
	// drop it when it is past any use, without a second lock round trip.
	mu       sync.Mutex
	lru      *simplelru.LRU[Key, entry] // nil when Size is 0
	bytes    int64                      // total body bytes held; guarded by mu
	maxBytes int64

	// seq orders answers by when they were asked for. Two flights for one key
	// can overlap (a refresh does not join a plain flight), and the one that
	// started first may finish last: its older answer must not replace the
	// newer one.
	seq atomic.Uint64

	flights flights
}

// New returns a cache configured by opts. A Size of 0 or less yields a cache that
// stores nothing (every Fetch goes upstream).
func New(opts Options) *Cache {
	c := &Cache{opts: opts, now: opts.Now, maxBytes: opts.MaxBytes}
	if c.now == nil {
		c.now = time.Now
	}
	if c.maxBytes <= 0 {
		c.maxBytes = DefaultMaxBytes
	}
	if opts.Size > 0 {
		// NewLRU fails only for a non-positive size, excluded above. The
		// eviction callback runs inside lru calls, which all hold mu.
		c.lru, _ = simplelru.NewLRU(opts.Size, func(_ Key, e entry) { c.bytes -= int64(len(e.body)) })
	}
	return c
}

// ttl is the freshness period of a store's entries; 0 means "do not cache".
func (c *Cache) ttl(s Store) time.Duration {
	if s == Parameters {
		return c.opts.ParametersTTL
	}
	return c.opts.SecretsTTL
}

// flightTimeout is the longest an upstream call may run.
func (c *Cache) flightTimeout() time.Duration {
	if c == nil || c.opts.FlightTimeout <= 0 {
		return DefaultFlightTimeout
	}
	return c.opts.FlightTimeout
}

// Enabled reports whether entries of store s are cached at all: false for a nil
// cache, a Size of 0, or a store whose TTL is 0.
func (c *Cache) Enabled(s Store) bool { return c.enabled(s) }

func (c *Cache) enabled(s Store) bool {
	return c != nil && c.lru != nil && c.ttl(s) > 0
}

// Get looks k up. It returns Hit with the body for a fresh entry, Stale with the
// body for an expired entry still inside the stale-if-error window (usable only
// when the upstream fails transiently), and Miss otherwise.
func (c *Cache) Get(k Key) ([]byte, Result) {
	if !c.enabled(k.Store) {
		return nil, Miss
	}
	now := c.now()
	ttl := c.ttl(k.Store)
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.lru.Get(k)
	if !ok {
		return nil, Miss
	}
	age := now.Sub(e.fetched)
	switch {
	case age < ttl:
		return e.body, Hit
	case age < ttl+c.opts.StaleIfError:
		return e.body, Stale
	default:
		// Past any use: free the slot now rather than wait for LRU eviction.
		c.lru.Remove(k)
		return nil, Miss
	}
}

// Put stores body under k as an answer asked for now, replacing any entry,
// and evicts the least recently used entries until the bodies fit in the byte
// budget. A body larger than the whole budget is not stored, and the entry it
// would replace is dropped (it is outdated). Put does nothing when the store is
// not cached.
func (c *Cache) Put(k Key, body []byte) {
	if c.enabled(k.Store) {
		c.put(k, body, c.seq.Add(1))
	}
}

// store writes everything one upstream call answered — the body for k and
// every Also entry — under the call's seq. Every write of a fetched answer goes
// through here, so each key's entry only ever moves to a newer answer.
func (c *Cache) store(k Key, a Answer, seq uint64) {
	c.put(k, a.Body, seq)
	for _, e := range a.Also {
		c.put(e.Key, e.Body, seq)
	}
}

// put stores body under k unless the entry holds an answer asked for after
// seq; it does nothing when k's store is not cached.
func (c *Cache) put(k Key, body []byte, seq uint64) {
	if !c.enabled(k.Store) {
		return
	}
	now := c.now()
	size := int64(len(body))
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.lru.Peek(k); ok && old.seq > seq {
		return
	}
	if size > c.maxBytes {
		c.lru.Remove(k)
		return
	}
	// Replacing a key does not run the eviction callback: account for the old
	// body here.
	if old, ok := c.lru.Peek(k); ok {
		c.bytes -= int64(len(old.body))
	}
	c.lru.Add(k, entry{body: body, fetched: now, seq: seq})
	c.bytes += size
	// k is the newest entry and fits on its own, so this stops before reaching it.
	for c.bytes > c.maxBytes {
		c.lru.RemoveOldest()
	}
}

// remove drops k's entry unless it holds an answer asked for after seq.
func (c *Cache) remove(k Key, seq uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.lru.Peek(k); ok && old.seq <= seq {
		c.lru.Remove(k)
	}
}

// Len returns the number of entries held, fresh or not.
func (c *Cache) Len() int {
	if c == nil || c.lru == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}

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
		if body, res := c.Get(k); res == Hit {
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
	fr, err := c.flights.do(ctx, fk, c.flightTimeout(), func(fctx context.Context) (flightResult, error) {
		// Check again inside the flight, as groupcache's load does: between this
		// request's miss above and its joining the group, another flight for the
		// same key may have finished and stored a fresh entry. Without this check,
		// requests arriving just after a flight ends would each start a new one.
		if !refresh {
			if body, res := c.Get(k); res == Hit {
				return flightResult{body: body, res: Hit}, nil
			}
		}
		// The call's place in request order is taken before it starts: an
		// answer asked for earlier must not replace one asked for later, even
		// when it arrives last.
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
		if old, res := c.Get(k); res != Miss {
			return flightResult{body: old, res: Stale}, nil
		}
		return flightResult{}, err
	})
	if err != nil {
		return nil, Miss, err
	}
	return fr.body, fr.res, nil
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
