package lambdatest

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestKilledEmulatorTakesItsProcessesAlong covers the crash path Close
// cannot: the emulator dies by SIGKILL, so it cannot stop the bootstrap
// and extension it started in their own process groups. The PID namespace
// must.
func TestKilledEmulatorTakesItsProcessesAlong(t *testing.T) {
	t.Parallel()
	opt := t.TempDir()
	ext := filepath.Join(opt, "extensions", "recorder-killed")
	if err := BuildBootstrap(t.Context(), "./testdata/extension", ext); err != nil {
		t.Fatal(err)
	}
	boot := filepath.Join(t.TempDir(), "bootstrap")
	if err := BuildBootstrap(t.Context(), "./testdata/echo", boot); err != nil {
		t.Fatal(err)
	}
	fn, err := Start(t.Context(), Options{Bootstrap: boot, Opt: opt, Env: []string{"MARKER_DIR=" + t.TempDir()}})
	if errors.Is(err, ErrNoMountNamespace) && os.Getenv("CI") != "true" {
		t.Skipf("skipping outside CI: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer fn.kill()
	if !fn.isolated {
		t.Skip("no PID namespace on this machine; Close walks /proc instead")
	}
	if _, err := fn.Invoke(t.Context(), []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	pids := argv0Pids(t, boot, "/opt/extensions/recorder-killed")
	if len(pids) != 2 {
		t.Fatalf("want the bootstrap and the extension running, found pids %v", pids)
	}
	if err := fn.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-fn.done
	// Reaped children leave /proc; a killed one lingers only as a zombie
	// until its reaper (gone with the namespace) is replaced, so check the
	// state too.
	for _, pid := range pids {
		stat, err := os.ReadFile(filepath.Join("/proc", pid, "stat"))
		if err == nil && !bytes.Contains(stat, []byte(") Z ")) && !bytes.Contains(stat, []byte(") X ")) {
			t.Errorf("process %s outlived the emulator: %s", pid, stat)
		}
	}
	if err := fn.Close(); err == nil {
		t.Error("Close after the emulator died: got nil, want an error saying it had exited")
	}
}

// argv0Pids lists the pids of live processes whose argv[0] is one of names.
func argv0Pids(t *testing.T, names ...string) []string {
	t.Helper()
	dirs, err := filepath.Glob("/proc/[0-9]*/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	var pids []string
	for _, d := range dirs {
		cmdline, err := os.ReadFile(d)
		if err != nil {
			continue
		}
		argv0, _, _ := bytes.Cut(cmdline, []byte{0})
		for _, n := range names {
			if string(argv0) == n {
				pids = append(pids, filepath.Base(filepath.Dir(d)))
			}
		}
	}
	return pids
}
