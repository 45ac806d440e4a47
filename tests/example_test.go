package tests

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/paramsecrets/paramsecrets/internal/demo/sandbox"
	"github.com/paramsecrets/paramsecrets/internal/lambdatest"
)

// readResult is examples/dbreader's answer.
type readResult struct {
	SecretVersionID string `json:"secretVersionId"`
	Engine          string `json:"engine"`
	Host            string `json:"host"`
	Username        string `json:"username"`
	Parameter       string `json:"parameter"`
	LoggedIn        bool   `json:"loggedIn"`
	ServerVersion   string `json:"serverVersion"`
	TLS             bool   `json:"tls"`
	InitRead        bool   `json:"initRead"`
}

// TestExampleFunctionThroughLayer runs examples/dbreader with the layer at
// /opt under the emulator, invoked with the recorded events: it reads the
// secret and the parameter from the extension (during init too), which
// reads them from localaws, and logs in to the real database with them.
func TestExampleFunctionThroughLayer(t *testing.T) {
	w := newWorld(t, "rd_")
	for _, r := range sandbox.Rotators() {
		t.Run(r.SecretName(), func(t *testing.T) {
			opts, err := suite.bin.ReaderOptions(w.cloud, r.SecretName())
			if err != nil {
				t.Fatal(err)
			}
			fn := lambdatest.StartTest(t, opts)
			creds, version := w.secret(t, r.SecretName(), "AWSCURRENT")

			var got readResult
			invokeJSON(t, fn, recordedEvent(t, "dbreader/invoke.json"), &got)
			want := readResult{
				SecretVersionID: version, Engine: creds.Engine, Host: "127.0.0.1", Username: creds.Username,
				Parameter: "127.0.0.1", LoggedIn: true, ServerVersion: got.ServerVersion, InitRead: true,
			}
			if got != want {
				t.Errorf("invoke.json answered\n%+v\nwant\n%+v", got, want)
			}
			if got.ServerVersion == "" {
				t.Error("no server version: the function did not query the database")
			}

			// The extension caches: a second plain read costs localaws
			// nothing, a refresh (refresh.json: refreshNow=true) one call.
			calls := func() int { return w.cloud.Server.Stats()["secretsmanager.GetSecretValue"] }
			before := calls()
			invokeJSON(t, fn, recordedEvent(t, "dbreader/invoke.json"), &got)
			if n := calls() - before; n != 0 {
				t.Errorf("a repeated read made %d GetSecretValue calls, want 0 (served from the cache)", n)
			}
			invokeJSON(t, fn, recordedEvent(t, "dbreader/refresh.json"), &got)
			if n := calls() - before; n != 1 {
				t.Errorf("a refresh read made %d GetSecretValue calls, want 1", n)
			}
			if err := fn.Close(); err != nil {
				t.Fatal(err)
			}
			assertNoSecret(t, fn.Logs(), creds)
		})
	}
}

// TestShutdownFlushesExtensionMetrics retires the execution environment
// (SIGTERM to the emulator, which sends SHUTDOWN): the extension must print
// its Embedded Metric Format line with what it counted and exit before the
// deadline, so the emulator never has to kill it.
func TestShutdownFlushesExtensionMetrics(t *testing.T) {
	w := newWorld(t, "sd_")
	opts, err := suite.bin.ReaderOptions(w.cloud, "demo/postgres-single-user")
	if err != nil {
		t.Fatal(err)
	}
	fn := lambdatest.StartTest(t, opts)
	var got readResult
	for _, event := range []string{"dbreader/invoke.json", "dbreader/invoke.json", "dbreader/refresh.json"} {
		invokeJSON(t, fn, recordedEvent(t, event), &got)
	}
	if err := fn.Close(); err != nil {
		t.Fatalf("the emulator did not stop cleanly: %v", err)
	}
	logs := fn.Logs()
	if !strings.Contains(logs, "subscribed to [INVOKE SHUTDOWN]") {
		t.Errorf("the extension did not register for SHUTDOWN")
	}
	if strings.Contains(logs, "did not exit after deadline") || strings.Contains(logs, "failed to transition to EXITED") {
		t.Errorf("the extension did not exit by itself at SHUTDOWN")
	}
	m := emfLine(t, logs)
	if m.Namespace != "ParametersSecretsExtension" {
		t.Errorf("metrics namespace %q, want ParametersSecretsExtension", m.Namespace)
	}
	// Prefetch fetched the secret and the parameter; init and three invokes
	// read the secret and (invokes) the parameter; the refresh went upstream.
	if m.Values["CacheHits"] < 4 || m.Values["UpstreamCalls"] < 3 || m.Values["Errors"] != 0 {
		t.Errorf("metrics %v: want at least 4 cache hits, 3 upstream calls and no errors", m.Values)
	}
}

// emf is the part of the extension's metrics line the tests read.
type emf struct {
	Namespace string
	Values    map[string]float64
}

// emfLine finds and decodes the Embedded Metric Format line in logs.
func emfLine(t *testing.T, logs string) emf {
	t.Helper()
	for _, line := range strings.Split(logs, "\n") {
		i := strings.Index(line, `{"_aws"`)
		if i < 0 {
			continue
		}
		var doc map[string]json.RawMessage
		if err := json.Unmarshal([]byte(line[i:]), &doc); err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		var meta struct {
			CloudWatchMetrics []struct{ Namespace string }
		}
		if err := json.Unmarshal(doc["_aws"], &meta); err != nil || len(meta.CloudWatchMetrics) != 1 {
			t.Fatalf("metrics line %q: want one CloudWatchMetrics directive (%v)", line, err)
		}
		m := emf{Namespace: meta.CloudWatchMetrics[0].Namespace, Values: map[string]float64{}}
		for k, raw := range doc {
			var f float64
			if json.Unmarshal(raw, &f) == nil {
				m.Values[k] = f
			}
		}
		return m
	}
	t.Fatalf("no metrics (EMF) line after SHUTDOWN; log:\n%s", logs)
	return emf{}
}
