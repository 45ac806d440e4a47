package main

import (
	"archive/zip"
	"bytes"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// layout writes files (name → content; a name ending in * is executable) under a
// new directory, in the order given, with mode bits and mtimes taken from perm and
// mtime, so two layouts differ in everything but content.
func layout(t *testing.T, names []string, files map[string]string, execPerm, plainPerm fs.FileMode, mtime time.Time) string {
	t.Helper()
	dir := t.TempDir()
	for _, n := range names {
		name, exec := strings.CutSuffix(n, "*")
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		perm := plainPerm
		if exec {
			perm = execPerm
		}
		if err := os.WriteFile(p, []byte(files[n]), perm); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, perm); err != nil { // WriteFile's mode is filtered by the umask
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func zipOf(t *testing.T, dir string, epoch string, paths ...string) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out.zip")
	args := append([]string{"zip", "-o", out, "-C", dir, "-epoch", epoch}, paths...)
	if err := run(args, func(string) string { return "" }, io.Discard); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestZipIsTheSameWhateverTheFilesystemSays(t *testing.T) {
	files := map[string]string{"extensions/paramsecrets*": "\x7fELF binary", "extensions/README": "text", "a/b/c*": "x"}
	one := layout(t, []string{"extensions/paramsecrets*", "extensions/README", "a/b/c*"}, files, 0o755, 0o644,
		time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC))
	two := layout(t, []string{"a/b/c*", "extensions/README", "extensions/paramsecrets*"}, files, 0o700, 0o600,
		time.Date(2031, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 5*3600)))
	a := zipOf(t, one, "1764504000", "extensions", "a")
	b := zipOf(t, two, "1764504000", "a", "extensions")
	if !bytes.Equal(a, b) {
		t.Fatal("two trees with the same content and different order, modes and mtimes give different zips")
	}
	zr, err := zip.NewReader(bytes.NewReader(a), int64(len(a)))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		name string
		mode fs.FileMode
	}{
		{"a/", fs.ModeDir | 0o755}, {"a/b/", fs.ModeDir | 0o755}, {"a/b/c", 0o755},
		{"extensions/", fs.ModeDir | 0o755}, {"extensions/README", 0o644}, {"extensions/paramsecrets", 0o755},
	}
	if len(zr.File) != len(want) {
		t.Fatalf("zip holds %d entries, want %d", len(zr.File), len(want))
	}
	for i, f := range zr.File {
		if f.Name != want[i].name || f.Mode() != want[i].mode {
			t.Errorf("entry %d = %s %v, want %s %v (sorted, fixed modes)", i, f.Name, f.Mode(), want[i].name, want[i].mode)
		}
		if !f.Modified.Equal(time.Unix(1764504000, 0)) {
			t.Errorf("%s dated %v, want the epoch", f.Name, f.Modified)
		}
	}
	// unzip, the tool users check with, reads it and finds the content.
	if _, err := exec.LookPath("unzip"); err == nil {
		z := filepath.Join(t.TempDir(), "x.zip")
		os.WriteFile(z, a, 0o644)
		out, err := exec.Command("unzip", "-p", z, "extensions/paramsecrets").Output()
		if err != nil || string(out) != "\x7fELF binary" {
			t.Errorf("unzip -p = %q, %v", out, err)
		}
	}
}

func TestZipDefaultsTo1980AndChangesWithTheEpoch(t *testing.T) {
	dir := layout(t, []string{"f"}, map[string]string{"f": "x"}, 0o755, 0o644, time.Now())
	b := zipOf(t, dir, "", "f")
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if got := zr.File[0].Modified; !got.Equal(zipEpoch) {
		t.Errorf("no epoch: entry dated %v, want %v", got, zipEpoch)
	}
	if bytes.Equal(zipOf(t, dir, "100000000", "f"), zipOf(t, dir, "1764504000", "f")) {
		t.Error("different epochs gave the same zip: the timestamp is not stored")
	}
}

func TestZipRefuses(t *testing.T) {
	dir := layout(t, []string{"f"}, map[string]string{"f": "x"}, 0o755, 0o644, time.Now())
	if err := os.Symlink("f", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "o.zip")
	for name, args := range map[string][]string{
		"a symlink":        {"zip", "-o", out, "-C", dir, "link"},
		"a path outside":   {"zip", "-o", out, "-C", dir, "../x"},
		"an absolute path": {"zip", "-o", out, "-C", dir, "/etc"},
		"a missing path":   {"zip", "-o", out, "-C", dir, "nope"},
		"a bad epoch":      {"zip", "-o", out, "-C", dir, "-epoch", "yesterday", "f"},
		"no paths":         {"zip", "-o", out, "-C", dir},
		"another command":  {"tar"},
	} {
		t.Run(name, func(t *testing.T) {
			if err := run(args, func(string) string { return "" }, io.Discard); err == nil {
				t.Error("accepted")
			}
			if _, err := os.Stat(out); err == nil {
				t.Error("left a zip behind")
			}
		})
	}
}

func TestSumsMatchSha256sum(t *testing.T) {
	dir := layout(t, []string{"b.zip", "a.zip"}, map[string]string{"b.zip": "bee", "a.zip": "ay"}, 0o755, 0o644, time.Now())
	out := filepath.Join(dir, "SHA256SUMS")
	if err := run([]string{"sums", "-o", out, filepath.Join(dir, "b.zip"), filepath.Join(dir, "a.zip")}, os.Getenv, io.Discard); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(out)
	lines := strings.Split(strings.TrimSuffix(string(got), "\n"), "\n")
	if len(lines) != 2 || !strings.HasSuffix(lines[0], "  a.zip") || !strings.HasSuffix(lines[1], "  b.zip") {
		t.Fatalf("SHA256SUMS = %q, want a.zip then b.zip in sha256sum's format", got)
	}
	if _, err := exec.LookPath("sha256sum"); err == nil {
		cmd := exec.Command("sha256sum", "--check", "--strict", "SHA256SUMS")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("sha256sum --check: %v\n%s", err, out)
		}
	}
}

func FuzzParseEpoch(f *testing.F) {
	for _, s := range []string{"", "0", "315532800", "1764504000", "-1", "1e9", " 1", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		when, err := parseEpoch(s)
		if err != nil {
			if !strings.Contains(err.Error(), "SOURCE_DATE_EPOCH") {
				t.Errorf("error %q does not say what the value is", err)
			}
			return
		}
		if when.Before(zipEpoch) || when.Location() != time.UTC {
			t.Errorf("parseEpoch(%q) = %v, want UTC and not before 1980", s, when)
		}
		if n, perr := strconv.ParseInt(s, 10, 64); s != "" && (perr != nil || (n >= zipEpoch.Unix() && when.Unix() != n)) {
			t.Errorf("parseEpoch(%q) = %v", s, when)
		}
	})
}
