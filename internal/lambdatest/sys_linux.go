package lambdatest

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// namespacesSupported says the kernel may grant PID and mount namespaces.
const namespacesSupported = true

// sysProcAttr puts the emulator in its own process group, kills it if the
// test process dies (Pdeathsig), and, when isolate is set, makes it PID 1
// of a new PID namespace: the emulator starts the bootstrap and extensions
// in process groups of their own, and the namespace is what guarantees
// none outlives it. withMounts adds a private mount namespace (Go marks /
// as recursively private in it, so the bind mounts of /opt, /var/task and
// /etc/hosts cannot propagate to the host).
func sysProcAttr(isolate, withMounts bool) *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if isolate {
		attr.Cloneflags = syscall.CLONE_NEWPID
		if withMounts {
			attr.Unshareflags = syscall.CLONE_NEWNS
		}
	}
	return attr
}

// namespaceRefused tells whether starting a process failed because the
// kernel or the sandbox refused to create namespaces.
func namespaceRefused(err error) bool {
	return errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EINVAL) ||
		errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EUSERS)
}

// descendants lists the processes below pid, read from /proc. It serves
// only when no PID namespace could be made.
func descendants(pid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	children := make(map[int][]int)
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// The command name may hold spaces and parentheses; fields start
		// after the last ')': state, then ppid.
		s := string(stat)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) < 2 {
			continue
		}
		ppid, _ := strconv.Atoi(fields[1])
		children[ppid] = append(children[ppid], p)
	}
	var out []int
	queue := children[pid]
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		out = append(out, p)
		queue = append(queue, children[p]...)
	}
	return out
}

// killAll SIGKILLs the processes; ones already gone are ignored.
func killAll(pids []int) {
	for _, p := range pids {
		_ = syscall.Kill(p, syscall.SIGKILL)
	}
}
