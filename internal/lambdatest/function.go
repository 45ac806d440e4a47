package lambdatest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Values Start puts in the function's environment unless Options.Env says
// otherwise. They are fake on purpose: the SDK finds credentials without
// reaching for a real account, and the extension takes SessionToken as its
// auth token (X-Aws-Parameters-Secrets-Token).
const (
	Region          = "us-east-1"
	AccessKeyID     = "lambdatest-access-key-id"
	SecretAccessKey = "lambdatest-secret-access-key"
	SessionToken    = "lambdatest-session-token"
)

// DefaultTimeout is the function timeout when Options.Timeout is zero.
const DefaultTimeout = 30 * time.Second

const (
	// readyTimeout bounds how long the emulator may take to listen.
	readyTimeout = 15 * time.Second
	// closeTimeout leaves room for the emulator's own shutdown: a 2 s
	// deadline for extensions, SIGKILLs, then up to 2 s waiting for the
	// processes, on a loaded machine.
	closeTimeout = 10 * time.Second
	// exitBindFailed is the status the /opt wrapper exits with when the
	// bind mount fails.
	exitBindFailed = 97
	// settleQuiet and settleMax bound the wait for late output before an
	// error quotes the log.
	settleQuiet = 100 * time.Millisecond
	settleMax   = 2 * time.Second
	// logTailLines is how much of the log an error carries.
	logTailLines = 40
)

// ErrNoMountNamespace reports that Options.Opt or Options.Hosts (or the
// managed-instances mode, see Options.Env) could not be honoured because this machine does
// not allow a private mount namespace (not root, or a container without
// CAP_SYS_ADMIN). Tests may skip on it outside CI; in CI it is a failure
// (see StartTest).
var ErrNoMountNamespace = errors.New("mount namespaces unavailable: cannot mount a layer at /opt (or the function at /var/task, or a private /etc/hosts) without touching the real ones")

// managed tells whether opts select the managed-instances emulator.
func managed(opts Options) bool {
	for _, kv := range opts.Env {
		if strings.HasPrefix(kv, "AWS_LAMBDA_MAX_CONCURRENCY=") {
			return true
		}
	}
	return false
}

// errPortTaken marks a start that lost the race for its free port.
var errPortTaken = errors.New("port taken")

// Options describes one function to run.
type Options struct {
	// Bootstrap is the path of the executable Lambda would find at
	// /var/task/bootstrap. It runs with its own directory as working
	// directory and LAMBDA_TASK_ROOT.
	Bootstrap string
	// Env holds KEY=VALUE entries for the function and its extensions. They
	// override the defaults (Region, the fake credentials, PATH, TZ and
	// AWS_LAMBDA_FUNCTION_TIMEOUT); nothing else of the test's own
	// environment is passed on.
	//
	// AWS_LAMBDA_MAX_CONCURRENCY here selects the managed-instances
	// emulator, which ignores the bootstrap argument and only runs
	// /var/task/bootstrap (or /opt/bootstrap): Start then also bind-mounts
	// the bootstrap's directory at /var/task (over an empty tmpfs /var if
	// the machine has no /var/task), which needs mount namespaces too. That
	// emulator runs the bootstrap and extensions as uid 993, gid 990: files
	// they read or write must allow it (a t.TempDir is 0700).
	Env []string
	// Opt, if set, is a directory shown to the emulator at /opt, as a layer
	// is: executables in Opt/extensions are started as extensions. It is a
	// read-only bind mount inside a private mount namespace; the real /opt
	// is never touched (but must exist as a mount point). Requires mount
	// namespaces (see ErrNoMountNamespace).
	Opt string
	// Timeout is the function timeout (AWS_LAMBDA_FUNCTION_TIMEOUT, rounded
	// up to whole seconds; the emulator applies it to init and to each
	// invoke). Invoke gives up after twice this plus 10 s. Zero means
	// DefaultTimeout.
	Timeout time.Duration
	// Output, if set, also receives everything the emulator, the bootstrap
	// and the extensions print, as it is printed (os.Stderr while
	// debugging). Logs returns it regardless.
	Output io.Writer
	// Hosts, if set, maps host names to IP addresses for the function and
	// its extensions: they see a private /etc/hosts (a read-only bind mount
	// in their mount namespace) holding the machine's loopback lines and
	// these entries, so an RDS-style name such as
	// pg1.c9xyz.us-east-1.rds.amazonaws.com resolves to the 127.0.0.x a test
	// server listens on (testdb's Listen) with Go's own resolver. The real
	// /etc/hosts is never touched. Requires mount namespaces (see
	// ErrNoMountNamespace).
	Hosts map[string]string
}

// Function is a bootstrap running under the emulator. Its methods are safe
// for concurrent use; invokes are serialized as Lambda serializes them on
// one execution environment.
type Function struct {
	cmd         *exec.Cmd
	logs        *logBuffer
	invokeURL   string
	runtimeAPI  string
	invokeLimit time.Duration
	isolated    bool // PID namespace: the kernel reaps everything at exit
	client      *http.Client

	done    chan struct{} // closed when the emulator has exited
	waitErr error         // set before done is closed

	hostsFile string // the private /etc/hosts, removed at Close; "" without Options.Hosts

	invokeMu  sync.Mutex
	closeOnce sync.Once
	closeErr  error
}

// Start builds the emulator if needed, starts it on free loopback ports
// and waits until it accepts invokes. As on Lambda, the bootstrap and the
// extensions start only at the first invoke (the managed-instances emulator
// starts them at once). ctx bounds the start-up only:
// the function runs until Close, so that a cancelled test context cannot
// kill it before extensions get their SHUTDOWN.
func Start(ctx context.Context, opts Options) (*Function, error) {
	if opts.Bootstrap == "" {
		return nil, errors.New("start function: Options.Bootstrap is empty")
	}
	boot, err := filepath.Abs(opts.Bootstrap)
	if err != nil {
		return nil, fmt.Errorf("start function: %w", err)
	}
	if fi, err := os.Stat(boot); err != nil {
		return nil, fmt.Errorf("start function: bootstrap: %w", err)
	} else if fi.IsDir() || fi.Mode().Perm()&0o111 == 0 {
		return nil, fmt.Errorf("start function: bootstrap %s is not an executable file", boot)
	}
	if needsMountNamespace(opts) && !namespacesSupported {
		return nil, fmt.Errorf("start function: %w", ErrNoMountNamespace)
	}
	if opts.Opt != "" {
		if _, err := os.Stat("/opt"); err != nil {
			return nil, fmt.Errorf("start function: Options.Opt needs a /opt directory to mount over: %w", err)
		}
		if opts.Opt, err = filepath.Abs(opts.Opt); err != nil {
			return nil, fmt.Errorf("start function: %w", err)
		}
		if fi, err := os.Stat(opts.Opt); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("start function: Options.Opt %s is not a directory", opts.Opt)
		}
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	rie, err := RIEPath(ctx)
	if err != nil {
		return nil, fmt.Errorf("start function: %w", err)
	}
	hostsFile := ""
	if len(opts.Hosts) > 0 {
		if hostsFile, err = writeHostsFile(opts.Hosts); err != nil {
			return nil, fmt.Errorf("start function: %w", err)
		}
	}
	for attempt := 1; ; attempt++ {
		f, err := start(ctx, rie, boot, hostsFile, opts)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, errPortTaken) || attempt == 3 {
			if hostsFile != "" {
				os.Remove(hostsFile)
			}
			return nil, err
		}
	}
}

// needsMountNamespace tells whether opts ask for something only a private
// mount namespace gives.
func needsMountNamespace(opts Options) bool {
	return opts.Opt != "" || len(opts.Hosts) > 0 || managed(opts)
}

// start makes one attempt at starting the emulator.
func start(ctx context.Context, rie, boot, hostsFile string, opts Options) (*Function, error) {
	ports, err := freePorts(2)
	if err != nil {
		return nil, fmt.Errorf("start function: %w", err)
	}
	invokeAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0]))
	apiAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[1]))
	args := []string{
		"--runtime-interface-emulator-address", invokeAddr,
		"--runtime-api-address", apiAddr,
		boot,
	}
	f := &Function{
		logs:        &logBuffer{out: opts.Output},
		invokeURL:   "http://" + invokeAddr + "/2015-03-31/functions/function/invocations",
		runtimeAPI:  apiAddr,
		invokeLimit: 2*opts.Timeout + 10*time.Second,
		client:      &http.Client{Transport: &http.Transport{DisableKeepAlives: true}},
		done:        make(chan struct{}),
		hostsFile:   hostsFile,
	}
	newCmd := func(isolate bool) *exec.Cmd {
		task := ""
		if managed(opts) {
			task = filepath.Dir(boot)
		}
		cmd := command(rie, args, opts.Opt, task, hostsFile)
		cmd.Dir = filepath.Dir(boot)
		cmd.Env = environment(boot, opts)
		cmd.Stdout = f.logs
		cmd.Stderr = f.logs
		// Stray processes could keep the log pipe open; do not wait on them.
		cmd.WaitDelay = time.Second
		cmd.SysProcAttr = sysProcAttr(isolate, needsMountNamespace(opts))
		return cmd
	}
	f.isolated = true
	f.cmd = newCmd(true)
	if err := f.cmd.Start(); err != nil {
		if !namespaceRefused(err) {
			return nil, fmt.Errorf("start function: %w", err)
		}
		if needsMountNamespace(opts) {
			return nil, fmt.Errorf("start function: %w: %w", ErrNoMountNamespace, err)
		}
		// Without namespaces Close finds and kills the process tree itself.
		f.isolated = false
		f.cmd = newCmd(false)
		if err := f.cmd.Start(); err != nil {
			return nil, fmt.Errorf("start function: %w", err)
		}
	}
	go func() {
		f.waitErr = f.cmd.Wait()
		close(f.done)
	}()
	// The emulator starts its Runtime API server in a goroutine that races
	// the first invoke's init; a bootstrap exec'd before it listens fails
	// with "connection refused". Wait for both listeners, not just one.
	for _, addr := range []string{invokeAddr, apiAddr} {
		if err := f.awaitListening(ctx, addr); err != nil {
			f.kill()
			return nil, err
		}
	}
	return f, nil
}

// awaitListening polls the invoke address until the emulator accepts a
// connection, exits, or the start-up deadline passes.
func (f *Function) awaitListening(ctx context.Context, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	var d net.Dialer
	for {
		dctx, dcancel := context.WithTimeout(ctx, time.Second)
		conn, err := d.DialContext(dctx, "tcp", addr)
		dcancel()
		if err == nil {
			conn.Close()
			return nil
		}
		select {
		case <-f.done:
			return f.startupExitError()
		case <-ctx.Done():
			return f.errorf("start function: emulator not listening on %s: %w", addr, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// startupExitError explains why the emulator exited before listening.
func (f *Function) startupExitError() error {
	var exitErr *exec.ExitError
	switch {
	case strings.Contains(f.logs.String(), "address already in use"):
		return f.errorf("start function: %w", errPortTaken)
	case errors.As(f.waitErr, &exitErr) && exitErr.ExitCode() == exitBindFailed:
		return f.errorf("start function: %w", ErrNoMountNamespace)
	}
	return f.errorf("start function: emulator exited: %v", f.waitErr)
}

// InvokeURL is the emulator's invoke endpoint,
// http://127.0.0.1:PORT/2015-03-31/functions/function/invocations. POST an
// event to it; at most one invoke may be in flight (see Invoke).
func (f *Function) InvokeURL() string { return f.invokeURL }

// RuntimeAPI is the host:port the function and its extensions receive as
// AWS_LAMBDA_RUNTIME_API.
func (f *Function) RuntimeAPI() string { return f.runtimeAPI }

// Logs returns everything the emulator, the bootstrap and the extensions
// have printed so far. Output travels through a pipe, so a line printed just
// before an invoke returned may show up a moment later; after Close the log
// is complete.
func (f *Function) Logs() string { return f.logs.String() }

// Close stops the function as Lambda retires an execution environment: it
// sends SIGTERM to the emulator, which sends SHUTDOWN to the extensions that
// registered for it and exits; if it has not exited within a few seconds it
// is killed. No process it started survives. Close is idempotent and
// reports an emulator that had already died or had to be killed.
func (f *Function) Close() error {
	f.closeOnce.Do(func() {
		f.closeErr = f.shutdown()
		if f.hostsFile != "" {
			os.Remove(f.hostsFile)
		}
	})
	return f.closeErr
}

func (f *Function) shutdown() error {
	select {
	case <-f.done:
		return f.errorf("close function: emulator had already exited: %v", f.waitErr)
	default:
	}
	var strays []int
	if !f.isolated {
		strays = descendants(f.cmd.Process.Pid)
		defer killAll(strays)
	}
	if err := f.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		f.kill()
		return f.errorf("close function: signal emulator: %w", err)
	}
	select {
	case <-f.done:
		return nil
	case <-time.After(closeTimeout):
		f.kill()
		return f.errorf("close function: emulator still running %s after SIGTERM; killed", closeTimeout)
	}
}

// kill SIGKILLs the emulator's process group (and, when isolated, the
// kernel takes its PID namespace with it) and waits for Wait to return.
func (f *Function) kill() {
	if !f.isolated {
		defer killAll(descendants(f.cmd.Process.Pid))
	}
	_ = syscall.Kill(-f.cmd.Process.Pid, syscall.SIGKILL)
	<-f.done
}

// errorf formats an error and appends the tail of the log, which is where
// the reason usually is. The emulator answers before the pipe carrying a
// crashed process's last words has been drained, so it first lets the log
// settle.
func (f *Function) errorf(format string, args ...any) error {
	f.logs.settle()
	return fmt.Errorf(format+"\n--- log tail ---\n%s", append(args, f.logs.Tail(logTailLines))...)
}
