package localaws_test

import (
	"bytes"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// TestConformanceLocal runs the Secrets Manager conformance suite against
// localaws through the real SDK client.
func TestConformanceLocal(t *testing.T) {
	t.Parallel()
	runConformance(t, localTarget())
}

// runConformance asserts AWS's documented Secrets Manager behaviour on one
// target. Each case uses its own secret, so a shared server is fine.
func runConformance(t *testing.T, tg target) {
	cases := []struct {
		name string
		run  func(t *testing.T, tg target, c *secretsmanager.Client)
	}{
		{"CreateAndGet", testCreateAndGet},
		{"LookupByARN", testLookupByARN},
		{"BinarySecret", testBinarySecret},
		{"CreateErrors", testCreateErrors},
		{"NoValueYet", testNoValueYet},
		{"PutMovesCurrent", testPutMovesCurrent},
		{"PutIdempotentToken", testPutIdempotentToken},
		{"PutWithStages", testPutWithStages},
		{"UpdateStageMovesCurrent", testUpdateStageMovesCurrent},
		{"UpdateStageCustomLabel", testUpdateStageCustomLabel},
		{"GetSelectors", testGetSelectors},
		{"DeleteAndRestore", testDeleteAndRestore},
		{"ForceDelete", testForceDelete},
		{"ListSecrets", testListSecrets},
		{"ListVersionIDs", testListVersionIDs},
		{"BatchGet", testBatchGet},
		{"RandomPassword", testRandomPassword},
		{"RotationFields", testRotationFields},
		{"UpdateSecret", testUpdateSecret},
		{"Tags", testTags},
		{"ResourcePolicy", testResourcePolicy},
		{"ListSecretsFilteringRecorded", testListSecretsFilteringRecorded},
		{"ListSecretsSortBy", testListSecretsSortBy},
		{"Replication", testReplication},
		{"RecordedCurrentPending", testRecordedCurrentPending},
		{"RecordedCustomStages", testRecordedCustomStages},
		{"RecordedDeprecated", testRecordedDeprecated},
		{"RecordedInvalidNames", testRecordedInvalidNames},
		{"RecordedNotFoundMessages", testRecordedNotFoundMessages},
		{"RecordedLifecycle", testRecordedLifecycle},
		{"RecordedListFilters", testRecordedListFilters},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tg.parallel {
				t.Parallel()
			}
			tc.run(t, tg, tg.newClient(t))
		})
	}
}

// create makes a secret with a string value and returns its ARN and version.
func create(t *testing.T, c *secretsmanager.Client, name, value string) (string, string) {
	t.Helper()
	out, err := c.CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(value)})
	if err != nil {
		t.Fatalf("CreateSecret %s: %v", name, err)
	}
	return aws.ToString(out.ARN), aws.ToString(out.VersionId)
}

func put(t *testing.T, c *secretsmanager.Client, id, value string, stages ...string) string {
	t.Helper()
	out, err := c.PutSecretValue(t.Context(), &secretsmanager.PutSecretValueInput{
		SecretId: aws.String(id), SecretString: aws.String(value), VersionStages: stages,
	})
	if err != nil {
		t.Fatalf("PutSecretValue %s: %v", id, err)
	}
	return aws.ToString(out.VersionId)
}

// current returns the value GetSecretValue gives with no selector.
func current(t *testing.T, c *secretsmanager.Client, id string) string {
	t.Helper()
	out, err := c.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)})
	if err != nil {
		t.Fatalf("GetSecretValue %s: %v", id, err)
	}
	return aws.ToString(out.SecretString)
}

// stages returns VersionIdsToStages from DescribeSecret.
func stages(t *testing.T, c *secretsmanager.Client, id string) map[string][]string {
	t.Helper()
	out, err := c.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(id)})
	if err != nil {
		t.Fatalf("DescribeSecret %s: %v", id, err)
	}
	return out.VersionIdsToStages
}

func hasStage(m map[string][]string, version, stage string) bool {
	return slices.Contains(m[version], stage)
}

var arnPattern = regexp.MustCompile(`^arn:aws:secretsmanager:[a-z0-9-]+:\d{12}:secret:(.+)-[A-Za-z0-9]{6}$`)

func testCreateAndGet(t *testing.T, tg target, c *secretsmanager.Client) {
	name := uniqueName(t)
	arn, ver := create(t, c, name, `{"username":"app"}`)
	m := arnPattern.FindStringSubmatch(arn)
	tg.check(t, "arn-suffix", m != nil && m[1] == name, "ARN %q: want the name plus a 6-character suffix", arn)
	out, err := c.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(name)})
	if err != nil {
		t.Fatalf("GetSecretValue: %v", err)
	}
	tg.check(t, "get-value", aws.ToString(out.SecretString) == `{"username":"app"}`, "SecretString = %q", aws.ToString(out.SecretString))
	tg.check(t, "get-version", aws.ToString(out.VersionId) == ver, "VersionId = %q, want %q", aws.ToString(out.VersionId), ver)
	tg.check(t, "get-stages", slices.Equal(out.VersionStages, []string{"AWSCURRENT"}), "VersionStages = %v", out.VersionStages)
	tg.check(t, "get-arn", aws.ToString(out.ARN) == arn && aws.ToString(out.Name) == name, "ARN/Name = %q/%q", aws.ToString(out.ARN), aws.ToString(out.Name))
	tg.check(t, "get-created", out.CreatedDate != nil && !out.CreatedDate.IsZero(), "CreatedDate missing")
	d, err := c.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(name)})
	if err != nil {
		t.Fatalf("DescribeSecret: %v", err)
	}
	tg.check(t, "describe-stages", hasStage(d.VersionIdsToStages, ver, "AWSCURRENT") && len(d.VersionIdsToStages) == 1,
		"VersionIdsToStages = %v", d.VersionIdsToStages)
	tg.check(t, "describe-rotation-off", !aws.ToBool(d.RotationEnabled), "RotationEnabled on a new secret")
}

func testLookupByARN(t *testing.T, tg target, c *secretsmanager.Client) {
	name := uniqueName(t)
	arn, _ := create(t, c, name, "v1")
	partial := arn[:len(arn)-7] // without "-XXXXXX"
	for _, tc := range []struct{ id, ids string }{{"by-full-arn", arn}, {"by-partial-arn", partial}} {
		got, err := c.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(tc.ids)})
		tg.check(t, tc.id, err == nil && aws.ToString(got.SecretString) == "v1", "GetSecretValue(%s): %v", tc.ids, err)
	}
	_, err := c.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn[:len(arn)-1] + "Z")})
	if !strings.HasSuffix(arn, "Z") {
		tg.checkCode(t, "wrong-suffix", err, "ResourceNotFoundException")
	}
	_, err = c.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(name + "-missing")})
	tg.checkCode(t, "missing-secret", err, "ResourceNotFoundException")
	_, err = c.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(name + "-missing")})
	tg.checkCode(t, "describe-missing", err, "ResourceNotFoundException")
}

func testBinarySecret(t *testing.T, tg target, c *secretsmanager.Client) {
	name := uniqueName(t)
	bin := []byte{0, 1, 2, 0xfe, 0xff}
	if _, err := c.CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretBinary: bin}); err != nil {
		t.Fatalf("CreateSecret: %v", err)
	}
	out, err := c.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(name)})
	if err != nil {
		t.Fatalf("GetSecretValue: %v", err)
	}
	tg.check(t, "binary-roundtrip", bytes.Equal(out.SecretBinary, bin) && out.SecretString == nil,
		"SecretBinary = %v, SecretString = %v", out.SecretBinary, out.SecretString)
}

func testCreateErrors(t *testing.T, tg target, c *secretsmanager.Client) {
	name := uniqueName(t)
	create(t, c, name, "v1")
	_, err := c.CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String("v2")})
	tg.checkCode(t, "create-duplicate", err, "ResourceExistsException")
	_, err = c.CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{
		Name: aws.String(uniqueName(t)), SecretString: aws.String("s"), SecretBinary: []byte("b"),
	})
	tg.checkCode(t, "create-both-values", err, "InvalidParameterException")
	_, err = c.CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{
		Name: aws.String(strings.Repeat("n", 513)), SecretString: aws.String("s"),
	})
	tg.checkCode(t, "name-too-long", err, "ValidationException")
	_, err = c.CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{
		Name: aws.String(uniqueName(t)), SecretString: aws.String(strings.Repeat("x", 65537)),
	})
	tg.checkCode(t, "value-too-large", err, "ValidationException")
	long := uniqueName(t)
	long += strings.Repeat("n", 512-len(long))
	_, err = c.CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{Name: aws.String(long), SecretString: aws.String(strings.Repeat("x", 65536))})
	tg.check(t, "limits-inclusive", err == nil, "512-char name with a 65536-byte value: %v", err)
}

func testNoValueYet(t *testing.T, tg target, c *secretsmanager.Client) {
	name := uniqueName(t)
	out, err := c.CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{Name: aws.String(name)})
	if err != nil {
		t.Fatalf("CreateSecret without value: %v", err)
	}
	tg.check(t, "no-value-no-version", out.VersionId == nil, "VersionId = %v for a secret without value", aws.ToString(out.VersionId))
	_, err = c.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(name)})
	tg.checkCode(t, "get-without-value", err, "ResourceNotFoundException")
	v := put(t, c, name, "first", "AWSPENDING")
	tg.check(t, "first-version-current", hasStage(stages(t, c, name), v, "AWSCURRENT"),
		"the first version gets AWSCURRENT whatever VersionStages says: %v", stages(t, c, name))
}
