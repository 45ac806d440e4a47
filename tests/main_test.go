package tests

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/paramsecrets/paramsecrets/internal/demo/sandbox"
)

// shared is what every end-to-end test uses and nobody changes: the built
// binaries and the two database servers. Starting them takes seconds, so
// TestMain does it once; each test gets its own localaws and its own
// database users (see newWorld).
type shared struct {
	bin *sandbox.Binaries
	dbs *sandbox.Databases
}

// suite is set by TestMain before any test runs and read-only afterwards.
var suite shared

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	dir, err := os.MkdirTemp("", "paramsecrets-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if suite.bin, err = sandbox.Build(ctx, dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	// The databases are real on purpose: `make test` installs them first
	// (make deps), so a missing server is a failure, never a skip.
	if suite.dbs, err = sandbox.StartDatabases(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer suite.dbs.Close()
	return m.Run()
}
