package soak

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/paramsecrets/paramsecrets/examples/dbreader/dbclient"
	"github.com/paramsecrets/paramsecrets/internal/demo/sandbox"
)

// rotatorState is one rotator, its secret and what happened to them.
type rotatorState struct {
	r         sandbox.Rotator
	proc      *rotatorProc
	connector *dbclient.Connector
	app       *appStats

	mu        sync.Mutex
	rotations int             // rotations started
	completed int             // rotations that finished (the token became AWSCURRENT)
	windows   []time.Duration // single user: one per completed rotation
	lastEnd   time.Time
	// What the prober saw: looks taken (step boundaries and samples), moments
	// with no working credential, AWSCURRENT refused (alternating users:
	// a failed login), rotations that left AWSCURRENT not logging in, and
	// AWSPREVIOUS behaving against the scheme (single user: still logging in;
	// alternating: refused).
	checks, lost, currentRefused, lockouts, previousWrong int
	problems                                              []string
}

func (rs *rotatorState) single() bool { return !rs.r.Alternating }

func (rs *rotatorState) completedRotations() int {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return rs.completed
}

// problem records something the run must report as a failure.
func (rs *rotatorState) problem(format string, args ...any) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if len(rs.problems) < 20 {
		rs.problems = append(rs.problems, fmt.Sprintf(format, args...))
	}
}

// trace is one rotation as the step handler sees it, and its single-user
// window: from the end of the setSecret after which AWSPENDING's password
// logs in (the database has taken it) to the end of the finishSecret that
// made the token AWSCURRENT, less the time the harness's own checks between
// those steps took.
type trace struct {
	token string
	fault *faultRun // nil for a clean rotation

	mu                     sync.Mutex
	windowStart, windowEnd time.Time
	checksInWindow         time.Duration
}

func (tr *trace) window() (time.Duration, bool) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if tr.windowStart.IsZero() || tr.windowEnd.IsZero() {
		return 0, false
	}
	return tr.windowEnd.Sub(tr.windowStart) - tr.checksInWindow, true
}

// afterStep is the rotator handler's hook: between two steps nothing moves,
// so it looks at every staged credential.
func (h *harness) afterStep(ctx context.Context, rs *rotatorState, tr *trace, step string, stepErr error) {
	end := time.Now()
	c, err := h.prober.full(context.WithoutCancel(ctx), rs.r.SecretName())
	if err != nil {
		rs.problem("check after %s: %v", step, err)
	}
	h.judge(rs, c, "after "+step)
	tr.mu.Lock()
	defer tr.mu.Unlock()
	switch {
	case step == stepSet && tr.windowStart.IsZero() && c.pending == ok:
		tr.windowStart = end
		tr.checksInWindow += c.took
	case step == stepFinish && stepErr == nil && c.stages.current == tr.token && !tr.windowStart.IsZero() && tr.windowEnd.IsZero():
		tr.windowEnd = end
	case !tr.windowStart.IsZero() && tr.windowEnd.IsZero():
		tr.checksInWindow += c.took
	}
}

// judge counts what one look found.
func (h *harness) judge(rs *rotatorState, c check, when string) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.checks++
	if c.lost(rs.single()) {
		rs.lost++
		if len(rs.problems) < 20 {
			rs.problems = append(rs.problems, fmt.Sprintf("%s: no staged credential logs in (stages %+v)", when, c.stages))
		}
	}
	if !rs.single() && c.current == refused {
		rs.currentRefused++
	}
}

// sampleLoop looks at the secret every ProbeEvery while rotations run, until
// stop is closed.
func (h *harness) sampleLoop(rs *rotatorState, stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		case <-time.After(h.cfg.ProbeEvery):
		}
		c, settled, err := h.prober.sample(context.Background(), rs.r.SecretName())
		if err != nil {
			rs.problem("sample: %v", err)
			continue
		}
		if settled {
			h.judge(rs, c, "sample")
		}
	}
}

// afterRotation checks a finished rotation the way a user would: AWSCURRENT
// logs in; with a single user the old password (AWSPREVIOUS) no longer does;
// with alternating users it still does, for the clients that hold it. A
// database that cannot be asked (restarting) is asked again.
func (h *harness) afterRotation(ctx context.Context, rs *rotatorState) {
	var c check
	err := waitFor(ctx, time.Minute, "the database to answer the prober", func() bool {
		var err error
		c, err = h.prober.full(ctx, rs.r.SecretName())
		return err == nil && c.current != unknown && c.previous != unknown
	})
	if err != nil {
		rs.problem("after rotation: %v", err)
		return
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if c.current != ok {
		rs.lockouts++
		rs.problems = append(rs.problems, fmt.Sprintf("after rotation: AWSCURRENT %s does not log in", c.stages.current))
	}
	wrong := (rs.single() && c.previous == ok) || (!rs.single() && c.previous == refused)
	if wrong {
		rs.previousWrong++
		rs.problems = append(rs.problems, fmt.Sprintf("after rotation: AWSPREVIOUS %s behaves against the scheme (outcome %d)", c.stages.previous, c.previous))
	}
}
