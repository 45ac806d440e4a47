package localaws

import (
	"fmt"
	"io"

	"github.com/paramsecrets/paramsecrets/localaws/internal/secretsmanager"
)

// Seed is the content of a seed file: what the server holds at start-up.
// Every field is optional.
type Seed struct {
	// Region and AccountID replace the server's. They appear in every ARN,
	// so changing them starts from empty stores: give them in the first seed.
	Region     string          `json:"region,omitempty"`
	AccountID  string          `json:"accountId,omitempty"`
	Secrets    []SeedSecret    `json:"secrets,omitempty"`
	Parameters []SeedParameter `json:"parameters,omitempty"`
	// Functions maps Lambda function ARNs to invoke URLs.
	Functions map[string]string `json:"functions,omitempty"`
}

// SeedSecret is a secret created from a seed, with one AWSCURRENT version
// when it has a value. A rotation ARN configures (and enables) rotation.
type SeedSecret struct {
	Name         string  `json:"name"`
	SecretString *string `json:"secretString,omitempty"`
	// SecretBinary is base64 in the file, as on the wire.
	SecretBinary      []byte `json:"secretBinary,omitempty"`
	Description       string `json:"description,omitempty"`
	RotationLambdaARN string `json:"rotationLambdaArn,omitempty"`
}

// SeedParameter is an SSM parameter created from a seed. Type defaults to
// String.
type SeedParameter struct {
	Name        string `json:"name"`
	Type        string `json:"type,omitempty"`
	Value       string `json:"value"`
	Description string `json:"description,omitempty"`
}

// LoadSeed reads a seed file (JSON, unknown fields refused) and applies it.
func (s *Server) LoadSeed(r io.Reader) error {
	body, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("read seed: %w", err)
	}
	var sd Seed
	if err := strictJSON(body, &sd); err != nil {
		return fmt.Errorf("parse seed: %w", err)
	}
	return s.Seed(sd)
}

// Seed applies a seed: functions first, then secrets, then parameters. It
// stops at the first invalid entry, naming it.
func (s *Server) Seed(sd Seed) error {
	for arn, url := range sd.Functions {
		if err := checkFunction(arn, url); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
	}
	s.mu.Lock()
	if (sd.Region != "" && sd.Region != s.region) || (sd.AccountID != "" && sd.AccountID != s.acct) {
		region, acct := s.region, s.acct
		if sd.Region != "" {
			region = sd.Region
		}
		if sd.AccountID != "" {
			acct = sd.AccountID
		}
		s.resetLocked(region, acct)
	}
	sm, ssm := s.sm, s.ssm
	s.mu.Unlock()
	for arn, url := range sd.Functions {
		s.RegisterFunction(arn, url)
	}
	secrets := make([]secretsmanager.SeedSecret, 0, len(sd.Secrets))
	for _, ss := range sd.Secrets {
		secrets = append(secrets, secretsmanager.SeedSecret(ss))
	}
	if err := sm.Seed(secrets); err != nil {
		return err
	}
	if err := ssm.Seed(seedParameters(sd.Parameters)); err != nil {
		return fmt.Errorf("seed parameters: %w", err)
	}
	return nil
}
