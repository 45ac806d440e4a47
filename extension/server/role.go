package server

import (
	"context"

	"github.com/paramsecrets/paramsecrets/extension/cache"
	"github.com/paramsecrets/paramsecrets/extension/upstream"
)

// roleArn=ARN on the secret routes (opt-in, as the Secrets Manager Agent has
// it) reads as that IAM role: through a client whose credentials come from
// STS AssumeRole, signed with the function's own (upstream's AsRole). The
// role is part of the cache key, so a value read as one role is never
// served to a read as another, or to a read without roleArn: two roles may
// be allowed to see different things. A malformed ARN is a 400 before
// anything is fetched; an empty one counts as absent.

// parseRole reads roleArn.
func parseRole(q *query, code string) (string, *apiError) {
	role := q.get(pRoleARN)
	if role != "" && !upstream.IsRoleARN(role) {
		return "", badRequest(code, "roleArn is not an IAM role ARN (arn:PARTITION:iam::ACCOUNT:role/NAME)")
	}
	return role, nil
}

// upFor is the client that reads as role: the function's own for "".
func (s *Server) upFor(role string) (Upstream, error) {
	if role == "" {
		return s.up, nil
	}
	rc, err := s.up.AsRole(role)
	if err != nil {
		return nil, err
	}
	return rc, nil
}

// failing is a loader that fails with err: the answer to a read as a role
// that has no client.
func failing(err error) cache.Loader {
	return func(context.Context) (cache.Answer, error) { return cache.Answer{}, err }
}
