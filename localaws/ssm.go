package localaws

import (
	"context"

	"github.com/paramsecrets/paramsecrets/localaws/internal/parameterstore"
	"github.com/paramsecrets/paramsecrets/localaws/internal/principals"
	"github.com/paramsecrets/paramsecrets/localaws/internal/secretsmanager"
)

// scope is where parameters live: Parameter Store is per account and Region.
type scope struct{ account, region string }

// parameters returns the parameter store of an account and Region, made on
// first use.
func (s *Server) parameters(account, region string) *parameterstore.Store {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := scope{account, region}
	if p, ok := s.ssm[k]; ok {
		return p
	}
	p := s.newParameterStore(k, s.sm)
	s.ssm[k] = p
	return p
}

// parameterStores lists the stores made so far.
func (s *Server) parameterStores() []*parameterstore.Store {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*parameterstore.Store, 0, len(s.ssm))
	for _, p := range s.ssm {
		out = append(out, p)
	}
	return out
}

// newParameterStore builds the SSM side of one account and Region and gives
// it the secrets store for /aws/reference/secretsmanager/ names, which SSM
// resolves with the semantics of GetSecretValue, as the calling principal.
// The caller holds s.mu.
func (s *Server) newParameterStore(k scope, sm *secretsmanager.Store) *parameterstore.Store {
	owner := secretsmanager.Caller{Account: k.account, Region: k.region, Principal: principals.Root(k.account).ARN}
	return parameterstore.New(parameterstore.Options{
		Region:    k.region,
		AccountID: k.account,
		Now:       s.clock.Now,
		Events:    s.events.Add,
		Secrets: func(ctx context.Context, secretID, versionID, versionStage string) (parameterstore.SecretValue, error) {
			v, err := sm.GetValue(ctx, callerFrom(ctx, owner), secretID, versionID, versionStage)
			if err != nil {
				return parameterstore.SecretValue{}, err
			}
			return parameterstore.SecretValue{
				ARN: v.ARN, Name: v.Name, VersionID: v.VersionId,
				SecretString: v.SecretString, SecretBinary: v.SecretBinary,
				VersionStages: v.VersionStages, CreatedDate: v.CreatedDate.Time,
			}, nil
		},
	})
}

// seedParameters converts seed-file parameters for the SSM store.
func seedParameters(ps []SeedParameter) []parameterstore.SeedParameter {
	out := make([]parameterstore.SeedParameter, 0, len(ps))
	for _, p := range ps {
		sp := parameterstore.SeedParameter{
			Name: p.Name, Type: p.Type, Value: p.Value, Description: p.Description,
			Tier: p.Tier, Policies: p.Policies, DataType: p.DataType,
		}
		for _, t := range p.Tags {
			sp.Tags = append(sp.Tags, parameterstore.Tag{Key: t.Key, Value: t.Value})
		}
		out = append(out, sp)
	}
	return out
}
