package localaws_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// Scenarios recorded against AWS in LocalStack's
// tests/aws/services/secretsmanager/test_secretsmanager.py (and its
// .snapshot.json), replayed through the SDK. The responses are AWS's; the
// test code is ours. localaws/README.md lists which pass here and on moto.

// versionsOf is ListSecretVersionIds as id -> stages.
func versionsOf(t *testing.T, c *secretsmanager.Client, id string, deprecated bool) map[string][]string {
	t.Helper()
	out, err := c.ListSecretVersionIds(t.Context(), &secretsmanager.ListSecretVersionIdsInput{SecretId: aws.String(id), IncludeDeprecated: aws.Bool(deprecated)})
	if err != nil {
		t.Fatalf("ListSecretVersionIds: %v", err)
	}
	m := map[string][]string{}
	for _, v := range out.Versions {
		st := slices.Clone(v.VersionStages)
		slices.Sort(st)
		m[aws.ToString(v.VersionId)] = st
	}
	return m
}

func sortedStages(st ...string) []string {
	slices.Sort(st)
	return st
}

// testRecordedCurrentPending: test_update_secret_version_stages_current_pending.
// After AWSCURRENT is moved onto the AWSPENDING version, a PutSecretValue
// takes AWSCURRENT and the version that loses it keeps AWSPREVIOUS only:
// AWSPENDING goes with it.
func testRecordedCurrentPending(t *testing.T, tg target, c *secretsmanager.Client) {
	name := uniqueName(t)
	_, v0 := create(t, c, name, "Something1")
	v1 := put(t, c, name, "Something2", "AWSPENDING")
	if _, err := c.UpdateSecretVersionStage(t.Context(), &secretsmanager.UpdateSecretVersionStageInput{
		SecretId: aws.String(name), VersionStage: aws.String("AWSCURRENT"), MoveToVersionId: aws.String(v1), RemoveFromVersionId: aws.String(v0),
	}); err != nil {
		t.Fatalf("UpdateSecretVersionStage: %v", err)
	}
	got := versionsOf(t, c, name, false)
	tg.check(t, "recorded-current-pending-1", slices.Equal(got[v0], []string{"AWSPREVIOUS"}) && slices.Equal(got[v1], sortedStages("AWSCURRENT", "AWSPENDING")),
		"after moving AWSCURRENT: %v", got)
	v2 := put(t, c, name, "SS3")
	got = versionsOf(t, c, name, false)
	tg.check(t, "recorded-current-pending-2", len(got) == 2 && slices.Equal(got[v1], []string{"AWSPREVIOUS"}) && slices.Equal(got[v2], []string{"AWSCURRENT"}),
		"after the next put: %v", got)
}

// testRecordedCustomStages: test_non_versioning_version_stages_no_replacement
// and ..._current_pending_cycle_custom_stages_3: custom labels move between
// versions, and a custom label can be removed from AWSCURRENT's version.
func testRecordedCustomStages(t *testing.T, tg target, c *secretsmanager.Client) {
	name := uniqueName(t)
	_, v0 := create(t, c, name, "S0")
	v1 := put(t, c, name, "S1", "one", "two", "three")
	v2 := put(t, c, name, "S2", "one", "two", "four")
	got := versionsOf(t, c, name, false)
	tg.check(t, "recorded-no-replacement", slices.Equal(got[v0], []string{"AWSCURRENT"}) && slices.Equal(got[v1], []string{"three"}) &&
		slices.Equal(got[v2], sortedStages("four", "one", "two")), "versions %v", got)

	name = uniqueName(t)
	_, w1 := create(t, c, name, "SS")
	w2 := put(t, c, name, "S1", "PENDING")
	if _, err := c.UpdateSecretVersionStage(t.Context(), &secretsmanager.UpdateSecretVersionStageInput{
		SecretId: aws.String(name), VersionStage: aws.String("AWSCURRENT"), MoveToVersionId: aws.String(w2), RemoveFromVersionId: aws.String(w1),
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateSecretVersionStage(t.Context(), &secretsmanager.UpdateSecretVersionStageInput{
		SecretId: aws.String(name), VersionStage: aws.String("PENDING"), RemoveFromVersionId: aws.String(w2),
	}); err != nil {
		t.Fatalf("removing a custom label: %v", err)
	}
	g, err := c.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(name), VersionId: aws.String(w2)})
	tg.check(t, "recorded-custom-stages-3", err == nil && slices.Equal(g.VersionStages, []string{"AWSCURRENT"}), "version stages %v, %v", g, err)
}

// testRecordedDeprecated: test_deprecated_secret_version_stage. A version
// that lost its labels is listed only with IncludeDeprecated, without
// VersionStages; every version names its key, DefaultEncryptionKey.
func testRecordedDeprecated(t *testing.T, tg target, c *secretsmanager.Client) {
	name := uniqueName(t)
	_, v1 := create(t, c, name, "original")
	put(t, c, name, "update1")
	put(t, c, name, "update2")
	tg.check(t, "recorded-deprecated-hidden", len(versionsOf(t, c, name, false)) == 2, "without IncludeDeprecated: %v", versionsOf(t, c, name, false))
	out, err := c.ListSecretVersionIds(t.Context(), &secretsmanager.ListSecretVersionIdsInput{SecretId: aws.String(name), IncludeDeprecated: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	ok := len(out.Versions) == 3
	for _, v := range out.Versions {
		if aws.ToString(v.VersionId) == v1 {
			ok = ok && v.VersionStages == nil
		}
	}
	tg.check(t, "recorded-deprecated-listed", ok, "with IncludeDeprecated: %+v", out.Versions)
	keysOK := len(out.Versions) > 0
	for _, v := range out.Versions {
		keysOK = keysOK && slices.Equal(v.KmsKeyIds, []string{"DefaultEncryptionKey"})
	}
	tg.check(t, "recorded-kms-key-ids", keysOK, "KmsKeyIds of versions: %+v", out.Versions)
}

// testRecordedInvalidNames: test_invalid_secret_name. Every operation that
// takes a name or SecretId answers a name with characters outside
// -/_+=.@! with ValidationException.
func testRecordedInvalidNames(t *testing.T, tg target, c *secretsmanager.Client) {
	ctx := t.Context()
	for _, name := range []string{"Inv Name", " Inv Name", " Inv*Name? ", ` Inv *?!]Name\\-`} {
		id := aws.String(name)
		calls := map[string]func() error{
			"CreateSecret": func() error {
				_, err := c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: id, SecretString: aws.String("MySecretString")})
				return err
			},
			"DeleteSecret": func() error {
				_, err := c.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: id, ForceDeleteWithoutRecovery: aws.Bool(true)})
				return err
			},
			"DescribeSecret": func() error {
				_, err := c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: id})
				return err
			},
			"GetSecretValue": func() error {
				_, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: id})
				return err
			},
			"ListSecretVersionIds": func() error {
				_, err := c.ListSecretVersionIds(ctx, &secretsmanager.ListSecretVersionIdsInput{SecretId: id, IncludeDeprecated: aws.Bool(true)})
				return err
			},
			"PutSecretValue": func() error {
				_, err := c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: id, SecretString: aws.String("MySecretString")})
				return err
			},
			"UpdateSecret": func() error {
				_, err := c.UpdateSecret(ctx, &secretsmanager.UpdateSecretInput{SecretId: id, Description: aws.String("MyNewDescription")})
				return err
			},
			"ValidateResourcePolicy": func() error {
				_, err := c.ValidateResourcePolicy(ctx, &secretsmanager.ValidateResourcePolicyInput{SecretId: id, ResourcePolicy: aws.String(
					`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`)})
				return err
			},
		}
		for op, call := range calls {
			err := call()
			tg.check(t, "recorded-invalid-name", errCode(err) == "ValidationException" &&
				strings.Contains(err.Error(), "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!"),
				"%s(%q): %v", op, name, err)
		}
	}
}

// testRecordedNotFoundMessages: test_secret_version_not_found,
// test_get_secret_value_errors and test_secret_not_found.
func testRecordedNotFoundMessages(t *testing.T, tg target, c *secretsmanager.Client) {
	ctx := t.Context()
	name := uniqueName(t)
	if _, err := c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	const missing = "3c1f6a4e-8a6b-4b6e-9c2a-0f1e2d3c4b5a"
	cases := []struct {
		id      string
		in      secretsmanager.GetSecretValueInput
		code    string
		message string
	}{
		{"recorded-no-version", secretsmanager.GetSecretValueInput{SecretId: aws.String(name)}, "ResourceNotFoundException",
			"Secrets Manager can't find the specified secret value for staging label: AWSCURRENT"},
		{"recorded-version-not-found", secretsmanager.GetSecretValueInput{SecretId: aws.String(name), VersionId: aws.String(missing)}, "ResourceNotFoundException",
			"Secrets Manager can't find the specified secret value for VersionId: " + missing},
		{"recorded-stage-not-found", secretsmanager.GetSecretValueInput{SecretId: aws.String(name), VersionStage: aws.String("AWSPENDING")}, "ResourceNotFoundException",
			"Secrets Manager can't find the specified secret value for staging label: AWSPENDING"},
		{"recorded-secret-not-found", secretsmanager.GetSecretValueInput{SecretId: aws.String(name + "-none")}, "ResourceNotFoundException",
			"Secrets Manager can't find the specified secret."},
	}
	for _, tc := range cases {
		_, err := c.GetSecretValue(ctx, &tc.in)
		tg.check(t, tc.id, errCode(err) == tc.code && strings.HasSuffix(err.Error(), tc.message), "GetSecretValue %+v: %v", tc.in, err)
	}
	v := put(t, c, name, "example-string-to-protect")
	st := stages(t, c, name)
	tg.check(t, "recorded-version-from-empty-secret", slices.Equal(st[v], []string{"AWSCURRENT"}), "first PutSecretValue on a secret with no value: %v", st)
	_, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(name), VersionStage: aws.String("AWSPREVIOUS")})
	tg.check(t, "recorded-no-previous", errCode(err) == "ResourceNotFoundException" &&
		strings.HasSuffix(err.Error(), "Secrets Manager can't find the specified secret value for staging label: AWSPREVIOUS"), "AWSPREVIOUS of a one-version secret: %v", err)
}

// testRecordedLifecycle: test_can_recreate_delete_secret,
// test_force_delete_deleted_secret and test_last_accessed_date.
func testRecordedLifecycle(t *testing.T, tg target, c *secretsmanager.Client) {
	ctx := t.Context()
	name := uniqueName(t)
	arn, _ := create(t, c, name, "first")
	d, err := c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(name)})
	tg.check(t, "recorded-no-access-yet", err == nil && d.LastAccessedDate == nil, "LastAccessedDate before any read: %v", d.LastAccessedDate)
	current(t, c, name)
	current(t, c, name)
	d, err = c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(name)})
	tg.check(t, "recorded-access-date", err == nil && d.LastAccessedDate != nil && d.LastAccessedDate.UTC().Hour() == 0 && d.LastAccessedDate.UTC().Minute() == 0,
		"LastAccessedDate after reads: %v (a day, without its time)", d.LastAccessedDate)
	if _, err := c.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(arn)}); err != nil {
		t.Fatalf("DescribeSecret while scheduled for deletion: %v", err)
	}
	if _, err := c.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String(arn), ForceDeleteWithoutRecovery: aws.Bool(true)}); err != nil {
		t.Errorf("force delete of a secret scheduled for deletion: %v", err)
	}
	again, _ := create(t, c, name, "second")
	tg.check(t, "recorded-recreate-new-arn", again != arn, "recreated secret has the old ARN %s", arn)
}

// testRecordedListFilters: ListSecrets' owning-service and primary-region
// filters ("Prefix match, case-sensitive").
func testRecordedListFilters(t *testing.T, tg target, c *secretsmanager.Client) {
	name := uniqueName(t)
	create(t, c, name, "v")
	out, err := c.ListSecrets(t.Context(), &secretsmanager.ListSecretsInput{Filters: []types.Filter{{Key: types.FilterNameStringTypePrimaryRegion, Values: []string{"us-east-1"}}}})
	tg.check(t, "filter-primary-region-unreplicated", err == nil && !slices.ContainsFunc(out.SecretList, func(e types.SecretListEntry) bool { return aws.ToString(e.Name) == name }),
		"primary-region matched a secret that is not replicated: %v", err)
}
