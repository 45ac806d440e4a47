package tests

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// m walks a decoded YAML document; CloudFormation's short-form tags decode to
// their operands (!Ref X → "X", !GetAtt X.Arn → "X.Arn").
func m(v any, keys ...string) any {
	for _, k := range keys {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[k]
	}
	return v
}

// TestTemplateWiring checks what a deployer relies on and cfn-lint cannot
// know: every function runs provided.al2023 from a bootstrap on the chosen
// architecture; each rotator has its own role whose rotation statement names its
// own fixed function name; Secrets Manager may invoke each rotator from this
// account only; alternating rotators (only they) may read their engine's master
// secret; no statement grants on every resource; and the stack outputs the layer
// and every rotator.
func TestTemplateWiring(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var tpl map[string]any
	if err := yaml.Unmarshal(raw, &tpl); err != nil {
		t.Fatal(err)
	}
	fn := m(tpl, "Globals", "Function")
	if m(fn, "Runtime") != "provided.al2023" || m(fn, "Handler") != "bootstrap" {
		t.Errorf("Globals.Function Runtime/Handler = %v/%v, want provided.al2023/bootstrap", m(fn, "Runtime"), m(fn, "Handler"))
	}
	if archs, _ := m(fn, "Architectures").([]any); len(archs) != 1 || archs[0] != "Architecture" {
		t.Errorf("Globals.Function.Architectures = %v, want [!Ref Architecture]", m(fn, "Architectures"))
	}
	resources, _ := m(tpl, "Resources").(map[string]any)
	rotators := map[string]bool{ // logical id → alternating users
		"PostgresSingleUserRotator": false, "PostgresAlternatingUsersRotator": true,
		"MySQLSingleUserRotator": false, "MySQLAlternatingUsersRotator": true,
	}
	for id, alternating := range rotators {
		t.Run(id, func(t *testing.T) {
			props := m(resources, id, "Properties")
			name := m(props, "FunctionName")
			if name == nil {
				t.Fatal("no fixed FunctionName: the rotation policy cannot name the function")
			}
			if m(props, "Role") != id+"Role.Arn" {
				t.Fatalf("Role = %v, want its own %sRole", m(props, "Role"), id)
			}
			var rotationPolicy, masterRead bool
			for _, st := range roleStatements(m(resources, id+"Role")) {
				// The rotation statement is limited to the secrets whose rotation
				// function is this one, by its fixed name.
				lambda, _ := m(st.statement, "Condition", "StringEquals", "secretsmanager:resource/AllowRotationLambdaArn").(string)
				if strings.HasSuffix(lambda, ":function:"+name.(string)) && st.condition == "" {
					rotationPolicy = true
				}
				if strings.HasSuffix(st.condition, "MasterSecret") && slices.Contains(actionsOf(st.statement), "secretsmanager:GetSecretValue") {
					masterRead = true
				}
			}
			if !rotationPolicy {
				t.Errorf("no statement limited to secrets rotated by %v", name)
			}
			if masterRead != alternating {
				t.Errorf("read access to the master secret = %v, want %v", masterRead, alternating)
			}
			perm := m(resources, id+"Permission", "Properties")
			if m(perm, "FunctionName") != id+".Arn" || m(perm, "Principal") != "secretsmanager.amazonaws.com" ||
				m(perm, "Action") != "lambda:InvokeFunction" || m(perm, "SourceAccount") != "AWS::AccountId" {
				t.Errorf("%sPermission = %v, want Secrets Manager allowed to invoke it from this account", id, perm)
			}
			if m(tpl, "Outputs", id+"Arn", "Value") != id+".Arn" {
				t.Errorf("no output %sArn", id)
			}
		})
	}
	if m(tpl, "Outputs", "LayerArn", "Value") != "ParamSecretsLayer" {
		t.Error("no LayerArn output")
	}
	if layers, _ := m(resources, "ExampleFunction", "Properties", "Layers").([]any); !slices.Contains(layers, any("ParamSecretsLayer")) {
		t.Errorf("ExampleFunction layers = %v, want the paramsecrets layer", layers)
	}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			// BatchGetSecretValue is the one action here with no resource type:
			// IAM takes it only on "*", and Secrets Manager then checks
			// GetSecretValue secret by secret.
			if v["Effect"] == "Allow" && (v["Resource"] == "*" || slices.Contains(asSlice(v["Resource"]), any("*"))) &&
				v["Action"] != "secretsmanager:BatchGetSecretValue" {
				t.Errorf("%s allows %v on every resource", path, v["Action"])
			}
			for k, c := range v {
				walk(path+"."+k, c)
			}
		case []any:
			for _, c := range v {
				walk(path, c)
			}
		}
	}
	walk("Resources", resources)
}

func asSlice(v any) []any { s, _ := v.([]any); return s }
