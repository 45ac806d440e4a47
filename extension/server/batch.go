package server

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"golang.org/x/sync/errgroup"

	"github.com/paramsecrets/paramsecrets/extension/cache"
	"github.com/paramsecrets/paramsecrets/extension/upstream"
)

// maxBatchIDs is the most secret ids one BatchGetSecretValue call accepts.
// https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_BatchGetSecretValue.html
const maxBatchIDs = 20

// maxBatchNames bounds the names of one parameters batch-get: ten
// GetParameters calls of upstream.MaxParametersPerCall.
const maxBatchNames = 100

// Both batch routes read a set, not a list: the ids are deduplicated and
// sorted before they are keyed and sent upstream, so "a,b" and "b,a" share one
// entry, and the answer — ordered by name — does not depend on the order asked.

// canonicalList splits a comma list of at most limit items, each non-empty
// and at most maxNameLen bytes, into its sorted distinct items and their key.
func canonicalList(list, what string, limit int, code string) ([]string, string, *apiError) {
	items := strings.Split(list, ",")
	if len(items) > limit {
		// Refused here: it saves the upstream call and bounds what one request
		// can make the cache hold.
		return nil, "", badRequest(code, what+" holds more than "+strconv.Itoa(limit)+" items")
	}
	for _, it := range items {
		if it == "" {
			return nil, "", badRequest(code, what+" holds an empty item")
		}
		if len(it) > maxNameLen {
			return nil, "", badRequest(code, "an item in "+what+" is longer than "+strconv.Itoa(maxNameLen)+" bytes")
		}
	}
	slices.Sort(items)
	items = slices.Compact(items)
	return items, strings.Join(items, ","), nil
}

// batchGet answers /secretsmanager/batch-get?secretIds=a,b,...
func (s *Server) batchGet(ctx context.Context, rp *reply, raw string) error {
	const code = codeSecretsBadRequest
	q, aerr := parseQuery(raw, pSecretIDs|pRefreshNow|pRoleARN, code)
	if aerr != nil {
		return aerr
	}
	list := q.get(pSecretIDs)
	if list == "" {
		return badRequest(code, "missing parameter secretIds")
	}
	rp.id = list
	ids, id, aerr := canonicalList(list, "secretIds", maxBatchIDs, code)
	if aerr != nil {
		return aerr
	}
	refresh, aerr := parseBool(&q, pRefreshNow, "refreshNow", code)
	if aerr != nil {
		return aerr
	}
	role, aerr := parseRole(&q, code)
	if aerr != nil {
		return aerr
	}
	rp.role = role
	k := cache.Key{Store: cache.Secrets, Op: opBatch, ID: id, Role: role}
	return s.fetch(ctx, rp, k, refresh, func() cache.Loader {
		up, err := s.upFor(role)
		if err != nil {
			return failing(err)
		}
		return s.batchLoader(up, role, ids, nil)
	})
}

// batchBody is the batch-get response: every page's values and errors.
type batchBody struct {
	SecretValues []upstream.SecretValueEntry `json:"SecretValues"`
	Errors       []upstream.APIErrorType     `json:"Errors"`
}

// batchLoader fetches and renders a BatchGetSecretValue answer through up, and
// also answers, for the cache, the GetSecretValue of each value it holds under
// that secret's name, its ARN and any id asked for that names it (a partial
// ARN) — the current version, which is what BatchGetSecretValue returns — so
// that a function which batch-reads at init gets hits on its later single
// reads — as the same role, read as role ("" for the function's own).
// Errors, when not nil, receives the per-secret errors (the prefetch reports
// them).
func (s *Server) batchLoader(up Upstream, role string, ids []string, errs func([]upstream.APIErrorType)) cache.Loader {
	return func(ctx context.Context) (cache.Answer, error) {
		var out *upstream.BatchGetSecretValueOutput
		if err := s.upstreamCall(func() (err error) { out, err = up.BatchGetSecretValue(ctx, ids); return err }); err != nil {
			return cache.Answer{}, err
		}
		b := batchBody{SecretValues: out.SecretValues, Errors: out.Errors}
		if b.SecretValues == nil {
			b.SecretValues = []upstream.SecretValueEntry{}
		}
		if b.Errors == nil {
			b.Errors = []upstream.APIErrorType{}
		}
		if errs != nil {
			errs(b.Errors)
		}
		var a cache.Answer
		for _, v := range b.SecretValues {
			one, err := marshal(&upstream.GetSecretValueOutput{SecretValueEntry: v})
			if err != nil {
				return cache.Answer{}, err
			}
			for _, id := range secretIDs(v, ids) {
				a.Also = append(a.Also, cache.Entry{Key: cache.Key{Store: cache.Secrets, Op: opSecret, ID: id, Role: role}, Body: one})
			}
		}
		var err error
		a.Body, err = marshal(b)
		return a, err
	}
}

// secretIDs are the ids under which v answers a GetSecretValue: its name, its
// ARN, and each id asked for that is its partial ARN (the ARN without the
// "-" and six characters Secrets Manager appends).
func secretIDs(v upstream.SecretValueEntry, asked []string) []string {
	name, arn := aws.ToString(v.Name), aws.ToString(v.ARN)
	var out []string
	for _, id := range []string{name, arn} {
		if id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	for _, id := range asked {
		partial := strings.HasPrefix(id, "arn:") && len(arn) == len(id)+7 && strings.HasPrefix(arn, id) && arn[len(id)] == '-'
		if partial && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// batchGetParameters answers /systemsmanager/parameters/batch-get?names=a,b,...
func (s *Server) batchGetParameters(ctx context.Context, rp *reply, raw string) error {
	const code = codeParametersBadRequest
	q, aerr := parseQuery(raw, pNames|pWithDecryption|pRefreshNow, code)
	if aerr != nil {
		return aerr
	}
	list := q.get(pNames)
	if list == "" {
		return badRequest(code, "missing parameter names")
	}
	rp.id = list
	names, id, aerr := canonicalList(list, "names", maxBatchNames, code)
	if aerr != nil {
		return aerr
	}
	decrypt, aerr := parseBool(&q, pWithDecryption, "withDecryption", code)
	if aerr != nil {
		return aerr
	}
	refresh, aerr := parseBool(&q, pRefreshNow, "refreshNow", code)
	if aerr != nil {
		return aerr
	}
	k := cache.Key{Store: cache.Parameters, Op: opParameters, ID: id, Decrypt: decrypt}
	return s.fetch(ctx, rp, k, refresh, func() cache.Loader { return s.parametersLoader(s.up, names, decrypt, nil) })
}

// parametersBody is the parameters batch-get response.
type parametersBody struct {
	Parameters        []upstream.Parameter `json:"Parameters"`
	InvalidParameters []string             `json:"InvalidParameters"`
}

// parametersLoader fetches names through GetParameters, upstream.
// MaxParametersPerCall at a time (concurrently; the transport's connection cap
// bounds how many run at once), and renders one answer, parameters sorted by
// name as GetParameters sorts them. It also answers, for the cache, each
// parameter's GetParameter under the name asked for. Invalid, when not nil,
// receives the names SSM did not find.
func (s *Server) parametersLoader(up Upstream, names []string, decrypt bool, invalid func([]string)) cache.Loader {
	return func(ctx context.Context) (cache.Answer, error) {
		chunks := slices.Collect(slices.Chunk(names, upstream.MaxParametersPerCall))
		outs := make([]*upstream.GetParametersOutput, len(chunks))
		g, gctx := errgroup.WithContext(ctx)
		for i, chunk := range chunks {
			g.Go(func() error {
				return s.upstreamCall(func() (err error) { outs[i], err = up.GetParameters(gctx, chunk, decrypt); return err })
			})
		}
		if err := g.Wait(); err != nil {
			return cache.Answer{}, err
		}
		b := parametersBody{Parameters: []upstream.Parameter{}, InvalidParameters: []string{}}
		for _, out := range outs {
			b.Parameters = append(b.Parameters, out.Parameters...)
			b.InvalidParameters = append(b.InvalidParameters, out.InvalidParameters...)
		}
		slices.SortFunc(b.Parameters, func(x, y upstream.Parameter) int {
			return cmp.Or(cmp.Compare(aws.ToString(x.Name), aws.ToString(y.Name)), cmp.Compare(aws.ToString(x.Selector), aws.ToString(y.Selector)))
		})
		slices.Sort(b.InvalidParameters)
		if invalid != nil {
			invalid(b.InvalidParameters)
		}
		var a cache.Answer
		for _, p := range b.Parameters {
			entries, err := parameterEntries(p, parameterIDs(p, names), decrypt)
			if err != nil {
				return cache.Answer{}, err
			}
			a.Also = append(a.Also, entries...)
		}
		var err error
		a.Body, err = marshal(b)
		return a, err
	}
}

// parameterIDs are the names under which p answers a GetParameter: its name
// with its selector, and its ARN with the selector when that was asked for.
func parameterIDs(p upstream.Parameter, asked []string) []string {
	sel := aws.ToString(p.Selector)
	out := []string{aws.ToString(p.Name) + sel}
	if arn := aws.ToString(p.ARN) + sel; arn != sel && slices.Contains(asked, arn) {
		out = append(out, arn)
	}
	return out
}
