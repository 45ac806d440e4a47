package soak

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
)

// ownSocket reports whether the client end of an accepted loopback
// connection — the socket whose local address is remote and whose peer is
// local — belongs to this process. Linux lists every TCP socket with its inode
// in /proc/net/tcp, and a process's sockets are links "socket:[inode]" in
// /proc/self/fd. Anything it cannot read counts as another process's.
func ownSocket(remote, local net.Addr) bool {
	inode, ok := socketInode(remote, local)
	if !ok {
		return false
	}
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return false
	}
	want := "socket:[" + inode + "]"
	for _, fd := range fds {
		if link, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name())); err == nil && link == want {
			return true
		}
	}
	return false
}

// socketInode finds the inode of the IPv4 socket from local to remote in
// /proc/net/tcp.
func socketInode(local, remote net.Addr) (string, bool) {
	l, lok := procAddr(local)
	r, rok := procAddr(remote)
	if !lok || !rok {
		return "", false
	}
	f, err := os.Open("/proc/net/tcp")
	if err != nil {
		return "", false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
		fields := strings.Fields(sc.Text())
		if len(fields) > 9 && fields[1] == l && fields[2] == r {
			return fields[9], true
		}
	}
	return "", false
}

// procAddr writes an IPv4 address as /proc/net/tcp does: the four bytes as
// one little-endian hex word (the machines this runs on are little-endian),
// a colon, the port in hex.
func procAddr(a net.Addr) (string, bool) {
	t, ok := a.(*net.TCPAddr)
	if !ok {
		return "", false
	}
	ip := t.IP.To4()
	if ip == nil {
		return "", false
	}
	return fmt.Sprintf("%02X%02X%02X%02X:%04X", ip[3], ip[2], ip[1], ip[0], t.Port), true
}
