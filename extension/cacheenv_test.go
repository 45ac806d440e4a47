package main

import (
	"net/http"
	"testing"
)

// TestCacheVariablesTurnCachingOff sets the AWS extension's cache variables on
// the real binary, as a function's configuration would: each way of turning
// the cache off must send every read upstream and say so, while with the
// defaults a repeated read is served from the cache. A TTL of 0 turns off only
// its own store.
func TestCacheVariablesTurnCachingOff(t *testing.T) {
	t.Parallel()
	const (
		secret    = "/secretsmanager/get?secretId=demo/db"
		parameter = "/systemsmanager/parameters/get?name=/demo/host"
		opSecret  = "secretsmanager.GetSecretValue"
		opParam   = "AmazonSSM.GetParameter"
	)
	tests := []struct {
		name string
		env  map[string]string
		// secretCached and parameterCached: whether the second of two identical
		// reads is a hit (one upstream call) or another miss (two).
		secretCached, parameterCached bool
	}{
		{"defaults", nil, true, true},
		{"CACHE_ENABLED=false", map[string]string{"PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED": "false"}, false, false},
		{"CACHE_SIZE=0", map[string]string{"PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE": "0"}, false, false},
		{"SECRETS_MANAGER_TTL=0", map[string]string{"SECRETS_MANAGER_TTL": "0"}, false, true},
		{"SSM_PARAMETER_STORE_TTL=0", map[string]string{"SSM_PARAMETER_STORE_TTL": "0"}, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			la, endpoint := startLocalaws(t, demoSeed())
			env := map[string]string{"AWS_ENDPOINT_URL": endpoint, "AWS_SESSION_TOKEN": testToken}
			for k, v := range tc.env {
				env[k] = v
			}
			p := startStandalone(t, env)

			for _, r := range []struct {
				target, op string
				cached     bool
			}{
				{secret, opSecret, tc.secretCached},
				{parameter, opParam, tc.parameterCached},
			} {
				wantSecond, wantCalls := "miss", 2
				if r.cached {
					wantSecond, wantCalls = "hit", 1
				}
				for i, want := range []string{"miss", wantSecond} {
					code, body, hdr := p.get(t, r.target, testToken)
					if code != http.StatusOK {
						t.Fatalf("GET %s: %d %s", r.target, code, body)
					}
					if got := hdr.Get("X-Cache"); got != want {
						t.Errorf("GET %s read %d: X-Cache = %q, want %q", r.target, i+1, got, want)
					}
				}
				if n := la.Stats()[r.op]; n != wantCalls {
					t.Errorf("two reads of %s made %d %s calls, want %d", r.target, n, r.op, wantCalls)
				}
			}
		})
	}
}
