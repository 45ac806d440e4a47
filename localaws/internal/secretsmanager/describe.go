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
	Tags                   []Tag               `json:",omitempty"`
	VersionIdsToStages     map[string][]string `json:",omitempty"`
	SecretVersionsToStages map[string][]string `json:",omitempty"`
	CreatedDate            *awsjson.Time       `json:",omitempty"`
}

// describeSecret implements DescribeSecret. Its reference says of
// LastRotatedDate: "If the secret isn't configured for rotation or rotation
// has been disabled, Secrets Manager returns null"
// (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DescribeSecret.html).
// ListSecrets' entries only say null when the secret never rotated, so they
// keep it.
func (s *Store) describeSecret(_ context.Context, in *describeSecretInput) (any, error) {
	if err := checkSecretID(in.SecretId); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, err := s.find(*in.SecretId)
	if err != nil {
		return nil, err
	}
	d := s.describe(sec)
	d.VersionIdsToStages = sec.stagesMap()
	if !sec.rotation.enabled {
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

// describe fills the fields DescribeSecret and ListSecrets share.
// RotationEnabled is null until rotation is first configured ("If the secret
// has never been configured for rotation, Secrets Manager returns null");
// RotationRules keep the last schedule after rotation is turned off, as the
// reference describes.
func (s *Store) describe(sec *secret) description {
	d := description{
		ARN:               sec.arn,
		Name:              sec.name,
		Description:       optString(sec.description),
		KmsKeyId:          optString(sec.kmsKeyID),
		RotationLambdaARN: optString(sec.rotation.lambdaARN),
		RotationRules:     sec.rotation.rules.shown(),
		LastRotatedDate:   awsjson.NewTime(sec.lastRotated),
		LastChangedDate:   awsjson.NewTime(sec.lastChanged),
		LastAccessedDate:  awsjson.NewTime(sec.lastAccessed),
		DeletedDate:       awsjson.NewTime(sec.deletedAt),
		CreatedDate:       awsjson.NewTime(sec.created),
		Tags:              sec.tags,
	}
	if sec.rotation.configured {
		enabled := sec.rotation.enabled
		d.RotationEnabled = &enabled
	}
	if sec.rotation.enabled {
		d.NextRotationDate = awsjson.NewTime(sec.nextRotation())
	}
	return d
}
