package parameterstore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// conformanceCase is one behaviour AWS documents, written against the SDK
// client only so that it can run against any implementation. Each case
// works under its own path p so that cases share a server.
type conformanceCase struct {
	name string
	run  func(t *testing.T, c *ssm.Client, p string)
}

// conformanceCases is the suite shared by the in-process store and
// moto_server (moto_test.go); localaws/README.md explains the deviations.
var conformanceCases = []conformanceCase{
	{"put-get", func(t *testing.T, c *ssm.Client, p string) {
		v := mustPut(t, c, p+"/a", "v", types.ParameterTypeString)
		got := mustGet(t, c, p+"/a", false)
		if aws.ToString(got.Value) != "v" || got.Version != v || got.Type != types.ParameterTypeString ||
			aws.ToString(got.DataType) != "text" || aws.ToString(got.ARN) != "arn:aws:ssm:us-east-1:123456789012:parameter"+p+"/a" {
			t.Fatalf("got %+v", got)
		}
	}},
	{"overwrite-required", func(t *testing.T, c *ssm.Client, p string) {
		mustPut(t, c, p+"/a", "v", types.ParameterTypeString)
		_, err := c.PutParameter(context.Background(), &ssm.PutParameterInput{Name: aws.String(p + "/a"), Value: aws.String("w"), Type: types.ParameterTypeString})
		wantCode(t, err, "ParameterAlreadyExists")
	}},
	{"versions", func(t *testing.T, c *ssm.Client, p string) {
		var vs []int64
		for _, v := range []string{"1", "2", "3"} {
			vs = append(vs, mustPut(t, c, p+"/a", v, types.ParameterTypeString))
		}
		got := mustGet(t, c, fmt.Sprintf("%s/a:%d", p, vs[0]), false)
		if aws.ToString(got.Value) != "1" || got.Version != vs[0] || aws.ToString(got.Name) != p+"/a" {
			t.Fatalf("got %+v", got)
		}
		if got := mustGet(t, c, p+"/a", false); got.Version != vs[2] {
			t.Fatalf("latest version = %d, want %d", got.Version, vs[2])
		}
		_, err := c.GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String(fmt.Sprintf("%s/a:%d", p, vs[2]+6))})
		wantCode(t, err, "ParameterVersionNotFound")
	}},
	{"selector-field", func(t *testing.T, c *ssm.Client, p string) {
		mustPut(t, c, p+"/a", "1", types.ParameterTypeString)
		mustLabel(t, c, p+"/a", 1, "prod")
		for sel, want := range map[string]string{"": "", ":1": ":1", ":prod": ":prod"} {
			if got := aws.ToString(mustGet(t, c, p+"/a"+sel, false).Selector); got != want {
				t.Fatalf("Selector for %q = %q, want %q", sel, got, want)
			}
		}
	}},
	{"not-found", func(t *testing.T, c *ssm.Client, p string) {
		_, err := c.GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String(p + "/none")})
		wantCode(t, err, "ParameterNotFound")
	}},
	{"securestring", func(t *testing.T, c *ssm.Client, p string) {
		mustPut(t, c, p+"/s", "plaintext", types.ParameterTypeSecureString)
		if v := aws.ToString(mustGet(t, c, p+"/s", false).Value); strings.Contains(v, "plaintext") {
			t.Fatalf("value without decryption = %q", v)
		}
		if v := aws.ToString(mustGet(t, c, p+"/s", true).Value); v != "plaintext" {
			t.Fatalf("decrypted value = %q", v)
		}
	}},
	{"labels", func(t *testing.T, c *ssm.Client, p string) {
		v1 := mustPut(t, c, p+"/a", "1", types.ParameterTypeString)
		v2 := mustPut(t, c, p+"/a", "2", types.ParameterTypeString)
		mustLabel(t, c, p+"/a", v1, "prod")
		if v := aws.ToString(mustGet(t, c, p+"/a:prod", false).Value); v != "1" {
			t.Fatalf("value by label = %q", v)
		}
		mustLabel(t, c, p+"/a", v2, "prod")
		if v := aws.ToString(mustGet(t, c, p+"/a:prod", false).Value); v != "2" {
			t.Fatalf("label did not move: %q", v)
		}
	}},
	{"invalid-labels", func(t *testing.T, c *ssm.Client, p string) {
		v := mustPut(t, c, p+"/a", "1", types.ParameterTypeString)
		out, err := c.LabelParameterVersion(context.Background(), &ssm.LabelParameterVersionInput{Name: aws.String(p + "/a"), Labels: []string{"1st", "awsx", "ssmx", "good"}})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(out.InvalidLabels, ",") != "1st,awsx,ssmx" || out.ParameterVersion != v {
			t.Fatalf("got %+v", out)
		}
	}},
	{"label-limit", func(t *testing.T, c *ssm.Client, p string) {
		v := mustPut(t, c, p+"/a", "1", types.ParameterTypeString)
		for i := range 10 {
			mustLabel(t, c, p+"/a", v, fmt.Sprintf("l%d", i))
		}
		_, err := c.LabelParameterVersion(context.Background(), &ssm.LabelParameterVersionInput{Name: aws.String(p + "/a"), ParameterVersion: aws.Int64(v), Labels: []string{"l10"}})
		wantCode(t, err, "ParameterVersionLabelLimitExceeded")
	}},
	{"label-missing-version", func(t *testing.T, c *ssm.Client, p string) {
		mustPut(t, c, p+"/a", "1", types.ParameterTypeString)
		_, err := c.LabelParameterVersion(context.Background(), &ssm.LabelParameterVersionInput{Name: aws.String(p + "/a"), ParameterVersion: aws.Int64(5), Labels: []string{"x"}})
		wantCode(t, err, "ParameterVersionNotFound")
	}},
	{"label-missing-parameter", func(t *testing.T, c *ssm.Client, p string) {
		_, err := c.LabelParameterVersion(context.Background(), &ssm.LabelParameterVersionInput{Name: aws.String(p + "/none"), Labels: []string{"x"}})
		wantCode(t, err, "ParameterNotFound")
	}},
	{"get-parameters", func(t *testing.T, c *ssm.Client, p string) {
		mustPut(t, c, p+"/b", "b", types.ParameterTypeString)
		mustPut(t, c, p+"/a", "a", types.ParameterTypeString)
		out, err := c.GetParameters(context.Background(), &ssm.GetParametersInput{Names: []string{p + "/b", p + "/none", p + "/a"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Parameters) != 2 || strings.Join(out.InvalidParameters, ",") != p+"/none" {
			t.Fatalf("got %+v", out)
		}
	}},
	{"get-parameters-order", func(t *testing.T, c *ssm.Client, p string) {
		for _, n := range []string{"/c", "/a", "/b"} {
			mustPut(t, c, p+n, "v", types.ParameterTypeString)
		}
		out, err := c.GetParameters(context.Background(), &ssm.GetParametersInput{Names: []string{p + "/c", p + "/a", p + "/b"}})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, q := range out.Parameters {
			names = append(names, strings.TrimPrefix(aws.ToString(q.Name), p))
		}
		if strings.Join(names, ",") != "/a,/b,/c" {
			t.Fatalf("order = %v, want alphabetical", names)
		}
	}},
	{"by-path", func(t *testing.T, c *ssm.Client, p string) {
		for _, n := range []string{"/x/a", "/x/b", "/x/y/c", "/xx/d"} {
			mustPut(t, c, p+n, "v", types.ParameterTypeString)
		}
		if got := pathNames(t, c, p+"/x", false, 10); strings.Join(got, ",") != p+"/x/a,"+p+"/x/b" {
			t.Fatalf("one level = %v", got)
		}
		if got := pathNames(t, c, p+"/x", true, 1); strings.Join(got, ",") != p+"/x/a,"+p+"/x/b,"+p+"/x/y/c" {
			t.Fatalf("recursive, pages of 1 = %v", got)
		}
	}},
	{"by-path-max-results", func(t *testing.T, c *ssm.Client, p string) {
		_, err := c.GetParametersByPath(context.Background(), &ssm.GetParametersByPathInput{Path: aws.String(p), MaxResults: aws.Int32(11)})
		wantCode(t, err, "ValidationException")
	}},
	{"by-path-relative", func(t *testing.T, c *ssm.Client, p string) {
		_, err := c.GetParametersByPath(context.Background(), &ssm.GetParametersByPathInput{Path: aws.String(strings.TrimPrefix(p, "/"))})
		wantCode(t, err, "ValidationException")
	}},
	{"by-path-label-filter", func(t *testing.T, c *ssm.Client, p string) {
		mustPut(t, c, p+"/a", "1", types.ParameterTypeString)
		mustPut(t, c, p+"/a", "2", types.ParameterTypeString)
		mustLabel(t, c, p+"/a", 1, "prod")
		out, err := c.GetParametersByPath(context.Background(), &ssm.GetParametersByPathInput{Path: aws.String(p),
			ParameterFilters: []types.ParameterStringFilter{{Key: aws.String("Label"), Option: aws.String("Equals"), Values: []string{"prod"}}}})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Parameters) != 1 || aws.ToString(out.Parameters[0].Value) != "1" {
			t.Fatalf("got %+v", out.Parameters)
		}
	}},
	{"history", func(t *testing.T, c *ssm.Client, p string) {
		mustPut(t, c, p+"/a", "1", types.ParameterTypeString)
		v := mustPut(t, c, p+"/a", "2", types.ParameterTypeString)
		mustLabel(t, c, p+"/a", v, "prod")
		out, err := c.GetParameterHistory(context.Background(), &ssm.GetParameterHistoryInput{Name: aws.String(p + "/a")})
		if err != nil {
			t.Fatal(err)
		}
		if n := len(out.Parameters); int64(n) != v || out.Parameters[0].Version != 1 ||
			out.Parameters[n-1].Version != v || !slices.Equal(out.Parameters[n-1].Labels, []string{"prod"}) {
			t.Fatalf("got %+v", out.Parameters)
		}
	}},
	{"delete", func(t *testing.T, c *ssm.Client, p string) {
		mustPut(t, c, p+"/a", "1", types.ParameterTypeString)
		if _, err := c.DeleteParameter(context.Background(), &ssm.DeleteParameterInput{Name: aws.String(p + "/a")}); err != nil {
			t.Fatal(err)
		}
		_, err := c.DeleteParameter(context.Background(), &ssm.DeleteParameterInput{Name: aws.String(p + "/a")})
		wantCode(t, err, "ParameterNotFound")
	}},
	{"reserved-prefix", func(t *testing.T, c *ssm.Client, p string) {
		_, err := c.PutParameter(context.Background(), &ssm.PutParameterInput{Name: aws.String("ssm-thing"), Value: aws.String("v"), Type: types.ParameterTypeString})
		wantCode(t, err, "ValidationException")
	}},
	{"hierarchy-limit", func(t *testing.T, c *ssm.Client, p string) {
		_, err := c.PutParameter(context.Background(), &ssm.PutParameterInput{Name: aws.String(p + strings.Repeat("/l", 15)), Value: aws.String("v"), Type: types.ParameterTypeString})
		wantCode(t, err, "HierarchyLevelLimitExceededException")
	}},
	{"bad-characters", func(t *testing.T, c *ssm.Client, p string) {
		_, err := c.PutParameter(context.Background(), &ssm.PutParameterInput{Name: aws.String(p + "/a*b"), Value: aws.String("v"), Type: types.ParameterTypeString})
		wantCode(t, err, "ValidationException")
	}},
	{"standard-size-limit", func(t *testing.T, c *ssm.Client, p string) {
		_, err := c.PutParameter(context.Background(), &ssm.PutParameterInput{Name: aws.String(p + "/a"), Value: aws.String(strings.Repeat("x", 4097)), Type: types.ParameterTypeString})
		wantCode(t, err, "ValidationException")
	}},
	{"advanced-size-limit", func(t *testing.T, c *ssm.Client, p string) {
		_, err := c.PutParameter(context.Background(), &ssm.PutParameterInput{Name: aws.String(p + "/a"), Value: aws.String(strings.Repeat("x", 8193)), Type: types.ParameterTypeString, Tier: types.ParameterTierAdvanced})
		wantCode(t, err, "ValidationException")
	}},
	{"intelligent-tiering", func(t *testing.T, c *ssm.Client, p string) {
		// Overwrite, so that an SDK retry of a lost answer is a new version
		// rather than ParameterAlreadyExists.
		out, err := c.PutParameter(context.Background(), &ssm.PutParameterInput{Name: aws.String(p + "/a"), Value: aws.String(strings.Repeat("x", 5000)),
			Type: types.ParameterTypeString, Tier: types.ParameterTierIntelligentTiering, Overwrite: aws.Bool(true)})
		if err != nil || out.Tier != types.ParameterTierAdvanced {
			t.Fatalf("got %+v, %v; want tier Advanced", out, err)
		}
	}},
	{"allowed-pattern", func(t *testing.T, c *ssm.Client, p string) {
		_, err := c.PutParameter(context.Background(), &ssm.PutParameterInput{Name: aws.String(p + "/a"), Value: aws.String("abc"), Type: types.ParameterTypeString, AllowedPattern: aws.String(`^\d+$`)})
		wantCode(t, err, "ParameterPatternMismatchException")
	}},
	{"invalid-allowed-pattern", func(t *testing.T, c *ssm.Client, p string) {
		_, err := c.PutParameter(context.Background(), &ssm.PutParameterInput{Name: aws.String(p + "/a"), Value: aws.String("1"), Type: types.ParameterTypeString, AllowedPattern: aws.String("([")})
		wantCode(t, err, "InvalidAllowedPatternException")
	}},
	{"type-required", func(t *testing.T, c *ssm.Client, p string) {
		_, err := c.PutParameter(context.Background(), &ssm.PutParameterInput{Name: aws.String(p + "/a"), Value: aws.String("1")})
		wantCode(t, err, "ValidationException")
	}},
	{"bad-type", func(t *testing.T, c *ssm.Client, p string) {
		_, err := c.PutParameter(context.Background(), &ssm.PutParameterInput{Name: aws.String(p + "/a"), Value: aws.String("1"), Type: "Integer"})
		wantCode(t, err, "ValidationException")
	}},
	{"version-limit", func(t *testing.T, c *ssm.Client, p string) {
		// Put until the parameter has 100 versions, counted by the versions
		// the service answers, not by calls: PutParameter has no
		// idempotency token, so an SDK retry after a lost response
		// legitimately adds a version.
		const limit = 100 // AWS's versions per parameter
		var latest int64
		for latest < limit {
			latest = mustPut(t, c, p+"/a", "v", types.ParameterTypeString)
		}
		// Versions are numbered without gaps and only the oldest are
		// dropped, so the oldest kept is latest-99 (1 unless a retry
		// overshot).
		mustLabel(t, c, p+"/a", latest-limit+1, "pinned")
		_, err := c.PutParameter(context.Background(), &ssm.PutParameterInput{Name: aws.String(p + "/a"), Value: aws.String("v"), Overwrite: aws.Bool(true)})
		wantCode(t, err, "ParameterMaxVersionLimitExceeded")
	}},
	{"slash-optional-for-one-level", func(t *testing.T, c *ssm.Client, p string) {
		name := strings.ReplaceAll(strings.TrimPrefix(p, "/"), "/", "-")
		mustPut(t, c, name, "v", types.ParameterTypeString)
		if got := mustGet(t, c, "/"+name, false); aws.ToString(got.Value) != "v" {
			t.Fatalf("got %+v", got)
		}
	}},
}

func TestConformance(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	for _, tc := range allCases() {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, e.client, "/conf/"+tc.name) })
	}
}

// mustPut creates or overwrites a parameter and returns the version the
// service answers. Cases compare against that, never against a count of
// calls: the SDK retries a PutParameter whose answer was lost, and the retry
// is a second version.
func mustPut(t *testing.T, c *ssm.Client, name, value string, typ types.ParameterType) int64 {
	t.Helper()
	out, err := c.PutParameter(context.Background(), &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String(value), Type: typ, Overwrite: aws.Bool(true)})
	if err != nil {
		t.Fatalf("PutParameter %s: %v", name, err)
	}
	return out.Version
}

func mustGet(t *testing.T, c *ssm.Client, name string, decrypt bool) *types.Parameter {
	t.Helper()
	out, err := c.GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String(name), WithDecryption: aws.Bool(decrypt)})
	if err != nil {
		t.Fatalf("GetParameter %s: %v", name, err)
	}
	return out.Parameter
}

func mustLabel(t *testing.T, c *ssm.Client, name string, version int64, labels ...string) {
	t.Helper()
	if _, err := c.LabelParameterVersion(context.Background(), &ssm.LabelParameterVersionInput{Name: aws.String(name), ParameterVersion: aws.Int64(version), Labels: labels}); err != nil {
		t.Fatalf("LabelParameterVersion %s: %v", name, err)
	}
}

func pathNames(t *testing.T, c *ssm.Client, path string, recursive bool, pageSize int32) []string {
	t.Helper()
	var names []string
	pages := ssm.NewGetParametersByPathPaginator(c, &ssm.GetParametersByPathInput{Path: aws.String(path), Recursive: aws.Bool(recursive), MaxResults: aws.Int32(pageSize)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(context.Background())
		if err != nil {
			t.Fatalf("GetParametersByPath %s: %v", path, err)
		}
		for _, p := range page.Parameters {
			names = append(names, aws.ToString(p.Name))
		}
	}
	slices.Sort(names)
	return names
}
