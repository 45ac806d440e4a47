// Package mototest starts moto_server, a third-party AWS mock, for tests that
// cross-check localaws's conformance suites against a second implementation.
// moto is known to differ from AWS in places; each suite lists where.
package mototest

import (
	"bytes"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// startLimit bounds how long moto may take to import and bind: a readiness
// bound for a slow machine, not a timing assertion.
const startLimit = 90 * time.Second

// Start runs moto_server on a loopback port until the test ends and returns
// its URL. It skips the test when moto_server is not installed.
//
// moto binds port 0 itself and the port is read from its own start-up line,
// so the URL is always this process's server: a port picked by listening
// and closing could be taken by another server (another package's moto, or
// another checkout's test run) in the seconds moto takes to start, and the
// tests would then share, and corrupt, someone else's state.
func Start(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("moto_server")
	if err != nil {
		t.Skip("moto_server not installed")
	}
	out := newStartLog()
	cmd := exec.Command(path, "-H", "127.0.0.1", "-p", "0")
	cmd.Stdout = out
	cmd.Stderr = out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start moto_server: %v", err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	deadline := time.NewTimer(startLimit)
	defer deadline.Stop()
	var url string
	select {
	case url = <-out.url:
	case <-exited:
		t.Fatalf("moto_server exited before it served:\n%s", out.head())
	case <-deadline.C:
		t.Fatalf("moto_server did not report its address:\n%s", out.head())
	}
	// The port is bound once moto names it; wait until it also answers.
	for {
		resp, err := http.Get(url + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			return url
		}
		select {
		case <-exited:
			t.Fatalf("moto_server exited before it answered on %s:\n%s", url, out.head())
		case <-deadline.C:
			t.Fatalf("moto_server did not answer on %s: %v", url, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// runningOn is werkzeug's start-up line, " * Running on http://HOST:PORT",
// printed once the socket is bound.
var runningOn = regexp.MustCompile(`Running on (http://127\.0\.0\.1:[0-9]+)`)

// startLog reads moto's output: it reports the URL from the start-up line
// and keeps the first few kilobytes for a failure message. It must keep
// accepting writes for moto's whole life (moto logs every request, and a
// full pipe would stall it), so everything after the head is dropped.
type startLog struct {
	url chan string

	mu    sync.Mutex
	buf   bytes.Buffer
	found bool
}

const headLimit = 8 << 10

func newStartLog() *startLog { return &startLog{url: make(chan string, 1)} }

func (l *startLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.found {
		return len(p), nil
	}
	if room := headLimit - l.buf.Len(); room > 0 {
		l.buf.Write(p[:min(len(p), room)])
	}
	if m := runningOn.FindStringSubmatch(l.buf.String()); m != nil {
		l.found = true
		l.url <- m[1]
	}
	return len(p), nil
}

func (l *startLog) head() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.TrimSpace(l.buf.String())
}

// HTTPClient returns a client that opens a fresh connection per call: moto's
// development server closes idle connections without warning, and the suites
// are about the API, not that.
func HTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
}
