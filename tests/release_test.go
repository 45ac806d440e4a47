package tests

import (
	"bufio"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// suiteVersion is the VERSION file's number.
func suiteVersion(t *testing.T, root string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "VERSION"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// TestMakeRelease runs `make release` and checks what a platform team pins: one
// zip per part and architecture, named with the version, each holding a static
// executable for the architecture its name says (read from the ELF header), and a
// SHA256SUMS that lists exactly those zips with their real digests.
func TestMakeRelease(t *testing.T) {
	root := repoRoot(t)
	v := suiteVersion(t, root)
	dist := t.TempDir()
	cmd := exec.Command("make", "--no-print-directory", "release", "DIST="+dist)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make release: %v\n%s", err, out)
	}
	dir := filepath.Join(dist, "release")
	archs := map[string]elf.Machine{"x86_64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}
	bootstrap := []string{"bootstrap"}
	parts := map[string][]string{ // part → the executables inside its zip
		"layer": layerFiles, "dbreader": bootstrap,
		"postgres-single-user": bootstrap, "postgres-alternating-users": bootstrap,
		"mysql-single-user": bootstrap, "mysql-alternating-users": bootstrap,
	}
	var want []string
	for part, exe := range parts {
		for arch, machine := range archs {
			name := "paramsecrets-" + part + "-" + v + "-" + arch + ".zip"
			want = append(want, name)
			assertZipHoldsStaticELF(t, filepath.Join(dir, name), machine, exe...)
		}
	}
	slices.Sort(want)

	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if all := slices.Sorted(slices.Values(append(slices.Clone(want), "SHA256SUMS"))); !slices.Equal(got, all) {
		t.Errorf("release holds %q, want %q and SHA256SUMS", got, want)
	}

	f, err := os.Open(filepath.Join(dir, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	line := regexp.MustCompile(`^([0-9a-f]{64})  (\S+)$`)
	var listed []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			t.Errorf("SHA256SUMS line %q is not in sha256sum's format", sc.Text())
			continue
		}
		listed = append(listed, m[2])
		if sum := sha256File(t, filepath.Join(dir, m[2])); sum != m[1] {
			t.Errorf("SHA256SUMS says %s for %s, the file's is %s", m[1], m[2], sum)
		}
	}
	if !slices.Equal(listed, want) {
		t.Errorf("SHA256SUMS lists %q, want %q in order", listed, want)
	}
}

// TestEveryBinaryReportsTheVersion builds with `make build` and runs -version on
// localaws, the extension and each rotator: one version, the VERSION file's.
func TestEveryBinaryReportsTheVersion(t *testing.T) {
	root := repoRoot(t)
	v := suiteVersion(t, root)
	dist := t.TempDir()
	cmd := exec.Command("make", "--no-print-directory", "build", "DIST="+dist)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make build: %v\n%s", err, out)
	}
	for bin, name := range map[string]string{
		"localaws":                                      "localaws",
		"extensions/paramsecrets":                       "paramsecrets",
		"paramsecrets/extension":                        "paramsecrets",
		"rotators/postgres-single-user/bootstrap":       "postgres-single-user",
		"rotators/postgres-alternating-users/bootstrap": "postgres-alternating-users",
		"rotators/mysql-single-user/bootstrap":          "mysql-single-user",
		"rotators/mysql-alternating-users/bootstrap":    "mysql-alternating-users",
	} {
		// No environment: -version must not need AWS settings or a token.
		cmd := exec.Command(filepath.Join(dist, bin), "-version")
		cmd.Env = []string{}
		out, err := cmd.CombinedOutput()
		if got, want := string(out), name+" "+v+"\n"; err != nil || got != want {
			t.Errorf("%s -version = %q, %v; want %q", bin, got, err, want)
		}
	}
}
