package soak

import (
	"strings"
	"testing"
	"time"
)

// TestShortSoak is `make soak` in small: every fault once (each on one
// rotator, in turn), a clean rotation before and after each, one worker and one
// long-lived session per secret, and every check the soak makes. It asserts
// nothing about durations: every wait in the harness is for a condition, and
// bounded.
func TestShortSoak(t *testing.T) {
	rep, err := Run(t.Context(), Config{Plan: EachKindOnce(), TTL: time.Second, Workers: 1, Progress: tlog{t}})
	if err != nil {
		t.Fatal(err)
	}
	var table strings.Builder
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", table.String())
	if err := rep.Check(); err != nil {
		t.Fatal(err)
	}
	seen := map[Kind]int{}
	for _, f := range rep.Faults {
		seen[f.Kind]++
	}
	for _, k := range AllKinds() {
		if seen[k] != 1 {
			t.Errorf("fault %s injected %d times, want once", k, seen[k])
		}
	}
	if rep.PasswordsChecked < len(rep.Rotators)+2 {
		t.Errorf("only %d passwords looked for", rep.PasswordsChecked)
	}
}

// tlog sends the harness's progress lines to the test log.
type tlog struct{ t *testing.T }

func (w tlog) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
