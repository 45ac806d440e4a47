package mysql

import (
	"context"
	"crypto/x509"
	"errors"
	"net"
	"strconv"
	"testing"

	"github.com/paramsecrets/paramsecrets/internal/testdb"
	"github.com/paramsecrets/paramsecrets/rotators/rotation"
)

// TestTLSVerifiesHostName: with ssl true the certificate must name the host the secret
// gives, not only chain to a trusted CA. Through an address the certificate does not
// name, the login is refused for that reason; the same address in plain text logs in,
// so nothing else stands in the way.
func TestTLSVerifiesHostName(t *testing.T) {
	t.Parallel()
	user, pw := uniq("tlsname"), "pw-"+uniq("")
	createUser(t, tlsServer, user, "127.0.0.1", pw)
	host, port := testdb.LoopbackAlias(t, net.JoinHostPort(tlsServer.Host, strconv.Itoa(tlsServer.Port)))
	d := adapter(t, tlsServer) // trusts the test CA
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
			s := secretFor(tlsServer, user, pw, tc.ssl)
			s.Host, s.Port = host, port
			err := d.Ping(context.Background(), s)
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
