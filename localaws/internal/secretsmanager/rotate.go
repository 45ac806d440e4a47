package secretsmanager

import (
	"context"
	"fmt"

	"github.com/aws/aws-lambda-go/events"

	"github.com/paramsecrets/paramsecrets/localaws/internal/awsjson"
)

// The four steps of the rotation contract, in the order Secrets Manager
// invokes them
// (https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_lambda-functions.html).
var rotationSteps = []string{"createSecret", "setSecret", "testSecret", "finishSecret"}

type rotateSecretInput struct {
	SecretId           *string
	ClientRequestToken *string
	RotationLambdaARN  *string
	RotationRules      *RotationRules
	RotateImmediately  *bool
}

type rotateSecretOutput struct {
	ARN       string
	Name      string
	VersionId *string `json:",omitempty"`
}

// rotateSecret implements RotateSecret.
//
// Unlike AWS, which answers at once and runs the function in the
// background, localaws runs the four steps before answering: a test that
// calls RotateSecret can then check the result without polling. A failing
// step stops the rotation where AWS would leave it (AWSPENDING on the new
// version, AWSCURRENT unchanged) and RotateSecret answers
// InvalidRequestException naming the step. The RotateSecret reference says
// that while AWSPENDING is on a version other than AWSCURRENT's, "any later
// invocation of RotateSecret assumes that a previous rotation request is
// still in progress and returns an error"; AWS's message adds that the
// rotation "will be reattempted", which AWS does in the background. localaws
// has no background, so the caller makes that reattempt: RotateSecret with
// the same ClientRequestToken resumes the rotation from createSecret (every
// step is idempotent by contract). Any other token gets the error.
// RotateImmediately=false runs the configuration test instead (testRotation).
func (s *Store) rotateSecret(ctx context.Context, c Caller, in *rotateSecretInput) (any, error) {
	if err := checkSecretID(in.SecretId); err != nil {
		return nil, err
	}
	if in.ClientRequestToken == nil {
		return nil, errNoToken("InvalidParameterException")
	}
	if err := checkToken("clientRequestToken", in.ClientRequestToken, true); err != nil {
		return nil, err
	}
	if len(deref(in.RotationLambdaARN)) > maxLambdaARNLen {
		return nil, awsjson.MaxLen("rotationLambdaARN", maxLambdaARNLen)
	}
	if _, err := parseRules(in.RotationRules); err != nil {
		return nil, err
	}
	if in.RotateImmediately != nil && !*in.RotateImmediately {
		return s.testRotation(ctx, c, in)
	}
	plan, out, err := s.startRotation(c, in)
	if err != nil || plan == nil {
		return out, err
	}
	if err := s.run(ctx, plan); err != nil {
		return nil, err
	}
	return out, nil
}

// run invokes the four steps of a planned rotation and records how it
// ended, in the store and as the events Secrets Manager sends.
func (s *Store) run(ctx context.Context, plan *rotationPlan) error {
	defer s.endRotation(plan)
	s.emit(plan, "RotationStarted")
	for _, step := range rotationSteps {
		ev := events.SecretsManagerSecretRotationEvent{
			Step: step, SecretID: plan.arn, ClientRequestToken: plan.token, RotationToken: plan.rotationToken,
		}
		if err := s.opts.Invoker.Invoke(ctx, plan.lambdaARN, ev); err != nil {
			s.opts.Logger.Warn("rotation step failed", "secret", plan.arn, "step", step, "version", plan.token, "error", err)
			s.emit(plan, "RotationFailed")
			return awsjson.ClientError("InvalidRequestException",
				fmt.Sprintf("rotation of %s stopped: function %s failed at %s: %v", plan.arn, plan.lambdaARN, step, err))
		}
	}
	s.finishRotation(plan)
	s.emit(plan, "RotationSucceeded")
	return nil
}

// rotationPlan is what the steps need once the store lock is released.
type rotationPlan struct {
	key                                  key
	arn, token, lambdaARN, rotationToken string
}

// startRotation stores the rotation configuration and creates (or finds,
// when resuming) the value-less AWSPENDING version. A nil plan means there
// is nothing to invoke.
func (s *Store) startRotation(c Caller, in *rotateSecretInput) (*rotationPlan, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, err := s.resolve(c, *in.SecretId, access{op: "RotateSecret", live: true, write: true})
	if err != nil {
		return nil, nil, err
	}
	lambdaARN, err := s.rotationFunction(sec, in)
	if err != nil {
		return nil, nil, err
	}
	token := deref(in.ClientRequestToken)
	if token == "" {
		token = newToken()
	}
	if p := sec.pendingRotation(); p != nil && p.id != token {
		return nil, nil, errRotationInProgress()
	}
	existing := sec.versions[token]
	if existing != nil && !existing.has(StagePending) && !existing.has(StageCurrent) {
		return nil, nil, errTokenInUse(token, sec.arn)
	}
	s.configure(sec, rotationConfig{lambdaARN: lambdaARN, rules: in.RotationRules})
	out := rotateSecretOutput{ARN: sec.arn, Name: sec.name, VersionId: &token}
	if existing != nil && existing.has(StageCurrent) {
		// This rotation already finished; a retry changes nothing.
		return nil, out, nil
	}
	return s.pend(sec, token, lambdaARN), out, nil
}

// pend creates the value-less AWSPENDING version of a rotation (or finds it,
// when resuming one) and plans the run. The caller holds s.mu.
func (s *Store) pend(sec *secret, token, lambdaARN string) *rotationPlan {
	if sec.versions[token] == nil {
		v := &version{id: token, created: s.now()}
		sec.add(v)
		sec.attach(v, StagePending)
		s.prune(sec)
	}
	return s.plan(sec, token, lambdaARN)
}

// rotationFunction is the function a RotateSecret call rotates with: the one
// it names, else the one stored. It must be one localaws can invoke. The
// caller holds s.mu.
func (s *Store) rotationFunction(sec *secret, in *rotateSecretInput) (string, error) {
	lambdaARN := deref(in.RotationLambdaARN)
	if lambdaARN == "" {
		lambdaARN = sec.rotation.lambdaARN
	}
	if lambdaARN == "" {
		return "", awsjson.ClientError("InvalidRequestException",
			"No Lambda rotation function ARN is associated with this secret.")
	}
	if !s.invocable(lambdaARN) {
		return "", awsjson.ClientError("AccessDeniedException",
			"Secrets Manager cannot invoke the specified Lambda function. Ensure that the function policy grants access to the principal secretsmanager.amazonaws.com.")
	}
	return lambdaARN, nil
}

// pendingRotation is the version of an unfinished rotation: AWSPENDING on a
// version other than AWSCURRENT's, which the RotateSecret reference says
// makes "any later invocation of RotateSecret" fail. Nil when none.
func (sec *secret) pendingRotation() *version {
	if p := sec.holder(StagePending); p != nil && p != sec.holder(StageCurrent) {
		return p
	}
	return nil
}

func errRotationInProgress() error {
	return awsjson.ClientError("InvalidRequestException",
		"A previous rotation isn't complete. That rotation will be reattempted.")
}

func errTokenInUse(token, arn string) error {
	return awsjson.ClientError("ResourceExistsException",
		"You can't use ClientRequestToken "+token+" because that value is already in use for a version of secret "+arn+".")
}

func (s *Store) invocable(lambdaARN string) bool {
	return s.opts.Invoker != nil && s.opts.Invoker.Has(lambdaARN)
}

// configure stores a rotation configuration, turns rotation on and
// schedules the next window from now. Rules left out of the call keep the
// stored ones. The caller holds s.mu.
func (s *Store) configure(sec *secret, c rotationConfig) {
	now := s.now()
	if c.rules == nil {
		c.rules = sec.rotation.rules
	}
	c.configured, c.enabled, c.since = true, true, now
	sec.rotation = c
	sec.reschedule(now)
	sec.lastChanged = now
}

// plan issues the RotationToken of one run of a function over the secret's
// steps: each run gets its own, so a token seen by an earlier run (or by
// another secret's function) cannot write this secret's pending value. The
// caller holds s.mu.
func (s *Store) plan(sec *secret, token, lambdaARN string) *rotationPlan {
	sec.rotationToken = newToken()
	s.issued[sec.rotationToken] = sec.arn
	return &rotationPlan{key: sec.key(), arn: sec.arn, token: token, lambdaARN: lambdaARN, rotationToken: sec.rotationToken}
}

// endRotation retires the plan's RotationToken once its steps have run,
// whether they succeeded or not: no function is running for it any more. A
// resumed rotation that started meanwhile has its own token, left alone.
func (s *Store) endRotation(p *rotationPlan) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sec, ok := s.secrets[p.key]; ok && sec.arn == p.arn && sec.rotationToken == p.rotationToken {
		sec.rotationToken = ""
	}
}

// finishRotation records a completed rotation and schedules the next one
// from it. Only a rotation whose version became AWSCURRENT counts; a
// function that returned success from every step without moving the label
// leaves LastRotatedDate alone.
func (s *Store) finishRotation(p *rotationPlan) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, ok := s.secrets[p.key]
	if !ok || sec.arn != p.arn {
		return
	}
	if v := sec.versions[p.token]; v != nil && v.has(StageCurrent) {
		sec.lastRotated = s.now()
		sec.reschedule(sec.lastRotated)
	}
}

type cancelRotateSecretInput struct {
	SecretId *string
}

// cancelRotateSecret turns rotation off. Like AWS it leaves an unfinished
// AWSPENDING version in place and returns its id so the caller can clean up.
func (s *Store) cancelRotateSecret(_ context.Context, c Caller, in *cancelRotateSecretInput) (any, error) {
	if err := checkSecretID(in.SecretId); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, err := s.resolve(c, *in.SecretId, access{op: "CancelRotateSecret", live: true, write: true})
	if err != nil {
		return nil, err
	}
	if sec.rotation.lambdaARN == "" {
		return nil, awsjson.ClientError("InvalidRequestException",
			"You tried to cancel rotation on a secret that doesn't have a Lambda rotation function ARN configured.")
	}
	sec.rotation.enabled = false
	sec.lastChanged = s.now()
	out := rotateSecretOutput{ARN: sec.arn, Name: sec.name}
	if p := sec.pendingRotation(); p != nil {
		out.VersionId = &p.id
	}
	return out, nil
}
