package main

import (
	"bufio"
	byteorder "encoding/binary"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestListensOnLoopbackOnly: the token is the only guard on the secrets, so
// nothing but the function's own sandbox may reach the port. The running
// binary must answer on 127.0.0.1 and be refused on every other address of the
// machine; where the kernel shows its sockets, the one listener on the port
// must be bound to 127.0.0.1 itself (not a wildcard that a firewall happens to
// hide).
func TestListensOnLoopbackOnly(t *testing.T) {
	t.Parallel()
	_, endpoint := startLocalaws(t, demoSeed())
	p := startStandalone(t, map[string]string{"AWS_ENDPOINT_URL": endpoint, "AWS_SESSION_TOKEN": testToken})
	_, port, _ := net.SplitHostPort(p.addr)

	if code, body, _ := p.get(t, "/ping", ""); code != http.StatusOK || body != "healthy" {
		t.Fatalf("127.0.0.1:%s/ping = %d %q, want 200 healthy", port, code, body)
	}

	others := nonLoopbackAddrs(t)
	for _, ip := range others {
		addr := net.JoinHostPort(ip.String(), port)
		conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err == nil {
			conn.Close()
			t.Errorf("connected to %s: the extension is reachable off the loopback interface", addr)
			continue
		}
		if !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("dial %s: %v, want connection refused", addr, err)
		}
	}

	listeners, ok := kernelListeners(t, port)
	if !ok && len(others) == 0 {
		t.Skip("no non-loopback address to dial and no /proc/net/tcp to read")
	}
	if ok && (len(listeners) != 1 || listeners[0] != "127.0.0.1") {
		t.Errorf("listening sockets on port %s are bound to %v, want only 127.0.0.1", port, listeners)
	}
}

// nonLoopbackAddrs lists this machine's addresses that a dial can name
// without a zone (IPv6 link-local addresses need one, so they are left out).
func nonLoopbackAddrs(t *testing.T) []net.IP {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatalf("interface addresses: %v", err)
	}
	var ips []net.IP
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok || ipn.IP.IsLoopback() || ipn.IP.IsLinkLocalUnicast() || ipn.IP.IsUnspecified() {
			continue
		}
		ips = append(ips, ipn.IP)
	}
	return ips
}

// kernelListeners returns the local addresses of the TCP sockets listening on
// port, from Linux's /proc/net/tcp and /proc/net/tcp6; ok is false where those
// files do not exist.
func kernelListeners(t *testing.T, port string) (addrs []string, ok bool) {
	t.Helper()
	n, err := strconv.Atoi(port)
	if err != nil {
		t.Fatal(err)
	}
	wantPort := strings.ToUpper(strconv.FormatInt(int64(n), 16))
	for len(wantPort) < 4 {
		wantPort = "0" + wantPort
	}
	for _, file := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		f, err := os.Open(file)
		if err != nil {
			continue
		}
		ok = true
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			// "sl local_address rem_address st ...": the address is hex in host
			// byte order per 32-bit word, the port hex in network order;
			// state 0A is LISTEN.
			fields := strings.Fields(sc.Text())
			if len(fields) < 4 || fields[3] != "0A" {
				continue
			}
			host, p, found := strings.Cut(fields[1], ":")
			if !found || p != wantPort {
				continue
			}
			addrs = append(addrs, procAddr(t, host))
		}
		f.Close()
		if err := sc.Err(); err != nil {
			t.Fatalf("read %s: %v", file, err)
		}
	}
	return addrs, ok
}

// procAddr decodes a /proc/net/tcp address: 8 or 32 hex digits, each 32-bit
// word in the machine's byte order.
func procAddr(t *testing.T, h string) string {
	t.Helper()
	raw, err := hex.DecodeString(h)
	if err != nil || (len(raw) != 4 && len(raw) != 16) {
		t.Fatalf("unreadable /proc/net address %q", h)
	}
	ip := make(net.IP, len(raw))
	for i := 0; i < len(raw); i += 4 {
		byteorder.BigEndian.PutUint32(ip[i:], byteorder.NativeEndian.Uint32(raw[i:]))
	}
	return ip.String()
}
