// Command pack writes the suite's release files byte for byte the same on every
// run of the same commit, which `zip` cannot promise (it stores each file's mtime,
// the builder's umask and the directory's order):
//
//	go run ./internal/pack zip -o dist/layer-x86_64.zip -C layer extensions
//	go run ./internal/pack sums -o dist/release/SHA256SUMS dist/release/*.zip
//
// zip stores the named files and directories (recursively) under their paths
// relative to -C, sorted by name, every entry dated -epoch (default
// $SOURCE_DATE_EPOCH, else 1980-01-01), files 0755 when the source is executable
// and 0644 otherwise, directories 0755, deflated. sums writes sha256sum's format
// ("<hex>  <name>", sorted by name) for the given files, named by base name.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

func main() {
	if err := run(os.Args[1:], os.Getenv, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "pack:", err)
		os.Exit(1)
	}
}

func run(args []string, getenv func(string) string, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: pack zip -o OUT.zip [-C DIR] [-epoch SECONDS] PATH... | pack sums -o SHA256SUMS FILE...")
	}
	switch args[0] {
	case "zip":
		fs := flag.NewFlagSet("pack zip", flag.ContinueOnError)
		fs.SetOutput(stderr)
		out := fs.String("o", "", "zip file to write")
		dir := fs.String("C", ".", "directory the paths are relative to")
		epoch := fs.String("epoch", getenv("SOURCE_DATE_EPOCH"), "entry timestamp, seconds since 1970 (default $SOURCE_DATE_EPOCH)")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *out == "" || fs.NArg() == 0 {
			return errors.New("zip needs -o and at least one path")
		}
		when, err := parseEpoch(*epoch)
		if err != nil {
			return err
		}
		return writeZip(*out, *dir, fs.Args(), when)
	case "sums":
		fs := flag.NewFlagSet("pack sums", flag.ContinueOnError)
		fs.SetOutput(stderr)
		out := fs.String("o", "", "file to write")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *out == "" || fs.NArg() == 0 {
			return errors.New("sums needs -o and at least one file")
		}
		return writeSums(*out, fs.Args())
	default:
		return fmt.Errorf("unknown command %q (want zip or sums)", args[0])
	}
}

// zipEpoch is the earliest time a zip entry can carry (MS-DOS dates start in 1980).
var zipEpoch = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// parseEpoch reads SOURCE_DATE_EPOCH's format: whole seconds since 1970, UTC.
// Empty means 1980-01-01; earlier times are raised to it.
func parseEpoch(s string) (time.Time, error) {
	if s == "" {
		return zipEpoch, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return time.Time{}, fmt.Errorf("epoch %q: want whole seconds since 1970 (SOURCE_DATE_EPOCH)", s)
	}
	t := time.Unix(n, 0).UTC()
	if t.Before(zipEpoch) {
		t = zipEpoch
	}
	return t, nil
}

// writeFileAtomically writes name through a temporary file in the same directory, so
// a failed run leaves no half-written zip for a later step to pick up.
func writeFileAtomically(name string, write func(io.Writer) error) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}
