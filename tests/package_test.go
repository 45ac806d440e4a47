package tests

import (
	"archive/zip"
	"debug/elf"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMakePackage runs `make package` (which runs `make layer`) as a user
// would before uploading by hand, and checks what Lambda will unpack: the
// layer zip holds extensions/paramsecrets at its root, executable and static,
// and each function zip holds an executable static bootstrap at its root.
func TestMakePackage(t *testing.T) {
	root := repoRoot(t)
	dist, layerDir := t.TempDir(), t.TempDir()
	cmd := exec.Command("make", "--no-print-directory", "package", "DIST="+dist, "LAYER_DIR="+layerDir, "GOARCH=arm64")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make package: %v\n%s", err, out)
	}
	// Sizes are reported, one line per zip.
	if n := strings.Count(string(out), " bytes"); n != 6 {
		t.Errorf("make package reported %d sizes, want the layer and five functions:\n%s", n, out)
	}
	assertZipHoldsStaticExecutable(t, filepath.Join(dist, "layer-arm64.zip"), "extensions/paramsecrets")
	// The layer directory holds what the zip holds.
	assertStaticELF(t, filepath.Join(layerDir, "extensions", "paramsecrets"), elf.EM_AARCH64)
	for _, f := range []string{"postgres-single-user", "postgres-alternating-users", "mysql-single-user", "mysql-alternating-users", "dbreader"} {
		assertZipHoldsStaticExecutable(t, filepath.Join(dist, f+"-arm64.zip"), "bootstrap")
	}
}

// assertZipHoldsStaticExecutable checks that zipPath has exactly one file,
// name, with an executable mode, and that it is a static linux/arm64 binary.
func assertZipHoldsStaticExecutable(t *testing.T, zipPath, name string) {
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
	assertStaticELF(t, tmp, elf.EM_AARCH64)
}
