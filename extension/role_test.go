package main

import (
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/paramsecrets/paramsecrets/internal/lambdatest"
	"github.com/paramsecrets/paramsecrets/localaws"
)

// Two roles of another account than the function's (localaws's home,
// 123456789012), and a secret of the function's account whose resource
// policy (with its customer managed key) lets the reader read it and not
// the auditor.
const (
	roleReader  = "arn:aws:iam::222233334444:role/reader"
	roleAuditor = "arn:aws:iam::222233334444:role/auditor"
	sharedCMK   = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
)

// sharedSeed is demoSeed plus "shared/db", readable by the reader role.
func sharedSeed() localaws.Seed {
	seed := demoSeed()
	seed.Secrets = append(seed.Secrets, localaws.SeedSecret{
		Name: "shared/db", SecretString: strPtr(`{"username":"shared","password":"pw-SECRET-5h4r3d"}`), KmsKeyID: sharedCMK,
		ResourcePolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + roleReader +
			`"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`,
	})
	return seed
}

// secretARN asks localaws for a secret's ARN, by which another account
// names it.
func secretARN(t *testing.T, endpoint, name string) string {
	t.Helper()
	sm := secretsmanager.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local", "")})
	d, err := sm.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(d.ARN)
}

// TestRoleArnUnderEmulator runs the layer under the Runtime Interface
// Emulator with a function that reads one secret as two roles of another
// account and as itself, at init and at its invoke. The reader role, which
// the secret's policy allows, reads the value; the auditor, which it does
// not, is refused with AccessDeniedException every time, though the value
// is cached for the reader; the function's own read is a cache entry of its
// own. The two roles cost two AssumeRole calls for all six reads, and the
// log holds neither the value nor a session's credentials.
func TestRoleArnUnderEmulator(t *testing.T) {
	t.Parallel()
	bootstrap, opt := readerWithLayer(t)
	la, endpoint := startLocalaws(t, sharedSeed())
	arn := secretARN(t, endpoint, "shared/db")
	f, got := invokeOnFreePort(t, func(port int) lambdatest.Options {
		return lambdatest.Options{
			Bootstrap: bootstrap,
			Opt:       opt,
			Env: []string{
				"AWS_ENDPOINT_URL=" + endpoint,
				"AWS_LAMBDA_FUNCTION_NAME=orders",
				"PARAMETERS_SECRETS_EXTENSION_HTTP_PORT=" + strconv.Itoa(port),
				"PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL=DEBUG",
				"READER_SECRET_ID=" + arn,
				"READER_ROLES=" + roleReader + "," + roleAuditor,
			},
		}
	})
	want := map[string]struct {
		status         int
		cache, code, u string
	}{
		"init as " + roleReader:    {200, "miss", "", "shared"},
		"init as " + roleAuditor:   {400, "", "AccessDeniedException", ""},
		"init":                     {200, "miss", "", "shared"},
		"invoke as " + roleReader:  {200, "hit", "", "shared"},
		"invoke as " + roleAuditor: {400, "", "AccessDeniedException", ""},
		"invoke":                   {200, "hit", "", "shared"},
	}
	for k, w := range want {
		r := got[k]
		if r.Status != w.status || r.Cache != w.cache || r.Code != w.code || r.Username != w.u {
			t.Errorf("read %s = %+v, want %+v", k, r, w)
		}
	}
	if n := la.Stats()["sts.AssumeRole"]; n != 2 {
		t.Errorf("sts.AssumeRole called %d times for two roles, want 2", n)
	}
	if err := f.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	logs := f.Logs()
	if !strings.Contains(logs, "roleArn="+roleReader) && !strings.Contains(logs, `"roleArn":"`+roleReader+`"`) {
		t.Errorf("the DEBUG request lines do not name the role; logs:\n%s", logs)
	}
	if strings.Contains(logs, "pw-SECRET") || strings.Contains(logs, lambdatest.SessionToken) || strings.Contains(logs, "ASIA") {
		t.Errorf("logs reveal a secret, the token or a session's key:\n%s", logs)
	}
}
