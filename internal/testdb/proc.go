package testdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/paramsecrets/paramsecrets/internal/freeport"
)

// startTimeout bounds every wait during start-up, so a server that never
// becomes ready fails the test with its log instead of hanging it.
const startTimeout = 60 * time.Second

// stopTimeout bounds the graceful shutdown in Close before the process group
// is killed outright; the data is thrown away, so nothing is lost by killing.
const stopTimeout = 10 * time.Second

// defaultLogTail is how many log lines an error message carries.
const defaultLogTail = 30

// MissingBinaryError reports that a server binary is not installed.
type MissingBinaryError struct {
	Binary  string // the executable that was looked for, e.g. "initdb"
	Where   string // where it was looked for
	Package string // the Debian package that provides it
}

// Error names the binary and the package that installs it.
func (e *MissingBinaryError) Error() string {
	return fmt.Sprintf("testdb: %s not found in %s: install the Debian package %q (apt-get install %s)",
		e.Binary, e.Where, e.Package, e.Package)
}

// findBinary looks for name in each of dirs and returns the first executable.
func findBinary(name, pkg string, dirs ...string) (string, error) {
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", &MissingBinaryError{Binary: name, Where: strings.Join(dirs, ":"), Package: pkg}
}

// randomSecret returns a password made of hex digits: strong, and free of
// characters that would need quoting anywhere it travels.
func randomSecret() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("testdb: generate password: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// freePort returns a TCP port on host claimed for this process (see
// internal/freeport). Something outside the test may still bind it first;
// starters retry on "address in use".
func freePort(host string) (int, error) {
	port, err := freeport.Get(host)
	if err != nil {
		return 0, fmt.Errorf("testdb: find a free port: %w", err)
	}
	return port, nil
}

// portFree reports whether nothing listens on 127.0.0.1:port.
func portFree(port int) bool {
	c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Second)
	if err != nil {
		return true
	}
	c.Close()
	return false
}

// server is one running database process, started in its own process group
// so Close can kill it together with every child it forked.
type server struct {
	name    string // "postgres" or "mariadbd", for messages
	cmd     *exec.Cmd
	logPath string
	exited  chan struct{} // closed once cmd.Wait returned
	waitErr error         // valid after exited is closed

	closeOnce sync.Once
	closeErr  error
}

// startServer starts cmd with its stdout and stderr appended to logPath.
//
// The process gets its own process group (so Close can kill the group) and
// Pdeathsig=SIGKILL, so a test binary that crashes or is interrupted takes the
// server down with it. Go sets Pdeathsig after switching credentials in the
// child, so it survives running as the postgres user (the kernel clears it on
// a credential change, not afterwards).
//
// The kernel sends the signal when the *thread* that forked exits, not the
// process. Go retires a thread when a goroutine exits while locked to it
// (code that enters namespaces does that on purpose), and the forking thread
// could be such a one. So the fork happens on a goroutine locked to its
// thread that stays there, blocked in Wait, until the server exits: no other
// goroutine can run on that thread, and it outlives the server.
func startServer(name string, cmd *exec.Cmd, logPath string) (*server, error) {
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("testdb: open %s log: %w", name, err)
	}
	defer f.Close() // the child holds its own copy of the descriptor
	cmd.Stdout, cmd.Stderr = f, f
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	s := &server{name: name, cmd: cmd, logPath: logPath, exited: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		s.waitErr = cmd.Wait()
		close(s.exited)
	}()
	if err := <-started; err != nil {
		return nil, fmt.Errorf("testdb: start %s: %w", name, err)
	}
	return s, nil
}

// runTool runs a short-lived set-up command (initdb, mariadb-install-db)
// and returns its combined output. Like startServer it forks from a locked
// thread, so its Pdeathsig cannot fire early.
func runTool(cmd *exec.Cmd) ([]byte, error) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	// On timeout kill the whole group (initdb runs postgres children), and do
	// not wait forever for a grandchild that still holds the output pipe.
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	type result struct {
		out []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		out, err := cmd.CombinedOutput()
		done <- result{out, err}
	}()
	r := <-done
	return r.out, r.err
}

// pid is the server's process id, which is also its process group id.
func (s *server) pid() int { return s.cmd.Process.Pid }

// log returns the whole server log; "" if it cannot be read.
func (s *server) log() string {
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return ""
	}
	return string(b)
}

// logTail returns the last n lines of the server log.
func (s *server) logTail(n int) string { return tailLines(s.log(), n) }

// tailLines returns the last n lines of text.
func tailLines(text string, n int) string {
	if n <= 0 {
		return ""
	}
	text = strings.TrimRight(text, "\n")
	lines := strings.Split(text, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// failure wraps err with the start-up step that failed and the log.
func (s *server) failure(step string, err error) error {
	return fmt.Errorf("testdb: %s: %s: %w\n%s", s.name, step, err, logExcerpt(s.name+" log", s.log()))
}

// logExcerpt returns the lines of a log that explain a failure: the error
// lines (a server's real complaint often scrolls out of the tail behind
// boilerplate) and the last defaultLogTail lines.
func logExcerpt(what, text string) string {
	var errs []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, "ERROR") || strings.Contains(l, "FATAL") || strings.Contains(l, "PANIC") {
			errs = append(errs, l)
		}
	}
	if len(errs) > 10 {
		errs = errs[len(errs)-10:]
	}
	var b strings.Builder
	if len(errs) > 0 {
		fmt.Fprintf(&b, "--- %s, error lines ---\n%s\n", what, strings.Join(errs, "\n"))
	}
	fmt.Fprintf(&b, "--- %s, last %d lines ---\n%s", what, defaultLogTail, tailLines(text, defaultLogTail))
	return b.String()
}

// waitReady calls probe until it succeeds, the process exits, or the
// start-up timeout passes.
func (s *server) waitReady(ctx context.Context, probe func(context.Context) error) error {
	err := poll(ctx, s.exited, probe)
	if errors.Is(err, errStopped) {
		return fmt.Errorf("server exited before accepting connections (%v): %w", s.waitErr, errExited)
	}
	return err
}

// errStopped is what poll returns when its stop channel closes.
var errStopped = errors.New("stopped")

// poll calls check until it succeeds, stop is closed (errStopped), or
// startTimeout passes; the error then carries check's last complaint. Each
// check gets a short deadline of its own. Every wait for a condition in this
// package (a server ready, a standby streaming, a replica caught up) is one.
func poll(ctx context.Context, stop <-chan struct{}, check func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		pctx, pcancel := context.WithTimeout(ctx, 5*time.Second)
		last := check(pctx)
		pcancel()
		if last == nil {
			return nil
		}
		select {
		case <-stop:
			return errStopped
		case <-ctx.Done():
			return fmt.Errorf("not after %s (last check: %v): %w", startTimeout, last, ctx.Err())
		case <-tick.C:
		}
	}
}

// errExited marks a server that died during start-up, so the caller can look
// for "address in use" and retry on another port.
var errExited = errors.New("server exited")

// stop asks the server to shut down with sig, then kills the whole process
// group if it is still there after stopTimeout. Safe to call more than once.
func (s *server) stop(sig syscall.Signal) error {
	s.closeOnce.Do(func() {
		_ = syscall.Kill(s.pid(), sig)
		select {
		case <-s.exited:
		case <-time.After(stopTimeout):
		}
		// Kill whatever is left in the group (children of a killed postmaster,
		// or everything on timeout). ESRCH just means the group is gone.
		if err := syscall.Kill(-s.pid(), syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
			s.closeErr = fmt.Errorf("testdb: kill %s process group: %w", s.name, err)
		}
		select {
		case <-s.exited:
		case <-time.After(stopTimeout):
			s.closeErr = errors.Join(s.closeErr, fmt.Errorf("testdb: %s (pid %d) did not exit after SIGKILL", s.name, s.pid()))
		}
	})
	return s.closeErr
}

// addrInUse reports whether the log says the port was taken.
func addrInUse(log string) bool {
	return strings.Contains(log, "Address already in use") ||
		strings.Contains(log, "Do you already have another mysqld server running")
}
