package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/paramsecrets/paramsecrets/extension/lifecycle"
	"github.com/paramsecrets/paramsecrets/internal/lambdatest"
)

// TestUnderEmulator runs the extension from a layer at /opt/extensions under the
// Runtime Interface Emulator, with a function that reads a secret during its
// init and again in the invoke. The emulator starts the runtime as soon as the
// extensions have registered, so the init read may race the prefetch: it must
// succeed (the server answers before register) and must not cost a second
// upstream call (it joins the prefetch's); the invoke comes only after the
// extension's /event/next, so its read is a cache hit. On close the emulator
// sends SHUTDOWN, which must produce the metrics line. Managed instances accept
// only SHUTDOWN at register; the extension must start there too.
func TestUnderEmulator(t *testing.T) {
	t.Parallel()
	bootstrap, opt := readerWithLayer(t)

	tests := []struct {
		name       string
		env        []string
		registered []string // the extension's log of what it registered for, in text or JSON format
		snapStart  bool
	}{
		{"standard Lambda", nil, []string{`events="[INVOKE SHUTDOWN]"`, `"events":["INVOKE","SHUTDOWN"]`}, false},
		{"managed instances", []string{"AWS_LAMBDA_MAX_CONCURRENCY=2"}, []string{`events=[SHUTDOWN]`, `"events":["SHUTDOWN"]`}, false},
		// The emulator cannot snapshot or restore (see TestSnapStart for what
		// the extension does at the restore): under it, SnapStart only defers
		// the prefetch to the first INVOKE, which the function's invoke read
		// may race — so only the answers are checked, not where they came from.
		{"SnapStart", []string{"AWS_LAMBDA_INITIALIZATION_TYPE=snap-start"}, []string{`events="[INVOKE SHUTDOWN]"`, `"events":["INVOKE","SHUTDOWN"]`}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			la, endpoint := startLocalaws(t, demoSeed())
			f, got := invokeOnFreePort(t, func(port int) lambdatest.Options {
				return lambdatest.Options{
					Bootstrap: bootstrap,
					Opt:       opt,
					Env: append([]string{
						"AWS_ENDPOINT_URL=" + endpoint,
						"PARAMETERS_SECRETS_EXTENSION_HTTP_PORT=" + strconv.Itoa(port),
						"PARAMETERS_SECRETS_EXTENSION_PREFETCH_SECRETS=demo/db",
					}, tc.env...),
				}
			})
			if r := got["init"]; r.Status != 200 || r.Username != "app" {
				t.Errorf("read during function init = %+v, want 200 with the value", r)
			}
			if r := got["invoke"]; r.Status != 200 || r.Username != "app" {
				t.Errorf("read during invoke = %+v, want 200 with the value", r)
			}
			if n := la.Stats()["secretsmanager.GetSecretValue"] + la.Stats()["secretsmanager.BatchGetSecretValue"]; !tc.snapStart && n != 1 {
				t.Errorf("GetSecretValue and BatchGetSecretValue called %d times for a prefetch and two reads, want 1", n)
			}
			if r := got["invoke"]; !tc.snapStart && r.Cache != "hit" {
				t.Errorf("read during invoke = %+v, want a cache hit", r)
			}
			if err := f.Close(); err != nil {
				t.Errorf("close: %v", err)
			}
			logs := f.Logs()
			registered := strings.Contains(logs, tc.registered[0]) || strings.Contains(logs, tc.registered[1])
			if !registered || strings.Contains(logs, "InvalidEventType") {
				t.Errorf("registration: want %s accepted; logs:\n%s", tc.registered, logs)
			}
			if !strings.Contains(logs, "byFront=true") && !strings.Contains(logs, `"byFront":true`) {
				t.Errorf("the extension did not start through the front; logs:\n%s", logs)
			}
			if !strings.Contains(logs, `"Namespace":"ParametersSecretsExtension"`) {
				t.Errorf("no metrics line after SHUTDOWN; logs:\n%s", logs)
			}
			if strings.Contains(logs, "pw-SECRET") || strings.Contains(logs, lambdatest.SessionToken) {
				t.Errorf("logs reveal a secret or the token:\n%s", logs)
			}
		})
	}
}

// readerWithLayer builds the reader function and the layer as it ships: the
// front in /opt/extensions, which execs the extension beside it.
func readerWithLayer(t *testing.T) (bootstrap, opt string) {
	t.Helper()
	dir := t.TempDir()
	bootstrap = filepath.Join(dir, "task", "bootstrap")
	if err := lambdatest.BuildBootstrap(context.Background(), "./testdata/reader", bootstrap); err != nil {
		t.Fatal(err)
	}
	opt = filepath.Join(dir, "opt")
	for _, f := range []struct{ from, to string }{
		{front, filepath.Join(opt, "extensions", "paramsecrets")},
		{binary, lifecycle.ExtensionPath(filepath.Join(opt, "extensions", "paramsecrets"))},
	} {
		exe, err := os.ReadFile(f.from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(f.to), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f.to, exe, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return bootstrap, opt
}

// readerReads is the reader function's answer: how each of its reads went.
type readerReads map[string]struct {
	Status   int
	Cache    string
	Code     string
	Username string
	Err      string
}

// invokeOnFreePort starts the function with the extension on a port that was
// free a moment ago and invokes it once. The emulator starts the extension only
// at that first invoke, so another process may have taken the port by then; the
// extension then fails its init saying so, and the function is started again
// on another port.
func invokeOnFreePort(t *testing.T, opts func(port int) lambdatest.Options) (*lambdatest.Function, readerReads) {
	t.Helper()
	for try := 1; ; try++ {
		port, err := lambdatest.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		f := lambdatest.StartTest(t, opts(port))
		out, err := f.Invoke(context.Background(), []byte(`{}`))
		var got readerReads
		if err == nil && json.Unmarshal(out, &got) == nil && got["init"].Status != 0 {
			return f, got
		}
		f.Close() // the log is complete once the function is closed
		if !strings.Contains(f.Logs(), "address already in use") || try == portRetries {
			t.Fatalf("invoke: %s %v\n%s", out, err, f.Logs())
		}
	}
}
