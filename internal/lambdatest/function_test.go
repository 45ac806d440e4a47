package lambdatest_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paramsecrets/paramsecrets/internal/lambdatest"
)

// buildEcho builds testdata/echo into a temporary bootstrap.
func buildEcho(t *testing.T) string {
	t.Helper()
	boot := filepath.Join(t.TempDir(), "bootstrap")
	if err := lambdatest.BuildBootstrap(t.Context(), "./testdata/echo", boot); err != nil {
		t.Fatal(err)
	}
	return boot
}

type echoResponse struct {
	Event struct {
		Message string `json:"message"`
	} `json:"event"`
	Greeting string `json:"greeting"`
	Function string `json:"function"`
}

func TestInvokeEchoesEventAndEnvironment(t *testing.T) {
	t.Parallel()
	fn := lambdatest.StartTest(t, lambdatest.Options{
		Bootstrap: buildEcho(t),
		Env:       []string{"GREETING=hello", "AWS_LAMBDA_FUNCTION_NAME=echo"},
	})
	if !strings.HasPrefix(fn.InvokeURL(), "http://127.0.0.1:") ||
		!strings.HasSuffix(fn.InvokeURL(), "/2015-03-31/functions/function/invocations") {
		t.Errorf("InvokeURL() = %q, want a loopback invoke endpoint", fn.InvokeURL())
	}
	for _, msg := range []string{"first", "second"} {
		body, err := fn.Invoke(t.Context(), []byte(`{"message":"`+msg+`"}`))
		if err != nil {
			t.Fatalf("invoke %s: %v", msg, err)
		}
		var got echoResponse
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatalf("invoke %s: response %q: %v", msg, body, err)
		}
		if got.Event.Message != msg || got.Greeting != "hello" || got.Function != "echo" {
			t.Errorf("invoke %s: got %+v, want message %q, greeting hello, function echo", msg, got, msg)
		}
	}
	if err := fn.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if logs := fn.Logs(); strings.Count(logs, "START RequestId:") != 2 {
		t.Errorf("logs should show two invokes:\n%s", logs)
	}
}

func TestInvokeSurfacesFunctionError(t *testing.T) {
	t.Parallel()
	fn := lambdatest.StartTest(t, lambdatest.Options{Bootstrap: buildEcho(t)})
	body, err := fn.Invoke(t.Context(), []byte(`{"message":"boom","fail":true}`))
	var ferr *lambdatest.FunctionError
	if !errors.As(err, &ferr) {
		t.Fatalf("Invoke error = %v (body %q), want a *FunctionError", err, body)
	}
	if ferr.Message != "asked to fail: boom" || ferr.Type != "errorString" {
		t.Errorf("FunctionError = %+v, want errorString %q", ferr, "asked to fail: boom")
	}
	// The runtime survives a handler error, as on Lambda.
	if _, err := fn.Invoke(t.Context(), []byte(`{"message":"after"}`)); err != nil {
		t.Errorf("invoke after a function error: %v", err)
	}
}

func TestInvokeReportsTimeout(t *testing.T) {
	t.Parallel()
	fn := lambdatest.StartTest(t, lambdatest.Options{Bootstrap: buildEcho(t), Timeout: time.Second})
	_, err := fn.Invoke(t.Context(), []byte(`{"message":"slow","sleepMillis":5000}`))
	var ferr *lambdatest.FunctionError
	if !errors.As(err, &ferr) || ferr.Type != "Sandbox.Timedout" {
		t.Fatalf("Invoke error = %v, want a Sandbox.Timedout *FunctionError", err)
	}
	if !strings.Contains(ferr.Message, "Task timed out after 1.00 seconds") {
		t.Errorf("timeout message = %q, want the emulator's text", ferr.Message)
	}
}

func TestInvokeReportsCrashedBootstrapWithLog(t *testing.T) {
	t.Parallel()
	boot := filepath.Join(t.TempDir(), "bootstrap")
	script := "#!/bin/sh\necho 'bootstrap cannot start: missing config' >&2\nexit 3\n"
	if err := os.WriteFile(boot, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	fn := lambdatest.StartTest(t, lambdatest.Options{Bootstrap: boot})
	_, err := fn.Invoke(t.Context(), []byte(`{}`))
	var ferr *lambdatest.FunctionError
	if err == nil || errors.As(err, &ferr) {
		t.Fatalf("Invoke error = %v, want a platform error, not a function error", err)
	}
	if !strings.Contains(err.Error(), "bootstrap cannot start: missing config") {
		t.Errorf("Invoke error should carry the bootstrap's output, got:\n%v", err)
	}
}

func TestStartRejectsBadOptions(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notExec := filepath.Join(dir, "bootstrap")
	if err := os.WriteFile(notExec, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "exe")
	if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		opts lambdatest.Options
		want string
	}{
		{"no bootstrap", lambdatest.Options{}, "Bootstrap is empty"},
		{"missing bootstrap", lambdatest.Options{Bootstrap: filepath.Join(dir, "nope")}, "no such file"},
		{"bootstrap not executable", lambdatest.Options{Bootstrap: notExec}, "not an executable"},
		{"opt not a directory", lambdatest.Options{Bootstrap: exe, Opt: exe}, "not a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fn, err := lambdatest.Start(t.Context(), tt.opts)
			if err == nil {
				fn.Close()
				t.Fatal("Start succeeded, want an error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Start error = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestConcurrentInvokesAreServedOneAtATime(t *testing.T) {
	t.Parallel()
	fn := lambdatest.StartTest(t, lambdatest.Options{Bootstrap: buildEcho(t)})
	msgs := []string{"a", "b", "c", "d"}
	errs := make(chan error, len(msgs))
	for _, msg := range msgs {
		go func() {
			body, err := fn.Invoke(t.Context(), []byte(`{"message":"`+msg+`","sleepMillis":50}`))
			var got echoResponse
			if err == nil {
				err = json.Unmarshal(body, &got)
			}
			if err == nil && got.Event.Message != msg {
				err = errors.New("invoke " + msg + " answered for " + got.Event.Message)
			}
			errs <- err
		}()
	}
	for range msgs {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
