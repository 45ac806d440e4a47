package server

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/paramsecrets/paramsecrets/extension/cache"
	"github.com/paramsecrets/paramsecrets/extension/upstream"
)

// Prefetch is what to fetch before the function's first invoke.
type Prefetch struct {
	// Secrets are read through BatchGetSecretValue, maxBatchIDs a call, as
	// their AWSCURRENT value.
	Secrets []string
	// Parameters are read through GetParameters, upstream.MaxParametersPerCall
	// a call, with decryption (the way a function reads a SecureString); a
	// String or StringList is cached for plain reads too.
	Parameters []string
	// ParameterPaths are read through GetParametersByPath, recursively and with
	// decryption: the by-path answer and each parameter's own are cached.
	ParameterPaths []string
}

// Prefetch warms the cache, its calls running concurrently (the transports'
// connection caps bound the parallelism). It runs before the extension's first
// /event/next, so the first invoke finds everything cached; a single read
// during the function's init (which Lambda starts once every extension has
// registered) of an id the prefetch is fetching waits for the prefetch's call
// instead of making its own.
//
// When a batch call fails as a whole — most often because the function's role
// may call GetSecretValue but not BatchGetSecretValue, or GetParameter but not
// GetParameters — or answers nothing for an id, each id concerned is fetched
// on its own. Failures are joined, each naming the id that failed, never a
// value. A store that is not cached is not prefetched.
func (s *Server) Prefetch(ctx context.Context, p Prefetch) error {
	var mu sync.Mutex
	var errs []error
	report := func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	}
	var wg sync.WaitGroup
	if s.cache.Enabled(cache.Secrets) {
		for chunk := range slices.Chunk(distinct(p.Secrets), maxBatchIDs) {
			wg.Go(func() { s.prefetchSecrets(ctx, &wg, chunk, report) })
		}
	}
	if s.cache.Enabled(cache.Parameters) {
		for chunk := range slices.Chunk(distinct(p.Parameters), upstream.MaxParametersPerCall) {
			wg.Go(func() { s.prefetchParameters(ctx, &wg, chunk, report) })
		}
		for _, path := range distinct(p.ParameterPaths) {
			wg.Go(func() {
				k := cache.Key{Store: cache.Parameters, Op: opByPath, ID: path, Decrypt: true, Recursive: true}
				if _, _, err := s.cache.Fetch(ctx, k, false, s.byPathLoader(s.up, path, true, true, true)); err != nil {
					report(fmt.Errorf("prefetch parameter path %s: %w", path, err))
				}
			})
		}
	}
	wg.Wait()
	return errors.Join(errs...)
}

// prefetchSecrets fetches ids with one BatchGetSecretValue, then, on wg, each
// id it did not answer on its own.
func (s *Server) prefetchSecrets(ctx context.Context, wg *sync.WaitGroup, ids []string, report func(error)) {
	keys := make([]cache.Key, len(ids))
	for i, id := range ids {
		keys[i] = cache.Key{Store: cache.Secrets, Op: opSecret, ID: id}
	}
	var failed []upstream.APIErrorType
	missing, err := s.cache.FetchAll(ctx, keys, s.batchLoader(s.up, "", ids, func(e []upstream.APIErrorType) { failed = e }))
	if err != nil {
		s.log.Info("prefetch: BatchGetSecretValue failed; fetching each secret on its own", "secrets", len(ids), "err", err)
	}
	answered := map[string]bool{}
	for _, e := range failed {
		// A per-secret error (not found, access denied) is the answer.
		id := derefOr(e.SecretId, "?")
		answered[id] = true
		report(fmt.Errorf("prefetch secret %s: %s: %s", id, derefOr(e.ErrorCode, "Error"), derefOr(e.Message, "")))
	}
	for _, k := range missing {
		if answered[k.ID] {
			continue
		}
		wg.Go(func() {
			if _, _, err := s.cache.Fetch(ctx, k, false, s.secretLoader(s.up, k.ID, "", "")); err != nil {
				report(fmt.Errorf("prefetch secret %s: %w", k.ID, err))
			}
		})
	}
}

// prefetchParameters fetches names with one GetParameters, then, on wg, each
// name it did not answer on its own.
func (s *Server) prefetchParameters(ctx context.Context, wg *sync.WaitGroup, names []string, report func(error)) {
	keys := make([]cache.Key, len(names))
	for i, name := range names {
		keys[i] = cache.Key{Store: cache.Parameters, Op: opParameter, ID: name, Decrypt: true}
	}
	var invalid []string
	missing, err := s.cache.FetchAll(ctx, keys, s.parametersLoader(s.up, names, true, func(inv []string) { invalid = inv }))
	if err != nil {
		s.log.Info("prefetch: GetParameters failed; fetching each parameter on its own", "parameters", len(names), "err", err)
	}
	for _, name := range invalid {
		report(fmt.Errorf("prefetch parameter %s: ParameterNotFound: GetParameters lists it as invalid", name))
	}
	for _, k := range missing {
		if slices.Contains(invalid, k.ID) {
			continue
		}
		wg.Go(func() {
			if _, _, err := s.cache.Fetch(ctx, k, false, s.parameterLoader(s.up, k.ID, true)); err != nil {
				report(fmt.Errorf("prefetch parameter %s: %w", k.ID, err))
			}
		})
	}
}

// distinct returns the items sorted, without repeats.
func distinct(items []string) []string {
	return slices.Compact(slices.Sorted(slices.Values(items)))
}

func derefOr(p *string, def string) string {
	if p == nil {
		return def
	}
	return *p
}
