package main

import (
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paramsecrets/paramsecrets/extension/lifecycle"
	"github.com/paramsecrets/paramsecrets/extension/lifecycle/lifecycletest"
)

// readResult is how one request went.
type readResult struct {
	code int
	body string
}

// TestFrontHandsOver: through the front, the registration and the port are
// the front's, handed to the extension across exec. Requests made while
// register is being answered — before the extension even runs — wait for it
// in the listener's backlog and are answered, /ping and a secret alike; none
// fails.
func TestFrontHandsOver(t *testing.T) {
	t.Parallel()
	_, endpoint := startLocalaws(t, demoSeed())
	var port atomic.Value // the port of the current try, set before the front starts
	reads := make(chan readResult, 2*portRetries)
	p, api := startExtensionOf(t, front, func(first chan<- struct{}) *lifecycletest.RuntimeAPI {
		return lifecycletest.NewRuntimeAPI(t, lifecycletest.Options{
			OnRegister: func() {
				// The front waits for this answer: the extension is not running
				// yet, but the port is bound.
				addr := "127.0.0.1:" + port.Load().(string)
				for _, path := range []string{"/ping", "/secretsmanager/get?secretId=demo/db"} {
					go func() { reads <- getAddr(addr, path) }()
				}
			},
			OnNext: func(call int) {
				if call == 1 {
					first <- struct{}{}
				}
			},
		})
	}, func(api *lifecycletest.RuntimeAPI) map[string]string {
		pt := freePort(t)
		port.Store(pt)
		return extensionEnv(api, endpoint, map[string]string{"PARAMETERS_SECRETS_EXTENSION_HTTP_PORT": pt})
	})
	for range 2 {
		select {
		case r := <-reads:
			if r.code != http.StatusOK {
				t.Errorf("request made during register: %d %s, want 200", r.code, r.body)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("a request made during register was never answered")
		}
	}
	if hdr, _ := api.Registration(); hdr.Get(lifecycle.HeaderExtensionName) != "paramsecrets" {
		t.Errorf("registered as %q", hdr.Get(lifecycle.HeaderExtensionName))
	}
	api.Send(lifecycle.Event{EventType: lifecycle.Shutdown, DeadlineMs: time.Now().Add(time.Hour).UnixMilli()})
	if code := p.wait(t); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	// Read once the process has exited: the extension serves the port before
	// it logs that it adopted the registration, so the reads above may be
	// answered before that line is written.
	if !strings.Contains(p.stderr.String(), "byFront=true") {
		t.Errorf("the extension did not adopt the front's registration:\n%s", p.stderr)
	}
}

// getAddr sends GET path with the token to addr.
func getAddr(addr, path string) readResult {
	req, err := http.NewRequest(http.MethodGet, "http://"+addr+path, nil)
	if err != nil {
		return readResult{body: err.Error()}
	}
	req.Header.Set("X-Aws-Parameters-Secrets-Token", testToken)
	c := &http.Client{Timeout: 30 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return readResult{body: err.Error()}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return readResult{resp.StatusCode, string(b)}
}

// TestFrontLeavesFailuresToTheExtension: with a bad configuration or a port
// that is taken, the front execs the extension without a handoff, and the
// extension reports the failure in its own words, as when run on its own.
func TestFrontLeavesFailuresToTheExtension(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { busy.Close() }) // not defer: the subtests run after this function returns
	_, busyPort, _ := net.SplitHostPort(busy.Addr().String())
	tests := []struct {
		name, errorType, text string
		env                   map[string]string
	}{
		{"bad configuration", lifecycle.ErrorTypeConfig, `SECRETS_MANAGER_TTL="5m"`, map[string]string{"SECRETS_MANAGER_TTL": "5m"}},
		{"port taken", lifecycle.ErrorTypeListen, "address already in use", map[string]string{"PARAMETERS_SECRETS_EXTENSION_HTTP_PORT": busyPort}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := lifecycletest.NewRuntimeAPI(t, lifecycletest.Options{})
			env := map[string]string{"AWS_LAMBDA_RUNTIME_API": api.Addr(), "AWS_REGION": "us-east-1", "AWS_SESSION_TOKEN": testToken}
			for k, v := range tc.env {
				env[k] = v
			}
			p := startProgram(t, front, env)
			if code := p.wait(t); code == 0 {
				t.Fatal("exit code 0")
			}
			reports := api.InitErrors()
			if len(reports) != 1 || reports[0].HeaderType != tc.errorType || !strings.Contains(reports[0].Body.ErrorMessage, tc.text) {
				t.Errorf("init/error reports %+v, want one %s naming %s", reports, tc.errorType, tc.text)
			}
		})
	}
}

// TestFrontWithoutTheExtension: a layer that lost paramsecrets/extension
// fails the function's init with a message saying what is missing.
func TestFrontWithoutTheExtension(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	lone := filepath.Join(dir, "extensions", "paramsecrets")
	if err := os.MkdirAll(filepath.Dir(lone), 0o755); err != nil {
		t.Fatal(err)
	}
	exe, err := os.ReadFile(front)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(lone, exe, 0o755); err != nil {
		t.Fatal(err)
	}
	api := lifecycletest.NewRuntimeAPI(t, lifecycletest.Options{})
	p := startProgram(t, lone, map[string]string{"AWS_LAMBDA_RUNTIME_API": api.Addr(), "AWS_SESSION_TOKEN": testToken})
	if code := p.wait(t); code == 0 {
		t.Fatal("exit code 0 without the extension")
	}
	reports := api.InitErrors()
	if len(reports) != 1 || reports[0].HeaderType != lifecycle.ErrorTypeExec || !strings.Contains(reports[0].Body.ErrorMessage, "paramsecrets/extension") {
		t.Errorf("init/error reports %+v, want one %s naming paramsecrets/extension", reports, lifecycle.ErrorTypeExec)
	}
	if !strings.Contains(p.stderr.String(), "paramsecrets/extension") {
		t.Errorf("stderr %q does not say what is missing", p.stderr)
	}
}
