package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDemo runs `make demo`'s program as a new user would (go run
// ./internal/demo) and checks it tells the whole story, succeeds, and
// leaves no process and no temporary directory behind.
func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("the demo builds and starts everything again; skipped with -short")
	}
	root := repoRoot(t)
	tmp := t.TempDir()
	cmd := exec.CommandContext(t.Context(), "go", "run", "./internal/demo")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp) // so its leftovers, if any, are findable
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go run ./internal/demo: %v\n%s", err, out)
	}
	transcript := string(out)
	for _, want := range []string{
		"static linux/",
		"demo/postgres-single-user", "demo/postgres-alternating-users", "demo/mysql-single-user", "demo/mysql-alternating-users",
		"logged in to PostgreSQL", "logged in to MariaDB", "with the new password",
		"old password of app is refused", "previous user reporter still logs in",
		"flushed its metrics at SHUTDOWN",
		"demo/postgres-rds (master secret managed by RDS)", "rds!db-demo-pg holds only password and username",
		"analyst_clone logs in to PostgreSQL with the new password",
		"stopped",
	} {
		if !strings.Contains(transcript, want) {
			t.Errorf("the transcript lacks %q:\n%s", want, transcript)
		}
	}
	if strings.Contains(strings.ToLower(transcript), `"password"`) {
		t.Errorf("the transcript shows a secret value:\n%s", transcript)
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "paramsecrets-demo-*")); len(left) > 0 {
		t.Errorf("the demo left %v behind", left)
	}
	if procs := processesMentioning(t, tmp); len(procs) > 0 {
		t.Errorf("the demo left processes running: %v", procs)
	}
}

// processesMentioning lists the command lines of running processes that
// mention s (a temp dir only the demo's processes were started from).
func processesMentioning(t *testing.T, s string) []string {
	t.Helper()
	cmdlines, err := filepath.Glob("/proc/[0-9]*/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, p := range cmdlines {
		b, err := os.ReadFile(p)
		if err != nil {
			continue // the process exited meanwhile
		}
		if line := strings.ReplaceAll(string(b), "\x00", " "); strings.Contains(line, s) {
			found = append(found, line)
		}
	}
	return found
}
