// Command demo is `make demo`: the whole suite, offline, as Lambda runs it.
//
// It builds the extension, the example function and the four rotators as
// static Lambda bootstraps, starts throwaway PostgreSQL and MariaDB servers
// and localaws seeded with demo secrets, then for each rotator: runs the
// example function with the layer at /opt under the Runtime Interface
// Emulator, rotates its secret with RotateSecret (which invokes the rotator
// under its own emulator), and shows the function reading the new
// credentials through the extension and logging in with them. It prints a
// short transcript, never a password, stops everything it started and exits
// non-zero on any failure.
//
//	go run ./internal/demo
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/paramsecrets/paramsecrets/internal/lambdatest"
)

// howToRun is what the demo says when it cannot mount the layer (%v: why).
const howToRun = `demo: cannot run here: %v

make demo runs the example function with the layer at /opt, as Lambda does, in a
private mount namespace so that the real /opt is never touched. That needs root on
Linux (or CAP_SYS_ADMIN in a container). Run it as:

    sudo make demo

or, in a container, start it with --privileged (or --cap-add SYS_ADMIN).
Nothing was built or started.
`

// deadline bounds the whole demo: a hung step fails it instead of hanging
// make.
const deadline = 10 * time.Minute

func main() {
	// The layer is mounted at /opt in a private mount namespace, as Lambda mounts it;
	// say how to run the demo before spending minutes building for nothing.
	if err := lambdatest.CheckMountNamespace(); err != nil {
		fmt.Fprintf(os.Stderr, howToRun, err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	ctx, cancel := context.WithTimeout(ctx, deadline)
	err := run(ctx, newTranscript(os.Stdout))
	cancel()
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "demo failed: %v\n", err)
		os.Exit(1)
	}
}
