package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/paramsecrets/paramsecrets/internal/lambdatest"
	"github.com/paramsecrets/paramsecrets/internal/safebuf"
	"github.com/paramsecrets/paramsecrets/localaws"
)

// Extension is the extension binary running standalone — without the
// Extensions API, as for local development — in front of a Cloud: the same
// server, cache and upstream calls as in Lambda, in a process of its own whose
// memory can be read and which many callers may share.
type Extension struct {
	// Port is where it serves, on 127.0.0.1; Token is what it expects in
	// X-Aws-Parameters-Secrets-Token.
	Port  int
	Token string

	cmd     *exec.Cmd
	logs    safebuf.Buffer
	done    chan struct{} // closed when the process has exited
	waitErr error         // set before done is closed

	closeOnce sync.Once
	closeErr  error
}

// extensionReady bounds how long the extension may take to answer /ping.
const extensionReady = 15 * time.Second

// StartExtension runs binary (Binaries.Extension) against c, with env
// (KEY=VALUE: TTLs, prefetch lists, timeouts) on top of what it needs to reach
// c. Nothing of this process's environment is passed on, so no real AWS
// credential can reach it. Its output goes to Logs and, as it is printed, to
// output if not nil. It returns once the extension answers /ping; ctx bounds
// that wait only. The process dies with this one.
func StartExtension(ctx context.Context, binary string, c *Cloud, env []string, output io.Writer) (*Extension, error) {
	port, err := lambdatest.FreePort()
	if err != nil {
		return nil, fmt.Errorf("extension port: %w", err)
	}
	e := &Extension{Port: port, Token: lambdatest.SessionToken, done: make(chan struct{})}
	var w io.Writer = &e.logs
	if output != nil {
		w = io.MultiWriter(&e.logs, output)
	}
	e.cmd = exec.Command(binary)
	e.cmd.Env = append([]string{
		"AWS_ENDPOINT_URL=" + c.URL,
		"AWS_REGION=" + localaws.DefaultRegion,
		"AWS_ACCESS_KEY_ID=" + lambdatest.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + lambdatest.SecretAccessKey,
		"AWS_SESSION_TOKEN=" + e.Token,
		"AWS_EC2_METADATA_DISABLED=true",
		"PARAMETERS_SECRETS_EXTENSION_HTTP_PORT=" + strconv.Itoa(port),
	}, env...)
	e.cmd.Stdout, e.cmd.Stderr = w, w
	e.cmd.WaitDelay = time.Second
	e.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := e.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start extension: %w", err)
	}
	go func() {
		e.waitErr = e.cmd.Wait()
		close(e.done)
	}()
	if err := e.awaitPing(ctx); err != nil {
		e.kill()
		return nil, fmt.Errorf("start extension: %w\n--- extension log ---\n%s", err, e.logs.String())
	}
	return e, nil
}

// awaitPing polls /ping until it answers 200, the process exits, or the wait
// is over.
func (e *Extension) awaitPing(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, extensionReady)
	defer cancel()
	url := "http://127.0.0.1:" + strconv.Itoa(e.Port) + "/ping"
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-e.done:
			return fmt.Errorf("exited before answering /ping: %v", e.waitErr)
		case <-ctx.Done():
			return fmt.Errorf("no answer on /ping: %w", ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// PID is the extension's process id.
func (e *Extension) PID() int { return e.cmd.Process.Pid }

// Logs is everything the extension has printed: its log lines on stderr, its
// metrics line (EMF) on stdout after Close.
func (e *Extension) Logs() string { return e.logs.String() }

// Close stops the extension with SIGTERM, which makes it flush its metrics and
// exit, and kills it if it has not within a few seconds. It reports a process
// that had died before, failed, or had to be killed. It is idempotent.
func (e *Extension) Close() error {
	e.closeOnce.Do(func() { e.closeErr = e.stop() })
	return e.closeErr
}

func (e *Extension) stop() error {
	select {
	case <-e.done:
		return fmt.Errorf("extension had already exited: %v", e.waitErr)
	default:
	}
	if err := e.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		e.kill()
		return fmt.Errorf("stop extension: %w", err)
	}
	select {
	case <-e.done:
		if e.waitErr != nil {
			return fmt.Errorf("extension exited: %w", e.waitErr)
		}
		return nil
	case <-time.After(10 * time.Second):
		e.kill()
		return errors.New("extension still running 10s after SIGTERM; killed")
	}
}

func (e *Extension) kill() {
	_ = syscall.Kill(-e.cmd.Process.Pid, syscall.SIGKILL)
	<-e.done
}
