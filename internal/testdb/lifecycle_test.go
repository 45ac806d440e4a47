package testdb

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestMissingBinary(t *testing.T) {
	ctx := t.Context()
	empty := t.TempDir()
	tests := []struct {
		name        string
		start       func() error
		wantBinary  string
		wantPackage string
	}{
		{"postgres", func() error {
			_, err := StartPostgres(ctx, PostgresOptions{BinDir: empty})
			return err
		}, "initdb", "postgresql"},
		{"mariadb", func() error {
			_, err := StartMariaDB(ctx, MariaDBOptions{BinDir: empty})
			return err
		}, "mariadb-install-db", "mariadb-server"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.start()
			var missing *MissingBinaryError
			if !errors.As(err, &missing) {
				t.Fatalf("error = %v, want a *MissingBinaryError", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.wantBinary) || !strings.Contains(msg, "apt-get install "+tc.wantPackage) {
				t.Errorf("error %q does not name %s and package %s", msg, tc.wantBinary, tc.wantPackage)
			}
		})
	}
}

// fakeBinDir returns a directory, reachable by the postgres user, holding
// links to the named real binaries and failing scripts for the others.
func fakeBinDir(t *testing.T, realBins map[string]string, failing ...string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "fakebin-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, target := range realBins {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range failing {
		script := "#!/bin/sh\necho \"fake " + name + " failure\" >&2\nexit 3\n"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestStartupFailureNamesStepAndLog(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	pgBin, _, err := pgBinDir()
	if err != nil {
		t.Fatal(err)
	}
	installDB, err := exec.LookPath("mariadb-install-db")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		start    func(binDir string) error
		real     map[string]string
		failing  []string
		wantStep string
		wantLog  string
	}{
		{"initdb fails", func(d string) error {
			_, err := StartPostgres(ctx, PostgresOptions{BinDir: d})
			return err
		}, nil, []string{"initdb", "postgres"}, "initdb", "fake initdb failure"},
		{"postgres exits", func(d string) error {
			_, err := StartPostgres(ctx, PostgresOptions{BinDir: d})
			return err
		}, map[string]string{"initdb": filepath.Join(pgBin, "initdb")}, []string{"postgres"},
			"wait for server to accept connections", "fake postgres failure"},
		{"mariadbd exits", func(d string) error {
			_, err := StartMariaDB(ctx, MariaDBOptions{BinDir: d})
			return err
		}, map[string]string{"mariadb-install-db": installDB}, []string{"mariadbd"},
			"wait for server to accept connections", "fake mariadbd failure"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.start(fakeBinDir(t, tc.real, tc.failing...))
			if err == nil {
				t.Fatal("start succeeded with a failing binary")
			}
			if msg := err.Error(); !strings.Contains(msg, tc.wantStep) || !strings.Contains(msg, tc.wantLog) {
				t.Errorf("error does not name step %q and carry log line %q:\n%s", tc.wantStep, tc.wantLog, msg)
			}
		})
	}
}

// groupAlive reports whether any live (non-zombie) process is in process
// group pgid.
func groupAlive(t *testing.T, pgid int) bool {
	t.Helper()
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			continue // the process exited meanwhile
		}
		// Fields after "(comm)": state ppid pgrp ...
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) > 2 && f[0] != "Z" && f[2] == strconv.Itoa(pgid) {
			return true
		}
	}
	return false
}

// waitGroupGone waits (bounded) until process group pgid has no live member.
func waitGroupGone(t *testing.T, pgid int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for groupAlive(t, pgid) {
		if time.Now().After(deadline) {
			t.Fatalf("process group %d still has live processes", pgid)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// started is what TestCloseFreesPortAndProcesses checks on either engine.
type started struct {
	pid, port int
	root      string
	close     func() error
	log       func() string
}

func TestCloseFreesPortAndProcesses(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	tests := []struct {
		name  string
		start func() (started, error)
	}{
		{"postgres", func() (started, error) {
			pg, err := StartPostgres(ctx, PostgresOptions{TLS: true})
			if err != nil {
				return started{}, err
			}
			return started{pg.srv.pid(), pg.Port, pg.root, pg.Close, pg.Log}, nil
		}},
		{"mariadb", func() (started, error) {
			m, err := StartMariaDB(ctx, MariaDBOptions{TLS: true})
			if err != nil {
				return started{}, err
			}
			return started{m.srv.pid(), m.Port, m.root, m.Close, m.Log}, nil
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := tc.start()
			if err != nil {
				t.Fatal(err)
			}
			if portFree(s.port) {
				t.Fatalf("nothing listens on port %d while the server runs", s.port)
			}
			if err := s.close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			// Close returns only once the server is gone: no waiting here.
			if groupAlive(t, s.pid) {
				t.Errorf("process group %d still has live processes after Close", s.pid)
			}
			if !portFree(s.port) {
				t.Errorf("port %d still taken after Close", s.port)
			}
			if _, err := os.Stat(s.root); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("temp dir %s remains after Close (stat error %v)", s.root, err)
			}
			if s.log() == "" {
				t.Error("Log is empty after Close")
			}
			if err := s.close(); err != nil {
				t.Errorf("second Close: %v", err)
			}
		})
	}
}

// orphanChildEnv makes the test binary act as a test process that starts
// servers and is then killed without running Close.
const orphanChildEnv = "TESTDB_ORPHAN_CHILD"

// TestOrphanChild is the child half of TestCrashedTestLeavesNoServer.
func TestOrphanChild(t *testing.T) {
	if os.Getenv(orphanChildEnv) == "" {
		t.Skip("runs only as the child of TestCrashedTestLeavesNoServer")
	}
	ctx := context.Background()
	pg, err := StartPostgres(ctx, PostgresOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := StartMariaDB(ctx, MariaDBOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("SERVERS %d %d %s %s\n", pg.srv.pid(), m.srv.pid(), pg.root, m.root)
	time.Sleep(2 * time.Minute) // the parent kills this process long before
}

func TestCrashedTestLeavesNoServer(t *testing.T) {
	if os.Getenv(orphanChildEnv) != "" {
		t.Skip("child process")
	}
	t.Parallel()
	// SIGKILL is a crash; SIGINT is ^C on `go test`; SIGTERM is a CI runner
	// stopping the job. None of them runs Close or deferred calls.
	for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) { crashChild(t, sig) })
	}
}

// crashChild runs TestOrphanChild in a child test process, kills it with
// sig once its servers run, and checks the servers die with it.
func crashChild(t *testing.T, sig syscall.Signal) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^TestOrphanChild$", "-test.v")
	cmd.Env = append(os.Environ(), orphanChildEnv+"=1")
	// No Pdeathsig here: it fires when the OS thread that started the child
	// exits, which the Go runtime may do at any time; the deferred Kill and
	// the child's own two-minute sleep bound its life instead.
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	var pgPid, myPid int
	var pgRoot, myRoot string
	lines := bufio.NewScanner(out)
	var seen []string
	for lines.Scan() {
		seen = append(seen, lines.Text())
		if _, err := fmt.Sscanf(lines.Text(), "SERVERS %d %d %s %s", &pgPid, &myPid, &pgRoot, &myRoot); err == nil {
			break
		}
	}
	if pgPid == 0 {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("child did not report its servers (%v); output:\n%s\nstderr:\n%s", cmd.ProcessState, strings.Join(seen, "\n"), stderr.String())
	}
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, out) // let the child write whatever it writes while dying
	cmd.Wait()
	waitGroupGone(t, pgPid)
	waitGroupGone(t, myPid)

	// The next start's sweep removes the dead process's temp dirs.
	removeOrphans(filepath.Dir(pgRoot))
	for _, root := range []string{pgRoot, myRoot} {
		if _, err := os.Stat(root); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("orphaned temp dir %s not removed (stat error %v)", root, err)
		}
	}
}

// TestServerOutlivesStartingThread starts a server from a goroutine that
// exits while locked to its OS thread, which makes the Go runtime end that
// thread. Pdeathsig is tied to the forking thread, so without startServer's
// dedicated thread the server would be killed here.
func TestServerOutlivesStartingThread(t *testing.T) {
	t.Parallel()
	type result struct {
		pg  *Postgres
		tid int
		err error
	}
	ch := make(chan result, 1)
	var start func()
	start = func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		if syscall.Gettid() == os.Getpid() {
			// The runtime never ends the main thread; try from another one.
			runtime.UnlockOSThread()
			go start()
			return
		}
		pg, err := StartPostgres(t.Context(), PostgresOptions{})
		ch <- result{pg, syscall.Gettid(), err}
	}
	go start()
	s := <-ch
	if s.err != nil {
		t.Fatal(s.err)
	}
	defer s.pg.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(fmt.Sprintf("/proc/self/task/%d", s.tid)); errors.Is(err, os.ErrNotExist) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the starting thread did not exit")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := s.pg.Exec(t.Context(), "postgres", "SELECT 1"); err != nil {
		t.Fatalf("server died with the thread that started it: %v\n%s", err, s.pg.LogTail(20))
	}
}
