// Package clock is the time localaws runs on: the wall clock (or a base the
// embedding test chooses) plus an offset that only grows. Moving it forward
// is how a test lets a 30-day recovery window, a parameter's Expiration or a
// rotation schedule pass in a moment; everything in localaws that waits on
// time reads this clock, never time.Now.
package clock

import (
	"errors"
	"sync"
	"time"
)

// Clock is safe for concurrent use. Time never goes back: the offset only
// grows, so a deadline that has passed stays passed.
type Clock struct {
	base func() time.Time

	mu     sync.Mutex
	offset time.Duration
}

// New returns a clock reading base (time.Now when nil) plus nothing.
func New(base func() time.Time) *Clock {
	if base == nil {
		base = time.Now
	}
	return &Clock{base: base}
}

// Now is the current localaws time, in UTC.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	off := c.offset
	c.mu.Unlock()
	return c.base().Add(off).UTC()
}

// ErrBackwards is returned for a negative advance.
var ErrBackwards = errors.New("the clock only moves forward")

// Advance moves the clock forward by d and returns the new time.
func (c *Clock) Advance(d time.Duration) (time.Time, error) {
	if d < 0 {
		return time.Time{}, ErrBackwards
	}
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
	return c.Now(), nil
}

// Offset is how far the clock has been moved past its base.
func (c *Clock) Offset() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.offset
}
