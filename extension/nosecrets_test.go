package main

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/paramsecrets/paramsecrets/localaws"
)

// TestDebugLogsRevealNoSecret reads every kind of value through every route at
// LOG_LEVEL=DEBUG, in both log formats, and then searches everything the
// process printed for the values and the token.
func TestDebugLogsRevealNoSecret(t *testing.T) {
	t.Parallel()
	const (
		stringSecret = `{"username":"app","password":"pw-SECRET-4b2e"}`
		otherSecret  = "plain-SECRET-77aa"
		secureParam  = "param-SECRET-c0ffee"
		plainParam   = "param-SECRET-plain-0d0d"
	)
	binarySecret := []byte("bin-SECRET-\x00\x01\x02-9f")
	secrets := []string{stringSecret, "pw-SECRET-4b2e", otherSecret, secureParam, plainParam,
		string(binarySecret), base64.StdEncoding.EncodeToString(binarySecret), testToken}

	for _, format := range []string{"Text", "JSON"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			sessions := &sessionKeys{}
			_, endpoint := startLocalawsThrough(t, sessions.record, localaws.Seed{
				Secrets: []localaws.SeedSecret{
					{Name: "demo/db", SecretString: strPtr(stringSecret)},
					{Name: "demo/other", SecretString: strPtr(otherSecret)},
					{Name: "demo/bin", SecretBinary: binarySecret},
					sharedSeed().Secrets[len(sharedSeed().Secrets)-1],
				},
				Parameters: []localaws.SeedParameter{
					{Name: "/demo/secure", Type: "SecureString", Value: secureParam},
					{Name: "/demo/nested/plain", Type: "String", Value: plainParam},
				},
			})
			shared := secretARN(t, endpoint, "shared/db")
			p := startStandalone(t, map[string]string{
				"AWS_ENDPOINT_URL": endpoint, "AWS_SESSION_TOKEN": testToken,
				"AWS_LAMBDA_LOG_FORMAT":                            format,
				"PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL":           "DEBUG",
				"PARAMETERS_SECRETS_EXTENSION_PREFETCH_SECRETS":    "demo/db,demo/bin",
				"PARAMETERS_SECRETS_EXTENSION_PREFETCH_PARAMETERS": "/demo/secure",
			})

			reads := []struct {
				path     string
				wantCode int
				contains string // a value the body must carry, proving the read worked
			}{
				{"/secretsmanager/get?secretId=demo/db", 200, "pw-SECRET-4b2e"},
				{"/secretsmanager/get/?secretId=demo/db&refreshNow=true", 200, "pw-SECRET-4b2e"},
				{"/secretsmanager/get?secretId=demo/db&versionStage=AWSCURRENT", 200, "pw-SECRET-4b2e"},
				{"/secretsmanager/get?secretId=demo/bin", 200, base64.StdEncoding.EncodeToString(binarySecret)},
				{"/v1/demo/other", 200, otherSecret},
				{"/secretsmanager/batch-get?secretIds=demo/db,demo/other,demo/missing", 200, otherSecret},
				{"/systemsmanager/parameters/get?name=/demo/secure&withDecryption=true", 200, secureParam},
				{"/systemsmanager/parameters/get?name=/demo/secure:1&withDecryption=true", 200, secureParam},
				{"/systemsmanager/parameters/get-by-path?path=/demo&recursive=true&withDecryption=true", 200, plainParam},
				{"/systemsmanager/parameters/get?name=/aws/reference/secretsmanager/demo/other&withDecryption=true", 200, otherSecret},
				{"/secretsmanager/get?secretId=demo/db&jsonKey=password", 200, "pw-SECRET-4b2e"},
				{"/v1/demo/db?valueOnly=true", 200, "pw-SECRET-4b2e"},
				{"/secretsmanager/get?secretId=demo/bin&valueOnly=true", 200, string(binarySecret)},
				{"/secretsmanager/get?secretId=demo/other&jsonKey=password", 400, ""},
				{"/systemsmanager/parameters/get?name=/demo/secure&withDecryption=true&valueOnly=true", 200, secureParam},
				{"/systemsmanager/parameters/batch-get?names=/demo/secure,/demo/nested/plain,/demo/none&withDecryption=true", 200, plainParam},
				{"/secretsmanager/get?secretId=demo/missing", 400, ""},
				{"/secretsmanager/get?secretId=demo/db&bogus=1", 400, ""},
				{"/secretsmanager/get?secretId=" + shared + "&roleArn=" + roleReader, 200, "pw-SECRET-5h4r3d"},
				{"/v1/" + shared + "?roleArn=" + roleReader + "&jsonKey=password", 200, "pw-SECRET-5h4r3d"},
				{"/secretsmanager/batch-get?secretIds=" + shared + "&roleArn=" + roleAuditor, 200, "AccessDeniedException"},
				{"/secretsmanager/get?secretId=" + shared + "&roleArn=" + roleAuditor, 400, ""},
				{"/secretsmanager/get?secretId=" + shared + "&roleArn=arn:aws:iam::1:role/x", 400, ""},
			}
			for _, r := range reads {
				code, body, _ := p.get(t, r.path, testToken)
				if code != r.wantCode || !strings.Contains(body, r.contains) {
					t.Errorf("GET %s: %d (want %d), body carries %q: %v", r.path, code, r.wantCode, r.contains, strings.Contains(body, r.contains))
				}
			}
			if code, _, _ := p.get(t, "/secretsmanager/get?secretId=demo/db", "not-"+testToken); code != http.StatusUnauthorized {
				t.Errorf("wrong token: %d, want 401", code)
			}
			if code := p.stop(t); code != 0 {
				t.Errorf("exit code %d", code)
			}
			keys := sessions.all()
			if len(keys) != 2*3 {
				t.Fatalf("recorded %d session credentials, want those of the two roles' sessions", len(keys))
			}
			secrets := append(secrets, keys...)

			out := p.stdout.String() + p.stderr.String()
			if !strings.Contains(out, "DEBUG") && !strings.Contains(out, `"level":"DEBUG"`) {
				t.Fatalf("no DEBUG lines were written; the test proves nothing:\n%s", out)
			}
			// The request lines name the route and what was asked for.
			for _, want := range [][2]string{
				{`route=parameters/batch-get id=/demo/secure,/demo/nested/plain,/demo/none`, `"route":"parameters/batch-get","id":"/demo/secure,/demo/nested/plain,/demo/none"`},
				{`route=v1 id=demo/db`, `"route":"v1","id":"demo/db"`},
			} {
				if !strings.Contains(out, want[0]) && !strings.Contains(out, want[1]) {
					t.Errorf("no request line with %s", want[0])
				}
			}
			for _, s := range secrets {
				if strings.Contains(out, s) {
					t.Errorf("output reveals %q", s)
				}
			}
			// Every value and the token carry this marker, so a value that was
			// escaped or cut in a log line is caught too.
			if i := strings.Index(out, "-SECRET-"); i >= 0 {
				t.Errorf("output carries a secret marker: %q", out[max(0, i-80):min(len(out), i+40)])
			}
		})
	}
}

// sessionKeys records the credentials of every AssumeRole answer localaws
// gives: the keys of the role sessions, which no log may show.
type sessionKeys struct {
	mu   sync.Mutex
	keys []string
}

var reCredential = regexp.MustCompile(`<(?:AccessKeyId|SecretAccessKey|SessionToken)>([^<]+)<`)

// record serves next, noting the credentials in its STS answers.
func (s *sessionKeys) record(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Authorization"), "/sts/aws4_request") {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		s.mu.Lock()
		for _, m := range reCredential.FindAllStringSubmatch(rec.Body.String(), -1) {
			s.keys = append(s.keys, m[1])
		}
		s.mu.Unlock()
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

func (s *sessionKeys) all() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.keys)
}
