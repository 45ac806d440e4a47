package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// TestReleaseDocuments checks the files a team reads before adopting the suite: the
// Apache-2.0 licence, a NOTICE that names every third-party module compiled into a
// shipped binary (the list is taken from the build, not written down here), a
// security policy, and a changelog whose latest release is VERSION.
func TestReleaseDocuments(t *testing.T) {
	root := repoRoot(t)
	read := func(name string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	license := read("LICENSE")
	if !strings.Contains(license, "Apache License\n                           Version 2.0, January 2004") ||
		!strings.Contains(license, "END OF TERMS AND CONDITIONS") {
		t.Error("LICENSE is not the Apache License 2.0 text")
	}
	if s := read("SECURITY.md"); !strings.Contains(s, "Report a vulnerability") || !strings.Contains(s, "## Supported versions") {
		t.Error("SECURITY.md does not say how to report a vulnerability and which versions get fixes")
	}

	changelog := read("CHANGELOG.md")
	v := suiteVersion(t, root)
	if !strings.Contains(changelog, "https://keepachangelog.com/") || !strings.Contains(changelog, "\n## [Unreleased]\n") {
		t.Error("CHANGELOG.md does not follow Keep a Changelog (link, Unreleased section)")
	}
	releases := regexp.MustCompile(`(?m)^## \[(\d[^\]]*)\] - (\d{4}-\d{2}-\d{2})$`).FindAllStringSubmatch(changelog, -1)
	if len(releases) == 0 || releases[0][1] != v {
		t.Errorf("CHANGELOG.md's latest release is %v, want [%s] - YYYY-MM-DD", releases, v)
	}

	notice := read("NOTICE")
	cmd := exec.Command("go", "list", "-deps", "-tags", "lambda.norpc",
		"-f", "{{with .Module}}{{if not .Main}}{{.Path}}{{end}}{{end}}",
		"./extension", "./rotators/...", "./examples/...", "./localaws/cmd/localaws")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=linux", "CGO_ENABLED=0", "GOARCH="+runtime.GOARCH)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, mod := range slices.Compact(slices.Sorted(slices.Values(strings.Fields(string(out))))) {
		named := false
		for p := mod; p != "." && p != ""; p = filepath.Dir(p) {
			if strings.Contains(notice, p+" ") || strings.Contains(notice, p+")") || strings.Contains(notice, p+",") || strings.Contains(notice, p+"\n") {
				named = true
				break
			}
		}
		if !named {
			t.Errorf("NOTICE does not name %s, which the shipped binaries include", mod)
		}
	}
}
