package lambdatest

import (
	"errors"
	"os"
	"testing"
)

// StartTest starts a function for a test and closes it when the test ends.
// The function's output is logged if the test fails or Close reports a
// problem. When Options.Opt (or managed-instances mode) needs mount
// namespaces the machine does not offer, the test is skipped, except in CI
// (CI=true), where it fails: CI must prove the layer for real.
func StartTest(t testing.TB, opts Options) *Function {
	t.Helper()
	fn, err := Start(t.Context(), opts)
	if err != nil {
		if errors.Is(err, ErrNoMountNamespace) && os.Getenv("CI") != "true" {
			t.Skipf("skipping outside CI: %v", err)
		}
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := fn.Close(); err != nil {
			t.Errorf("%v\n--- function log ---\n%s", err, fn.Logs())
			return
		}
		if t.Failed() {
			t.Logf("--- function log ---\n%s", fn.Logs())
		}
	})
	return fn
}
