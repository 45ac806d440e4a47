package lifecycle

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
)

// EnvHandoff carries a Handoff from the front (extension/front) to the
// extension it execs. It is set for that one exec and read once, so nothing
// started later inherits it.
const EnvHandoff = "PARAMSECRETS_HANDOFF"

// Handoff is what the front did before it exec'd the extension in its own
// process: bound the listener (kept open across the exec, so requests that
// arrive meanwhile wait in its backlog) and, under Lambda, registered.
//
// Lambda starts the function's runtime only once every extension has
// registered, so everything before register is the user's cold start. The
// extension's AWS configuration (the SDK's credential chain) costs
// milliseconds of package initialisation and loading before it could
// register; the front links no SDK, so it registers in about the time a
// minimal extension does, and the extension's start-up overlaps the runtime's.
type Handoff struct {
	PID             int    `json:"pid"` // the process it was made for: exec keeps the pid
	FD              int    `json:"fd"`  // the listening socket, open across the exec
	ExtensionID     string `json:"extensionId,omitempty"`
	FunctionName    string `json:"functionName,omitempty"`
	FunctionVersion string `json:"functionVersion,omitempty"`
}

// Encode renders h as the value of EnvHandoff.
func (h Handoff) Encode() string {
	b, _ := json.Marshal(h) // a struct of strings and ints always marshals
	return string(b)
}

// TakeHandoff reads EnvHandoff through getenv. It returns nil when there is
// none, or when it was made for another process (a stale value inherited by
// something this process did not start as the front's exec). Otherwise it
// returns the handed-over listener, which must be a TCP socket listening on a
// loopback address, and the registration.
func TakeHandoff(getenv func(string) string) (net.Listener, *Handoff, error) {
	v := getenv(EnvHandoff)
	if v == "" {
		return nil, nil, nil
	}
	var h Handoff
	if err := json.Unmarshal([]byte(v), &h); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", EnvHandoff, err)
	}
	if h.PID != os.Getpid() {
		return nil, nil, nil
	}
	if h.FD < 3 {
		return nil, nil, fmt.Errorf("%s: fd %d is not a listener", EnvHandoff, h.FD)
	}
	f := os.NewFile(uintptr(h.FD), "listener")
	ln, err := net.FileListener(f) // a duplicate; the original is closed below
	f.Close()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: fd %d: %w", EnvHandoff, h.FD, err)
	}
	addr, ok := ln.Addr().(*net.TCPAddr)
	if !ok || !addr.IP.IsLoopback() {
		ln.Close()
		return nil, nil, fmt.Errorf("%s: fd %d listens on %s, not on loopback TCP", EnvHandoff, h.FD, ln.Addr())
	}
	return ln, &h, nil
}

// ErrNoHandoff is returned by Listen and Exec where the platform cannot hand a
// socket across exec; the front then execs the extension without one.
var ErrNoHandoff = errors.New("handing a listener across exec is not supported here")

// listenAddr renders the loopback address the listener binds.
func listenAddr(port int) string { return "127.0.0.1:" + strconv.Itoa(port) }

// ExtensionPath is where the front at path front finds the extension it
// execs: paramsecrets/extension beside the front's directory, which is
// /opt/paramsecrets/extension in a layer (/opt/extensions/paramsecrets being
// the front). It is outside /opt/extensions because Lambda starts every file
// there as an extension of its own.
func ExtensionPath(front string) string {
	return filepath.Join(filepath.Dir(filepath.Dir(front)), "paramsecrets", "extension")
}
