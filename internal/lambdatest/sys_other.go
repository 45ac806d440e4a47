//go:build !linux

package lambdatest

import "syscall"

// namespacesSupported is false: namespaces exist only on Linux.
const namespacesSupported = false

// sysProcAttr puts the emulator in its own process group; namespaces exist
// only on Linux, so isolate and withMounts cannot be honoured here.
func sysProcAttr(isolate, withMounts bool) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

// namespaceRefused is always true off Linux: there are no namespaces.
func namespaceRefused(err error) bool { return true }

// descendants cannot walk /proc off Linux; Close relies on the emulator's
// own shutdown there.
func descendants(pid int) []int { return nil }

// killAll SIGKILLs the processes; ones already gone are ignored.
func killAll(pids []int) {
	for _, p := range pids {
		_ = syscall.Kill(p, syscall.SIGKILL)
	}
}
