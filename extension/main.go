// Command paramsecrets is a Lambda external extension that serves AWS Secrets
// Manager secrets and SSM parameters to function code from a cache on
// http://localhost:2773. It is a drop-in replacement for the AWS Parameters and
// Secrets Lambda Extension (same paths, header, variables and responses).
//
// With AWS_LAMBDA_RUNTIME_API set it runs under the Extensions API; without it,
// it runs standalone for local development until SIGINT or SIGTERM:
//
//	AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_SESSION_TOKEN=t paramsecrets
//
// This file only wires the parts together; see README.md.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/paramsecrets/paramsecrets/extension/cache"
	"github.com/paramsecrets/paramsecrets/extension/config"
	"github.com/paramsecrets/paramsecrets/extension/lifecycle"
	"github.com/paramsecrets/paramsecrets/extension/metrics"
	"github.com/paramsecrets/paramsecrets/extension/server"
	"github.com/paramsecrets/paramsecrets/extension/upstream"
	"github.com/paramsecrets/paramsecrets/internal/version"
)

func main() {
	if version.Requested(os.Args[1:]) {
		version.Print(os.Stdout, "paramsecrets")
		return
	}
	os.Exit(run(os.Getenv, os.Stdout, os.Stderr))
}

// run returns the process exit code.
func run(getenv func(string) string, stdout, stderr io.Writer) int {
	// SIGTERM also ends extension mode gracefully: Lambda itself ends extensions
	// with SHUTDOWN, but emulators and container runtimes send signals.
	ctx, stopSignals := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stopSignals()

	var client *lifecycle.Client
	events := lifecycle.EventsFor(getenv)
	if api := getenv(lifecycle.EnvRuntimeAPI); api != "" {
		// Lambda matches a registration to its process by the file name in
		// /opt/extensions, so the name is whatever this binary is called.
		client = lifecycle.NewClient(api, filepath.Base(os.Args[0]))
	}
	ln, herr := adoptHandoff(getenv, client)
	fail := func(errorType string, err error) int {
		fmt.Fprintf(stderr, "paramsecrets: %v\n", err)
		if client != nil {
			if rerr := lifecycle.ReportInitError(ctx, client, events, errorType, err); rerr != err {
				fmt.Fprintf(stderr, "paramsecrets: %v\n", rerr)
			}
		}
		return 1
	}

	if herr != nil {
		return fail(lifecycle.ErrorTypeListen, herr)
	}
	cfg, err := config.FromEnv(getenv)
	if err != nil {
		return fail(lifecycle.ErrorTypeConfig, err)
	}
	if err := checkHandoff(ln, cfg.HTTPPort); err != nil {
		return fail(lifecycle.ErrorTypeListen, err)
	}
	log := newLogger(cfg, stderr)
	log.Info("starting", "paramsecrets", version.Number())
	logConfig(log, cfg, client != nil)

	awsCfg, err := loadAWSConfig(ctx, getenv, client == nil)
	if err != nil {
		return fail(lifecycle.ErrorTypeConfig, err)
	}
	up, err := upstream.New(upstream.Options{
		MaxConnections:    cfg.MaxConnections,
		SecretsTimeout:    cfg.SecretsTimeout,
		ParametersTimeout: cfg.ParametersTimeout,
		AWSConfig:         awsCfg,
	})
	if err != nil {
		return fail(lifecycle.ErrorTypeConfig, fmt.Errorf("upstream clients: %w", err))
	}
	size := 0 // a cache of size 0 stores nothing but still bounds upstream calls
	if cfg.CacheActive() {
		size = cfg.CacheSize
	}
	// Under SnapStart nothing fetched before the snapshot may be served after
	// a restore: the cache keeps nothing until the first INVOKE.
	snapStart := client != nil && lifecycle.SnapStart(getenv)
	c := cache.New(cache.Options{
		Size:          size,
		SecretsTTL:    cfg.SecretsTTL,
		ParametersTTL: cfg.ParametersTTL,
		StaleIfError:  cfg.StaleIfError,
		// No call outlives the flight deadline, nor cuts short a timeout the
		// user set above it.
		FlightTimeout: max(cache.DefaultFlightTimeout, cfg.SecretsTimeout, cfg.ParametersTimeout),
		Paused:        snapStart,
	})
	counters := new(metrics.Counters)
	srv := server.New(server.Options{Token: cfg.Token, Cache: c, Upstream: up, Logger: log, Metrics: counters})

	opts := lifecycle.Options{
		Addr:        net.JoinHostPort("127.0.0.1", strconv.Itoa(cfg.HTTPPort)),
		PortSetting: config.EnvHTTPPort,
		Listener:    ln,
		Handler:     srv,
		Logger:      log,
		Flush: func() {
			// The EMF line goes to stdout on its own line, where CloudWatch Logs
			// extracts it; logs go to stderr.
			stdout.Write(counters.Snapshot().EMF(metrics.Namespace, time.Now()))
		},
		SnapStart: snapStart,
		Restore:   func() { c.Resume(); up.Reset() },
	}
	pf := server.Prefetch{Secrets: cfg.PrefetchSecrets, Parameters: cfg.PrefetchParameters, ParameterPaths: cfg.PrefetchPaths}
	if len(pf.Secrets)+len(pf.Parameters)+len(pf.ParameterPaths) > 0 {
		opts.Prefetch = func(ctx context.Context) error { return srv.Prefetch(ctx, pf) }
	}

	if client != nil {
		err = lifecycle.RunExtension(ctx, client, events, opts)
	} else {
		err = lifecycle.RunStandalone(ctx, opts)
	}
	if err != nil {
		// A fatal error is printed even at LOG_LEVEL=NONE.
		if cfg.LogNone {
			fmt.Fprintf(stderr, "paramsecrets: %v\n", err)
		} else {
			log.Error("stopped", "err", err)
		}
		return 1
	}
	return 0
}

// newLogger follows Lambda's log format (AWS_LAMBDA_LOG_FORMAT) and the
// extension's LOG_LEVEL; NONE discards everything.
func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	if cfg.LogNone {
		return slog.New(slog.DiscardHandler)
	}
	ho := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogJSON {
		return slog.New(slog.NewJSONHandler(w, ho))
	}
	return slog.New(slog.NewTextHandler(w, ho))
}

// logConfig logs the effective configuration at DEBUG, as the AWS extension
// does. The token is deliberately absent.
func logConfig(log *slog.Logger, cfg config.Config, extension bool) {
	log.Debug("configuration",
		"mode", map[bool]string{true: "extension", false: "standalone"}[extension],
		"cacheEnabled", cfg.CacheEnabled, "cacheSize", cfg.CacheSize, "cacheActive", cfg.CacheActive(),
		"httpPort", cfg.HTTPPort, "maxConnections", cfg.MaxConnections,
		"secretsTTL", cfg.SecretsTTL, "parametersTTL", cfg.ParametersTTL,
		"secretsTimeout", cfg.SecretsTimeout, "parametersTimeout", cfg.ParametersTimeout,
		"staleIfError", cfg.StaleIfError,
		"prefetchSecrets", len(cfg.PrefetchSecrets), "prefetchParameters", len(cfg.PrefetchParameters),
		"prefetchParameterPaths", len(cfg.PrefetchPaths))
}
