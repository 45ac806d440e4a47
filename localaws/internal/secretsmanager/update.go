package secretsmanager

import (
	"context"

	"github.com/paramsecrets/paramsecrets/localaws/internal/awsjson"
)

type updateSecretInput struct {
	SecretId           *string
	ClientRequestToken *string
	Description        *string
	KmsKeyId           *string
	SecretString       *string
	SecretBinary       []byte
}

type updateSecretOutput struct {
	ARN       string
	Name      string
	VersionId *string `json:",omitempty"`
}

// updateSecret implements UpdateSecret
// (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_UpdateSecret.html):
// it changes the description and the KMS key (an empty KmsKeyId means the
// AWS managed key) and, when a value is given, creates a version that
// becomes AWSCURRENT, as PutSecretValue without VersionStages does. The
// reference calls a ClientRequestToken that is already a version's id an
// error; the same token with the same value is taken as the SDK's retry of
// a call whose answer was lost, and succeeds without a second version.
func (s *Store) updateSecret(_ context.Context, c Caller, in *updateSecretInput) (any, error) {
	if err := checkSecretID(in.SecretId); err != nil {
		return nil, err
	}
	hasValue := in.SecretString != nil || in.SecretBinary != nil
	if len(deref(in.Description)) > maxDescriptionLen {
		return nil, awsjson.MaxLen("description", maxDescriptionLen)
	}
	if len(deref(in.KmsKeyId)) > maxKMSKeyIDLen {
		return nil, awsjson.MaxLen("kmsKeyId", maxKMSKeyIDLen)
	}
	if err := checkValue(in.SecretString, in.SecretBinary); err != nil {
		return nil, err
	}
	if err := checkToken("clientRequestToken", in.ClientRequestToken, hasValue); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, err := s.resolve(c, *in.SecretId, access{op: "UpdateSecret", live: true, write: true, value: hasValue})
	if err != nil {
		return nil, err
	}
	out := updateSecretOutput{ARN: sec.arn, Name: sec.name}
	if hasValue {
		v, err := s.newVersion(sec, deref(in.ClientRequestToken), in.SecretString, in.SecretBinary, nil)
		if err != nil {
			return nil, err
		}
		out.VersionId = &v.id
	}
	if in.Description != nil {
		sec.description = *in.Description
	}
	if in.KmsKeyId != nil {
		sec.kmsKeyID = *in.KmsKeyId
	}
	sec.lastChanged = s.now()
	return out, nil
}
