package upstream

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/smithy-go"
)

// The answers' bodies are decoded here rather than by the SDK; these fuzz
// tests hold the decoding to the SDK's on any bytes at all:
//
//	go test -run '^$' -fuzz=FuzzResponsesAreTheSDKs -fuzztime=60s ./extension/upstream
//	go test -run '^$' -fuzz=FuzzErrorsAreTheSDKs -fuzztime=60s ./extension/upstream

func fuzzConfig() aws.Config {
	return aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDLOCAL", "s", "")}
}

// The operations, as the fuzz tests number them.
var fuzzOps = []string{opGetSecretValue, opBatchGetSecretValue, opGetParameter, opGetParameters, opGetParametersByPath}

// responseSeeds are answers as Secrets Manager and SSM send them, and bodies
// at the edges of what the SDK reads.
var responseSeeds = []string{
	`{"ARN":"arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db-AbCdEf","CreatedDate":1.764578891234E9,"Name":"app/db","SecretString":"{\"password\":\"pw\"}","VersionId":"b7e3c1d2-0000-4000-8000-000000000001","VersionStages":["AWSCURRENT"]}`,
	`{"ARN":"a","Name":"bin","SecretBinary":"AP8Qc2Vj","VersionStages":["AWSCURRENT","AWSPENDING"],"CreatedDate":1764578891}`,
	`{"Errors":[{"ErrorCode":"ResourceNotFoundException","Message":"Secrets Manager can't find the specified secret.","SecretId":"missing"}],"SecretValues":[{"ARN":"a","Name":"s","SecretString":"v","VersionStages":["AWSCURRENT"],"CreatedDate":1.5}],"NextToken":"t"}`,
	`{"Parameter":{"ARN":"arn:aws:ssm:us-east-1:123456789012:parameter/app/host","DataType":"text","LastModifiedDate":1.764578891E9,"Name":"/app/host","Type":"String","Value":"db.internal","Version":3}}`,
	`{"Parameter":{"Name":"/app/host","Selector":":prod","SourceResult":"{}","Type":"SecureString","Value":"AQICAH","Version":1}}`,
	`{"InvalidParameters":["/missing"],"Parameters":[{"Name":"/a","Type":"StringList","Value":"x,y","Version":1},null]}`,
	`{"NextToken":"AAEAA","Parameters":[{"Name":"/app/a","Type":"String","Value":"1","Version":9223372036854775807}]}`,
	``, `null`, `nullgarbage`, `{}`, `{}trailing`, ` {"Name":"x"} `, `[]`, `"s"`, `{"Name":null}`, `{"Name":"a","Name":null}`,
	`{"Name":"a","Name":"b"}`, `{"name":"lowercase"}`, `{"\u004eame":"escaped key"}`, `{"Name":"\ud800"}`, "{\"Name\":\"\xff\xfe\"}",
	"{\"Name\":\"\\u00e9\xff\"}", `{"VersionStages":null}`, `{"VersionStages":[]}`, `{"VersionStages":[null,"a"]}`,
	`{"CreatedDate":"NaN"}`, `{"CreatedDate":"1"}`, `{"CreatedDate":1e400}`, `{"CreatedDate":-1.5e-3}`, `{"CreatedDate":1e20}`,
	`{"CreatedDate":253402300800}`, `{"SecretBinary":"not base64"}`, `{"SecretBinary":"QQ=="}`, `{"SecretBinary":"QQ"}`,
	`{"Parameter":{"Version":1.0}}`, `{"Parameter":{"Version":-9223372036854775808}}`, `{"Parameter":{"Version":9223372036854775808}}`,
	`{"Parameter":{"Version":"1"}}`, `{"Parameter":null}`, `{"Parameter":[]}`, `{"Parameters":[[]]}`, `{"Unknown":{"deep":[1,{"x":null}]}}`,
	`{"Unknown":[1,}`, `{"Name":"x",}`, `{"Name" "x"}`, `{"Name":01}`, `{"Name":tru}`, "{\"Name\":\"a\tb\"}",
}

// reDecodeError is every form a decoding error takes: the members it was in,
// then what was wrong, in words of this package's and never a byte of the
// body (which may hold a secret).
var reDecodeError = regexp.MustCompile(`^([A-Z][A-Za-z]*: )*(expected an? [A-Za-z0-9 ]+|invalid JSON at byte \d+|invalid base64|` +
	`invalid number|timestamp out of range|a JSON [a-z]+ where [\w.\[\]]+ was expected|unexpected EOF|EOF)$`)

func FuzzResponsesAreTheSDKs(f *testing.F) {
	for _, s := range responseSeeds {
		for op := range fuzzOps {
			f.Add(uint8(op), []byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, op uint8, b []byte) {
		name := fuzzOps[int(op)%len(fuzzOps)]
		sdk, sdkErr := sdkAnswer(t, name, b)
		got, err := ourAnswer(name, b)
		if (err != nil) != (sdkErr != nil) {
			t.Fatalf("%s of %q: ours %s, %v; the SDK's %s, %v", name, b, got, err, sdk, sdkErr)
		}
		if err == nil && got != sdk {
			t.Fatalf("%s of %q:\n ours %s\n  SDK %s", name, b, got, sdk)
		}
		if err != nil && !reDecodeError.MatchString(err.Error()) {
			t.Fatalf("the error %q may quote the body: it is none of the forms decoding errors take", err)
		}
	})
}

// sdkAnswer is the SDK's output for an answer of b, rendered as the server
// renders it. A panic in the SDK's decoding (it has one: a "NaN" timestamp)
// counts as a failure.
func sdkAnswer(t *testing.T, op string, b []byte) (out string, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, err = "", fmt.Errorf("the SDK panicked: %v", p)
		}
	}()
	hc := &canned{body: b}
	sm, ps := sdkSecrets(fuzzConfig(), hc), sdkParameters(fuzzConfig(), hc)
	var v any
	switch op {
	case opGetSecretValue:
		v, err = sm.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("x")})
	case opBatchGetSecretValue:
		v, err = sm.BatchGetSecretValue(t.Context(), &secretsmanager.BatchGetSecretValueInput{SecretIdList: []string{"x"}})
	case opGetParameter:
		v, err = ps.GetParameter(t.Context(), &ssm.GetParameterInput{Name: aws.String("x")})
	case opGetParameters:
		v, err = ps.GetParameters(t.Context(), &ssm.GetParametersInput{Names: []string{"x"}})
	case opGetParametersByPath:
		var page *ssm.GetParametersByPathOutput
		if page, err = ps.GetParametersByPath(t.Context(), &ssm.GetParametersByPathInput{Path: aws.String("/")}); err == nil {
			return render(struct {
				NextToken  *string
				Parameters any
			}{page.NextToken, page.Parameters}), nil
		}
	}
	if err != nil {
		return "", err
	}
	return render(v), nil
}

// ourAnswer is this package's output for an answer of b, rendered likewise.
func ourAnswer(op string, b []byte) (string, error) {
	var v any
	var member func(string, []byte) error
	switch op {
	case opGetSecretValue:
		o := &GetSecretValueOutput{}
		v, member = o, o.member
	case opBatchGetSecretValue:
		o := &BatchGetSecretValueOutput{}
		v, member = o, o.member
	case opGetParameter:
		o := &GetParameterOutput{}
		v, member = o, o.member
	case opGetParameters:
		o := &GetParametersOutput{}
		v, member = o, o.member
	case opGetParametersByPath:
		o := &byPathPage{}
		v, member = o, o.member
	}
	if err := body(b, member); err != nil {
		return "", safeJSONError(err)
	}
	return render(v), nil
}

// errorSeeds are error answers as the services send them, and edge cases.
var errorSeeds = []struct {
	status int
	header string
	body   string
}{
	{400, "", `{"__type":"ResourceNotFoundException","message":"Secrets Manager can't find the specified secret."}`},
	{400, "", `{"__type":"com.amazonaws.secretsmanager#ResourceNotFoundException","Message":"m"}`},
	{400, "ResourceNotFoundException:http://internal.amazon.com/coral/com.amazon.coral.service/", `{"message":"m"}`},
	{400, "", `{"__type":"ParameterNotFound"}`},
	{400, "", `{"__type":"ThrottlingException","message":"Rate exceeded"}`},
	{400, "", `{"__type":"ThrottlingException","Message":"Rate exceeded","QuotaCode":1}`},
	{400, "", `{"__type":"ValidationException","message":"m","ReasonCode":"x"}`},
	{400, "", `{"__type":"InvalidFilterKey","message":"ignored"}`},
	{400, "", `{"__type":"AccessDeniedException","Message":"User: arn:aws:sts::1:assumed-role/r is not authorized"}`},
	{400, "", `{"code":"CodeOnly","MESSAGE":"upper"}`},
	{400, "", `{"__type":"Unmodeled","message":"a","Message":"b"}`},
	{400, "", `{"__type":"InternalServiceError","message":"a","MESSAGE":"b"}`},
	{400, "", `{"__type":"InternalServiceError","message":null}`},
	{400, "", `{"__type":"InternalServiceError","message":1}`},
	{400, "", `{"__type":1}`},
	{500, "", `{"__type":"InternalServiceError"}`},
	{502, "", `<html><body>Bad Gateway</body></html>`},
	{503, "", ``},
	{503, "ServiceUnavailable", ``},
	{504, "", `null`},
	{400, "ResourceNotFoundException", `null`},
	{400, "ResourceNotFoundException", `{"message":"m"} trailing`},
	{403, "", `[]`},
	{400, "", `{"__type":"ResourceNotFoundException"} trailing`},
	{301, "", `{}`},
}

func FuzzErrorsAreTheSDKs(f *testing.F) {
	for _, s := range errorSeeds {
		f.Add(false, uint16(s.status), s.header, []byte(s.body))
		f.Add(true, uint16(s.status), s.header, []byte(s.body))
	}
	models := map[bool]map[string][]string{
		false: sdkModeledErrors(f, "github.com/aws/aws-sdk-go-v2/service/secretsmanager"),
		true:  sdkModeledErrors(f, "github.com/aws/aws-sdk-go-v2/service/ssm"),
	}
	f.Fuzz(func(t *testing.T, parameters bool, status uint16, header string, b []byte) {
		if strings.ContainsFunc(header, func(r rune) bool { return r < 0x20 || r >= 0x7f }) {
			t.Skip("not a header value")
		}
		code := 300 + int(status)%300
		h := http.Header{}
		if header != "" {
			h.Set("X-Amzn-ErrorType", header)
		}
		hc := &canned{status: code, header: h, body: b}
		c, err := New(Options{AWSConfig: fuzzConfig()})
		if err != nil {
			t.Fatal(err)
		}
		op, s, sdkErr := opGetSecretValue, c.secrets, error(nil)
		if parameters {
			op, s = opGetParameter, c.parameters
			_, sdkErr = sdkParameters(fuzzConfig(), hc).GetParameter(t.Context(), &ssm.GetParameterInput{Name: aws.String("x")})
		} else {
			_, sdkErr = sdkSecrets(fuzzConfig(), hc).GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("x")})
		}
		resp := &http.Response{StatusCode: code, Header: h, Body: io.NopCloser(bytes.NewReader(b))}
		want, got := translate(op, sdkErr), translate(op, s.responseError(resp, b))
		var api smithy.APIError
		wantAPI, gotAPI := errors.As(want, &api), errors.As(got, &api)
		if !wantAPI && gotAPI && extraMembers(models[parameters][got.Code]) {
			// A member of a modeled error other than its message, of the
			// wrong type: the SDK fails to decode the error (a 500); the code
			// and message are still read here. Services send them right.
			return
		}
		if wantAPI != gotAPI || got.Code != want.Code || got.Status != want.Status || got.Message != want.Message && wantAPI {
			t.Fatalf("status %d, %q, %q:\n ours %s %d %q (API error %v)\n  SDK %s %d %q (API error %v)",
				code, header, b, got.Code, got.Status, got.Message, gotAPI, want.Code, want.Status, want.Message, wantAPI)
		}
	})
}
