package lifecycle_test

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/paramsecrets/paramsecrets/extension/lifecycle"
	"github.com/paramsecrets/paramsecrets/extension/lifecycle/lifecycletest"
)

// TestSnapStart: under SnapStart nothing is prefetched before the snapshot;
// at the first INVOKE (the first event after a restore) Restore runs, then
// the prefetch, both before the next /event/next; later INVOKEs do neither.
func TestSnapStart(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var steps []string
	step := func(s string) {
		mu.Lock()
		steps = append(steps, s)
		mu.Unlock()
	}
	api := lifecycletest.NewRuntimeAPI(t, lifecycletest.Options{
		OnNext: func(call int) { step("next " + strconv.Itoa(call)) },
	})
	done := make(chan error, 1)
	go func() {
		done <- lifecycle.RunExtension(context.Background(), lifecycle.NewClient(api.Addr(), "paramsecrets"), []lifecycle.EventType{lifecycle.Invoke, lifecycle.Shutdown}, lifecycle.Options{
			Listener:  listener(t),
			Handler:   pingHandler(),
			SnapStart: true,
			Restore:   func() { step("restore") },
			Prefetch:  func(context.Context) error { step("prefetch"); return nil },
		})
	}()
	waitFor(t, func() bool { return len(api.NextIDs()) == 1 })
	for i := range 2 {
		api.Send(lifecycle.Event{EventType: lifecycle.Invoke, RequestID: "req-" + strconv.Itoa(i), DeadlineMs: time.Now().Add(time.Minute).UnixMilli()})
		waitFor(t, func() bool { return len(api.NextIDs()) == i+2 })
	}
	api.Send(lifecycle.Event{EventType: lifecycle.Shutdown, DeadlineMs: time.Now().Add(time.Hour).UnixMilli()})
	if err := recv(t, done, "RunExtension to return"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{"next 1", "restore", "prefetch", "next 2", "next 3"}
	if !slices.Equal(steps, want) {
		t.Errorf("steps %q, want %q", steps, want)
	}
}

func TestSnapStartDetection(t *testing.T) {
	t.Parallel()
	tests := []struct {
		env  map[string]string
		want bool
	}{
		{map[string]string{lifecycle.EnvInitializationType: "snap-start"}, true},
		{map[string]string{lifecycle.EnvInitializationType: "on-demand"}, false},
		{map[string]string{lifecycle.EnvInitializationType: "provisioned-concurrency"}, false},
		{map[string]string{lifecycle.EnvInitializationType: "snap-start", lifecycle.EnvMaxConcurrency: "4"}, false},
		{nil, false},
	}
	for _, tc := range tests {
		if got := lifecycle.SnapStart(func(k string) string { return tc.env[k] }); got != tc.want {
			t.Errorf("SnapStart(%v) = %v, want %v", tc.env, got, tc.want)
		}
	}
}

// TestAdoptedRegistration: a client that adopted the front's registration
// does not register again and polls with the adopted identifier.
func TestAdoptedRegistration(t *testing.T) {
	t.Parallel()
	api := lifecycletest.NewRuntimeAPI(t, lifecycletest.Options{})
	c := lifecycle.NewClient(api.Addr(), "paramsecrets")
	c.Adopt(lifecycletest.ExtensionID, lifecycle.RegisterResponse{FunctionName: "fn"})
	done := make(chan error, 1)
	go func() {
		done <- lifecycle.RunExtension(context.Background(), c, []lifecycle.EventType{lifecycle.Invoke, lifecycle.Shutdown}, lifecycle.Options{Listener: listener(t), Handler: pingHandler()})
	}()
	waitFor(t, func() bool { return len(api.NextIDs()) == 1 })
	api.Send(lifecycle.Event{EventType: lifecycle.Shutdown, DeadlineMs: time.Now().Add(time.Hour).UnixMilli()})
	if err := recv(t, done, "RunExtension to return"); err != nil {
		t.Fatal(err)
	}
	if hdr, _ := api.Registration(); hdr != nil {
		t.Errorf("registered again: %v", hdr)
	}
	if ids := api.NextIDs(); ids[0] != lifecycletest.ExtensionID {
		t.Errorf("/event/next with %q", ids[0])
	}
}
