package clock

import (
	"errors"
	"testing"
	"time"
)

func TestAdvanceMovesForwardOnly(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := New(func() time.Time { return base })
	if got := c.Now(); !got.Equal(base) {
		t.Fatalf("Now = %v, want %v", got, base)
	}
	now, err := c.Advance(720 * time.Hour)
	if err != nil || !now.Equal(base.Add(720*time.Hour)) || !c.Now().Equal(now) {
		t.Fatalf("Advance(720h) = %v, %v; Now = %v", now, err, c.Now())
	}
	if _, err := c.Advance(-time.Second); !errors.Is(err, ErrBackwards) {
		t.Fatalf("Advance(-1s) = %v, want ErrBackwards", err)
	}
	if c.Offset() != 720*time.Hour {
		t.Errorf("offset after a refused move = %v", c.Offset())
	}
}

func TestNowIsUTC(t *testing.T) {
	t.Parallel()
	c := New(func() time.Time { return time.Date(2026, 1, 1, 12, 0, 0, 0, time.FixedZone("x", 3600)) })
	if c.Now().Location() != time.UTC {
		t.Errorf("Now is in %v, want UTC", c.Now().Location())
	}
}
