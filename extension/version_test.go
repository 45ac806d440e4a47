package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// stampedBinary builds the extension as the Makefile does, with version v stamped in.
func stampedBinary(t *testing.T, v string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "paramsecrets")
	build := exec.Command("go", "build", "-trimpath",
		"-ldflags=-X github.com/paramsecrets/paramsecrets/internal/version.stamped="+v, "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// runBinary starts bin with exactly env and stops it when the test ends.
func runBinary(t *testing.T, bin string, env map[string]string) *proc {
	t.Helper()
	p := &proc{stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan struct{}),
		addr: "127.0.0.1:" + env["PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"]}
	p.cmd = exec.Command(bin)
	for k, v := range env {
		p.cmd.Env = append(p.cmd.Env, k+"="+v)
	}
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.cmd.Wait()
		p.exitCode = p.cmd.ProcessState.ExitCode()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("extension stdout:\n%s\nextension stderr:\n%s", p.stdout, p.stderr)
		}
	})
	return p
}

// TestVersionIsPrintedLoggedAndSent checks the three places the suite version shows:
// `paramsecrets -version`, the start-up log line, and the User-Agent of the calls the
// extension makes to Secrets Manager (paramsecrets/<version>, where CloudTrail shows
// it).
func TestVersionIsPrintedLoggedAndSent(t *testing.T) {
	const v = "7.7.7-test.1"
	bin := stampedBinary(t, v)

	cmd := exec.Command(bin, "-version")
	cmd.Env = []string{} // no token, no AWS settings: -version needs none
	out, err := cmd.CombinedOutput()
	if err != nil || string(out) != "paramsecrets "+v+"\n" {
		t.Errorf("paramsecrets -version = %q, %v; want %q", out, err, "paramsecrets "+v+"\n")
	}

	var mu sync.Mutex
	var agents []string
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		agents = append(agents, r.Header.Get("User-Agent"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"__type":"ResourceNotFoundException","message":"Secrets Manager can't find the specified secret."}`))
	}))
	defer upstream.Close()
	p := runBinary(t, bin, map[string]string{
		"HOME": t.TempDir(), "AWS_SESSION_TOKEN": testToken, "AWS_ENDPOINT_URL": upstream.URL,
		"PARAMETERS_SECRETS_EXTENSION_HTTP_PORT": freePort(t),
	})
	p.waitHealthy(t)
	if code, body, _ := p.get(t, "/secretsmanager/get?secretId=demo/db", testToken); code != http.StatusBadRequest {
		t.Fatalf("GET secret = %d %s, want the upstream's 400", code, body)
	}
	p.stop(t)

	mu.Lock()
	defer mu.Unlock()
	if len(agents) == 0 {
		t.Fatal("the extension made no upstream call")
	}
	for _, ua := range agents {
		if !strings.Contains(" "+ua+" ", " paramsecrets/"+v+" ") {
			t.Errorf("User-Agent %q lacks paramsecrets/%s", ua, v)
		}
	}
	if first, _, _ := strings.Cut(p.stderr.String(), "\n"); !strings.Contains(first, "starting") || !strings.Contains(first, v) {
		t.Errorf("first log line = %q, want the start-up line with version %s", first, v)
	}
}
