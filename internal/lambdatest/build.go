package lambdatest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// EnvRIE names the variable that points at a prebuilt emulator binary. When
// it is set, RIEPath uses it and builds nothing (CI images, offline runs).
const EnvRIE = "PARAMSECRETS_RIE"

// rieImport is the emulator's command, pinned by the tool directive in
// tools/go.mod.
const rieImport = "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie"

// RIEPath returns the path of the emulator binary: $PARAMSECRETS_RIE if set,
// else a binary built from the repository's tools module and cached under
// the user cache directory. The cache key is a hash of tools/go.mod and
// tools/go.sum, so changing the pin rebuilds it; concurrent test binaries
// may race to build it, which is safe because each renames its own file
// into place.
func RIEPath(ctx context.Context) (string, error) {
	if p := os.Getenv(EnvRIE); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%s: %w", EnvRIE, err)
		}
		return p, nil
	}
	root, err := RepoRoot(ctx)
	if err != nil {
		return "", err
	}
	tools := filepath.Join(root, "tools")
	key, err := hashFiles(filepath.Join(tools, "go.mod"), filepath.Join(tools, "go.sum"))
	if err != nil {
		return "", fmt.Errorf("hash the tools module: %w", err)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "paramsecrets", "rie-"+key[:16])
	out := filepath.Join(dir, "aws-lambda-rie")
	if _, err := os.Stat(out); err == nil {
		return out, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create the emulator cache: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "aws-lambda-rie-*.tmp")
	if err != nil {
		return "", fmt.Errorf("create the emulator cache: %w", err)
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	// GOWORK=off: the tools module stands alone, whatever workspace the
	// caller has.
	if err := goCmd(ctx, tools, []string{"GOWORK=off"},
		"build", "-trimpath", "-o", tmp.Name(), rieImport); err != nil {
		return "", fmt.Errorf("build the emulator: %w", err)
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return "", fmt.Errorf("install the emulator: %w", err)
	}
	return out, nil
}

// BuildBootstrap builds the Go package pkg (an import path, or a path
// relative to the current directory such as "./testdata/echo") into a
// static Lambda bootstrap at outPath, as `sam build` and the Makefile do:
// CGO_ENABLED=0, -trimpath, -ldflags='-s -w' with the suite version from the
// repository's VERSION file stamped in, and the lambda.norpc tag (aws-lambda-go then
// speaks only the Runtime API, which is all provided.al2023 offers). Extra
// build tags may be given.
func BuildBootstrap(ctx context.Context, pkg, outPath string, tags ...string) error {
	tagList := strings.Join(append([]string{"lambda.norpc"}, tags...), ",")
	ldflags := "-ldflags=-s -w"
	if v := suiteVersion(ctx); v != "" {
		ldflags += " -X " + versionVar + "=" + v
	}
	if err := goCmd(ctx, "", []string{"CGO_ENABLED=0"},
		"build", "-tags", tagList, "-trimpath", ldflags, "-o", outPath, pkg); err != nil {
		return fmt.Errorf("build bootstrap %s: %w", pkg, err)
	}
	return nil
}

// versionVar is the variable the Makefile stamps with -X (internal/version).
const versionVar = "github.com/paramsecrets/paramsecrets/internal/version.stamped"

// suiteVersion reads the repository's VERSION file, "" when there is none (a build
// outside the repository then reports the version package's fallback).
func suiteVersion(ctx context.Context) string {
	root, err := RepoRoot(ctx)
	if err != nil {
		return ""
	}
	b, err := os.ReadFile(filepath.Join(root, "VERSION"))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// RepoRoot returns the directory holding the main module's go.mod, asking
// `go env GOMOD` first and walking up from the working directory if that
// says nothing useful.
func RepoRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err == nil {
		gomod := strings.TrimSpace(string(out))
		if gomod != "" && gomod != os.DevNull {
			return filepath.Dir(gomod), nil
		}
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find the repository root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("find the repository root: no go.mod above the working directory")
		}
		dir = parent
	}
}

// goCmd runs the go command in dir with extra environment, returning its
// combined output in the error when it fails.
func goCmd(ctx context.Context, dir string, env []string, args ...string) error {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, bytes.TrimSpace(out.Bytes()))
	}
	return nil
}

// hashFiles returns the hex SHA-256 of the files' contents in order.
func hashFiles(paths ...string) (string, error) {
	h := sha256.New()
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return "", err
		}
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
