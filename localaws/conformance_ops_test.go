package localaws_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// testUpdateSecret follows the UpdateSecret reference and the recorded
// test_update_secret_description: a description alone makes no version, a
// value makes one that becomes AWSCURRENT, and no arguments change nothing.
func testUpdateSecret(t *testing.T, tg target, c *secretsmanager.Client) {
	name := uniqueName(t)
	_, v1 := create(t, c, name, "one")
	out, err := c.UpdateSecret(t.Context(), &secretsmanager.UpdateSecretInput{SecretId: aws.String(name), Description: aws.String("MyDescription")})
	if err != nil {
		t.Fatalf("UpdateSecret description: %v", err)
	}
	tg.check(t, "update-description-no-version", out.VersionId == nil && aws.ToString(out.Name) == name, "answer %+v", out)
	d, err := c.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(name)})
	tg.check(t, "update-description-shown", err == nil && aws.ToString(d.Description) == "MyDescription" && len(d.VersionIdsToStages) == 1,
		"after the description update: %+v, %v", d, err)

	out, err = c.UpdateSecret(t.Context(), &secretsmanager.UpdateSecretInput{
		SecretId: aws.String(name), SecretString: aws.String("two"), Description: aws.String("MyNewDescription"),
	})
	if err != nil {
		t.Fatalf("UpdateSecret value: %v", err)
	}
	v2 := aws.ToString(out.VersionId)
	st := stages(t, c, name)
	tg.check(t, "update-value-current", v2 != "" && hasStage(st, v2, "AWSCURRENT") && hasStage(st, v1, "AWSPREVIOUS"), "stages %v", st)
	tg.check(t, "update-value-read", current(t, c, name) == "two", "value after UpdateSecret")

	out, err = c.UpdateSecret(t.Context(), &secretsmanager.UpdateSecretInput{SecretId: aws.String(name)})
	tg.check(t, "update-nothing", err == nil && out.VersionId == nil, "UpdateSecret with no changes: %+v, %v", out, err)

	tok := "00000000-0000-0000-0000-0000000000ab"
	first, err := c.UpdateSecret(t.Context(), &secretsmanager.UpdateSecretInput{SecretId: aws.String(name), SecretString: aws.String("three"), ClientRequestToken: aws.String(tok)})
	if err != nil {
		t.Fatalf("UpdateSecret with a token: %v", err)
	}
	_, err = c.UpdateSecret(t.Context(), &secretsmanager.UpdateSecretInput{SecretId: aws.String(name), SecretString: aws.String("four"), ClientRequestToken: aws.String(tok)})
	tg.checkCode(t, "update-token-in-use", err, "ResourceExistsException")
	tg.check(t, "update-token-version", aws.ToString(first.VersionId) == tok, "VersionId %q, want the token", aws.ToString(first.VersionId))

	_, err = c.UpdateSecret(t.Context(), &secretsmanager.UpdateSecretInput{SecretId: aws.String(name + "-missing"), Description: aws.String("x")})
	tg.checkCode(t, "update-missing", err, "ResourceNotFoundException")
	_, err = c.UpdateSecret(t.Context(), &secretsmanager.UpdateSecretInput{SecretId: aws.String("Inv Name"), Description: aws.String("x")})
	tg.checkCode(t, "update-bad-name", err, "ValidationException")
	_, err = c.UpdateSecret(t.Context(), &secretsmanager.UpdateSecretInput{SecretId: aws.String(name), SecretString: aws.String("s"), SecretBinary: []byte("b")})
	tg.checkCode(t, "update-both-values", err, "InvalidParameterException")
	if _, err := c.DeleteSecret(t.Context(), &secretsmanager.DeleteSecretInput{SecretId: aws.String(name), RecoveryWindowInDays: aws.Int64(7)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.UpdateSecret(t.Context(), &secretsmanager.UpdateSecretInput{SecretId: aws.String(name), Description: aws.String("x")})
	tg.checkCode(t, "update-deleted", err, "InvalidRequestException")
}

// testTags replays the recorded test_secret_tags: tags append, untagging is
// idempotent, and a secret whose tags were all removed shows Tags: [].
func testTags(t *testing.T, tg target, c *secretsmanager.Client) {
	name := uniqueName(t)
	arn, _ := create(t, c, name, "v")
	tags := func() []types.Tag {
		t.Helper()
		d, err := c.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(arn)})
		if err != nil {
			t.Fatalf("DescribeSecret: %v", err)
		}
		return d.Tags
	}
	keys := func(ts []types.Tag) []string {
		var out []string
		for _, tg := range ts {
			out = append(out, aws.ToString(tg.Key)+"="+aws.ToString(tg.Value))
		}
		slices.Sort(out)
		return out
	}
	tg.check(t, "tags-none", tags() == nil, "a new secret has Tags %v", tags())
	tag := func(kv ...string) error {
		var in []types.Tag
		for i := 0; i < len(kv); i += 2 {
			in = append(in, types.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
		}
		_, err := c.TagResource(t.Context(), &secretsmanager.TagResourceInput{SecretId: aws.String(arn), Tags: in})
		return err
	}
	untag := func(ks ...string) error {
		_, err := c.UntagResource(t.Context(), &secretsmanager.UntagResourceInput{SecretId: aws.String(arn), TagKeys: ks})
		return err
	}
	if err := tag("tag1", "value1"); err != nil {
		t.Fatalf("TagResource: %v", err)
	}
	if err := tag("tag2", "value2"); err != nil {
		t.Fatalf("TagResource: %v", err)
	}
	tg.check(t, "tags-append", slices.Equal(keys(tags()), []string{"tag1=value1", "tag2=value2"}), "tags %v", keys(tags()))
	if err := tag("tag1", "changed"); err != nil {
		t.Fatalf("TagResource: %v", err)
	}
	tg.check(t, "tags-replace-value", slices.Equal(keys(tags()), []string{"tag1=changed", "tag2=value2"}), "tags %v", keys(tags()))
	if err := untag("tag1", "not-there"); err != nil {
		t.Fatalf("UntagResource: %v", err)
	}
	tg.check(t, "untag-idempotent", slices.Equal(keys(tags()), []string{"tag2=value2"}), "tags %v", keys(tags()))
	if err := untag("tag2"); err != nil {
		t.Fatal(err)
	}
	got := tags()
	tg.check(t, "untag-all-empty-list", got != nil && len(got) == 0, "after removing every tag: %#v, want []", got)

	f, err := c.ListSecrets(t.Context(), &secretsmanager.ListSecretsInput{Filters: []types.Filter{{Key: types.FilterNameStringTypeTagKey, Values: []string{"tag"}}}})
	tg.check(t, "tag-key-filter-after-untag", err == nil && !slices.ContainsFunc(f.SecretList, func(e types.SecretListEntry) bool { return aws.ToString(e.Name) == name }),
		"tag-key filter still finds the untagged secret: %v", err)

	tg.checkCode(t, "tag-reserved-prefix", tag("aws:mine", "x"), "InvalidParameterException")
	_, err = c.TagResource(t.Context(), &secretsmanager.TagResourceInput{SecretId: aws.String("Inv Name"), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	tg.checkCode(t, "tag-bad-name", err, "ValidationException")
	_, err = c.UntagResource(t.Context(), &secretsmanager.UntagResourceInput{SecretId: aws.String(name + "-missing"), TagKeys: []string{"k"}})
	tg.checkCode(t, "untag-missing", err, "ResourceNotFoundException")
	if _, err := c.DeleteSecret(t.Context(), &secretsmanager.DeleteSecretInput{SecretId: aws.String(arn), RecoveryWindowInDays: aws.Int64(7)}); err != nil {
		t.Fatal(err)
	}
	tg.checkCode(t, "tag-deleted", tag("k", "v"), "InvalidRequestException")
	tg.checkCode(t, "untag-deleted", untag("k"), "InvalidRequestException")
}

// testResourcePolicy replays the recorded test_resource_policy: the policy
// comes back as it was put, and after DeleteResourcePolicy there is none.
func testResourcePolicy(t *testing.T, tg target, c *secretsmanager.Client) {
	name := uniqueName(t)
	arn, _ := create(t, c, name, "my_secret")
	const policy = `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}`
	out, err := c.PutResourcePolicy(t.Context(), &secretsmanager.PutResourcePolicyInput{SecretId: aws.String(name), ResourcePolicy: aws.String(policy)})
	if err != nil {
		t.Fatalf("PutResourcePolicy: %v", err)
	}
	tg.check(t, "put-policy-answer", aws.ToString(out.ARN) == arn && aws.ToString(out.Name) == name, "answer %+v", out)
	got, err := c.GetResourcePolicy(t.Context(), &secretsmanager.GetResourcePolicyInput{SecretId: aws.String(name)})
	tg.check(t, "get-policy", err == nil && strings.Contains(aws.ToString(got.ResourcePolicy), `"secretsmanager:GetSecretValue"`), "GetResourcePolicy: %+v, %v", got, err)
	if _, err := c.DeleteResourcePolicy(t.Context(), &secretsmanager.DeleteResourcePolicyInput{SecretId: aws.String(name)}); err != nil {
		t.Fatalf("DeleteResourcePolicy: %v", err)
	}
	got, err = c.GetResourcePolicy(t.Context(), &secretsmanager.GetResourcePolicyInput{SecretId: aws.String(name)})
	tg.check(t, "get-policy-after-delete", err == nil && got.ResourcePolicy == nil && aws.ToString(got.ARN) == arn, "after delete: %+v, %v", got, err)
	_, err = c.GetResourcePolicy(t.Context(), &secretsmanager.GetResourcePolicyInput{SecretId: aws.String(name + "-missing")})
	tg.checkCode(t, "get-policy-missing", err, "ResourceNotFoundException")

	// The AWS CLI's validate-resource-policy example passes, with no errors.
	v, err := c.ValidateResourcePolicy(t.Context(), &secretsmanager.ValidateResourcePolicyInput{ResourcePolicy: aws.String(
		`{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:role/MyRole"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}`)})
	tg.check(t, "validate-passes", err == nil && v.PolicyValidationPassed && len(v.ValidationErrors) == 0, "ValidateResourcePolicy: %+v, %v", v, err)
	v, err = c.ValidateResourcePolicy(t.Context(), &secretsmanager.ValidateResourcePolicyInput{ResourcePolicy: aws.String(policy)})
	tg.check(t, "validate-public", err == nil && !v.PolicyValidationPassed && len(v.ValidationErrors) == 1, "a policy for every principal: %+v, %v", v, err)
	_, err = c.PutResourcePolicy(t.Context(), &secretsmanager.PutResourcePolicyInput{SecretId: aws.String(name), ResourcePolicy: aws.String(policy), BlockPublicPolicy: aws.Bool(true)})
	tg.checkCode(t, "block-public-policy", err, "PublicPolicyException")
	_, err = c.PutResourcePolicy(t.Context(), &secretsmanager.PutResourcePolicyInput{SecretId: aws.String(name), ResourcePolicy: aws.String(`{"Statement": `)})
	tg.checkCode(t, "malformed-policy", err, "MalformedPolicyDocumentException")
}

// testListSecretsFilteringRecorded replays the recorded
// test_list_secrets_filtering: name is a case-sensitive prefix, "!"
// negates, and description matches word by word.
func testListSecretsFilteringRecorded(t *testing.T, tg target, c *secretsmanager.Client) {
	base := uniqueName(t)
	one, two, three, four := "testing1/one-"+base, "/testing2/two-"+base, "testing3/three-"+base, "/testing4/four-"+base
	for name, desc := range map[string]string{one: "a secret", two: "an secret", three: "asecret", four: "thesecret"} {
		if _, err := c.CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String("s"), Description: aws.String(desc)}); err != nil {
			t.Fatalf("CreateSecret %s: %v", name, err)
		}
	}
	mine := []string{one, two, three, four}
	cases := []struct {
		id      string
		filters []types.Filter
		want    []string
	}{
		{"filter-name-slash", []types.Filter{{Key: "name", Values: []string{"/"}}}, []string{two, four}},
		{"filter-name-not-slash", []types.Filter{{Key: "name", Values: []string{"!/"}}}, []string{one, three}},
		{"filter-name-words", []types.Filter{{Key: "name", Values: []string{"testing1 one"}}}, nil},
		{"filter-description-prefix", []types.Filter{{Key: "description", Values: []string{"a"}}}, []string{one, two, three}},
		{"filter-description-not", []types.Filter{{Key: "description", Values: []string{"!a"}}}, []string{four}},
		{"filter-description-words", []types.Filter{{Key: "description", Values: []string{"a secret"}}}, []string{one, two}},
		{"filter-description-and-name", []types.Filter{{Key: "description", Values: []string{"a"}}, {Key: "name", Values: []string{"an"}}}, nil},
		{"filter-description-not-c", []types.Filter{{Key: "description", Values: []string{"!c"}}}, mine},
	}
	for _, tc := range cases {
		var got []string
		p := secretsmanager.NewListSecretsPaginator(c, &secretsmanager.ListSecretsInput{Filters: tc.filters})
		for p.HasMorePages() {
			page, err := p.NextPage(t.Context())
			if err != nil {
				t.Fatalf("%s: ListSecrets: %v", tc.id, err)
			}
			for _, e := range page.SecretList {
				if slices.Contains(mine, aws.ToString(e.Name)) {
					got = append(got, aws.ToString(e.Name))
				}
			}
		}
		slices.Sort(got)
		want := slices.Clone(tc.want)
		slices.Sort(want)
		tg.check(t, tc.id, slices.Equal(got, want), "filters %+v found %v, want %v", tc.filters, got, want)
	}
}

// testListSecretsSortBy: SortBy name sorts by name, both ways.
func testListSecretsSortBy(t *testing.T, tg target, c *secretsmanager.Client) {
	base := uniqueName(t)
	for _, n := range []string{"b", "c", "a"} {
		create(t, c, base+"/"+n, n)
	}
	list := func(order types.SortOrderType) []string {
		out, err := c.ListSecrets(t.Context(), &secretsmanager.ListSecretsInput{
			SortBy: types.SortByTypeName, SortOrder: order,
			Filters: []types.Filter{{Key: "name", Values: []string{base + "/"}}},
		})
		if err != nil {
			t.Fatalf("ListSecrets: %v", err)
		}
		var names []string
		for _, e := range out.SecretList {
			names = append(names, strings.TrimPrefix(aws.ToString(e.Name), base+"/"))
		}
		return names
	}
	tg.check(t, "sort-name-asc", slices.Equal(list(types.SortOrderTypeAsc), []string{"a", "b", "c"}), "asc %v", list(types.SortOrderTypeAsc))
	tg.check(t, "sort-name-desc", slices.Equal(list(types.SortOrderTypeDesc), []string{"c", "b", "a"}), "desc %v", list(types.SortOrderTypeDesc))
}
