package soak

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"golang.org/x/sync/errgroup"

	"github.com/paramsecrets/paramsecrets/internal/demo/sandbox"
	"github.com/paramsecrets/paramsecrets/internal/safebuf"
)

// harness is one run: what it started, and what it saw.
type harness struct {
	cfg   Config
	began time.Time // Run was called
	start time.Time // the rotations began

	dir      string
	bin      *sandbox.Binaries
	dbs      *sandbox.Databases
	proxies  map[string]*proxy // by engine
	cloud    *sandbox.Cloud
	sm       *secretsmanager.Client // reads, with retries
	rotateSM *secretsmanager.Client // RotateSecret, without
	ext      *sandbox.Extension
	sched    *schedTrace
	roots    *x509.CertPool
	caBundle string
	rotators []*rotatorState
	prober   *prober
	traffic  *traffic
	stops    []func() error

	// restartsBegun and restartsDone count database restarts per engine.
	restartsBegun, restartsDone map[string]*atomic.Int64

	// faultMu runs each fault alone: clean rotations hold it shared.
	faultMu sync.RWMutex

	mu      sync.Mutex
	quiet   time.Time // no rotation before this (after a fault on the reads)
	pending map[*rotatorState][]pendingFault
	faults  []FaultResult

	// Logs kept for the report and the password scan.
	awsLogs, appLogs, progress safebuf.Buffer
	discard                    *slog.Logger // for the prober's logins
	logApp                     *slog.Logger // the application's (the connectors' retry lines)
}

// pendingFault is a fault whose next clean rotation has not completed yet.
type pendingFault struct {
	result     FaultResult
	lostBefore int
}

// Run makes the run cfg describes and returns its report. An error means the
// run could not be made, or a rotation did not converge; whether what the run
// saw meets the promise is the report's Check.
func Run(ctx context.Context, cfg Config) (_ *Report, err error) {
	cfg, err = cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	h := &harness{
		cfg: cfg, proxies: map[string]*proxy{}, pending: map[*rotatorState][]pendingFault{},
		restartsBegun: map[string]*atomic.Int64{sandbox.EnginePostgres: {}, sandbox.EngineMySQL: {}},
		restartsDone:  map[string]*atomic.Int64{sandbox.EnginePostgres: {}, sandbox.EngineMySQL: {}},
		sched:         &schedTrace{},
		began:         time.Now(),
	}
	h.discard = slog.New(slog.DiscardHandler)
	h.logApp = slog.New(slog.NewJSONHandler(&h.appLogs, nil))
	defer func() {
		if stopErr := h.stopAll(); stopErr != nil {
			err = errors.Join(err, stopErr)
		}
	}()
	if err := h.setUp(ctx); err != nil {
		return nil, err
	}
	return h.run(ctx)
}

// run drives the application, the prober and the rotations, then takes
// everything down and reports.
func (h *harness) run(ctx context.Context) (*Report, error) {
	h.traffic = &traffic{h: h, stop: make(chan struct{})}
	for _, rs := range h.rotators {
		h.traffic.start(rs)
	}
	stopSamples := make(chan struct{})
	var samplers sync.WaitGroup
	for _, rs := range h.rotators {
		samplers.Go(func() { h.sampleLoop(rs, stopSamples) })
	}
	var once sync.Once
	stopLoops := func() {
		once.Do(func() {
			h.traffic.close()
			close(stopSamples)
			samplers.Wait()
		})
	}
	defer stopLoops()

	if err := waitFor(ctx, 2*time.Minute, "every worker's first request", func() bool {
		for _, rs := range h.rotators {
			if rs.app.snapshot().requests < h.cfg.Workers {
				return false
			}
		}
		return true
	}); err != nil {
		return nil, err
	}
	startState, err := h.snapshot(ctx)
	if err != nil {
		return nil, fmt.Errorf("extension at start: %w", err)
	}
	h.mu.Lock()
	h.start = time.Now()
	h.mu.Unlock()
	h.progressf("traffic running; rotations start (extension: %d goroutines, %.1f MB)", startState.Goroutines, mb(startState.RSSBytes))
	stopSampling := make(chan struct{})
	sampled := make(chan []extensionState, 1)
	go func() { sampled <- h.sampleExtension(stopSampling) }()
	g, gctx := errgroup.WithContext(ctx)
	for _, rs := range h.rotators {
		g.Go(func() error { return h.runRotator(gctx, rs) })
	}
	err = g.Wait()
	close(stopSampling)
	samples := <-sampled
	if err != nil {
		return nil, err
	}
	elapsed := time.Since(h.start)
	endState, err := h.snapshot(ctx)
	if err != nil {
		return nil, fmt.Errorf("extension at end: %w", err)
	}
	stopLoops()
	passwords, err := h.passwords(ctx)
	if err != nil {
		return nil, err
	}
	if err := h.stopAll(); err != nil {
		return nil, err
	}
	return h.report(elapsed, ExtensionFigs{Start: startState, End: endState, Samples: samples}, passwords)
}

// restarts reads how many restarts of engine's database have begun and have
// finished.
func (h *harness) restarts(engine string) (begun, done int64) {
	return h.restartsBegun[engine].Load(), h.restartsDone[engine].Load()
}

// restartDatabase restarts engine's server.
func (h *harness) restartDatabase(ctx context.Context, engine string) error {
	h.restartsBegun[engine].Add(1)
	defer h.restartsDone[engine].Add(1)
	if engine == sandbox.EnginePostgres {
		return h.dbs.Postgres.Restart(ctx)
	}
	return h.dbs.MariaDB.Restart(ctx)
}

func (h *harness) quietUntil() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.quiet
}

func (h *harness) setQuietUntil(t time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.quiet = t
}

// recordFault keeps a fault's result until the rotator's next rotation has
// completed.
func (h *harness) recordFault(fr FaultResult, rs *rotatorState, lostBefore int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.pending[rs] = append(h.pending[rs], pendingFault{fr, lostBefore})
}

// completeFaults closes the records of rs's faults now that a rotation after
// them has completed.
func (h *harness) completeFaults(rs *rotatorState) {
	lost := rs.lostCount()
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, p := range h.pending[rs] {
		p.result.NoCredentialLost = lost == p.lostBefore
		h.faults = append(h.faults, p.result)
	}
	delete(h.pending, rs)
}

// progressf prints a line of progress, stamped with the time into the run.
func (h *harness) progressf(format string, args ...any) {
	line := fmt.Sprintf("[%6.1fs] %s\n", time.Since(h.began).Seconds(), fmt.Sprintf(format, args...))
	h.progress.Write([]byte(line))
	io.WriteString(h.cfg.Progress, line)
}

func mb(n int64) float64 { return float64(n) / (1 << 20) }
