package server

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/paramsecrets/paramsecrets/localaws"
)

// Roles of another account than the function's (localaws's home account,
// 123456789012), and secrets of the function's account shared with them by
// resource policy and customer managed key.
const (
	roleReader  = "arn:aws:iam::222233334444:role/reader"
	roleAuditor = "arn:aws:iam::222233334444:role/team/auditor"
	sharedCMK   = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	readerValue = `{"username":"reader","password":"r3ader-pw"}`
	bothValue   = `{"username":"both","password":"b0th-pw"}`
)

func allowRoles(roles ...string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["` + strings.Join(roles, `","`) +
		`"]},"Action":["secretsmanager:GetSecretValue","secretsmanager:BatchGetSecretValue"],"Resource":"*"}]}`
}

// seedShared seeds "for-reader" (the reader's only) and "for-both" and
// returns their ARNs, by which another account names them.
func seedShared(t *testing.T, e *env) (forReader, forBoth string) {
	t.Helper()
	e.seed(t, localaws.Seed{Secrets: []localaws.SeedSecret{
		{Name: "for-reader", SecretString: secretString(readerValue), KmsKeyID: sharedCMK, ResourcePolicy: allowRoles(roleReader)},
		{Name: "for-both", SecretString: secretString(bothValue), KmsKeyID: sharedCMK, ResourcePolicy: allowRoles(roleReader, roleAuditor)},
	}})
	arn := func(name string) string {
		d, err := e.sm.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(d.ARN)
	}
	return arn("for-reader"), arn("for-both")
}

func secretAs(id, role string) string {
	return "/secretsmanager/get?secretId=" + url.QueryEscape(id) + "&roleArn=" + url.QueryEscape(role)
}

// TestRoleArnReadsAsTheRole: two roles, several reads each, make exactly two
// AssumeRole calls; each role reads what its secret's policy allows and is
// refused (AccessDeniedException) what it does not; each role's reads, and
// the function's own, are separate cache entries.
func TestRoleArnReadsAsTheRole(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	forReader, forBoth := seedShared(t, e)

	r := e.get(t, secretAs(forReader, roleReader))
	wantStatus(t, r, http.StatusOK, "")
	wantCache(t, r, "miss")
	if got := r.json(t)["SecretString"]; got != readerValue {
		t.Fatalf("SecretString as the reader = %v", got)
	}
	wantCache(t, e.get(t, secretAs(forReader, roleReader)), "hit")

	// The reader's cached answer is not the auditor's: its own call is refused.
	r = e.get(t, secretAs(forReader, roleAuditor))
	wantStatus(t, r, http.StatusBadRequest, "AccessDeniedException")
	if !strings.Contains(string(r.body), "assumed-role/auditor/paramsecrets is not authorized") {
		t.Errorf("the refusal does not name the auditor's session: %s", r.body)
	}
	// Nor is it the function's own: a read without roleArn makes its call.
	before := e.calls("secretsmanager.GetSecretValue")
	r = e.get(t, "/secretsmanager/get?secretId="+url.QueryEscape(forReader))
	wantStatus(t, r, http.StatusOK, "")
	wantCache(t, r, "miss")
	if e.calls("secretsmanager.GetSecretValue") != before+1 {
		t.Error("the read without roleArn was answered from a role's entry")
	}

	for range 3 {
		for _, role := range []string{roleReader, roleAuditor} {
			r := e.get(t, secretAs(forBoth, role)+"&refreshNow=true")
			wantStatus(t, r, http.StatusOK, "")
			if got := r.json(t)["SecretString"]; got != bothValue {
				t.Fatalf("SecretString of for-both as %s = %v", role, got)
			}
		}
	}
	// The Agent's path route takes the option too, and shares the entry.
	wantCache(t, e.get(t, "/v1/"+forBoth+"?roleArn="+url.QueryEscape(roleAuditor)), "hit")
	if n := e.calls("sts.AssumeRole"); n != 2 {
		t.Errorf("sts.AssumeRole called %d times for two roles' eleven reads, want 2", n)
	}
}

// TestRoleArnBatchGet: batch-get reads as the role, and caches each value
// for that role's single reads only.
func TestRoleArnBatchGet(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	forReader, forBoth := seedShared(t, e)
	r := e.get(t, "/secretsmanager/batch-get?secretIds="+url.QueryEscape(forReader+","+forBoth)+"&roleArn="+url.QueryEscape(roleAuditor))
	wantStatus(t, r, http.StatusOK, "")
	body := r.json(t)
	values, _ := body["SecretValues"].([]any)
	errs, _ := body["Errors"].([]any)
	if len(values) != 1 || len(errs) != 1 || !strings.Contains(string(r.body), "b0th-pw") {
		t.Fatalf("batch-get as the auditor = %s, want for-both's value and an error for for-reader", r.body)
	}
	wantCache(t, e.get(t, secretAs(forBoth, roleAuditor)), "hit")
	wantCache(t, e.get(t, secretAs(forBoth, roleReader)), "miss")
	wantCache(t, e.get(t, "/secretsmanager/get?secretId="+url.QueryEscape(forBoth)), "miss")
}

// TestRoleArnRefusals: a malformed role ARN is a 400 before anything is
// fetched; a role STS refuses answers STS's code and status; roleArn is a
// secret option only.
func TestRoleArnRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	forReader, _ := seedShared(t, e)
	for _, bad := range []string{
		"reader", "arn:aws:iam::2222:role/reader", "arn:aws:iam::222233334444:user/reader",
		"arn:aws:iam::222233334444:role/", "arn:aws:sts::222233334444:assumed-role/reader/s",
		"arn:aws:iam::222233334444:role/read er", "arn:aws:iam::222233334444:role/" + strings.Repeat("n", 65),
	} {
		for _, target := range []string{
			secretAs(forReader, bad),
			"/v1/" + forReader + "?roleArn=" + url.QueryEscape(bad),
			"/secretsmanager/batch-get?secretIds=" + url.QueryEscape(forReader) + "&roleArn=" + url.QueryEscape(bad),
		} {
			r := e.get(t, target)
			wantStatus(t, r, http.StatusBadRequest, "InvalidParameterException")
			if !strings.Contains(string(r.body), "roleArn is not an IAM role ARN") {
				t.Errorf("GET %s: %s", target, r.body)
			}
		}
	}
	for _, op := range []string{"sts.AssumeRole", "secretsmanager.GetSecretValue", "secretsmanager.BatchGetSecretValue"} {
		if n := e.calls(op); n != 0 {
			t.Errorf("malformed role ARNs made %d %s calls", n, op)
		}
	}
	wantStatus(t, e.get(t, "/systemsmanager/parameters/get?name=/x&roleArn="+url.QueryEscape(roleReader)), http.StatusBadRequest, "ValidationException")

	e.aws.InjectFault(localaws.Fault{Operation: "sts.AssumeRole", Code: "AccessDenied", Status: http.StatusForbidden,
		Message: "User: arn:aws:sts::123456789012:assumed-role/fn/fn is not authorized to perform: sts:AssumeRole on resource: " + roleReader})
	r := e.get(t, secretAs(forReader, roleReader))
	wantStatus(t, r, http.StatusForbidden, "AccessDenied")
	if !strings.Contains(string(r.body), "AssumeRole "+roleReader+": User: ") {
		t.Errorf("the refusal does not say AssumeRole failed for the role: %s", r.body)
	}
	wantStatus(t, e.get(t, secretAs(forReader, roleReader)), http.StatusOK, "")
}
