package secretsmanager

import (
	"context"

	"github.com/paramsecrets/paramsecrets/localaws/internal/awsjson"
)

type describeSecretInput struct {
	SecretId *string
}

// description is DescribeSecret's answer; ListSecrets entries share it, with
// the version map under another name.
type description struct {
	ARN                    string
	Name                   string
	Description            *string             `json:",omitempty"`
	KmsKeyId               *string             `json:",omitempty"`
	RotationEnabled        *bool               `json:",omitempty"`
	RotationLambdaARN      *string             `json:",omitempty"`
	RotationRules          *RotationRules      `json:",omitempty"`
	LastRotatedDate        *awsjson.Time       `json:",omitempty"`
	LastChangedDate        *awsjson.Time       `json:",omitempty"`
	LastAccessedDate       *awsjson.Time       `json:",omitempty"`
	DeletedDate            *awsjson.Time       `json:",omitempty"`
	NextRotationDate       *awsjson.Time       `json:",omitempty"`
	Tags                   *[]Tag              `json:",omitempty"`
	VersionIdsToStages     map[string][]string `json:",omitempty"`
	SecretVersionsToStages map[string][]string `json:",omitempty"`
	OwningService          *string             `json:",omitempty"`
	CreatedDate            *awsjson.Time       `json:",omitempty"`
	PrimaryRegion          *string             `json:",omitempty"`
	ReplicationStatus      []replicaOutcome    `json:",omitempty"`
}

// describeSecret implements DescribeSecret. Its reference says of
// LastRotatedDate: "If the secret isn't configured for rotation or rotation
// has been disabled, Secrets Manager returns null"
// (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DescribeSecret.html).
// ListSecrets' entries only say null when the secret never rotated, so they
// keep it.
func (s *Store) describeSecret(_ context.Context, c Caller, in *describeSecretInput) (any, error) {
	if err := checkSecretID(in.SecretId); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, err := s.resolve(c, *in.SecretId, access{op: "DescribeSecret"})
	if err != nil {
		return nil, err
	}
	d := s.describe(sec)
	d.VersionIdsToStages = sec.src().stagesMap()
	if !sec.src().rotation.enabled {
		d.LastRotatedDate = nil
	}
	return d, nil
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// owningServiceTag is the system tag that names the service managing a
// secret (rds for an RDS master user secret); ListSecrets' owning-service
// filter and the OwningService field read it.
const owningServiceTag = "aws:secretsmanager:owningService"

// describe fills the fields DescribeSecret and ListSecrets share. A replica
// shows its primary's content under its own ARN, key and access date.
// RotationEnabled is null until rotation is first configured ("If the secret
// has never been configured for rotation, Secrets Manager returns null");
// RotationRules keep the last schedule after rotation is turned off, as the
// reference describes. The caller holds s.mu.
func (s *Store) describe(sec *secret) description {
	src := sec.src()
	d := description{
		ARN:               sec.arn,
		Name:              sec.name,
		Description:       optString(src.description),
		KmsKeyId:          optString(sec.kmsKeyID),
		RotationLambdaARN: optString(src.rotation.lambdaARN),
		RotationRules:     src.rotation.rules.shown(),
		LastRotatedDate:   awsjson.NewTime(src.lastRotated),
		LastChangedDate:   awsjson.NewTime(src.lastChanged),
		LastAccessedDate:  awsjson.NewTime(sec.lastAccessed),
		DeletedDate:       awsjson.NewTime(src.deletedAt),
		CreatedDate:       awsjson.NewTime(sec.created),
		OwningService:     optString(tagValue(src.tags, owningServiceTag)),
	}
	if src.tagged {
		tags := copyTags(src.tags)
		if tags == nil {
			tags = []Tag{}
		}
		d.Tags = &tags
	}
	if src.rotation.configured {
		enabled := src.rotation.enabled
		d.RotationEnabled = &enabled
	}
	if src.rotation.enabled {
		d.NextRotationDate = awsjson.NewTime(src.rotation.window.due())
	}
	switch {
	case sec.primary != nil:
		d.PrimaryRegion = &sec.primary.region
	case len(sec.replicas) > 0:
		d.PrimaryRegion = &sec.region
		d.ReplicationStatus = s.outcomes(sec)
	}
	return d
}
