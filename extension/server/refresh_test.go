package server

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/paramsecrets/paramsecrets/localaws"
)

// TestRefreshNowReplacesEntryOnEveryRoute: after the value changes upstream,
// a plain read keeps serving the cached value, refreshNow=true fetches and
// serves the new one, and from then on the cache holds the new value. A route
// that ignored refreshNow, or fetched without storing, would be caught here.
func TestRefreshNowReplacesEntryOnEveryRoute(t *testing.T) {
	putParameter := func(name, value string) func(*testing.T, *env) {
		return func(t *testing.T, e *env) {
			t.Helper()
			if _, err := e.ssm.PutParameter(t.Context(), &ssm.PutParameterInput{
				Name: aws.String(name), Value: aws.String(value), Type: ssmtypes.ParameterTypeString, Overwrite: aws.Bool(true),
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
	putSecret := func(id, value string) func(*testing.T, *env) {
		return func(t *testing.T, e *env) {
			t.Helper()
			if _, err := e.sm.PutSecretValue(t.Context(), &secretsmanager.PutSecretValueInput{
				SecretId: aws.String(id), SecretString: aws.String(value),
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
	tests := []struct {
		name     string
		target   string
		op       string // the localaws operation the route calls
		change   func(*testing.T, *env)
		old, new string
		// also is another route that the refreshed answer must now serve as a
		// hit with the new value (an entry the refresh replaces on the side).
		also string
	}{
		{
			name:   "parameter",
			target: "/systemsmanager/parameters/get?name=/app/host",
			op:     opGP,
			change: putParameter("/app/host", "db3.refreshed.example"),
			old:    hostValueNew, new: "db3.refreshed.example",
			// A String parameter's answer is shared with the decrypting key.
			also: "/systemsmanager/parameters/get?name=/app/host&withDecryption=true",
		},
		{
			name:   "by path",
			target: "/systemsmanager/parameters/get-by-path?path=/app&recursive=true",
			op:     "AmazonSSM.GetParametersByPath",
			change: putParameter("/app/sub/deep", "deep-refreshed"),
			old:    "deep-value", new: "deep-refreshed",
		},
		{
			name:   "batch",
			target: "/secretsmanager/batch-get?secretIds=app/db,bin",
			op:     "secretsmanager.BatchGetSecretValue",
			change: putSecret("app/db", `{"password":"r0tated-in-batch"}`),
			old:    "n3w-db-pw", new: "r0tated-in-batch",
			// Each value of a batch is also cached as its own secret.
			also: "/secretsmanager/get?secretId=app/db",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envOptions{})
			seedAll(t, e)
			read := func(target, wantResult, wantValue string, wantCalls int) {
				t.Helper()
				before := e.calls(tt.op)
				r := e.get(t, target)
				wantStatus(t, r, http.StatusOK, "")
				wantCache(t, r, wantResult)
				if !strings.Contains(string(r.body), wantValue) {
					t.Errorf("GET %s answered %s, want it to hold %q", target, r.body, wantValue)
				}
				if n := e.calls(tt.op) - before; n != wantCalls {
					t.Errorf("GET %s made %d %s calls, want %d", target, n, tt.op, wantCalls)
				}
			}

			read(tt.target, "miss", tt.old, 1)
			tt.change(t, e)
			read(tt.target, "hit", tt.old, 0)
			read(tt.target+"&refreshNow=true", "miss", tt.new, 1)
			read(tt.target, "hit", tt.new, 0)
			if tt.also != "" {
				before := e.calls(opGSV) + e.calls(opGP)
				r := e.get(t, tt.also)
				wantCache(t, r, "hit")
				if !strings.Contains(string(r.body), tt.new) {
					t.Errorf("GET %s after the refresh answered %s, want the new value %q", tt.also, r.body, tt.new)
				}
				if n := e.calls(opGSV) + e.calls(opGP) - before; n != 0 {
					t.Errorf("GET %s after the refresh made %d upstream calls, want 0", tt.also, n)
				}
			}
		})
	}
}

// TestRefreshNowNeverServesStale: a function that asks for refreshNow (say,
// after its database refused the cached password) must not get the old
// credential back as if it were fresh. When the upstream fails transiently the
// refresh answers that failure — whether the entry is still fresh or only
// inside its stale-if-error window — and the entry itself stays for plain reads.
func TestRefreshNowNeverServesStale(t *testing.T) {
	throttled := localaws.Fault{Operation: opGSV, Code: "ThrottlingException", Count: 3}
	serverError := localaws.Fault{Operation: opGSV, Code: "InternalServiceError", Status: 500, Count: 3}
	tests := []struct {
		name      string
		age       time.Duration
		fault     localaws.Fault
		status    int
		code      string
		plainNext string // X-Cache of a plain read once the fault is spent
	}{
		{"throttled, entry fresh", 0, throttled, http.StatusTooManyRequests, "ThrottlingException", "hit"},
		{"throttled, entry expired inside the stale window", 5*time.Minute + 30*time.Second, throttled, http.StatusTooManyRequests, "ThrottlingException", "miss"},
		{"server error, entry fresh", 0, serverError, http.StatusInternalServerError, "InternalServiceError", "hit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envOptions{secretsTTL: 5 * time.Minute, staleIfError: time.Minute})
			seedAll(t, e)
			wantCache(t, e.get(t, secretTarget), "miss")
			e.clock.Advance(tt.age)
			e.aws.InjectFault(tt.fault)
			r := e.get(t, secretTarget+"&refreshNow=true")
			wantStatus(t, r, tt.status, tt.code)
			if strings.Contains(string(r.body), "n3w-db-pw") {
				t.Errorf("refreshNow under a failing upstream answered the cached value: %s", r.body)
			}
			wantCache(t, e.get(t, secretTarget), tt.plainNext)
		})
	}
}
