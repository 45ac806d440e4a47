// Command soak is `make soak`: every rotator rotating back to back under
// application traffic while faults are injected (internal/soak). It prints a
// line per rotation and fault on stderr, the table on stdout, writes the
// report as JSON, and exits non-zero if the run could not be made or broke
// the promise (see soak.Report.Check).
//
//	go run ./internal/soak/cmd/soak -duration 180s -json dist/soak.json
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/paramsecrets/paramsecrets/internal/soak"
)

func main() {
	duration := flag.Duration("duration", 3*time.Minute, "how long rotations go on (every fault is injected on every rotator at least once, however short)")
	out := flag.String("json", "dist/soak.json", "where to write the report")
	logs := flag.String("logs", "dist/soak-logs", "where to write the run's logs (each checked for passwords first)")
	flag.Parse()
	if err := run(*duration, *out, *logs); err != nil {
		fmt.Fprintf(os.Stderr, "soak: %v\n", err)
		os.Exit(1)
	}
}

func run(duration time.Duration, out, logs string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// A bound on the whole run, so a hung step fails it instead of hanging make.
	ctx, cancel := context.WithTimeout(ctx, duration+20*time.Minute)
	defer cancel()
	rep, err := soak.Run(ctx, soak.Config{
		Plan:         soak.EveryKindOnEveryRotator(),
		Duration:     duration,
		MinRotations: 20,
		Progress:     os.Stderr,
		LogDir:       logs,
	})
	if err != nil {
		return err
	}
	if err := rep.WriteTable(os.Stdout); err != nil {
		return err
	}
	b, err := rep.JSON()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(out, b, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "soak: report written to %s, logs to %s\n", out, logs)
	return rep.Check()
}
