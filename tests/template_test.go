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
// Metadata stays a node: its values may be intrinsics (!Ref, !Sub) that sam build
// resolves against the template's parameters.
type samResource struct {
	Type       string    `yaml:"Type"`
	Metadata   yaml.Node `yaml:"Metadata"`
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

// resolved returns the value of a Metadata key as sam build sees it with the
// template's Architecture parameter set to arch: sam build runs its intrinsic
// resolver over whole resources, Metadata included (samcli/lib/providers/provider.py,
// Stack.resources → SamBaseProvider.get_template). Only the forms the template
// may use are understood: a plain scalar, !Ref Architecture and !Sub over
// ${Architecture}.
func resolved(t *testing.T, meta yaml.Node, key, arch string) string {
	t.Helper()
	for i := 0; i+1 < len(meta.Content); i += 2 {
		if meta.Content[i].Value != key {
			continue
		}
		v := meta.Content[i+1]
		if v.Kind != yaml.ScalarNode {
			t.Fatalf("Metadata %s is not a scalar", key)
		}
		switch v.Tag {
		case "!Ref":
			if v.Value != "Architecture" {
				t.Fatalf("Metadata %s: !Ref %s, want !Ref Architecture", key, v.Value)
			}
			return arch
		case "!Sub":
			return strings.ReplaceAll(v.Value, "${Architecture}", arch)
		default:
			return v.Value
		}
	}
	return ""
}

// TestTemplateBuildTargets builds every function and layer in template.yaml the
// way `sam build --parameter-overrides Architecture=<arch>` does, for both
// architectures, and checks that each produces a static Linux binary for that
// architecture where Lambda looks for it.
//
// What sam build does, read from the source of aws-lambda-builders
// (workflows/custom_make: CustomMakeWorkflow copies the code directory to a
// scratch directory, leaving out .git and .aws-sam, then CustomMakeAction runs
// `make --makefile <Makefile> build-<LogicalId>` there with the caller's own
// environment plus ARTIFACTS_DIR) and of the SAM CLI (samcli/lib/build/
// app_builder.py: the Makefile is <ContextPath>/Makefile when the resolved Metadata
// has ContextPath, else <CodeUri>/Makefile; the architecture goes to the builder
// only to validate, never to make). The SAM CLI is not installed here, so this is
// that sequence replayed. The environment carries GOARCH, GOOS and ARCH for the
// other architecture, as a user's shell might: the template alone must decide.
func TestTemplateBuildTargets(t *testing.T) {
	root := repoRoot(t)
	resources := loadTemplate(t, root)
	var built int
	for _, arch := range []struct {
		name, otherGoarch, other string
		mach                     elf.Machine
	}{{"x86_64", "arm64", "arm64", elf.EM_X86_64}, {"arm64", "amd64", "x86_64", elf.EM_AARCH64}} {
		scratch := copySource(t, root)
		for id, r := range resources {
			var want []string
			switch r.Type {
			case "AWS::Serverless::Function":
				want = []string{"bootstrap"}
				if rt := scalar(r.Properties, "Runtime"); rt != "" && rt != "provided.al2023" {
					t.Errorf("%s: Runtime %s, want provided.al2023 (from Globals)", id, rt)
				}
			case "AWS::Serverless::LayerVersion":
				want = layerFiles
				// SAM warns when BuildArchitecture is not among CompatibleArchitectures,
				// and uses it to pick a build image.
				if got := resolved(t, r.Metadata, "BuildArchitecture", arch.name); got != arch.name {
					t.Errorf("%s: BuildArchitecture resolves to %q with Architecture=%s", id, got, arch.name)
				}
			default:
				continue
			}
			if got := resolved(t, r.Metadata, "BuildMethod", arch.name); got != "makefile" {
				t.Errorf("%s: BuildMethod %q, want makefile", id, got)
				continue
			}
			makefile := filepath.Join(root, resolved(t, r.Metadata, "ContextPath", arch.name), "Makefile")
			t.Run(id+"/"+arch.name, func(t *testing.T) {
				out := t.TempDir()
				cmd := exec.Command("make", "--makefile", makefile, "build-"+id)
				cmd.Dir = scratch
				cmd.Env = append(os.Environ(), "ARTIFACTS_DIR="+out,
					"GOARCH="+arch.otherGoarch, "GOOS=darwin", "ARCH="+arch.other)
				if b, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("make --makefile %s build-%s: %v\n%s", makefile, id, err, b)
				}
				for _, f := range want {
					assertStaticELF(t, filepath.Join(out, filepath.FromSlash(f)), arch.mach)
				}
			})
			if arch.name == "x86_64" {
				built++
			}
		}
	}
	if built < 6 {
		t.Fatalf("template has %d functions and layers with a makefile build, want the layer, four rotators and the example", built)
	}
}

// copySource copies the repository as sam build's CopySourceAction does, without
// .git and .aws-sam (and, to keep the test quick, without dist/, which holds only
// build output), to a new directory.
func copySource(t *testing.T, root string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		switch rel {
		case ".git", ".aws-sam", "dist", filepath.Join("layer", "extensions"):
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil // a worktree's .git is a file
		}
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case info.Mode().IsRegular():
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			return os.WriteFile(target, b, info.Mode().Perm())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
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
