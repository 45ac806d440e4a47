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
)

// deadline bounds the whole demo: a hung step fails it instead of hanging
// make.
const deadline = 10 * time.Minute

func main() {
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
