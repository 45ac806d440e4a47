package parameterstore

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/smithy-go"
)

// fakeSecrets is a two-version secret and a record of what was asked.
type fakeSecrets struct {
	mu    sync.Mutex
	asked []string
}

const (
	secretARN   = "arn:aws:secretsmanager:us-east-1:123456789012:secret:demo/db-AbCdEf"
	currentID   = "a1b2c3d4-0000-1111-2222-333344445555"
	previousID  = "ffffeeee-0000-1111-2222-333344445555"
	currentJSON = `{"username":"app","password":"current-pw"}`
)

func (f *fakeSecrets) source(_ context.Context, id, versionID, stage string) (SecretValue, error) {
	f.mu.Lock()
	f.asked = append(f.asked, id+"|"+versionID+"|"+stage)
	f.mu.Unlock()
	if id != "demo/db" && id != secretARN {
		return SecretValue{}, &smithy.GenericAPIError{Code: "ResourceNotFoundException", Message: "Secrets Manager can't find the specified secret."}
	}
	if id == "demo/db" && stage == "DENIED" {
		return SecretValue{}, &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "denied", Fault: smithy.FaultClient}
	}
	if id == "demo/db" && stage == "BROKEN" {
		return SecretValue{}, errors.New("dial tcp: connection refused")
	}
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	switch {
	case versionID == previousID || stage == "AWSPREVIOUS":
		return SecretValue{ARN: secretARN, Name: "demo/db", VersionID: previousID, SecretString: aws.String("old"), VersionStages: []string{"AWSPREVIOUS"}, CreatedDate: created.Add(-time.Hour)}, nil
	case versionID == "" && (stage == "" || stage == "AWSCURRENT"):
		return SecretValue{ARN: secretARN, Name: "demo/db", VersionID: currentID, SecretString: aws.String(currentJSON), VersionStages: []string{"AWSCURRENT"}, CreatedDate: created}, nil
	}
	return SecretValue{}, &smithy.GenericAPIError{Code: "ResourceNotFoundException", Message: "Secrets Manager can't find the specified secret value."}
}

func TestSecretsManagerReference(t *testing.T) {
	t.Parallel()
	fake := &fakeSecrets{}
	e := newEnv(t, Options{Secrets: fake.source})
	ctx := context.Background()
	const ref = "/aws/reference/secretsmanager/demo/db"

	out, err := e.client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(ref), WithDecryption: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	p := out.Parameter
	if aws.ToString(p.Name) != ref || p.Type != "SecureString" || aws.ToString(p.Value) != currentJSON || p.Version != 0 ||
		aws.ToString(p.ARN) != secretARN || p.Selector != nil || !p.LastModifiedDate.Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Fatalf("reference = %+v", p)
	}
	var src struct {
		ARN, Name, SecretString, VersionId string
		VersionStages                      []string
		CreatedDate                        float64
	}
	if err := json.Unmarshal([]byte(aws.ToString(p.SourceResult)), &src); err != nil {
		t.Fatalf("SourceResult is not JSON: %v", err)
	}
	if src.ARN != secretARN || src.Name != "demo/db" || src.SecretString != currentJSON || src.VersionId != currentID ||
		len(src.VersionStages) != 1 || src.CreatedDate != float64(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).Unix()) {
		t.Fatalf("SourceResult = %+v", src)
	}

	cases := []struct {
		name, query, wantValue, wantSelector, wantAsked, wantCode string
		noDecrypt                                                 bool
	}{
		{name: "stage selector", query: ref + ":AWSPREVIOUS", wantValue: "old", wantSelector: ":AWSPREVIOUS", wantAsked: "demo/db||AWSPREVIOUS"},
		{name: "version ID selector", query: ref + ":" + previousID, wantValue: "old", wantSelector: ":" + previousID, wantAsked: "demo/db|" + previousID + "|"},
		{name: "secret ARN", query: "/aws/reference/secretsmanager/" + secretARN, wantValue: currentJSON, wantAsked: secretARN + "||"},
		{name: "secret ARN with selector", query: "/aws/reference/secretsmanager/" + secretARN + ":AWSPREVIOUS", wantValue: "old", wantSelector: ":AWSPREVIOUS", wantAsked: secretARN + "||AWSPREVIOUS"},
		{name: "needs decryption", query: ref, noDecrypt: true, wantCode: "ValidationException"},
		{name: "missing secret", query: "/aws/reference/secretsmanager/nope", wantCode: "ParameterNotFound"},
		{name: "missing stage", query: ref + ":NOSUCH", wantCode: "ParameterNotFound"},
		{name: "service error keeps its code", query: ref + ":DENIED", wantCode: "AccessDeniedException"},
		{name: "unreachable source", query: ref + ":BROKEN", wantCode: "InternalServerError"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fake.mu.Lock()
			fake.asked = nil
			fake.mu.Unlock()
			out, err := e.client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(tc.query), WithDecryption: aws.Bool(!tc.noDecrypt)})
			if tc.wantCode != "" {
				wantCode(t, err, tc.wantCode)
				if strings.Contains(err.Error(), "connection refused") {
					t.Fatalf("internal error leaks the source's text: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if aws.ToString(out.Parameter.Value) != tc.wantValue || aws.ToString(out.Parameter.Selector) != tc.wantSelector {
				t.Fatalf("value %q selector %q", aws.ToString(out.Parameter.Value), aws.ToString(out.Parameter.Selector))
			}
			fake.mu.Lock()
			defer fake.mu.Unlock()
			if len(fake.asked) != 1 || fake.asked[0] != tc.wantAsked {
				t.Fatalf("source asked %v, want %s", fake.asked, tc.wantAsked)
			}
		})
	}
}

func TestSecretsManagerReferenceInGetParameters(t *testing.T) {
	t.Parallel()
	fake := &fakeSecrets{}
	e := newEnv(t, Options{Secrets: fake.source})
	ctx := context.Background()
	e.put(t, &ssm.PutParameterInput{Name: aws.String("/plain"), Value: aws.String("p"), Type: "String"})
	names := []string{"/aws/reference/secretsmanager/demo/db", "/plain", "/aws/reference/secretsmanager/nope"}
	out, err := e.client.GetParameters(ctx, &ssm.GetParametersInput{Names: names, WithDecryption: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Parameters) != 2 || aws.ToString(out.Parameters[0].Value) != currentJSON || aws.ToString(out.Parameters[1].Value) != "p" {
		t.Fatalf("Parameters = %+v", out.Parameters)
	}
	if len(out.InvalidParameters) != 1 || out.InvalidParameters[0] != names[2] {
		t.Fatalf("InvalidParameters = %v", out.InvalidParameters)
	}
	_, err = e.client.GetParameters(ctx, &ssm.GetParametersInput{Names: names})
	wantCode(t, err, "ValidationException")
}

func TestReferenceWithoutSecretSource(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	_, err := e.client.GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String("/aws/reference/secretsmanager/x"), WithDecryption: aws.Bool(true)})
	wantCode(t, err, "ParameterNotFound")
}
