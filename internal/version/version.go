// Package version is the suite's one version number, shared by every binary: the
// extension, the four rotators, the example function and localaws.
//
// The number lives in the repository's VERSION file (semver, e.g. 0.2.0). The
// Makefile, and the test harness's builds, stamp it into each binary at link time:
//
//	go build -ldflags "-X github.com/paramsecrets/paramsecrets/internal/version.stamped=0.2.0" ...
//
// so one build of one commit reports one version everywhere: on `-version`, in the
// extension's start-up log line, and in the User-Agent the suite's AWS SDK calls send
// (paramsecrets/0.2.0), where CloudTrail and the service's own logs show it.
package version

import (
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"runtime/debug"
	"strings"
)

// Product is the suite's name as it appears before the version: in -version output
// and as the User-Agent key.
const Product = "paramsecrets"

// Devel is reported by a binary built without the Makefile (plain go build or go
// test) from a checkout the go command cannot version either.
const Devel = "devel"

// stamped is set by the linker (-X); it is the only package-level variable in the
// suite, because -X can only write a variable. Nothing assigns it at run time.
var stamped string

// Number returns the suite version: the stamped one, else the module version the go
// command recorded (a `go install ...@v0.2.0` build reports 0.2.0), else Devel.
func Number() string {
	if stamped != "" {
		return stamped
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		if v := info.Main.Version; v != "" && v != "(devel)" {
			return strings.TrimPrefix(v, "v")
		}
	}
	return Devel
}

// UserAgent is the product token the suite adds to AWS SDK requests:
// "paramsecrets/0.2.0".
func UserAgent() string { return Product + "/" + Number() }

// Print writes what -version prints: the program's name and the suite version, on
// one line ("localaws 0.2.0").
func Print(w io.Writer, program string) {
	fmt.Fprintf(w, "%s %s\n", program, Number())
}

// Program is the running binary's name for -version: the last element of its main
// package's import path (rotators/postgres-single-user gives postgres-single-user), so
// that a Lambda bootstrap, whose file is always called "bootstrap", still says what it
// is. Without build information it is the file name.
func Program() string {
	if info, ok := debug.ReadBuildInfo(); ok && info.Path != "" && info.Path != "command-line-arguments" {
		return path.Base(info.Path)
	}
	return filepath.Base(os.Args[0])
}

// Requested reports whether args (os.Args[1:]) ask for the version only: the single
// argument -version or --version. Lambda starts bootstraps and extensions with no
// arguments, so this never changes how a deployed binary runs.
func Requested(args []string) bool {
	return len(args) == 1 && (args[0] == "-version" || args[0] == "--version")
}
