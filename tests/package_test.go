package tests

import (
	"archive/zip"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMakePackage runs `make package` (which runs `make layer`) for arm64 as a user
// would before uploading by hand, and checks what Lambda will unpack: the layer zip
// holds extensions/paramsecrets at its root, executable and static, and each
// function zip holds an executable static bootstrap at its root. Then it runs the
// same command again, in another time zone, with another umask, into other
// directories, and the zips must be byte-identical: a release is checked by its
// SHA-256, and `zip` used to store the builder's local times and file modes.
func TestMakePackage(t *testing.T) {
	root := repoRoot(t)
	parts := []string{"layer", "postgres-single-user", "postgres-alternating-users", "mysql-single-user", "mysql-alternating-users", "dbreader"}
	first := makePackage(t, root, "TZ=UTC", "022")
	for _, f := range parts[1:] {
		assertZipHoldsStaticExecutable(t, filepath.Join(first, f+"-arm64.zip"), "bootstrap")
	}
	assertZipHoldsStaticExecutable(t, filepath.Join(first, "layer-arm64.zip"), "extensions/paramsecrets")

	second := makePackage(t, root, "TZ=Pacific/Chatham", "077")
	for _, f := range parts {
		name := f + "-arm64.zip"
		a, b := sha256File(t, filepath.Join(first, name)), sha256File(t, filepath.Join(second, name))
		if a != b {
			t.Errorf("%s: SHA-256 %s then %s: two builds of one commit differ", name, a, b)
		} else {
			t.Logf("%s: SHA-256 %s, both builds", name, a)
		}
	}
}

// makePackage runs `make package ARCH=arm64` with the given time zone and umask into
// new directories and returns the dist directory.
func makePackage(t *testing.T, root, tz, umask string) string {
	t.Helper()
	dist, layerDir := t.TempDir(), t.TempDir()
	cmd := exec.Command("bash", "-c", `umask "$0" && exec make --no-print-directory package "$@"`, umask,
		"DIST="+dist, "LAYER_DIR="+layerDir, "ARCH=arm64")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), tz)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make package: %v\n%s", err, out)
	}
	// Sizes are reported, one line per zip.
	if n := strings.Count(string(out), " bytes"); n != 6 {
		t.Errorf("make package reported %d sizes, want the layer and five functions:\n%s", n, out)
	}
	// The layer directory holds what the zip holds.
	assertStaticELF(t, filepath.Join(layerDir, "extensions", "paramsecrets"), elf.EM_AARCH64)
	return dist
}

func sha256File(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// assertZipHoldsStaticExecutable checks that zipPath has exactly one file,
// name, with an executable mode, and that it is a static linux/arm64 binary.
func assertZipHoldsStaticExecutable(t *testing.T, zipPath, name string) {
	t.Helper()
	assertZipHoldsStaticELF(t, zipPath, name, elf.EM_AARCH64)
}

// assertZipHoldsStaticELF checks that zipPath has exactly one file, name, with an
// executable mode, and that it is a static Linux binary for machine.
func assertZipHoldsStaticELF(t *testing.T, zipPath, name string, machine elf.Machine) {
	t.Helper()
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatalf("%s: %v", zipPath, err)
	}
	defer zr.Close()
	var files []*zip.File
	for _, f := range zr.File {
		if !f.FileInfo().IsDir() {
			files = append(files, f)
		}
	}
	if len(files) != 1 || files[0].Name != name {
		var names []string
		for _, f := range files {
			names = append(names, f.Name)
		}
		t.Fatalf("%s holds %q, want only %q", filepath.Base(zipPath), names, name)
	}
	if files[0].Mode()&0o111 == 0 {
		t.Errorf("%s: %s has mode %v, want executable (Lambda runs it as is)", filepath.Base(zipPath), name, files[0].Mode())
	}
	rc, err := files[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	tmp := filepath.Join(t.TempDir(), filepath.Base(name))
	w, err := os.Create(tmp)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(w, rc); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if err := os.Chmod(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	assertStaticELF(t, tmp, machine)
}
