package parameterstore

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// allCases is the whole suite: the read-and-write cases and the cases of
// the other parameter operations below.
func allCases() []conformanceCase { return slices.Concat(conformanceCases, opsCases) }

// describeNames runs DescribeParameters with filters, page by page, and
// returns the names.
func describeNames(t *testing.T, c *ssm.Client, pageSize int32, filters ...types.ParameterStringFilter) []string {
	t.Helper()
	var names []string
	in := &ssm.DescribeParametersInput{ParameterFilters: filters}
	if pageSize > 0 {
		in.MaxResults = aws.Int32(pageSize)
	}
	pages := ssm.NewDescribeParametersPaginator(c, in)
	for pages.HasMorePages() {
		page, err := pages.NextPage(context.Background())
		if err != nil {
			t.Fatalf("DescribeParameters %+v: %v", filters, err)
		}
		for _, p := range page.Parameters {
			names = append(names, aws.ToString(p.Name))
		}
	}
	return names
}

func filter(key, option string, values ...string) types.ParameterStringFilter {
	f := types.ParameterStringFilter{Key: aws.String(key), Values: values}
	if option != "" {
		f.Option = aws.String(option)
	}
	return f
}

var opsCases = []conformanceCase{
	{"delete-parameters", func(t *testing.T, c *ssm.Client, p string) {
		mustPut(t, c, p+"/a", "1", types.ParameterTypeString)
		mustPut(t, c, p+"/b", "2", types.ParameterTypeString)
		out, err := c.DeleteParameters(context.Background(), &ssm.DeleteParametersInput{Names: []string{p + "/a", p + "/b", p + "/missing"}})
		if err != nil {
			t.Fatalf("DeleteParameters: %v", err)
		}
		deleted := slices.Clone(out.DeletedParameters)
		slices.Sort(deleted)
		if !slices.Equal(deleted, []string{p + "/a", p + "/b"}) || !slices.Equal(out.InvalidParameters, []string{p + "/missing"}) {
			t.Fatalf("DeleteParameters = %+v", out)
		}
		_, err = c.GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String(p + "/a")})
		wantCode(t, err, "ParameterNotFound")
	}},
	{"describe-parameters", func(t *testing.T, c *ssm.Client, p string) {
		mustPut(t, c, p+"/x/a", "1", types.ParameterTypeString)
		mustPut(t, c, p+"/x/b", "2", types.ParameterTypeSecureString)
		mustPut(t, c, p+"/x/deeper/c", "3", types.ParameterTypeString)
		mustPut(t, c, p+"/y", "4", types.ParameterTypeStringList)
		for _, tc := range []struct {
			filters []types.ParameterStringFilter
			want    []string
		}{
			{[]types.ParameterStringFilter{filter("Path", "OneLevel", p+"/x")}, []string{p + "/x/a", p + "/x/b"}},
			{[]types.ParameterStringFilter{filter("Path", "", p+"/x")}, []string{p + "/x/a", p + "/x/b"}},
			{[]types.ParameterStringFilter{filter("Path", "Recursive", p)}, []string{p + "/x/a", p + "/x/b", p + "/x/deeper/c", p + "/y"}},
			{[]types.ParameterStringFilter{filter("Path", "Recursive", p), filter("Type", "Equals", "SecureString")}, []string{p + "/x/b"}},
			{[]types.ParameterStringFilter{filter("Name", "BeginsWith", p+"/x/")}, []string{p + "/x/a", p + "/x/b", p + "/x/deeper/c"}},
			{[]types.ParameterStringFilter{filter("Name", "Equals", p+"/y")}, []string{p + "/y"}},
			{[]types.ParameterStringFilter{filter("Path", "Recursive", p), filter("Name", "Contains", "deeper")}, []string{p + "/x/deeper/c"}},
		} {
			got := describeNames(t, c, 0, tc.filters...)
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("DescribeParameters %+v = %v, want %v", tc.filters, got, tc.want)
			}
		}
		out, err := c.DescribeParameters(context.Background(), &ssm.DescribeParametersInput{ParameterFilters: []types.ParameterStringFilter{filter("Name", "Equals", p+"/x/b")}})
		if err != nil || len(out.Parameters) != 1 {
			t.Fatalf("DescribeParameters one: %+v, %v", out, err)
		}
		m := out.Parameters[0]
		if m.Type != types.ParameterTypeSecureString || aws.ToString(m.KeyId) != "alias/aws/ssm" || m.Version != 1 ||
			m.Tier != types.ParameterTierStandard || aws.ToString(m.DataType) != "text" || m.LastModifiedDate == nil {
			t.Errorf("metadata = %+v", m)
		}
	}},
	{"describe-parameters-paging", func(t *testing.T, c *ssm.Client, p string) {
		var want []string
		for _, n := range []string{"e", "b", "d", "a", "c"} {
			mustPut(t, c, p+"/"+n, n, types.ParameterTypeString)
			want = append(want, p+"/"+n)
		}
		slices.Sort(want)
		got := describeNames(t, c, 2, filter("Path", "OneLevel", p))
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("two per page: %v, want %v", got, want)
		}
	}},
	{"describe-parameters-bad-filters", func(t *testing.T, c *ssm.Client, p string) {
		ctx := context.Background()
		_, err := c.DescribeParameters(ctx, &ssm.DescribeParametersInput{ParameterFilters: []types.ParameterStringFilter{filter("Label", "", "x")}})
		wantCode(t, err, "InvalidFilterKey")
		_, err = c.DescribeParameters(ctx, &ssm.DescribeParametersInput{ParameterFilters: []types.ParameterStringFilter{filter("Path", "Sideways", p)}})
		wantCode(t, err, "InvalidFilterOption")
		_, err = c.DescribeParameters(ctx, &ssm.DescribeParametersInput{ParameterFilters: []types.ParameterStringFilter{filter("Name", "Equals")}})
		wantCode(t, err, "InvalidFilterValue")
		_, err = c.DescribeParameters(ctx, &ssm.DescribeParametersInput{
			Filters:          []types.ParametersFilter{{Key: types.ParametersFilterKeyName, Values: []string{p}}},
			ParameterFilters: []types.ParameterStringFilter{filter("Name", "Equals", p)},
		})
		wantCode(t, err, "ValidationException")
	}},
	{"describe-tag-filter", func(t *testing.T, c *ssm.Client, p string) {
		ctx := context.Background()
		for name, env := range map[string]string{p + "/prod": "prod", p + "/dev": "dev"} {
			mustPut(t, c, name, "v", types.ParameterTypeString)
			if _, err := c.AddTagsToResource(ctx, &ssm.AddTagsToResourceInput{ResourceType: types.ResourceTypeForTaggingParameter,
				ResourceId: aws.String(name), Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String(env)}}}); err != nil {
				t.Fatal(err)
			}
		}
		mustPut(t, c, p+"/untagged", "v", types.ParameterTypeString)
		if got := describeNames(t, c, 0, filter("Path", "OneLevel", p), filter("tag:env", "Equals", "prod")); !slices.Equal(got, []string{p + "/prod"}) {
			t.Errorf("tag:env=prod: %v", got)
		}
		got := describeNames(t, c, 0, filter("Path", "OneLevel", p), filter("tag:env", ""))
		slices.Sort(got)
		if !slices.Equal(got, []string{p + "/dev", p + "/prod"}) {
			t.Errorf("tag:env present: %v", got)
		}
	}},
	{"unlabel", func(t *testing.T, c *ssm.Client, p string) {
		ctx := context.Background()
		v1 := mustPut(t, c, p+"/a", "1", types.ParameterTypeString)
		mustPut(t, c, p+"/a", "2", types.ParameterTypeString)
		mustLabel(t, c, p+"/a", v1, "l1", "l2")
		out, err := c.UnlabelParameterVersion(ctx, &ssm.UnlabelParameterVersionInput{Name: aws.String(p + "/a"), ParameterVersion: aws.Int64(v1), Labels: []string{"l1", "l3"}})
		if err != nil {
			t.Fatalf("UnlabelParameterVersion: %v", err)
		}
		if !slices.Equal(out.RemovedLabels, []string{"l1"}) || !slices.Equal(out.InvalidLabels, []string{"l3"}) {
			t.Errorf("UnlabelParameterVersion = %+v", out)
		}
		_, err = c.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(p + "/a:l1")})
		wantCode(t, err, "ParameterVersionNotFound")
		if got := aws.ToString(mustGet(t, c, p+"/a:l2", false).Value); got != "1" {
			t.Errorf("the other label now reads %q", got)
		}
		_, err = c.UnlabelParameterVersion(ctx, &ssm.UnlabelParameterVersionInput{Name: aws.String(p + "/a"), ParameterVersion: aws.Int64(v1 + 10), Labels: []string{"l2"}})
		wantCode(t, err, "ParameterVersionNotFound")
		_, err = c.UnlabelParameterVersion(ctx, &ssm.UnlabelParameterVersionInput{Name: aws.String(p + "/none"), ParameterVersion: aws.Int64(1), Labels: []string{"l2"}})
		wantCode(t, err, "ParameterNotFound")
	}},
	{"tags", func(t *testing.T, c *ssm.Client, p string) {
		ctx := context.Background()
		mustPut(t, c, p+"/a", "1", types.ParameterTypeString)
		add := func(kv ...string) error {
			var tags []types.Tag
			for i := 0; i < len(kv); i += 2 {
				tags = append(tags, types.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
			}
			_, err := c.AddTagsToResource(ctx, &ssm.AddTagsToResourceInput{ResourceType: types.ResourceTypeForTaggingParameter, ResourceId: aws.String(p + "/a"), Tags: tags})
			return err
		}
		list := func() []string {
			out, err := c.ListTagsForResource(ctx, &ssm.ListTagsForResourceInput{ResourceType: types.ResourceTypeForTaggingParameter, ResourceId: aws.String(p + "/a")})
			if err != nil {
				t.Fatalf("ListTagsForResource: %v", err)
			}
			var kv []string
			for _, tg := range out.TagList {
				kv = append(kv, aws.ToString(tg.Key)+"="+aws.ToString(tg.Value))
			}
			slices.Sort(kv)
			return kv
		}
		if err := add("Region", "East", "Environment", "Production"); err != nil {
			t.Fatalf("AddTagsToResource: %v", err)
		}
		if err := add("Region", "West"); err != nil {
			t.Fatal(err)
		}
		if got := list(); !slices.Equal(got, []string{"Environment=Production", "Region=West"}) {
			t.Errorf("tags %v", got)
		}
		mustPut(t, c, p+"/a", "2", types.ParameterTypeString)
		if got := list(); len(got) != 2 {
			t.Errorf("tags after an overwrite: %v", got)
		}
		if _, err := c.RemoveTagsFromResource(ctx, &ssm.RemoveTagsFromResourceInput{ResourceType: types.ResourceTypeForTaggingParameter, ResourceId: aws.String(p + "/a"), TagKeys: []string{"Region", "absent"}}); err != nil {
			t.Fatalf("RemoveTagsFromResource: %v", err)
		}
		if got := list(); !slices.Equal(got, []string{"Environment=Production"}) {
			t.Errorf("after removing Region: %v", got)
		}
		_, err := c.ListTagsForResource(ctx, &ssm.ListTagsForResourceInput{ResourceType: types.ResourceTypeForTaggingParameter, ResourceId: aws.String(p + "/none")})
		wantCode(t, err, "InvalidResourceId")
	}},
	{"read-name-format", func(t *testing.T, c *ssm.Client, p string) {
		// Recorded against AWS (LocalStack's test_hierarchical_parameter).
		mustPut(t, c, p+"/b/c", "123", types.ParameterTypeString)
		for _, name := range []string{p + "//b//c", strings.TrimPrefix(p, "/") + "/b/c"} {
			_, err := c.GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String(name)})
			wantCode(t, err, "ValidationException")
			if !strings.Contains(err.Error(), "sub-paths divided by slash symbol") {
				t.Errorf("GetParameter %s: %v", name, err)
			}
			_, err = c.GetParameters(context.Background(), &ssm.GetParametersInput{Names: []string{name}})
			wantCode(t, err, "ValidationException")
		}
	}},
	{"service-settings", func(t *testing.T, c *ssm.Client, p string) {
		ctx := context.Background()
		get := func() *types.ServiceSetting {
			t.Helper()
			out, err := c.GetServiceSetting(ctx, &ssm.GetServiceSettingInput{SettingId: aws.String("/ssm/parameter-store/high-throughput-enabled")})
			if err != nil {
				t.Fatalf("GetServiceSetting: %v", err)
			}
			return out.ServiceSetting
		}
		if s := get(); aws.ToString(s.SettingValue) != "false" || aws.ToString(s.Status) != "Default" ||
			!strings.HasSuffix(aws.ToString(s.ARN), ":servicesetting/ssm/parameter-store/high-throughput-enabled") {
			t.Errorf("default = %+v", s)
		}
		arn := aws.ToString(get().ARN)
		if _, err := c.UpdateServiceSetting(ctx, &ssm.UpdateServiceSettingInput{SettingId: aws.String(arn), SettingValue: aws.String("true")}); err != nil {
			t.Fatalf("UpdateServiceSetting by ARN: %v", err)
		}
		if s := get(); aws.ToString(s.SettingValue) != "true" || aws.ToString(s.Status) != "Customized" {
			t.Errorf("after the update = %+v", s)
		}
		_, err := c.UpdateServiceSetting(ctx, &ssm.UpdateServiceSettingInput{SettingId: aws.String(arn), SettingValue: aws.String("maybe")})
		wantCode(t, err, "ValidationException")
		out, err := c.ResetServiceSetting(ctx, &ssm.ResetServiceSettingInput{SettingId: aws.String(arn)})
		if err != nil || aws.ToString(out.ServiceSetting.SettingValue) != "false" || aws.ToString(out.ServiceSetting.Status) != "Default" {
			t.Errorf("ResetServiceSetting = %+v, %v", out, err)
		}
		_, err = c.GetServiceSetting(ctx, &ssm.GetServiceSettingInput{SettingId: aws.String("/ssm/parameter-store/no-such-setting")})
		wantCode(t, err, "ServiceSettingNotFound")
	}},
	{"default-tier-setting", func(t *testing.T, c *ssm.Client, p string) {
		ctx := context.Background()
		const id = "/ssm/parameter-store/default-parameter-tier"
		if _, err := c.UpdateServiceSetting(ctx, &ssm.UpdateServiceSettingInput{SettingId: aws.String(id), SettingValue: aws.String("Intelligent-Tiering")}); err != nil {
			t.Fatalf("UpdateServiceSetting: %v", err)
		}
		t.Cleanup(func() { _, _ = c.ResetServiceSetting(ctx, &ssm.ResetServiceSettingInput{SettingId: aws.String(id)}) })
		small, err := c.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(p + "/small"), Value: aws.String("v"), Type: types.ParameterTypeString, Overwrite: aws.Bool(true)})
		if err != nil || small.Tier != types.ParameterTierStandard {
			t.Errorf("a small value under Intelligent-Tiering: %+v, %v", small, err)
		}
		big, err := c.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(p + "/big"), Value: aws.String(strings.Repeat("x", 5000)), Type: types.ParameterTypeString, Overwrite: aws.Bool(true)})
		if err != nil || big.Tier != types.ParameterTierAdvanced {
			t.Errorf("a 5000-character value under Intelligent-Tiering: %+v, %v", big, err)
		}
	}},
	{"policies", func(t *testing.T, c *ssm.Client, p string) {
		ctx := context.Background()
		future := time.Now().Add(90 * 24 * time.Hour).UTC().Format("2006-01-02T15:04:05.000Z")
		policy := `[{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"` + future + `"}},` +
			`{"Type":"ExpirationNotification","Version":"1.0","Attributes":{"Before":"5","Unit":"Days"}},` +
			`{"Type":"NoChangeNotification","Version":"1.0","Attributes":{"After":"60","Unit":"Days"}}]`
		put := func(name, policies string, tier types.ParameterTier) error {
			_, err := c.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String("v"), Type: types.ParameterTypeString,
				Policies: aws.String(policies), Tier: tier, Overwrite: aws.Bool(true)})
			return err
		}
		wantCode(t, put(p+"/std", policy, types.ParameterTierStandard), "ValidationException")
		if err := put(p+"/adv", policy, types.ParameterTierAdvanced); err != nil {
			t.Fatalf("PutParameter with policies: %v", err)
		}
		out, err := c.DescribeParameters(ctx, &ssm.DescribeParametersInput{ParameterFilters: []types.ParameterStringFilter{filter("Name", "Equals", p+"/adv")}})
		if err != nil || len(out.Parameters) != 1 || len(out.Parameters[0].Policies) != 3 {
			t.Fatalf("DescribeParameters: %+v, %v", out, err)
		}
		pol := out.Parameters[0].Policies[0]
		if aws.ToString(pol.PolicyType) != "Expiration" || aws.ToString(pol.PolicyStatus) != "Pending" || !strings.Contains(aws.ToString(pol.PolicyText), future) {
			t.Errorf("policy = %+v", pol)
		}
		wantCode(t, put(p+"/t", `[{"Type":"Rotation","Version":"1.0","Attributes":{}}]`, types.ParameterTierAdvanced), "InvalidPolicyTypeException")
		wantCode(t, put(p+"/t", `[{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"next tuesday"}}]`, types.ParameterTierAdvanced), "InvalidPolicyAttributeException")
		wantCode(t, put(p+"/t", `[{"Type":"NoChangeNotification","Version":"1.0","Attributes":{"After":"soon","Unit":"Days"}}]`, types.ParameterTierAdvanced), "InvalidPolicyAttributeException")
		many := "[" + strings.TrimSuffix(strings.Repeat(`{"Type":"NoChangeNotification","Version":"1.0","Attributes":{"After":"1","Unit":"Days"}},`, 11), ",") + "]"
		wantCode(t, put(p+"/t", many, types.ParameterTierAdvanced), "PoliciesLimitExceededException")
		if err := put(p+"/adv", `[{}]`, types.ParameterTierAdvanced); err != nil {
			t.Fatalf("removing the policies: %v", err)
		}
		out, err = c.DescribeParameters(ctx, &ssm.DescribeParametersInput{ParameterFilters: []types.ParameterStringFilter{filter("Name", "Equals", p+"/adv")}})
		if err != nil || len(out.Parameters) != 1 || len(out.Parameters[0].Policies) != 0 {
			t.Errorf("after [{}]: %+v, %v", out, err)
		}
	}},
	{"ec2-image", func(t *testing.T, c *ssm.Client, p string) {
		ctx := context.Background()
		put, err := c.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(p + "/ami"), Value: aws.String("ami-0123456789abcdef0"), Type: types.ParameterTypeString,
			DataType: aws.String("aws:ec2:image"), Overwrite: aws.Bool(true)})
		if err != nil {
			t.Fatalf("an AMI id: %v", err)
		}
		if got := mustGet(t, c, p+"/ami", false); aws.ToString(got.DataType) != "aws:ec2:image" {
			t.Errorf("DataType %q", aws.ToString(got.DataType))
		}
		_, err = c.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(p + "/ami"), Value: aws.String("not-an-ami"), Type: types.ParameterTypeString,
			DataType: aws.String("aws:ec2:image"), Overwrite: aws.Bool(true)})
		wantCode(t, err, "ValidationException")
		if got := mustGet(t, c, p+"/ami", false); aws.ToString(got.Value) != "ami-0123456789abcdef0" || got.Version != put.Version {
			t.Errorf("a refused AMI changed the parameter: %+v", got)
		}
	}},
	{"delete-parameters-limit", func(t *testing.T, c *ssm.Client, p string) {
		names := make([]string, 11)
		for i := range names {
			names[i] = p + "/n" + string(rune('a'+i))
		}
		_, err := c.DeleteParameters(context.Background(), &ssm.DeleteParametersInput{Names: names})
		wantCode(t, err, "ValidationException")
	}},
}
