package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/paramsecrets/paramsecrets/extension/lifecycle"
	"github.com/paramsecrets/paramsecrets/internal/freeport"
	"github.com/paramsecrets/paramsecrets/localaws"
)

// binary is the extension built once for the tests that run it as a process,
// run on its own (it binds and registers itself). layer is a directory laid
// out as the layer is: front is layer/extensions/paramsecrets, which execs
// layer/paramsecrets/extension (the same program as binary).
var binary, layer, front string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "paramsecrets-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// Named as in a layer: Lambda registers the extension under its file name.
	binary = filepath.Join(dir, "paramsecrets")
	layer = filepath.Join(dir, "layer")
	front = filepath.Join(layer, "extensions", "paramsecrets")
	for _, b := range []struct{ pkg, out string }{
		{".", binary}, {"./front", front}, {".", lifecycle.ExtensionPath(front)},
	} {
		build := exec.Command("go", "build", "-trimpath", "-o", b.out, b.pkg)
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "build %s: %v\n%s", b.pkg, err, out)
			os.RemoveAll(dir)
			os.Exit(1)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

const testToken = "session-token-SECRET-1f7a"

// syncBuffer collects a process's output while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// proc is a running extension process.
type proc struct {
	cmd            *exec.Cmd
	addr           string
	stdout, stderr *syncBuffer
	done           chan struct{} // closed when the process has exited
	exitCode       int
}

// startLocalaws serves a seeded localaws on 127.0.0.1.
func startLocalaws(t *testing.T, seed localaws.Seed) (*localaws.Server, string) {
	t.Helper()
	return startLocalawsThrough(t, nil, seed)
}

// startLocalawsThrough serves a seeded localaws on 127.0.0.1, through wrap
// when it is not nil.
func startLocalawsThrough(t *testing.T, wrap func(http.Handler) http.Handler, seed localaws.Seed) (*localaws.Server, string) {
	t.Helper()
	la := localaws.NewServer(localaws.Options{})
	if err := la.Seed(seed); err != nil {
		t.Fatalf("seed localaws: %v", err)
	}
	var h http.Handler = la
	if wrap != nil {
		h = wrap(la)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return la, srv.URL
}

// freePort returns a loopback port claimed for this test process (see
// internal/freeport). Something outside the tests may still take it before the
// extension binds it: tests that start the extension on it go through
// startStandalone or retry on lostPort.
func freePort(t *testing.T) string {
	t.Helper()
	port, err := freeport.Get("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return strconv.Itoa(port)
}

// start runs the binary with exactly env (plus a private HOME and a free port
// unless env sets one) and stops it when the test ends.
func start(t *testing.T, env map[string]string) *proc {
	t.Helper()
	return startProgram(t, binary, env)
}

// startProgram is start for another program (the front, say).
func startProgram(t *testing.T, program string, env map[string]string) *proc {
	t.Helper()
	full := map[string]string{"HOME": t.TempDir(), "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT": freePort(t)}
	for k, v := range env {
		full[k] = v
	}
	p := &proc{stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan struct{}),
		addr: "127.0.0.1:" + full["PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"]}
	p.cmd = exec.Command(program)
	for k, v := range full {
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

// wait returns the exit code, failing the test if the process does not exit.
func (p *proc) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-p.done:
		return p.exitCode
	case <-time.After(30 * time.Second):
		t.Fatal("extension did not exit in 30s")
		return -1
	}
}

func (p *proc) stop(t *testing.T) int {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	return p.wait(t)
}

// portRetries is how many ports a test tries before it gives up: each try
// fails only if another process took the port in the moment after it was
// found free.
const portRetries = 5

// lostPort reports whether p has exited because its port was taken between
// freePort and its bind. It waits for p to exit.
func (p *proc) lostPort(t *testing.T) bool {
	t.Helper()
	p.wait(t)
	return p.exitCode != 0 && strings.Contains(p.stderr.String(), "address already in use")
}

// startStandalone runs the binary standalone, as start does, and returns once
// it is serving: its log says it has bound its port (the INFO line every
// standalone start writes), and /ping answers. The log line, not /ping alone,
// proves the port is this process's: another extension that took the port
// would answer /ping too.
func startStandalone(t *testing.T, env map[string]string) *proc {
	t.Helper()
	return startStandaloneOf(t, binary, env)
}

// startStandaloneOf is startStandalone for program (the front, say).
func startStandaloneOf(t *testing.T, program string, env map[string]string) *proc {
	t.Helper()
	for try := 1; ; try++ {
		p := startProgram(t, program, env)
		if p.waitServing(t) {
			p.waitHealthy(t)
			return p
		}
		if !p.lostPort(t) || try == portRetries {
			t.Fatalf("extension exited with %d before serving:\n%s", p.exitCode, p.stderr)
		}
	}
}

// waitServing waits until p logs that it is serving (true) or exits (false).
func (p *proc) waitServing(t *testing.T) bool {
	t.Helper()
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		if strings.Contains(p.stderr.String(), "serving standalone") {
			return true
		}
		select {
		case <-p.done:
			return strings.Contains(p.stderr.String(), "serving standalone")
		default:
		}
	}
	t.Fatal("extension neither served nor exited in 30s")
	return false
}

// waitHealthy polls /ping until it answers 200 or the process exits.
func (p *proc) waitHealthy(t *testing.T) {
	t.Helper()
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		select {
		case <-p.done:
			t.Fatalf("extension exited with %d before it was healthy", p.exitCode)
		default:
		}
		if code, body, _ := p.get(t, "/ping", ""); code == http.StatusOK && body == "healthy" {
			return
		}
	}
	t.Fatal("extension not healthy in 30s")
}

// get sends GET path with the token header (when token is not empty).
func (p *proc) get(t *testing.T, path, token string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "http://"+p.addr+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("X-Aws-Parameters-Secrets-Token", token)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		return 0, "", nil
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), resp.Header
}

// emfLine finds the metrics line on stdout and returns its root members.
func emfLine(t *testing.T, stdout string) map[string]any {
	t.Helper()
	for _, line := range strings.Split(stdout, "\n") {
		var root map[string]any
		if json.Unmarshal([]byte(line), &root) == nil && root["_aws"] != nil {
			return root
		}
	}
	t.Fatalf("no EMF line on stdout: %q", stdout)
	return nil
}

func strPtr(s string) *string { return &s }
