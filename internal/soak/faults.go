package soak

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/paramsecrets/paramsecrets/localaws"
)

// Rotation steps, as the events name them.
const (
	stepCreate = "createSecret"
	stepSet    = "setSecret"
	stepTest   = "testSecret"
	stepFinish = "finishSecret"
)

// faultRun is one fault injected into one rotation. Its hooks run around the
// steps the rotator's handler passes on; each fires once, so the retries that
// follow meet a clean path.
type faultRun struct {
	kind Kind
	h    *harness
	rs   *rotatorState

	mu      sync.Mutex
	fired   bool
	restart chan error    // RestartDuringSet: the restart in progress
	down    time.Duration // RestartDuringSet: how long the restart took
	cut     *proxy        // CutDuring*: the path taken away
	killed  bool          // Kill*: the process was killed
	errs    []string      // what went wrong in the harness itself
}

// before runs before a step is invoked.
func (f *faultRun) before(ctx context.Context, step string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fired {
		return
	}
	switch {
	case f.kind == RestartDuringSet && step == stepSet:
		// The restart begins the moment the rotator's first connection of
		// the step reaches the server, and so overlaps the step's work.
		f.fired = true
		restart := make(chan error, 1)
		f.restart = restart
		engine := f.rs.r.Engine
		ctx := context.WithoutCancel(ctx)
		f.h.proxies[engine].Arm(func() {
			start := time.Now()
			err := f.h.restartDatabase(ctx, engine)
			f.mu.Lock()
			f.down = time.Since(start)
			f.mu.Unlock()
			restart <- err
		})
	case f.kind == CutDuringSet && step == stepSet, f.kind == CutDuringTest && step == stepTest:
		f.fired = true
		f.cut = f.h.proxies[f.rs.r.Engine]
		f.cut.Cut()
	}
}

// after runs once a step has returned, and may turn its outcome into the one
// the fault causes.
func (f *faultRun) after(_ context.Context, step string, err error) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case f.restart != nil:
		if f.h.proxies[f.rs.r.Engine].Arm(nil) {
			// The step never reached the database: try again on its retry.
			f.fired, f.restart = false, nil
			break
		}
		// The step ran while the database went down and came back; the
		// rotation goes on once it is back, as Secrets Manager's retry would.
		// (The hook takes f.mu only after the restart: let it.)
		restart := f.restart
		f.mu.Unlock()
		rerr := <-restart
		f.mu.Lock()
		if rerr != nil {
			f.errs = append(f.errs, "restart the database: "+rerr.Error())
		}
		f.restart = nil
	case f.cut != nil:
		f.cut.Restore()
		f.cut = nil
	case !f.fired && err == nil && f.kind == killKind(step):
		f.fired = true
		if kerr := f.rs.proc.kill(); kerr != nil {
			f.errs = append(f.errs, kerr.Error())
		} else {
			f.killed = true
		}
	}
	return err
}

// killKind is the Kill fault for a step.
func killKind(step string) Kind {
	switch step {
	case stepCreate:
		return KillAfterCreate
	case stepSet:
		return KillAfterSet
	case stepTest:
		return KillAfterTest
	default:
		return KillAfterFinish
	}
}

// downtime is how long the database restart took (0 if none).
func (f *faultRun) downtime() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.down
}

func (f *faultRun) wasKilled() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.killed
}

// problems is what went wrong in the harness while injecting the fault.
func (f *faultRun) problems() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.errs) == 0 {
		return nil
	}
	return fmt.Errorf("%s on %s: %s", f.kind, f.rs.r.Name, strings.Join(f.errs, "; "))
}

// Secrets Manager's errors, as localaws answers them.
const (
	opGet      = "secretsmanager.GetSecretValue"
	opDescribe = "secretsmanager.DescribeSecret"
	opPut      = "secretsmanager.PutSecretValue"
	opStage    = "secretsmanager.UpdateSecretVersionStage"
)

// serviceFaults are the localaws faults a Secrets Manager fault injects.
func serviceFaults(k Kind) []localaws.Fault {
	throttle := localaws.Fault{Code: "ThrottlingException", Status: 400, Message: "Rate exceeded"}
	failure := localaws.Fault{Code: "InternalServiceError", Status: 500, Message: "An error occurred on the server side."}
	with := func(f localaws.Fault, op string, n int) localaws.Fault {
		f.Operation, f.Count = op, n
		return f
	}
	switch k {
	case ThrottleRotation, ErrorsRotation:
		f := throttle
		if k == ErrorsRotation {
			f = failure
		}
		// Three in a row outlast the rotator's SDK retries (three attempts):
		// createSecret fails and the rotation is retried.
		return []localaws.Fault{with(f, opDescribe, 3), with(f, opPut, 1), with(f, opStage, 1)}
	case ThrottleReads:
		return []localaws.Fault{with(throttle, opGet, 6)}
	case ErrorsReads:
		return []localaws.Fault{with(failure, opGet, 6)}
	case HangReads:
		// Longer than any wait in the run: the call ends when the extension
		// gives up on it (SECRETS_MANAGER_TIMEOUT_MILLIS).
		return []localaws.Fault{{Operation: opGet, Count: 3, LatencyMs: int((10 * time.Minute).Milliseconds())}}
	}
	return nil
}

// injectService queues k's Secrets Manager faults and returns, per operation,
// the call count at which they will all have been used.
func (h *harness) injectService(k Kind) map[string]int {
	stats := h.cloud.Server.Stats()
	used := map[string]int{}
	for _, f := range serviceFaults(k) {
		if _, ok := used[f.Operation]; !ok {
			used[f.Operation] = stats[f.Operation]
		}
		used[f.Operation] += f.Count
		h.cloud.Server.InjectFault(f)
	}
	return used
}

// awaitUsed waits until every injected fault has been met by some call, so
// that none is left over for what follows.
func (h *harness) awaitUsed(ctx context.Context, used map[string]int) error {
	return waitFor(ctx, time.Minute, "injected Secrets Manager faults to be used up", func() bool {
		stats := h.cloud.Server.Stats()
		for op, n := range used {
			if stats[op] < n {
				return false
			}
		}
		return true
	})
}

// waitFor polls cond until it holds, or fails after limit saying what it
// waited for.
func waitFor(ctx context.Context, limit time.Duration, what string, cond func() bool) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	for !cond() {
		select {
		case <-ctx.Done():
			return fmt.Errorf("waited %s for %s: %w", limit, what, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil
}
