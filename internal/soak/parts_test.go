package soak

import (
	"slices"
	"strings"
	"testing"
)

// TestSchedTraceCountsLiveGoroutines feeds the parser what the Go runtime
// prints with GODEBUG=schedtrace,scheddetail, split across writes and
// interleaved with a log line: dead goroutines (status 6) are not counted,
// and a dump ends at the next one or at a line that is not the scheduler's.
func TestSchedTraceCountsLiveGoroutines(t *testing.T) {
	s := &schedTrace{}
	text := "SCHED 0ms: gomaxprocs=2 idleprocs=2 threads=4\n" +
		"  P0: status=0 schedtick=3 syscalltick=0 m=nil runqsize=0\n" +
		"  M0: p=nil curg=nil mallocing=0\n" +
		"  G1: status=4(sleep) m=nil lockedm=nil\n" +
		"  G2: status=4(force gc (idle)) m=nil lockedm=nil\n" +
		"  G7: status=6() m=nil lockedm=nil\n" +
		"  G9: status=2() m=0 lockedm=nil\n" +
		"SCHED 250ms: gomaxprocs=2 idleprocs=2 threads=4\n" +
		"  G1: status=4(sleep) m=nil lockedm=nil\n" +
		"time=2026-12-01T00:00:00Z level=INFO msg=served\n" +
		"SCHED 500ms: gomaxprocs=2\n"
	for len(text) > 0 { // in pieces, as a pipe delivers it
		n := min(len(text), 7)
		s.Write([]byte(text[:n]))
		text = text[n:]
	}
	var got []int
	for _, d := range s.done {
		got = append(got, d.goroutines)
	}
	if want := []int{3, 1}; !slices.Equal(got, want) {
		t.Errorf("goroutines per finished dump %v, want %v", got, want)
	}
	if s.cur == nil {
		t.Error("the last dump, still being written, is not kept open")
	}
}

// TestLost: a moment counts as lost only when every credential a client may
// hold was refused — a login the database could not take says nothing.
func TestLost(t *testing.T) {
	cases := []struct {
		name                       string
		single                     bool
		current, pending, previous outcome
		want                       bool
	}{
		{"alternating: current works", false, ok, absent, refused, false},
		{"alternating: previous works", false, refused, refused, ok, false},
		{"alternating: both refused", false, refused, ok, refused, true},
		{"alternating: first rotation, no previous", false, refused, absent, absent, true},
		{"single: the window, pending works", true, refused, ok, refused, false},
		{"single: all refused", true, refused, refused, refused, true},
		{"single: database down", true, unknown, unknown, unknown, false},
		{"single: one unknown", true, refused, unknown, refused, false},
	}
	for _, tc := range cases {
		c := check{current: tc.current, pending: tc.pending, previous: tc.previous}
		if got := c.lost(tc.single); got != tc.want {
			t.Errorf("%s: lost = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestLeaksNamesOutputs: the scan names each output holding a password, and
// never the password.
func TestLeaksNamesOutputs(t *testing.T) {
	const pw = "Leaked-password-0123456789abcdef"
	got := leaks(map[string]string{
		"extension.log": "level=INFO msg=fine\n",
		"mariadb.log":   "Access denied for user 'app' (using password: " + pw + ")\n",
		"soak.json":     `{"problems": ["` + pw + `"]}`,
	}, []string{"Other-password-fedcba9876543210", pw})
	if want := []string{"mariadb.log", "soak.json"}; !slices.Equal(got, want) {
		t.Errorf("leaks %v, want %v", got, want)
	}
	if strings.Contains(strings.Join(got, " "), pw) {
		t.Error("the finding quotes the password")
	}
}
