package soak

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/paramsecrets/paramsecrets/examples/dbreader/dbclient"
	"github.com/paramsecrets/paramsecrets/internal/demo/sandbox"
)

// Report is what a run saw: dist/soak.json. It holds no password.
type Report struct {
	StartedAt string        `json:"startedAt"`
	Seconds   float64       `json:"seconds"`
	Setup     Setup         `json:"setup"`
	Rotators  []RotatorFigs `json:"rotators"`
	// Faults lists each fault injected; FaultKinds sums them up by kind.
	Faults     []FaultResult `json:"faults"`
	FaultKinds []KindFigs    `json:"faultKinds"`
	Extension  ExtensionFigs `json:"extension"`
	// PasswordsChecked is how many passwords the run generated (every
	// version of every secret); Leaks names each output that held one.
	PasswordsChecked int      `json:"passwordsChecked"`
	Leaks            []string `json:"leaks"`
	// Problems are the harness's own findings (a check that failed, a
	// long-lived session dropped without a restart), naming users, never
	// passwords.
	Problems []string `json:"problems"`
}

// Setup is how the run was made.
type Setup struct {
	TTLSeconds             float64 `json:"extensionTtlSeconds"`
	IntervalSeconds        float64 `json:"minRotationIntervalSeconds"`
	WorkersPerSecret       int     `json:"workersPerSecret"`
	PaceMs                 float64 `json:"workerPaceMs"`
	LongLivedPerSecret     int     `json:"longLivedSessionsPerSecret"`
	ExtensionTimeoutMillis int     `json:"extensionUpstreamTimeoutMillis"`
	RetryAttempts          int     `json:"retryAttempts"`
}

// RotatorFigs are one rotator's figures.
type RotatorFigs struct {
	Rotator   string `json:"rotator"`
	Engine    string `json:"engine"`
	Scheme    string `json:"scheme"`
	Rotations int    `json:"rotations"`
	Completed int    `json:"completedRotations"`
	Requests  int    `json:"requests"`
	// FailedRequests failed after the connector's retries.
	FailedRequests int `json:"failedRequests"`
	// FailedLogins are logins the database refused: the application's (each
	// then retried) and, for alternating users, the prober's with AWSCURRENT.
	FailedLogins int `json:"failedLogins"`
	// AuthFailuresRecovered are the application's refused logins that a later
	// try of the same request recovered from.
	AuthFailuresRecovered int `json:"authFailuresRecovered"`
	// TransientRecovered are requests that succeeded after a transient
	// failure only (a database restarting, Secrets Manager throttling).
	TransientRecovered int `json:"transientFailuresRecovered"`
	// SlowestRecoveryMs is the longest from a request's first refused login to
	// its success; SlowestAnyRecoveryMs counts any first failure.
	SlowestRecoveryMs    float64 `json:"slowestRecoveryMs"`
	SlowestAnyRecoveryMs float64 `json:"slowestAnyRecoveryMs"`
	// Single user: ms between the database taking the new password and
	// AWSCURRENT naming it, over every rotation. Nil for alternating users.
	WindowMedianMs *float64 `json:"singleUserWindowMedianMs"`
	WindowMaxMs    *float64 `json:"singleUserWindowMaxMs"`
	WindowSamples  int      `json:"singleUserWindowSamples"`
	// Long-lived sessions.
	LongLivedOpened           int `json:"longLivedOpened"`
	LongLivedDropped          int `json:"longLivedDropped"`
	LongLivedDroppedByRestart int `json:"longLivedDroppedByRestart"`
	LongLivedMostRotations    int `json:"longLivedMostRotationsHeld"`
	// The prober: looks taken, and moments with no credential logging in.
	Checks         int      `json:"proberChecks"`
	CredentialLost int      `json:"credentialLost"`
	LockedOut      int      `json:"rotationsLeavingCurrentRefused"`
	Failures       []string `json:"failures,omitempty"`
}

// KindFigs sums up the faults of one kind.
type KindFigs struct {
	Kind             Kind    `json:"kind"`
	Injected         int     `json:"injected"`
	Converged        int     `json:"converged"`
	NoCredentialLost int     `json:"noCredentialLost"`
	MedianTookMs     float64 `json:"medianTookMs"`
	MaxTookMs        float64 `json:"maxTookMs"`
	// MaxRotateSecretCalls is the most calls one faulted rotation needed;
	// MaxWindowMs the longest single-user window one opened (nil: none).
	MaxRotateSecretCalls int      `json:"maxRotateSecretCalls"`
	MaxWindowMs          *float64 `json:"maxSingleUserWindowMs"`
}

// ExtensionFigs are the extension process at the start and the end (both with
// no request in flight), every ten seconds in between (requests in flight),
// and its metrics line.
type ExtensionFigs struct {
	Start   extensionState     `json:"start"`
	End     extensionState     `json:"end"`
	Samples []extensionState   `json:"samples"`
	Metrics map[string]float64 `json:"metrics"`
}

// goroutineNoise is how far the extension's goroutines may move between two
// quiet moments: idle connections (to the application and to Secrets
// Manager, two goroutines each on the client side) come and go.
const goroutineNoise = 16

// report assembles the figures, then scans every output for the passwords.
func (h *harness) report(elapsed time.Duration, ext ExtensionFigs, passwords []string) (*Report, error) {
	rep := &Report{
		StartedAt: h.start.UTC().Format(time.RFC3339),
		Seconds:   elapsed.Seconds(),
		Setup: Setup{
			TTLSeconds: h.cfg.TTL.Seconds(), IntervalSeconds: h.cfg.interval().Seconds(),
			WorkersPerSecret: h.cfg.Workers, PaceMs: ms(h.cfg.Pace), LongLivedPerSecret: 1,
			ExtensionTimeoutMillis: int(extensionTimeout.Milliseconds()), RetryAttempts: dbclient.DefaultRetry().Attempts,
		},
		Extension: ext,
		Leaks:     []string{},
		Problems:  []string{},
	}
	if m, err := sandbox.Metrics(h.ext.Logs()); err == nil {
		rep.Extension.Metrics = m
	} else {
		rep.Problems = append(rep.Problems, err.Error())
	}
	for _, rs := range h.rotators {
		rep.Rotators = append(rep.Rotators, figures(rs))
		for _, p := range rs.problems {
			rep.Problems = append(rep.Problems, rs.r.Name+": "+p)
		}
	}
	h.mu.Lock()
	rep.Faults = append(rep.Faults, h.faults...)
	for _, ps := range h.pending {
		for _, p := range ps {
			p.result.Converged = false // the rotation after it never completed
			rep.Faults = append(rep.Faults, p.result)
		}
	}
	h.mu.Unlock()
	rep.FaultKinds = kindFigures(rep.Faults)
	rep.PasswordsChecked = len(passwords)
	rep.Leaks = h.scan(rep, passwords)
	if h.cfg.LogDir != "" {
		if err := h.writeLogs(h.cfg.LogDir, rep); err != nil {
			return nil, fmt.Errorf("write the logs: %w", err)
		}
	}
	return rep, nil
}

func figures(rs *rotatorState) RotatorFigs {
	app := rs.app.snapshot()
	rs.mu.Lock()
	defer rs.mu.Unlock()
	f := RotatorFigs{
		Rotator: rs.r.Name, Engine: rs.r.Engine, Scheme: "single user",
		Rotations: rs.rotations, Completed: rs.completed,
		Requests: app.requests, FailedRequests: app.failed,
		FailedLogins:          app.authFailures + rs.currentRefused,
		AuthFailuresRecovered: app.authRecovered, TransientRecovered: app.transientRecovered,
		SlowestRecoveryMs: ms(app.slowestAuth), SlowestAnyRecoveryMs: ms(app.slowest),
		LongLivedOpened: app.heldOpened, LongLivedDropped: app.heldDropped,
		LongLivedDroppedByRestart: app.heldDroppedByRestart, LongLivedMostRotations: app.heldMaxRotations,
		Checks: rs.checks, CredentialLost: rs.lost, LockedOut: rs.lockouts, Failures: app.failures,
	}
	if rs.r.Alternating {
		f.Scheme = "alternating users"
	} else if len(rs.windows) > 0 {
		w := slices.Clone(rs.windows)
		slices.Sort(w)
		median, top := ms(w[len(w)/2]), ms(w[len(w)-1])
		f.WindowMedianMs, f.WindowMaxMs, f.WindowSamples = &median, &top, len(w)
	}
	return f
}

func kindFigures(faults []FaultResult) []KindFigs {
	var out []KindFigs
	for _, k := range AllKinds() {
		kf := KindFigs{Kind: k}
		var took []float64
		for _, f := range faults {
			if f.Kind != k {
				continue
			}
			kf.Injected++
			if f.Converged {
				kf.Converged++
			}
			if f.NoCredentialLost {
				kf.NoCredentialLost++
			}
			took = append(took, f.TookMs)
			kf.MaxRotateSecretCalls = max(kf.MaxRotateSecretCalls, f.RotateSecretCalls)
			if f.WindowMs != nil && (kf.MaxWindowMs == nil || *f.WindowMs > *kf.MaxWindowMs) {
				w := *f.WindowMs
				kf.MaxWindowMs = &w
			}
		}
		if len(took) > 0 {
			slices.Sort(took)
			kf.MedianTookMs, kf.MaxTookMs = took[len(took)/2], took[len(took)-1]
		}
		if kf.Injected > 0 {
			out = append(out, kf)
		}
	}
	return out
}

// Check says whether the run kept the promise: every rotation completed; the
// alternating-users secrets had no failed request and no failed login; the
// single-user ones no failed request, and a measured window; no moment
// without a working credential, no rotation leaving AWSCURRENT refused, no
// long-lived session dropped but by a restart; every fault converged with no
// credential lost; the extension's goroutines did not grow; no password in any
// output.
func (r *Report) Check() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	for _, f := range r.Rotators {
		if f.Completed != f.Rotations || f.Rotations == 0 {
			bad("%s: %d of %d rotations completed", f.Rotator, f.Completed, f.Rotations)
		}
		if f.FailedRequests != 0 {
			bad("%s: %d failed requests (%s)", f.Rotator, f.FailedRequests, strings.Join(f.Failures, "; "))
		}
		if f.Scheme == "alternating users" && f.FailedLogins != 0 {
			bad("%s: %d failed logins", f.Rotator, f.FailedLogins)
		}
		if f.Scheme == "single user" && f.WindowSamples == 0 {
			bad("%s: the single-user window was never measured", f.Rotator)
		}
		if f.CredentialLost != 0 || f.LockedOut != 0 {
			bad("%s: %d moments with no working credential, %d rotations leaving AWSCURRENT refused", f.Rotator, f.CredentialLost, f.LockedOut)
		}
		if f.LongLivedDropped != f.LongLivedDroppedByRestart {
			bad("%s: %d long-lived sessions dropped, only %d by a database restart", f.Rotator, f.LongLivedDropped, f.LongLivedDroppedByRestart)
		}
	}
	for _, f := range r.Faults {
		if !f.Converged || !f.NoCredentialLost {
			bad("%s on %s: converged %v, no credential lost %v", f.Kind, f.Rotator, f.Converged, f.NoCredentialLost)
		}
	}
	if g := r.Extension.End.Goroutines - r.Extension.Start.Goroutines; g > goroutineNoise {
		bad("extension goroutines grew from %d to %d", r.Extension.Start.Goroutines, r.Extension.End.Goroutines)
	}
	for _, l := range r.Leaks {
		bad("a password is in %s", l)
	}
	for _, p := range r.Problems {
		bad("%s", p)
	}
	return errors.Join(errs...)
}
