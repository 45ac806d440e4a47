package main

import (
	"net"
	"strings"
	"testing"
	"time"
)

// TestPortInUseNamesTheVariable starts the extension on a port another process
// holds, in both modes: the error must say the port is taken and name
// PARAMETERS_SECRETS_EXTENSION_HTTP_PORT, the setting that moves it.
func TestPortInUseNamesTheVariable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())

	p := runBinary(t, binary, map[string]string{
		"HOME": t.TempDir(), "AWS_SESSION_TOKEN": testToken, "AWS_ENDPOINT_URL": "http://127.0.0.1:1",
		"PARAMETERS_SECRETS_EXTENSION_HTTP_PORT": port,
	})
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		t.Fatal("the extension kept running on a port in use")
	}
	if p.exitCode == 0 {
		t.Error("exit code 0 on a port in use")
	}
	msg := p.stderr.String()
	if !strings.Contains(msg, "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT") || !strings.Contains(msg, "in use") {
		t.Errorf("stderr = %q, want it to say the port is in use and name PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", msg)
	}
}
