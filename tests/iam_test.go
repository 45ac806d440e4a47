package tests

import (
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// kmsImplicit are actions no code calls: Secrets Manager and Parameter Store call
// KMS with the caller's permissions when a value is under a customer managed key.
// A policy may grant them; neither the docs nor a template need derive them.
var kmsImplicit = []string{"kms:Decrypt", "kms:GenerateDataKey"}

// buildTargets reads the Makefile's sam build targets: logical id → main package.
func buildTargets(t *testing.T, root string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	targets := map[string]string{}
	for _, m := range regexp.MustCompile(`\$\(call sam_function,(\w+),([\w./-]+)\)`).FindAllStringSubmatch(string(b), -1) {
		targets[m[1]] = "./" + m[2]
	}
	for _, m := range regexp.MustCompile(`(?m)^build-(\w+):\n(?:\t.*\n)*?\t.*\) build .* (\./[\w/-]+)\n`).FindAllStringSubmatch(string(b), -1) {
		targets[m[1]] = m[2]
	}
	if len(targets) < 6 {
		t.Fatalf("Makefile has build targets %v, want the layer, four rotators and the example", targets)
	}
	return targets
}

// iamRow is one row of a README's IAM permissions table.
type iamRow struct {
	key     string   // the first cell: routes, settings or a step
	actions []string // every `service:Action` in the other cells
}

var reAction = regexp.MustCompile("`([a-z0-9-]+:[A-Z][A-Za-z0-9]*)`")

// iamTable reads the table under "## IAM permissions" in a README.
func iamTable(t *testing.T, root, readme string) []iamRow {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, readme))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## IAM permissions\n")
	if !ok {
		t.Fatalf("%s has no IAM permissions section", readme)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	var rows []iamRow
	for _, line := range strings.Split(section, "\n") {
		cells := strings.Split(strings.Trim(line, "| "), " | ")
		if !strings.HasPrefix(line, "|") || len(cells) < 2 || strings.HasPrefix(cells[0], "---") {
			continue
		}
		var actions []string
		for _, c := range cells[1:] {
			for _, m := range reAction.FindAllStringSubmatch(c, -1) {
				actions = append(actions, m[1])
			}
		}
		if len(actions) > 0 {
			rows = append(rows, iamRow{key: cells[0], actions: actions})
		}
	}
	if len(rows) == 0 {
		t.Fatalf("%s: the IAM permissions section has no table of actions", readme)
	}
	return rows
}

func allActions(rows []iamRow) []string {
	var all []string
	for _, r := range rows {
		all = append(all, r.actions...)
	}
	return slices.Compact(slices.Sorted(slices.Values(all)))
}

// condStatement is an IAM statement of a role and the condition (an !If's) it
// depends on, "" when it always applies.
type condStatement struct {
	condition string
	statement any
}

// roleStatements returns every statement of an AWS::IAM::Role's inline policies,
// unwrapping !If [condition, policy, !Ref AWS::NoValue].
func roleStatements(role any) []condStatement {
	var out []condStatement
	policies, _ := m(role, "Properties", "Policies").([]any)
	for _, p := range policies {
		cond := ""
		if alt, ok := p.([]any); ok && len(alt) == 3 {
			cond, _ = alt[0].(string)
			p = alt[1]
		}
		statements, _ := m(p, "PolicyDocument", "Statement").([]any)
		for _, s := range statements {
			out = append(out, condStatement{cond, s})
		}
	}
	return out
}

// actionsOf returns a statement's Action, one string or a list.
func actionsOf(statement any) []string {
	switch a := m(statement, "Action").(type) {
	case string:
		return []string{a}
	case []any:
		var out []string
		for _, x := range a {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// extensionRoutes returns the extension routes a function's code requests: every
// string literal in its module's packages that starts with one of the extension's
// path prefixes, up to its query.
func extensionRoutes(t *testing.T, root, pkg string) []string {
	t.Helper()
	var routes []string
	dir := filepath.Join(root, filepath.FromSlash(pkg))
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, file, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			for _, prefix := range []string{"/secretsmanager/", "/systemsmanager/", "/v1/"} {
				if strings.HasPrefix(s, prefix) {
					route, _, _ := strings.Cut(s, "?")
					routes = append(routes, route)
				}
			}
			return true
		})
	}
	return slices.Compact(slices.Sorted(slices.Values(routes)))
}

// TestIAMCoversEverySDKCall derives, from the Go source, every AWS action each
// deployed binary can perform (tests/sdkcalls_test.go) and holds the IAM
// documentation and template.yaml to it:
//
//   - extension/README.md's IAM table lists every action the extension calls, and
//     rotators/README.md's every action a rotator calls; neither lists an action of
//     these services that no code calls;
//   - each function's role in template.yaml grants, unconditionally, every action its
//     own code calls, plus — for a function with the layer — the extension's actions
//     for the routes its code requests and the prefetch variables it sets, as the
//     extension's table gives them; and it grants nothing else (KMS aside, which the
//     services use on the caller's behalf).
//
// A new SDK call anywhere in a deployed binary's code fails this test, naming the
// action and where the code names it, until the docs and the template cover it.
func TestIAMCoversEverySDKCall(t *testing.T) {
	root := repoRoot(t)
	targets := buildTargets(t, root)
	mains := slices.Compact(slices.Sorted(maps.Values(targets)))
	calls := deployedSDKCalls(t, root, mains...)

	ext := calls["./extension"]
	for _, want := range []string{"secretsmanager:GetSecretValue", "ssm:GetParameter"} {
		if _, ok := ext[want]; !ok {
			t.Fatalf("derived %v for the extension, without %s: the derivation is broken", slices.Sorted(maps.Keys(ext)), want)
		}
	}
	t.Logf("the extension calls %v", slices.Sorted(maps.Keys(ext)))

	docs := map[string][]iamRow{
		"extension/README.md": iamTable(t, root, "extension/README.md"),
		"rotators/README.md":  iamTable(t, root, "rotators/README.md"),
	}
	docOf := func(pkg string) string {
		if strings.HasPrefix(pkg, "./rotators/") {
			return "rotators/README.md"
		}
		return "extension/README.md"
	}
	documented := map[string]map[string]bool{} // readme → actions some code it covers calls
	for _, pkg := range mains {
		if pkg != "./extension" && !strings.HasPrefix(pkg, "./rotators/") {
			if len(calls[pkg]) > 0 {
				t.Errorf("%s calls %v itself; give it an IAM section or move the calls to the extension", pkg, slices.Sorted(maps.Keys(calls[pkg])))
			}
			continue
		}
		readme := docOf(pkg)
		if documented[readme] == nil {
			documented[readme] = map[string]bool{}
		}
		listed := allActions(docs[readme])
		for action, at := range calls[pkg] {
			documented[readme][action] = true
			if !slices.Contains(listed, action) {
				t.Errorf("%s calls %s (named at %s), which %s's IAM permissions table does not list", pkg, action, at, readme)
			}
		}
		if strings.HasPrefix(pkg, "./rotators/") {
			t.Logf("%s calls %v", pkg, slices.Sorted(maps.Keys(calls[pkg])))
		}
	}
	for readme, rows := range docs {
		for _, action := range allActions(rows) {
			if !documented[readme][action] && !slices.Contains(kmsImplicit, action) {
				t.Errorf("%s's IAM table lists %s, which no code it covers calls", readme, action)
			}
		}
	}

	raw, err := os.ReadFile(filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var tpl map[string]any
	if err := yaml.Unmarshal(raw, &tpl); err != nil {
		t.Fatal(err)
	}
	resources, _ := m(tpl, "Resources").(map[string]any)
	for id, pkg := range targets {
		if m(resources, id, "Type") != "AWS::Serverless::Function" {
			continue
		}
		t.Run(id, func(t *testing.T) {
			props := m(resources, id, "Properties")
			roleRef, _ := m(props, "Role").(string)
			roleID, ok := strings.CutSuffix(roleRef, ".Arn")
			if !ok || m(resources, roleID, "Type") != "AWS::IAM::Role" {
				t.Fatalf("Role = %v, want !GetAtt of a role in this template", m(props, "Role"))
			}
			if m(props, "Policies") != nil {
				t.Error("Policies is set beside Role: SAM ignores one of them")
			}
			need := map[string]string{} // action → why
			for action, at := range calls[pkg] {
				need[action] = "the code calls it at " + at
			}
			if layers, _ := m(props, "Layers").([]any); slices.Contains(layers, any("ParamSecretsLayer")) {
				var keys []string
				for _, route := range extensionRoutes(t, root, strings.TrimPrefix(pkg, "./")) {
					keys = append(keys, route)
				}
				vars, _ := m(props, "Environment", "Variables").(map[string]any)
				for v := range vars {
					if strings.HasPrefix(v, "PARAMETERS_SECRETS_EXTENSION_PREFETCH_") {
						keys = append(keys, v)
					}
				}
				if len(keys) == 0 {
					t.Fatal("the function has the layer but requests no extension route: the route scan is broken")
				}
				for _, key := range keys {
					found := false
					for _, row := range docs["extension/README.md"] {
						if strings.Contains(row.key, "`"+key+"`") {
							found = true
							for _, a := range row.actions {
								need[a] = "the extension needs it for " + key
							}
						}
					}
					if !found {
						t.Errorf("the function uses %s, which extension/README.md's IAM table does not list", key)
					}
				}
			}
			granted := map[string]bool{}
			for _, st := range roleStatements(m(resources, roleID)) {
				if m(st.statement, "Effect") != "Allow" {
					continue
				}
				for _, a := range actionsOf(st.statement) {
					if st.condition == "" {
						granted[a] = true
					}
					if _, ok := need[a]; !ok && !slices.Contains(kmsImplicit, a) {
						t.Errorf("%s grants %s, which nothing the function runs calls", roleID, a)
					}
				}
			}
			for _, a := range slices.Sorted(maps.Keys(need)) {
				if !granted[a] && !slices.Contains(kmsImplicit, a) {
					t.Errorf("%s does not grant %s (%s)", roleID, a, need[a])
				}
			}
		})
	}
}
