package server

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/paramsecrets/paramsecrets/extension/cache"
)

// The response bodies are the SDK output structs marshalled with encoding/json,
// which is what the AWS extension answers with: exported fields in declaration
// order (ARN, CreatedDate, Name, SecretBinary, SecretString, VersionId,
// VersionStages), nil pointers and slices as null, times as RFC 3339, []byte as
// base64, and the SDK's ResultMetadata as {}. Marshalling the SDK types rather than
// look-alike structs keeps every field and its null handling identical.

// byPathBody is the get-by-path response: all pages' parameters in one list.
type byPathBody struct {
	Parameters []ssmtypes.Parameter `json:"Parameters"`
}

// batchBody is the batch-get response: every page's values and errors.
type batchBody struct {
	SecretValues []smtypes.SecretValueEntry `json:"SecretValues"`
	Errors       []smtypes.APIErrorType     `json:"Errors"`
}

// upstreamCall times one upstream call for the metrics.
func (s *Server) upstreamCall(call func() error) error {
	start := s.now()
	err := call()
	s.metrics.Upstream(s.now().Sub(start))
	return err
}

// secretLoader fetches and renders one GetSecretValue answer.
func (s *Server) secretLoader(id, versionID, stage string) cache.Loader {
	return func(ctx context.Context) (cache.Answer, error) {
		in := &secretsmanager.GetSecretValueInput{SecretId: &id}
		if versionID != "" {
			in.VersionId = &versionID
		}
		if stage != "" {
			in.VersionStage = &stage
		}
		var out *secretsmanager.GetSecretValueOutput
		if err := s.upstreamCall(func() (err error) { out, err = s.up.GetSecretValue(ctx, in); return err }); err != nil {
			return cache.Answer{}, err
		}
		return answer(out)
	}
}

// batchLoader fetches and renders a BatchGetSecretValue answer, and also
// answers, for the cache, the GetSecretValue of each value it holds under that
// secret's name and ARN (the current version: BatchGetSecretValue returns
// AWSCURRENT), so that a function which batch-reads at init gets hits on its
// later single reads.
func (s *Server) batchLoader(ids []string) cache.Loader {
	return func(ctx context.Context) (cache.Answer, error) {
		var out *secretsmanager.BatchGetSecretValueOutput
		if err := s.upstreamCall(func() (err error) { out, err = s.up.BatchGetSecretValue(ctx, ids); return err }); err != nil {
			return cache.Answer{}, err
		}
		b := batchBody{SecretValues: out.SecretValues, Errors: out.Errors}
		if b.SecretValues == nil {
			b.SecretValues = []smtypes.SecretValueEntry{}
		}
		if b.Errors == nil {
			b.Errors = []smtypes.APIErrorType{}
		}
		var a cache.Answer
		for _, v := range b.SecretValues {
			one, err := marshal(&secretsmanager.GetSecretValueOutput{
				ARN: v.ARN, CreatedDate: v.CreatedDate, Name: v.Name, SecretBinary: v.SecretBinary,
				SecretString: v.SecretString, VersionId: v.VersionId, VersionStages: v.VersionStages,
			})
			if err != nil {
				return cache.Answer{}, err
			}
			for _, id := range []*string{v.Name, v.ARN} {
				if id != nil && *id != "" {
					a.Also = append(a.Also, cache.Entry{Key: cache.Key{Store: cache.Secrets, Op: opSecret, ID: *id}, Body: one})
				}
			}
		}
		var err error
		a.Body, err = marshal(b)
		return a, err
	}
}

// parameterLoader fetches and renders one GetParameter answer. For a String or
// StringList the answer does not depend on withDecryption, so it also answers
// the other flag's key: a prefetch (which decrypts) then also serves plain
// requests.
func (s *Server) parameterLoader(name string, decrypt bool) cache.Loader {
	return func(ctx context.Context) (cache.Answer, error) {
		var out *ssm.GetParameterOutput
		if err := s.upstreamCall(func() (err error) { out, err = s.up.GetParameter(ctx, name, decrypt); return err }); err != nil {
			return cache.Answer{}, err
		}
		a, err := answer(out)
		if err != nil {
			return cache.Answer{}, err
		}
		if out.Parameter != nil && out.Parameter.Type != ssmtypes.ParameterTypeSecureString {
			a.Also = []cache.Entry{{Key: cache.Key{Store: cache.Parameters, Op: opParameter, ID: name, Decrypt: !decrypt}, Body: a.Body}}
		}
		return a, nil
	}
}

// byPathLoader fetches every page of GetParametersByPath and renders them as one.
func (s *Server) byPathLoader(path string, recursive, decrypt bool) cache.Loader {
	return func(ctx context.Context) (cache.Answer, error) {
		var params []ssmtypes.Parameter
		if err := s.upstreamCall(func() (err error) {
			params, err = s.up.GetParametersByPath(ctx, path, recursive, decrypt)
			return err
		}); err != nil {
			return cache.Answer{}, err
		}
		return answer(byPathBody{Parameters: params})
	}
}

// answer renders v as the body of an Answer with nothing else in it.
func answer(v any) (cache.Answer, error) {
	body, err := marshal(v)
	return cache.Answer{Body: body}, err
}

// marshal renders a response body. Its error names the type only: a value must
// not reach an error message.
func marshal(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("render %T: %w", v, err)
	}
	return b, nil
}
