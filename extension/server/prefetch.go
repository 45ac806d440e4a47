package server

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/paramsecrets/paramsecrets/extension/cache"
)

// Prefetch warms the cache with the AWSCURRENT value of each secret and the
// decrypted value of each parameter, concurrently (the transports' connection caps
// bound the parallelism). It runs before the extension's first /event/next, so the
// first invoke finds them cached; a read during the function's init (which Lambda
// starts once every extension has registered) joins the same upstream call. Parameters are fetched withDecryption=true,
// the way a function reads a SecureString; a String or StringList is cached for
// plain requests too (see parameterLoader). Failures are joined, each naming the
// id that failed — never a value. A store that is not cached is not prefetched.
func (s *Server) Prefetch(ctx context.Context, secrets, parameters []string) error {
	errs := make([]error, len(secrets)+len(parameters))
	var wg sync.WaitGroup
	if s.cache.Enabled(cache.Secrets) {
		for i, id := range secrets {
			wg.Go(func() {
				k := cache.Key{Store: cache.Secrets, Op: opSecret, ID: id}
				if _, _, err := s.cache.Fetch(ctx, k, false, s.secretLoader(id, "", "")); err != nil {
					errs[i] = fmt.Errorf("prefetch secret %s: %w", id, err)
				}
			})
		}
	}
	if s.cache.Enabled(cache.Parameters) {
		for i, name := range parameters {
			wg.Go(func() {
				k := cache.Key{Store: cache.Parameters, Op: opParameter, ID: name, Decrypt: true}
				if _, _, err := s.cache.Fetch(ctx, k, false, s.parameterLoader(name, true)); err != nil {
					errs[len(secrets)+i] = fmt.Errorf("prefetch parameter %s: %w", name, err)
				}
			})
		}
	}
	wg.Wait()
	return errors.Join(errs...)
}
