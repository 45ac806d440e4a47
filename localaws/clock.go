package localaws

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/paramsecrets/paramsecrets/localaws/internal/eventlog"
)

// Everything in localaws that waits on time follows one clock: recovery
// windows, version retention, parameter policies and rotation schedules.
// Moving it forward runs, at once, what AWS would have done in the
// background during that time.

// Now is localaws's current time.
func (s *Server) Now() time.Time { return s.clock.Now() }

// AdvanceClock moves localaws's clock forward by d (negative is an error:
// time never goes back) and does at once what the time passed would have
// caused: expired secrets and parameters are gone, parameter-policy events
// recorded, and due rotations started. Rotations run in the background, as
// on AWS; Settle waits for them. It returns the new time and the ARNs of the
// secrets whose scheduled rotation started.
func (s *Server) AdvanceClock(d time.Duration) (time.Time, []string, error) {
	now, err := s.clock.Advance(d)
	if err != nil {
		return time.Time{}, nil, err
	}
	return now, s.tick(), nil
}

// Settle waits until the scheduled rotations started so far have finished,
// or ctx is done.
func (s *Server) Settle(ctx context.Context) error {
	s.mu.Lock()
	sm := s.sm
	s.mu.Unlock()
	return sm.Wait(ctx)
}

// Events returns the events recorded so far, oldest first: parameter-policy
// actions and rotations, as EventBridge would have received them.
func (s *Server) Events() []eventlog.Event { return s.events.List() }

// RunScheduler does the background work time calls for (see AdvanceClock)
// every interval of real time until ctx is done, so a long-running server
// expires, notifies and rotates without being asked. Tests move the clock
// instead.
func (s *Server) RunScheduler(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.tick()
		}
	}
}

// tick runs the services' background work for the current time.
func (s *Server) tick() []string {
	s.mu.Lock()
	sm := s.sm
	s.mu.Unlock()
	for _, p := range s.parameterStores() {
		p.Tick()
	}
	return sm.Tick()
}

// ticker runs the background work at most once a second of localaws time as
// requests arrive, so a server nobody schedules (an httptest server in a
// test) still expires and rotates when its wall clock passes a deadline.
type ticker struct {
	mu   sync.Mutex
	next time.Time
}

func (t *ticker) maybe(now time.Time, tick func() []string) {
	t.mu.Lock()
	due := !now.Before(t.next)
	if due {
		t.next = now.Add(time.Second)
	}
	t.mu.Unlock()
	if due {
		tick()
	}
}

// parseAdvance reads the clock route's "advance": a Go duration ("720h",
// "90m") or a whole number of days ("31d").
func parseAdvance(text string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(text, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 || n > 100*366 {
			return 0, fmt.Errorf("advance %q: want a duration such as 720h or a number of days such as 30d", text)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(text)
	if err != nil {
		return 0, fmt.Errorf("advance %q: want a duration such as 720h or a number of days such as 30d", text)
	}
	if d < 0 {
		return 0, fmt.Errorf("advance %q: the clock only moves forward", text)
	}
	return d, nil
}
