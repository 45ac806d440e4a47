package lambdatest_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/paramsecrets/paramsecrets/internal/lambdatest"
)

// hostOpt describes the real /opt: its entries and whether anything is
// mounted there, as this process sees it.
func hostOpt(t *testing.T) (entries []string, mounted bool) {
	t.Helper()
	des, err := os.ReadDir("/opt")
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	for _, de := range des {
		entries = append(entries, de.Name())
	}
	return entries, mountedAt(t, "/opt")
}

// mountedAt tells whether anything is mounted at path, as this process
// sees it.
func mountedAt(t *testing.T, path string) bool {
	t.Helper()
	info, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(info)) {
		if f := strings.Fields(line); len(f) > 4 && f[4] == path {
			return true
		}
	}
	return false
}

// running lists the live processes whose argv[0] is one of names.
func running(t *testing.T, names ...string) []string {
	t.Helper()
	dirs, err := filepath.Glob("/proc/[0-9]*/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, d := range dirs {
		cmdline, err := os.ReadFile(d)
		if err != nil {
			continue // exited meanwhile
		}
		argv0, _, _ := bytes.Cut(cmdline, []byte{0})
		if slices.Contains(names, string(argv0)) {
			found = append(found, filepath.Dir(d)+" "+string(argv0))
		}
	}
	return found
}

func TestOptExtension(t *testing.T) {
	t.Parallel()
	// Each case names its extension differently so that the process checks
	// cannot see another test's extension.
	tests := []struct {
		name      string
		extension string
		env       []string
	}{
		// The extension exits on SHUTDOWN, as it should.
		{"exits on shutdown", "recorder-exits", nil},
		// The extension outstays the deadline; the platform kills it.
		{"ignores shutdown", "recorder-stays", []string{"IGNORE_SHUTDOWN=1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opt := t.TempDir()
			ext := filepath.Join(opt, "extensions", tt.extension)
			extArgv0 := "/opt/extensions/" + tt.extension
			if err := lambdatest.BuildBootstrap(t.Context(), "./testdata/extension", ext); err != nil {
				t.Fatal(err)
			}
			markers := t.TempDir()
			boot := buildEcho(t)
			before, mountedBefore := hostOpt(t)

			fn := lambdatest.StartTest(t, lambdatest.Options{
				Bootstrap: boot,
				Opt:       opt,
				Env:       append([]string{"MARKER_DIR=" + markers}, tt.env...),
			})
			if _, err := fn.Invoke(t.Context(), []byte(`{"message":"with extension"}`)); err != nil {
				t.Fatal(err)
			}
			during, mountedDuring := hostOpt(t)
			if len(running(t, extArgv0, boot)) != 2 {
				t.Errorf("want the bootstrap and the extension running, found %q", running(t, extArgv0, boot))
			}
			if err := fn.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}

			got, err := os.ReadFile(filepath.Join(markers, tt.extension))
			if err != nil {
				t.Fatalf("the extension left no marker: %v\n%s", err, fn.Logs())
			}
			want := "started " + extArgv0 + "\nINVOKE\nSHUTDOWN SandboxTerminated\n"
			if string(got) != want {
				t.Errorf("extension saw:\n%s\nwant:\n%s\nlog:\n%s", got, want, fn.Logs())
			}
			if !slices.Equal(during, before) || mountedDuring != mountedBefore {
				t.Errorf("the real /opt changed while the function ran: entries %q -> %q, mounted %v -> %v",
					before, during, mountedBefore, mountedDuring)
			}
			if left := running(t, extArgv0, boot); len(left) > 0 {
				t.Errorf("processes outlived Close: %q", left)
			}
		})
	}
}
