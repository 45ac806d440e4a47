package testdb

import (
	"io"
	"net"
	"sync"
	"testing"
)

// LoopbackAlias forwards connections on 127.0.0.2 (loopback on Linux, like all of
// 127/8) to addr until the test ends, so a server can be reached by an address its
// certificate (127.0.0.1, ::1, localhost) does not name: what a verify-full test of
// the host-name check needs. It returns the alias's host and port.
func LoopbackAlias(t testing.TB, addr string) (string, int) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatalf("listen on the loopback alias 127.0.0.2: %v", err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		l.Close()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { forward(c, addr) })
		}
	})
	return "127.0.0.2", l.Addr().(*net.TCPAddr).Port
}

// forward copies bytes both ways between c and a new connection to addr until
// either side closes.
func forward(c net.Conn, addr string) {
	defer c.Close()
	u, err := net.Dial("tcp", addr)
	if err != nil {
		return
	}
	defer u.Close()
	done := make(chan struct{}, 2)
	go func() { io.Copy(u, c); done <- struct{}{} }()
	go func() { io.Copy(c, u); done <- struct{}{} }()
	<-done
}
