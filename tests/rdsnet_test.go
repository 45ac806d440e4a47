package tests

import (
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
)

// forwarder is a TCP path to a database server on another loopback address and port:
// how one server stands for a second RDS endpoint (an Aurora cluster's writer endpoint
// is its writer instance, on the cluster's port), and how a test counts whether anything
// connected to a host at all.
type forwarder struct {
	ln       net.Listener
	target   string
	accepted atomic.Int64
	wg       sync.WaitGroup

	mu    sync.Mutex
	conns []net.Conn // every connection made, closed when the test ends
}

// forward listens on addr (host:port, port 0 for a free one) and forwards every
// connection to target until the test ends.
func forward(t *testing.T, addr, target string) *forwarder {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("forwarder on %s: %v", addr, err)
	}
	f := &forwarder{ln: ln, target: target}
	f.wg.Go(f.serve)
	t.Cleanup(func() {
		ln.Close()
		f.mu.Lock()
		for _, c := range f.conns {
			c.Close()
		}
		f.mu.Unlock()
		f.wg.Wait()
	})
	return f
}

// Port is the port it listens on.
func (f *forwarder) Port() int { return f.ln.Addr().(*net.TCPAddr).Port }

// Connections is how many connections it has accepted.
func (f *forwarder) Connections() int { return int(f.accepted.Load()) }

func (f *forwarder) serve() {
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		f.accepted.Add(1)
		f.track(c)
		f.wg.Go(func() {
			defer c.Close()
			s, err := net.Dial("tcp", f.target)
			if err != nil {
				return
			}
			f.track(s)
			defer s.Close()
			done := make(chan struct{}, 2)
			go func() { _, _ = io.Copy(s, c); done <- struct{}{} }()
			go func() { _, _ = io.Copy(c, s); done <- struct{}{} }()
			<-done // either side ended: close both, which ends the other copy
		})
	}
}

func (f *forwarder) track(c net.Conn) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.conns = append(f.conns, c)
}

// hostPort joins a host and a numeric port.
func hostPort(host string, port int) string { return net.JoinHostPort(host, strconv.Itoa(port)) }
