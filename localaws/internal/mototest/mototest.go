// Package mototest starts moto_server, a third-party AWS mock, for tests that
// cross-check localaws's conformance suites against a second implementation.
// moto is known to differ from AWS in places; each suite lists where.
package mototest

import (
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// Start runs moto_server on a free loopback port until the test ends and
// returns its URL. It skips the test when moto_server is not installed.
func Start(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("moto_server")
	if err != nil {
		t.Skip("moto_server not installed")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("pick a port: %v", err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	cmd := exec.Command(path, "-H", "127.0.0.1", "-p", port)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start moto_server: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	url := "http://127.0.0.1:" + port
	// Readiness, not a timing assertion: moto takes seconds to import.
	deadline := time.Now().Add(90 * time.Second)
	for {
		resp, err := http.Get(url + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			return url
		}
		if time.Now().After(deadline) {
			t.Fatalf("moto_server did not answer on %s: %v", url, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// HTTPClient returns a client that opens a fresh connection per call: moto's
// development server closes idle connections without warning, and the suites
// are about the API, not that.
func HTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
}
