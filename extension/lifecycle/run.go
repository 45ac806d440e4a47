package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Options are what both modes run: an HTTP handler on a loopback address, a
// prefetch to warm it, and a flush at the end.
type Options struct {
	// Addr is the listen address, 127.0.0.1:PORT (loopback only: the API is for
	// the function in the same execution environment, never the network).
	Addr string
	// Listener, when set, is served instead of listening on Addr: the caller
	// has bound it (a test on a port the kernel picked, say). It is closed
	// when the server stops.
	Listener net.Listener
	Handler  http.Handler
	// PortSetting names the setting that chooses Addr's port
	// (PARAMETERS_SECRETS_EXTENSION_HTTP_PORT); a port in use is reported with it.
	PortSetting string
	// Prefetch warms the cache. Its error is logged, not fatal: every id it
	// failed on is still served, just fetched on first use.
	Prefetch func(context.Context) error
	// PrefetchTimeout bounds Prefetch; 0 means DefaultPrefetchTimeout. The init
	// phase ends only when every extension has called /event/next, and the
	// whole phase has a 10 s limit, so a slow upstream must not use it all.
	PrefetchTimeout time.Duration
	// Flush runs once at shutdown, before the server stops (it writes the
	// metrics line).
	Flush  func()
	Logger *slog.Logger
	// SnapStart defers Prefetch to the first INVOKE, and runs Restore just
	// before it (see SnapStart).
	SnapStart bool
	Restore   func()
}

// DefaultPrefetchTimeout bounds the prefetch when Options.PrefetchTimeout is 0.
const DefaultPrefetchTimeout = 5 * time.Second

// shutdownMargin is kept back from a SHUTDOWN deadline so the process has exited
// before Lambda sends SIGKILL.
const shutdownMargin = 200 * time.Millisecond

// standaloneGrace bounds the graceful stop in standalone mode.
const standaloneGrace = 5 * time.Second

// RunExtension runs the extension under Lambda until SHUTDOWN or ctx ends:
// bind the listener and serve, register, prefetch, then loop on /event/next.
//
// The order follows the platform's init sequence, as the Runtime Interface
// Emulator implements it (rapid/handlers.go, both the standard and the managed-
// instances flavour): Lambda starts the runtime — and so the function's init
// code — as soon as every extension has registered, and completes the init
// phase (delivering the first invoke) only once the runtime and every extension
// have called their next. So the server answers before register, because the
// function's init may read secrets while the prefetch is still running (such a
// read joins the prefetch's upstream call: the cache coalesces concurrent loads
// of one key); and the prefetch finishes before /event/next, so the first invoke
// finds everything cached. A fatal start-up error is reported with
// /extension/init/error (which needs a registration, so register comes first
// even then), making the function's init fail with a clear error type instead
// of timing out.
func RunExtension(ctx context.Context, c *Client, events []EventType, o Options) error {
	log := logger(o)
	ln, err := listen(o)
	if err != nil {
		return ReportInitError(ctx, c, events, ErrorTypeListen, err)
	}
	srv := newServer(o)
	served := serve(srv, ln)

	// A front that exec'd this process may have registered already.
	reg, byFront := c.Registration(), c.ID() != ""
	if !byFront {
		if reg, err = c.Register(ctx, events); err != nil {
			srv.Close()
			return fmt.Errorf("lifecycle: %w", err)
		}
	}
	log.Info("registered", "events", events, "function", reg.FunctionName,
		"version", reg.FunctionVersion, "addr", ln.Addr().String(), "byFront", byFront)

	if !o.SnapStart {
		prefetch(ctx, o, log)
	}

	// The event loop runs in its own goroutine so a dead listener is noticed
	// while /event/next is blocked; lctx ends that goroutine's long poll then.
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	loop := make(chan error, 1)
	go func() {
		restored := !o.SnapStart
		for {
			ev, err := c.Next(lctx)
			if err == nil && !restored && ev.EventType == Invoke {
				restored = true
				restore(ctx, o, log)
			}
			if err == nil {
				err = handle(ctx, ev, srv, o, log)
			}
			if err != nil {
				loop <- err
				return
			}
		}
	}()

	select {
	case err := <-served:
		cancel()
		err = fmt.Errorf("http server: %w", err)
		log.Error("http server stopped", "err", err)
		if rerr := c.ExitError(context.WithoutCancel(ctx), ErrorTypeServe, err); rerr != nil {
			log.Warn("exit/error not delivered", "err", rerr)
		}
		return err
	case err := <-loop:
		switch {
		case errors.Is(err, errShutdown):
			return nil
		case ctx.Err() != nil:
			stop(context.WithoutCancel(ctx), srv, time.Now().Add(standaloneGrace), o, log)
			return nil
		default:
			err = fmt.Errorf("lifecycle: %w", err)
			log.Error("extensions api failed", "err", err)
			if rerr := c.ExitError(context.WithoutCancel(ctx), ErrorTypeRuntimeAPI, err); rerr != nil {
				log.Warn("exit/error not delivered", "err", rerr)
			}
			srv.Close()
			return err
		}
	}
}

// restore runs at the first INVOKE under SnapStart: what the extension holds
// from before the snapshot is dropped (Restore), then the deferred prefetch
// runs, before the next /event/next so that the environment is not frozen in
// the middle of it.
func restore(ctx context.Context, o Options, log *slog.Logger) {
	log.Debug("first invoke under SnapStart: dropping what init fetched, then prefetching")
	if o.Restore != nil {
		o.Restore()
	}
	prefetch(ctx, o, log)
}

// errShutdown ends the event loop after a SHUTDOWN was handled.
var errShutdown = errors.New("shutdown")

func handle(ctx context.Context, ev Event, srv *http.Server, o Options, log *slog.Logger) error {
	switch ev.EventType {
	case Invoke:
		// Nothing to do per invoke: the server answers the function directly.
		log.Debug("invoke", "requestId", ev.RequestID)
		return nil
	case Shutdown:
		log.Info("shutdown", "reason", ev.ShutdownReason)
		deadline := ev.Deadline()
		if deadline.IsZero() {
			deadline = time.Now().Add(time.Second)
		}
		stop(ctx, srv, deadline.Add(-shutdownMargin), o, log)
		return errShutdown
	default:
		log.Warn("ignoring unknown event", "type", ev.EventType)
		return nil
	}
}

// ReportInitError registers (if not yet registered) and reports cause through
// /extension/init/error, so Lambda fails the function's init with errorType. It
// returns cause (joined with any reporting failure) for the caller to exit on.
// cause must not carry a secret: Lambda shows it to the function's owner.
func ReportInitError(ctx context.Context, c *Client, events []EventType, errorType string, cause error) error {
	if c.ID() == "" {
		if _, err := c.Register(ctx, events); err != nil {
			return errors.Join(cause, fmt.Errorf("report init error: %w", err))
		}
	}
	if err := c.InitError(ctx, errorType, cause); err != nil {
		return errors.Join(cause, fmt.Errorf("report init error: %w", err))
	}
	return cause
}

// RunStandalone serves until ctx ends (main cancels it on SIGINT or SIGTERM),
// for local development outside Lambda.
func RunStandalone(ctx context.Context, o Options) error {
	log := logger(o)
	ln, err := listen(o)
	if err != nil {
		return err
	}
	srv := newServer(o)
	served := serve(srv, ln)
	log.Info("serving standalone", "addr", ln.Addr().String())
	prefetch(ctx, o, log)
	select {
	case err := <-served:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	stop(context.WithoutCancel(ctx), srv, time.Now().Add(standaloneGrace), o, log)
	return nil
}

func logger(o Options) *slog.Logger {
	if o.Logger != nil {
		return o.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func newServer(o Options) *http.Server {
	return &http.Server{
		Handler: o.Handler,
		// Callers are the function's own code on loopback, but a stuck client
		// must still not pin a connection forever.
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger(o).Handler(), slog.LevelDebug),
	}
}

// serve runs srv on ln and reports an unexpected stop on the returned channel.
func serve(srv *http.Server, ln net.Listener) <-chan error {
	done := make(chan error, 1)
	go func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			done <- err
		}
	}()
	return done
}

func prefetch(ctx context.Context, o Options, log *slog.Logger) {
	if o.Prefetch == nil {
		return
	}
	timeout := o.PrefetchTimeout
	if timeout <= 0 {
		timeout = DefaultPrefetchTimeout
	}
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	if err := o.Prefetch(pctx); err != nil {
		log.Warn("prefetch incomplete; those ids are fetched on first use", "err", err)
	}
	log.Debug("prefetch done", "took", time.Since(start))
}

// stop flushes, then shuts the server down gracefully until deadline, then
// closes whatever is left so the process exits in time.
func stop(ctx context.Context, srv *http.Server, deadline time.Time, o Options, log *slog.Logger) {
	if o.Flush != nil {
		o.Flush()
	}
	sctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("graceful shutdown cut short", "err", err)
		srv.Close()
	}
}
