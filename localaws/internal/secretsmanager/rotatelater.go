package secretsmanager

import (
	"context"
	"fmt"

	"github.com/aws/aws-lambda-go/events"

	"github.com/paramsecrets/paramsecrets/localaws/internal/awsjson"
)

// testStep is the one step RotateImmediately=false runs.
const testStep = "testSecret"

// testRotation implements RotateSecret with RotateImmediately=false. The
// RotateSecret reference: "If you set RotateImmediately to false, Secrets
// Manager tests the rotation configuration by running the testSecret step of
// the Lambda rotation function. This test creates an AWSPENDING version of
// the secret and then removes it."
// (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_RotateSecret.html)
//
// The version has the ClientRequestToken as its id and the current value, so
// testSecret logs in with the credential in use; the function gets a
// RotationToken as in a rotation. Meanwhile DescribeSecret shows the new
// configuration, rotation enabled, as a function checking it expects. When
// testSecret succeeds the configuration is kept and the next rotation
// scheduled; nothing is rotated. When it fails the configuration goes back
// to what it was and the call answers InvalidRequestException naming the
// step and the function's error (AWS documents the test, not its error;
// InvalidRequestException is what RotateSecret answers for a configuration
// it cannot use). Either way the version and its label are removed.
func (s *Store) testRotation(ctx context.Context, c Caller, in *rotateSecretInput) (any, error) {
	t, out, err := s.startTest(c, in)
	if err != nil {
		return nil, err
	}
	ev := events.SecretsManagerSecretRotationEvent{
		Step: testStep, SecretID: t.arn, ClientRequestToken: t.token, RotationToken: t.rotationToken,
	}
	err = s.opts.Invoker.Invoke(ctx, t.lambdaARN, ev)
	s.endTest(t, err == nil)
	if err != nil {
		s.opts.Logger.Warn("rotation test failed", "secret", t.arn, "step", testStep, "version", t.token, "error", err)
		return nil, awsjson.ClientError("InvalidRequestException",
			fmt.Sprintf("the rotation configuration of %s was not saved: function %s failed at %s: %v", t.arn, t.lambdaARN, testStep, err))
	}
	return out, nil
}

// rotationTest is a running test: the plan of its one step and the
// configuration to put back if it fails.
type rotationTest struct {
	*rotationPlan
	before rotationConfig
}

// startTest checks the call as RotateSecret does, stores the configuration
// tentatively and creates the AWSPENDING copy of the current version.
func (s *Store) startTest(c Caller, in *rotateSecretInput) (*rotationTest, rotateSecretOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, err := s.resolve(c, *in.SecretId, access{op: "RotateSecret", live: true, write: true})
	if err != nil {
		return nil, rotateSecretOutput{}, err
	}
	lambdaARN, err := s.rotationFunction(sec, in)
	if err != nil {
		return nil, rotateSecretOutput{}, err
	}
	if sec.pendingRotation() != nil {
		return nil, rotateSecretOutput{}, errRotationInProgress()
	}
	token := deref(in.ClientRequestToken)
	if token == "" {
		token = newToken()
	}
	if sec.versions[token] != nil {
		return nil, rotateSecretOutput{}, errTokenInUse(token, sec.arn)
	}
	t := &rotationTest{before: sec.rotation}
	changed := sec.lastChanged
	s.configure(sec, rotationConfig{lambdaARN: lambdaARN, rules: in.RotationRules})
	// Only a test that passes changes the secret.
	sec.lastChanged = changed
	// Not pruned: the version is gone again when the call returns, and must
	// not cost an old version its place.
	v := &version{id: token, created: s.now()}
	if cur := sec.holder(StageCurrent); cur != nil {
		v.str, v.bin = cur.str, cur.bin
	}
	sec.add(v)
	sec.attach(v, StagePending)
	t.rotationPlan = s.plan(sec, token, lambdaARN)
	return t, rotateSecretOutput{ARN: sec.arn, Name: sec.name}, nil
}

// endTest removes the test version, retires the RotationToken, and keeps the
// configuration (passed) or puts the earlier one back (failed).
func (s *Store) endTest(t *rotationTest, passed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, ok := s.secrets[t.key]
	if !ok || sec.arn != t.arn {
		return
	}
	if sec.rotationToken == t.rotationToken {
		sec.rotationToken = ""
	}
	if v := sec.versions[t.token]; v != nil {
		v.remove(StagePending)
		// A function that put another label on the version made it part of
		// the secret; only the test's own label goes.
		if len(v.stages) == 0 {
			delete(sec.versions, t.token)
		}
	}
	if !passed {
		sec.rotation = t.before
		return
	}
	sec.lastChanged = s.now()
}
