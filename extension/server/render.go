package server

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/paramsecrets/paramsecrets/extension/cache"
	"github.com/paramsecrets/paramsecrets/extension/upstream"
)

// The response bodies are upstream's outputs marshalled with encoding/json.
// They are the SDK's output structs field for field, and the AWS extension
// answers with those marshalled: exported fields in declaration order (ARN,
// CreatedDate, Name, SecretBinary, SecretString, VersionId, VersionStages),
// nil pointers and slices as null, times as RFC 3339, []byte as base64, and
// ResultMetadata as {}. The tests hold every answer to the SDK's own
// rendering, byte for byte.

// byPathBody is the get-by-path response: all pages' parameters in one list.
type byPathBody struct {
	Parameters []upstream.Parameter `json:"Parameters"`
}

// upstreamCall times one upstream call for the metrics.
func (s *Server) upstreamCall(call func() error) error {
	start := s.now()
	err := call()
	s.metrics.Upstream(s.now().Sub(start))
	return err
}

// secretLoader fetches and renders one GetSecretValue answer through up.
func (s *Server) secretLoader(up Upstream, id, versionID, stage string) cache.Loader {
	return func(ctx context.Context) (cache.Answer, error) {
		in := &upstream.GetSecretValueInput{SecretId: &id}
		if versionID != "" {
			in.VersionId = &versionID
		}
		if stage != "" {
			in.VersionStage = &stage
		}
		var out *upstream.GetSecretValueOutput
		if err := s.upstreamCall(func() (err error) { out, err = up.GetSecretValue(ctx, in); return err }); err != nil {
			return cache.Answer{}, err
		}
		return answer(out)
	}
}

// parameterLoader fetches and renders one GetParameter answer through up.
// For a String or StringList the answer does not depend on withDecryption, so
// it also answers the other flag's key: a prefetch (which decrypts) then also
// serves plain requests.
func (s *Server) parameterLoader(up Upstream, name string, decrypt bool) cache.Loader {
	return func(ctx context.Context) (cache.Answer, error) {
		var out *upstream.GetParameterOutput
		if err := s.upstreamCall(func() (err error) { out, err = up.GetParameter(ctx, name, decrypt); return err }); err != nil {
			return cache.Answer{}, err
		}
		a, err := answer(out)
		if err != nil {
			return cache.Answer{}, err
		}
		if out.Parameter != nil && out.Parameter.Type != upstream.ParameterTypeSecureString {
			a.Also = []cache.Entry{{Key: cache.Key{Store: cache.Parameters, Op: opParameter, ID: name, Decrypt: !decrypt}, Body: a.Body}}
		}
		return a, nil
	}
}

// parameterEntries renders p as the GetParameter answer for each name in
// names, under decrypt and — for a String or StringList, whose answer does
// not depend on it — under the other flag too.
func parameterEntries(p upstream.Parameter, names []string, decrypt bool) ([]cache.Entry, error) {
	body, err := marshal(&upstream.GetParameterOutput{Parameter: &p})
	if err != nil {
		return nil, err
	}
	flags := []bool{decrypt}
	if p.Type != upstream.ParameterTypeSecureString {
		flags = append(flags, !decrypt)
	}
	var out []cache.Entry
	for _, name := range names {
		for _, d := range flags {
			out = append(out, cache.Entry{Key: cache.Key{Store: cache.Parameters, Op: opParameter, ID: name, Decrypt: d}, Body: body})
		}
	}
	return out, nil
}

// byPathLoader fetches every page of GetParametersByPath through up and
// renders them as one. With each, it also answers every parameter's
// GetParameter (a prefetched path then serves single reads).
func (s *Server) byPathLoader(up Upstream, path string, recursive, decrypt, each bool) cache.Loader {
	return func(ctx context.Context) (cache.Answer, error) {
		var params []upstream.Parameter
		if err := s.upstreamCall(func() (err error) {
			params, err = up.GetParametersByPath(ctx, path, recursive, decrypt)
			return err
		}); err != nil {
			return cache.Answer{}, err
		}
		a, err := answer(byPathBody{Parameters: params})
		if err != nil || !each {
			return a, err
		}
		for _, p := range params {
			entries, err := parameterEntries(p, []string{aws.ToString(p.Name)}, decrypt)
			if err != nil {
				return cache.Answer{}, err
			}
			a.Also = append(a.Also, entries...)
		}
		return a, nil
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
