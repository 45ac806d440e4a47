package secretsmanager

import (
	"context"

	"github.com/paramsecrets/paramsecrets/localaws/internal/awsjson"
)

type updateSecretVersionStageInput struct {
	SecretId            *string
	VersionStage        *string
	MoveToVersionId     *string
	RemoveFromVersionId *string
}

type nameARN struct {
	ARN  string
	Name string
}

// updateSecretVersionStage implements UpdateSecretVersionStage. A label
// already on another version moves only when RemoveFromVersionId names that
// version; AWSCURRENT can move but never be removed outright; moving
// AWSCURRENT moves AWSPREVIOUS to the version it left.
func (s *Store) updateSecretVersionStage(_ context.Context, c Caller, in *updateSecretVersionStageInput) (any, error) {
	if err := checkSecretID(in.SecretId); err != nil {
		return nil, err
	}
	if in.VersionStage == nil {
		return nil, awsjson.Required("versionStage")
	}
	if err := checkStages([]string{*in.VersionStage}); err != nil {
		return nil, err
	}
	if err := checkToken("moveToVersionId", in.MoveToVersionId, false); err != nil {
		return nil, err
	}
	if err := checkToken("removeFromVersionId", in.RemoveFromVersionId, false); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, err := s.resolve(c, *in.SecretId, access{op: "UpdateSecretVersionStage", live: true, write: true})
	if err != nil {
		return nil, err
	}
	stage := *in.VersionStage
	holder := sec.holder(stage)
	var from, to *version
	if in.RemoveFromVersionId != nil {
		from = sec.versions[*in.RemoveFromVersionId]
		if from == nil {
			return nil, awsjson.ClientError("InvalidParameterException", "Not a valid version: "+*in.RemoveFromVersionId)
		}
		if !from.has(stage) {
			return nil, awsjson.ClientError("InvalidParameterException",
				"The staging label "+stage+" is not attached to version "+from.id+".")
		}
	}
	if in.MoveToVersionId != nil {
		to = sec.versions[*in.MoveToVersionId]
		if to == nil {
			return nil, awsjson.ClientError("InvalidParameterException", "Not a valid version: "+*in.MoveToVersionId)
		}
	}
	switch {
	case to == nil && from == nil:
		return nil, awsjson.ClientError("InvalidParameterException",
			"You must specify MoveToVersionId, RemoveFromVersionId, or both.")
	case to == nil && stage == StageCurrent:
		return nil, awsjson.ClientError("InvalidParameterException",
			"You can only move staging label AWSCURRENT to a different secret version. It can't be completely removed.")
	case to == nil:
		from.remove(stage)
	case holder != nil && holder != to && from == nil:
		return nil, awsjson.ClientError("InvalidParameterException",
			"The parameter RemoveFromVersionId can't be empty. Staging label "+stage+" is currently attached to version "+
				holder.id+", so you must explicitly reference that version in RemoveFromVersionId.")
	default:
		sec.attach(to, stage)
	}
	// "The last date and time that this secret was modified in any way"
	// (DescribeSecret's LastChangedDate) includes moving a label.
	sec.lastChanged = s.now()
	s.prune(sec)
	return nameARN{ARN: sec.arn, Name: sec.name}, nil
}
