package tests

import (
	"bytes"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/paramsecrets/paramsecrets/internal/demo/sandbox"
	"github.com/paramsecrets/paramsecrets/localaws"
)

// TestSAMLocalFiles checks that the files events/README.md hands to
// `sam local` agree with template.yaml and with each other: env.json names
// real functions and only variables the template declares (sam local
// silently ignores any other), and localaws-seed.json loads and holds every
// secret, parameter and function the events and env.json refer to.
func TestSAMLocalFiles(t *testing.T) {
	root := repoRoot(t)
	declared := declaredVariables(t, root)

	var env map[string]map[string]string
	readJSON(t, filepath.Join(root, "events", "env.json"), &env)
	for fn, vars := range env {
		names, ok := declared[fn]
		if !ok {
			t.Errorf("env.json: %s is not a function in template.yaml", fn)
			continue
		}
		for name := range vars {
			if !names[name] {
				t.Errorf("env.json: %s.%s is not declared in template.yaml, so sam local ignores it", fn, name)
			}
		}
	}

	seedPath := filepath.Join(root, "events", "localaws-seed.json")
	raw, err := os.ReadFile(seedPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := localaws.NewServer(localaws.Options{}).LoadSeed(bytes.NewReader(raw)); err != nil {
		t.Fatalf("localaws-seed.json does not load: %v", err)
	}
	var seed localaws.Seed
	if err := json.Unmarshal(raw, &seed); err != nil {
		t.Fatal(err)
	}
	secrets := map[string]localaws.SeedSecret{}
	for _, s := range seed.Secrets {
		secrets[s.Name] = s
	}
	if _, ok := secrets[env["ExampleFunction"]["SECRET_ID"]]; !ok {
		t.Errorf("env.json's ExampleFunction SECRET_ID %q is not in the seed", env["ExampleFunction"]["SECRET_ID"])
	}
	if len(seed.Parameters) == 0 || seed.Parameters[0].Name != env["ExampleFunction"]["PARAMETER_NAME"] {
		t.Errorf("the seed lacks the parameter env.json's ExampleFunction reads")
	}
	for _, r := range sandbox.Rotators() {
		s, ok := secrets[r.SecretName()]
		if !ok {
			t.Errorf("the seed lacks %s, which events/%s/ rotates", r.SecretName(), r.Name)
			continue
		}
		if s.RotationLambdaARN != r.FunctionARN() {
			t.Errorf("%s: rotationLambdaArn %q, want %q", r.SecretName(), s.RotationLambdaARN, r.FunctionARN())
		}
		u, err := url.Parse(seed.Functions[r.FunctionARN()])
		if err != nil || u.Path != "/2015-03-31/functions/"+r.LogicalID+"/invocations" {
			t.Errorf("function %s maps to %q, want sam local start-lambda's URL for %s", r.FunctionARN(), seed.Functions[r.FunctionARN()], r.LogicalID)
		}
		if _, ok := declared[r.LogicalID]; !ok {
			t.Errorf("%s: no function %s in template.yaml", r.Name, r.LogicalID)
		}
		var v struct {
			Engine    string `json:"engine"`
			MasterARN string `json:"masterarn"`
		}
		if err := json.Unmarshal([]byte(*s.SecretString), &v); err != nil {
			t.Fatalf("%s: %v", r.SecretName(), err)
		}
		if r.Alternating && v.MasterARN != sandbox.PartialSecretARN(sandbox.MasterSecretName(r.Engine)) {
			t.Errorf("%s: masterarn %q, want the seeded master secret", r.SecretName(), v.MasterARN)
		}
	}

	// The RDS chapter: the user secret names the managed master secret, whose tag names
	// a declared instance, and the secret is rotated by the events' rotator.
	rdsUser, managed := secrets[sandbox.RDSSecretName], secrets[sandbox.ManagedMasterSecretName]
	var v struct {
		MasterARN string `json:"masterarn"`
	}
	if rdsUser.SecretString == nil || json.Unmarshal([]byte(*rdsUser.SecretString), &v) != nil ||
		v.MasterARN != sandbox.PartialSecretARN(sandbox.ManagedMasterSecretName) || rdsUser.RotationLambdaARN != sandbox.RDSRotator().FunctionARN() {
		t.Errorf("the seed's %s does not name %s as masterarn and %s as its function", sandbox.RDSSecretName, sandbox.ManagedMasterSecretName, sandbox.RDSRotator().FunctionARN())
	}
	var keys map[string]any
	if managed.SecretString == nil || json.Unmarshal([]byte(*managed.SecretString), &keys) != nil || len(keys) != 2 {
		t.Errorf("the seed's %s is not a managed master secret (username and password only)", sandbox.ManagedMasterSecretName)
	}
	tagged := false
	for _, tag := range managed.Tags {
		tagged = tagged || tag.Key == "aws:rds:primarydbinstancearn" && tag.Value == sandbox.RDSInstanceARN()
	}
	instance := seed.RDS != nil && len(seed.RDS.Instances) == 1 && seed.RDS.Instances[0].ID == sandbox.RDSInstanceID
	if !tagged || !instance {
		t.Errorf("the seed's %s is not tagged with %s, or the seed does not declare that instance", sandbox.ManagedMasterSecretName, sandbox.RDSInstanceARN())
	}
}

// declaredVariables returns, per function in template.yaml, the names of
// its Environment.Variables (Globals included).
func declaredVariables(t *testing.T, root string) map[string]map[string]bool {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	type env struct {
		Environment struct {
			Variables map[string]yaml.Node `yaml:"Variables"`
		} `yaml:"Environment"`
	}
	var tpl struct {
		Globals struct {
			Function env `yaml:"Function"`
		} `yaml:"Globals"`
		Resources map[string]struct {
			Type       string `yaml:"Type"`
			Properties env    `yaml:"Properties"`
		} `yaml:"Resources"`
	}
	if err := yaml.Unmarshal(raw, &tpl); err != nil {
		t.Fatalf("template.yaml: %v", err)
	}
	out := map[string]map[string]bool{}
	for id, r := range tpl.Resources {
		if r.Type != "AWS::Serverless::Function" {
			continue
		}
		names := map[string]bool{}
		for n := range tpl.Globals.Function.Environment.Variables {
			names[n] = true
		}
		for n := range r.Properties.Environment.Variables {
			names[n] = true
		}
		out[id] = names
	}
	return out
}

// readJSON decodes the JSON file at path into v.
func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
