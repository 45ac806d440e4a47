package localaws_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/paramsecrets/paramsecrets/localaws"
)

// rawCall sends a JSON 1.1 request without the SDK, as a hand-written client
// or an attacker would, and decodes the AWS-shaped error.
func rawCall(t *testing.T, url, target, body string) (int, string, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	defer resp.Body.Close()
	var e struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	raw, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(raw, &e)
	if resp.StatusCode != 200 && resp.Header.Get("X-Amzn-ErrorType") != e.Type {
		t.Errorf("X-Amzn-ErrorType %q differs from __type %q", resp.Header.Get("X-Amzn-ErrorType"), e.Type)
	}
	return resp.StatusCode, e.Type, e.Message
}

func TestBadInputIsAnAWSError(t *testing.T) {
	t.Parallel()
	_, url := startLocal(t, localaws.Options{})
	const tok = `"ClientRequestToken": "00000000-0000-0000-0000-000000000001"`
	long := strings.Repeat("n", 513)
	big := strings.Repeat("x", 65537)
	bigBin := strings.Repeat("A", 87384) // 65538 bytes once decoded
	cases := []struct {
		name, target, body string
		status             int
		code               string
	}{
		{"malformed json", "secretsmanager.GetSecretValue", `{"SecretId": `, 400, "SerializationException"},
		{"not an object", "secretsmanager.GetSecretValue", `["x"]`, 400, "SerializationException"},
		{"wrong member type", "secretsmanager.GetSecretValue", `{"SecretId": 5}`, 400, "SerializationException"},
		{"bad base64 blob", "secretsmanager.CreateSecret", `{"Name": "b", "SecretBinary": "%%%"}`, 400, "SerializationException"},
		{"unknown operation", "secretsmanager.MakeCoffee", `{}`, 400, "UnknownOperationException"},
		{"unknown service", "AmazonS3.GetObject", `{}`, 400, "UnknownOperationException"},
		{"no target", "", `{}`, 400, "UnknownOperationException"},
		{"missing SecretId", "secretsmanager.GetSecretValue", `{}`, 400, "ValidationException"},
		{"missing Name", "secretsmanager.CreateSecret", `{"SecretString": "x"}`, 400, "ValidationException"},
		{"missing VersionStage", "secretsmanager.UpdateSecretVersionStage", `{"SecretId": "a"}`, 400, "ValidationException"},
		{"empty name", "secretsmanager.CreateSecret", `{"Name": ""}`, 400, "ValidationException"},
		{"name over 512", "secretsmanager.CreateSecret", `{"Name": "` + long + `"}`, 400, "ValidationException"},
		{"name with bad characters", "secretsmanager.CreateSecret", `{"Name": "a b"}`, 400, "ValidationException"},
		{"string over 64 KB", "secretsmanager.CreateSecret", `{"Name": "big", "SecretString": "` + big + `"}`, 400, "ValidationException"},
		{"binary over 64 KB", "secretsmanager.CreateSecret", `{"Name": "big", "SecretBinary": "` + bigBin + `"}`, 400, "ValidationException"},
		{"token too short", "secretsmanager.CreateSecret", `{"Name": "t", "ClientRequestToken": "short"}`, 400, "ValidationException"},
		{"description too long", "secretsmanager.CreateSecret", `{"Name": "d", "Description": "` + strings.Repeat("d", 2049) + `"}`, 400, "ValidationException"},
		{"too many stages", "secretsmanager.PutSecretValue", `{"SecretId": "a", "SecretString": "x", ` + tok + `, "VersionStages": [` +
			strings.TrimSuffix(strings.Repeat(`"s",`, 21), ",") + `]}`, 400, "ValidationException"},
		{"bad next token", "secretsmanager.ListSecrets", `{"NextToken": "garbage"}`, 400, "InvalidNextTokenException"},
		{"max results out of range", "secretsmanager.ListSecrets", `{"MaxResults": 0}`, 400, "ValidationException"},
		{"bad filter key", "secretsmanager.ListSecrets", `{"Filters": [{"Key": "colour", "Values": ["x"]}]}`, 400, "ValidationException"},
		{"batch with neither", "secretsmanager.BatchGetSecretValue", `{}`, 400, "InvalidParameterException"},
		{"ssm malformed", "AmazonSSM.GetParameter", `{"Name": `, 400, "SerializationException"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			status, code, msg := rawCall(t, url, tc.target, tc.body)
			if status != tc.status || code != tc.code || msg == "" {
				t.Errorf("got %d %s %q, want %d %s with a message", status, code, msg, tc.status, tc.code)
			}
		})
	}
}

func TestBodyTooLarge(t *testing.T) {
	t.Parallel()
	_, url := startLocal(t, localaws.Options{})
	status, code, _ := rawCall(t, url, "secretsmanager.CreateSecret", `{"Name": "x", "SecretString": "`+strings.Repeat("x", 2<<20)+`"}`)
	if status != http.StatusRequestEntityTooLarge || code != "SerializationException" {
		t.Errorf("got %d %s", status, code)
	}
}

// TestSecretValuesStayOutOfLogsAndErrors drives every path that handles a
// value, with debug logging on, and looks for the value in the log and in
// every error message.
func TestSecretValuesStayOutOfLogsAndErrors(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	_, url := startLocal(t, localaws.Options{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	c := newSMClient(url)
	const value = "hunter2-do-not-print"
	const tok = "00000000-0000-0000-0000-00000000abcd"
	var errs []error
	_, err := c.CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{Name: aws.String("s"), SecretString: aws.String(value), ClientRequestToken: aws.String(tok)})
	errs = append(errs, err)
	_, err = c.CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{Name: aws.String("s"), SecretString: aws.String(value + "2")})
	errs = append(errs, err)
	_, err = c.PutSecretValue(t.Context(), &secretsmanager.PutSecretValueInput{SecretId: aws.String("s"), SecretString: aws.String(value + "3"), ClientRequestToken: aws.String(tok)})
	errs = append(errs, err)
	_, err = c.PutSecretValue(t.Context(), &secretsmanager.PutSecretValueInput{SecretId: aws.String("s"), SecretString: aws.String(value + strings.Repeat("x", 65536))})
	errs = append(errs, err)
	_, err = c.CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{Name: aws.String(value + " bad"), SecretString: aws.String(value)})
	errs = append(errs, err)
	current(t, c, "s")
	for _, err := range errs {
		if err == nil {
			continue
		}
		if strings.Contains(err.Error(), value) {
			t.Errorf("error shows the value: %v", err)
		}
	}
	if strings.Contains(logs.String(), value) {
		t.Errorf("log shows the value:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "secretsmanager.GetSecretValue") {
		t.Errorf("debug log has no call lines; the check above proved nothing")
	}
}
