package localaws_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/paramsecrets/paramsecrets/localaws"
)

const (
	readerKey  = "AKIAOTHERACCOUNT0001"
	readerRole = "arn:aws:iam::222233334444:role/reader"
	otherKey   = "AKIASTRANGERACCT0001"
	cmk        = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
)

// clientAs is a Secrets Manager client signing with an access key id.
func clientAs(url, accessKey string) *secretsmanager.Client {
	return secretsmanager.New(secretsmanager.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider(accessKey, "secret", ""),
	})
}

// crossAccountSetup serves localaws with two principals in other accounts,
// registered by the seed, and secrets in the home account (123456789012).
func crossAccountSetup(t *testing.T) (string, map[string]string) {
	t.Helper()
	srv, url := startLocal(t, localaws.Options{})
	allowReader := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + readerRole +
		`"},"Action":["secretsmanager:GetSecretValue","secretsmanager:DescribeSecret"],"Resource":"*"}]}`
	denyReader := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"222233334444"},"Action":"secretsmanager:*"},` +
		`{"Effect":"Deny","Principal":{"AWS":"` + readerRole + `"},"Action":"secretsmanager:GetSecretValue"}]}`
	err := srv.Seed(localaws.Seed{
		Principals: map[string]string{readerKey: readerRole, otherKey: "arn:aws:iam::555566667777:role/other"},
		Secrets: []localaws.SeedSecret{
			{Name: "shared", SecretString: aws.String("shared-value"), KmsKeyID: cmk, ResourcePolicy: allowReader},
			{Name: "no-policy", SecretString: aws.String("private-value"), KmsKeyID: cmk},
			{Name: "managed-key", SecretString: aws.String("managed-value"), ResourcePolicy: allowReader},
			{Name: "denied", SecretString: aws.String("denied-value"), KmsKeyID: cmk, ResourcePolicy: denyReader},
		},
	})
	if err != nil {
		t.Fatalf("Seed: %v", err)
	}
	arns := map[string]string{}
	home := newSMClient(url)
	for _, n := range []string{"shared", "no-policy", "managed-key", "denied"} {
		d, err := home.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(n)})
		if err != nil {
			t.Fatalf("DescribeSecret %s: %v", n, err)
		}
		arns[n] = aws.ToString(d.ARN)
	}
	return url, arns
}

// TestCrossAccountReadNeedsPolicyAndCustomerKey follows "Access AWS Secrets
// Manager secrets from a different account": the caller in another account
// gets the value only when the resource policy allows it and the secret
// uses a customer managed key.
func TestCrossAccountReadNeedsPolicyAndCustomerKey(t *testing.T) {
	t.Parallel()
	url, arns := crossAccountSetup(t)
	reader := clientAs(url, readerKey)
	get := func(c *secretsmanager.Client, id string) (string, error) {
		out, err := c.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)})
		if err != nil {
			return "", err
		}
		return aws.ToString(out.SecretString), nil
	}
	denied := func(secret, why string) string {
		return "User: " + readerRole + " is not authorized to perform: secretsmanager:GetSecretValue on resource: " + arns[secret] + " " + why
	}

	t.Run("policy and customer managed key", func(t *testing.T) {
		if v, err := get(reader, arns["shared"]); err != nil || v != "shared-value" {
			t.Errorf("GetSecretValue by ARN from 222233334444: %q, %v", v, err)
		}
		partial := arns["shared"][:len(arns["shared"])-7]
		if v, err := get(reader, partial); err != nil || v != "shared-value" {
			t.Errorf("GetSecretValue by partial ARN: %q, %v", v, err)
		}
	})
	t.Run("no policy", func(t *testing.T) {
		_, err := get(reader, arns["no-policy"])
		if errCode(err) != "AccessDeniedException" || !strings.Contains(err.Error(), denied("no-policy", "because no resource-based policy allows the secretsmanager:GetSecretValue action")) {
			t.Errorf("no resource policy: %v, want AccessDeniedException with IAM's message", err)
		}
	})
	t.Run("AWS managed key", func(t *testing.T) {
		// Recorded against AWS (LocalStack's test_cross_account_access):
		// the policy allows the read, and the default key refuses it with
		// InvalidRequestException.
		_, err := get(reader, arns["managed-key"])
		if errCode(err) != "InvalidRequestException" || !strings.Contains(err.Error(),
			"You can't access a secret from a different AWS account if you encrypt the secret with the default KMS service key.") {
			t.Errorf("managed key: %v, want InvalidRequestException about the default key", err)
		}
		d, err := reader.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(arns["managed-key"])})
		if err != nil || aws.ToString(d.ARN) != arns["managed-key"] {
			t.Errorf("DescribeSecret (no key needed) from 222233334444: %v", err)
		}
	})
	t.Run("explicit deny", func(t *testing.T) {
		_, err := get(reader, arns["denied"])
		if errCode(err) != "AccessDeniedException" || !strings.Contains(err.Error(), denied("denied", "with an explicit deny in a resource-based policy")) {
			t.Errorf("explicit deny: %v", err)
		}
	})
	t.Run("principal not in the policy", func(t *testing.T) {
		_, err := get(clientAs(url, otherKey), arns["shared"])
		if errCode(err) != "AccessDeniedException" || !strings.Contains(err.Error(), "arn:aws:iam::555566667777:role/other is not authorized") {
			t.Errorf("a principal the policy does not name: %v", err)
		}
	})
	t.Run("action not in the policy", func(t *testing.T) {
		_, err := reader.PutSecretValue(t.Context(), &secretsmanager.PutSecretValueInput{SecretId: aws.String(arns["shared"]), SecretString: aws.String("x")})
		if errCode(err) != "AccessDeniedException" || !strings.Contains(err.Error(), "secretsmanager:PutSecretValue") {
			t.Errorf("PutSecretValue the policy does not allow: %v", err)
		}
	})
	t.Run("a name is the caller's own account", func(t *testing.T) {
		if _, err := get(reader, "shared"); errCode(err) != "ResourceNotFoundException" {
			t.Errorf("GetSecretValue by name from another account: %v, want ResourceNotFoundException", err)
		}
		out, err := reader.ListSecrets(t.Context(), &secretsmanager.ListSecretsInput{})
		if err != nil || len(out.SecretList) != 0 {
			t.Errorf("ListSecrets from 222233334444 lists %d of 123456789012's secrets (%v)", len(out.SecretList), err)
		}
	})
	t.Run("missing secret in another account", func(t *testing.T) {
		_, err := get(reader, "arn:aws:secretsmanager:us-east-1:123456789012:secret:nothing-AbCdEf")
		if errCode(err) != "AccessDeniedException" {
			t.Errorf("a secret that is not there, by another account's ARN: %v, want AccessDeniedException", err)
		}
	})
	t.Run("same account is not checked", func(t *testing.T) {
		home := newSMClient(url)
		for _, n := range []string{"no-policy", "managed-key", "denied"} {
			if _, err := get(home, n); err != nil {
				t.Errorf("home account reading %s: %v", n, err)
			}
		}
	})
}

// TestCrossAccountWritesWithPolicy: with a policy allowing secretsmanager:*
// and a customer managed key, the other account can write, delete and
// restore, as recorded in test_cross_account_access_non_default_key.
func TestCrossAccountWritesWithPolicy(t *testing.T) {
	t.Parallel()
	srv, url := startLocal(t, localaws.Options{})
	all := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + readerRole + `"},"Action":["secretsmanager:*"],"Resource":"*"}]}`
	if err := srv.LoadSeed(strings.NewReader(`{"principals": {"` + readerKey + `": "` + readerRole + `"},
		"secrets": [{"name": "team", "secretString": "secret", "kmsKeyId": "` + cmk + `", "resourcePolicy": ` + jsonString(all) + `}]}`)); err != nil {
		t.Fatalf("LoadSeed: %v", err)
	}
	home, reader := newSMClient(url), clientAs(url, readerKey)
	d, err := home.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("team")})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(d.ARN)
	if _, err := reader.PutSecretValue(t.Context(), &secretsmanager.PutSecretValueInput{SecretId: aws.String(arn), SecretString: aws.String("new-secret")}); err != nil {
		t.Fatalf("PutSecretValue from 222233334444: %v", err)
	}
	if v := current(t, home, "team"); v != "new-secret" {
		t.Errorf("home reads %q after the other account's put", v)
	}
	if _, err := reader.DeleteSecret(t.Context(), &secretsmanager.DeleteSecretInput{SecretId: aws.String(arn), RecoveryWindowInDays: aws.Int64(7)}); err != nil {
		t.Fatalf("DeleteSecret from 222233334444: %v", err)
	}
	if d, _ := home.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("team")}); d.DeletedDate == nil {
		t.Error("the secret is not scheduled for deletion")
	}
	if _, err := reader.RestoreSecret(t.Context(), &secretsmanager.RestoreSecretInput{SecretId: aws.String(arn)}); err != nil {
		t.Fatalf("RestoreSecret from 222233334444: %v", err)
	}
	if v := current(t, home, "team"); v != "new-secret" {
		t.Errorf("after restore: %q", v)
	}
}

func TestSeedRefusesBadPrincipals(t *testing.T) {
	t.Parallel()
	for _, seed := range []string{
		`{"principals": {"akid": "arn:aws:iam::222233334444:role/r"}}`,
		`{"principals": {"AKIAOTHERACCOUNT0001": "not-an-arn"}}`,
		`{"principals": {"AKIAOTHERACCOUNT0001": "arn:aws:iam::22:role/r"}}`,
	} {
		srv := localaws.NewServer(localaws.Options{})
		if err := srv.LoadSeed(strings.NewReader(seed)); err == nil {
			t.Errorf("LoadSeed(%s) accepted", seed)
		}
	}
}
