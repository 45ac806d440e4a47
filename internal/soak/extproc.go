package soak

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// schedEvery is how often the extension's Go runtime prints its scheduler
// state. The extension runs with GODEBUG=schedtrace=N,scheddetail=1: every N
// ms the runtime writes a "SCHED" line and one line per goroutine ("  G12:
// status=4(select) ..."), which is how the harness counts the goroutines of a
// binary it does not change. Dead goroutines (status 6), kept for reuse, are
// not counted; the runtime's own (GC workers, finalizer) are.
const schedEvery = 250 * time.Millisecond

// schedDebug is the GODEBUG value for the extension.
func schedDebug() string {
	return "GODEBUG=schedtrace=" + strconv.Itoa(int(schedEvery.Milliseconds())) + ",scheddetail=1"
}

// dump is one scheduler trace: when it began to arrive, and its goroutines.
type dump struct {
	at         time.Time
	goroutines int
}

// schedTrace reads the extension's output as it is written and keeps the
// dumps.
type schedTrace struct {
	mu      sync.Mutex
	partial []byte
	cur     *dump
	done    []dump // finished dumps, the last few
}

// Write takes the extension's output; lines that are not the scheduler's are
// left to the log.
func (s *schedTrace) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.partial = append(s.partial, p...)
	for {
		i := bytes.IndexByte(s.partial, '\n')
		if i < 0 {
			break
		}
		s.line(string(s.partial[:i]))
		s.partial = s.partial[i+1:]
	}
	return len(p), nil
}

func (s *schedTrace) line(l string) {
	switch {
	case strings.HasPrefix(l, "SCHED "):
		s.finish()
		s.cur = &dump{at: time.Now()}
	case s.cur != nil && strings.HasPrefix(l, "  G"):
		_, rest, found := strings.Cut(l, ": status=")
		if !found {
			return
		}
		status, _, _ := strings.Cut(rest, "(")
		if n, err := strconv.Atoi(strings.Fields(status + " x")[0]); err == nil && n != 6 {
			s.cur.goroutines++
		}
	case s.cur != nil && !strings.HasPrefix(l, "  "):
		s.finish() // something else printed: the dump is over
	}
}

// finish closes the dump being read. The caller holds s.mu.
func (s *schedTrace) finish() {
	if s.cur == nil {
		return
	}
	s.done = append(s.done, *s.cur)
	if len(s.done) > 64 {
		s.done = s.done[len(s.done)-64:]
	}
	s.cur = nil
}

// after waits for a complete dump that began after t.
func (s *schedTrace) after(ctx context.Context, t time.Time) (dump, error) {
	var d dump
	err := waitFor(ctx, 20*schedEvery+10*time.Second, "a scheduler trace from the extension", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, x := range s.done {
			if x.at.After(t) {
				d = x
				return true
			}
		}
		return false
	})
	return d, err
}

// extensionState is the extension's memory and goroutines at one moment.
type extensionState struct {
	// AtSeconds is the time into the rotations (samples only).
	AtSeconds  float64 `json:"atSeconds,omitempty"`
	RSSBytes   int64   `json:"rssBytes"`
	Goroutines int     `json:"goroutines"`
}

// extensionSampleEvery is how often the harness notes the extension's memory
// and goroutines while the run goes on, requests in flight and all.
const extensionSampleEvery = 10 * time.Second

// latest is the last complete dump's goroutine count.
func (s *schedTrace) latest() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.done) == 0 {
		return 0
	}
	return s.done[len(s.done)-1].goroutines
}

// sampleExtension notes the extension's state every extensionSampleEvery
// until stop is closed.
func (h *harness) sampleExtension(stop <-chan struct{}) []extensionState {
	var out []extensionState
	for {
		select {
		case <-stop:
			return out
		case <-time.After(extensionSampleEvery):
		}
		rss, err := rssOf(h.ext.PID())
		if err != nil {
			continue
		}
		out = append(out, extensionState{AtSeconds: time.Since(h.start).Seconds(), RSSBytes: rss, Goroutines: h.sched.latest()})
	}
}

// snapshot pauses the application's reads, so that no request is in flight,
// and reads the extension's RSS and goroutines.
func (h *harness) snapshot(ctx context.Context) (extensionState, error) {
	h.traffic.pause()
	defer h.traffic.resume()
	t := time.Now()
	d, err := h.sched.after(ctx, t)
	if err != nil {
		return extensionState{}, err
	}
	rss, err := rssOf(h.ext.PID())
	if err != nil {
		return extensionState{}, err
	}
	return extensionState{RSSBytes: rss, Goroutines: d.goroutines}, nil
}

// rssOf is a process's resident set size: the second field of
// /proc/PID/statm, in pages.
func rssOf(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/statm", pid))
	if err != nil {
		return 0, err
	}
	fields := strings.Fields(string(b))
	if len(fields) < 2 {
		return 0, fmt.Errorf("/proc/%d/statm: %q", pid, b)
	}
	pages, err := strconv.ParseInt(fields[1], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("/proc/%d/statm: %w", pid, err)
	}
	return pages * int64(os.Getpagesize()), nil
}
