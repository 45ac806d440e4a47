package secretsmanager

import (
	"fmt"
)

// SeedSecret is one secret of a seed file.
type SeedSecret struct {
	Name              string  `json:"name"`
	SecretString      *string `json:"secretString,omitempty"`
	SecretBinary      []byte  `json:"secretBinary,omitempty"`
	Description       string  `json:"description,omitempty"`
	RotationLambdaARN string  `json:"rotationLambdaArn,omitempty"`
}

// Seed creates secrets with the same checks CreateSecret applies. A secret
// with a rotation function has rotation enabled, so RotateSecret needs no ARN.
func (s *Store) Seed(secrets []SeedSecret) error {
	for _, ss := range secrets {
		name := ss.Name
		if err := checkName(&name); err != nil {
			return fmt.Errorf("seed secret %q: %w", name, err)
		}
		if err := checkValue(ss.SecretString, ss.SecretBinary); err != nil {
			return fmt.Errorf("seed secret %q: %w", name, err)
		}
		s.mu.Lock()
		if _, ok := s.secrets[name]; ok {
			s.mu.Unlock()
			return fmt.Errorf("seed secret %q: already exists", name)
		}
		now := s.now()
		sec := &secret{
			name: name, arn: s.newARN(name), description: ss.Description,
			created: now, lastChanged: now, versions: map[string]*version{},
		}
		if ss.RotationLambdaARN != "" {
			sec.rotation = rotationConfig{configured: true, enabled: true, lambdaARN: ss.RotationLambdaARN, since: now}
		}
		if ss.SecretString != nil || ss.SecretBinary != nil {
			id := newToken()
			sec.add(&version{id: id, str: ss.SecretString, bin: ss.SecretBinary, created: now, stages: []string{StageCurrent}})
		}
		s.secrets[name] = sec
		s.mu.Unlock()
	}
	return nil
}
