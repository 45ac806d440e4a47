package localaws

import (
	"fmt"
	"io"

	"github.com/paramsecrets/paramsecrets/localaws/internal/rds"
	"github.com/paramsecrets/paramsecrets/localaws/internal/secretsmanager"
)

// Seed is the content of a seed file: what the server holds at start-up.
// Every field is optional.
type Seed struct {
	// Region and AccountID replace the server's home: the Region and account
	// of unsigned requests and of this seed's secrets and parameters. What
	// is already stored stays where it is.
	Region     string          `json:"region,omitempty"`
	AccountID  string          `json:"accountId,omitempty"`
	Secrets    []SeedSecret    `json:"secrets,omitempty"`
	Parameters []SeedParameter `json:"parameters,omitempty"`
	// Functions maps Lambda function ARNs to invoke URLs.
	Functions map[string]string `json:"functions,omitempty"`
	// Principals maps access key ids to principal ARNs, usually in other
	// accounts: requests signed with such a key act as that principal.
	Principals map[string]string `json:"principals,omitempty"`
	// RDS declares DB instances and clusters in the home account and Region.
	RDS *SeedRDS `json:"rds,omitempty"`
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
	// Tags may include aws: system tags (aws:rds:primarydbinstancearn,
	// aws:secretsmanager:owningService), which the API refuses.
	Tags []SeedTag `json:"tags,omitempty"`
	// KmsKeyID is the key the secret is encrypted with; empty is the AWS
	// managed key, which other accounts cannot use.
	KmsKeyID       string `json:"kmsKeyId,omitempty"`
	ResourcePolicy string `json:"resourcePolicy,omitempty"`
}

// SeedTag is a tag, spelled as the API spells it.
type SeedTag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// SeedParameter is an SSM parameter created from a seed. Type defaults to
// String.
type SeedParameter struct {
	Name        string    `json:"name"`
	Type        string    `json:"type,omitempty"`
	Value       string    `json:"value"`
	Description string    `json:"description,omitempty"`
	Tier        string    `json:"tier,omitempty"`
	DataType    string    `json:"dataType,omitempty"`
	Policies    string    `json:"policies,omitempty"`
	Tags        []SeedTag `json:"tags,omitempty"`
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

// Seed merges a seed into the server: home Region and account, functions
// and principals first, then secrets, then parameters, then RDS instances
// and clusters. A seed with an
// invalid entry is refused whole, naming the entry.
func (s *Server) Seed(sd Seed) error {
	for arn, url := range sd.Functions {
		if err := checkFunction(arn, url); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
	}
	if err := checkHome(sd); err != nil {
		return err
	}
	if err := checkSeedParameters(sd); err != nil {
		return err
	}
	instances, clusters := rdsDeclaration(sd.RDS)
	if err := rds.Check(instances, clusters); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	if err := s.seedPrincipals(sd.Principals); err != nil {
		return err
	}
	s.mu.Lock()
	if sd.Region != "" {
		s.region = sd.Region
	}
	if sd.AccountID != "" {
		s.acct = sd.AccountID
	}
	sm, home := s.sm, secretsmanager.Caller{Account: s.acct, Region: s.region}
	s.mu.Unlock()
	for arn, url := range sd.Functions {
		s.RegisterFunction(arn, url)
	}
	if err := sm.Seed(home, seedSecrets(sd.Secrets)); err != nil {
		return err
	}
	if err := s.parameters(home.Account, home.Region).Seed(seedParameters(sd.Parameters)); err != nil {
		return fmt.Errorf("seed parameters: %w", err)
	}
	if err := s.rdsStore(home.Account, home.Region).Put(instances, clusters); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	return nil
}
