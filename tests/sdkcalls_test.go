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

// targetPrefixes maps the X-Amz-Target prefix of a JSON-protocol service to
// its IAM action prefix, for code that calls operations by their target
// (extension/upstream). A target of a service not listed here fails the test.
var targetPrefixes = map[string]string{
	"secretsmanager": "secretsmanager",
	"AmazonSSM":      "ssm",
	"TrentService":   "kms",
}

// queryVersions maps the API version of a Query-protocol service to its IAM
// action prefix, for code that calls operations by the form's Action and
// Version (extension/upstream's "Action=AssumeRole&Version=2011-06-15"). A
// version not listed here fails the test.
var queryVersions = map[string]string{
	"2011-06-15": "sts",
	"2014-10-31": "rds",
}

// reQueryOp is a Query-protocol operation named as its form: "Action=Op&Version=V".
var reQueryOp = regexp.MustCompile(`^Action=([A-Za-z0-9]*)&Version=([0-9-]+)$`)

// reTarget is an X-Amz-Target, "Prefix.Operation", or its prefix alone
// followed by a dot (a target built at run time).
var reTarget = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9_]*)\.([A-Z][A-Za-z0-9]*)?$`)

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
// secretsmanager.NewBatchGetSecretValuePaginator) and every indirect entry point;
// and, when its package sends requests by X-Amz-Target itself (targets, see
// speaksTargets), every string literal that is a target
// ("secretsmanager.GetSecretValue", "AmazonSSM.GetParameter").
// Unknown shapes — a waiter, a service with no IAM prefix here, a target of an
// unknown service or one built at run time — are errors, so that the list can
// only be complete or fail.
func sdkCallsIn(fset *token.FileSet, filename string, src []byte, targets bool) ([]sdkCall, error) {
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
		if lit, ok := n.(*ast.BasicLit); ok && targets && lit.Kind == token.STRING {
			v, _ := strconv.Unquote(lit.Value)
			if q := reQueryOp.FindStringSubmatch(v); q != nil {
				at := fset.Position(lit.Pos()).String()
				prefix, ok := queryVersions[q[2]]
				switch {
				case !ok:
					errs = append(errs, fmt.Errorf("%s: %q is a Query operation of an API version with no IAM prefix in this test's queryVersions", at, v))
				case !regexp.MustCompile(`^[A-Z]`).MatchString(q[1]):
					errs = append(errs, fmt.Errorf("%s: %q names no operation: name each operation's Action in full", at, v))
				default:
					calls = append(calls, sdkCall{prefix + ":" + q[1], at})
				}
				return true
			}
			if strings.HasPrefix(v, "Action=") || strings.Contains(v, "&Version=") {
				errs = append(errs, fmt.Errorf("%s: %q builds a Query operation at run time: name each operation as \"Action=Op&Version=V\" in full",
					fset.Position(lit.Pos()), v))
				return true
			}
			m := reTarget.FindStringSubmatch(v)
			if m == nil {
				return true
			}
			at := fset.Position(lit.Pos()).String()
			prefix, ok := targetPrefixes[m[1]]
			switch {
			case m[2] == "" && ok:
				errs = append(errs, fmt.Errorf("%s: %q builds an X-Amz-Target at run time: name each operation's target in full", at, v))
			case m[2] == "": // "ssm.": a host name, say
			case !ok:
				errs = append(errs, fmt.Errorf("%s: %q is an X-Amz-Target of a service with no IAM prefix in this test's targetPrefixes", at, v))
			default:
				calls = append(calls, sdkCall{prefix + ":" + m[2], at})
			}
			return true
		}
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

// speaksTargets reports whether src names the X-Amz-Target header or the
// Query protocol's form content type: its package then sends requests
// itself, each operation named by its target ("secretsmanager.GetSecretValue")
// or its form ("Action=AssumeRole&Version=2011-06-15").
func speaksTargets(fset *token.FileSet, filename string, src []byte) (bool, error) {
	f, err := parser.ParseFile(fset, filename, src, parser.SkipObjectResolution)
	if err != nil {
		return false, err
	}
	found := false
	ast.Inspect(f, func(n ast.Node) bool {
		if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			v, _ := strconv.Unquote(lit.Value)
			found = found || strings.EqualFold(v, "X-Amz-Target") || v == "application/x-www-form-urlencoded"
		}
		return !found
	})
	return found, nil
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
			srcs := map[string][]byte{}
			targets := false
			for _, name := range p.GoFiles {
				file := filepath.Join(p.Dir, name)
				src, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				srcs[file] = src
				speaks, err := speaksTargets(fset, file, src)
				if err != nil {
					t.Fatal(err)
				}
				targets = targets || speaks
			}
			for _, name := range p.GoFiles {
				file := filepath.Join(p.Dir, name)
				calls, seen := parsed[file]
				if !seen {
					var err error
					if calls, err = sdkCallsIn(fset, file, srcs[file], targets); err != nil {
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
	calls, err := sdkCallsIn(token.NewFileSet(), "x.go", []byte(src), false)
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
		if _, err := sdkCallsIn(token.NewFileSet(), "x.go", []byte(src), false); err == nil {
			t.Errorf("%s: no error; the derivation would miss an action", name)
		}
	}

	// A package that sends requests by X-Amz-Target names each operation's
	// target; every one is an action, and a dotted literal that is not a
	// known service's target is an error.
	targetSrc := `package x
const header = "X-Amz-Target"
const (
	getSecret = "secretsmanager.GetSecretValue"
	byPath    = "AmazonSSM.GetParametersByPath"
	assume    = "Action=AssumeRole&Version=2011-06-15"
	other     = "application/x-amz-json-1.1"
	host      = "amazonaws.com"
)`
	speaks, err := speaksTargets(token.NewFileSet(), "x.go", []byte(targetSrc))
	if err != nil || !speaks {
		t.Fatalf("speaksTargets = %v, %v; want true", speaks, err)
	}
	calls, err = sdkCallsIn(token.NewFileSet(), "x.go", []byte(targetSrc), true)
	if err != nil {
		t.Fatal(err)
	}
	got = nil
	for _, c := range calls {
		got = append(got, c.action)
	}
	if want := []string{"secretsmanager:GetSecretValue", "ssm:GetParametersByPath", "sts:AssumeRole"}; !slices.Equal(got, want) {
		t.Errorf("derived %q from targets, want %q", got, want)
	}
	if speaks, _ := speaksTargets(token.NewFileSet(), "x.go", []byte(src)); speaks {
		t.Error("speaksTargets is true for code that names no X-Amz-Target")
	}
	for name, src := range map[string]string{
		"an unknown service's target":      `package x; const t = "DynamoDB_20120810.GetItem"`,
		"a target built at run time":       `package x; func t(op string) string { return "AmazonSSM." + op }`,
		"an unknown Query version":         `package x; const q = "Action=ListUsers&Version=2010-05-08"`,
		"a Query Action built at run time": `package x; func q(op string) string { return "Action=" + op + "&Version=2011-06-15" }`,
	} {
		if _, err := sdkCallsIn(token.NewFileSet(), "x.go", []byte(src), true); err == nil {
			t.Errorf("%s: no error; the derivation would miss an action", name)
		}
	}
}
