// Command localaws serves the in-memory Secrets Manager + SSM Parameter
// Store on a local port:
//
//	localaws -addr 127.0.0.1:4566 -seed seed.json
//
// Point the SDK at it with AWS_ENDPOINT_URL=http://127.0.0.1:4566 (any
// credentials). It prints the address it listens on and stops on SIGINT or
// SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/paramsecrets/paramsecrets/internal/version"
	"github.com/paramsecrets/paramsecrets/localaws"
)

func main() {
	err := run(os.Args[1:])
	switch {
	case errors.Is(err, flag.ErrHelp):
		// -h and -help print the usage, which is not a failure.
	case err != nil:
		fmt.Fprintln(os.Stderr, "localaws:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("localaws", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:4566", "listen address (port 0 picks a free port)")
	seed := fs.String("seed", "", "seed file (JSON) to load at start-up")
	region := fs.String("region", "", "Region in ARNs (default us-east-1, or the seed's)")
	account := fs.String("account", "", "account ID in ARNs (default 123456789012, or the seed's)")
	verbose := fs.Bool("v", false, "log every call (target, status, error code; never values)")
	showVersion := fs.Bool("version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *showVersion {
		version.Print(os.Stdout, "localaws")
		return nil
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	srv := localaws.NewServer(localaws.Options{Region: *region, AccountID: *account, Logger: logger})
	if *seed != "" {
		f, err := os.Open(*seed)
		if err != nil {
			return fmt.Errorf("open seed: %w", err)
		}
		err = srv.LoadSeed(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("seed %s: %w", *seed, err)
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	// Scripts read this line to learn the port when -addr ends in :0.
	fmt.Printf("localaws listening on http://%s\n", ln.Addr())

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// Expirations, parameter-policy notifications and scheduled rotations
	// happen as real time passes, as they do on AWS.
	go srv.RunScheduler(ctx, time.Second)
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shut down: %w", err)
	}
	return nil
}
