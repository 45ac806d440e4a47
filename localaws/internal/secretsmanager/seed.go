package secretsmanager

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// SeedSecret is one secret of a seed file.
type SeedSecret struct {
	Name              string
	SecretString      *string
	SecretBinary      []byte
	Description       string
	RotationLambdaARN string
	// Tags may include aws: system tags (aws:rds:primarydbinstancearn,
	// aws:secretsmanager:owningService), which only the service managing a
	// secret sets on AWS and the API refuses.
	Tags           []Tag
	KmsKeyID       string
	ResourcePolicy string
}

// Seed creates secrets in home's account and Region with the checks
// CreateSecret applies, all or none: every entry is checked before any is
// stored. A secret with a rotation function has rotation enabled, so
// RotateSecret needs no ARN.
func (s *Store) Seed(home Caller, secrets []SeedSecret) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.purgeExpired()
	names := map[string]bool{}
	for _, ss := range secrets {
		if err := s.checkSeedSecret(home, ss, names); err != nil {
			return fmt.Errorf("seed secret %q: %w", ss.Name, err)
		}
	}
	now := s.now()
	for _, ss := range secrets {
		sec := &secret{
			name: ss.Name, account: home.Account, region: home.Region, arn: newARN(home.Region, home.Account, ss.Name),
			description: ss.Description, kmsKeyID: ss.KmsKeyID, policy: ss.ResourcePolicy,
			tags: copyTags(ss.Tags), tagged: len(ss.Tags) > 0,
			created: now, lastChanged: now, versions: map[string]*version{},
		}
		if ss.RotationLambdaARN != "" {
			sec.rotation = rotationConfig{configured: true, enabled: true, lambdaARN: ss.RotationLambdaARN, since: now}
		}
		if ss.SecretString != nil || ss.SecretBinary != nil {
			sec.add(&version{id: newToken(), str: ss.SecretString, bin: ss.SecretBinary, created: now, stages: []string{StageCurrent}})
		}
		s.secrets[sec.key()] = sec
	}
	return nil
}

// checkSeedSecret validates one seed entry; names collects the seed's
// names so far. The caller holds s.mu.
func (s *Store) checkSeedSecret(home Caller, ss SeedSecret, names map[string]bool) error {
	name := ss.Name
	if err := checkName(&name); err != nil {
		return err
	}
	if err := checkValue(ss.SecretString, ss.SecretBinary); err != nil {
		return err
	}
	if err := checkSeedTags(ss.Tags); err != nil {
		return err
	}
	if ss.ResourcePolicy != "" {
		if _, err := parsePolicy(ss.ResourcePolicy); err != nil {
			return fmt.Errorf("resource policy: %w", err)
		}
	}
	if _, ok := s.secrets[key{home.Account, home.Region, name}]; ok || names[name] {
		return fmt.Errorf("already exists")
	}
	names[name] = true
	return nil
}

// checkSeedTags is checkTags without the aws: prefix rule.
func checkSeedTags(tags []Tag) error {
	if len(tags) > maxTags {
		return fmt.Errorf("%d tags: a secret has at most %d", len(tags), maxTags)
	}
	for _, t := range tags {
		k := deref(t.Key)
		if k == "" || utf8.RuneCountInString(k) > maxTagKeyLen || utf8.RuneCountInString(deref(t.Value)) > maxTagValueLen {
			return fmt.Errorf("tag %q: keys are 1-%d characters and values up to %d", k, maxTagKeyLen, maxTagValueLen)
		}
		if strings.HasPrefix(strings.ToLower(k), reservedPrefix) && strings.Count(k, ":") < 2 {
			return fmt.Errorf("tag %q: a system tag is aws:<service>:<name>", k)
		}
	}
	return nil
}
