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
	"slices"
	"strings"
	"testing"
)

// TestMakePackage runs `make package` (which runs `make layer`) for arm64 as a user
// would before uploading by hand, and checks what Lambda will unpack: the layer zip
// holds the front (extensions/paramsecrets) and the extension it execs
// (paramsecrets/extension), executable and static, and each
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
	assertZipHoldsStaticExecutable(t, filepath.Join(first, "layer-arm64.zip"), layerFiles...)

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
	for _, f := range layerFiles {
		assertStaticELF(t, filepath.Join(layerDir, filepath.FromSlash(f)), elf.EM_AARCH64)
	}
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

// layerFiles are the layer's two programs: the front Lambda starts (it registers
// before the AWS SDK is loaded) and the extension it execs.
var layerFiles = []string{"extensions/paramsecrets", "paramsecrets/extension"}

// assertZipHoldsStaticExecutable checks that zipPath holds exactly names, each
// an executable static linux/arm64 binary.
func assertZipHoldsStaticExecutable(t *testing.T, zipPath string, names ...string) {
	t.Helper()
	assertZipHoldsStaticELF(t, zipPath, elf.EM_AARCH64, names...)
}

// assertZipHoldsStaticELF checks that zipPath holds exactly the files names, each
// with an executable mode and a static Linux binary for machine.
func assertZipHoldsStaticELF(t *testing.T, zipPath string, machine elf.Machine, names ...string) {
	t.Helper()
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatalf("%s: %v", zipPath, err)
	}
	defer zr.Close()
	var files []*zip.File
	var got []string
	for _, f := range zr.File {
		if !f.FileInfo().IsDir() {
			files = append(files, f)
			got = append(got, f.Name)
		}
	}
	if !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(names))) {
		t.Fatalf("%s holds %q, want only %q", filepath.Base(zipPath), got, names)
	}
	for _, f := range files {
		if f.Mode()&0o111 == 0 {
			t.Errorf("%s: %s has mode %v, want executable (Lambda runs it as is)", filepath.Base(zipPath), f.Name, f.Mode())
		}
		assertStaticELF(t, unzipped(t, f), machine)
	}
}

// unzipped writes f to a new temporary file, executable, and returns its path.
func unzipped(t *testing.T, f *zip.File) string {
	t.Helper()
	rc, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	tmp := filepath.Join(t.TempDir(), filepath.Base(f.Name))
	w, err := os.Create(tmp)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(w, rc); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	return tmp
}
