package localaws

import (
	"fmt"
	"regexp"
	"sort"

	"github.com/paramsecrets/paramsecrets/localaws/internal/parameterstore"
	"github.com/paramsecrets/paramsecrets/localaws/internal/principals"
	"github.com/paramsecrets/paramsecrets/localaws/internal/secretsmanager"
)

var accountShape = regexp.MustCompile(`^[0-9]{12}$`)

// checkHome validates a seed's Region and account, which appear in ARNs.
func checkHome(sd Seed) error {
	if sd.Region != "" && !regionShape.MatchString(sd.Region) {
		return fmt.Errorf("seed region %q: want a Region such as us-east-1", sd.Region)
	}
	if sd.AccountID != "" && !accountShape.MatchString(sd.AccountID) {
		return fmt.Errorf("seed accountId %q: want 12 digits", sd.AccountID)
	}
	return nil
}

// seedPrincipals registers a seed's access keys, all or none.
func (s *Server) seedPrincipals(keys map[string]string) error {
	ids := make([]string, 0, len(keys))
	for id := range keys {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	check := principals.NewRegistry() // a scratch registry to validate all first
	for _, id := range ids {
		if err := check.Register(id, keys[id]); err != nil {
			return fmt.Errorf("seed principals: %w", err)
		}
	}
	for _, id := range ids {
		_ = s.keys.Register(id, keys[id]) // validated above
	}
	return nil
}

// seedSecrets converts seed-file secrets for the Secrets Manager store.
func seedSecrets(in []SeedSecret) []secretsmanager.SeedSecret {
	out := make([]secretsmanager.SeedSecret, 0, len(in))
	for _, ss := range in {
		sec := secretsmanager.SeedSecret{
			Name: ss.Name, SecretString: ss.SecretString, SecretBinary: ss.SecretBinary,
			Description: ss.Description, RotationLambdaARN: ss.RotationLambdaARN,
			KmsKeyID: ss.KmsKeyID, ResourcePolicy: ss.ResourcePolicy,
		}
		for _, t := range ss.Tags {
			sec.Tags = append(sec.Tags, secretsmanager.Tag{Key: &t.Key, Value: &t.Value})
		}
		out = append(out, sec)
	}
	return out
}

// checkSeedParameters puts a seed's parameters into a scratch store, so a
// bad one is found before anything is changed.
func checkSeedParameters(sd Seed) error {
	scratch := parameterstore.New(parameterstore.Options{Region: sd.Region, AccountID: sd.AccountID})
	if err := scratch.Seed(seedParameters(sd.Parameters)); err != nil {
		return fmt.Errorf("seed parameters: %w", err)
	}
	return nil
}
