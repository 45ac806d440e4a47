package soak

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// rotateAttempts bounds the RotateSecret calls of one rotation: the first, and
// the reattempts with the same token that Secrets Manager would make.
const rotateAttempts = 8

// FaultResult is one fault injected and what followed.
type FaultResult struct {
	Kind    Kind   `json:"kind"`
	Rotator string `json:"rotator"`
	// Converged: once the fault cleared, the rotation completed (for a fault
	// on the reads: the faults were used up) and so did the next, clean one.
	Converged bool `json:"converged"`
	// NoCredentialLost: at every look, from the fault to the end of the next
	// rotation, one of the credentials a client may hold logged in.
	NoCredentialLost bool `json:"noCredentialLost"`
	// TookMs is from the injection until the faulted rotation completed (or
	// the faults were used up).
	TookMs float64 `json:"tookMs"`
	// RotateSecretCalls made for the faulted rotation (1 when it went through
	// at once).
	RotateSecretCalls int `json:"rotateSecretCalls"`
	// WindowMs is the faulted rotation's single-user window.
	WindowMs *float64 `json:"singleUserWindowMs,omitempty"`
	// DatabaseDownMs is how long a restart took, from the stop to the server
	// accepting connections again.
	DatabaseDownMs *float64 `json:"databaseDownMs,omitempty"`
}

// runRotator makes rotator rs's rotations: clean ones, and the plan's faults
// each between two clean ones, until the plan has been done once, MinRotations
// are made and the Duration has passed (the plan starting over while it has
// not). It always ends on a clean rotation.
func (h *harness) runRotator(ctx context.Context, rs *rotatorState) error {
	plan := h.cfg.Plan[rs.r.Name]
	next, lastClean, planDone := 0, false, len(plan) == 0
	for {
		timeLeft := h.cfg.Duration > 0 && time.Since(h.start) < h.cfg.Duration
		if next == len(plan) {
			planDone = true
			if timeLeft && len(plan) > 0 {
				next = 0
			}
		}
		if lastClean && planDone && !timeLeft && rs.rotationsStarted() >= h.cfg.MinRotations {
			return nil
		}
		if lastClean && next < len(plan) {
			k := plan[next]
			next++
			if err := h.faulted(ctx, rs, k); err != nil {
				return err
			}
			lastClean = false
			continue
		}
		if err := h.clean(ctx, rs); err != nil {
			return err
		}
		lastClean = true
	}
}

func (rs *rotatorState) rotationsStarted() int {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return rs.rotations
}

// awaitTurn waits until rs may rotate: an interval after its last rotation
// and after the last fault on the reads (whose stale answers must have aged
// out of every cache). It returns holding the fault lock: shared for a clean
// rotation, whole for a fault, which then runs alone.
func (h *harness) awaitTurn(ctx context.Context, rs *rotatorState, exclusive bool) error {
	for {
		rs.mu.Lock()
		due := rs.lastEnd.Add(h.cfg.interval())
		rs.mu.Unlock()
		if q := h.quietUntil(); q.After(due) {
			due = q
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Until(due)):
		}
		if exclusive {
			h.faultMu.Lock()
		} else {
			h.faultMu.RLock()
		}
		if !time.Now().Before(h.quietUntil()) {
			return nil
		}
		if exclusive {
			h.faultMu.Unlock()
		} else {
			h.faultMu.RUnlock()
		}
	}
}

// clean makes one rotation with no fault.
func (h *harness) clean(ctx context.Context, rs *rotatorState) error {
	if err := h.awaitTurn(ctx, rs, false); err != nil {
		return err
	}
	defer h.faultMu.RUnlock()
	_, _, err := h.rotate(ctx, rs, nil)
	return err
}

// faulted injects fault k into rs's next rotation (or, for a fault on the
// reads, between rotations) while nothing else rotates, and records it. The
// clean rotation that follows (runRotator's next) completes the record.
func (h *harness) faulted(ctx context.Context, rs *rotatorState, k Kind) error {
	if err := h.awaitTurn(ctx, rs, true); err != nil {
		return err
	}
	defer h.faultMu.Unlock()
	lostBefore := rs.lostCount()
	fr := FaultResult{Kind: k, Rotator: rs.r.Name}
	start := time.Now()
	h.progressf("%-28s %s", rs.r.Name, k)
	used := h.injectService(k)
	if k.rotates() {
		f := &faultRun{kind: k, h: h, rs: rs}
		calls, window, err := h.rotate(ctx, rs, f)
		fr.RotateSecretCalls = calls
		if err != nil {
			return fmt.Errorf("%s on %s: %w", k, rs.r.Name, err)
		}
		if err := f.problems(); err != nil {
			return err
		}
		if rs.single() && window > 0 {
			w := ms(window)
			fr.WindowMs = &w
		}
		if d := f.downtime(); d > 0 {
			down := ms(d)
			fr.DatabaseDownMs = &down
		}
	}
	if err := h.awaitUsed(ctx, used); err != nil {
		return fmt.Errorf("%s on %s: %w", k, rs.r.Name, err)
	}
	fr.TookMs = ms(time.Since(start))
	fr.Converged = true
	h.progressf("%-28s %s: converged in %.0f ms, %d RotateSecret call(s)", rs.r.Name, k, fr.TookMs, fr.RotateSecretCalls)
	if !k.rotates() {
		h.setQuietUntil(time.Now().Add(h.cfg.interval()))
	}
	h.recordFault(fr, rs, lostBefore)
	return nil
}

func (rs *rotatorState) lostCount() int {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return rs.lost
}

// rotate runs one rotation with RotateSecret and a new token, reattempting
// with the same token while it fails (after replacing an environment whose
// process was killed), and checks the result. It returns the RotateSecret
// calls made and the single-user window (0 if none was measured).
func (h *harness) rotate(ctx context.Context, rs *rotatorState, f *faultRun) (int, time.Duration, error) {
	tr := &trace{token: newToken(), fault: f}
	rs.mu.Lock()
	rs.rotations++
	rs.mu.Unlock()
	rs.proc.setTrace(tr)
	defer rs.proc.setTrace(nil)
	secret := rs.r.SecretName()
	calls, replaced := 0, false
	var errs []string
	for {
		calls++
		_, err := h.rotateSM.RotateSecret(ctx, &secretsmanager.RotateSecretInput{SecretId: aws.String(secret), ClientRequestToken: aws.String(tr.token)})
		if f != nil && f.wasKilled() && !replaced {
			// A new execution environment for whatever comes next, as
			// Lambda gives one after a crash.
			replaced = true
			if rerr := rs.proc.replace(ctx); rerr != nil {
				return calls, 0, rerr
			}
			if err == nil {
				continue // the crash came after the last step: retry all the same
			}
		}
		if err == nil {
			break
		}
		errs = append(errs, err.Error())
		if calls == rotateAttempts {
			return calls, 0, fmt.Errorf("rotation %s of %s did not converge after %d RotateSecret calls: %v", tr.token, secret, calls, errs)
		}
		select {
		case <-ctx.Done():
			return calls, 0, ctx.Err()
		case <-time.After(time.Duration(calls) * 100 * time.Millisecond):
		}
	}
	d, err := h.sm.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(secret)})
	if err != nil {
		return calls, 0, fmt.Errorf("DescribeSecret %s: %w", secret, err)
	}
	if !slices.Contains(d.VersionIdsToStages[tr.token], "AWSCURRENT") {
		return calls, 0, fmt.Errorf("RotateSecret %s of %s succeeded but the token is not AWSCURRENT: %v", tr.token, secret, d.VersionIdsToStages)
	}
	h.afterRotation(ctx, rs)
	w, measured := tr.window()
	rs.mu.Lock()
	rs.completed++
	rs.lastEnd = time.Now()
	if measured && rs.single() {
		rs.windows = append(rs.windows, w)
	}
	n := rs.completed
	rs.mu.Unlock()
	h.completeFaults(rs)
	if f == nil {
		h.progressf("%-28s rotation %d", rs.r.Name, n)
	}
	return calls, w, nil
}

// newToken is a ClientRequestToken (32 to 64 characters): 26 random ones, and
// a suffix that says in any log where the version came from.
func newToken() string { return rand.Text()[:26] + "-soak-token" }

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
