package postgres

import (
	"crypto/x509"
	"errors"
	"io"
	"net"
	"strconv"
	"sync"
	"testing"

	"github.com/paramsecrets/paramsecrets/rotators/rotation"
)

// loopbackAlias forwards connections on 127.0.0.2 (loopback on Linux, like all of
// 127/8) to addr, so a server can be reached by an address its certificate (127.0.0.1,
// ::1, localhost) does not name. It returns the alias's host and port.
func loopbackAlias(t testing.TB, addr string) (string, int) {
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

// forward copies bytes both ways between c and a new connection to addr until either
// side closes.
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

// TestTLSVerifiesHostName: with ssl true the certificate must name the host the secret
// gives, not only chain to a trusted CA. Through an address the certificate does not
// name, the login is refused for that reason; the same address in plain text logs in,
// so nothing else stands in the way.
func TestTLSVerifiesHostName(t *testing.T) {
	opts, err := OptionsFromEnv(func(k string) string {
		if k == EnvCABundle {
			return tlsPG.CAFile
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, tlsPG, "")
	host, port := loopbackAlias(t, net.JoinHostPort(tlsPG.Host, strconv.Itoa(tlsPG.Port)))
	cases := []struct {
		name         string
		ssl          rotation.SSLMode
		wantHostName bool // refused because the certificate does not name the host
	}{
		{"required, host not in the certificate", rotation.SSLRequired, true},
		{"disabled, same address", rotation.SSLDisabled, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := f.secret()
			s.Host, s.Port, s.SSL = host, port, tc.ssl
			err := New(opts).Ping(t.Context(), s)
			if !tc.wantHostName {
				if err != nil {
					t.Fatalf("Ping through %s:%d: %v", host, port, err)
				}
				return
			}
			var nameErr x509.HostnameError
			if !errors.As(err, &nameErr) {
				t.Fatalf("Ping error = %v, want the certificate refused for not naming %s", err, host)
			}
			if nameErr.Host != host {
				t.Errorf("certificate checked against %q, want the secret's host %q", nameErr.Host, host)
			}
		})
	}
}
