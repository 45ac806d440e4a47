package cache

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// transientErr is an upstream failure that may be answered from a stale entry.
type transientErr struct{ transient bool }

func (e transientErr) Error() string   { return "upstream failed" }
func (e transientErr) Transient() bool { return e.transient }

func key(id string) Key { return Key{Store: Secrets, Op: "GetSecretValue", ID: id} }

// counter is a Loader that counts its calls and returns body or err.
type counter struct {
	calls atomic.Int64
	body  []byte
	err   error
}

func (l *counter) load(context.Context) (Answer, error) {
	l.calls.Add(1)
	return Answer{Body: l.body}, l.err
}

func fetch(t *testing.T, c *Cache, k Key, refresh bool, l *counter) ([]byte, Result, error) {
	t.Helper()
	return c.Fetch(context.Background(), k, refresh, l.load)
}

func TestLRUEvictsLeastRecentlyUsed(t *testing.T) {
	c := New(Options{Size: 2, SecretsTTL: time.Hour})
	c.Put(key("a"), []byte("A"))
	c.Put(key("b"), []byte("B"))
	if _, res := c.Get(key("a")); res != Hit { // a is now the most recently used
		t.Fatalf("a: got %v, want hit", res)
	}
	c.Put(key("c"), []byte("C")) // evicts b, the least recently used
	for id, want := range map[string]Result{"a": Hit, "b": Miss, "c": Hit} {
		if _, res := c.Get(key(id)); res != want {
			t.Errorf("%s: got %v, want %v", id, res, want)
		}
	}
	if c.Len() != 2 {
		t.Errorf("Len = %d, want 2", c.Len())
	}
}

func TestTTLPerStoreWithInjectedClock(t *testing.T) {
	clock := newClock()
	c := New(Options{Size: 10, SecretsTTL: time.Minute, ParametersTTL: 10 * time.Minute, Now: clock.Now})
	sec := key("s")
	par := Key{Store: Parameters, Op: "GetParameter", ID: "/p"}
	c.Put(sec, []byte("S"))
	c.Put(par, []byte("P"))

	clock.Advance(59 * time.Second)
	if _, res := c.Get(sec); res != Hit {
		t.Errorf("secret before TTL: %v, want hit", res)
	}
	clock.Advance(time.Second)
	if _, res := c.Get(sec); res != Miss {
		t.Errorf("secret at TTL: %v, want miss (no stale window)", res)
	}
	if _, res := c.Get(par); res != Hit {
		t.Errorf("parameter within its own TTL: %v, want hit", res)
	}
	l := &counter{body: []byte("S2")}
	body, res, err := fetch(t, c, sec, false, l)
	if err != nil || res != Miss || string(body) != "S2" || l.calls.Load() != 1 {
		t.Errorf("expired fetch: %q %v %v calls=%d, want S2 miss one call", body, res, err, l.calls.Load())
	}
}

func TestStaleIfError(t *testing.T) {
	tests := []struct {
		name     string
		age      time.Duration
		err      error
		wantBody string
		wantRes  Result
		wantErr  bool
	}{
		{name: "transient inside window serves stale", age: 90 * time.Second, err: transientErr{true}, wantBody: "old", wantRes: Stale},
		{name: "transient past window fails", age: 3 * time.Minute, err: transientErr{true}, wantErr: true},
		{name: "non-transient never serves stale", age: 90 * time.Second, err: transientErr{false}, wantErr: true},
		{name: "plain error is not transient", age: 90 * time.Second, err: errors.New("not found"), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newClock()
			c := New(Options{Size: 10, SecretsTTL: time.Minute, StaleIfError: time.Minute, Now: clock.Now})
			c.Put(key("s"), []byte("old"))
			clock.Advance(tt.age)
			body, res, err := fetch(t, c, key("s"), false, &counter{err: tt.err})
			if tt.wantErr {
				if err == nil {
					t.Fatalf("got %q %v, want an error", body, res)
				}
				return
			}
			if err != nil || res != tt.wantRes || string(body) != tt.wantBody {
				t.Fatalf("got %q %v %v, want %q %v", body, res, err, tt.wantBody, tt.wantRes)
			}
		})
	}
}

// TestRefreshNeverServesStale: a refresh that fails transiently answers the
// failure, whether the entry is fresh or inside its stale window, and leaves
// the entry for plain reads.
func TestRefreshNeverServesStale(t *testing.T) {
	for _, tt := range []struct {
		name  string
		age   time.Duration
		plain Result // what a plain Get finds afterwards
	}{
		{"entry fresh", 0, Hit},
		{"entry inside the stale window", 90 * time.Second, Stale},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clock := newClock()
			c := New(Options{Size: 10, SecretsTTL: time.Minute, StaleIfError: time.Minute, Now: clock.Now})
			c.Put(key("s"), []byte("old"))
			clock.Advance(tt.age)
			body, res, err := fetch(t, c, key("s"), true, &counter{err: transientErr{true}})
			if !Transient(err) || body != nil {
				t.Errorf("refresh under a transient failure: %q %v %v, want the failure", body, res, err)
			}
			if got, res := c.Get(key("s")); res != tt.plain || string(got) != "old" {
				t.Errorf("entry after the failed refresh: %q %v, want old %v", got, res, tt.plain)
			}
		})
	}
}

func TestFetchHitMakesNoUpstreamCall(t *testing.T) {
	c := New(Options{Size: 10, SecretsTTL: time.Minute})
	l := &counter{body: []byte("v")}
	for i, want := range []Result{Miss, Hit, Hit} {
		if _, res, err := fetch(t, c, key("s"), false, l); err != nil || res != want {
			t.Fatalf("fetch %d: %v %v, want %v", i, res, err, want)
		}
	}
	if n := l.calls.Load(); n != 1 {
		t.Errorf("upstream calls = %d, want 1", n)
	}
}

func TestRefreshReplacesEntry(t *testing.T) {
	c := New(Options{Size: 10, SecretsTTL: time.Minute})
	c.Put(key("s"), []byte("old"))
	body, res, err := fetch(t, c, key("s"), true, &counter{body: []byte("new")})
	if err != nil || res != Miss || string(body) != "new" {
		t.Fatalf("refresh: %q %v %v, want new miss", body, res, err)
	}
	if got, res := c.Get(key("s")); res != Hit || string(got) != "new" {
		t.Errorf("after refresh: %q %v, want new hit", got, res)
	}
}

func TestDisabledCachesAlwaysLoad(t *testing.T) {
	tests := []struct {
		name string
		c    *Cache
		k    Key
	}{
		{name: "nil cache", c: nil, k: key("s")},
		{name: "size 0", c: New(Options{Size: 0, SecretsTTL: time.Minute}), k: key("s")},
		{name: "secrets TTL 0", c: New(Options{Size: 10, SecretsTTL: 0, ParametersTTL: time.Minute}), k: key("s")},
		{name: "parameters TTL 0", c: New(Options{Size: 10, SecretsTTL: time.Minute}), k: Key{Store: Parameters, ID: "/p"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := &counter{body: []byte("v")}
			for range 3 {
				if _, res, err := fetch(t, tt.c, tt.k, false, l); err != nil || res != Miss {
					t.Fatalf("fetch: %v %v, want miss", res, err)
				}
			}
			if n := l.calls.Load(); n != 3 {
				t.Errorf("upstream calls = %d, want 3", n)
			}
			if tt.c.Len() != 0 {
				t.Errorf("Len = %d, want 0", tt.c.Len())
			}
		})
	}
}

func TestKeysDistinguishFullRequest(t *testing.T) {
	c := New(Options{Size: 10, SecretsTTL: time.Minute, ParametersTTL: time.Minute})
	base := Key{Store: Parameters, Op: "GetParameter", ID: "/p"}
	c.Put(base, []byte("x"))
	variants := []Key{
		{Store: Parameters, Op: "GetParameter", ID: "/p", Decrypt: true},
		{Store: Parameters, Op: "GetParametersByPath", ID: "/p"},
		{Store: Parameters, Op: "GetParametersByPath", ID: "/p", Recursive: true},
		{Store: Parameters, Op: "GetParameter", ID: "/p:1"},
		{Store: Secrets, Op: "GetParameter", ID: "/p"},
		{Store: Parameters, Op: "GetParameter", ID: "/p", Selector: "x"},
		{Store: Parameters, Op: "GetParameter", ID: "/p", Role: "arn:aws:iam::222233334444:role/reader"},
	}
	for _, k := range variants {
		if _, res := c.Get(k); res != Miss {
			t.Errorf("%+v shares an entry with %+v", k, base)
		}
	}
}

func TestFlightKeysAreUnambiguous(t *testing.T) {
	keys := []Key{
		{Store: Secrets, Op: "GetSecretValue", ID: "a\x00versionId=b"},
		{Store: Secrets, Op: "GetSecretValue", ID: "a", Selector: "versionId=b"},
		{Store: Secrets, Op: "GetSecretValue", ID: "a:1", Selector: ""},
		{Store: Secrets, Op: "GetSecretValue", ID: "a", Selector: "1:"},
		{Store: Parameters, Op: "GetSecretValue", ID: "a"},
		{Store: Secrets, Op: "GetSecretValue", ID: "a", Decrypt: true},
		{Store: Secrets, Op: "GetSecretValue", ID: "a", Recursive: true},
		{Store: Secrets, Op: "GetSecretValue", ID: "a", Role: "r"},
		{Store: Secrets, Op: "GetSecretValue", ID: "a", Selector: "1:r"},
	}
	seen := map[string]Key{}
	for _, k := range keys {
		fk := k.flightKey()
		if other, dup := seen[fk]; dup {
			t.Errorf("%+v and %+v share flight key %q", k, other, fk)
		}
		seen[fk] = k
	}
}

func TestByteBudgetBoundsMemory(t *testing.T) {
	c := New(Options{Size: 100, SecretsTTL: time.Hour, MaxBytes: 10})
	c.Put(key("a"), []byte("aaaa"))
	c.Put(key("b"), []byte("bbbb"))
	c.Put(key("a"), []byte("AAA")) // a replacement is accounted once: 3 + 4 bytes held
	if c.Len() != 2 || c.bytes != 7 {
		t.Fatalf("after replacing a: Len %d, bytes %d; want 2 and 7", c.Len(), c.bytes)
	}
	c.Put(key("c"), []byte("cccc")) // 11 bytes: b, the least recently used, goes
	for id, want := range map[string]Result{"a": Hit, "b": Miss, "c": Hit} {
		if _, res := c.Get(key(id)); res != want {
			t.Errorf("%s: got %v, want %v", id, res, want)
		}
	}
	c.Put(key("a"), []byte("far too big for the budget"))
	if _, res := c.Get(key("a")); res != Miss {
		t.Errorf("oversized body: got %v, want miss (not stored, old entry dropped)", res)
	}
	if c.Len() != 1 || c.bytes != 4 {
		t.Errorf("after oversized put: Len %d, bytes %d; want 1 and 4", c.Len(), c.bytes)
	}
	// An oversized answer is still served, just fetched again next time.
	l := &counter{body: []byte("also far too big for the budget")}
	for range 2 {
		if body, res, err := fetch(t, c, key("big"), false, l); err != nil || res != Miss || string(body) != string(l.body) {
			t.Fatalf("oversized fetch: %q %v %v", body, res, err)
		}
	}
	if n := l.calls.Load(); n != 2 {
		t.Errorf("upstream calls = %d, want 2", n)
	}
}

func TestDefinitiveErrorDropsEntry(t *testing.T) {
	c := New(Options{Size: 10, SecretsTTL: time.Minute, StaleIfError: time.Minute})
	c.Put(key("s"), []byte("old"))
	if _, _, err := fetch(t, c, key("s"), true, &counter{err: transientErr{false}}); err == nil {
		t.Fatal("refresh with a definitive error succeeded")
	}
	// The secret is gone upstream: the old value must not come back as a hit.
	if body, res := c.Get(key("s")); res != Miss {
		t.Errorf("after definitive error: %q %v, want miss", body, res)
	}
}
