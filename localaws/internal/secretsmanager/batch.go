package secretsmanager

import (
	"context"
	"errors"

	"github.com/aws/smithy-go"

	"github.com/paramsecrets/paramsecrets/localaws/internal/awsjson"
)

type batchGetSecretValueInput struct {
	SecretIdList []string
	Filters      []Filter
	MaxResults   *int32
	NextToken    *string
}

type batchError struct {
	SecretId  string
	ErrorCode string
	Message   string
}

type batchGetSecretValueOutput struct {
	SecretValues []Value
	Errors       []batchError
	NextToken    *string `json:",omitempty"`
}

// batchGetSecretValue implements BatchGetSecretValue: the AWSCURRENT value of
// each listed (or filtered) secret, with a per-secret error entry instead of
// failing the whole call.
func (s *Store) batchGetSecretValue(_ context.Context, c Caller, in *batchGetSecretValueInput) (any, error) {
	switch {
	case len(in.SecretIdList) > 0 && len(in.Filters) > 0:
		return nil, awsjson.ClientError("InvalidParameterException",
			"Either 'SecretIdList' or 'Filters' must be provided, but not both.")
	case len(in.SecretIdList) == 0 && len(in.Filters) == 0:
		return nil, awsjson.ClientError("InvalidParameterException",
			"Either 'SecretIdList' or 'Filters' must be provided.")
	case len(in.SecretIdList) > 20:
		return nil, awsjson.Validation("secretIdList", "Member must have length less than or equal to 20")
	case in.MaxResults != nil && len(in.Filters) == 0:
		return nil, awsjson.ClientError("InvalidParameterException",
			"'Filters' not specified. 'Filters' must also be specified when 'MaxResults' is provided.")
	}
	if err := checkMaxResults(in.MaxResults, 20); err != nil {
		return nil, err
	}
	if err := checkFilters(in.Filters); err != nil {
		return nil, err
	}
	off, err := decodeToken(in.NextToken)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := batchGetSecretValueOutput{SecretValues: []Value{}, Errors: []batchError{}}
	ids := in.SecretIdList
	if len(in.Filters) > 0 {
		all := s.sorted(c, in.Filters, false, "", false)
		lo, hi, next := page(len(all), off, in.MaxResults, 20)
		out.NextToken = next
		ids = nil
		for _, sec := range all[lo:hi] {
			ids = append(ids, sec.name)
		}
	}
	for _, id := range ids {
		v, err := s.value(c, id, "", "")
		if err != nil {
			var ae smithy.APIError
			if errors.As(err, &ae) {
				out.Errors = append(out.Errors, batchError{SecretId: id, ErrorCode: ae.ErrorCode(), Message: ae.ErrorMessage()})
				continue
			}
			return nil, err
		}
		out.SecretValues = append(out.SecretValues, v)
	}
	return out, nil
}
