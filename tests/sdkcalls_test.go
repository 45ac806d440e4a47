package tests

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// sdkPrefix is the import path prefix of aws-sdk-go-v2's service clients.
const sdkPrefix = "github.com/aws/aws-sdk-go-v2/service/"

// iamPrefixes maps an aws-sdk-go-v2 service package to its IAM action prefix where
// the two differ. Every service the code imports must resolve to a prefix: one that
// is not listed and not known here fails the test, so a new service cannot slip by.
var iamPrefixes = map[string]string{
	"secretsmanager": "secretsmanager",
	"ssm":            "ssm",
	"sts":            "sts",
	"rds":            "rds",
	"kms":            "kms",
	"lambda":         "lambda",
	"iam":            "iam",
	"ec2":            "ec2",
	"cloudwatch":     "cloudwatch",
}

// indirect are SDK entry points that make calls without naming the operation's
// input type: each maps "importpath.Func" to the action it performs.
var indirect = map[string]string{
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds.NewAssumeRoleProvider":      "sts:AssumeRole",
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds.NewWebIdentityRoleProvider": "sts:AssumeRoleWithWebIdentity",
	"github.com/aws/aws-sdk-go-v2/feature/rds/auth.BuildAuthToken":                 "rds-db:connect",
}

// sdkCall is one AWS action the code can perform, and where it is named.
type sdkCall struct {
	action string // IAM action, e.g. "secretsmanager:GetSecretValue"
	at     string // file:line of the first reference
}

// operation patterns: every call of a service operation names its input type
// (FooInput), and the SDK's narrow interfaces and paginators name the operation
// too (FooAPIClient, NewFooPaginator).
var (
	reInput     = regexp.MustCompile(`^([A-Z][A-Za-z0-9]*)Input$`)
	reAPIClient = regexp.MustCompile(`^([A-Z][A-Za-z0-9]*)APIClient$`)
	rePaginator = regexp.MustCompile(`^New([A-Z][A-Za-z0-9]*)Paginator$`)
	reWaiter    = regexp.MustCompile(`^New([A-Z][A-Za-z0-9]*)Waiter$`)
)

// sdkCallsIn returns the AWS actions named in src (one Go file): every reference to
// an operation of an aws-sdk-go-v2 service package through that package's name
// (secretsmanager.GetSecretValueInput, ssm.GetParametersByPathAPIClient,
// secretsmanager.NewBatchGetSecretValuePaginator) and every indirect entry point.
// Unknown shapes — a waiter, a service with no IAM prefix here — are errors, so
// that the list can only be complete or fail.
func sdkCallsIn(fset *token.FileSet, filename string, src []byte) ([]sdkCall, error) {
	f, err := parser.ParseFile(fset, filename, src, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	imports := map[string]string{} // local name → import path
	for _, imp := range f.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		name := path.Base(p)
		if imp.Name != nil {
			name = imp.Name.Name
		}
		imports[name] = p
	}
	var calls []sdkCall
	var errs []error
	ast.Inspect(f, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		id, ok := sel.X.(*ast.Ident)
		if !ok {
			return true
		}
		p, ok := imports[id.Name]
		if !ok {
			return true
		}
		at := fset.Position(sel.Pos()).String()
		if action, ok := indirect[p+"."+sel.Sel.Name]; ok {
			calls = append(calls, sdkCall{action, at})
			return true
		}
		svc, ok := strings.CutPrefix(p, sdkPrefix)
		if !ok || strings.Contains(svc, "/") { // not a service client (types, internal, ...)
			return true
		}
		name := sel.Sel.Name
		var op string
		for _, re := range []*regexp.Regexp{reInput, reAPIClient, rePaginator} {
			if m := re.FindStringSubmatch(name); m != nil {
				op = m[1]
				break
			}
		}
		if reWaiter.MatchString(name) {
			errs = append(errs, fmt.Errorf("%s: %s.%s is a waiter: add the operation it polls to this test", at, svc, name))
			return true
		}
		if op == "" {
			return true
		}
		prefix, ok := iamPrefixes[svc]
		if !ok {
			errs = append(errs, fmt.Errorf("%s: service package %s has no IAM prefix in this test's iamPrefixes", at, svc))
			return true
		}
		calls = append(calls, sdkCall{prefix + ":" + op, at})
		return true
	})
	if len(errs) > 0 {
		return nil, fmt.Errorf("%v", errs)
	}
	return calls, nil
}

// goPackage is what `go list -json` says about one package of a build.
type goPackage struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	Module     *struct{ Main bool }
}

// deployedSDKCalls returns, for each main package given (e.g. "./extension"), the
// AWS actions its Lambda build can perform: the SDK operations named anywhere in
// the non-test Go files of this module that the package links (as built for
// Lambda: GOOS=linux, -tags lambda.norpc), each with where it is named.
func deployedSDKCalls(t *testing.T, root string, mains ...string) map[string]map[string]string {
	t.Helper()
	fset := token.NewFileSet()
	parsed := map[string][]sdkCall{} // file → its calls
	out := map[string]map[string]string{}
	for _, main := range mains {
		cmd := exec.Command("go", "list", "-deps", "-json=ImportPath,Dir,GoFiles,Module", "-tags", "lambda.norpc", main)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "GOOS=linux", "CGO_ENABLED=0")
		b, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list %s: %v", main, err)
		}
		actions := map[string]string{}
		dec := json.NewDecoder(bytes.NewReader(b))
		for dec.More() {
			var p goPackage
			if err := dec.Decode(&p); err != nil {
				t.Fatal(err)
			}
			if p.Module == nil || !p.Module.Main {
				continue // only our code: the SDK itself is what is being called
			}
			for _, name := range p.GoFiles {
				file := filepath.Join(p.Dir, name)
				calls, seen := parsed[file]
				if !seen {
					src, err := os.ReadFile(file)
					if err != nil {
						t.Fatal(err)
					}
					if calls, err = sdkCallsIn(fset, file, src); err != nil {
						t.Fatal(err)
					}
					parsed[file] = calls
				}
				for _, c := range calls {
					if _, ok := actions[c.action]; !ok {
						rel, _ := filepath.Rel(root, c.at)
						actions[c.action] = rel
					}
				}
			}
		}
		out[main] = actions
	}
	return out
}

// TestSDKCallDerivationSeesEveryShape proves the derivation on code written the
// ways the suite calls the SDK — and the ways it might tomorrow — so that the IAM
// test below cannot pass by seeing nothing.
func TestSDKCallDerivationSeesEveryShape(t *testing.T) {
	src := `package x
import (
	"context"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
)
type seam interface {
	GetSecretValue(context.Context, *sm.GetSecretValueInput, ...func(*sm.Options)) (*sm.GetSecretValueOutput, error)
	ssm.GetParametersByPathAPIClient
}
func f(c *ssm.Client, r *rds.Client) {
	c.GetParameters(context.TODO(), &ssm.GetParametersInput{})
	_ = sm.NewBatchGetSecretValuePaginator(nil, nil)
	r.DescribeDBClusters(context.TODO(), &rds.DescribeDBClustersInput{})
	_ = stscreds.NewAssumeRoleProvider(nil, "arn")
	var _ types.Parameter
}`
	calls, err := sdkCallsIn(token.NewFileSet(), "x.go", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range calls {
		got = append(got, c.action)
	}
	got = slices.Compact(slices.Sorted(slices.Values(got)))
	want := []string{"rds:DescribeDBClusters", "secretsmanager:BatchGetSecretValue", "secretsmanager:GetSecretValue",
		"ssm:GetParameters", "ssm:GetParametersByPath", "sts:AssumeRole"}
	if !slices.Equal(got, want) {
		t.Errorf("derived %q, want %q", got, want)
	}

	for name, src := range map[string]string{
		"a waiter":        `package x; import "github.com/aws/aws-sdk-go-v2/service/rds"; var _ = rds.NewDBInstanceAvailableWaiter`,
		"unknown service": `package x; import "github.com/aws/aws-sdk-go-v2/service/dynamodb"; var _ dynamodb.GetItemInput`,
	} {
		if _, err := sdkCallsIn(token.NewFileSet(), "x.go", []byte(src)); err == nil {
			t.Errorf("%s: no error; the derivation would miss an action", name)
		}
	}
}
