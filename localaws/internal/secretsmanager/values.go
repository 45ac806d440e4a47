package secretsmanager

import (
	"context"
	"crypto/subtle"
	"time"

	"github.com/paramsecrets/paramsecrets/localaws/internal/awsjson"
)

type putSecretValueInput struct {
	SecretId           *string
	ClientRequestToken *string
	SecretString       *string
	SecretBinary       []byte
	VersionStages      []string
	RotationToken      *string
}

type putSecretValueOutput struct {
	ARN           string
	Name          string
	VersionId     string
	VersionStages []string
}

// putSecretValue implements PutSecretValue. A version created by RotateSecret
// has no value yet; putting a value into it with its token is how a rotation
// function's createSecret step completes it, so that is not a conflict.
func (s *Store) putSecretValue(_ context.Context, c Caller, in *putSecretValueInput) (any, error) {
	if err := checkSecretID(in.SecretId); err != nil {
		return nil, err
	}
	if err := checkValue(in.SecretString, in.SecretBinary); err != nil {
		return nil, err
	}
	if in.SecretString == nil && in.SecretBinary == nil {
		return nil, awsjson.ClientError("InvalidRequestException", "You must provide either SecretString or SecretBinary.")
	}
	if err := checkStages(in.VersionStages); err != nil {
		return nil, err
	}
	if err := checkToken("clientRequestToken", in.ClientRequestToken, true); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, err := s.resolve(c, *in.SecretId, access{op: "PutSecretValue", live: true, write: true, value: true})
	if err != nil {
		return nil, err
	}
	if err := s.checkRotationToken(sec, in.RotationToken); err != nil {
		return nil, err
	}
	v, err := s.newVersion(sec, deref(in.ClientRequestToken), in.SecretString, in.SecretBinary, in.VersionStages)
	if err != nil {
		return nil, err
	}
	return putSecretValueOutput{ARN: sec.arn, Name: sec.name, VersionId: v.id, VersionStages: append([]string{}, v.stages...)}, nil
}

// newVersion puts a value into a secret under a ClientRequestToken, as
// PutSecretValue and UpdateSecret do: the same token and value again is a
// no-op, another value under a used token is refused, and the value-less
// version RotateSecret created is completed. Without VersionStages the new
// version becomes AWSCURRENT; the version that loses AWSCURRENT gets
// AWSPREVIOUS and, as AWS does, loses AWSPENDING. The caller holds s.mu.
func (s *Store) newVersion(sec *secret, id string, str *string, bin []byte, stages []string) (*version, error) {
	if id == "" {
		id = newToken()
	}
	now := s.now()
	v, exists := sec.versions[id]
	switch {
	case exists && v.hasValue() && sameValue(v, str, bin):
		return v, nil
	case exists && v.hasValue():
		return nil, errTokenInUse(id, sec.arn)
	case exists:
		v.str, v.bin = str, bin
	default:
		v = &version{id: id, str: str, bin: bin, created: now}
		sec.add(v)
	}
	if len(stages) == 0 {
		stages = []string{StageCurrent}
	}
	if sec.holder(StageCurrent) == nil && !contains(stages, StageCurrent) {
		// The first version of a secret is always AWSCURRENT.
		stages = append(append([]string{}, stages...), StageCurrent)
	}
	if old := sec.holder(StageCurrent); old != nil && old != v && contains(stages, StageCurrent) && !contains(stages, StagePending) {
		old.remove(StagePending)
	}
	for _, st := range stages {
		sec.attach(v, st)
	}
	sec.lastChanged = now
	s.prune(sec)
	return v, nil
}

// checkRotationToken decides whether a PutSecretValue that carries a
// RotationToken may write. AWS documents that it "validates the identity with
// the rotation token"
// (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_PutSecretValue.html)
// without naming the error; a failed identity check answers
// AccessDeniedException. Refused, then:
//   - while RotateSecret is invoking this secret's steps, any token but the
//     one it sent them;
//   - at any time, a token RotateSecret sent for another secret, or for a
//     rotation of this one that has ended.
//
// A token localaws never issued is accepted when no rotation of the secret is
// running: that is an event replayed by hand (the recorded events under
// events/, invoked one step at a time with sam local invoke), whose token
// localaws cannot know. A call without a RotationToken is an ordinary update.
// The caller holds s.mu. The token is a credential, so messages never repeat it.
func (s *Store) checkRotationToken(sec *secret, token *string) error {
	if token == nil {
		return nil
	}
	denied := awsjson.ClientError("AccessDeniedException",
		"The RotationToken doesn't match a rotation in progress for secret "+sec.arn+".")
	if sec.rotationToken != "" {
		if subtle.ConstantTimeCompare([]byte(*token), []byte(sec.rotationToken)) != 1 {
			return denied
		}
		return nil
	}
	if _, ok := s.issued[*token]; ok {
		return denied
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

type getSecretValueInput struct {
	SecretId     *string
	VersionId    *string
	VersionStage *string
}

// Value is one secret version's value, what GetSecretValue answers.
type Value struct {
	ARN           string
	Name          string
	VersionId     string
	SecretString  *string `json:",omitempty"`
	SecretBinary  []byte  `json:",omitempty"`
	VersionStages []string
	CreatedDate   awsjson.Time
}

func (s *Store) getSecretValue(_ context.Context, c Caller, in *getSecretValueInput) (any, error) {
	if err := checkSecretID(in.SecretId); err != nil {
		return nil, err
	}
	if err := checkToken("versionId", in.VersionId, false); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.value(c, *in.SecretId, deref(in.VersionId), deref(in.VersionStage))
}

// GetValue answers what GetSecretValue would, for in-process readers such as
// SSM's /aws/reference/secretsmanager/ bridge.
func (s *Store) GetValue(_ context.Context, c Caller, secretID, versionID, versionStage string) (Value, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.value(c, secretID, versionID, versionStage)
}

// value resolves a version selector: a VersionId, a VersionStage, both (they
// must agree), or neither (AWSCURRENT). The caller holds s.mu.
func (s *Store) value(c Caller, secretID, versionID, stage string) (Value, error) {
	sec, err := s.resolve(c, secretID, access{op: "GetSecretValue", live: true, value: true})
	if err != nil {
		return Value{}, err
	}
	src := sec.src()
	var v *version
	switch {
	case versionID != "":
		v = src.versions[versionID]
		if v == nil {
			return Value{}, awsjson.ClientError("ResourceNotFoundException",
				"Secrets Manager can't find the specified secret value for VersionId: "+versionID)
		}
		if stage != "" && !v.has(stage) {
			return Value{}, awsjson.ClientError("InvalidRequestException",
				"You provided a VersionStage that is not associated to the provided VersionId.")
		}
	default:
		if stage == "" {
			stage = StageCurrent
		}
		v = src.holder(stage)
	}
	if v == nil || !v.hasValue() {
		what := "staging label: " + stage
		if versionID != "" {
			what = "VersionId: " + versionID
		}
		return Value{}, awsjson.ClientError("ResourceNotFoundException",
			"Secrets Manager can't find the specified secret value for "+what)
	}
	// AWS records access by day, not by the second.
	day := s.now().Truncate(24 * time.Hour)
	sec.lastAccessed, v.lastAccessed = day, day
	return Value{
		ARN: sec.arn, Name: sec.name, VersionId: v.id,
		SecretString: v.str, SecretBinary: v.bin,
		VersionStages: append([]string{}, v.stages...),
		CreatedDate:   awsjson.Time{Time: v.created},
	}, nil
}
