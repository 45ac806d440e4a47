package secretsmanager

import (
	"context"
	"regexp"
	"strconv"
	"time"

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
	Description            *string `json:",omitempty"`
	KmsKeyId               *string `json:",omitempty"`
	RotationEnabled        bool
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
	return d, nil
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// describe fills the fields DescribeSecret and ListSecrets share.
func (s *Store) describe(sec *secret) description {
	d := description{
		ARN:               sec.arn,
		Name:              sec.name,
		Description:       optString(sec.description),
		KmsKeyId:          optString(sec.kmsKeyID),
		RotationEnabled:   sec.rotationEnabled,
		RotationLambdaARN: optString(sec.rotationLambdaARN),
		RotationRules:     sec.rotationRules,
		LastRotatedDate:   awsjson.NewTime(sec.lastRotated),
		LastChangedDate:   awsjson.NewTime(sec.lastChanged),
		LastAccessedDate:  awsjson.NewTime(sec.lastAccessed),
		DeletedDate:       awsjson.NewTime(sec.deletedAt),
		CreatedDate:       awsjson.NewTime(sec.created),
		Tags:              sec.tags,
	}
	if sec.rotationEnabled {
		d.NextRotationDate = awsjson.NewTime(sec.nextRotation())
	}
	return d
}

var rateExpr = regexp.MustCompile(`^rate\((\d+) (hour|hours|day|days)\)$`)

// nextRotation is the date of the next scheduled rotation, counted from the
// last rotation (or creation). Only AutomaticallyAfterDays and rate()
// schedules are computed; a cron() schedule yields no date.
func (sec *secret) nextRotation() time.Time {
	r := sec.rotationRules
	if r == nil {
		return time.Time{}
	}
	base := sec.lastRotated
	if base.IsZero() {
		base = sec.created
	}
	if r.AutomaticallyAfterDays != nil && *r.AutomaticallyAfterDays > 0 {
		return base.Add(time.Duration(*r.AutomaticallyAfterDays) * 24 * time.Hour)
	}
	if r.ScheduleExpression != nil {
		if m := rateExpr.FindStringSubmatch(*r.ScheduleExpression); m != nil {
			n, _ := strconv.Atoi(m[1])
			unit := time.Hour
			if m[2] == "day" || m[2] == "days" {
				unit = 24 * time.Hour
			}
			return base.Add(time.Duration(n) * unit)
		}
	}
	return time.Time{}
}
