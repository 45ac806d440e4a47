package localaws_test

import (
	"strings"
	"testing"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

func testDeleteAndRestore(t *testing.T, tg target, c *secretsmanager.Client) {
	name := uniqueName(t)
	create(t, c, name, "one")
	_, err := c.DeleteSecret(t.Context(), &secretsmanager.DeleteSecretInput{SecretId: aws.String(name), RecoveryWindowInDays: aws.Int64(3)})
	tg.checkCode(t, "recovery-window-range", err, "InvalidParameterException")
	_, err = c.DeleteSecret(t.Context(), &secretsmanager.DeleteSecretInput{
		SecretId: aws.String(name), RecoveryWindowInDays: aws.Int64(7), ForceDeleteWithoutRecovery: aws.Bool(true),
	})
	tg.checkCode(t, "window-and-force", err, "InvalidParameterException")
	del, err := c.DeleteSecret(t.Context(), &secretsmanager.DeleteSecretInput{SecretId: aws.String(name), RecoveryWindowInDays: aws.Int64(7)})
	if err != nil {
		t.Fatalf("DeleteSecret: %v", err)
	}
	tg.check(t, "deletion-date", del.DeletionDate != nil && !del.DeletionDate.IsZero(), "DeletionDate missing")
	_, err = c.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(name)})
	tg.checkCode(t, "get-deleted", err, "InvalidRequestException")
	_, err = c.PutSecretValue(t.Context(), &secretsmanager.PutSecretValueInput{SecretId: aws.String(name), SecretString: aws.String("x")})
	tg.checkCode(t, "put-deleted", err, "InvalidRequestException")
	_, err = c.CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String("x")})
	tg.checkCode(t, "create-over-deleted", err, "InvalidRequestException")
	_, err = c.DeleteSecret(t.Context(), &secretsmanager.DeleteSecretInput{SecretId: aws.String(name)})
	tg.checkCode(t, "delete-deleted", err, "InvalidRequestException")
	d, err := c.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(name)})
	tg.check(t, "describe-deleted", err == nil && d.DeletedDate != nil, "DescribeSecret on a deleted secret: %v", err)
	tg.check(t, "list-hides-deleted", !listed(t, c, name, false), "ListSecrets shows a deleted secret")
	tg.check(t, "list-planned-deletion", listed(t, c, name, true), "IncludePlannedDeletion hides a deleted secret")
	if _, err := c.RestoreSecret(t.Context(), &secretsmanager.RestoreSecretInput{SecretId: aws.String(name)}); err != nil {
		t.Fatalf("RestoreSecret: %v", err)
	}
	tg.check(t, "restored", current(t, c, name) == "one", "value after restore")
	_, err = c.RestoreSecret(t.Context(), &secretsmanager.RestoreSecretInput{SecretId: aws.String(name + "-missing")})
	tg.checkCode(t, "restore-missing", err, "ResourceNotFoundException")
}

func testForceDelete(t *testing.T, tg target, c *secretsmanager.Client) {
	name := uniqueName(t)
	arn, _ := create(t, c, name, "one")
	if _, err := c.DeleteSecret(t.Context(), &secretsmanager.DeleteSecretInput{SecretId: aws.String(name), ForceDeleteWithoutRecovery: aws.Bool(true)}); err != nil {
		t.Fatalf("DeleteSecret: %v", err)
	}
	_, err := c.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(name)})
	tg.checkCode(t, "force-deleted-gone", err, "ResourceNotFoundException")
	arn2, _ := create(t, c, name, "two")
	tg.check(t, "recreated-new-arn", arn2 != arn, "a recreated secret kept the old ARN %s", arn)
	_, err = c.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
	tg.checkCode(t, "old-arn-not-found", err, "ResourceNotFoundException")
	_, err = c.DeleteSecret(t.Context(), &secretsmanager.DeleteSecretInput{SecretId: aws.String(name + "-never"), ForceDeleteWithoutRecovery: aws.Bool(true)})
	tg.check(t, "force-delete-missing", err == nil, "forced delete of a missing secret: %v", err)
	_, err = c.DeleteSecret(t.Context(), &secretsmanager.DeleteSecretInput{SecretId: aws.String(name + "-never")})
	tg.checkCode(t, "delete-missing", err, "ResourceNotFoundException")
}

func listed(t *testing.T, c *secretsmanager.Client, name string, planned bool) bool {
	t.Helper()
	out, err := c.ListSecrets(t.Context(), &secretsmanager.ListSecretsInput{
		IncludePlannedDeletion: aws.Bool(planned),
		Filters:                []types.Filter{{Key: types.FilterNameStringTypeName, Values: []string{name}}},
	})
	if err != nil {
		t.Fatalf("ListSecrets: %v", err)
	}
	for _, e := range out.SecretList {
		if aws.ToString(e.Name) == name {
			return true
		}
	}
	return false
}

func testListSecrets(t *testing.T, tg target, c *secretsmanager.Client) {
	prefix := uniqueName(t)
	for _, n := range []string{"/a", "/b", "/c"} {
		create(t, c, prefix+n, "v")
	}
	var names []string
	var token *string
	pages := 0
	for {
		out, err := c.ListSecrets(t.Context(), &secretsmanager.ListSecretsInput{
			MaxResults: aws.Int32(2), NextToken: token,
			Filters: []types.Filter{{Key: types.FilterNameStringTypeName, Values: []string{prefix}}},
		})
		if err != nil {
			t.Fatalf("ListSecrets: %v", err)
		}
		pages++
		for _, e := range out.SecretList {
			names = append(names, aws.ToString(e.Name))
			tg.check(t, "list-versions-to-stages", len(e.SecretVersionsToStages) == 1, "SecretVersionsToStages = %v", e.SecretVersionsToStages)
		}
		if token = out.NextToken; token == nil || pages > 5 {
			break
		}
	}
	tg.check(t, "list-filter-pages", len(names) == 3 && pages == 2, "names %v over %d pages", names, pages)
	out, err := c.ListSecrets(t.Context(), &secretsmanager.ListSecretsInput{
		Filters: []types.Filter{{Key: types.FilterNameStringTypeName, Values: []string{strings.ToUpper(prefix)}}},
	})
	tg.check(t, "list-name-case-sensitive", err == nil && len(out.SecretList) == 0, "upper-case name filter matched %d", len(out.SecretList))
}

func testListVersionIDs(t *testing.T, tg target, c *secretsmanager.Client) {
	name := uniqueName(t)
	_, v1 := create(t, c, name, "one")
	put(t, c, name, "two")
	v3 := put(t, c, name, "three")
	out, err := c.ListSecretVersionIds(t.Context(), &secretsmanager.ListSecretVersionIdsInput{SecretId: aws.String(name)})
	if err != nil {
		t.Fatalf("ListSecretVersionIds: %v", err)
	}
	ids := map[string]bool{}
	for _, v := range out.Versions {
		ids[aws.ToString(v.VersionId)] = true
	}
	tg.check(t, "versions-hide-deprecated", len(ids) == 2 && !ids[v1] && ids[v3], "versions %v", ids)
	out, err = c.ListSecretVersionIds(t.Context(), &secretsmanager.ListSecretVersionIdsInput{SecretId: aws.String(name), IncludeDeprecated: aws.Bool(true)})
	tg.check(t, "versions-include-deprecated", err == nil && len(out.Versions) == 3, "IncludeDeprecated: %v", err)
	_, err = c.ListSecretVersionIds(t.Context(), &secretsmanager.ListSecretVersionIdsInput{SecretId: aws.String(name + "-missing")})
	tg.checkCode(t, "versions-missing", err, "ResourceNotFoundException")
}

func testBatchGet(t *testing.T, tg target, c *secretsmanager.Client) {
	a, b := uniqueName(t), uniqueName(t)
	create(t, c, a, "A")
	create(t, c, b, "B")
	out, err := c.BatchGetSecretValue(t.Context(), &secretsmanager.BatchGetSecretValueInput{SecretIdList: []string{a, b, a + "-missing"}})
	if err != nil {
		t.Fatalf("BatchGetSecretValue: %v", err)
	}
	got := map[string]string{}
	for _, v := range out.SecretValues {
		got[aws.ToString(v.Name)] = aws.ToString(v.SecretString)
	}
	tg.check(t, "batch-values", got[a] == "A" && got[b] == "B" && len(got) == 2, "values %v", got)
	tg.check(t, "batch-error-entry", len(out.Errors) == 1 && aws.ToString(out.Errors[0].ErrorCode) == "ResourceNotFoundException" &&
		aws.ToString(out.Errors[0].SecretId) == a+"-missing", "errors %+v", out.Errors)
	_, err = c.BatchGetSecretValue(t.Context(), &secretsmanager.BatchGetSecretValueInput{
		SecretIdList: []string{a}, Filters: []types.Filter{{Key: types.FilterNameStringTypeName, Values: []string{a}}},
	})
	tg.checkCode(t, "batch-list-and-filters", err, "InvalidParameterException")
	fo, err := c.BatchGetSecretValue(t.Context(), &secretsmanager.BatchGetSecretValueInput{
		Filters: []types.Filter{{Key: types.FilterNameStringTypeName, Values: []string{b}}},
	})
	tg.check(t, "batch-filter", err == nil && len(fo.SecretValues) == 1 && aws.ToString(fo.SecretValues[0].SecretString) == "B", "filter batch: %v", err)
}

func testRandomPassword(t *testing.T, tg target, c *secretsmanager.Client) {
	out, err := c.GetRandomPassword(t.Context(), &secretsmanager.GetRandomPasswordInput{
		PasswordLength: aws.Int64(40), ExcludeCharacters: aws.String(`/@"'\`), ExcludePunctuation: aws.Bool(false),
	})
	if err != nil {
		t.Fatalf("GetRandomPassword: %v", err)
	}
	pw := aws.ToString(out.RandomPassword)
	var lower, upper, digit, punct bool
	for _, r := range pw {
		lower = lower || unicode.IsLower(r)
		upper = upper || unicode.IsUpper(r)
		digit = digit || unicode.IsDigit(r)
		punct = punct || unicode.IsPunct(r) || unicode.IsSymbol(r)
	}
	tg.check(t, "password-length", len(pw) == 40, "length %d", len(pw))
	tg.check(t, "password-excludes", !strings.ContainsAny(pw, `/@"'\`), "excluded characters present")
	tg.check(t, "password-each-type", lower && upper && digit && punct, "a required character type is missing")
	def, err := c.GetRandomPassword(t.Context(), &secretsmanager.GetRandomPasswordInput{})
	tg.check(t, "password-default-32", err == nil && len(aws.ToString(def.RandomPassword)) == 32, "default length: %v", err)
	_, err = c.GetRandomPassword(t.Context(), &secretsmanager.GetRandomPasswordInput{PasswordLength: aws.Int64(4097)})
	tg.checkCode(t, "password-too-long", err, "ValidationException")
	_, err = c.GetRandomPassword(t.Context(), &secretsmanager.GetRandomPasswordInput{PasswordLength: aws.Int64(2)})
	tg.checkCode(t, "password-too-short-for-types", err, "InvalidParameterException")
}
