package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestDemoSaysHowToRunWithoutRoot runs the demo as an ordinary user (nobody), who
// may not make a mount namespace: it must stop at once, before building anything,
// and say how to run it.
func TestDemoSaysHowToRunWithoutRoot(t *testing.T) {
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		t.Skip("needs Linux and root, to run the demo as another user")
	}
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(dir, "demo")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + dir, "TMPDIR=" + dir}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	start := time.Now()
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err == nil || !asExit(err, &exit) || exit.ExitCode() != 2 {
		t.Fatalf("demo as nobody: %v, want exit status 2\n%s", err, out)
	}
	text := string(out)
	for _, want := range []string{"needs root", "sudo make demo", "--privileged", "Nothing was built"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "go build") || strings.Contains(text, "== build") {
		t.Errorf("the demo started building before refusing:\n%s", text)
	}
	t.Logf("refused in %v:\n%s", time.Since(start).Round(time.Millisecond), text)
}

func asExit(err error, target **exec.ExitError) bool {
	e, ok := err.(*exec.ExitError)
	if ok {
		*target = e
	}
	return ok
}
