package parameterstore

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

func TestPutParameterVersionsAndOverwrite(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	ctx := context.Background()
	e.put(t, &ssm.PutParameterInput{Name: aws.String("/v/p"), Value: aws.String("1"), Type: types.ParameterTypeString, Description: aws.String("kept")})
	_, err := e.client.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/v/p"), Value: aws.String("2"), Type: types.ParameterTypeString})
	wantCode(t, err, "ParameterAlreadyExists")
	_, err = e.client.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/v/p"), Value: aws.String("2"), Overwrite: aws.Bool(false)})
	wantCode(t, err, "ParameterAlreadyExists")
	for want := int64(2); want <= 4; want++ {
		out := e.put(t, &ssm.PutParameterInput{Name: aws.String("/v/p"), Value: aws.String("x"), Overwrite: aws.Bool(true)})
		if out.Version != want {
			t.Fatalf("version = %d, want %d", out.Version, want)
		}
	}
	// A name with surrounding spaces is the trimmed name.
	out := e.put(t, &ssm.PutParameterInput{Name: aws.String("  /v/p "), Value: aws.String("y"), Overwrite: aws.Bool(true)})
	if out.Version != 5 {
		t.Fatalf("trimmed name version = %d, want 5", out.Version)
	}
	hist, err := e.client.GetParameterHistory(ctx, &ssm.GetParameterHistoryInput{Name: aws.String("/v/p")})
	if err != nil {
		t.Fatal(err)
	}
	if last := hist.Parameters[len(hist.Parameters)-1]; aws.ToString(last.Description) != "kept" || last.Type != types.ParameterTypeString {
		t.Fatalf("overwrite lost description or type: %+v", last)
	}
}

func TestPutParameterRejects(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	ctx := context.Background()
	e.put(t, &ssm.PutParameterInput{Name: aws.String("/exists"), Value: aws.String("v"), Type: types.ParameterTypeString})
	deep := strings.Repeat("/l", 16)
	str := types.ParameterTypeString
	cases := []struct {
		name string
		in   ssm.PutParameterInput
		code string
	}{
		{"no type on create", ssm.PutParameterInput{Name: aws.String("/new"), Value: aws.String("v")}, "ValidationException"},
		{"unknown type", ssm.PutParameterInput{Name: aws.String("/new"), Value: aws.String("v"), Type: "Number"}, "ValidationException"},
		{"empty value", ssm.PutParameterInput{Name: aws.String("/new"), Value: aws.String(""), Type: str}, "ValidationException"},
		{"space inside name", ssm.PutParameterInput{Name: aws.String("/a b"), Value: aws.String("v"), Type: str}, "ValidationException"},
		{"bad character", ssm.PutParameterInput{Name: aws.String("/a$b"), Value: aws.String("v"), Type: str}, "ValidationException"},
		{"aws prefix", ssm.PutParameterInput{Name: aws.String("awsThing"), Value: aws.String("v"), Type: str}, "ValidationException"},
		{"ssm prefix any case", ssm.PutParameterInput{Name: aws.String("/SSM/x"), Value: aws.String("v"), Type: str}, "ValidationException"},
		{"reserved aws path", ssm.PutParameterInput{Name: aws.String("/aws/reference/secretsmanager/x"), Value: aws.String("v"), Type: str}, "AccessDeniedException"},
		{"path without leading slash", ssm.PutParameterInput{Name: aws.String("a/b"), Value: aws.String("v"), Type: str}, "ValidationException"},
		{"trailing slash", ssm.PutParameterInput{Name: aws.String("/a/"), Value: aws.String("v"), Type: str}, "ValidationException"},
		{"double slash", ssm.PutParameterInput{Name: aws.String("/a//b"), Value: aws.String("v"), Type: str}, "ValidationException"},
		{"16 levels", ssm.PutParameterInput{Name: aws.String(deep), Value: aws.String("v"), Type: str}, "HierarchyLevelLimitExceededException"},
		{"name too long with ARN", ssm.PutParameterInput{Name: aws.String("/" + strings.Repeat("n", 1000)), Value: aws.String("v"), Type: str}, "ValidationException"},
		{"standard above 4 KB", ssm.PutParameterInput{Name: aws.String("/big"), Value: aws.String(strings.Repeat("x", 4097)), Type: str}, "ValidationException"},
		{"default tier above 4 KB", ssm.PutParameterInput{Name: aws.String("/big"), Value: aws.String(strings.Repeat("x", 4097)), Type: str, Tier: types.ParameterTierStandard}, "ValidationException"},
		{"advanced above 8 KB", ssm.PutParameterInput{Name: aws.String("/big"), Value: aws.String(strings.Repeat("x", 8193)), Type: str, Tier: types.ParameterTierAdvanced}, "ValidationException"},
		{"unknown tier", ssm.PutParameterInput{Name: aws.String("/t"), Value: aws.String("v"), Type: str, Tier: "Premium"}, "ValidationException"},
		{"unknown data type", ssm.PutParameterInput{Name: aws.String("/d"), Value: aws.String("v"), Type: str, DataType: aws.String("Text")}, "ValidationException"},
		{"image data type on SecureString", ssm.PutParameterInput{Name: aws.String("/d"), Value: aws.String("ami-0123456789abcdef0"), Type: types.ParameterTypeSecureString, DataType: aws.String("aws:ec2:image")}, "ValidationException"},
		{"image data type, not an AMI ID", ssm.PutParameterInput{Name: aws.String("/d"), Value: aws.String("my-image"), Type: str, DataType: aws.String("aws:ec2:image")}, "ValidationException"},
		{"invalid allowed pattern", ssm.PutParameterInput{Name: aws.String("/p"), Value: aws.String("1"), Type: str, AllowedPattern: aws.String("([")}, "InvalidAllowedPatternException"},
		{"value against allowed pattern", ssm.PutParameterInput{Name: aws.String("/p"), Value: aws.String("abc"), Type: str, AllowedPattern: aws.String(`^\d+$`)}, "ParameterPatternMismatchException"},
		{"nested parameter reference", ssm.PutParameterInput{Name: aws.String("/n"), Value: aws.String("{{ssm:/other}}"), Type: str}, "ValidationException"},
		{"key ID on a String", ssm.PutParameterInput{Name: aws.String("/k"), Value: aws.String("v"), Type: str, KeyId: aws.String("alias/x")}, "ValidationException"},
		{"tags with overwrite", ssm.PutParameterInput{Name: aws.String("/exists"), Value: aws.String("v"), Overwrite: aws.Bool(true), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}, "ValidationException"},
		{"description too long", ssm.PutParameterInput{Name: aws.String("/desc"), Value: aws.String("v"), Type: str, Description: aws.String(strings.Repeat("d", 1025))}, "ValidationException"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.client.PutParameter(ctx, &tc.in)
			wantCode(t, err, tc.code)
			if tc.code != "ParameterAlreadyExists" {
				if _, err := e.client.GetParameter(ctx, &ssm.GetParameterInput{Name: tc.in.Name}); err == nil && aws.ToString(tc.in.Name) != "/exists" {
					t.Fatalf("refused PutParameter still created %s", aws.ToString(tc.in.Name))
				}
			}
		})
	}
}

func TestPutParameterAccepts(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	str := types.ParameterTypeString
	cases := []struct {
		name     string
		in       ssm.PutParameterInput
		wantTier types.ParameterTier
	}{
		{"15 levels", ssm.PutParameterInput{Name: aws.String(strings.Repeat("/l", 15)), Value: aws.String("v"), Type: str}, types.ParameterTierStandard},
		{"all name symbols", ssm.PutParameterInput{Name: aws.String("/a-b_c.d/E9"), Value: aws.String("v"), Type: str}, types.ParameterTierStandard},
		{"4 KB standard", ssm.PutParameterInput{Name: aws.String("/s4k"), Value: aws.String(strings.Repeat("x", 4096)), Type: str}, types.ParameterTierStandard},
		{"8 KB advanced", ssm.PutParameterInput{Name: aws.String("/a8k"), Value: aws.String(strings.Repeat("x", 8192)), Type: str, Tier: types.ParameterTierAdvanced}, types.ParameterTierAdvanced},
		{"intelligent small is standard", ssm.PutParameterInput{Name: aws.String("/i1"), Value: aws.String("v"), Type: str, Tier: types.ParameterTierIntelligentTiering}, types.ParameterTierStandard},
		{"intelligent large is advanced", ssm.PutParameterInput{Name: aws.String("/i2"), Value: aws.String(strings.Repeat("x", 5000)), Type: str, Tier: types.ParameterTierIntelligentTiering}, types.ParameterTierAdvanced},
		{"string list", ssm.PutParameterInput{Name: aws.String("/list"), Value: aws.String("a,b,c"), Type: types.ParameterTypeStringList}, types.ParameterTierStandard},
		{"image data type", ssm.PutParameterInput{Name: aws.String("/ami"), Value: aws.String("ami-0123456789abcdef0"), Type: str, DataType: aws.String("aws:ec2:image")}, types.ParameterTierStandard},
		{"value matching pattern", ssm.PutParameterInput{Name: aws.String("/num"), Value: aws.String("42"), Type: str, AllowedPattern: aws.String(`^\d+$`)}, types.ParameterTierStandard},
		{"name with aws inside", ssm.PutParameterInput{Name: aws.String("/my/aws/thing"), Value: aws.String("v"), Type: str}, types.ParameterTierStandard},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := e.put(t, &tc.in)
			if out.Tier != tc.wantTier || out.Version != 1 {
				t.Fatalf("PutParameter = tier %s version %d, want %s 1", out.Tier, out.Version, tc.wantTier)
			}
		})
	}
}

func TestAllowedPatternHoldsForLaterVersions(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	e.put(t, &ssm.PutParameterInput{Name: aws.String("/port"), Value: aws.String("5432"), Type: types.ParameterTypeString, AllowedPattern: aws.String(`^\d+$`)})
	_, err := e.client.PutParameter(context.Background(), &ssm.PutParameterInput{Name: aws.String("/port"), Value: aws.String("http"), Overwrite: aws.Bool(true)})
	wantCode(t, err, "ParameterPatternMismatchException")
}

func TestAdvancedTierCannotBeDowngraded(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	ctx := context.Background()
	e.put(t, &ssm.PutParameterInput{Name: aws.String("/adv"), Value: aws.String("v"), Type: types.ParameterTypeString, Tier: types.ParameterTierAdvanced})
	_, err := e.client.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/adv"), Value: aws.String("w"), Overwrite: aws.Bool(true), Tier: types.ParameterTierStandard})
	wantCode(t, err, "ValidationException")
	out := e.put(t, &ssm.PutParameterInput{Name: aws.String("/adv"), Value: aws.String("w"), Overwrite: aws.Bool(true)})
	if out.Tier != types.ParameterTierAdvanced {
		t.Fatalf("tier after overwrite = %s, want Advanced", out.Tier)
	}
}

func TestHundredVersionLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	ctx := context.Background()
	for i := 1; i <= 100; i++ {
		e.put(t, &ssm.PutParameterInput{Name: aws.String("/h"), Value: aws.String("v"), Type: types.ParameterTypeString, Overwrite: aws.Bool(true)})
	}
	if _, err := e.client.LabelParameterVersion(ctx, &ssm.LabelParameterVersionInput{Name: aws.String("/h"), ParameterVersion: aws.Int64(1), Labels: []string{"pinned"}}); err != nil {
		t.Fatal(err)
	}
	_, err := e.client.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/h"), Value: aws.String("v"), Overwrite: aws.Bool(true)})
	wantCode(t, err, "ParameterMaxVersionLimitExceeded")

	// Moving the label off the oldest version lets it be dropped.
	if _, err := e.client.LabelParameterVersion(ctx, &ssm.LabelParameterVersionInput{Name: aws.String("/h"), ParameterVersion: aws.Int64(50), Labels: []string{"pinned"}}); err != nil {
		t.Fatal(err)
	}
	out := e.put(t, &ssm.PutParameterInput{Name: aws.String("/h"), Value: aws.String("v"), Overwrite: aws.Bool(true)})
	if out.Version != 101 {
		t.Fatalf("version = %d, want 101", out.Version)
	}
	_, err = e.client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/h:1")})
	wantCode(t, err, "ParameterVersionNotFound")
	var versions int
	pages := ssm.NewGetParameterHistoryPaginator(e.client, &ssm.GetParameterHistoryInput{Name: aws.String("/h")})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		versions += len(page.Parameters)
	}
	if versions != 100 {
		t.Fatalf("history holds %d versions, want 100", versions)
	}
}

func TestErrorsNeverCarryTheValue(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	ctx := context.Background()
	const secret = "s3cr3t-Value-do-not-log"
	e.put(t, &ssm.PutParameterInput{Name: aws.String("/leak"), Value: aws.String(secret), Type: types.ParameterTypeSecureString, AllowedPattern: aws.String("^s3cr3t")})
	attempts := []*ssm.PutParameterInput{
		{Name: aws.String("/leak"), Value: aws.String(secret), Type: types.ParameterTypeSecureString},
		{Name: aws.String("/leak"), Value: aws.String("x" + secret), Overwrite: aws.Bool(true)},
		{Name: aws.String("/leak2"), Value: aws.String(secret + "{{x}}"), Type: types.ParameterTypeSecureString},
		{Name: aws.String("/leak3"), Value: aws.String(strings.Repeat(secret, 400)), Type: types.ParameterTypeSecureString},
		{Name: aws.String("/leak4"), Value: aws.String(secret), Type: types.ParameterTypeSecureString, DataType: aws.String("aws:ec2:image")},
	}
	for _, in := range attempts {
		_, err := e.client.PutParameter(ctx, in)
		if err == nil {
			t.Fatalf("PutParameter %s succeeded, want an error", aws.ToString(in.Name))
		}
		if strings.Contains(err.Error(), "s3cr3t-Value") {
			t.Fatalf("error reveals the value: %v", err)
		}
	}
}

func TestPoliciesNeedTheAdvancedTier(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	ctx := context.Background()
	const policy = `[{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"2030-01-01T00:00:00.000Z"}}]`
	_, err := e.client.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/pol"), Value: aws.String("v"), Type: types.ParameterTypeString, Policies: aws.String(policy)})
	wantCode(t, err, "ValidationException")
	out := e.put(t, &ssm.PutParameterInput{Name: aws.String("/pol"), Value: aws.String("v"), Type: types.ParameterTypeString, Policies: aws.String(policy), Tier: types.ParameterTierIntelligentTiering})
	if out.Tier != types.ParameterTierAdvanced {
		t.Fatalf("tier = %s, want Advanced", out.Tier)
	}
	hist, err := e.client.GetParameterHistory(ctx, &ssm.GetParameterHistoryInput{Name: aws.String("/pol")})
	if err != nil {
		t.Fatal(err)
	}
	if ps := hist.Parameters[0].Policies; len(ps) != 1 || aws.ToString(ps[0].PolicyType) != "Expiration" {
		t.Fatalf("Policies = %+v", ps)
	}
}
