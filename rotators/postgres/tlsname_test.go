package postgres

import (
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
	opts := trustTestCA(t)
	f := newFixture(t, tlsPG, "")
	host, port := testdb.LoopbackAlias(t, net.JoinHostPort(tlsPG.Host, strconv.Itoa(tlsPG.Port)))
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
