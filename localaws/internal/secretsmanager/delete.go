package secretsmanager

import (
	"context"
	"strings"
	"time"

	"github.com/paramsecrets/paramsecrets/localaws/internal/awsjson"
)

type deleteSecretInput struct {
	SecretId                   *string
	RecoveryWindowInDays       *int64
	ForceDeleteWithoutRecovery *bool
}

type deleteSecretOutput struct {
	ARN          string
	Name         string
	DeletionDate awsjson.Time
}

// deleteSecret implements DeleteSecret: a recovery window of 7–30 days
// (default 30) during which the secret can be restored, or immediate removal.
// Force-deleting a secret already scheduled for deletion is allowed, as on
// AWS; scheduling it a second time is not. "You can't delete a primary
// secret that is replicated to other Regions."
func (s *Store) deleteSecret(_ context.Context, c Caller, in *deleteSecretInput) (any, error) {
	if err := checkSecretID(in.SecretId); err != nil {
		return nil, err
	}
	force := in.ForceDeleteWithoutRecovery != nil && *in.ForceDeleteWithoutRecovery
	if in.RecoveryWindowInDays != nil && force {
		return nil, awsjson.ClientError("InvalidParameterException",
			"You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.")
	}
	days := int64(30)
	if in.RecoveryWindowInDays != nil {
		days = *in.RecoveryWindowInDays
		if days < 7 || days > 30 {
			return nil, awsjson.ClientError("InvalidParameterException",
				"The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).")
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	sec, err := s.resolve(c, *in.SecretId, access{op: "DeleteSecret", write: true})
	if apiCode(err) == "ResourceNotFoundException" && force {
		// AWS answers a forced delete of a secret that does not exist with
		// success, so cleanup scripts can run twice.
		arn := *in.SecretId
		if !strings.HasPrefix(arn, "arn:") {
			arn = newARN(c.Region, c.Account, arn)
		}
		return deleteSecretOutput{ARN: arn, Name: nameOf(*in.SecretId), DeletionDate: awsjson.Time{Time: now}}, nil
	}
	if err != nil {
		return nil, err
	}
	if len(sec.replicas) > 0 {
		return nil, awsjson.ClientError("InvalidParameterException",
			"You can't delete secret "+sec.arn+" that still has replica regions ["+strings.Join(replicaRegions(sec), ", ")+"].")
	}
	if force {
		delete(s.secrets, sec.key())
		return deleteSecretOutput{ARN: sec.arn, Name: sec.name, DeletionDate: awsjson.Time{Time: now}}, nil
	}
	if !sec.deletionDate.IsZero() {
		return nil, errDeleted()
	}
	sec.deletedAt, sec.lastChanged = now, now
	sec.deletionDate = now.Add(time.Duration(days) * 24 * time.Hour)
	return deleteSecretOutput{ARN: sec.arn, Name: sec.name, DeletionDate: awsjson.Time{Time: sec.deletionDate}}, nil
}

// nameOf is the secret name in an id that may be an ARN.
func nameOf(id string) string {
	parts := strings.SplitN(id, ":", 7)
	if len(parts) != 7 {
		return id
	}
	name := parts[6]
	if i := strings.LastIndexByte(name, '-'); i > 0 && len(name)-i == 7 {
		return name[:i]
	}
	return name
}

type restoreSecretInput struct {
	SecretId *string
}

// restoreSecret cancels a scheduled deletion. Restoring a secret that is not
// scheduled for deletion succeeds and changes nothing.
func (s *Store) restoreSecret(_ context.Context, c Caller, in *restoreSecretInput) (any, error) {
	if err := checkSecretID(in.SecretId); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, err := s.resolve(c, *in.SecretId, access{op: "RestoreSecret", write: true})
	if err != nil {
		return nil, err
	}
	if !sec.deletionDate.IsZero() {
		sec.lastChanged = s.now()
	}
	sec.deletedAt, sec.deletionDate = time.Time{}, time.Time{}
	return nameARN{ARN: sec.arn, Name: sec.name}, nil
}
