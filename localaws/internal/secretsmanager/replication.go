package secretsmanager

import (
	"context"
	"regexp"
	"slices"

	"github.com/paramsecrets/paramsecrets/localaws/internal/awsjson"
)

// Replication ("Replicate an AWS Secrets Manager secret to other AWS
// Regions",
// https://docs.aws.amazon.com/secretsmanager/latest/userguide/create-manage-multi-region-secrets.html):
// a replica lives in another Region of the same account under the primary's
// ARN with that Region in it. It is read through its primary, so a value
// written or rotated there is what the replica serves at once (AWS
// propagates within seconds); the replica itself refuses writes.

// ReplicaRegion is one entry of AddReplicaRegions.
type ReplicaRegion struct {
	Region   *string
	KmsKeyId *string
}

// replicaStatus is what the primary keeps of one replica.
type replicaStatus struct {
	region, kmsKeyID, status, message string
}

// replicaOutcome is the API's ReplicationStatusType.
type replicaOutcome struct {
	Region           string
	KmsKeyId         string
	Status           string
	StatusMessage    string        `json:",omitempty"`
	LastAccessedDate *awsjson.Time `json:",omitempty"`
}

var regionPattern = regexp.MustCompile(`^([a-z]+-)+\d+$`)

func checkReplicaRegions(c Caller, regions []ReplicaRegion) error {
	for _, r := range regions {
		switch {
		case r.Region == nil:
			return awsjson.Required("addReplicaRegions.member.region")
		case len(*r.Region) > 128 || !regionPattern.MatchString(*r.Region):
			return awsjson.Validation("addReplicaRegions.member.region", "Member must satisfy regular expression pattern: ^([a-z]+-)+\\d+$")
		case *r.Region == c.Region:
			return awsjson.ClientError("InvalidParameterException", "Invalid replica region.")
		case len(deref(r.KmsKeyId)) > maxKMSKeyIDLen:
			return awsjson.MaxLen("addReplicaRegions.member.kmsKeyId", maxKMSKeyIDLen)
		}
	}
	return nil
}

// replicate creates replicas of sec and returns the status of all of them.
// A secret of the same name already in a Region is kept, and that replica
// fails, unless force says to overwrite it. The caller holds s.mu.
func (s *Store) replicate(sec *secret, regions []ReplicaRegion, force bool) []replicaOutcome {
	if len(regions) == 0 {
		return nil
	}
	now := s.now()
	for _, r := range regions {
		region, kms := *r.Region, deref(r.KmsKeyId)
		if kms == "" {
			kms = "alias/aws/secretsmanager"
		}
		k := key{sec.account, region, sec.name}
		if existing, ok := s.secrets[k]; ok && existing.primary == sec {
			continue // already replicated there
		}
		st := &replicaStatus{region: region, kmsKeyID: kms, status: "InSync", message: "Replication succeeded"}
		if _, taken := s.secrets[k]; taken && !force {
			st.status, st.message = "Failed", "Secret with this name already exists in this region"
		} else {
			s.secrets[k] = &secret{
				name: sec.name, arn: inRegion(sec.arn, region), account: sec.account, region: region,
				kmsKeyID: deref(r.KmsKeyId), created: now, primary: sec,
			}
		}
		// A retry replaces the status of an earlier, failed attempt.
		sec.replicas = slices.DeleteFunc(sec.replicas, func(old *replicaStatus) bool { return old.region == region })
		sec.replicas = append(sec.replicas, st)
	}
	sec.lastChanged = now
	return s.outcomes(sec)
}

// outcomes is a primary's ReplicationStatus. The caller holds s.mu.
func (s *Store) outcomes(sec *secret) []replicaOutcome {
	out := []replicaOutcome{}
	for _, st := range sec.replicas {
		o := replicaOutcome{Region: st.region, KmsKeyId: st.kmsKeyID, Status: st.status, StatusMessage: st.message}
		if r, ok := s.secrets[key{sec.account, st.region, sec.name}]; ok && r.primary == sec {
			o.LastAccessedDate = awsjson.NewTime(r.lastAccessed)
		}
		out = append(out, o)
	}
	return out
}

func replicaRegions(sec *secret) []string {
	var out []string
	for _, st := range sec.replicas {
		out = append(out, st.region)
	}
	return out
}

type replicateSecretToRegionsInput struct {
	SecretId                    *string
	AddReplicaRegions           []ReplicaRegion
	ForceOverwriteReplicaSecret bool
}

type replicationOutput struct {
	ARN               string
	ReplicationStatus []replicaOutcome
}

func (s *Store) replicateSecretToRegions(_ context.Context, c Caller, in *replicateSecretToRegionsInput) (any, error) {
	if err := checkSecretID(in.SecretId); err != nil {
		return nil, err
	}
	if len(in.AddReplicaRegions) == 0 {
		return nil, awsjson.Required("addReplicaRegions")
	}
	if err := checkReplicaRegions(c, in.AddReplicaRegions); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, err := s.resolve(c, *in.SecretId, access{op: "ReplicateSecretToRegions", live: true, write: true})
	if err != nil {
		return nil, err
	}
	return replicationOutput{ARN: sec.arn, ReplicationStatus: s.replicate(sec, in.AddReplicaRegions, in.ForceOverwriteReplicaSecret)}, nil
}

type removeRegionsInput struct {
	SecretId             *string
	RemoveReplicaRegions []string
}

// removeRegionsFromReplication deletes replicas: "When you delete a replica,
// it is deleted immediately."
func (s *Store) removeRegionsFromReplication(_ context.Context, c Caller, in *removeRegionsInput) (any, error) {
	if err := checkSecretID(in.SecretId); err != nil {
		return nil, err
	}
	if len(in.RemoveReplicaRegions) == 0 {
		return nil, awsjson.Required("removeReplicaRegions")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, err := s.resolve(c, *in.SecretId, access{op: "RemoveRegionsFromReplication", write: true})
	if err != nil {
		return nil, err
	}
	kept := sec.replicas[:0]
	for _, st := range sec.replicas {
		if !contains(in.RemoveReplicaRegions, st.region) {
			kept = append(kept, st)
			continue
		}
		k := key{sec.account, st.region, sec.name}
		if r, ok := s.secrets[k]; ok && r.primary == sec {
			delete(s.secrets, k)
		}
	}
	sec.replicas = kept
	sec.lastChanged = s.now()
	return replicationOutput{ARN: sec.arn, ReplicationStatus: s.outcomes(sec)}, nil
}

// stopReplicationToReplica promotes a replica, called in its Region, to a
// standalone secret holding a copy of the primary's versions, tags and
// policy. Rotation is not carried over: a rotation function belongs to the
// primary's Region.
func (s *Store) stopReplicationToReplica(_ context.Context, c Caller, in *secretIDInput) (any, error) {
	if err := checkSecretID(in.SecretId); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, err := s.resolve(c, *in.SecretId, access{op: "StopReplicationToReplica", live: true})
	if err != nil {
		return nil, err
	}
	p := sec.primary
	if p == nil {
		return nil, awsjson.ClientError("InvalidRequestException",
			"The secret "+sec.arn+" is not a replica; call StopReplicationToReplica in a replica's Region.")
	}
	kept := p.replicas[:0]
	for _, st := range p.replicas {
		if st.region != sec.region {
			kept = append(kept, st)
		}
	}
	p.replicas = kept
	now := s.now()
	sec.primary = nil
	sec.description, sec.tags, sec.tagged, sec.policy = p.description, copyTags(p.tags), p.tagged, p.policy
	sec.lastSeq, sec.versions = p.lastSeq, map[string]*version{}
	for id, v := range p.versions {
		cp := *v
		cp.stages = append([]string(nil), v.stages...)
		sec.versions[id] = &cp
	}
	sec.lastChanged, p.lastChanged = now, now
	return struct{ ARN string }{ARN: sec.arn}, nil
}
