package lambdatest_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/paramsecrets/paramsecrets/internal/lambdatest"
)

// sharedDir makes a directory the managed-instances sandbox user (uid 993)
// can use; t.TempDir is private to root.
func sharedDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "lambdatest-shared-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestManagedInstancesMode(t *testing.T) {
	t.Parallel()
	shared := sharedDir(t)
	boot := filepath.Join(shared, "task", "bootstrap")
	if err := lambdatest.BuildBootstrap(t.Context(), "./testdata/echo", boot); err != nil {
		t.Fatal(err)
	}
	opt := filepath.Join(shared, "opt")
	if err := lambdatest.BuildBootstrap(t.Context(), "./testdata/extension", filepath.Join(opt, "extensions", "recorder-managed")); err != nil {
		t.Fatal(err)
	}
	markers := filepath.Join(shared, "markers")
	if err := os.Mkdir(markers, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(markers, 0o777); err != nil { // past the umask
		t.Fatal(err)
	}

	fn := lambdatest.StartTest(t, lambdatest.Options{
		Bootstrap: boot,
		Opt:       opt,
		// Managed instances accept only SHUTDOWN from extensions.
		Env: []string{"AWS_LAMBDA_MAX_CONCURRENCY=2", "EVENTS=SHUTDOWN", "MARKER_DIR=" + markers, "GREETING=managed"},
	})
	body, err := fn.Invoke(t.Context(), []byte(`{"message":"m"}`))
	if err != nil {
		t.Fatal(err)
	}
	var got echoResponse
	if err := json.Unmarshal(body, &got); err != nil || got.Event.Message != "m" || got.Greeting != "managed" {
		t.Errorf("invoke answered %s (%v), want the echoed event and greeting", body, err)
	}
	if err := fn.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	marker, err := os.ReadFile(filepath.Join(markers, "recorder-managed"))
	if want := "started /opt/extensions/recorder-managed\nSHUTDOWN spindown\n"; err != nil || string(marker) != want {
		t.Errorf("extension saw %q (%v), want %q\n%s", marker, err, want, fn.Logs())
	}
}
