package soak

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"

	"github.com/aws/aws-lambda-go/events"

	"github.com/paramsecrets/paramsecrets/internal/demo/sandbox"
	"github.com/paramsecrets/paramsecrets/internal/lambdatest"
)

// rotatorProc is one rotation function as Secrets Manager sees it. localaws
// invokes the handler registered for the function's ARN, which passes each
// step's event on to the built bootstrap under its emulator. That handler is
// the harness's place in the platform: it injects the faults that live inside
// a rotation (before or after a step) and, between two steps, has the prober
// check the secret's staged credentials.
type rotatorProc struct {
	r    sandbox.Rotator
	opts lambdatest.Options
	// after runs once a step has returned, with its outcome; set by the
	// harness.
	after func(ctx context.Context, tr *trace, step string, err error)

	mu      sync.Mutex
	fn      *lambdatest.Function
	retired []string // logs of the execution environments replaced
	tr      *trace   // the rotation in progress, if the harness runs one
	started int      // execution environments started
}

// start runs a new execution environment for the function.
func (p *rotatorProc) start(ctx context.Context) error {
	fn, err := lambdatest.Start(ctx, p.opts)
	if err != nil {
		return fmt.Errorf("start %s: %w", p.r.Name, err)
	}
	p.mu.Lock()
	p.fn = fn
	p.started++
	p.mu.Unlock()
	return nil
}

// replace retires the execution environment, as Lambda does with one whose
// process died, and starts a fresh one: the next invoke is a cold start.
func (p *rotatorProc) replace(ctx context.Context) error {
	p.mu.Lock()
	old := p.fn
	p.mu.Unlock()
	err := old.Close() // a function whose runtime was killed still stops cleanly
	p.mu.Lock()
	p.retired = append(p.retired, old.Logs())
	p.mu.Unlock()
	if err != nil {
		return fmt.Errorf("retire %s: %w", p.r.Name, err)
	}
	return p.start(ctx)
}

// kill SIGKILLs the bootstrap process, as a crash would end it. The emulator
// stays; its next invoke fails with Runtime.ExitError, as Lambda's does for
// an environment whose runtime has exited.
func (p *rotatorProc) kill() error {
	pids := processesOf(p.opts.Bootstrap)
	if len(pids) == 0 {
		return fmt.Errorf("kill %s: no process runs %s", p.r.Name, p.opts.Bootstrap)
	}
	for _, pid := range pids {
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("kill %s (pid %d): %w", p.r.Name, pid, err)
		}
	}
	return nil
}

// setTrace makes tr the rotation whose steps the handler serves (nil: none).
func (p *rotatorProc) setTrace(tr *trace) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tr = tr
}

// handle is what localaws invokes for each step.
func (p *rotatorProc) handle(ctx context.Context, ev events.SecretsManagerSecretRotationEvent) error {
	p.mu.Lock()
	fn, tr := p.fn, p.tr
	p.mu.Unlock()
	if tr != nil && tr.fault != nil {
		tr.fault.before(ctx, ev.Step)
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	_, err = fn.Invoke(ctx, payload)
	if tr != nil && tr.fault != nil {
		err = tr.fault.after(ctx, ev.Step, err)
	}
	if tr != nil && p.after != nil {
		p.after(ctx, tr, ev.Step, err)
	}
	return err
}

// logs is every execution environment's log, the running one's last.
func (p *rotatorProc) logs() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := append([]string(nil), p.retired...)
	if p.fn != nil {
		out = append(out, p.fn.Logs())
	}
	return out
}

// close stops the running environment.
func (p *rotatorProc) close() error {
	p.mu.Lock()
	fn := p.fn
	p.mu.Unlock()
	if fn == nil {
		return nil
	}
	if err := fn.Close(); err != nil {
		return fmt.Errorf("stop %s: %w", p.r.Name, err)
	}
	return nil
}

// processesOf lists the live processes whose argv[0] is path.
func processesOf(path string) []int {
	dirs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	var pids []int
	for _, d := range dirs {
		cmdline, err := os.ReadFile(d)
		if err != nil {
			continue
		}
		argv0, _, _ := bytes.Cut(cmdline, []byte{0})
		if string(argv0) != path {
			continue
		}
		if pid, err := strconv.Atoi(filepath.Base(filepath.Dir(d))); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}
