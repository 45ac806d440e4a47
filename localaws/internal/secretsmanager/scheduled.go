package secretsmanager

import (
	"context"
	"time"

	"github.com/paramsecrets/paramsecrets/localaws/internal/eventlog"
)

// stepsTimeout bounds a scheduled rotation run: four Lambda invocations of at
// most 15 minutes each.
const stepsTimeout = time.Hour

// Tick does what Secrets Manager does in the background once time has
// passed: it removes secrets whose recovery window has ended and starts the
// rotation of every secret whose rotation window has opened, as the schedule
// would ("Secrets Manager rotates your secret at any time during a rotation
// window"; localaws starts at the opening). An unfinished rotation is
// reattempted with its own token, as AWS retries it. Rotations run in the
// background, as on AWS; Wait waits for them. It returns the ARNs of the
// secrets whose rotation it started.
func (s *Store) Tick() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.purgeExpired()
	now := s.now()
	var started []string
	for _, sec := range s.secrets {
		r := sec.rotation
		if sec.primary != nil || !r.enabled || r.window.start.IsZero() || now.Before(r.window.start) ||
			!sec.deletionDate.IsZero() || sec.rotationToken != "" {
			continue
		}
		// This window gets one attempt: the next one opens on schedule, or
		// from the rotation if this one succeeds.
		if sc, err := parseRules(r.rules); err == nil && sc != nil {
			sec.rotation.window = sc.next(r.window.start)
		}
		if !s.invocable(r.lambdaARN) {
			s.opts.Logger.Warn("scheduled rotation not started: no function registered", "secret", sec.arn, "function", r.lambdaARN)
			s.record(sec.account, sec.region, sec.arn, "RotationFailed")
			continue
		}
		token := newToken()
		if p := sec.pendingRotation(); p != nil {
			token = p.id
		}
		plan := s.pend(sec, token, r.lambdaARN)
		started = append(started, sec.arn)
		s.background.Add(1)
		go func() {
			defer s.background.Done()
			ctx, cancel := context.WithTimeout(context.Background(), stepsTimeout)
			defer cancel()
			// A failed run is logged and recorded by run; the AWSPENDING
			// version stays for the next attempt, as on AWS.
			_ = s.run(ctx, plan)
		}()
	}
	return started
}

// Wait blocks until the rotations Tick started have ended, or ctx is done.
func (s *Store) Wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		s.background.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// emit records a rotation event for a planned run.
func (s *Store) emit(p *rotationPlan, name string) {
	s.record(p.key.account, p.key.region, p.arn, name)
}

// record sends one rotation event as EventBridge receives Secrets Manager's
// CloudTrail service events (detail-type "AWS Service Event via CloudTrail",
// https://docs.aws.amazon.com/secretsmanager/latest/userguide/monitoring-eventbridge.html).
func (s *Store) record(account, region, arn, name string) {
	if s.opts.Events == nil {
		return
	}
	now := s.now()
	detail := map[string]any{
		"eventVersion":        "1.08",
		"eventTime":           now.Format(time.RFC3339),
		"eventSource":         "secretsmanager.amazonaws.com",
		"eventName":           name,
		"awsRegion":           region,
		"sourceIPAddress":     "secretsmanager.amazonaws.com",
		"userAgent":           "secretsmanager.amazonaws.com",
		"eventType":           "AwsServiceEvent",
		"managementEvent":     true,
		"recipientAccountId":  account,
		"additionalEventData": map[string]string{"SecretId": arn},
	}
	s.opts.Events(eventlog.New("aws.secretsmanager", "AWS Service Event via CloudTrail", account, region, now, []string{arn}, detail))
}
