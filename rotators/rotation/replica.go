package rotation

import (
	"context"
	"fmt"
	"time"
)

// Bounds of testSecret's wait for a replica (waitForReplica).
const (
	// replicaWaitMax is the longest testSecret waits for a replica to accept the new
	// credential; Lambda's deadline may cut it shorter.
	replicaWaitMax = 5 * time.Minute
	// replicaWaitMargin is left of the Lambda deadline, so that the step reports the
	// timeout itself instead of being killed.
	replicaWaitMargin = 2 * time.Second
	// replicaRetryFirst and replicaRetryMax bound the pause between two logins: short at
	// first (replication is usually a matter of milliseconds), doubling up to a few seconds.
	replicaRetryFirst = 50 * time.Millisecond
	replicaRetryMax   = 2 * time.Second
)

// waitForReplica is testSecret's answer to a refused login (refused, from Ping) on a host
// RDS says is a read replica or an Aurora reader: setSecret changed the password on the
// primary, and the replica may not have applied it yet. It logs in again, with backoff,
// until the replica accepts the credential, another kind of error comes, or the wait
// runs out: min(replicaWaitMax, Lambda's deadline − replicaWaitMargin). On any other host
// it returns refused at once.
func (r *Rotator) waitForReplica(ctx context.Context, id string, pending Secret, refused error) error {
	at := r.endpointOf(pending)
	rep, err := r.replicaOf(ctx, at)
	if err != nil {
		return fmt.Errorf("%w (and RDS could not tell whether %s is a replica that may lag: %v)", refused, at, err)
	}
	if rep == nil {
		return refused
	}
	limit := replicaWaitMax
	if deadline, ok := ctx.Deadline(); ok {
		limit = min(limit, time.Until(deadline)-replicaWaitMargin)
	}
	if limit <= 0 {
		return fmt.Errorf("%w (%s is %s, and no time is left to wait for it)", refused, at, rep.what)
	}
	r.log.Info("the replica does not accept the pending credential yet; waiting for replication",
		"step", StepTest, "secret", id, "host", at.String(), "replica", rep.what, "wait", limit.String())
	wctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	start, pause, attempts := time.Now(), replicaRetryFirst, 1
	timer := time.NewTimer(pause)
	defer timer.Stop()
	for {
		select {
		case <-wctx.Done():
			return fmt.Errorf("%s is %s and did not accept the pending credential within %s (%d logins; is replication lagging or stopped?): %w",
				at, rep.what, limit.Round(time.Second), attempts, refused)
		case <-timer.C:
		}
		attempts++
		err := r.db.Ping(wctx, pending)
		switch {
		case err == nil:
			r.log.Info("the replica accepts the pending credential", "step", StepTest, "secret", id,
				"host", at.String(), "logins", attempts, "waited", time.Since(start).Round(time.Millisecond).String())
			return nil
		case wctx.Err() != nil:
			continue // the wait ran out during the login: report the refusal, not the cut
		case !r.db.LoginRefused(err):
			return fmt.Errorf("%s is %s; waiting for it to accept the pending credential: %w", at, rep.what, err)
		}
		refused = err
		pause = min(2*pause, replicaRetryMax)
		timer.Reset(pause)
	}
}
