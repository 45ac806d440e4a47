//go:build unix

package lifecycle

import (
	"fmt"
	"os"
	"syscall"
)

// listenBacklog is the accept queue asked for; the kernel caps it at
// net.core.somaxconn. Requests made while the extension is being exec'd wait
// in this queue, so it is as long as the kernel allows.
const listenBacklog = 4096

// ListenInheritable binds 127.0.0.1:port and listens, returning a descriptor
// that stays open across exec (no close-on-exec flag), for the front to hand
// to the extension. It uses plain system calls rather than package net, whose
// descriptors are close-on-exec and owned by its poller.
func ListenInheritable(port int) (int, error) {
	addr := listenAddr(port)
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		return -1, fmt.Errorf("listen on %s: %w", addr, os.NewSyscallError("socket", err))
	}
	fail := func(op string, err error) (int, error) {
		syscall.Close(fd)
		return -1, fmt.Errorf("listen on %s: %w", addr, os.NewSyscallError(op, err))
	}
	// As package net does on Unix: a restarted extension can bind its port
	// again at once, even with connections of the old one in TIME_WAIT.
	if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1); err != nil {
		return fail("setsockopt", err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		return fail("bind", err)
	}
	if err := syscall.Listen(fd, listenBacklog); err != nil {
		return fail("listen", err)
	}
	return fd, nil
}

// Exec replaces this process with the program at path, as execve does: same
// pid, and every descriptor without close-on-exec (the listener) stays open.
// It returns only on failure.
func Exec(path string, argv, env []string) error {
	if err := syscall.Exec(path, argv, env); err != nil {
		return fmt.Errorf("exec %s: %w", path, err)
	}
	return nil
}

// CloseFD closes a descriptor from ListenInheritable that will not be handed on.
func CloseFD(fd int) { syscall.Close(fd) }
