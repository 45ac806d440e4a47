package localaws_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// testRotationFields checks the rotation fields of a secret no rotation
// function has touched, which any implementation can be asked about: the
// DescribeSecret reference's null RotationEnabled ("If the secret has never
// been configured for rotation, Secrets Manager returns null", which
// ListSecrets follows), and RotateSecret refusing both kinds of schedule at
// once. What a rotation function does is in rotation_test.go (localaws
// only: the functions are registered through its API).
func testRotationFields(t *testing.T, tg target, c *secretsmanager.Client) {
	name := uniqueName(t)
	create(t, c, name, "v")
	d, err := c.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(name)})
	if err != nil {
		t.Fatalf("DescribeSecret: %v", err)
	}
	tg.check(t, "rotation-enabled-null", d.RotationEnabled == nil && d.RotationRules == nil && d.LastRotatedDate == nil,
		"never configured: RotationEnabled=%v RotationRules=%+v LastRotatedDate=%v, want all null", d.RotationEnabled, d.RotationRules, d.LastRotatedDate)
	out, err := c.ListSecrets(t.Context(), &secretsmanager.ListSecretsInput{
		Filters: []types.Filter{{Key: types.FilterNameStringTypeName, Values: []string{name}}},
	})
	if err != nil {
		t.Fatalf("ListSecrets: %v", err)
	}
	tg.check(t, "list-rotation-enabled-null", len(out.SecretList) == 1 && out.SecretList[0].RotationEnabled == nil,
		"ListSecrets entries for %s: %+v, want one with RotationEnabled null", name, out.SecretList)
	_, err = c.RotateSecret(t.Context(), &secretsmanager.RotateSecretInput{
		SecretId: aws.String(name), RotationLambdaARN: aws.String("arn:aws:lambda:us-east-1:123456789012:function:rotate-conf"),
		RotationRules: &types.RotationRulesType{AutomaticallyAfterDays: aws.Int64(7), ScheduleExpression: aws.String("rate(7 days)")},
	})
	tg.checkCode(t, "rotation-both-schedules", err, "InvalidParameterException")
}
