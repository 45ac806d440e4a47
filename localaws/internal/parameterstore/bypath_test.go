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

// byPathNames reads every page through the SDK's paginator.
func byPathNames(t *testing.T, e *testEnv, in *ssm.GetParametersByPathInput) []string {
	t.Helper()
	var names []string
	pages := ssm.NewGetParametersByPathPaginator(e.client, in)
	for pages.HasMorePages() {
		page, err := pages.NextPage(context.Background())
		if err != nil {
			t.Fatalf("GetParametersByPath %s: %v", aws.ToString(in.Path), err)
		}
		if in.MaxResults != nil && len(page.Parameters) > int(*in.MaxResults) {
			t.Fatalf("page of %d, MaxResults %d", len(page.Parameters), *in.MaxResults)
		}
		for _, p := range page.Parameters {
			names = append(names, aws.ToString(p.Name))
		}
	}
	return names
}

func TestGetParametersByPath(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	for _, n := range []string{"/app/a", "/app/b", "/app/sub/c", "/app/sub/deep/d", "/apple/x", "/other/y", "root"} {
		e.put(t, &ssm.PutParameterInput{Name: aws.String(n), Value: aws.String("v"), Type: types.ParameterTypeString})
	}
	cases := []struct {
		name      string
		path      string
		recursive bool
		want      string
	}{
		{"one level", "/app", false, "/app/a,/app/b"},
		{"trailing slash", "/app/", false, "/app/a,/app/b"},
		{"recursive", "/app", true, "/app/a,/app/b,/app/sub/c,/app/sub/deep/d"},
		{"nested one level", "/app/sub", false, "/app/sub/c"},
		{"root one level", "/", false, "root"},
		{"root recursive", "/", true, "/app/a,/app/b,/app/sub/c,/app/sub/deep/d,/apple/x,/other/y,root"},
		{"no match", "/nothing", true, ""},
		{"a parameter is not its own path", "/app/a", true, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := byPathNames(t, e, &ssm.GetParametersByPathInput{Path: aws.String(tc.path), Recursive: aws.Bool(tc.recursive)})
			slices.Sort(got)
			if strings.Join(got, ",") != tc.want {
				t.Fatalf("names = %v, want %s", got, tc.want)
			}
		})
	}
}

func TestGetParametersByPathPagesServeEachOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	want := map[string]bool{}
	for i := range 37 {
		n := fmt.Sprintf("/pages/%d/p%02d", i%4, i)
		want[n] = true
		e.put(t, &ssm.PutParameterInput{Name: aws.String(n), Value: aws.String("v"), Type: types.ParameterTypeString})
	}
	for _, size := range []int32{1, 3, 10} {
		t.Run(fmt.Sprint("MaxResults ", size), func(t *testing.T) {
			got := byPathNames(t, e, &ssm.GetParametersByPathInput{Path: aws.String("/pages"), Recursive: aws.Bool(true), MaxResults: aws.Int32(size)})
			seen := map[string]bool{}
			for _, n := range got {
				if seen[n] {
					t.Fatalf("%s served twice", n)
				}
				seen[n] = true
			}
			if len(seen) != len(want) {
				t.Fatalf("served %d parameters, want %d", len(seen), len(want))
			}
		})
	}
}

func TestGetParametersByPathDecryptsOnRequest(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	ctx := context.Background()
	e.put(t, &ssm.PutParameterInput{Name: aws.String("/s/pw"), Value: aws.String("plain-secret"), Type: types.ParameterTypeSecureString})
	for _, decrypt := range []bool{false, true} {
		out, err := e.client.GetParametersByPath(ctx, &ssm.GetParametersByPathInput{Path: aws.String("/s"), WithDecryption: aws.Bool(decrypt)})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Parameters) != 1 {
			t.Fatalf("got %d parameters", len(out.Parameters))
		}
		if got := aws.ToString(out.Parameters[0].Value); (got == "plain-secret") != decrypt {
			t.Fatalf("WithDecryption=%v: value plaintext = %v", decrypt, got == "plain-secret")
		}
	}
}

func TestGetParametersByPathFilters(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	ctx := context.Background()
	e.put(t, &ssm.PutParameterInput{Name: aws.String("/f/str"), Value: aws.String("s1"), Type: types.ParameterTypeString})
	e.put(t, &ssm.PutParameterInput{Name: aws.String("/f/str"), Value: aws.String("s2"), Overwrite: aws.Bool(true)})
	e.put(t, &ssm.PutParameterInput{Name: aws.String("/f/list"), Value: aws.String("a,b"), Type: types.ParameterTypeStringList})
	e.put(t, &ssm.PutParameterInput{Name: aws.String("/f/sec"), Value: aws.String("x"), Type: types.ParameterTypeSecureString, KeyId: aws.String("alias/custom")})
	if _, err := e.client.LabelParameterVersion(ctx, &ssm.LabelParameterVersionInput{Name: aws.String("/f/str"), ParameterVersion: aws.Int64(1), Labels: []string{"prod"}}); err != nil {
		t.Fatal(err)
	}
	filter := func(key, option string, values ...string) []types.ParameterStringFilter {
		f := types.ParameterStringFilter{Key: aws.String(key), Values: values}
		if option != "" {
			f.Option = aws.String(option)
		}
		return []types.ParameterStringFilter{f}
	}
	cases := []struct {
		name     string
		filters  []types.ParameterStringFilter
		want     string // name=value,...
		wantCode string
	}{
		{name: "type equals", filters: filter("Type", "Equals", "StringList"), want: "/f/list=a,b"},
		{name: "type default option", filters: filter("Type", "", "String", "StringList"), want: "/f/list=a,b /f/str=s2"},
		{name: "type begins with", filters: filter("Type", "BeginsWith", "Str"), want: "/f/list=a,b /f/str=s2"},
		{name: "key id", filters: filter("KeyId", "Equals", "alias/custom"), want: "/f/sec=x"},
		{name: "label serves the labelled version", filters: filter("Label", "Equals", "prod"), want: "/f/str=s1"},
		{name: "label with begins with", filters: filter("Label", "BeginsWith", "pr"), wantCode: "InvalidFilterOption"},
		{name: "unsupported key", filters: filter("Tier", "Equals", "Standard"), wantCode: "InvalidFilterKey"},
		{name: "bad type value", filters: filter("Type", "Equals", "Number"), wantCode: "InvalidFilterValue"},
		{name: "no values", filters: filter("Type", "Equals"), wantCode: "InvalidFilterValue"},
		{name: "duplicate key", filters: append(filter("Type", "Equals", "String"), filter("Type", "Equals", "SecureString")...), wantCode: "InvalidFilterKey"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := e.client.GetParametersByPath(ctx, &ssm.GetParametersByPathInput{Path: aws.String("/f"), ParameterFilters: tc.filters, WithDecryption: aws.Bool(true)})
			if tc.wantCode != "" {
				wantCode(t, err, tc.wantCode)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range out.Parameters {
				got = append(got, aws.ToString(p.Name)+"="+aws.ToString(p.Value))
			}
			if strings.Join(got, " ") != tc.want {
				t.Fatalf("got %v, want %s", got, tc.want)
			}
		})
	}
}

func TestGetParametersByPathRejects(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	deep := strings.Repeat("/l", 16)
	cases := []struct {
		name string
		in   *ssm.GetParametersByPathInput
		code string
	}{
		{"relative path", &ssm.GetParametersByPathInput{Path: aws.String("app")}, "ValidationException"},
		{"bad character", &ssm.GetParametersByPathInput{Path: aws.String("/app dir")}, "ValidationException"},
		{"double slash", &ssm.GetParametersByPathInput{Path: aws.String("/a//b")}, "ValidationException"},
		{"too deep", &ssm.GetParametersByPathInput{Path: aws.String(deep)}, "HierarchyLevelLimitExceededException"},
		{"MaxResults above 10", &ssm.GetParametersByPathInput{Path: aws.String("/a"), MaxResults: aws.Int32(11)}, "ValidationException"},
		{"MaxResults zero", &ssm.GetParametersByPathInput{Path: aws.String("/a"), MaxResults: aws.Int32(0)}, "ValidationException"},
		{"forged token", &ssm.GetParametersByPathInput{Path: aws.String("/a"), NextToken: aws.String("not-a-token")}, "InvalidNextToken"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.client.GetParametersByPath(context.Background(), tc.in)
			wantCode(t, err, tc.code)
		})
	}
}
