package soak

import (
	"bufio"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// childEnv makes the test binary a client in another process: it connects to
// the address, then echoes a line through the connection for each line on its
// stdin, printing "ok" or "cut".
const childEnv = "SOAK_PROXY_CHILD"

func TestMain(m *testing.M) {
	if addr := os.Getenv(childEnv); addr != "" {
		child(addr)
		return
	}
	os.Exit(m.Run())
}

func child(addr string) {
	in := bufio.NewScanner(os.Stdin)
	var c net.Conn
	for in.Scan() {
		if in.Text() == "dial" || c == nil {
			var err error
			if c != nil {
				c.Close()
			}
			if c, err = net.Dial("tcp", addr); err != nil {
				os.Stdout.WriteString("cut\n")
				continue
			}
		}
		os.Stdout.WriteString(roundTrip(c) + "\n")
	}
}

// roundTrip sends a byte and waits for its echo: "ok", or "cut" when the
// connection is reset or closed.
func roundTrip(c net.Conn) string {
	c.SetDeadline(time.Now().Add(10 * time.Second))
	b := []byte{'x'}
	if _, err := c.Write(b); err != nil {
		return "cut"
	}
	if _, err := io.ReadFull(c, b); err != nil {
		return "cut"
	}
	return "ok"
}

// otherProcess is a client of the proxy running in a child process.
type otherProcess struct {
	in  io.WriteCloser
	out *bufio.Scanner
}

func startOther(t *testing.T, addr string) *otherProcess {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), childEnv+"="+addr)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		in.Close()
		cmd.Wait()
	})
	return &otherProcess{in: in, out: bufio.NewScanner(out)}
}

// send asks the child to use its connection ("echo") or a new one ("dial").
func (o *otherProcess) send(t *testing.T, what string) string {
	t.Helper()
	if _, err := io.WriteString(o.in, what+"\n"); err != nil {
		t.Fatal(err)
	}
	if !o.out.Scan() {
		t.Fatal("the child process said nothing")
	}
	return o.out.Text()
}

// echoServer stands in for a database: it echoes what it receives.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(c, c); c.Close() }()
		}
	}()
	return ln.Addr().String()
}

// TestProxyCutsOtherProcesses: a cut resets another process's open
// connection and refuses its new ones, while this process's connections go on
// working; Restore gives the path back. Arm fires for another process's
// connection, not for this one's.
func TestProxyCutsOtherProcesses(t *testing.T) {
	p, err := startProxy(echoServer(t))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	mine, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer mine.Close()
	other := startOther(t, p.Addr())
	armed := make(chan struct{})
	p.Arm(func() { close(armed) })
	mineArmed, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer mineArmed.Close()
	for _, c := range []net.Conn{mine, mineArmed} {
		if got := roundTrip(c); got != "ok" {
			t.Fatalf("own connection before the cut: %s", got)
		}
	}
	select {
	case <-armed:
		t.Fatal("the armed hook fired for this process's own connection")
	default:
	}
	if got := other.send(t, "echo"); got != "ok" {
		t.Fatalf("other process before the cut: %s", got)
	}
	select {
	case <-armed:
	case <-time.After(10 * time.Second):
		t.Fatal("the armed hook did not fire for the other process's connection")
	}

	p.Cut()
	if got := roundTrip(mine); got != "ok" {
		t.Errorf("own connection during the cut: %s", got)
	}
	if got := other.send(t, "echo"); got != "cut" {
		t.Errorf("other process's open connection during the cut: %s, want it reset", got)
	}
	if got := other.send(t, "dial"); got != "cut" {
		t.Errorf("other process's new connection during the cut: %s, want it refused", got)
	}
	mineNew, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer mineNew.Close()
	if got := roundTrip(mineNew); got != "ok" {
		t.Errorf("own new connection during the cut: %s", got)
	}

	p.Restore()
	if got := other.send(t, "dial"); got != "ok" {
		t.Errorf("other process after the restore: %s", got)
	}
	if p.Cuts() < 2 {
		t.Errorf("%d connections counted as cut, want at least 2", p.Cuts())
	}
	if strings.Contains(p.Addr(), "0.0.0.0") {
		t.Errorf("proxy listens on %s, want loopback", p.Addr())
	}
}
