package main

import (
	"fmt"
	"net"
	"os"

	"github.com/paramsecrets/paramsecrets/extension/lifecycle"
)

// adoptHandoff takes what the front (extension/front) did before it exec'd
// this process, if it did: the bound listener, returned, and under Lambda the
// registration, adopted by client. Without a handoff it returns nil, and the
// extension binds and registers itself.
func adoptHandoff(getenv func(string) string, client *lifecycle.Client) (net.Listener, error) {
	ln, h, err := lifecycle.TakeHandoff(getenv)
	os.Unsetenv(lifecycle.EnvHandoff) // nothing this process starts inherits it
	if err != nil || h == nil {
		return nil, err
	}
	if client != nil && h.ExtensionID != "" {
		client.Adopt(h.ExtensionID, lifecycle.RegisterResponse{FunctionName: h.FunctionName, FunctionVersion: h.FunctionVersion})
	}
	return ln, nil
}

// checkHandoff refuses a handed-over listener that is not on the configured
// port (the front and the extension read the same variables, so it always
// is, unless something else set the handoff).
func checkHandoff(ln net.Listener, port int) error {
	if ln == nil {
		return nil
	}
	if got := ln.Addr().(*net.TCPAddr).Port; got != port {
		return fmt.Errorf("the handed-over listener is on %s, not on port %d", ln.Addr(), port)
	}
	return nil
}
