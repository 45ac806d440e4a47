//go:build unix

package lifecycle_test

import (
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/paramsecrets/paramsecrets/extension/lifecycle"
)

// TestTakeHandoff: a handoff made for this process yields its listener; one
// made for another process, a descriptor that is no listener, or one that
// listens beyond loopback does not.
func TestTakeHandoff(t *testing.T) {
	t.Parallel()
	env := func(h lifecycle.Handoff) func(string) string {
		return func(k string) string {
			if k == lifecycle.EnvHandoff {
				return h.Encode()
			}
			return ""
		}
	}
	if ln, h, err := lifecycle.TakeHandoff(func(string) string { return "" }); ln != nil || h != nil || err != nil {
		t.Errorf("no handoff: %v %v %v", ln, h, err)
	}

	fd, err := lifecycle.ListenInheritable(0)
	if err != nil {
		t.Fatal(err)
	}
	ln, h, err := lifecycle.TakeHandoff(env(lifecycle.Handoff{PID: os.Getpid(), FD: fd, ExtensionID: "id-1"}))
	if err != nil || ln == nil || h.ExtensionID != "id-1" {
		t.Fatalf("handoff for this process: %v %+v %v", ln, h, err)
	}
	defer ln.Close()
	if a := ln.Addr().(*net.TCPAddr); !a.IP.IsLoopback() || a.Port == 0 {
		t.Errorf("listener on %v", a)
	}
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.Close()
		}
	}()
	if c, err := net.Dial("tcp", ln.Addr().String()); err != nil {
		t.Errorf("dial the handed-over listener: %v", err)
	} else {
		c.Close()
	}

	if ln, h, err := lifecycle.TakeHandoff(env(lifecycle.Handoff{PID: os.Getpid() + 1, FD: 3})); ln != nil || h != nil || err != nil {
		t.Errorf("handoff for another process taken: %v %v %v", ln, h, err)
	}
	f, err := os.CreateTemp(t.TempDir(), "not-a-socket")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// TakeHandoff owns (and closes) the descriptor it is given: hand it copies.
	if _, _, err := lifecycle.TakeHandoff(env(lifecycle.Handoff{PID: os.Getpid(), FD: dup(t, f.Fd())})); err == nil {
		t.Error("a file taken for a listener")
	}
	wide, err := net.Listen("tcp", "0.0.0.0:0")
	if err != nil {
		t.Fatal(err)
	}
	defer wide.Close()
	wf, err := wide.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	defer wf.Close()
	if _, _, err := lifecycle.TakeHandoff(env(lifecycle.Handoff{PID: os.Getpid(), FD: dup(t, wf.Fd())})); err == nil {
		t.Error("a listener beyond loopback taken")
	}
	if _, _, err := lifecycle.TakeHandoff(func(string) string { return "{not json" }); err == nil {
		t.Error("a malformed handoff taken")
	}
}

// dup returns a copy of fd.
func dup(t *testing.T, fd uintptr) int {
	t.Helper()
	n, err := syscall.Dup(int(fd))
	if err != nil {
		t.Fatal(err)
	}
	return n
}
