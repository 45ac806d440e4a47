package server

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/paramsecrets/paramsecrets/localaws"
)

// Values seeded by seedAll; the log test searches for every one of them.
const (
	dbSecret     = `{"username":"app","password":"s3cr3t-db-pw"}`
	dbSecretNew  = `{"username":"app","password":"n3w-db-pw"}`
	hostValue    = "db.internal.example"
	hostValueNew = "db2.internal.example"
	listValue    = "alpha,beta,gamma"
	passValue    = "parameter-pa55word"
)

var binaryValue = []byte{0x00, 0xff, 0x10, 's', 'e', 'c'}

// seedAll creates the secrets and parameters the route tests read: a string
// secret with two versions, a binary secret, and String, StringList and
// SecureString parameters, one with two versions and a label.
func seedAll(t testing.TB, e *env) {
	t.Helper()
	e.seed(t, localaws.Seed{
		Secrets: []localaws.SeedSecret{
			{Name: "app/db", SecretString: secretString(dbSecret)},
			{Name: "bin", SecretBinary: binaryValue},
		},
		Parameters: []localaws.SeedParameter{
			{Name: "/app/host", Type: "String", Value: hostValue},
			{Name: "/app/list", Type: "StringList", Value: listValue},
			{Name: "/app/pass", Type: "SecureString", Value: passValue},
			{Name: "/app/sub/deep", Type: "String", Value: "deep-value"},
		},
	})
	if _, err := e.sm.PutSecretValue(t.Context(), &secretsmanager.PutSecretValueInput{
		SecretId: aws.String("app/db"), SecretString: aws.String(dbSecretNew),
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ssm.PutParameter(t.Context(), &ssm.PutParameterInput{
		Name: aws.String("/app/host"), Value: aws.String(hostValueNew), Type: ssmtypes.ParameterTypeString, Overwrite: aws.Bool(true),
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ssm.LabelParameterVersion(t.Context(), &ssm.LabelParameterVersionInput{
		Name: aws.String("/app/host"), ParameterVersion: aws.Int64(1), Labels: []string{"prod"},
	}); err != nil {
		t.Fatal(err)
	}
}

// TestRoutesAnswerAsTheSDK checks that every route and parameter combination
// returns exactly what the SDK call it stands for returns, marshalled as the AWS
// extension marshals it.
func TestRoutesAnswerAsTheSDK(t *testing.T) {
	e := newEnv(t, envOptions{})
	seedAll(t, e)
	sm := func(in *secretsmanager.GetSecretValueInput) func() any {
		return func() any {
			out, err := e.sm.GetSecretValue(t.Context(), in)
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
	}
	param := func(name string, decrypt bool) func() any {
		return func() any {
			out, err := e.ssm.GetParameter(t.Context(), &ssm.GetParameterInput{Name: aws.String(name), WithDecryption: aws.Bool(decrypt)})
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
	}
	prev := sm(&secretsmanager.GetSecretValueInput{SecretId: aws.String("app/db"), VersionStage: aws.String("AWSPREVIOUS")})().(*secretsmanager.GetSecretValueOutput)
	arn := aws.ToString(prev.ARN)
	q := url.QueryEscape
	tests := []struct {
		name   string
		target string
		want   func() any
	}{
		{"secret by name", "/secretsmanager/get?secretId=app/db", sm(&secretsmanager.GetSecretValueInput{SecretId: aws.String("app/db")})},
		{"secret escaped name", "/secretsmanager/get?secretId=app%2Fdb", sm(&secretsmanager.GetSecretValueInput{SecretId: aws.String("app/db")})},
		{"secret trailing slash", "/secretsmanager/get/?secretId=app/db", sm(&secretsmanager.GetSecretValueInput{SecretId: aws.String("app/db")})},
		{"secret by ARN", "/secretsmanager/get?secretId=" + q(arn), sm(&secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})},
		{"secret versionStage", "/secretsmanager/get?secretId=app/db&versionStage=AWSPREVIOUS", sm(&secretsmanager.GetSecretValueInput{SecretId: aws.String("app/db"), VersionStage: aws.String("AWSPREVIOUS")})},
		{"secret versionId", "/secretsmanager/get?secretId=app/db&versionId=" + q(aws.ToString(prev.VersionId)), sm(&secretsmanager.GetSecretValueInput{SecretId: aws.String("app/db"), VersionId: prev.VersionId})},
		{"binary secret", "/secretsmanager/get?secretId=bin", sm(&secretsmanager.GetSecretValueInput{SecretId: aws.String("bin")})},
		{"agent path", "/v1/app/db", sm(&secretsmanager.GetSecretValueInput{SecretId: aws.String("app/db")})},
		{"agent escaped path", "/v1/app%2Fdb?versionStage=AWSPREVIOUS", sm(&secretsmanager.GetSecretValueInput{SecretId: aws.String("app/db"), VersionStage: aws.String("AWSPREVIOUS")})},
		{"String", "/systemsmanager/parameters/get?name=%2Fapp%2Fhost", param("/app/host", false)},
		{"String unescaped name", "/systemsmanager/parameters/get/?name=/app/host", param("/app/host", false)},
		{"StringList", "/systemsmanager/parameters/get?name=/app/list", param("/app/list", false)},
		{"SecureString decrypted", "/systemsmanager/parameters/get?name=/app/pass&withDecryption=true", param("/app/pass", true)},
		{"SecureString encrypted", "/systemsmanager/parameters/get?name=/app/pass", param("/app/pass", false)},
		{"name:version", "/systemsmanager/parameters/get?name=/app/host:1", param("/app/host:1", false)},
		{"version=", "/systemsmanager/parameters/get?name=/app/host&version=1", param("/app/host:1", false)},
		{"name:label", "/systemsmanager/parameters/get?name=/app/host:prod", param("/app/host:prod", false)},
		{"label=", "/systemsmanager/parameters/get?name=/app/host&label=prod", param("/app/host:prod", false)},
		{"secretsmanager reference", "/systemsmanager/parameters/get?name=/aws/reference/secretsmanager/app/db&withDecryption=true", param("/aws/reference/secretsmanager/app/db", true)},
		{"by path", "/systemsmanager/parameters/get-by-path?path=/app", func() any { return byPath(t, e, "/app", false) }},
		{"by path recursive decrypted", "/systemsmanager/parameters/get-by-path?path=/app&recursive=true&withDecryption=true", func() any { return byPath(t, e, "/app", true) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.get(t, tt.target)
			wantStatus(t, r, http.StatusOK, "")
			if got, want := string(r.body), marshalJSON(t, tt.want()); got != want {
				t.Errorf("body\n got %s\nwant %s", got, want)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q", ct)
			}
		})
	}
}

// byPath reads every page of GetParametersByPath and renders it as the route does.
func byPath(t *testing.T, e *env, path string, deep bool) any {
	t.Helper()
	var all []ssmtypes.Parameter
	p := ssm.NewGetParametersByPathPaginator(e.ssm, &ssm.GetParametersByPathInput{Path: aws.String(path), Recursive: aws.Bool(deep), WithDecryption: aws.Bool(deep)})
	for p.HasMorePages() {
		page, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page.Parameters...)
	}
	return struct{ Parameters []ssmtypes.Parameter }{all}
}

// TestResponseShapes pins the field names and null handling a function written
// for the AWS extension reads.
func TestResponseShapes(t *testing.T) {
	e := newEnv(t, envOptions{})
	seedAll(t, e)

	str := e.get(t, "/secretsmanager/get?secretId=app/db").json(t)
	wantKeys(t, str, "ARN", "CreatedDate", "Name", "SecretBinary", "SecretString", "VersionId", "VersionStages", "ResultMetadata")
	if str["SecretString"] != dbSecretNew || str["SecretBinary"] != nil {
		t.Errorf("string secret: SecretString %v, SecretBinary %v; want the value and null", str["SecretString"], str["SecretBinary"])
	}
	if _, err := time.Parse(time.RFC3339, str["CreatedDate"].(string)); err != nil {
		t.Errorf("CreatedDate %v is not RFC 3339: %v", str["CreatedDate"], err)
	}
	if !slices.Contains(str["VersionStages"].([]any), any("AWSCURRENT")) {
		t.Errorf("VersionStages = %v, want AWSCURRENT", str["VersionStages"])
	}
	if m, ok := str["ResultMetadata"].(map[string]any); !ok || len(m) != 0 {
		t.Errorf("ResultMetadata = %v, want {}", str["ResultMetadata"])
	}

	bin := e.get(t, "/secretsmanager/get?secretId=bin").json(t)
	if bin["SecretString"] != nil || bin["SecretBinary"] != base64.StdEncoding.EncodeToString(binaryValue) {
		t.Errorf("binary secret: SecretString %v, SecretBinary %v; want null and base64", bin["SecretString"], bin["SecretBinary"])
	}

	p := e.get(t, "/systemsmanager/parameters/get?name=/app/pass&withDecryption=true").json(t)
	wantKeys(t, p, "Parameter", "ResultMetadata")
	par := p["Parameter"].(map[string]any)
	wantKeys(t, par, "ARN", "DataType", "LastModifiedDate", "Name", "Selector", "SourceResult", "Type", "Value", "Version")
	if par["Value"] != passValue || par["Type"] != "SecureString" || par["Version"] != float64(1) {
		t.Errorf("SecureString parameter = %v", par)
	}
	labelled := e.get(t, "/systemsmanager/parameters/get?name=/app/host&label=prod").json(t)["Parameter"].(map[string]any)
	if labelled["Value"] != hostValue || labelled["Selector"] != ":prod" {
		t.Errorf("labelled parameter: Value %v Selector %v, want the version 1 value and :prod", labelled["Value"], labelled["Selector"])
	}

	list := e.get(t, "/systemsmanager/parameters/get-by-path?path=/app").json(t)
	wantKeys(t, list, "Parameters")
	if n := len(list["Parameters"].([]any)); n != 3 {
		t.Errorf("non-recursive by path: %d parameters, want 3", n)
	}
	deep := e.get(t, "/systemsmanager/parameters/get-by-path?path=/app&recursive=true").json(t)
	if n := len(deep["Parameters"].([]any)); n != 4 {
		t.Errorf("recursive by path: %d parameters, want 4", n)
	}
	empty := e.get(t, "/systemsmanager/parameters/get-by-path?path=/nothing").json(t)
	if ps, ok := empty["Parameters"].([]any); !ok || len(ps) != 0 {
		t.Errorf("empty path: Parameters = %v, want []", empty["Parameters"])
	}
}

func wantKeys(t *testing.T, m map[string]any, keys ...string) {
	t.Helper()
	got := make([]string, 0, len(m))
	for k := range m {
		got = append(got, k)
	}
	slices.Sort(got)
	keys = slices.Clone(keys)
	slices.Sort(keys)
	if !slices.Equal(got, keys) {
		t.Errorf("keys = %v, want %v", got, keys)
	}
}

func TestBatchGet(t *testing.T) {
	e := newEnv(t, envOptions{})
	seedAll(t, e)
	r := e.get(t, "/secretsmanager/batch-get?secretIds=app/db,bin,missing")
	wantStatus(t, r, http.StatusOK, "")
	wantCache(t, r, "miss")
	b := r.json(t)
	wantKeys(t, b, "SecretValues", "Errors")
	values, errs := b["SecretValues"].([]any), b["Errors"].([]any)
	if len(values) != 2 || len(errs) != 1 {
		t.Fatalf("SecretValues %d, Errors %d; want 2 and 1: %s", len(values), len(errs), r.body)
	}
	wantKeys(t, values[0].(map[string]any), "ARN", "CreatedDate", "Name", "SecretBinary", "SecretString", "VersionId", "VersionStages")
	if got := errs[0].(map[string]any); got["SecretId"] != "missing" || got["ErrorCode"] != "ResourceNotFoundException" {
		t.Errorf("error entry = %v", got)
	}

	// Each value was cached as its own GetSecretValue answer.
	before := e.calls("secretsmanager.GetSecretValue")
	single := e.get(t, "/secretsmanager/get?secretId=app/db")
	wantCache(t, single, "hit")
	if after := e.calls("secretsmanager.GetSecretValue"); after != before {
		t.Errorf("GetSecretValue calls %d -> %d after batch-get, want none", before, after)
	}
	direct, err := e.sm.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("app/db")})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(single.body), marshalJSON(t, direct); got != want {
		t.Errorf("value cached from batch-get\n got %s\nwant %s", got, want)
	}
	wantCache(t, e.get(t, "/secretsmanager/batch-get?secretIds=app/db,bin,missing"), "hit")
}
