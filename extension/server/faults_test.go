package server

import (
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/paramsecrets/paramsecrets/extension/upstream"
	"github.com/paramsecrets/paramsecrets/localaws"
)

const secretTarget = "/secretsmanager/get?secretId=app/db"

func TestThrottlingIs429ThenRecovers(t *testing.T) {
	e := newEnv(t, envOptions{})
	seedAll(t, e)
	// Three failures outlast the standard retryer's three attempts.
	e.aws.InjectFault(localaws.Fault{Operation: opGSV, Code: "ThrottlingException", Count: 3})
	wantStatus(t, e.get(t, secretTarget), http.StatusTooManyRequests, "ThrottlingException")
	if n := e.calls(opGSV); n != 3 {
		t.Errorf("GetSecretValue calls = %d, want 3 (standard retryer)", n)
	}
	r := e.get(t, secretTarget)
	wantStatus(t, r, http.StatusOK, "")
	wantCache(t, r, "miss")
	if s := e.metrics.Snapshot(); s.Errors != 1 {
		t.Errorf("metrics errors = %d, want 1", s.Errors)
	}
}

// TestFaultThroughAdminRoute injects a server error the way an end-to-end test
// does, through localaws's POST /_localaws/faults.
func TestFaultThroughAdminRoute(t *testing.T) {
	e := newEnv(t, envOptions{})
	seedAll(t, e)
	fault := `{"operation": "AmazonSSM.GetParameter", "code": "InternalServerError", "status": 500, "count": 3}`
	resp, err := http.Post(e.awsURL+"/_localaws/faults", "application/json", strings.NewReader(fault))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("POST /_localaws/faults: %s", resp.Status)
	}
	target := "/systemsmanager/parameters/get?name=/app/host"
	wantStatus(t, e.get(t, target), http.StatusInternalServerError, "InternalServerError")
	wantStatus(t, e.get(t, target), http.StatusOK, "")
}

// TestTimeoutIs504: an upstream slower than SECRETS_MANAGER_TIMEOUT_MILLIS is
// a 504, and the next request is answered. The timeout is short enough for a
// quick test and still far beyond the milliseconds an answering call takes, so
// the second request cannot time out by bad luck.
func TestTimeoutIs504(t *testing.T) {
	e := newEnv(t, envOptions{secretsTimeout: time.Second})
	seedAll(t, e)
	e.aws.InjectFault(localaws.Fault{Operation: opGSV, LatencyMs: 3_600_000})
	wantStatus(t, e.get(t, secretTarget), http.StatusGatewayTimeout, upstream.CodeTimeout)
	wantStatus(t, e.get(t, secretTarget), http.StatusOK, "")
}

func TestUnreachableIs502(t *testing.T) {
	e := newEnv(t, envOptions{endpoint: unreachable})
	r := e.get(t, secretTarget)
	wantStatus(t, r, http.StatusBadGateway, upstream.CodeConnection)
	wantStatus(t, e.get(t, "/systemsmanager/parameters/get?name=/x"), http.StatusBadGateway, upstream.CodeConnection)
}

func TestStaleIfError(t *testing.T) {
	serverError := localaws.Fault{Operation: opGSV, Code: "InternalServiceError", Status: 500, Count: 3}
	tests := []struct {
		name      string
		age       time.Duration
		fault     localaws.Fault
		status    int
		code      string
		wantCache string
	}{
		{"server error inside window serves stale", 5*time.Minute + 30*time.Second, serverError, http.StatusOK, "", "stale"},
		{"server error past window fails", 7 * time.Minute, serverError, http.StatusInternalServerError, "InternalServiceError", ""},
		{"throttling inside window serves stale", 5*time.Minute + 30*time.Second,
			localaws.Fault{Operation: opGSV, Code: "ThrottlingException", Count: 3}, http.StatusOK, "", "stale"},
		{"not found is never served stale", 5*time.Minute + 30*time.Second,
			localaws.Fault{Operation: opGSV, Code: "ResourceNotFoundException", Count: 1}, http.StatusBadRequest, "ResourceNotFoundException", ""},
		{"access denied is never served stale", 5*time.Minute + 30*time.Second,
			localaws.Fault{Operation: opGSV, Code: "AccessDeniedException", Count: 1}, http.StatusBadRequest, "AccessDeniedException", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envOptions{secretsTTL: 5 * time.Minute, staleIfError: time.Minute})
			seedAll(t, e)
			fresh := e.get(t, secretTarget)
			e.clock.Advance(tt.age)
			e.aws.InjectFault(tt.fault)
			r := e.get(t, secretTarget)
			wantStatus(t, r, tt.status, tt.code)
			if tt.wantCache != "" {
				wantCache(t, r, tt.wantCache)
				if string(r.body) != string(fresh.body) {
					t.Errorf("stale body differs from the cached one")
				}
			}
			// Once the fault clears, the next request fetches afresh.
			r = e.get(t, secretTarget)
			wantStatus(t, r, http.StatusOK, "")
			wantCache(t, r, "miss")
		})
	}
}

// TestNoGoroutineLeak runs hits, misses, timeouts and errors through a server and
// checks that the goroutine count settles back once the servers are closed.
func TestNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Run("traffic", func(t *testing.T) {
		e := newEnv(t, envOptions{secretsTimeout: 50 * time.Millisecond})
		seedAll(t, e)
		for _, target := range []string{secretTarget, secretTarget, "/systemsmanager/parameters/get?name=/app/host", "/secretsmanager/get?secretId=missing"} {
			e.get(t, target)
		}
		e.aws.InjectFault(localaws.Fault{Operation: opGSV, LatencyMs: 10_000})
		e.get(t, secretTarget+"&refreshNow=true")
		e.aws.InjectFault(localaws.Fault{Operation: opGSV, Code: "ThrottlingException", Count: 3})
		e.get(t, secretTarget+"&refreshNow=true")
	})
	// Closed connections take a moment to wind down their goroutines: poll
	// until the count is back (not a timing assertion: the loop only waits,
	// and gives up only far beyond any machine's slowness).
	after := runtime.NumGoroutine()
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end) && after > before; {
		http.DefaultClient.CloseIdleConnections()
		time.Sleep(10 * time.Millisecond)
		after = runtime.NumGoroutine()
	}
	if after > before {
		buf := make([]byte, 1<<16)
		t.Errorf("goroutines: %d before, %d after\n%s", before, after, buf[:runtime.Stack(buf, true)])
	}
}

func TestErrorMessagesNameNoValue(t *testing.T) {
	e := newEnv(t, envOptions{})
	seedAll(t, e)
	r := e.get(t, "/secretsmanager/get?secretId=missing")
	wantStatus(t, r, http.StatusBadRequest, "ResourceNotFoundException")
	if strings.Contains(string(r.body), "s3cr3t") {
		t.Errorf("error body carries a value: %s", r.body)
	}
}
