package localaws

import (
	"context"
	"time"

	"github.com/paramsecrets/paramsecrets/localaws/internal/parameterstore"
	"github.com/paramsecrets/paramsecrets/localaws/internal/secretsmanager"
)

// newParameterStore builds the SSM side and gives it the secrets store for
// /aws/reference/secretsmanager/ names, which SSM resolves with the
// semantics of GetSecretValue.
func newParameterStore(region, account string, now func() time.Time, sm *secretsmanager.Store) *parameterstore.Store {
	return parameterstore.New(parameterstore.Options{
		Region:    region,
		AccountID: account,
		Now:       now,
		Secrets: func(ctx context.Context, secretID, versionID, versionStage string) (parameterstore.SecretValue, error) {
			v, err := sm.GetValue(ctx, secretID, versionID, versionStage)
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
		out = append(out, parameterstore.SeedParameter{Name: p.Name, Type: p.Type, Value: p.Value, Description: p.Description})
	}
	return out
}
