package localaws_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/paramsecrets/paramsecrets/localaws"
)

// TestSeedRouteMergesIntoARunningServer: POST /_localaws/seed adds to what
// the server holds, so a script can seed, reset and seed again without a
// restart; a bad seed changes nothing.
func TestSeedRouteMergesIntoARunningServer(t *testing.T) {
	t.Parallel()
	_, url := startLocal(t, localaws.Options{})
	sm := newSMClient(url)
	create(t, sm, "made-by-api", "api")
	status, body := postJSON(t, url+"/_localaws/seed", `{"secrets": [{"name": "seeded", "secretString": "s1"}],
		"parameters": [{"name": "/seeded/p", "value": "p1"}]}`)
	if status != http.StatusOK {
		t.Fatalf("POST /_localaws/seed: %d %s", status, body)
	}
	if current(t, sm, "seeded") != "s1" || current(t, sm, "made-by-api") != "api" {
		t.Error("the seed did not merge with what was there")
	}
	p, err := newSSMClient(url).GetParameter(t.Context(), &ssm.GetParameterInput{Name: aws.String("/seeded/p")})
	if err != nil || aws.ToString(p.Parameter.Value) != "p1" {
		t.Errorf("seeded parameter: %v", err)
	}
	for _, bad := range []string{
		`{"secrets": [{"name": "seeded", "secretString": "again"}]}`,
		`{"secrets": [{"name": "fresh", "secretString": "x"}], "parameters": [{"name": "bad name", "value": "v"}]}`,
		`{"secrets": [{"name": "fresh", "secretString": "x"}, {"name": "seeded", "secretString": "y"}]}`,
		`{"secrts": []}`, `[`,
	} {
		if status, _ := postJSON(t, url+"/_localaws/seed", bad); status != http.StatusBadRequest {
			t.Errorf("POST /_localaws/seed %s: %d, want 400", bad, status)
		}
	}
	if current(t, sm, "seeded") != "s1" {
		t.Error("a refused seed changed a secret")
	}
	if _, err := sm.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("fresh")}); errCode(err) != "ResourceNotFoundException" {
		t.Errorf("a refused seed created part of itself: %v", err)
	}
	if status, _ := postJSON(t, url+"/_localaws/reset", `{}`); status != http.StatusOK {
		t.Fatal("reset failed")
	}
	if status, body := postJSON(t, url+"/_localaws/seed", `{"secrets": [{"name": "seeded", "secretString": "s2"}]}`); status != http.StatusOK {
		t.Fatalf("seed after reset: %d %s", status, body)
	}
	if current(t, sm, "seeded") != "s2" {
		t.Error("seed after reset")
	}
	if _, err := sm.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("made-by-api")}); errCode(err) != "ResourceNotFoundException" {
		t.Errorf("reset kept a secret: %v", err)
	}
}

// TestOneWordingForNotSupported: whatever localaws does not implement says
// so the same way, so a user can tell it from an error AWS would give.
func TestOneWordingForNotSupported(t *testing.T) {
	t.Parallel()
	_, url := startLocal(t, localaws.Options{})
	cases := []struct{ target, body, code string }{
		{"secretsmanager.MakeCoffee", `{}`, "UnknownOperationException"},
		{"AmazonSSM.SendCommand", `{}`, "UnknownOperationException"},
		{"kms.Encrypt", `{}`, "UnknownOperationException"},
		{"AmazonSSM.AddTagsToResource", `{"ResourceType": "Document", "ResourceId": "d", "Tags": [{"Key": "k", "Value": "v"}]}`, "InvalidResourceType"},
		{"AmazonSSM.GetServiceSetting", `{"SettingId": "/ssm/opsinsights/opscenter"}`, "ServiceSettingNotFound"},
	}
	for _, tc := range cases {
		status, code, msg := rawCall(t, url, tc.target, tc.body)
		if status != http.StatusBadRequest || code != tc.code || !strings.HasPrefix(msg, "localaws does not support ") {
			t.Errorf("%s %s: %d %s %q, want %s and \"localaws does not support ...\"", tc.target, tc.body, status, code, msg, tc.code)
		}
	}
}

// TestRawRequestsNeedAClientRequestToken: the SDKs and the CLI fill in
// ClientRequestToken; a raw request that creates a version without one is
// refused as AWS refuses it (recorded: test_no_client_request_token).
func TestRawRequestsNeedAClientRequestToken(t *testing.T) {
	t.Parallel()
	_, url := startLocal(t, localaws.Options{})
	const body = `, "SecretString": "thisisthesecret", "Description": "My secret string"}`
	for _, tc := range []struct{ op, id, code string }{
		{"CreateSecret", `{"Name": "raw"`, "InvalidRequestException"},
		{"UpdateSecret", `{"SecretId": "raw"`, "InvalidRequestException"},
		{"PutSecretValue", `{"SecretId": "raw"`, "InvalidRequestException"},
		{"RotateSecret", `{"SecretId": "raw"`, "InvalidParameterException"},
	} {
		status, code, msg := rawCall(t, url, "secretsmanager."+tc.op, tc.id+body)
		if status != http.StatusBadRequest || code != tc.code || msg != "You must provide a ClientRequestToken value. We recommend a UUID-type value." {
			t.Errorf("%s without ClientRequestToken: %d %s %q, want %s", tc.op, status, code, msg, tc.code)
		}
	}
	if status, code, _ := rawCall(t, url, "secretsmanager.CreateSecret", `{"Name": "no-value"}`); status != http.StatusOK {
		t.Errorf("CreateSecret without a value needs no token: %d %s", status, code)
	}
}
