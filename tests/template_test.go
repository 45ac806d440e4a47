package tests

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// repoRoot is the module root: tests run in tests/.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		t.Fatalf("no go.mod above tests/: %v", err)
	}
	return dir
}

// samResource is the part of a template resource the build cares about.
type samResource struct {
	Type     string `yaml:"Type"`
	Metadata struct {
		BuildMethod       string `yaml:"BuildMethod"`
		BuildArchitecture string `yaml:"BuildArchitecture"`
	} `yaml:"Metadata"`
	Properties yaml.Node `yaml:"Properties"`
}

// loadTemplate parses template.yaml. CloudFormation's short-form tags (!Ref,
// !Sub, ...) are kept as YAML nodes, which is why this uses yaml.v3.
func loadTemplate(t *testing.T, root string) map[string]samResource {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var tpl struct {
		Transform string                 `yaml:"Transform"`
		Resources map[string]samResource `yaml:"Resources"`
	}
	if err := yaml.Unmarshal(raw, &tpl); err != nil {
		t.Fatalf("template.yaml: %v", err)
	}
	if tpl.Transform != "AWS::Serverless-2016-10-31" {
		t.Fatalf("Transform = %q, want the SAM transform", tpl.Transform)
	}
	return tpl.Resources
}

// scalar returns the value of a scalar property, "" when absent or not scalar.
func scalar(props yaml.Node, key string) string {
	for i := 0; i+1 < len(props.Content); i += 2 {
		if props.Content[i].Value == key && props.Content[i+1].Kind == yaml.ScalarNode {
			return props.Content[i+1].Value
		}
	}
	return ""
}

// TestTemplateBuildTargets checks that every function and layer in
// template.yaml is built by a Makefile target sam build can call, and that
// the target really produces a static Linux binary where Lambda looks for it,
// for both architectures.
func TestTemplateBuildTargets(t *testing.T) {
	root := repoRoot(t)
	resources := loadTemplate(t, root)
	var built int
	for id, r := range resources {
		var want string
		switch r.Type {
		case "AWS::Serverless::Function":
			want = "bootstrap"
			if rt := scalar(r.Properties, "Runtime"); rt != "" && rt != "provided.al2023" {
				t.Errorf("%s: Runtime %s, want provided.al2023 (from Globals)", id, rt)
			}
		case "AWS::Serverless::LayerVersion":
			want = "extensions/paramsecrets"
		default:
			continue
		}
		if r.Metadata.BuildMethod != "makefile" {
			t.Errorf("%s: BuildMethod %q, want makefile", id, r.Metadata.BuildMethod)
			continue
		}
		for _, arch := range []struct {
			goarch string
			mach   elf.Machine
		}{{"amd64", elf.EM_X86_64}, {"arm64", elf.EM_AARCH64}} {
			t.Run(id+"/"+arch.goarch, func(t *testing.T) {
				out := t.TempDir()
				cmd := exec.Command("make", "--no-print-directory", "build-"+id, "ARTIFACTS_DIR="+out, "GOARCH="+arch.goarch)
				cmd.Dir = root
				if b, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("make build-%s: %v\n%s", id, err, b)
				}
				assertStaticELF(t, filepath.Join(out, want), arch.mach)
			})
		}
		built++
	}
	if built < 6 {
		t.Fatalf("template has %d functions and layers with a makefile build, want the layer, four rotators and the example", built)
	}
}

// assertStaticELF checks that path is an executable, statically linked Linux
// binary for machine: Lambda's provided.al2023 runs it with no loader.
func assertStaticELF(t *testing.T, path string, machine elf.Machine) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatalf("not built: %v", err)
	}
	if st.Mode()&0o111 == 0 {
		t.Errorf("%s is not executable (%v)", path, st.Mode())
	}
	f, err := elf.Open(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer f.Close()
	if f.Machine != machine {
		t.Errorf("%s: machine %v, want %v", path, f.Machine, machine)
	}
	if slices.ContainsFunc(f.Progs, func(p *elf.Prog) bool { return p.Type == elf.PT_INTERP }) {
		t.Errorf("%s is dynamically linked (has an ELF interpreter)", path)
	}
}

// TestTemplateCfnLint runs cfn-lint (which applies the SAM transform) where it
// is installed; it must report nothing.
func TestTemplateCfnLint(t *testing.T) {
	lint, err := exec.LookPath("cfn-lint")
	if err != nil {
		t.Skip("cfn-lint is not installed; install it with pip install cfn-lint")
	}
	root := repoRoot(t)
	cmd := exec.Command(lint, "template.yaml")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "" {
		t.Fatalf("cfn-lint template.yaml: %v\n%s", err, out)
	}
}
