package version_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/paramsecrets/paramsecrets/internal/version"
)

// semver is the form VERSION must take: MAJOR.MINOR.PATCH with an optional
// pre-release, as https://semver.org/ defines it (no leading zeros, no "v").
var semver = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$`)

func TestVersionFileIsSemver(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "VERSION"))
	if err != nil {
		t.Fatal(err)
	}
	v := strings.TrimSpace(string(b))
	if !semver.MatchString(v) || string(b) != v+"\n" {
		t.Fatalf("VERSION = %q, want one semver line such as \"0.2.0\\n\"", b)
	}
}

// TestLinkerStampsTheVersion builds a program the way the Makefile builds every
// binary and checks it reports exactly the stamped number, in both forms.
func TestLinkerStampsTheVersion(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "printversion")
	build := exec.Command("go", "build", "-trimpath",
		"-ldflags=-X github.com/paramsecrets/paramsecrets/internal/version.stamped=9.8.7-rc.1",
		"-o", bin, "./testdata/printversion")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	if want := "printversion 9.8.7-rc.1\nparamsecrets/9.8.7-rc.1\n"; string(out) != want {
		t.Errorf("output = %q, want %q", out, want)
	}
}

func TestUnstampedBuildSaysSo(t *testing.T) {
	// A test binary is not stamped and has no module version.
	if got := version.Number(); got != version.Devel {
		t.Errorf("Number() = %q in an unstamped test binary, want %q", got, version.Devel)
	}
	if got := version.UserAgent(); got != "paramsecrets/"+version.Devel {
		t.Errorf("UserAgent() = %q", got)
	}
}

func TestRequested(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want bool
	}{
		{"no arguments, as Lambda starts a binary", nil, false},
		{"-version", []string{"-version"}, true},
		{"--version", []string{"--version"}, true},
		{"with other arguments", []string{"-version", "-addr", "x"}, false},
		{"something else", []string{"-v"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := version.Requested(tc.args); got != tc.want {
				t.Errorf("Requested(%q) = %v, want %v", tc.args, got, tc.want)
			}
		})
	}
}
