package main

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paramsecrets/paramsecrets/extension/lifecycle"
	"github.com/paramsecrets/paramsecrets/extension/lifecycle/lifecycletest"
	"github.com/paramsecrets/paramsecrets/localaws"
)

const dbSecret = `{"username":"app","password":"pw-SECRET-9c1d"}`

func demoSeed() localaws.Seed {
	return localaws.Seed{
		Secrets:    []localaws.SeedSecret{{Name: "demo/db", SecretString: strPtr(dbSecret)}},
		Parameters: []localaws.SeedParameter{{Name: "/demo/host", Type: "String", Value: "db.internal"}},
	}
}

// TestStandalone is the laptop workflow: no Runtime API, endpoints pointed at
// localaws, a token of one's choosing.
func TestStandalone(t *testing.T) {
	t.Parallel()
	for _, via := range []struct{ name, program string }{{"on its own", binary}, {"through the front", front}} {
		t.Run(via.name, func(t *testing.T) {
			t.Parallel()
			testStandalone(t, via.program)
		})
	}
}

func testStandalone(t *testing.T, program string) {
	_, endpoint := startLocalaws(t, demoSeed())
	p := startStandaloneOf(t, program, map[string]string{"AWS_ENDPOINT_URL": endpoint, "AWS_SESSION_TOKEN": testToken})

	code, body, hdr := p.get(t, "/secretsmanager/get?secretId=demo/db", testToken)
	if code != http.StatusOK {
		t.Fatalf("GET secret: %d %s", code, body)
	}
	var got struct{ Name, SecretString string }
	if err := json.Unmarshal([]byte(body), &got); err != nil || got.Name != "demo/db" || got.SecretString != dbSecret {
		t.Fatalf("GET secret body %s (err %v)", body, err)
	}
	if hdr.Get("X-Cache") != "miss" {
		t.Errorf("first read X-Cache = %q, want miss", hdr.Get("X-Cache"))
	}
	if _, _, hdr := p.get(t, "/secretsmanager/get?secretId=demo/db", testToken); hdr.Get("X-Cache") != "hit" {
		t.Errorf("second read X-Cache = %q, want hit", hdr.Get("X-Cache"))
	}
	if code, _, _ := p.get(t, "/secretsmanager/get?secretId=demo/db", "wrong"); code != http.StatusUnauthorized {
		t.Errorf("wrong token: %d, want 401", code)
	}

	if code := p.stop(t); code != 0 {
		t.Fatalf("exit code %d after SIGTERM, want 0", code)
	}
	emf := emfLine(t, p.stdout.String())
	if emf["CacheHits"] != 1.0 || emf["CacheMisses"] != 1.0 {
		t.Errorf("EMF hits %v misses %v, want 1 and 1", emf["CacheHits"], emf["CacheMisses"])
	}
}

// extensionEnv is what Lambda gives an extension process, pointed at api and
// at a localaws endpoint.
func extensionEnv(api *lifecycletest.RuntimeAPI, endpoint string, more map[string]string) map[string]string {
	env := map[string]string{
		"AWS_LAMBDA_RUNTIME_API": api.Addr(), "AWS_REGION": "us-east-1",
		"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "x", "AWS_SESSION_TOKEN": testToken,
		"AWS_ENDPOINT_URL": endpoint,
	}
	for k, v := range more {
		env[k] = v
	}
	return env
}

// startExtension starts the binary in extension mode against a fresh fake
// Extensions API (built by newAPI, whose OnNext must send on first at the
// first /event/next) and returns once that first /event/next has arrived:
// the extension has bound its port (it binds before registering), registered
// and prefetched. If its port was taken in the meantime, it tries another.
func startExtension(t *testing.T, newAPI func(first chan<- struct{}) *lifecycletest.RuntimeAPI, env func(*lifecycletest.RuntimeAPI) map[string]string) (*proc, *lifecycletest.RuntimeAPI) {
	t.Helper()
	return startExtensionOf(t, binary, newAPI, env)
}

// startExtensionOf is startExtension for program: the extension on its own,
// or the layer's front.
func startExtensionOf(t *testing.T, program string, newAPI func(first chan<- struct{}) *lifecycletest.RuntimeAPI, env func(*lifecycletest.RuntimeAPI) map[string]string) (*proc, *lifecycletest.RuntimeAPI) {
	t.Helper()
	for try := 1; ; try++ {
		first := make(chan struct{}, 1)
		api := newAPI(first)
		p := startProgram(t, program, env(api))
		select {
		case <-first:
			return p, api
		case <-p.done:
		case <-time.After(30 * time.Second):
			t.Fatal("no /event/next in 30s")
		}
		if !p.lostPort(t) || try == portRetries {
			t.Fatalf("extension exited with %d before its first /event/next:\n%s", p.exitCode, p.stderr)
		}
	}
}

// TestExtensionMode runs the binary as Lambda would: register, prefetch before
// the first /event/next, INVOKE, then SHUTDOWN. With nothing left to serve it
// flushes the metrics and exits 0 on its own: the deadline is an hour away, so
// exiting at all shows it does not sit until the deadline (the case of a
// request still open at the deadline is TestShutdownCutsAStuckRequest's).
// It runs the extension on its own and as the layer starts it, through the
// front, which registers and execs it.
func TestExtensionMode(t *testing.T) {
	t.Parallel()
	type testCase struct {
		name    string
		program string
		managed bool
		env     map[string]string
		events  []lifecycle.EventType
	}
	var tests []testCase
	for _, via := range []struct{ name, program string }{{"on its own", binary}, {"through the front", front}} {
		tests = append(tests,
			testCase{"standard Lambda " + via.name, via.program, false, nil, []lifecycle.EventType{lifecycle.Invoke, lifecycle.Shutdown}},
			testCase{"managed instances " + via.name, via.program, true, map[string]string{"AWS_LAMBDA_MAX_CONCURRENCY": "8"}, []lifecycle.EventType{lifecycle.Shutdown}})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			la, endpoint := startLocalaws(t, demoSeed())
			var fetchedAtFirstNext int
			p, api := startExtensionOf(t, tc.program, func(first chan<- struct{}) *lifecycletest.RuntimeAPI {
				return lifecycletest.NewRuntimeAPI(t, lifecycletest.Options{
					Managed: tc.managed,
					OnNext: func(call int) {
						if call == 1 {
							fetchedAtFirstNext = la.Stats()["secretsmanager.BatchGetSecretValue"]
							first <- struct{}{}
						}
					},
				})
			}, func(api *lifecycletest.RuntimeAPI) map[string]string {
				more := map[string]string{"PARAMETERS_SECRETS_EXTENSION_PREFETCH_SECRETS": "demo/db"}
				for k, v := range tc.env {
					more[k] = v
				}
				return extensionEnv(api, endpoint, more)
			})
			if fetchedAtFirstNext != 1 {
				t.Errorf("BatchGetSecretValue calls at the first /event/next = %d, want 1 (prefetch first)", fetchedAtFirstNext)
			}
			hdr, events := api.Registration()
			if got := hdr.Get(lifecycle.HeaderExtensionName); got != "paramsecrets" {
				t.Errorf("registered as %q, want the file name paramsecrets", got)
			}
			if !slices.Equal(events, tc.events) {
				t.Errorf("registered for %v, want %v", events, tc.events)
			}
			code, body, h := p.get(t, "/secretsmanager/get?secretId=demo/db", testToken)
			if code != http.StatusOK || h.Get("X-Cache") != "hit" {
				t.Errorf("read after prefetch: %d X-Cache=%q %s", code, h.Get("X-Cache"), body)
			}

			if !tc.managed {
				api.Send(lifecycle.Event{EventType: lifecycle.Invoke, RequestID: "r1", DeadlineMs: time.Now().Add(time.Minute).UnixMilli()})
			}
			api.Send(lifecycle.Event{EventType: lifecycle.Shutdown, ShutdownReason: "spindown", DeadlineMs: time.Now().Add(time.Hour).UnixMilli()})
			if code := p.wait(t); code != 0 {
				t.Fatalf("exit code %d after SHUTDOWN, want 0", code)
			}
			emf := emfLine(t, p.stdout.String())
			if emf["CacheHits"] != 1.0 {
				t.Errorf("EMF CacheHits = %v, want 1", emf["CacheHits"])
			}
			if len(api.InitErrors())+len(api.ExitErrors()) != 0 {
				t.Errorf("unexpected error reports: %+v %+v", api.InitErrors(), api.ExitErrors())
			}
		})
	}
}

// TestShutdownCutsAStuckRequest: a function's request is stuck on an upstream
// that never answers (an hour of injected latency) when SHUTDOWN arrives with
// its deadline already at hand. The extension must not wait for the request:
// it writes the metrics line, cuts the request and exits 0 — it waits for
// nothing, so exiting at all shows the deadline decided.
func TestShutdownCutsAStuckRequest(t *testing.T) {
	t.Parallel()
	la, endpoint := startLocalaws(t, demoSeed())
	p, api := startExtension(t, func(first chan<- struct{}) *lifecycletest.RuntimeAPI {
		return lifecycletest.NewRuntimeAPI(t, lifecycletest.Options{OnNext: func(call int) {
			if call == 1 {
				first <- struct{}{}
			}
		}})
	}, func(api *lifecycletest.RuntimeAPI) map[string]string { return extensionEnv(api, endpoint, nil) })
	la.InjectFault(localaws.Fault{Operation: "secretsmanager.GetSecretValue", LatencyMs: 3_600_000})
	stuck := make(chan int, 1)
	go func() {
		code, _, _ := p.get(t, "/secretsmanager/get?secretId=demo/db", testToken)
		stuck <- code
	}()
	for la.Stats()["secretsmanager.GetSecretValue"] == 0 { // the request has reached the upstream
		select {
		case <-p.done:
			t.Fatalf("extension exited with %d", p.exitCode)
		case <-time.After(2 * time.Millisecond):
		}
	}
	api.Send(lifecycle.Event{EventType: lifecycle.Shutdown, ShutdownReason: "timeout", DeadlineMs: time.Now().UnixMilli()})
	if code := p.wait(t); code != 0 {
		t.Fatalf("exit code %d after SHUTDOWN, want 0", code)
	}
	emfLine(t, p.stdout.String()) // the metrics were flushed
	if code := <-stuck; code == http.StatusOK {
		t.Error("the stuck request was answered 200; want it cut at shutdown")
	}
}

// TestBadConfigurationReportsInitError: a bad value fails the function's init
// through /extension/init/error, naming the variable, and the process exits
// non-zero — without the token appearing anywhere.
func TestBadConfigurationReportsInitError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		env      map[string]string
		wantText string
	}{
		{"port out of range", map[string]string{"AWS_SESSION_TOKEN": testToken, "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT": "70000"},
			`PARAMETERS_SECRETS_EXTENSION_HTTP_PORT="70000"`},
		{"TTL not a number", map[string]string{"AWS_SESSION_TOKEN": testToken, "SECRETS_MANAGER_TTL": "5m"},
			`SECRETS_MANAGER_TTL="5m"`},
		{"no token", map[string]string{}, "AWS_SESSION_TOKEN"},
		// The SDK's clients would fail every call; the extension says so at once.
		{"FIPS with a configured endpoint", map[string]string{"AWS_SESSION_TOKEN": testToken, "AWS_USE_FIPS_ENDPOINT": "true",
			"AWS_ENDPOINT_URL": "http://127.0.0.1:1", "AWS_ACCESS_KEY_ID": "AKIDLOCAL", "AWS_SECRET_ACCESS_KEY": "local"},
			"FIPS and custom endpoint are not supported"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := lifecycletest.NewRuntimeAPI(t, lifecycletest.Options{})
			// The configuration fails before anything binds a port.
			env := map[string]string{"AWS_LAMBDA_RUNTIME_API": api.Addr(), "AWS_REGION": "us-east-1"}
			for k, v := range tc.env {
				env[k] = v
			}
			p := start(t, env)
			if code := p.wait(t); code == 0 {
				t.Fatal("exit code 0 with a bad configuration")
			}
			reports := api.InitErrors()
			if len(reports) != 1 {
				t.Fatalf("got %d init/error reports, want 1", len(reports))
			}
			r := reports[0]
			if r.HeaderType != lifecycle.ErrorTypeConfig || !strings.Contains(r.Body.ErrorMessage, tc.wantText) {
				t.Errorf("init/error %s %q, want %s naming %s", r.HeaderType, r.Body.ErrorMessage, lifecycle.ErrorTypeConfig, tc.wantText)
			}
			for _, out := range []string{r.Body.ErrorMessage, p.stdout.String(), p.stderr.String()} {
				if strings.Contains(out, testToken) {
					t.Errorf("token revealed: %q", out)
				}
			}
			if len(api.NextIDs()) != 0 {
				t.Error("called /event/next after a failed start")
			}
		})
	}
}
