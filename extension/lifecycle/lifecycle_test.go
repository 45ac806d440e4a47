package lifecycle_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paramsecrets/paramsecrets/extension/lifecycle"
	"github.com/paramsecrets/paramsecrets/extension/lifecycle/lifecycletest"
)

// listener binds a loopback port the kernel picks and hands it to the code
// under test, so no other process can take the port in between.
func listener(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// handler answers /ping, and /hold: a request that signals its arrival on
// arrived and then stays open until release is closed (answering "done") or
// its client goes away — an open request a shutdown has to deal with.
func handler(arrived chan<- struct{}, release <-chan struct{}) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/ping", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "healthy") })
	mux.HandleFunc("/hold", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		arrived <- struct{}{}
		select {
		case <-release:
			io.WriteString(w, "done")
		case <-r.Context().Done():
		}
	})
	return mux
}

func pingHandler() http.Handler { return handler(nil, nil) }

func get(addr, path string) (string, error) {
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get("http://" + addr + path)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// hold opens a /hold request and returns once the server has it; the body
// read (or the error) arrives on the returned channel when the request ends.
// Its client never gives up, so only the server can end the request.
func hold(t *testing.T, addr string, arrived <-chan struct{}) <-chan string {
	t.Helper()
	ended := make(chan string, 1)
	go func() {
		var body []byte
		resp, err := http.Get("http://" + addr + "/hold")
		if err == nil {
			body, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		if err != nil {
			body = []byte("error: " + err.Error())
		}
		ended <- string(body)
	}()
	recv(t, arrived, "the request to reach the server")
	return ended
}

// recv takes one value from ch, failing the test if none comes in a time far
// beyond any machine's slowness.
func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(30 * time.Second):
		t.Fatalf("gave up waiting: %s", what)
		var zero T
		return zero
	}
}

func TestEventsFor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  map[string]string
		want []lifecycle.EventType
	}{
		{"standard Lambda", nil, []lifecycle.EventType{lifecycle.Invoke, lifecycle.Shutdown}},
		{"managed instances", map[string]string{lifecycle.EnvMaxConcurrency: "16"}, []lifecycle.EventType{lifecycle.Shutdown}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := lifecycle.EventsFor(func(k string) string { return tc.env[k] })
			if !slices.Equal(got, tc.want) {
				t.Errorf("EventsFor = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestRegisterAccepted registers the way each environment allows: on managed
// instances INVOKE is refused, so the events from EventsFor must be accepted.
func TestRegisterAccepted(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		managed bool
		env     map[string]string
	}{
		{"standard Lambda", false, nil},
		{"managed instances", true, map[string]string{lifecycle.EnvMaxConcurrency: "4"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := lifecycletest.NewRuntimeAPI(t, lifecycletest.Options{Managed: tc.managed})
			c := lifecycle.NewClient(api.Addr(), "paramsecrets")
			events := lifecycle.EventsFor(func(k string) string { return tc.env[k] })
			reg, err := c.Register(context.Background(), events)
			if err != nil {
				t.Fatal(err)
			}
			if c.ID() != lifecycletest.ExtensionID || reg.FunctionName != "fn" {
				t.Errorf("id %q, response %+v", c.ID(), reg)
			}
			h, got := api.Registration()
			if got := h.Get(lifecycle.HeaderExtensionName); got != "paramsecrets" {
				t.Errorf("%s = %q, want the file name", lifecycle.HeaderExtensionName, got)
			}
			if got := h.Get(lifecycle.HeaderAcceptFeature); got != lifecycle.FeatureAccountID {
				t.Errorf("%s = %q", lifecycle.HeaderAcceptFeature, got)
			}
			if !slices.Equal(got, events) {
				t.Errorf("registered events %v, want %v", got, events)
			}
		})
	}
}

func TestRegisterRefused(t *testing.T) {
	t.Parallel()
	api := lifecycletest.NewRuntimeAPI(t, lifecycletest.Options{Managed: true})
	_, err := lifecycle.NewClient(api.Addr(), "paramsecrets").Register(context.Background(), []lifecycle.EventType{lifecycle.Invoke, lifecycle.Shutdown})
	apiErr, ok := lifecycle.IsAPIError(err)
	if !ok || apiErr.Status != http.StatusForbidden || apiErr.ErrorType != "Extension.InvalidEventType" {
		t.Fatalf("want 403 Extension.InvalidEventType, got %v", err)
	}
}

// TestRunExtension walks one lifecycle: the server answers by the time register
// arrives, the prefetch is done before the first /event/next, an INVOKE leads to
// another /event/next, and SHUTDOWN flushes and returns. The deadline is an
// hour away: returning at all proves the extension does not idle until it.
func TestRunExtension(t *testing.T) {
	t.Parallel()
	ln := listener(t)
	addr := ln.Addr().String()
	var servingAtRegister, prefetched, prefetchedAtFirstNext, flushed atomic.Bool
	api := lifecycletest.NewRuntimeAPI(t, lifecycletest.Options{
		OnRegister: func() {
			body, err := get(addr, "/ping")
			servingAtRegister.Store(err == nil && body == "healthy")
		},
		OnNext: func(call int) {
			if call == 1 {
				prefetchedAtFirstNext.Store(prefetched.Load())
			}
		},
	})
	api.Send(lifecycle.Event{EventType: lifecycle.Invoke, RequestID: "req-1", DeadlineMs: time.Now().Add(time.Minute).UnixMilli()})

	done := make(chan error, 1)
	go func() {
		done <- lifecycle.RunExtension(context.Background(), lifecycle.NewClient(api.Addr(), "paramsecrets"), []lifecycle.EventType{lifecycle.Invoke, lifecycle.Shutdown}, lifecycle.Options{
			Listener: ln,
			Handler:  pingHandler(),
			Prefetch: func(context.Context) error { prefetched.Store(true); return nil },
			Flush:    func() { flushed.Store(true) },
		})
	}()

	// Wait for the second /event/next: the INVOKE was handled.
	waitFor(t, func() bool { return len(api.NextIDs()) >= 2 })
	api.Send(lifecycle.Event{EventType: lifecycle.Shutdown, ShutdownReason: "spindown", DeadlineMs: time.Now().Add(time.Hour).UnixMilli()})
	if err := recv(t, done, "RunExtension to return after SHUTDOWN"); err != nil {
		t.Fatalf("RunExtension: %v", err)
	}
	if !servingAtRegister.Load() {
		t.Error("the server did not answer /ping when register arrived")
	}
	if !prefetchedAtFirstNext.Load() {
		t.Error("the prefetch had not finished when the first /event/next arrived")
	}
	if !flushed.Load() {
		t.Error("metrics were not flushed at SHUTDOWN")
	}
	if _, err := get(addr, "/ping"); err == nil {
		t.Error("the server still answers after SHUTDOWN")
	}
	for _, id := range api.NextIDs() {
		if id != lifecycletest.ExtensionID {
			t.Errorf("/event/next sent identifier %q, want %q", id, lifecycletest.ExtensionID)
		}
	}
}

func TestRunExtensionListenFailureReportsInitError(t *testing.T) {
	t.Parallel()
	api := lifecycletest.NewRuntimeAPI(t, lifecycletest.Options{})
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	err = lifecycle.RunExtension(context.Background(), lifecycle.NewClient(api.Addr(), "paramsecrets"), []lifecycle.EventType{lifecycle.Invoke, lifecycle.Shutdown},
		lifecycle.Options{Addr: busy.Addr().String(), Handler: pingHandler()})
	if err == nil || !strings.Contains(err.Error(), "listen on") {
		t.Fatalf("want a listen error, got %v", err)
	}
	nextCalls, initErrs := len(api.NextIDs()), api.InitErrors()
	if len(initErrs) != 1 || initErrs[0].HeaderType != lifecycle.ErrorTypeListen || initErrs[0].ID != lifecycletest.ExtensionID ||
		!strings.Contains(initErrs[0].Body.ErrorMessage, busy.Addr().String()) {
		t.Fatalf("init/error reports = %+v", initErrs)
	}
	if nextCalls != 0 {
		t.Errorf("called /event/next %d times after a failed start", nextCalls)
	}
}

func TestReportInitError(t *testing.T) {
	t.Parallel()
	api := lifecycletest.NewRuntimeAPI(t, lifecycletest.Options{})
	cause := errors.New(`invalid configuration: PARAMETERS_SECRETS_EXTENSION_HTTP_PORT="0": want an integer from 1 to 65535`)
	err := lifecycle.ReportInitError(context.Background(), lifecycle.NewClient(api.Addr(), "paramsecrets"), []lifecycle.EventType{lifecycle.Invoke, lifecycle.Shutdown}, lifecycle.ErrorTypeConfig, cause)
	if !errors.Is(err, cause) {
		t.Fatalf("ReportInitError returned %v, want the cause", err)
	}
	initErrs := api.InitErrors()
	if len(initErrs) != 1 {
		t.Fatalf("got %d init/error reports, want 1", len(initErrs))
	}
	r := initErrs[0]
	if r.HeaderType != lifecycle.ErrorTypeConfig || r.Body.ErrorType != lifecycle.ErrorTypeConfig || r.Body.ErrorMessage != cause.Error() || r.ID != lifecycletest.ExtensionID {
		t.Errorf("report = %+v", r)
	}
}

func TestNextFailureReportsExitError(t *testing.T) {
	t.Parallel()
	// The first /event/next delivers an event type this extension does not know
	// (skipped); the second answers 500, which ends the loop with exit/error.
	api := lifecycletest.NewRuntimeAPI(t, lifecycletest.Options{FailNext: func(call int) bool { return call == 2 }})
	api.Send(lifecycle.Event{EventType: "BOGUS"})
	done := make(chan error, 1)
	go func() {
		done <- lifecycle.RunExtension(context.Background(), lifecycle.NewClient(api.Addr(), "paramsecrets"), []lifecycle.EventType{lifecycle.Invoke, lifecycle.Shutdown},
			lifecycle.Options{Listener: listener(t), Handler: pingHandler()})
	}()
	err := recv(t, done, "RunExtension to return when /event/next failed")
	if apiErr, ok := lifecycle.IsAPIError(err); !ok || apiErr.Status != http.StatusInternalServerError {
		t.Fatalf("want the 500 from /event/next, got %v", err)
	}
	exitErrs := api.ExitErrors()
	if len(exitErrs) != 1 || exitErrs[0].HeaderType != lifecycle.ErrorTypeRuntimeAPI || exitErrs[0].ID != lifecycletest.ExtensionID {
		t.Fatalf("exit/error reports = %+v", exitErrs)
	}
}

func TestRunStandalone(t *testing.T) {
	t.Parallel()
	ln := listener(t)
	addr := ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	var flushed, prefetched atomic.Bool
	done := make(chan error, 1)
	go func() {
		done <- lifecycle.RunStandalone(ctx, lifecycle.Options{Listener: ln, Handler: pingHandler(),
			Prefetch: func(context.Context) error { prefetched.Store(true); return errors.New("demo/db: not found") },
			Flush:    func() { flushed.Store(true) }})
	}()
	waitFor(t, func() bool { b, err := get(addr, "/ping"); return err == nil && b == "healthy" })
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("RunStandalone: %v", err)
	}
	if !flushed.Load() || !prefetched.Load() {
		t.Errorf("flushed %v prefetched %v", flushed.Load(), prefetched.Load())
	}
}

// waitFor polls cond; it fails the test only if cond never holds in a generous
// time, so a slow machine does not fail it.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("condition not met in 30s")
}

// TestRunExtensionSignal: a cancelled context (SIGTERM from an emulator or a
// container runtime) stops the extension gracefully, with the metrics flushed.
func TestRunExtensionSignal(t *testing.T) {
	t.Parallel()
	api := lifecycletest.NewRuntimeAPI(t, lifecycletest.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	var flushed atomic.Bool
	done := make(chan error, 1)
	go func() {
		done <- lifecycle.RunExtension(ctx, lifecycle.NewClient(api.Addr(), "paramsecrets"),
			[]lifecycle.EventType{lifecycle.Invoke, lifecycle.Shutdown},
			lifecycle.Options{Listener: listener(t), Handler: pingHandler(), Flush: func() { flushed.Store(true) }})
	}()
	waitFor(t, func() bool { return len(api.NextIDs()) >= 1 })
	cancel()
	if err := recv(t, done, "RunExtension to return after its context was cancelled"); err != nil {
		t.Fatalf("RunExtension after cancel: %v", err)
	}
	if !flushed.Load() {
		t.Error("metrics not flushed on cancellation")
	}
	if n := len(api.ExitErrors()); n != 0 {
		t.Errorf("%d exit/error reports for a clean stop", n)
	}
}
