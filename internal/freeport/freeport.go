// Package freeport hands out TCP ports for servers a test starts: throwaway
// databases, the Runtime Interface Emulator, an extension's listener.
//
// Asking the kernel for port 0 and closing the listener is racy in a way that
// bites on a busy machine: such a port comes from the ephemeral range, the same
// range the kernel draws from for the source port of every outgoing
// connection, so between the probe and the server's own bind any connect(2) on
// the machine may take it. And parallel test processes (go test runs one per
// package) probe the same ports. Here a port comes from below the ephemeral
// range, where only listeners that name a port live, and is claimed by an
// advisory lock on a file named after it that the process holds until it
// exits: no two processes of this machine that use the package hand out the
// same port, and a process never hands one out twice.
package freeport

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// low is where the search starts: above the well-known and most registered
// ports that local services use (PostgreSQL 5432, MariaDB 3306, Redis 6379,
// localaws's 4566, ...).
const low = 20000

var (
	mu      sync.Mutex
	claimed = map[int]*os.File{} // held for the life of the process
)

// Get returns a port on host (an IPv4 loopback address such as "127.0.0.1")
// that nothing listens on and that no other caller of Get on this machine
// holds.
func Get(host string) (int, error) {
	ports, err := GetN(host, 1)
	if err != nil {
		return 0, err
	}
	return ports[0], nil
}

// GetN returns n distinct ports as Get does.
func GetN(host string, n int) ([]int, error) {
	mu.Lock()
	defer mu.Unlock()
	high := ephemeralLow()
	span := high - low
	if span <= 0 {
		return nil, fmt.Errorf("freeport: no ports below the ephemeral range (it starts at %d)", high)
	}
	ports := make([]int, 0, n)
	start := rand.IntN(span)
	for i := 0; i < span && len(ports) < n; i++ {
		port := low + (start+i)%span
		if _, ok := claimed[port]; ok {
			continue
		}
		lock, err := claim(port)
		if err != nil {
			if errors.Is(err, errHeld) {
				continue
			}
			return nil, err
		}
		if !listenable(host, port) {
			lock.Close()
			continue
		}
		claimed[port] = lock
		ports = append(ports, port)
	}
	if len(ports) < n {
		return nil, fmt.Errorf("freeport: found %d free ports of %d wanted in %d-%d", len(ports), n, low, high-1)
	}
	return ports, nil
}

// listenable reports whether a listener can bind host:port now.
func listenable(host string, port int) bool {
	l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// ephemeralLow is the first port of the kernel's ephemeral range.
func ephemeralLow() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil && n > low {
				return n
			}
		}
	}
	return 32768
}

var errHeld = errors.New("port held by another process")

// lockDir is where the lock files live, shared by every process of the machine.
func lockDir() (string, error) {
	dir := filepath.Join(os.TempDir(), "paramsecrets-ports")
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return "", fmt.Errorf("freeport: %w", err)
	}
	return dir, nil
}
