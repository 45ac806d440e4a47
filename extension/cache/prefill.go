package cache

import (
	"context"
	"errors"
)

// errUnanswered settles a claimed call (see FetchAll) whose upstream call
// answered nothing for the call's key; a request waiting on it makes a call of
// its own instead.
var errUnanswered = errors.New("cache: the shared call answered nothing for this key")

// FetchAll makes one upstream call, load, that answers several keys at once —
// in its Answer's Also; the Body is not stored — and stores its answer as a
// Fetch does, in request order. While it runs, a plain Fetch of one of keys
// that finds no fresh entry waits for it instead of making a call of its own,
// and takes its key's entry from it: a read during a function's init of a
// secret that the prefetch is fetching in a batch costs no second call. Keys
// that are fresh already, or whose own call is in progress, are not waited
// for, and no call is made when none is left.
//
// FetchAll returns the keys that were waited for and that the call answered
// nothing for (all of them when load fails), for the caller to fetch one by
// one, and load's error. The call runs under ctx, bounded by the flight
// deadline.
func (c *Cache) FetchAll(ctx context.Context, keys []Key, load Loader) ([]Key, error) {
	var pending []Key
	for _, k := range keys {
		if !c.enabled(k.Store) {
			continue
		}
		if _, ok := c.Hit(k, nil); !ok {
			pending = append(pending, k)
		}
	}
	fks := make([]string, len(pending))
	for i, k := range pending {
		fks[i] = k.flightKey()
	}
	calls := c.flights.claim(fks)
	var claimed []int
	for i, cl := range calls {
		if cl != nil {
			claimed = append(claimed, i)
		}
	}
	if len(claimed) == 0 {
		return nil, nil
	}
	lctx, cancel := context.WithTimeout(ctx, c.flightTimeout())
	defer cancel()
	seq := c.seq.Add(1)
	a, err := load(lctx)
	answered := map[Key][]byte{}
	if err == nil {
		c.storeAll(a.Also, seq)
		for _, e := range a.Also {
			answered[e.Key] = e.Body
		}
	}
	var missing []Key
	for _, i := range claimed {
		k := pending[i]
		if body, ok := answered[k]; ok {
			c.flights.settle(fks[i], calls[i], flightResult{body: body, res: Miss}, nil)
			continue
		}
		c.flights.settle(fks[i], calls[i], flightResult{}, errUnanswered)
		missing = append(missing, k)
	}
	return missing, err
}
