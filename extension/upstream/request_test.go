package upstream

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/paramsecrets/paramsecrets/internal/sdkconfig"
)

// reSDKOnlyTokens are the User-Agent tokens only the SDK's service clients
// send: their module's version (api/secretsmanager#1.50.12) and their
// feature metrics (m/E,e).
var reSDKOnlyTokens = regexp.MustCompile(` (api/\S+|m/\S+)`)

// TestRequestsAreTheSDKs: each operation's request is the one the SDK's
// client sends for it — method, URL, body byte for byte, the JSON 1.1 and
// retry headers, the SigV4 scope and signed headers, the session token — and
// its User-Agent is the SDK's, with paramsecrets/<version>, without the two
// tokens that name the SDK's service modules.
func TestRequestsAreTheSDKs(t *testing.T) {
	cfg := aws.Config{
		Region:      "eu-west-3",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local-secret", "session-token"),
		AppID:       "my app",
	}
	sdkconfig.Apply(&cfg) // as the extension's main does: the SDK's client then sends paramsecrets/<version> too
	lookup := func(k string) (string, bool) {
		if k == "AWS_EXECUTION_ENV" {
			return "AWS_Lambda_provided.al2023", true
		}
		return "", false
	}
	t.Setenv("AWS_EXECUTION_ENV", "AWS_Lambda_provided.al2023") // the SDK reads it from the process
	// "<", "&" and U+2028 are written as the SDK writes them.
	id, name := "app/db<&>\u2028", "/app/host"
	tests := []struct {
		name      string
		sdk, ours func(hc *canned)
	}{
		{"GetSecretValue", func(hc *canned) {
			sdkSecrets(cfg, hc).GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: &id, VersionStage: aws.String("AWSPREVIOUS")})
		}, func(hc *canned) {
			ours(t, cfg, lookup, hc).GetSecretValue(t.Context(), &GetSecretValueInput{SecretId: &id, VersionStage: aws.String("AWSPREVIOUS")})
		}},
		{"GetSecretValue by version id", func(hc *canned) {
			sdkSecrets(cfg, hc).GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: &id, VersionId: aws.String("v1")})
		}, func(hc *canned) {
			ours(t, cfg, lookup, hc).GetSecretValue(t.Context(), &GetSecretValueInput{SecretId: &id, VersionId: aws.String("v1")})
		}},
		{"BatchGetSecretValue", func(hc *canned) {
			sdkSecrets(cfg, hc).BatchGetSecretValue(t.Context(), &secretsmanager.BatchGetSecretValueInput{SecretIdList: []string{"a", id}})
		}, func(hc *canned) {
			ours(t, cfg, lookup, hc).BatchGetSecretValue(t.Context(), []string{"a", id})
		}},
		{"GetParameter", func(hc *canned) {
			sdkParameters(cfg, hc).GetParameter(t.Context(), &ssm.GetParameterInput{Name: &name, WithDecryption: aws.Bool(true)})
		}, func(hc *canned) {
			ours(t, cfg, lookup, hc).GetParameter(t.Context(), name, true)
		}},
		{"GetParameters", func(hc *canned) {
			sdkParameters(cfg, hc).GetParameters(t.Context(), &ssm.GetParametersInput{Names: []string{name, "/b:2"}, WithDecryption: aws.Bool(false)})
		}, func(hc *canned) {
			ours(t, cfg, lookup, hc).GetParameters(t.Context(), []string{name, "/b:2"}, false)
		}},
		{"GetParametersByPath", func(hc *canned) {
			sdkParameters(cfg, hc).GetParametersByPath(t.Context(), &ssm.GetParametersByPathInput{Path: aws.String("/app"), Recursive: aws.Bool(true), WithDecryption: aws.Bool(false)})
		}, func(hc *canned) {
			ours(t, cfg, lookup, hc).GetParametersByPath(t.Context(), "/app", true, false)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sdk, our := &canned{body: []byte("{}")}, &canned{body: []byte("{}")}
			tt.sdk(sdk)
			tt.ours(our)
			if len(sdk.reqs) != 1 || len(our.reqs) != 1 {
				t.Fatalf("%d and %d requests, want one each", len(sdk.reqs), len(our.reqs))
			}
			want, got := sdk.reqs[0], our.reqs[0]
			if got.Method != want.Method || got.URL.String() != want.URL.String() {
				t.Errorf("%s %s, the SDK's %s %s", got.Method, got.URL, want.Method, want.URL)
			}
			if string(our.bods[0]) != string(sdk.bods[0]) {
				t.Errorf("body\n got %s\nwant %s", our.bods[0], sdk.bods[0])
			}
			for _, h := range []string{"Content-Type", "X-Amz-Target", "Amz-Sdk-Request", "X-Amz-Security-Token"} {
				if got.Header.Get(h) != want.Header.Get(h) || got.Header.Get(h) == "" {
					t.Errorf("%s: %q, the SDK's %q", h, got.Header.Get(h), want.Header.Get(h))
				}
			}
			if got.ContentLength != want.ContentLength {
				t.Errorf("Content-Length %d, the SDK's %d", got.ContentLength, want.ContentLength)
			}
			if g, w := scope(got.Header), scope(want.Header); g != w || g == "" {
				t.Errorf("Authorization scope %q, the SDK's %q", g, w)
			}
			if g, w := got.Header.Get("User-Agent"), reSDKOnlyTokens.ReplaceAllString(want.Header.Get("User-Agent"), ""); g != w {
				t.Errorf("User-Agent\n got %q\nwant %q (the SDK's, less its service tokens)", g, w)
			}
			if got.Header.Get("Amz-Sdk-Invocation-Id") == "" || got.Header.Get("X-Amz-Date") == "" {
				t.Errorf("no invocation id or date: %v", got.Header)
			}
		})
	}
}

// scope is an Authorization header less its date and signature: algorithm,
// access key, region, service and the signed headers.
func scope(h http.Header) string {
	auth := h.Get("Authorization")
	auth = regexp.MustCompile(`/\d{8}/`).ReplaceAllString(auth, "/DATE/")
	auth, _, _ = strings.Cut(auth, ", Signature=")
	return auth
}

// ours is a Client for cfg that sends through hc.
func ours(t *testing.T, cfg aws.Config, lookup func(string) (string, bool), hc *canned) *Client {
	t.Helper()
	c, err := New(Options{AWSConfig: cfg, LookupEnv: lookup})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []*service{c.secrets, c.parameters} {
		s.http.client.Transport = hc
		s.retryer = retryerV2{aws.NopRetryer{}}
	}
	return c
}
