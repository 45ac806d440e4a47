package secretsmanager

import (
	"bytes"
	"context"

	"github.com/paramsecrets/paramsecrets/localaws/internal/awsjson"
)

type createSecretInput struct {
	Name                        *string
	ClientRequestToken          *string
	Description                 *string
	KmsKeyId                    *string
	SecretString                *string
	SecretBinary                []byte
	Tags                        []Tag
	AddReplicaRegions           []ReplicaRegion
	ForceOverwriteReplicaSecret bool
}

type createSecretOutput struct {
	ARN               string
	Name              string
	VersionId         *string          `json:",omitempty"`
	ReplicationStatus []replicaOutcome `json:",omitempty"`
}

// createSecret implements CreateSecret. A retry with the same name, token
// and value succeeds and changes nothing, as the ClientRequestToken
// documentation promises.
func (s *Store) createSecret(_ context.Context, c Caller, in *createSecretInput) (any, error) {
	if err := checkName(in.Name); err != nil {
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
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	if err := checkReplicaRegions(c, in.AddReplicaRegions); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.purgeExpired()
	if sec, ok := s.secrets[key{c.Account, c.Region, *in.Name}]; ok {
		if !sec.deletionDate.IsZero() {
			return nil, awsjson.ClientError("InvalidRequestException",
				"You can't create this secret because a secret with this name is already scheduled for deletion.")
		}
		if in.ClientRequestToken != nil && sec.primary == nil {
			if v, ok := sec.versions[*in.ClientRequestToken]; ok && sameValue(v, in.SecretString, in.SecretBinary) {
				return createSecretOutput{ARN: sec.arn, Name: sec.name, VersionId: &v.id}, nil
			}
		}
		return nil, awsjson.ClientError("ResourceExistsException",
			"The operation failed because the secret "+sec.name+" already exists.")
	}
	now := s.now()
	sec := &secret{
		name:        *in.Name,
		account:     c.Account,
		region:      c.Region,
		arn:         newARN(c.Region, c.Account, *in.Name),
		description: deref(in.Description),
		kmsKeyID:    deref(in.KmsKeyId),
		tags:        copyTags(in.Tags),
		tagged:      len(in.Tags) > 0,
		created:     now,
		lastChanged: now,
		versions:    map[string]*version{},
	}
	out := createSecretOutput{ARN: sec.arn, Name: sec.name}
	if hasValue {
		id := deref(in.ClientRequestToken)
		if id == "" {
			id = newToken() // a seed or an in-process caller
		}
		sec.add(&version{id: id, str: in.SecretString, bin: in.SecretBinary, created: now, stages: []string{StageCurrent}})
		out.VersionId = &id
	}
	s.secrets[sec.key()] = sec
	out.ReplicationStatus = s.replicate(sec, in.AddReplicaRegions, in.ForceOverwriteReplicaSecret)
	return out, nil
}

func sameValue(v *version, str *string, bin []byte) bool {
	if (v.str == nil) != (str == nil) || (v.bin == nil) != (bin == nil) {
		return false
	}
	return (str == nil || *v.str == *str) && bytes.Equal(v.bin, bin)
}
