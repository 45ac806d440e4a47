package testdb

import (
	"fmt"
	"net"
	"strings"
)

// defaultListen is the address a server listens on when its options name none.
const defaultListen = "127.0.0.1"

// listenAddress validates the Listen and DNSNames options and returns the
// address to listen on. Empty means defaultListen; anything else must be an
// IPv4 loopback address (all of 127/8 is loopback on Linux), so a throwaway
// server is never reachable from another machine.
func listenAddress(listen string, dnsNames []string) (string, error) {
	if err := validDNSNames(dnsNames); err != nil {
		return "", err
	}
	if listen == "" {
		return defaultListen, nil
	}
	ip := net.ParseIP(listen)
	if ip == nil || ip.To4() == nil || !ip.IsLoopback() {
		return "", fmt.Errorf("testdb: listen address %q is not an IPv4 loopback address such as 127.0.0.3", listen)
	}
	return ip.To4().String(), nil
}

// validDNSNames checks the DNSNames option: each must be a plain host name a
// certificate can carry (no spaces, no scheme, no port).
func validDNSNames(names []string) error {
	for _, n := range names {
		if n == "" || strings.ContainsAny(n, " \t\n/:@") || net.ParseIP(n) != nil {
			return fmt.Errorf("testdb: DNSNames entry %q is not a host name", n)
		}
	}
	return nil
}

// certNames are the subject alternative names of a server certificate: the
// loopback addresses and localhost every server has, the address it listens
// on, and the extra names the options ask for (an RDS-style endpoint name
// that a private /etc/hosts maps to the listen address).
func certNames(listen string, dnsNames []string) ([]net.IP, []string) {
	ips := []net.IP{net.ParseIP("127.0.0.1"), net.IPv6loopback}
	if ip := net.ParseIP(listen); ip != nil && !ip.Equal(ips[0]) {
		ips = append(ips, ip)
	}
	return ips, append([]string{"localhost"}, dnsNames...)
}
