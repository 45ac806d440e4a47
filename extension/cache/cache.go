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
// costs one map lookup under a mutex and no rendering. A read in the last tenth of
// an entry's TTL refreshes it in the background (ahead.go); FetchAll makes one call
// for several keys that single fetches of them wait on (prefill.go); Paused and
// Resume keep nothing from before a SnapStart snapshot.
package cache

import (
	"math"
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
	// Paused makes the cache keep nothing until Resume: requests are still
	// answered, and concurrent misses still share one call, but no answer is
	// stored. Under SnapStart the cache is paused until the first invoke after
	// a restore, so that nothing fetched before the snapshot is ever served.
	Paused bool
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
	ahead   bool   // a refresh-ahead was started for it; guarded by Cache.mu
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
	lru      *simplelru.LRU[Key, *entry] // nil when Size is 0
	bytes    int64                       // total body bytes held; guarded by mu
	maxBytes int64
	// floor is the seq at or below which no answer is stored: Resume sets it
	// so that answers asked for before it are not kept; guarded by mu.
	floor uint64

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
	if opts.Paused {
		c.floor = math.MaxUint64
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.maxBytes <= 0 {
		c.maxBytes = DefaultMaxBytes
	}
	if opts.Size > 0 {
		// NewLRU fails only for a non-positive size, excluded above. The
		// eviction callback runs inside lru calls, which all hold mu.
		c.lru, _ = simplelru.NewLRU(opts.Size, func(_ Key, e *entry) { c.bytes -= int64(len(e.body)) })
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
	c.storeAll(a.Also, seq)
}

// storeAll writes entries as answers asked for at seq.
func (c *Cache) storeAll(entries []Entry, seq uint64) {
	for _, e := range entries {
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
	if seq <= c.floor {
		return // asked for before Resume (or while paused)
	}
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
	c.lru.Add(k, &entry{body: body, fetched: now, seq: seq})
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

// Resume drops every entry and every answer still on its way, and from then
// on keeps what is fetched (see Options.Paused; it works on a cache that was
// not paused too). A call already in progress is left to the requests
// waiting on it, but nothing it answers is stored, and a request arriving
// after Resume starts a call of its own rather than joining one that was
// asked for before.
func (c *Cache) Resume() {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.floor = c.seq.Load()
	if c.lru != nil {
		c.lru.Purge()
	}
	c.mu.Unlock()
	c.flights.forgetAll()
}
